/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * net_mana: RX queues (spec §1.5-§1.8), the RSS QP (spec §7) and the
 * scalar RX burst (spec §5, §6).
 *
 * Every RX queue of the RSS table owns one RQ (WQ) with its CQ; each RQ
 * WQE is 1 BU holding one SGE that covers an mbuf's data room (spec §5.1).
 * The software ring keeps the mbuf of RQ WQE i at sw_ring[i & desc_mask];
 * rq_tail/rq_head count WQEs consumed/posted (free running), so the RQ
 * doorbell tail is rq_head * 32 bytes (spec §2.2).
 *
 * Buffer accounting (no silent loss): every mbuf the driver took from the
 * pool is either in [rq_tail, rq_head) of the ring, in the spare stack
 * (truncated or bad packets, re-posted before new ones are allocated), or
 * handed to the application.  A refill that cannot allocate counts
 * rx_nombuf and leaves the slots empty; the next burst retries.
 */
#include <errno.h>
#include <string.h>

#include <rte_ether.h>
#include <rte_malloc.h>
#include <rte_prefetch.h>

#include <infiniband/verbs.h>
#include <infiniband/manadv.h>

#include "mana.h"

#define MANA_RX_REFILL_BULK	64

/* Hash-type classes (spec §7.3). */
#define MANA_HT_V4	(MANA_HASH_IPV4 | MANA_HASH_TCP_IPV4 | MANA_HASH_UDP_IPV4)
#define MANA_HT_V6	(MANA_HASH_IPV6 | MANA_HASH_TCP_IPV6 | MANA_HASH_UDP_IPV6 | \
			 MANA_HASH_IPV6_EX | MANA_HASH_TCP_IPV6_EX | \
			 MANA_HASH_UDP_IPV6_EX)
#define MANA_HT_TCP	(MANA_HASH_TCP_IPV4 | MANA_HASH_TCP_IPV6 | \
			 MANA_HASH_TCP_IPV6_EX)
#define MANA_HT_UDP	(MANA_HASH_UDP_IPV4 | MANA_HASH_UDP_IPV6 | \
			 MANA_HASH_UDP_IPV6_EX)

/* ------------------------------------------------------------------ */
/* Posting buffers (spec §5.1)                                         */
/* ------------------------------------------------------------------ */

/* Free every mbuf owned by the queue: posted ones and spares. */
void
mana_rxq_free_mbufs(struct mana_rxq *rxq)
{
	while (rxq->rq_tail != rxq->rq_head) {
		struct rte_mbuf **slot =
			&rxq->sw_ring[rxq->rq_tail & rxq->desc_mask];

		rte_pktmbuf_free_seg(*slot);
		*slot = NULL;
		rxq->rq_tail++;
	}
	while (rxq->nb_spare > 0)
		rte_pktmbuf_free_seg(rxq->spare[--rxq->nb_spare]);
}

/* Write the RX WQE of buffer m at rq_head (one SGE, 1 BU).
 * Returns 0 or a negative errno (MR registration failed). */
static __rte_always_inline int
mana_rx_post(struct mana_rxq *rxq, struct rte_mbuf *m)
{
	uintptr_t addr = rte_pktmbuf_mtod(m, uintptr_t);
	uint32_t size = RTE_MIN((uint32_t)(m->buf_len - m->data_off),
				(uint32_t)UINT16_MAX);
	uint8_t *wqe = rxq->rq_ring +
		       ((rxq->rq_head * MANA_BU_SIZE) & rxq->rq_mask);
	struct mana_wqe_header hdr;
	struct mana_sge sge;
	uint32_t lkey;

	if (unlikely(mana_mr_lkey(&rxq->mr, rxq->priv, m, addr, size,
				  &lkey) != 0))
		return -ENOMEM;
	hdr.dw0 = 0;
	hdr.dw1 = 0;
	hdr.num_sgl_entries = 1;
	hdr.inline_client_oob_size = MANA_OOB_DWORDS_SHORT;
	sge.address = addr;
	sge.mem_key = lkey;
	sge.size = size;
	/* The 8-byte inline OOB of an RQ WQE is reserved (spec §3.2). */
	memcpy(wqe, &hdr, sizeof(hdr));
	memcpy(wqe + MANA_DMA_HDR_SIZE + MANA_RX_OOB_SIZE, &sge, sizeof(sge));
	rxq->sw_ring[rxq->rq_head & rxq->desc_mask] = m;
	rxq->rq_head++;
	return 0;
}

