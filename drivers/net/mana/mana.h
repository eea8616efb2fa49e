/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * net_mana: private definitions of the MANA poll-mode driver.
 *
 * Hardware formats come from ../../common/mana/mana_hw.h (spec
 * shared/spec/mana-hw.md); this header holds the driver's own state:
 * per-port private data, per-queue datapath state (laid out so that the
 * scalar burst functions in rx.c/tx.c and later SIMD flavours share it
 * unchanged), the memory-registration (MR) registry and the statistics.
 *
 * Conventions used throughout the driver:
 *  - every ring position is a free-running u32 counter (never reduced
 *    modulo the ring); the ring offset is derived with a mask because
 *    every ring size is a power of two (spec §1.4, §3.1);
 *  - WQ positions are counted in BUs (32 bytes, spec §3.1), software ring
 *    positions in entries (WQEs for TX, buffers for RX), CQ positions in
 *    CQEs starting at N (spec §6.3);
 *  - errors are negative errno values.
 */
#ifndef MANA_PMD_H
#define MANA_PMD_H

#include <stdbool.h>
#include <stdint.h>
#include <net/if.h>
#include <sys/queue.h>

#include <rte_common.h>
#include <rte_log.h>
#include <rte_io.h>
#include <rte_mbuf.h>
#include <rte_rwlock.h>
#include <rte_spinlock.h>
#include <ethdev_driver.h>

#include <infiniband/verbs.h>

#include "mana_hw.h"

/* ------------------------------------------------------------------ */
/* Logging                                                             */
/* ------------------------------------------------------------------ */

extern int mana_logtype_init;
extern int mana_logtype_driver;

#define PMD_INIT_LOG(level, fmt, ...) \
	rte_log(RTE_LOG_ ## level, mana_logtype_init, "mana: %s(): " fmt "\n", \
		__func__, ## __VA_ARGS__)

#define DRV_LOG(level, fmt, ...) \
	rte_log(RTE_LOG_ ## level, mana_logtype_driver, "mana: %s(): " fmt "\n", \
		__func__, ## __VA_ARGS__)

/*
 * Datapath logs are compiled out unless the driver is built with
 * -DRTE_LIBRTE_MANA_DEBUG (e.g. meson configure -Dc_args=...); the
 * arguments are still type-checked so that they do not rot.
 */
#ifdef RTE_LIBRTE_MANA_DEBUG
#define DP_LOG(level, fmt, ...) DRV_LOG(level, fmt, ## __VA_ARGS__)
#else
#define DP_LOG(level, fmt, ...) \
	do { \
		if (0) \
			DRV_LOG(level, fmt, ## __VA_ARGS__); \
	} while (0)
#endif

/* ------------------------------------------------------------------ */
/* Driver constants                                                    */
/* ------------------------------------------------------------------ */

#define MANA_DRIVER_NAME		net_mana
#define MANA_MAX_MAC_ARGS		8	/* mac= devargs */
#define MANA_MIN_TX_DESC		64	/* see mana_dev_info_get() */
#define MANA_MIN_RX_DESC		64
#define MANA_DEFAULT_RING_SIZE		256	/* descriptors */
#define MANA_DEFAULT_BURST		32
#define MANA_LIBMANA_RC44_MAX_WR	256	/* rc44 libmana cap, spec §1.12 */
#define MANA_MAX_RX_QUEUES		MANA_RSS_IND_TABLE_SIZE	/* spec §1.7 */
#define MANA_MIN_RX_BUF_SIZE		64	/* bytes after headroom */
/* Frame overhead on top of the MTU: Ethernet header + one VLAN tag. */
#define MANA_FRAME_OVERHEAD		(RTE_ETHER_HDR_LEN + RTE_VLAN_HLEN)
/* Speed reported by link_update (see mana_dev_link_update()). */
#define MANA_LINK_SPEED			RTE_ETH_SPEED_NUM_100G

/* Offloads (spec §8; no TSO, no LRO, no RX scatter). */
#define MANA_RX_OFFLOADS (RTE_ETH_RX_OFFLOAD_VLAN_STRIP | \
			  RTE_ETH_RX_OFFLOAD_IPV4_CKSUM | \
			  RTE_ETH_RX_OFFLOAD_UDP_CKSUM | \
			  RTE_ETH_RX_OFFLOAD_TCP_CKSUM | \
			  RTE_ETH_RX_OFFLOAD_RSS_HASH)
#define MANA_TX_OFFLOADS (RTE_ETH_TX_OFFLOAD_VLAN_INSERT | \
			  RTE_ETH_TX_OFFLOAD_IPV4_CKSUM | \
			  RTE_ETH_TX_OFFLOAD_UDP_CKSUM | \
			  RTE_ETH_TX_OFFLOAD_TCP_CKSUM | \
			  RTE_ETH_TX_OFFLOAD_MULTI_SEGS)
/* mbuf TX flags the datapath honours (tx_pkt_prepare rejects others). */
#define MANA_TX_OL_FLAGS (RTE_MBUF_F_TX_IPV4 | RTE_MBUF_F_TX_IPV6 | \
			  RTE_MBUF_F_TX_IP_CKSUM | RTE_MBUF_F_TX_L4_MASK | \
			  RTE_MBUF_F_TX_VLAN)
