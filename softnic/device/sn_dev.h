/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Soft-NIC device model: internal state shared by the files of
 * softnic/device/.  Nothing outside this directory includes it; the public
 * contract is softnic.h.
 *
 * Locking: one mutex per adapter (struct sn_adapter.lock) protects every
 * field below.  The device thread holds it for one iteration of its loop
 * (doorbell scan, SQ processing, RX polling, coalescing flush); control
 * operations (queue create/destroy, MR registration, ctl commands) take it
 * too.  A control operation announces itself in ctl_waiting so the device
 * thread steps aside between iterations (pthread mutexes are not fair).
 */
#ifndef SN_DEV_H
#define SN_DEV_H

#include <pthread.h>
#include <stdatomic.h>

#include <infiniband/verbs.h>

#include "softnic.h"

#ifndef likely
#define likely(x)	__builtin_expect(!!(x), 1)
#define unlikely(x)	__builtin_expect(!!(x), 0)
#endif

#define SN_MAX_QUEUE_ID		4096u	/* ids 1..4095 (short doorbells: 12 bits) */
#define SN_RX_BURST		1024u	/* frames taken from one wire per iteration */
#define SN_TX_BUDGET		64u	/* WQEs of one SQ per iteration */
#define SN_IDLE_SPINS		1000u	/* idle iterations before sleeping */
#define SN_IDLE_MAX_NS		1000000ull	/* longest idle sleep: 1 ms */
#define SN_FRAME_BUF		(SN_MAX_FRAME + 64u)

/*
 * vendor_err values of the soft-NIC's error CQEs (§4.4 leaves them open,
 * spec §11 question 2).  Drivers only log them.
 */
enum sn_vendor_err {
	SN_VERR_NONE = 0,
	SN_VERR_OOB_SIZE = 0x000101,	/* inline OOB size not 2 or 6 dwords */
	SN_VERR_OOB_FMT = 0x000102,	/* pkt_fmt does not match the OOB size */
	SN_VERR_VCQ = 0x000103,		/* vcq_num is not the SQ's CQ */
	SN_VERR_VSQ = 0x000104,		/* vsq_frame is not sq_id >> 10 */
	SN_VERR_VPORT = 0x000105,	/* vPort offset is not the SQ's vPort */
	SN_VERR_BAD_LKEY = 0x000201,	/* SGE lkey not registered */
	SN_VERR_BAD_PD = 0x000202,	/* MR belongs to another PD */
	SN_VERR_SGE_RANGE = 0x000203,	/* SGE outside its MR */
	SN_VERR_ACCESS = 0x000204,	/* MR lacks LOCAL_WRITE for a device write */
	SN_VERR_EMPTY_SGL = 0x000205,	/* no SGE or no byte to send */
	SN_VERR_TOO_MANY_SGE = 0x000206,	/* WQE larger than 512 (SQ) / 256 (RQ) bytes */
	SN_VERR_RUNT = 0x000301,	/* frame shorter than an Ethernet header */
	SN_VERR_OFFLOAD = 0x000302,	/* checksum offload on a frame that is not
					 * the IPv4/IPv6/TCP/UDP the OOB says */
	SN_VERR_FAULT = 0x000401,	/* injected by "fault ... tx-error" */
};

/* Per-port counters (names in ctl.c, same order). */
enum sn_port_ctr {
	SN_PC_TX_FRAMES,
	SN_PC_TX_BYTES,
	SN_PC_RX_FRAMES,
	SN_PC_RX_BYTES,
	SN_PC_TX_ERR_CQES,		/* WQEs completed with an error CQE */
	SN_PC_TX_DROP_LINK_DOWN,
	SN_PC_TX_DROP_MTU,
	SN_PC_TX_DROP_FAULT,
	SN_PC_TX_DROP_DMA_ERROR,
	SN_PC_TX_DROP_INVALID,		/* invalid OOB / vPort / header errors */
	SN_PC_TX_DROP_WIRE,		/* the wire refused the frame */
	SN_PC_RX_DROP_NO_WQE,
	SN_PC_RX_DROP_NO_RQ,		/* no RX steering (RSS QP) on the vPort */
	SN_PC_RX_DROP_LINK_DOWN,
	SN_PC_RX_DROP_FAULT,
	SN_PC_RX_DROP_TRUNCATED,
	SN_PC_RX_DROP_DMA_ERROR,
	SN_PC_RX_CQES,
	SN_PC_RX_COALESCED_CQES,
	SN_PC_CQ_OVERFLOW,
	SN_PC_DOORBELLS,
	SN_PC_MAX
};