/* Ring the RQ doorbell: tail = producer bytes, wqe_cnt 0 (spec §2.2). */
static __rte_always_inline void
mana_rx_ring_doorbell(struct mana_rxq *rxq)
{
	union mana_db_rq db = { .as_uint64 = 0 };

	db.id = rxq->rq_id;
	db.wqe_cnt = 0;
	db.tail_ptr = rxq->rq_head * MANA_BU_SIZE;
	mana_doorbell_write(rxq->rq_db, db.as_uint64);
	rxq->stats.doorbells++;
}

/*
 * Post buffers until nb_desc are outstanding: recycled spares first, then
 * new mbufs from the pool in bulk.  Returns the number posted (the caller
 * rings the doorbell once).  A slot that stays empty because the pool is
 * exhausted counts once in rx_nombuf, however often the refill is retried.
 */
static uint32_t
mana_rx_refill(struct mana_rxq *rxq)
{
	uint32_t need = rxq->nb_desc - (rxq->rq_head - rxq->rq_tail);
	struct rte_mbuf *mb[MANA_RX_REFILL_BULK];
	uint32_t posted = 0, got, k;

	while (need > 0 && rxq->nb_spare > 0) {
		struct rte_mbuf *m = rxq->spare[rxq->nb_spare - 1];

		if (mana_rx_post(rxq, m) != 0) {
			rxq->stats.mr_fail++;
			return posted;
		}
		rxq->nb_spare--;
		need--;
		posted++;
	}
	while (need > 0) {
		uint32_t chunk = RTE_MIN(need, (uint32_t)MANA_RX_REFILL_BULK);

		if (likely(rte_pktmbuf_alloc_bulk(rxq->mp, mb, chunk) == 0)) {
			got = chunk;
		} else {
			/* Take what the pool still has. */
			for (got = 0; got < chunk; got++) {
				mb[got] = rte_pktmbuf_alloc(rxq->mp);
				if (mb[got] == NULL)
					break;
			}
		}
		for (k = 0; k < got; k++) {
			if (unlikely(mana_rx_post(rxq, mb[k]) != 0)) {
				rxq->stats.mr_fail++;
				rte_pktmbuf_free_bulk(&mb[k], got - k);
				return posted;
			}
		}
		posted += got;
		need -= got;
		if (got < chunk)
			break;
	}
	if (unlikely(need > rxq->nombuf_pending)) {
		if (rxq->nombuf_pending == 0)
			rxq->stats.refill_fail++;
		rxq->stats.nombuf += need - rxq->nombuf_pending;
	}
	rxq->nombuf_pending = need;
	return posted;
}

/* ------------------------------------------------------------------ */
/* Queue objects                                                       */
/* ------------------------------------------------------------------ */

static void
mana_rxq_reset(struct mana_rxq *rxq)
{
	rxq->rq_head = 0;
	rxq->rq_tail = 0;
	rxq->cqe_ppi_next = 0;
	rxq->nombuf_pending = 0;
	rxq->active = false;
	rxq->removed = 0;
	mana_mr_qcache_flush(&rxq->mr, 0);
}

/*
 * Destroy the RSS QP, the indirection table, then every RQ and its CQ
 * (spec §1.11) and free every buffer (posted or spare).
 */
