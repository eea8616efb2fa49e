/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Helper library of the soft-NIC conformance tests (tests/softnic/).
 *
 * Everything goes through the public rdma-core 44 API (infiniband/verbs.h,
 * infiniband/manadv.h, the real headers) and the hardware formats of
 * mana_hw.h, exactly as a MANA userspace driver would: open the device by
 * name, parent domains per port, allocator hooks, CQ/WQ/RSS QP/send QP,
 * TX WQEs written with the mana_hw.h structs, doorbells through the manadv
 * db_page, CQEs polled with the owner algorithm of spec §6.3, bounded
 * waits.  The programs run under softnic-run; device counters and fault
 * injection go through the control socket ($SOFTNIC_CTL).
 *
 * Conventions: functions return 0 (or a count) on success and a negative
 * errno on failure unless stated otherwise; every failure prints one line
 * to stderr saying what failed.  Ports are IB port numbers (1-based) where
 * the name says "ib_port", Ethernet port indexes (0-based) elsewhere.
 */
#ifndef SNTEST_H
#define SNTEST_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <CUnit/CUnit.h>
#include <infiniband/verbs.h>
#include <infiniband/manadv.h>

#include "mana_hw.h"

#define SNT_TIMEOUT_MS		5000u	/* bounded wait for anything expected */
#define SNT_MAX_PORTS		8u
#define SNT_MAX_WQ		64u
#define SNT_FRAME_MAX		(9000u + 14u + 4u)

/* ------------------------------------------------------------------ */
/* Time and bounded waits                                              */
/* ------------------------------------------------------------------ */

/* Monotonic time in milliseconds. */
uint64_t snt_now_ms(void);
/* One step of a polling wait: spin briefly, then yield the CPU (the device
 * thread shares 2 cores with the test).  iteration counts from 0. */
void snt_backoff(unsigned int iteration);

/* ------------------------------------------------------------------ */
/* Control socket ($SOFTNIC_CTL, protocol of softnic.h sn_ctl_exec)     */
/* ------------------------------------------------------------------ */

/*
 * Send one command line to the soft-NIC control socket and read the whole
 * answer into out (NUL terminated, truncated to outlen - 1 bytes).
 * Returns 0 when the answer does not start with "error", -EIO when it does,
 * -ENOENT when $SOFTNIC_CTL is not set, -errno on socket errors.
 */
int snt_ctl(const char *cmd, char *out, size_t outlen);
/* printf-style convenience: run a command, fail (return < 0) unless ok. */
int snt_ctlf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/*
 * Read one counter: runs "counters <adapter> [<port>]" (port < 0: adapter
 * wide) and looks for the line "port<port>.<key>=<value>" (port >= 0), else
 * "<key>=<value>" (adapter counters, full queue keys like "sq5.cqes"); the
 * names are those of softnic/device/ctl.c.  Returns 0 and *val, -ENOENT if
 * the key is absent, or the snt_ctl error.
 */
int snt_counter(unsigned int adapter, int port, const char *key, uint64_t *val);
/* Same, but try each of the NULL-terminated alternative key names in turn
 * (the first present wins) and report the name used in *used (may be
 * NULL). */
int snt_counter_any(unsigned int adapter, int port, const char *const *keys,
		    uint64_t *val, const char **used);
/* Wait (bounded, timeout_ms) until counter key (see snt_counter_any) is
 * >= target.  Returns 0, -ETIMEDOUT (value printed) or the lookup error. */
int snt_counter_wait_ge(unsigned int adapter, int port,
			const char *const *keys, uint64_t target,
			unsigned int timeout_ms, uint64_t *last);

/* ------------------------------------------------------------------ */
/* Queue-memory allocator hooks (spec §1.4)                            */
/* ------------------------------------------------------------------ */

/* Statistics of the hooks installed by snt_open (all contexts). */
struct snt_alloc_stats {
	unsigned int allocs;		/* alloc calls that returned memory */
	unsigned int frees;		/* free calls */
	unsigned int bad_sizes;		/* sizes not a power of two >= 4096 */
	size_t last_size;		/* size of the latest alloc call */
	size_t live;			/* rings currently allocated */
};
extern struct snt_alloc_stats snt_alloc_stats;
/* The hooks: page-aligned, zero-filled memory; every size is checked
 * against §1.4 (power of two, >= 4096) and counted. */
void *snt_alloc_fn(size_t size, void *data);
void snt_free_fn(void *ptr, void *data);