/* Per-queue counters (names in ctl.c). */
enum sn_queue_ctr {
	SN_QC_DOORBELLS,
	SN_QC_WQES,
	SN_QC_CQES,
	SN_QC_COALESCED_CQES,		/* CQE_RX_COALESCED_4 written */
	SN_QC_COALESCED_PKTS,		/* packets reported by them */
	SN_QC_CQ_OVERFLOW,
	SN_QC_CQ_DOORBELLS,
	SN_QC_CQ_EVENTS,
	SN_QC_MAX
};

/* Adapter-wide counters. */
enum sn_adapter_ctr {
	SN_AC_DOORBELLS,
	SN_AC_DOORBELLS_IGNORED,	/* unknown queue id / wrong context */
	SN_AC_CQ_OVERFLOW,
	SN_AC_REVOKES,
	SN_AC_RESTORES,
	SN_AC_MAX
};

#define SN_CQE_TYPES	64u

/* What the device remembers about the CQE in one CQ slot, for overflow
 * inference (cq.c): the last WQE it completed. */
struct sn_cqe_rec {
	uint64_t wqe_seq;		/* sequence number of that WQE in its WQ */
	uint32_t wqe_pos;		/* its free-running byte position */
};

struct sn_wq;

struct sn_cq {
	struct mana_cqe *ring;
	uint32_t n;			/* entries */
	uint32_t id;
	uint64_t k;			/* CQEs written so far */
	uint32_t slot;			/* k mod n */
	uint32_t owner;			/* (k / n + 1) & 7 */
	uint64_t db_consumed;		/* consumer count from CQ doorbells */
	bool armed;
	uint64_t arm_at;		/* fire when CQE index >= arm_at exists */
	void (*event_fn)(void *arg);
	void *event_arg;
	struct sn_cqe_rec *rec;		/* n records */
	struct sn_wq *wq;		/* the one WQ this CQ serves */
};

enum sn_wq_type {
	SN_WQ_SQ = 1,
	SN_WQ_RQ = 2,
};

struct sn_port;
struct sn_rss;

struct sn_wq {
	enum sn_wq_type type;
	uint32_t id;
	uint8_t *ring;
	uint32_t size;			/* bytes, power of two */
	uint32_t mask;
	uint32_t hw;			/* consumer position, bytes mod 2^32 */
	uint32_t tail;			/* producer position from doorbells */
	uint64_t seq;			/* WQEs consumed so far */
	uint32_t max_wr;		/* from the verbs layer (0 = unknown) */
	uint32_t pdn;
	struct sn_port *port;
	struct sn_dbr *dbr;
	unsigned int page;		/* doorbell page of this queue */
	struct sn_cq cq;
	struct sn_rss *rss;		/* RQ: owning RSS object */
	/* SQ: "delay" fault: time of the latest doorbell. */
	uint64_t db_time_ns;
	/* RQ: the open (not yet written) coalesced CQE, built in place in the
	 * CQ's next slot (rx.c): packets in it, their dword-1 flags. */
	uint32_t open_dw1;
	unsigned int open_cnt;
	uint64_t open_last_seq;
	uint32_t open_last_pos;
	bool tail_warned;
	uint64_t ctr[SN_QC_MAX];
	uint64_t cqe_type_ctr[SN_CQE_TYPES];
};

struct sn_rss {
	struct sn_port *port;
	uint32_t pdn;
	unsigned int n_wq;
	bool rss_enable;		/* n_wq > 1 */
	struct sn_wq *wq[MANA_RSS_IND_TABLE_SIZE];
	struct sn_wq *table[MANA_RSS_IND_TABLE_SIZE];
	struct sn_wq *def;		/* default RX object: last WQ */
	uint8_t key[MANA_RSS_KEY_SIZE];
	uint32_t key_be[MANA_RSS_KEY_SIZE / 4];	/* rte_convert_rss_key() form */
};

struct sn_port {
	unsigned int idx;
	struct sn_wire *wire;
	bool link_up;
	uint32_t mtu;
	uint32_t tx_vp_offset;		/* idx + 1 */
	uint32_t vport_pdn;		/* PD configuring the vPort, 0 = free */
	unsigned int vport_sqs;		/* SQs of that PD on this port */
	struct sn_rss *rss;		/* RX steering, NULL = none */
	int loop_peer;			/* loop wire to a loop-wired port of this
					 * adapter: that port (cut-through), else -1 */
	bool rx_started;		/* an RQ doorbell arrived since steering */
	/* fault injection */
	uint32_t fault_tx_err_n;
	uint32_t fault_tx_err_type;
	uint32_t fault_owner_corrupt;
	uint32_t fault_rx_drop_n;
	uint32_t fault_delay_us;
	uint64_t ctr[SN_PC_MAX];
};