/* RSS hash types advertised (spec §7). */
#define MANA_RSS_HF (RTE_ETH_RSS_IPV4 | RTE_ETH_RSS_NONFRAG_IPV4_TCP | \
		     RTE_ETH_RSS_NONFRAG_IPV4_UDP | RTE_ETH_RSS_IPV6 | \
		     RTE_ETH_RSS_NONFRAG_IPV6_TCP | RTE_ETH_RSS_NONFRAG_IPV6_UDP)

/* ------------------------------------------------------------------ */
/* Device limits (from ibv_query_device_ex + the installed libmana)    */
/* ------------------------------------------------------------------ */

struct mana_limits {
	uint32_t max_qp;		/* queues per port */
	uint32_t max_desc;		/* WQEs/CQEs per queue, power of two */
	uint32_t max_send_sge;		/* SGEs per TX WQE, <= 30 (§3.2) */
	uint32_t max_recv_sge;		/* SGEs per RX WQE, <= 15 */
	uint64_t max_mr_size;		/* bytes */
	bool libmana_wr_cap;		/* installed libmana caps WRs at 256 */
};

/* ------------------------------------------------------------------ */
/* Memory registration                                                 */
/* ------------------------------------------------------------------ */

/* One registered memory region of the port's PD (spec §1.3). */
struct mana_mr_entry {
	uintptr_t start;		/* first byte */
	uintptr_t end;			/* one past the last byte */
	uint32_t lkey;
	struct ibv_mr *ibv_mr;
};

/*
 * The port-wide ("global") registry: every MR of the port.  Readers are
 * the datapath's slow path (a per-queue cache miss); writers register new
 * memory or drop MRs of freed memory.  gen changes whenever an MR is
 * removed so that per-queue caches flush stale lkeys.
 */
struct mana_mr_registry {
	rte_rwlock_t lock;
	struct mana_mr_entry *tab;
	uint32_t n;
	uint32_t cap;
	volatile uint32_t gen;
};

#define MANA_MR_QCACHE_N	8

/* Per-queue cache of the registry (no locks, datapath only). */
struct mana_mr_qcache {
	uint32_t gen;			/* registry gen the entries belong to */
	uint32_t next;			/* round-robin replacement slot */
	struct {
		uintptr_t start;
		uintptr_t end;
		uint32_t lkey;
	} e[MANA_MR_QCACHE_N];
};

/* ------------------------------------------------------------------ */
/* Completion queue state (spec §6)                                    */
/* ------------------------------------------------------------------ */

struct mana_cq {
	struct mana_cqe *ring;		/* N CQEs */
	uint32_t count;			/* N, power of two */
	uint32_t mask;			/* N - 1 */
	uint32_t log2_count;
	uint32_t head;			/* consumer index, starts at N (§6.3) */
	uint32_t db_head;		/* head at the last CQ doorbell */
	uint32_t id;			/* CQ id (§6.1 wq_num of the doorbell) */
	bool overflowed;		/* stalled on an overflowed CQE */
	volatile void *db;		/* CQ doorbell register (page + 0x800) */
};

/* Result of looking at the CQE at cq->head (spec §6.3). */
enum mana_cqe_state {
	MANA_CQE_NONE = 0,		/* owner == old: nothing new */
	MANA_CQE_VALID = 1,		/* owner == new */
	MANA_CQE_OVERFLOW = 2,		/* anything else: device lapped us */
};

/*
 * Look at the CQE at the consumer index (spec §6.3): returns its state;
 * for MANA_CQE_VALID a load barrier has been issued, so the CQE body may
 * be read.  The head is not advanced.
 */