/* ------------------------------------------------------------------ */
/* Device                                                              */
/* ------------------------------------------------------------------ */

struct snt_dev {
	struct ibv_context *ctx;
	struct ibv_pd *pd;				/* plain PD (MRs) */
	struct ibv_pd *pdom[SNT_MAX_PORTS];		/* parent domain, IB port i+1 */
	unsigned int nports;				/* phys_port_cnt */
	uint8_t mac[SNT_MAX_PORTS][6];			/* from fake sysfs */
	char ifname[SNT_MAX_PORTS][32];
	char name[64];
	char ibdev_path[256];
};

/*
 * Open the IB device called name (NULL: the first one), install the
 * allocator hooks (unless no_alloc), allocate a PD and one parent domain
 * per port (spec §1.3) and read each port's MAC and netdev name from
 * <ibdev_path>/device/net/<if>/{dev_port,address} (spec §1.1).
 */
int snt_open(struct snt_dev *d, const char *name);
int snt_open_ex(struct snt_dev *d, const char *name, bool no_alloc);
/* Free the parent domains, the PD and close the context. */
void snt_close(struct snt_dev *d);

/* A registered buffer (IBV_ACCESS_LOCAL_WRITE on the plain PD, §1.3). */
struct snt_mem {
	uint8_t *buf;
	size_t size;
	struct ibv_mr *mr;
};
int snt_mem_alloc(struct snt_dev *d, struct snt_mem *m, size_t size);
void snt_mem_free(struct snt_mem *m);

/* ------------------------------------------------------------------ */
/* Completion queues (spec §6)                                         */
/* ------------------------------------------------------------------ */

struct snt_cq {
	struct ibv_cq *cq;
	struct manadv_cq dv;	/* buf, count, cq_id (valid after QP creation) */
	uint32_t head;		/* consumer position, starts at N (§6.3) */
	uint8_t *db_page;	/* page of the WQ this CQ serves */
	bool ring_db;		/* ring an unarmed CQ doorbell after consuming */
	uint64_t consumed;	/* CQEs consumed */
	uint32_t rung_head;	/* head at the last CQ doorbell (short form) */
};

/* Create a CQ of n entries (optionally with a completion channel). */
int snt_cq_create(struct snt_dev *d, struct snt_cq *c, uint32_t n,
		  struct ibv_comp_channel *ch, void *cq_context);
/* Refresh c->dv (cq_id) through manadv_init_obj. */
int snt_cq_refresh(struct snt_cq *c);
void snt_cq_destroy(struct snt_cq *c);
/*
 * Poll one CQE with the consumer algorithm of §6.3: returns 1 and copies the
 * CQE (owner read first, then a load barrier, then the body) and advances
 * head; 0 if the slot holds the old owner value; -EOVERFLOW if it holds
 * anything else (the device lapped the consumer).
 */
int snt_cq_poll(struct snt_cq *c, struct mana_cqe *out);
/* snt_cq_poll with a bounded wait: 1, 0 on timeout, -EOVERFLOW. */
int snt_cq_wait(struct snt_cq *c, struct mana_cqe *out, unsigned int timeout_ms);
/* Ring the CQ doorbell (§2.2, §6.5): tail = head mod 8N, arm as given. */
void snt_cq_doorbell(struct snt_cq *c, bool arm);
/* Ring the 32-bit short CQ doorbell at 0x810 (§2.3): entries consumed since
 * the previous CQ doorbell, arm as given.  -ERANGE if the CQ id does not fit
 * 12 bits or the increment 16 bits. */
int snt_cq_doorbell_short(struct snt_cq *c, bool arm);

/* ------------------------------------------------------------------ */
/* Send queues (spec §1.9, §3, §4)                                     */
/* ------------------------------------------------------------------ */

struct snt_sq {
	struct snt_dev *dev;
	unsigned int port;		/* Ethernet port (0-based) */
	struct ibv_qp *qp;
	struct snt_cq cq;
	struct manadv_qp dv;
	uint32_t head;			/* producer, BUs, free-running */
	uint32_t tail;			/* BUs known completed */
	uint32_t rung;			/* byte position of the last doorbell */
	struct snt_mem buf;		/* staging area for frames */
	size_t buf_off;
};

/* Create a raw send QP with its CQ (cq_n entries) on Ethernet port port,
 * plus a 1 MiB registered staging buffer. */
int snt_sq_create(struct snt_dev *d, struct snt_sq *s, unsigned int port,
		  uint32_t max_wr, uint32_t max_sge, uint32_t cq_n);