void
mana_stop_rx_queues(struct rte_eth_dev *dev)
{
	struct mana_priv *priv = dev->data->dev_private;
	uint16_t i;
	int ret;

	if (priv->rss_qp != NULL) {
		ret = ibv_destroy_qp(priv->rss_qp);
		if (ret && !priv->removed)
			DRV_LOG(ERR, "port %u: destroying the RSS QP failed: %s",
				priv->port_id, strerror(ret));
		priv->rss_qp = NULL;
	}
	if (priv->ind_table != NULL) {
		ret = ibv_destroy_rwq_ind_table(priv->ind_table);
		if (ret && !priv->removed)
			DRV_LOG(ERR, "port %u: destroying the RWQ table failed: %s",
				priv->port_id, strerror(ret));
		priv->ind_table = NULL;
	}
	for (i = 0; i < dev->data->nb_rx_queues; i++) {
		struct mana_rxq *rxq = dev->data->rx_queues[i];

		if (rxq == NULL)
			continue;
		if (rxq->ibv_wq != NULL) {
			ret = ibv_destroy_wq(rxq->ibv_wq);
			if (ret && !priv->removed)
				DRV_LOG(ERR, "port %u RX queue %u: ibv_destroy_wq: %s",
					priv->port_id, i, strerror(ret));
			rxq->ibv_wq = NULL;
		}
		if (rxq->ibv_cq != NULL) {
			ret = ibv_destroy_cq(rxq->ibv_cq);
			if (ret && !priv->removed)
				DRV_LOG(ERR, "port %u RX queue %u: ibv_destroy_cq: %s",
					priv->port_id, i, strerror(ret));
			rxq->ibv_cq = NULL;
		}
		mana_rxq_free_mbufs(rxq);
		memset(&rxq->cq, 0, sizeof(rxq->cq));
		rxq->rq_ring = NULL;
		rxq->rq_db = NULL;
		mana_rxq_reset(rxq);
	}
}

/* Create the CQ and RQ (WQ) of one RX queue (spec §1.5, §1.6). */
static int
mana_create_rxq_objects(struct mana_priv *priv, struct mana_rxq *rxq)
{
	struct ibv_wq_init_attr wa;
	uint32_t cq_n = rte_align32pow2(rxq->nb_desc);
	int ret;

	ret = mana_set_allocator(priv, rxq->socket);
	if (ret)
		return ret;
	rxq->ibv_cq = ibv_create_cq(priv->ib_ctx, (int)cq_n, NULL, NULL, 0);
	if (rxq->ibv_cq == NULL) {
		ret = errno ? -errno : -ENOMEM;
		DRV_LOG(ERR, "port %u RX queue %u: ibv_create_cq(%u entries) failed: %s (device limit %u)",
			priv->port_id, rxq->queue_id, cq_n, strerror(-ret),
			priv->lim.max_desc);
		return ret;
	}
	memset(&wa, 0, sizeof(wa));
	wa.wq_type = IBV_WQT_RQ;
	wa.max_wr = rxq->nb_desc;
	wa.max_sge = 1;
	wa.pd = priv->ib_parent_pd;
	wa.cq = rxq->ibv_cq;
	rxq->ibv_wq = ibv_create_wq(priv->ib_ctx, &wa);
	if (rxq->ibv_wq == NULL) {
		ret = errno ? -errno : -ENOMEM;
		DRV_LOG(ERR, "port %u RX queue %u: ibv_create_wq(%u WRs) failed: %s",
			priv->port_id, rxq->queue_id, rxq->nb_desc,
			strerror(-ret));
		return ret;
	}
	return 0;
}

/*
 * Read the RQ/CQ geometry of one RX queue from libmana (spec §1.10).  The
 * rings are known once the WQ exists; the RQ and CQ ids only after the RSS
 * QP was created, so this runs twice: ids == false before, true after.
 */