/* Trap state of a doorbell page (dbtrap.c). */
enum sn_page_state {
	SN_PG_LEARN = 0,		/* write-protected until its first store */
	SN_PG_SHARED = 1,		/* write-protected: every store emulated */
	SN_PG_FAST = 2,			/* writable: only polled */
};

struct sn_dbr {
	struct sn_adapter *a;
	int fd;
	uint8_t *base;			/* driver view (db_page pointers) */
	uint8_t *dev;			/* device view of the same memfd */
	bool dead;			/* revoked or destroyed (atomic access) */
	int trap_slot;			/* dbtrap registry slot, -1 = not trapped */
	uint8_t page_used[SN_DBR_PAGES];
	uint8_t page_state[SN_DBR_PAGES];	/* enum sn_page_state */
	/* queues a page was handed out for: its WQ (type, id) and that WQ's
	 * CQ; 0 = none (page 0, free pages) */
	uint8_t owner_type[SN_DBR_PAGES];
	uint32_t owner_wq[SN_DBR_PAGES];
	uint32_t owner_cq[SN_DBR_PAGES];
	struct sn_dbr *next;
};

struct sn_listener {
	sn_async_fn fn;
	void *arg;
	struct sn_listener *next;
};

struct sn_mr {
	uint32_t lkey;			/* 0 = free slot */
	uint32_t pdn;
	int access;
	uint64_t iova;			/* start in the MR's address space */
	uint64_t length;
	uint8_t *host;			/* process address of iova */
};

struct sn_adapter {
	unsigned int idx;
	const struct sn_config *cfg;
	const struct sn_adapter_config *acfg;
	pthread_mutex_t lock;
	atomic_uint ctl_waiting;
	pthread_t thread;
	bool thread_started;
	atomic_bool stop;
	/* idle sleep: set while the device thread sleeps; a trapped doorbell
	 * (dbtrap.c) writes wake_fd (an eventfd) to wake it */
	bool sleeping;
	int wake_fd;
	/* inotify fd on the fake sysfs netdev dirs (mtuwatch.c), or -1 */
	int mtu_watch_fd;
	unsigned int mtu_watch_iter;
	uint32_t generation;
	bool revoked;
	unsigned int num_ports;
	struct sn_port port[SN_MAX_PORTS];
	/* queue objects by id: SQs/RQs in wq[], CQs point to their WQ */
	struct sn_wq *wq_by_id[SN_MAX_QUEUE_ID];
	struct sn_cq *cq_by_id[SN_MAX_QUEUE_ID];
	uint32_t next_id;
	/* device thread work lists, rebuilt when queues change */
	struct sn_wq **sqs;
	unsigned int n_sqs;
	uint8_t **pages;		/* doorbell pages to scan (device view) */
	struct sn_dbr **page_dbr;
	uint16_t *page_idx;		/* index of pages[i] in its region */
	unsigned int n_pages;
	struct sn_wq *open_rqs[SN_MAX_QUEUE_ID];	/* RQs with an open CQE */
	unsigned int n_open;
	struct sn_dbr *dbrs;
	/* MRs and PDs */
	struct sn_mr *mr;
	uint32_t mr_cap;
	uint32_t mr_gen;		/* varies the key byte of lkeys */
	uint32_t next_pdn;
	/* listeners */
	pthread_mutex_t listen_lock;
	struct sn_listener *listeners;
	uint64_t ctr[SN_AC_MAX];
	/* scratch frame buffers of the device thread */
	uint8_t txbuf[SN_FRAME_BUF] __attribute__((aligned(64)));
	uint8_t rxbuf[SN_FRAME_BUF] __attribute__((aligned(64)));
};

/* adapter.c */
void sn_adapter_lock(struct sn_adapter *a);
void sn_adapter_unlock(struct sn_adapter *a);
/* Rebuild the device thread's SQ and doorbell page lists (lock held). */
void sn_adapter_rebuild_lists(struct sn_adapter *a);
/* Allocate / release a queue id in 1..4095 (lock held); 0 if exhausted. */
uint32_t sn_id_alloc(struct sn_adapter *a);
void sn_id_free(struct sn_adapter *a, uint32_t id);
/* Notify every listener (takes listen_lock). */
void sn_adapter_notify(struct sn_adapter *a, enum sn_async_event ev, uint32_t port);
/* Process-wide coalescing switch (config "coalesce", ctl "coalesce"). */
extern atomic_bool sn_coalesce_on;
uint64_t sn_now_ns(void);