static __rte_always_inline enum mana_cqe_state
mana_cq_peek(const struct mana_cq *cq, struct mana_cqe **cqe_out)
{
	struct mana_cqe *cqe = &cq->ring[cq->head & cq->mask];
	uint32_t phase = cq->head >> cq->log2_count;
	uint32_t new_owner = phase & MANA_CQE_OWNER_MASK;
	uint32_t old_owner = (phase - 1) & MANA_CQE_OWNER_MASK;
	union mana_cqe_info info;

	info.as_uint32 = *(volatile uint32_t *)&cqe->info.as_uint32;
	if (info.owner_bits == old_owner)
		return MANA_CQE_NONE;
	if (unlikely(info.owner_bits != new_owner))
		return MANA_CQE_OVERFLOW;
	rte_io_rmb();
	*cqe_out = cqe;
	return MANA_CQE_VALID;
}

/* Ring a CQ doorbell with the current consumer index (spec §2.2, §6.4). */
void mana_cq_ring_doorbell(struct mana_cq *cq, bool arm);

/*
 * Ring an unarmed CQ doorbell when at least one CQ's worth of CQEs was
 * consumed since the last one (spec §6.4 requires one every 8 wraps; we
 * ring once per wrap).  Returns true if a doorbell was rung.
 */
static __rte_always_inline bool
mana_cq_doorbell_cadence(struct mana_cq *cq)
{
	if (likely(cq->head - cq->db_head < cq->count))
		return false;
	mana_cq_ring_doorbell(cq, false);
	return true;
}

/* ------------------------------------------------------------------ */
/* Statistics                                                          */
/* ------------------------------------------------------------------ */

/* Per RX queue; written by the queue's datapath lcore only. */
struct mana_rxq_stats {
	uint64_t packets;		/* handed to the application */
	uint64_t bytes;
	uint64_t errors;		/* truncated, length 0/too long, unknown */
	uint64_t nombuf;		/* RX slots left empty by allocation
					 * failures (each slot counted once) */
	uint64_t cqe_okay;		/* CQE_RX_OKAY */
	uint64_t cqe_coalesced;		/* CQE_RX_COALESCED_4 */
	uint64_t coalesced_pkts;	/* packets carried by coalesced CQEs */
	uint64_t cqe_truncated;		/* CQE_RX_TRUNCATED */
	uint64_t cqe_fence;		/* CQE_RX_OBJECT_FENCE */
	uint64_t cqe_unknown;		/* any other type */
	uint64_t len_err;		/* length 0 or longer than the buffer */
	uint64_t refill_fail;		/* times the ring went short of buffers */
	uint64_t mr_fail;		/* buffers that could not be registered */
	uint64_t doorbells;		/* RQ doorbells */
	uint64_t cq_doorbells;		/* CQ doorbells */
	uint64_t cq_overflow;		/* overflows seen (owner neither old
					 * nor new): the queue stalls there */
	uint64_t vlan_reinsert;		/* tags re-inserted in software */
};

#define MANA_TX_CQE_TYPES	(MANA_CQE_TX_LAST - MANA_CQE_TX_FIRST + 1)

/* Per TX queue; written by the queue's datapath lcore only. */
struct mana_txq_stats {
	uint64_t packets;		/* posted to the SQ */
	uint64_t bytes;
	uint64_t errors;		/* error CQEs (packet not sent) */
	uint64_t cqe[MANA_TX_CQE_TYPES];	/* CQEs by type 32..41 */
	uint64_t cqe_unknown;		/* CQEs of any other type */
	uint64_t doorbells;		/* SQ doorbells */
	uint64_t cq_doorbells;
	uint64_t cq_overflow;
	uint64_t ring_full;		/* bursts ended by a full ring */
	uint64_t mr_fail;		/* bursts ended by MR registration */
	uint64_t bad_pkt;		/* bursts ended by an unpostable mbuf */
	uint64_t flushed;		/* mbufs freed unsent at dev_stop */
	uint64_t cqe_attrib_guess;	/* error CQEs without a known WQE */
};

/* ------------------------------------------------------------------ */
/* TX queue                                                            */
/* ------------------------------------------------------------------ */

/* Software ring entry of one posted SQ WQE. */
struct mana_tx_desc {
	struct rte_mbuf *mbuf;		/* packet (chain) owned by the WQE */
	uint32_t bu_pos;		/* first BU of the WQE (free running) */
	uint16_t wqe_bu;		/* WQE size in BUs */
	uint16_t flags;			/* MANA_TXD_F_* */
};
#define MANA_TXD_F_SUPPRESS	0x1	/* suppress_txcqe_gen was set */

/* TX CQE suppression state (see tx.c, "Completions"). */
enum mana_tx_supp_mode {
	MANA_TX_SUPP_OFF = 0,		/* one CQE per WQE */
	MANA_TX_SUPP_ABS = 1,		/* tx_wqe_offset = BU index mod 2^27 */
	MANA_TX_SUPP_RING = 2,		/* tx_wqe_offset = BU index mod ring */
};