/* Same, the CQ attached to completion channel ch with cq_context. */
int snt_sq_create_ex(struct snt_dev *d, struct snt_sq *s, unsigned int port,
		     uint32_t max_wr, uint32_t max_sge, uint32_t cq_n,
		     struct ibv_comp_channel *ch, void *cq_context);
void snt_sq_destroy(struct snt_sq *s);
/* Fill a TX OOB the way a correct driver does (§4.2): zeroed, pkt_fmt,
 * vcq_num = CQ id, vsq_frame = sq_id >> 10, short_vp_offset = tx_vp_offset
 * (long_vp_offset too when long_fmt and the offset is > 255). */
void snt_tx_oob_init(const struct snt_sq *s, struct mana_tx_oob *oob, bool long_fmt);
/* Copy len bytes into the staging buffer; returns the address (the buffer
 * is reused cyclically: callers must not keep more than 1 MiB in flight). */
uint8_t *snt_sq_stage(struct snt_sq *s, const void *data, uint32_t len);
/* An SGE of len bytes of data copied with snt_sq_stage (the staging
 * buffer's lkey, §3.2). */
struct mana_sge snt_sq_sge(struct snt_sq *s, const void *data, uint32_t len);
/*
 * Write one WQE at head (§3.2): header (num_sgl_entries = n_sge,
 * inline_client_oob_size = oob_dwords), oob_dwords * 4 bytes of OOB, the
 * SGEs (wrapping at the ring end, §3.3); head += WQE BUs.  Returns the byte
 * offset of the WQE in the ring, or -ENOSPC if the ring is full.
 * No doorbell.
 */
int snt_sq_post(struct snt_sq *s, const void *oob, uint32_t oob_dwords,
		const struct mana_sge *sge, uint32_t n_sge);
/* Post one frame: staged in one SGE (snt_sq_sge) behind the default short
 * OOB of snt_tx_oob_init.  No doorbell.  Returns snt_sq_post's value. */
int snt_sq_post_frame(struct snt_sq *s, const void *frame, uint32_t len);
/* Store barrier + SQ doorbell with tail = head * 32 (§2.2, §2.4). */
void snt_sq_doorbell(struct snt_sq *s);
/* Ring s (snt_sq_doorbell), assert that the next n CQEs arrive (fatal if
 * one does not within SNT_TIMEOUT_MS) with type CQE_TX_OKAY, then mark
 * everything posted as completed. */
void snt_sq_flush(struct snt_sq *s, unsigned int n);
/* Store barrier + 32-bit short SQ doorbell at 0x010 (§2.3): bytes added
 * since the previous doorbell.  -ERANGE if the SQ id does not fit 12 bits
 * or the increment 16 bits. */
int snt_sq_doorbell_short(struct snt_sq *s);
/* Mark everything posted as completed (after the test saw its CQEs). */
static inline void snt_sq_all_done(struct snt_sq *s) { s->tail = s->head; }
/*
 * Send one frame: stage it, post one SGE with oob (NULL: a default short
 * OOB from snt_tx_oob_init), ring, wait for one CQE and return its
 * cqe_type (> 0) or a negative errno; *cqe receives it when not NULL.
 * long_fmt selects the 24-byte OOB (only used when oob is NULL).
 */
int snt_sq_send(struct snt_sq *s, const void *frame, uint32_t len,
		const struct mana_tx_oob *oob, bool long_fmt, struct mana_cqe *cqe);

/* ------------------------------------------------------------------ */
/* Receive queues and RSS (spec §1.6-§1.8, §5, §7)                      */
/* ------------------------------------------------------------------ */

/* One posted RX WQE as the test remembers it. */
struct snt_rx_slot {
	uint32_t wqe_off;		/* free-running byte offset (§5.5) */
	uint32_t head_bu;		/* producer BU position of the WQE */
	uint8_t *buf;			/* first SGE's buffer */
	uint32_t cap;			/* total SGE bytes */
};

struct snt_rq {
	struct ibv_wq *wq;
	struct snt_cq cq;
	struct manadv_rwq dv;
	uint32_t head;			/* producer, BUs, free-running */
	uint32_t rung;			/* byte position of the last doorbell */
	struct snt_rx_slot *slots;	/* FIFO of posted WQEs */
	uint32_t nslots, s_head, s_tail;
	struct snt_mem bufs;		/* nslots buffers of buf_size bytes */
	uint32_t buf_size;
	uint32_t next_buf;
	/* The CQE being delivered packet by packet (coalescing). */
	struct mana_cqe cur;
	unsigned int cur_idx, cur_n;
};