static int
mana_init_rxq_dv(struct mana_priv *priv, struct mana_rxq *rxq, bool ids)
{
	struct manadv_obj obj;
	struct manadv_cq dv_cq;
	struct manadv_rwq dv_wq;
	int ret;

	memset(&obj, 0, sizeof(obj));
	obj.cq.in = rxq->ibv_cq;
	obj.cq.out = &dv_cq;
	obj.rwq.in = rxq->ibv_wq;
	obj.rwq.out = &dv_wq;
	ret = manadv_init_obj(&obj, MANADV_OBJ_CQ | MANADV_OBJ_RWQ);
	if (ret) {
		DRV_LOG(ERR, "port %u RX queue %u: manadv_init_obj failed: %d",
			priv->port_id, rxq->queue_id, ret);
		return ret > 0 ? -ret : -EINVAL;
	}
	if (ids) {
		if (dv_wq.buf != rxq->rq_ring || dv_cq.buf != rxq->cq.ring ||
		    dv_wq.db_page == NULL || dv_wq.wq_id > MANA_QUEUE_ID_MASK) {
			DRV_LOG(ERR, "port %u RX queue %u: RQ/CQ changed, no doorbell page or bad RQ id %u",
				priv->port_id, rxq->queue_id, dv_wq.wq_id);
			return -EPROTO;
		}
		rxq->rq_id = dv_wq.wq_id;
		rxq->cq.id = dv_cq.cq_id;
		/* The doorbell page may be assigned with the RQ object. */
		rxq->rq_db = (volatile uint8_t *)dv_wq.db_page + MANA_DB_RQ;
		rxq->cq.db = (volatile uint8_t *)dv_wq.db_page + MANA_DB_CQ;
		DRV_LOG(INFO, "port %u RX queue %u: RQ id %u (%u bytes), CQ id %u (%u CQEs)",
			priv->port_id, rxq->queue_id, rxq->rq_id, dv_wq.size,
			rxq->cq.id, rxq->cq.count);
		return 0;
	}
	if (dv_wq.buf == NULL ||
	    dv_wq.size < MANA_MIN_RING_SIZE || !rte_is_power_of_2(dv_wq.size) ||
	    dv_wq.size / MANA_BU_SIZE < rxq->nb_desc ||
	    dv_cq.buf == NULL || dv_cq.count != rte_align32pow2(rxq->nb_desc)) {
		DRV_LOG(ERR, "port %u RX queue %u: unusable RQ/CQ from libmana (RQ %p %u bytes, CQ %p %u entries)",
			priv->port_id, rxq->queue_id, dv_wq.buf, dv_wq.size,
			dv_cq.buf, dv_cq.count);
		return -EPROTO;
	}
	mana_rxq_reset(rxq);
	rxq->rq_ring = dv_wq.buf;
	rxq->rq_mask = dv_wq.size - 1;
	rxq->cq.ring = dv_cq.buf;
	rxq->cq.count = dv_cq.count;
	rxq->cq.mask = dv_cq.count - 1;
	rxq->cq.log2_count = rte_log2_u32(dv_cq.count);
	rxq->cq.head = dv_cq.count;	/* spec §6.3 */
	rxq->cq.db_head = rxq->cq.head;
	rxq->vlan_strip = !!(priv->dev_data->dev_conf.rxmode.offloads &
			     RTE_ETH_RX_OFFLOAD_VLAN_STRIP);
	return 0;
}

/*
 * Create the RX side (spec §1.6-§1.8): CQ + RQ of every queue of the RSS
 * table, the RWQ indirection table, the RSS QP with the Toeplitz key;
 * then post nb_desc buffers per queue and ring each RQ doorbell once.
 * The send QPs must exist already (spec §1.9).  On failure nothing is
 * left behind.
 */