struct mana_txq {
	/* Datapath state, shared by every burst flavour. */
	uint8_t *sq_ring;		/* SQ ring base */
	uint32_t sq_mask;		/* ring bytes - 1 */
	uint32_t sq_bu;			/* ring size in BUs */
	uint32_t sq_head;		/* producer, BUs, free running */
	uint32_t sq_tail;		/* consumer, BUs, free running */
	uint32_t desc_head;		/* WQEs posted, free running */
	uint32_t desc_tail;		/* WQEs completed, free running */
	uint32_t desc_mask;		/* software ring entries - 1 */
	uint32_t nb_desc;		/* max WQEs outstanding */
	struct mana_tx_desc *sw_ring;
	volatile void *sq_db;		/* SQ doorbell register */
	uint32_t sq_id;
	uint32_t oob_dw0;		/* OOB template: vcq_num */
	uint32_t oob_dw1;		/* OOB template: vsq_frame, vp offset */
	uint32_t oob_dw3;		/* long OOB template: long_vp_offset */
	bool long_vp;			/* tx_vp_offset > 255: always long OOB */
	uint16_t max_sge;
	volatile uint8_t removed;	/* device gone: touch nothing */
	uint8_t supp_mode;		/* enum mana_tx_supp_mode */
	uint32_t supp_learn;		/* consecutive tx_wqe_offset matches */
	uint32_t supp_learn_abs;	/* ... under MANA_TX_SUPP_ABS */
	uint32_t supp_learn_ring;	/* ... under MANA_TX_SUPP_RING */
	struct mana_cq cq;
	struct mana_mr_qcache mr;
	struct mana_txq_stats stats;

	/* Control state. */
	struct mana_priv *priv;
	uint16_t port_id;
	uint16_t queue_id;
	int socket;
	uint64_t offloads;
	struct ibv_cq *ibv_cq;
	struct ibv_qp *ibv_qp;
} __rte_cache_aligned;

/* ------------------------------------------------------------------ */
/* RX queue                                                            */
/* ------------------------------------------------------------------ */

struct mana_rxq {
	/* Datapath state, shared by every burst flavour. */
	uint8_t *rq_ring;		/* RQ ring base */
	uint32_t rq_mask;		/* ring bytes - 1 */
	uint32_t rq_head;		/* buffers posted, free running */
	uint32_t rq_tail;		/* buffers consumed, free running */
	uint32_t desc_mask;		/* software ring entries - 1 */
	uint32_t nb_desc;		/* buffers kept posted */
	struct rte_mbuf **sw_ring;	/* buffer of RQ WQE i at [i & mask] */
	volatile void *rq_db;		/* RQ doorbell register */
	uint32_t rq_id;
	uint32_t buf_size;		/* SGE size, bytes */
	uint32_t port_id;
	uint8_t cqe_ppi_next;		/* next ppi of a partly delivered CQE */
	bool vlan_strip;		/* RTE_ETH_RX_OFFLOAD_VLAN_STRIP */
	bool active;			/* in the RSS table: has an RQ object */
	volatile uint8_t removed;	/* device gone: touch nothing */
	struct rte_mempool *mp;
	struct rte_mbuf **spare;	/* recycled buffers awaiting re-post */
	uint32_t nb_spare;
	uint32_t nombuf_pending;	/* empty slots already counted */
	struct mana_cq cq;
	struct mana_mr_qcache mr;
	struct mana_rxq_stats stats;

	/* Control state. */
	struct mana_priv *priv;
	uint16_t queue_id;
	int socket;
	struct ibv_cq *ibv_cq;
	struct ibv_wq *ibv_wq;
} __rte_cache_aligned;

/* ------------------------------------------------------------------ */
/* Port private data                                                   */
/* ------------------------------------------------------------------ */

struct mana_priv {
	struct rte_eth_dev_data *dev_data;
	uint16_t port_id;
	uint8_t ib_port;		/* 1-based IB port (§1.1) */
	struct ibv_context *ib_ctx;	/* one context per ethdev port */
	struct ibv_pd *ib_pd;		/* plain PD: MRs (§1.3) */
	struct ibv_pd *ib_parent_pd;	/* parent domain: queues (§1.3) */
	struct rte_intr_handle *intr_handle;	/* async fd (removal) */
	char ibdev_name[IBV_SYSFS_NAME_MAX];
	char ibdev_path[IBV_SYSFS_PATH_MAX];
	char netdev[IF_NAMESIZE];	/* kernel netdev of the port */
	struct mana_limits lim;