struct snt_rss {
	struct snt_dev *dev;
	unsigned int port;
	unsigned int n;
	struct ibv_qp *qp;
	struct ibv_rwq_ind_table *tbl;
	struct snt_rq rq[SNT_MAX_WQ];
	uint8_t key[MANA_RSS_KEY_SIZE];
};

/* A received packet. */
struct snt_pkt {
	uint8_t *data;			/* buffer of the consumed WQE */
	uint32_t len;			/* ppi pkt_len (0 for TRUNCATED) */
	uint32_t hash;			/* ppi pkt_hash */
	uint32_t cqe_type;
	uint32_t npkts;			/* packets reported by its CQE */
	uint32_t idx;			/* index of this packet in its CQE */
	uint32_t wqe_off;		/* offset of the WQE it consumed */
	unsigned int wq;		/* RQ index in the RSS table */
	struct mana_cqe cqe;		/* the whole CQE */
};

/*
 * Create n_wq WQs (max_wr each, 1 SGE, CQ of cq_n entries), the indirection
 * table and the RSS QP on Ethernet port port with key (NULL: the §7.4
 * key); allocate one RX buffer of buf_size bytes per ring slot, post `post`
 * WQEs per WQ and ring.
 */
int snt_rss_create(struct snt_dev *d, struct snt_rss *r, unsigned int port,
		   unsigned int n_wq, uint32_t max_wr, uint32_t cq_n,
		   const uint8_t *key, uint32_t buf_size, uint32_t post);
/* Same, every WQ's CQ attached to completion channel ch (cq_context =
 * the struct snt_rq of that WQ). */
int snt_rss_create_ex(struct snt_dev *d, struct snt_rss *r, unsigned int port,
		      unsigned int n_wq, uint32_t max_wr, uint32_t cq_n,
		      const uint8_t *key, uint32_t buf_size, uint32_t post,
		      struct ibv_comp_channel *ch);
void snt_rss_destroy(struct snt_rss *r);
/*
 * The usual traffic endpoint of a test on Ethernet port port: send QP s
 * (sq_wr WRs of max_sge SGEs, CQ of sq_wr entries) created first (it
 * configures the vPort, §1.9), then RSS QP r of one WQ (rq_wr WRs, CQ of
 * rq_wr entries, the §7.4 key, 2048-byte buffers, rq_wr WQEs posted).
 */
int snt_endpoint_create(struct snt_dev *d, struct snt_sq *s, struct snt_rss *r,
			unsigned int port, uint32_t sq_wr, uint32_t max_sge, uint32_t rq_wr);
/* snt_rss_destroy(r), then snt_sq_destroy(s). */
void snt_endpoint_destroy(struct snt_sq *s, struct snt_rss *r);
/* Post n one-SGE WQEs of the RQ's buffer size, then ring the RQ doorbell
 * (unless no_db).  Returns n or -ENOSPC. */
int snt_rq_post(struct snt_rq *q, uint32_t n, bool no_db);
/* Post one WQE with the given SGEs (cap = sum of sizes, buf = SGE 0's
 * buffer); no doorbell.  Returns the WQE byte offset or -ENOSPC. */
int snt_rq_post_sges(struct snt_rq *q, const struct mana_sge *sge, uint32_t n);
/* Ring the RQ doorbell: tail = head * 32, wqe_cnt 0 (§5.1). */
void snt_rq_doorbell(struct snt_rq *q);
/* Ring the 32-bit short RQ doorbell at 0x410 (§2.3); -ERANGE as for SQs. */
int snt_rq_doorbell_short(struct snt_rq *q);
/* Number of WQEs posted and not yet consumed. */
static inline uint32_t snt_rq_outstanding(const struct snt_rq *q)
{
	return q->s_head - q->s_tail;
}
/*
 * Deliver the next packet of q (bounded wait): 1 and *p, 0 on timeout,
 * -EOVERFLOW (owner bits), -EPROTO (CQE type unknown, wrong wq_num/is_sq,
 * packet count 0, or more packets than posted WQEs).  A CQE of n packets
 * consumes n WQEs in order (§5.4); TRUNCATED consumes one (§5.3).  The
 * packet's data stays valid until its buffer is posted again.
 */
int snt_rq_recv(struct snt_rq *q, struct snt_pkt *p, unsigned int timeout_ms);
/* Same over all RQs of the table (p->wq says which one). */
int snt_rss_recv(struct snt_rss *r, struct snt_pkt *p, unsigned int timeout_ms);