/* doorbell.c */
/* Scan every doorbell page once; returns the number of doorbells seen. */
unsigned int sn_db_scan(struct sn_adapter *a);
/* Is a doorbell value waiting on any page (lock held)? */
bool sn_db_pending(struct sn_adapter *a);
/* Allocate / free a queue page of a region (lock held); 0 = none left. */
unsigned int sn_dbr_page_alloc(struct sn_dbr *r);
void sn_dbr_page_free(struct sn_dbr *r, unsigned int page);
/* Mark every region of the adapter dead (revoke). */
void sn_dbr_kill_all(struct sn_adapter *a);

/* Give a queue page its owners (lock held, after sn_dbr_page_alloc):
 * the WQ of type t and id wq_id, and its CQ cq_id. */
void sn_dbr_page_own(struct sn_dbr *r, unsigned int page, enum sn_wq_type t,
		     uint32_t wq_id, uint32_t cq_id);

/* dbtrap.c: exact doorbells on shared pages (spec §1.2, §2) */
bool sn_dbtrap_register(struct sn_dbr *r);
void sn_dbtrap_unregister(struct sn_dbr *r);
void sn_dbtrap_set(struct sn_dbr *r, unsigned int page, uint8_t state);
void sn_dbtrap_stats(uint64_t *traps, uint64_t *unknown, uint64_t *timeouts);

/* mr.c (MR table); the DMA check is inline here */
/*
 * The DMA check of one SGE access (lock held, device thread; spec §3.2, see
 * mr.c for the lkey layout): a device access of len bytes at SGE address
 * addr under lkey for a queue of PD pdn (write: RX, needs LOCAL_WRITE).
 * Returns the host address of addr, or NULL with *verr = SN_VERR_BAD_LKEY /
 * _BAD_PD / _SGE_RANGE / _ACCESS.
 */
static inline uint8_t *
sn_mr_access(struct sn_adapter *a, uint32_t lkey, uint32_t pdn, uint64_t addr,
	     uint32_t len, bool write, uint32_t *verr)
{
	uint32_t i = lkey >> 8;
	const struct sn_mr *m;
	uint64_t off;

	if (unlikely(i == 0 || i >= a->mr_cap || a->mr[i].lkey != lkey)) {
		*verr = SN_VERR_BAD_LKEY;
		return NULL;
	}
	m = &a->mr[i];
	if (unlikely(m->pdn != pdn)) {
		*verr = SN_VERR_BAD_PD;
		return NULL;
	}
	off = addr - m->iova;
	if (unlikely(addr < m->iova || off > m->length || len > m->length - off)) {
		*verr = SN_VERR_SGE_RANGE;
		return NULL;
	}
	if (unlikely(write && !(m->access & IBV_ACCESS_LOCAL_WRITE))) {
		*verr = SN_VERR_ACCESS;
		return NULL;
	}
	return m->host + off;
}

/* cq.c */
void sn_cq_init(struct sn_cq *cq, const struct sn_cq_desc *d, uint32_t id,
		struct sn_wq *wq);
void sn_cq_fini(struct sn_cq *cq);
/* Write one CQE (60 bytes of client data in c) for WQ wq, completing the
 * WQEs up to last_seq (whose byte position is last_pos). */
void sn_cq_write(struct sn_adapter *a, struct sn_wq *wq, const struct mana_cqe *c,
		 uint64_t last_seq, uint32_t last_pos);
/* The slot the next CQE of cq goes to: a writer fills its 60 bytes of
 * client data in place (invisible to the driver until the owner bits
 * change), then calls sn_cq_commit(). */
static inline struct mana_cqe *
sn_cq_slot(struct sn_cq *cq)
{
	return &cq->ring[cq->slot];
}
void sn_cq_overflow(struct sn_adapter *a, struct sn_wq *wq, uint64_t k);
uint32_t sn_cq_owner_fault(struct sn_wq *wq, uint32_t owner);
void sn_cq_fire(struct sn_cq *cq);

/* Is the CQE that slot cq->slot holds (index k - N) known consumed (§6.4,
 * the inference described in cq.c)? */
static inline bool
sn_cq_victim_consumed(const struct sn_cq *cq, const struct sn_wq *wq, uint64_t victim)
{
	const struct sn_cqe_rec *r = &cq->rec[cq->slot];

	if (victim < cq->db_consumed)
		return true;
	/* ring space of the victim's last WQE re-posted */
	if ((uint32_t)(wq->tail - r->wqe_pos) > wq->size &&
	    (uint32_t)(wq->tail - r->wqe_pos) < 0x80000000u)
		return true;
	/* at least max_wr WQEs completed after it: wq->seq - 1 is the newest
	 * WQE consumed by the device (the one completing now) */
	if (wq->max_wr != 0 && wq->seq >= 1 && wq->seq - 1 >= r->wqe_seq + wq->max_wr)
		return true;
	return false;
}

