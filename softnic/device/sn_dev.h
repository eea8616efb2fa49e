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

#include "softnic.h"

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
	/* RQ: the open (not yet written) coalesced CQE. */
	struct mana_cqe open;
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
	bool rx_started;		/* an RQ doorbell arrived since steering */
	/* fault injection */
	uint32_t fault_tx_err_n;
	uint32_t fault_tx_err_type;
	uint32_t fault_owner_corrupt;
	uint32_t fault_rx_drop_n;
	uint32_t fault_delay_us;
	uint64_t ctr[SN_PC_MAX];
};

struct sn_dbr {
	struct sn_adapter *a;
	int fd;
	uint8_t *base;
	bool dead;			/* revoked or destroyed */
	uint8_t page_used[SN_DBR_PAGES];
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
	uint8_t **pages;		/* doorbell pages to scan */
	struct sn_dbr **page_dbr;
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
/* Allocate / free a queue page of a region (lock held); 0 = none left. */
unsigned int sn_dbr_page_alloc(struct sn_dbr *r);
void sn_dbr_page_free(struct sn_dbr *r, unsigned int page);
/* Mark every region of the adapter dead (revoke). */
void sn_dbr_kill_all(struct sn_adapter *a);

/* mr.c */
/* Check a device access of len bytes at SGE address addr under lkey for a
 * queue of PD pdn; returns the host pointer or NULL with *verr set. */
uint8_t *sn_mr_access(struct sn_adapter *a, uint32_t lkey, uint32_t pdn,
		      uint64_t addr, uint32_t len, bool write, uint32_t *verr);

/* cq.c */
void sn_cq_init(struct sn_cq *cq, const struct sn_cq_desc *d, uint32_t id,
		struct sn_wq *wq);
void sn_cq_fini(struct sn_cq *cq);
/* Write one CQE (60 bytes of client data in c) for WQ wq, completing the
 * WQEs up to last_seq (whose byte position is last_pos). */
void sn_cq_write(struct sn_adapter *a, struct sn_wq *wq, const struct mana_cqe *c,
		 uint64_t last_seq, uint32_t last_pos);
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

/* queue.c */
void sn_queue_free_all(struct sn_adapter *a);
void sn_wq_free(struct sn_adapter *a, struct sn_wq *wq);
/* Free every queue object of one doorbell region (context close). */
void sn_queue_free_dbr(struct sn_adapter *a, struct sn_dbr *r);

/* ctl.c */
const char *sn_cqe_type_name(unsigned int type);

#endif /* SN_DEV_H */