/* ------------------------------------------------------------------ */
/* Frames                                                              */
/* ------------------------------------------------------------------ */

struct snt_flow {
	bool ipv6;
	uint8_t proto;			/* IPPROTO_TCP/UDP/ICMP/..., 0 = non-IP */
	uint8_t src[16], dst[16];	/* IPv4 uses the first 4 bytes */
	uint16_t sport, dport;		/* host order */
	uint16_t vlan_tci;		/* 802.1Q tag in the frame when vlan */
	bool vlan;
	uint16_t ethertype;		/* for non-IP frames (proto 0) */
	uint32_t payload;		/* L4 payload bytes (pattern filled) */
	uint8_t smac[6], dmac[6];
	uint8_t seed;			/* payload pattern seed */
};

/*
 * Fill f for snt_build_frame: proto, the addresses src and dst (IPv4 or
 * IPv6 text, f->ipv6 set accordingly), the ports (host order), payload
 * bytes and pattern seed, source and destination MACs (6 bytes each);
 * everything else zero (no VLAN).  Returns 0, or -EINVAL if an address
 * does not parse.
 */
int snt_flow_init(struct snt_flow *f, uint8_t proto, const char *src, uint16_t sport,
		  const char *dst, uint16_t dport, uint32_t payload, uint8_t seed,
		  const uint8_t *smac, const uint8_t *dmac);
/* Build a frame for f into buf (cap bytes) with every checksum computed in
 * software (the reference a correct device must produce).  Returns the
 * frame length, or 0 if it does not fit.  *l3_off / *l4_off receive the
 * header offsets when not NULL. */
uint32_t snt_build_frame(uint8_t *buf, uint32_t cap, const struct snt_flow *f,
			 uint32_t *l3_off, uint32_t *l4_off);
/* Offset of the checksum field inside a TCP or UDP header. */
uint32_t snt_l4_csum_offset(uint8_t proto);
/* The TCP/UDP checksum (rte_ipv4_udptcp_cksum or rte_ipv6_udptcp_cksum) of
 * the frame's L4 segment at offset l4, IP header at l3; the checksum field
 * takes part as it is in the frame. */
uint16_t snt_l4_cksum(const uint8_t *frame, bool ipv6, uint32_t l3, uint32_t l4);
/* Prepare a reference frame for TX checksum offload (§4.2): zero the IPv4
 * header checksum when ip_csum, and when l4_csum put the pseudo-header sum
 * (rte_ipv4/ipv6_phdr_cksum) into the TCP/UDP checksum field. */
void snt_seed_offload(uint8_t *frame, const struct snt_flow *f, bool ip_csum,
		      bool l4_csum);
/* Toeplitz hash of f per §7.2 with the 40-byte key (rte_softrss); with_ports
 * adds the L4 ports. */
uint32_t snt_toeplitz(const uint8_t *key, const struct snt_flow *f, bool with_ports);
/* Parse an IPv4/IPv6 address (inet_pton) into dst (16 bytes); v6 set for
 * IPv6.  Returns 0 or -EINVAL. */
int snt_parse_ip(const char *s, uint8_t *dst, bool *v6);
/* Print a hex dump difference of two buffers (first differing bytes). */
void snt_dump_diff(const char *what, const uint8_t *got, uint32_t got_len,
		   const uint8_t *want, uint32_t want_len);

/* The §7.4 Toeplitz verification key. */
extern const uint8_t snt_rss_key_ms[MANA_RSS_KEY_SIZE];

/* ------------------------------------------------------------------ */
/* Test program support                                                */
/* ------------------------------------------------------------------ */

/*
 * Register one CUnit suite (name, init and cleanup functions or NULL, the
 * tests in order ending with CU_TEST_INFO_NULL) in a new registry and run
 * it with the project's runner (tests/common/cunit_run.h).  Returns the
 * process exit status: 0 all passed, 1 failures (including a failed suite
 * init or cleanup), 2 if CUnit or the suite could not be set up.
 */
int snt_run_suite(const char *name, CU_InitializeFunc init, CU_CleanupFunc clean,
		  CU_TestInfo *tests);
/* Suite cleanup check: 0 if every ring the allocator hooks handed out was
 * freed, else -1 with a message naming how many were not. */
int snt_rings_freed(void);
/* Value of "--name value" in argv, or def. */
const char *snt_arg(int argc, char **argv, const char *name, const char *def);

#endif /* SNTEST_H */