int
mana_start_rx_queues(struct rte_eth_dev *dev)
{
	struct mana_priv *priv = dev->data->dev_private;
	uint16_t tbl[MANA_RSS_IND_TABLE_SIZE];
	struct ibv_wq *wqs[MANA_RSS_IND_TABLE_SIZE];
	struct ibv_rwq_ind_table_init_attr ia;
	struct ibv_qp_init_attr_ex qa;
	uint32_t n, i;
	int ret;

	n = mana_rss_table(priv, tbl);
	if (n == 0)
		return 0;
	for (i = 0; i < n; i++) {
		struct mana_rxq *rxq = dev->data->rx_queues[tbl[i]];

		ret = mana_create_rxq_objects(priv, rxq);
		if (ret)
			goto fail;
		wqs[i] = rxq->ibv_wq;
	}
	/*
	 * Write the RX WQEs before the RSS QP creates the RQ objects, so that
	 * only the doorbells remain between steering and receiving.
	 */
	for (i = 0; i < n; i++) {
		struct mana_rxq *rxq = dev->data->rx_queues[tbl[i]];
		uint32_t posted;

		ret = mana_init_rxq_dv(priv, rxq, false);
		if (ret)
			goto fail;
		posted = mana_rx_refill(rxq);
		if (posted < rxq->nb_desc) {
			DRV_LOG(ERR, "port %u RX queue %u: only %u of %u buffers could be posted (mempool %s has %u free mbufs)",
				priv->port_id, rxq->queue_id, posted,
				rxq->nb_desc, rxq->mp->name,
				rte_mempool_avail_count(rxq->mp));
			ret = -ENOMEM;
			goto fail;
		}
	}

	memset(&ia, 0, sizeof(ia));
	ia.log_ind_tbl_size = rte_log2_u32(n);
	ia.ind_tbl = wqs;
	ia.comp_mask = 0;
	priv->ind_table = ibv_create_rwq_ind_table(priv->ib_ctx, &ia);
	if (priv->ind_table == NULL) {
		ret = errno ? -errno : -ENOMEM;
		DRV_LOG(ERR, "port %u: ibv_create_rwq_ind_table(%u WQs) failed: %s",
			priv->port_id, n, strerror(-ret));
		goto fail;
	}

	memset(&qa, 0, sizeof(qa));
	qa.qp_type = IBV_QPT_RAW_PACKET;
	qa.comp_mask = IBV_QP_INIT_ATTR_PD | IBV_QP_INIT_ATTR_RX_HASH |
		       IBV_QP_INIT_ATTR_IND_TABLE;
	qa.pd = priv->ib_parent_pd;
	qa.rwq_ind_tbl = priv->ind_table;
	qa.rx_hash_conf.rx_hash_function = IBV_RX_HASH_FUNC_TOEPLITZ;
	qa.rx_hash_conf.rx_hash_key_len = MANA_RSS_KEY_SIZE;
	qa.rx_hash_conf.rx_hash_key = priv->rss_key;
	qa.rx_hash_conf.rx_hash_fields_mask = n > 1 ?
		mana_rss_hf_to_ibv(priv->rss_hf) : 0;
	priv->rss_qp = ibv_create_qp_ex(priv->ib_ctx, &qa);
	if (priv->rss_qp == NULL) {
		ret = errno ? -errno : -ENOMEM;
		DRV_LOG(ERR, "port %u: creating the RSS QP (%u WQs) failed: %s",
			priv->port_id, n, strerror(-ret));
		goto fail;
	}

	for (i = 0; i < n; i++) {
		struct mana_rxq *rxq = dev->data->rx_queues[tbl[i]];

		ret = mana_init_rxq_dv(priv, rxq, true);
		if (ret)
			goto fail;
		rxq->active = true;
		mana_rx_ring_doorbell(rxq);
	}
	DRV_LOG(INFO, "port %u: RSS QP over %u RX queue(s), hashing %s",
		priv->port_id, n, n > 1 ? "on" : "off");
	return 0;
fail:
	mana_stop_rx_queues(dev);
	return ret;
}

/* ------------------------------------------------------------------ */
/* Burst                                                               */
/* ------------------------------------------------------------------ */

/* Per-CQE metadata shared by the 1-4 packets of the CQE (spec §5.4). */
struct mana_rx_meta {
	uint64_t ol_flags;
	uint32_t ptype;		/* L2 + known L3 + L4 */
	uint16_t vid;
	bool vlan;
	bool parse_l3;		/* L3 type only from the frame's EtherType */
	bool hashed;
};

/* Decode dword 1 of an RX CQE (spec §5.2, §5.6, §7.3). */
static __rte_always_inline void
mana_rx_meta_decode(const struct mana_rx_comp_oob *oob, struct mana_rx_meta *md)
{
	uint32_t ht = oob->rx_hashtype;
	uint64_t ol = 0;
	uint32_t l3 = 0, l4 = 0;
	bool tcp_cs = oob->rx_tcp_csum_succeed || oob->rx_tcp_csum_fail;
	bool udp_cs = oob->rx_udp_csum_succeed || oob->rx_udp_csum_fail;
	bool ip_cs = oob->rx_iphdr_csum_succeed || oob->rx_iphdr_csum_fail;

	if (oob->rx_iphdr_csum_succeed)
		ol |= RTE_MBUF_F_RX_IP_CKSUM_GOOD;
	if (oob->rx_iphdr_csum_fail)
		ol |= RTE_MBUF_F_RX_IP_CKSUM_BAD;
	if (oob->rx_outer_iphdr_csum_fail)
		ol |= RTE_MBUF_F_RX_OUTER_IP_CKSUM_BAD;
	if (oob->rx_tcp_csum_succeed || oob->rx_udp_csum_succeed)
		ol |= RTE_MBUF_F_RX_L4_CKSUM_GOOD;
	if (oob->rx_tcp_csum_fail || oob->rx_udp_csum_fail)
		ol |= RTE_MBUF_F_RX_L4_CKSUM_BAD;
	md->hashed = ht != 0;
	if (ht != 0)
		ol |= RTE_MBUF_F_RX_RSS_HASH;

	/* L4: a checksum the device validated, else a specific hash type. */
	if (tcp_cs && !udp_cs)
		l4 = RTE_PTYPE_L4_TCP;
	else if (udp_cs && !tcp_cs)
		l4 = RTE_PTYPE_L4_UDP;
	else if ((ht & MANA_HT_TCP) && !(ht & MANA_HT_UDP))
		l4 = RTE_PTYPE_L4_TCP;
	else if ((ht & MANA_HT_UDP) && !(ht & MANA_HT_TCP))
		l4 = RTE_PTYPE_L4_UDP;
	/* L3: a hash type of one family, else the frame says. */
	md->parse_l3 = false;
	if ((ht & MANA_HT_V4) && !(ht & MANA_HT_V6))
		l3 = RTE_PTYPE_L3_IPV4_EXT_UNKNOWN;
	else if ((ht & MANA_HT_V6) && !(ht & MANA_HT_V4))
		l3 = RTE_PTYPE_L3_IPV6_EXT_UNKNOWN;
	else if (ht != 0 || ip_cs || l4 != 0)
		md->parse_l3 = true;

	md->vlan = oob->rx_vlantag_present;
	md->vid = oob->rx_vlan_id;
	md->ol_flags = ol;
	md->ptype = RTE_PTYPE_L2_ETHER | l3 | l4;
}