	/* RSS (spec §7). */
	uint8_t rss_key[MANA_RSS_KEY_SIZE];
	uint64_t rss_hf;
	uint16_t reta[MANA_RSS_IND_TABLE_SIZE];
	uint16_t reta_nb_rx;		/* RX queue count the RETA was set for */
	struct ibv_rwq_ind_table *ind_table;
	struct ibv_qp *rss_qp;

	struct mana_mr_registry mr;
	volatile int removed;		/* IBV_EVENT_DEVICE_FATAL seen */
	bool intr_pending;		/* handler asked EAL to unregister it */
	bool queues_created;		/* verbs queue objects exist */
	TAILQ_ENTRY(mana_priv) next;	/* list of ports (memory events) */
};

/* ------------------------------------------------------------------ */
/* Doorbells (spec §2)                                                 */
/* ------------------------------------------------------------------ */

/*
 * Write one 64-bit doorbell value (spec §2.4): the WQE/CQE-consumption
 * stores are made visible first (store barrier), then one 64-bit store,
 * then a flush of the write-combining buffer.
 */
static __rte_always_inline void
mana_doorbell_write(volatile void *db, uint64_t value)
{
	rte_wmb();
	rte_write64_relaxed(value, db);
	rte_wmb();
}

/* ------------------------------------------------------------------ */
/* Functions                                                           */
/* ------------------------------------------------------------------ */

/* mana.c */
void *mana_alloc_verbs_buf(size_t size, void *data);
void mana_free_verbs_buf(void *ptr, void *data);
int mana_set_allocator(struct mana_priv *priv, int socket);
uint32_t mana_rss_table(const struct mana_priv *priv, uint16_t *queues);
uint64_t mana_rss_hf_to_ibv(uint64_t rss_hf);

/* mr.c */
int mana_mr_registry_init(struct mana_mr_registry *reg, int socket);
void mana_mr_registry_free(struct mana_mr_registry *reg);
void mana_mr_release_all(struct mana_priv *priv);
void mana_mr_qcache_flush(struct mana_mr_qcache *c, uint32_t gen);
int mana_mr_lookup_slow(struct mana_mr_qcache *c, struct mana_priv *priv,
			const struct rte_mbuf *m, uintptr_t addr, uint32_t len,
			uint32_t *lkey);
int mana_mr_mem_event_register(struct mana_priv *priv);
void mana_mr_mem_event_unregister(struct mana_priv *priv);

/*
 * lkey of the MR covering [addr, addr + len) which belongs to the buffer
 * of mbuf segment m (spec §1.3, §3.2 SGE mem_key): per-queue cache first,
 * then the port registry, registering the owning memory on a miss.
 * Returns 0 and *lkey, or a negative errno (registration failed).
 */
static __rte_always_inline int
mana_mr_lkey(struct mana_mr_qcache *c, struct mana_priv *priv,
	     const struct rte_mbuf *m, uintptr_t addr, uint32_t len,
	     uint32_t *lkey)
{
	unsigned int i;

	if (unlikely(c->gen != priv->mr.gen))
		mana_mr_qcache_flush(c, priv->mr.gen);
	for (i = 0; i < MANA_MR_QCACHE_N; i++) {
		if (addr >= c->e[i].start && addr + len <= c->e[i].end) {
			*lkey = c->e[i].lkey;
			return 0;
		}
	}
	return mana_mr_lookup_slow(c, priv, m, addr, len, lkey);
}

/* rx.c */
int mana_start_rx_queues(struct rte_eth_dev *dev);
void mana_stop_rx_queues(struct rte_eth_dev *dev);
uint16_t mana_rx_burst(void *rxq, struct rte_mbuf **pkts, uint16_t n);
void mana_rxq_free_mbufs(struct mana_rxq *rxq);

/* tx.c */
int mana_start_tx_queues(struct rte_eth_dev *dev);
void mana_stop_tx_queues(struct rte_eth_dev *dev);
uint16_t mana_tx_burst(void *txq, struct rte_mbuf **pkts, uint16_t n);
uint16_t mana_tx_prepare(void *txq, struct rte_mbuf **pkts, uint16_t n);
int mana_tx_done_cleanup(void *txq, uint32_t free_cnt);

/* Burst functions of a stopped or removed port: take nothing. */
uint16_t mana_rx_burst_stopped(void *rxq, struct rte_mbuf **pkts, uint16_t n);
uint16_t mana_tx_burst_stopped(void *txq, struct rte_mbuf **pkts, uint16_t n);

#endif /* MANA_PMD_H */