/*
 * Complete the CQE whose 60 bytes of client data the caller has written into
 * sn_cq_slot(&wq->cq) (lock held, device thread): overflow check (§6.4),
 * info dword with the owner bits stored last with release semantics (§6.3),
 * bookkeeping, counters, completion event (§6.5).  cqe_type is the type the
 * caller wrote; last_seq/last_pos identify the last WQE this CQE completes
 * (for overflow inference).
 */
static inline __attribute__((always_inline)) void
sn_cq_commit(struct sn_adapter *a, struct sn_wq *wq, uint32_t cqe_type,
	     uint64_t last_seq, uint32_t last_pos)
{
	struct sn_cq *cq = &wq->cq;
	struct mana_cqe *dst = &cq->ring[cq->slot];
	union mana_cqe_info info = { .as_uint32 = 0 };
	uint64_t k = cq->k;
	uint32_t owner = cq->owner;

	if (k >= cq->n && unlikely(!sn_cq_victim_consumed(cq, wq, k - cq->n)))
		sn_cq_overflow(a, wq, k);
	if (unlikely(wq->port->fault_owner_corrupt))
		owner = sn_cq_owner_fault(wq, owner);
	info.wq_num = wq->id;
	info.is_sq = wq->type == SN_WQ_SQ;
	info.owner_bits = owner;
	__atomic_store_n(&dst->info.as_uint32, info.as_uint32, __ATOMIC_RELEASE);
	cq->rec[cq->slot].wqe_seq = last_seq;
	cq->rec[cq->slot].wqe_pos = last_pos;
	cq->k = k + 1;
	if (unlikely(++cq->slot == cq->n)) {
		cq->slot = 0;
		cq->owner = (cq->owner + 1) & MANA_CQE_OWNER_MASK;
	}
	__builtin_prefetch(&cq->ring[cq->slot], 1);
	wq->ctr[SN_QC_CQES]++;
	wq->cqe_type_ctr[cqe_type & (SN_CQE_TYPES - 1)]++;
	if (unlikely(cq->armed) && k >= cq->arm_at)
		sn_cq_fire(cq);
}
/* CQ doorbell: tail = consumer head mod 8N (64-bit form, §2.2) */
void sn_cq_doorbell(struct sn_adapter *a, struct sn_cq *cq, uint32_t tail, bool arm);
/* CQ short doorbell: incr entries consumed (§2.3) */
void sn_cq_doorbell_short(struct sn_adapter *a, struct sn_cq *cq, uint32_t incr, bool arm);

/* tx.c */
/* Process up to budget WQEs of one SQ; returns the number processed. */
unsigned int sn_tx_process(struct sn_adapter *a, struct sn_wq *sq, unsigned int budget);

/* rx.c */
/* Poll one port's wire for up to SN_RX_BURST frames; returns frames. */
unsigned int sn_rx_poll(struct sn_adapter *a, struct sn_port *p);
/* Write every open coalesced CQE (end of an iteration). */
void sn_rx_flush_all(struct sn_adapter *a);
/* Write the open coalesced CQE of one RQ, if any. */
void sn_rx_flush(struct sn_adapter *a, struct sn_wq *rq);
/* One frame (len <= SN_MAX_FRAME) arriving at port p, which has RX
 * steering; f is modified only if writable. */
void sn_rx_frame(struct sn_adapter *a, struct sn_port *p, uint8_t *f, uint32_t len,
		 bool writable);

/* queue.c */
void sn_queue_free_all(struct sn_adapter *a);
/* mtuwatch.c: port MTU written in the fake sysfs (spec §8). */
void sn_mtu_watch_open(struct sn_adapter *a);
void sn_mtu_watch_arm(struct sn_adapter *a);
void sn_mtu_watch_close(struct sn_adapter *a);
void sn_mtu_watch_sync(struct sn_adapter *a);
#define SN_MTU_WATCH_PERIOD	1024	/* device iterations between checks */
void sn_wq_free(struct sn_adapter *a, struct sn_wq *wq);
/* Free every queue object of one doorbell region (context close). */
void sn_queue_free_dbr(struct sn_adapter *a, struct sn_dbr *r);

/* ctl.c */
const char *sn_cqe_type_name(unsigned int type);

#endif /* SN_DEV_H */