/* Complete one received packet in mbuf m (spec §5.2, §5.6). */
static __rte_always_inline void
mana_rx_finish(struct mana_rxq *rxq, struct rte_mbuf *m, uint32_t len,
	       uint32_t hash, const struct mana_rx_meta *md)
{
	uint32_t ptype = md->ptype;
	uint32_t et_off = 2 * RTE_ETHER_ADDR_LEN;

	m->data_len = (uint16_t)len;
	m->pkt_len = len;
	m->port = (uint16_t)rxq->port_id;
	m->ol_flags |= md->ol_flags;
	if (md->hashed)
		m->hash.rss = hash;
	if (md->vlan) {
		m->vlan_tci = md->vid;
		if (rxq->vlan_strip) {
			m->ol_flags |= RTE_MBUF_F_RX_VLAN |
				       RTE_MBUF_F_RX_VLAN_STRIPPED;
		} else if (rte_vlan_insert(&m) == 0) {
			/* Device always strips; the app wants the tag. */
			m->ol_flags |= RTE_MBUF_F_RX_VLAN;
			m->l2_len = 0;
			ptype = (ptype & ~RTE_PTYPE_L2_MASK) |
				RTE_PTYPE_L2_ETHER_VLAN;
			et_off += RTE_VLAN_HLEN;
			rxq->stats.vlan_reinsert++;
		} else {
			m->ol_flags |= RTE_MBUF_F_RX_VLAN |
				       RTE_MBUF_F_RX_VLAN_STRIPPED;
		}
	}
	if (md->parse_l3) {
		const uint8_t *p = rte_pktmbuf_mtod(m, const uint8_t *);
		uint16_t et = len >= et_off + 2 ?
			      (uint16_t)((p[et_off] << 8) | p[et_off + 1]) : 0;

		if (et == RTE_ETHER_TYPE_IPV4)
			ptype |= RTE_PTYPE_L3_IPV4_EXT_UNKNOWN;
		else if (et == RTE_ETHER_TYPE_IPV6)
			ptype |= RTE_PTYPE_L3_IPV6_EXT_UNKNOWN;
		else
			ptype &= ~RTE_PTYPE_L4_MASK;
	}
	m->packet_type = ptype;
	rxq->stats.bytes += m->pkt_len;
}

/* Take the buffer of the oldest outstanding RQ WQE. */
static __rte_always_inline struct rte_mbuf *
mana_rx_take(struct mana_rxq *rxq)
{
	struct rte_mbuf *m = rxq->sw_ring[rxq->rq_tail & rxq->desc_mask];

	rxq->rq_tail++;
	rte_prefetch0(rxq->sw_ring[rxq->rq_tail & rxq->desc_mask]);
	return m;
}

/* A consumed buffer whose packet is dropped goes back to the ring. */
static __rte_always_inline void
mana_rx_recycle(struct mana_rxq *rxq, struct rte_mbuf *m)
{
	rxq->spare[rxq->nb_spare++] = m;
}

/*
 * Scalar RX burst (spec §5, §6): poll the CQ, deliver up to n packets
 * (all packets of CQE_RX_COALESCED_4; a CQE whose packets do not all fit
 * is finished by the next call), recycle buffers of truncated packets,
 * refill the RQ and ring its doorbell once.  Returns the packet count.
 */
uint16_t
mana_rx_burst(void *q, struct rte_mbuf **pkts, uint16_t n)
{
	struct mana_rxq *rxq = q;
	struct mana_cq *cq = &rxq->cq;
	enum mana_cqe_state st = MANA_CQE_NONE;
	struct mana_cqe *cqe;
	uint16_t nb = 0;

	if (unlikely(!rxq->active || rxq->removed))
		return 0;

	while (nb < n) {
		const struct mana_rx_comp_oob *oob;
		struct mana_rx_meta md;
		uint32_t i, max;

		st = mana_cq_peek(cq, &cqe);
		if (st != MANA_CQE_VALID)
			break;
		oob = &cqe->rx;
		switch (oob->hdr.cqe_type) {
		case MANA_CQE_RX_OKAY:
		case MANA_CQE_RX_COALESCED_4:
			max = oob->hdr.cqe_type == MANA_CQE_RX_OKAY ? 1 :
			      MANA_RX_COALESCE_MAX;
			i = rxq->cqe_ppi_next;
			if (i == 0 && oob->ppi[0].pkt_len == 0) {
				/* Spec §5.3: an error, no WQE consumed. */
				rxq->stats.len_err++;
				rxq->stats.errors++;
				break;
			}
			mana_rx_meta_decode(oob, &md);
			for (; i < max; i++) {
				uint32_t len = oob->ppi[i].pkt_len;
				struct rte_mbuf *m;

				if (len == 0)
					break;
				if (nb == n) {
					/* Finish this CQE in the next call. */
					rxq->cqe_ppi_next = (uint8_t)i;
					goto out;
				}
				m = mana_rx_take(rxq);
				if (unlikely(len > rxq->buf_size)) {
					rxq->stats.len_err++;
					rxq->stats.errors++;
					mana_rx_recycle(rxq, m);
					continue;
				}
				mana_rx_finish(rxq, m, len, oob->ppi[i].pkt_hash,
					       &md);
				pkts[nb++] = m;
			}
			if (oob->hdr.cqe_type == MANA_CQE_RX_OKAY) {
				rxq->stats.cqe_okay++;
			} else {
				rxq->stats.cqe_coalesced++;
				rxq->stats.coalesced_pkts += i;
			}
			break;
		case MANA_CQE_RX_TRUNCATED:
			/* Packet larger than the buffer: dropped, 1 WQE. */
			rxq->stats.cqe_truncated++;
			rxq->stats.errors++;
			mana_rx_recycle(rxq, mana_rx_take(rxq));
			break;
		case MANA_CQE_RX_OBJECT_FENCE:
			rxq->stats.cqe_fence++;	/* consumes no WQE */
			break;
		default:
			/* Spec §5.3 (kernel behaviour): no WQE consumed. */
			rxq->stats.cqe_unknown++;
			rxq->stats.errors++;
			DP_LOG(ERR, "RX queue %u: CQE type %u", rxq->queue_id,
			       oob->hdr.cqe_type);
			break;
		}
		rxq->cqe_ppi_next = 0;
		cq->head++;
	}
out:
	if (unlikely(st == MANA_CQE_OVERFLOW) && !cq->overflowed) {
		cq->overflowed = true;
		rxq->stats.cq_overflow++;
		DRV_LOG(ERR, "port %u RX queue %u: CQ %u overflowed at index %u: completions lost, queue stalled",
			rxq->port_id, rxq->queue_id, cq->id, cq->head);
	}
	rxq->stats.packets += nb;
	if (rxq->rq_head - rxq->rq_tail != rxq->nb_desc &&
	    mana_rx_refill(rxq) != 0)
		mana_rx_ring_doorbell(rxq);
	if (mana_cq_doorbell_cadence(cq))
		rxq->stats.cq_doorbells++;
	return nb;
}
