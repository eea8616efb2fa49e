/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * net_mana: TX queues (spec §1.9, §3, §4) and the scalar TX burst.
 *
 * Posting (spec §4.1): per packet one WQE = 8-byte DMA header, a fully
 * zeroed short (8-byte) TX OOB, or the long (24-byte) OOB when a VLAN tag
 * must be inserted or the vPort offset exceeds 255, then one SGE per
 * non-empty mbuf segment.  One SQ doorbell per burst (spec §2.4).
 *
 * Completions (spec §4.4): CQEs arrive in SQ order; an error CQE consumes
 * exactly its WQE, and the device writes one for a failed WQE even when
 * its CQE was suppressed.  With suppression an error CQE is ambiguous: it
 * belongs to some WQE between the oldest outstanding one and the first
 * unsuppressed one.  The driver therefore suppresses only once the device
 * has shown that it reports the WQE position in tx_wqe_offset (the field
 * the spec leaves [unverified]): while suppression is off every WQE has
 * its own CQE, and every CQE_TX_OKAY is checked against the position of
 * its WQE, either as a free-running BU index mod 2^27 or as a BU index
 * within the ring.  After MANA_TX_SUPP_LEARN consecutive matches the
 * queue suppresses CQEs, and error CQEs are attributed by that position.
 * Any mismatch switches suppression off again; an error CQE that matches
 * no outstanding WQE is attributed to the oldest one (never frees an
 * in-flight buffer; counted as error_cqe_unattributed).
 */
#include <errno.h>
#include <string.h>

#include <rte_ether.h>
#include <rte_ip.h>
#include <rte_net.h>
#include <rte_malloc.h>

#include <infiniband/verbs.h>
#include <infiniband/manadv.h>

#include "mana.h"

#define MANA_TX_FREE_BULK	64
#define MANA_TX_SUPP_LEARN	16	/* consecutive position matches */
#define MANA_TX_SUPP_PERIOD	32	/* max WQEs per CQE when suppressing */
#define MANA_TX_WQE_OFF_MASK	((1u << 27) - 1)	/* tx_wqe_offset width */

/* Ring a CQ doorbell: tail = head mod 8N, arm as given (spec §2.2). */
void
mana_cq_ring_doorbell(struct mana_cq *cq, bool arm)
{
	union mana_db_cq db = { .as_uint64 = 0 };

	db.id = cq->id;
	db.tail_ptr = cq->head & ((cq->count << MANA_CQE_OWNER_BITS) - 1);
	db.arm = arm ? 1 : 0;
	mana_doorbell_write(cq->db, db.as_uint64);
	cq->db_head = cq->head;
}

/* ------------------------------------------------------------------ */
/* Queue objects                                                       */
/* ------------------------------------------------------------------ */

static void
mana_txq_reset(struct mana_txq *txq)
{
	txq->sq_head = 0;
	txq->sq_tail = 0;
	txq->desc_head = 0;
	txq->desc_tail = 0;
	txq->supp_mode = MANA_TX_SUPP_OFF;
	txq->supp_learn_abs = 0;
	txq->supp_learn_ring = 0;
	txq->removed = 0;
	mana_mr_qcache_flush(&txq->mr, 0);
}

static void mana_tx_reap(struct mana_txq *txq);

/* Free every mbuf still owned by an SQ WQE. */
static void
mana_txq_flush(struct mana_txq *txq)
{
	while (txq->desc_tail != txq->desc_head) {
		struct mana_tx_desc *d =
			&txq->sw_ring[txq->desc_tail & txq->desc_mask];

		rte_pktmbuf_free(d->mbuf);
		d->mbuf = NULL;
		txq->stats.flushed++;
		txq->desc_tail++;
	}
}

/*
 * Destroy the send QPs and their CQs (spec §1.11: QP, then CQ) and free
 * every mbuf still posted.  Completions already written are reaped
 * first so that their counters are exact.
 */
void
mana_stop_tx_queues(struct rte_eth_dev *dev)
{
	struct mana_priv *priv = dev->data->dev_private;
	uint16_t i;

	for (i = 0; i < dev->data->nb_tx_queues; i++) {
		struct mana_txq *txq = dev->data->tx_queues[i];
		int ret;

		if (txq == NULL)
			continue;
		/* The datapath is stopped (ethdev contract): no burst runs. */
		if (txq->ibv_qp != NULL && !priv->removed && !txq->removed)
			mana_tx_reap(txq);
		if (txq->ibv_qp != NULL) {
			ret = ibv_destroy_qp(txq->ibv_qp);
			if (ret && !priv->removed)
				DRV_LOG(ERR, "port %u TX queue %u: ibv_destroy_qp: %s",
					txq->port_id, i, strerror(ret));
			txq->ibv_qp = NULL;
		}
		if (txq->ibv_cq != NULL) {
			ret = ibv_destroy_cq(txq->ibv_cq);
			if (ret && !priv->removed)
				DRV_LOG(ERR, "port %u TX queue %u: ibv_destroy_cq: %s",
					txq->port_id, i, strerror(ret));
			txq->ibv_cq = NULL;
		}
		mana_txq_flush(txq);
		memset(&txq->cq, 0, sizeof(txq->cq));
		txq->sq_ring = NULL;
		txq->sq_db = NULL;
		mana_txq_reset(txq);
	}
}

/* Create the send CQ + raw QP of one TX queue (spec §1.5, §1.9, §1.10). */
static int
mana_start_tx_queue(struct mana_priv *priv, struct mana_txq *txq)
{
	struct ibv_qp_init_attr qa;
	struct manadv_obj obj;
	struct manadv_qp dv_qp;
	struct manadv_cq dv_cq;
	uint32_t cq_n = rte_align32pow2(txq->nb_desc);
	union {
		struct mana_tx_short_oob s;
		struct mana_tx_long_oob_ext l;
	} t;
	int ret;

	ret = mana_set_allocator(priv, txq->socket);
	if (ret)
		return ret;
	txq->ibv_cq = ibv_create_cq(priv->ib_ctx, (int)cq_n, NULL, NULL, 0);
	if (txq->ibv_cq == NULL) {
		ret = errno ? -errno : -ENOMEM;
		DRV_LOG(ERR, "port %u TX queue %u: ibv_create_cq(%u entries) failed: %s (device limit %u)",
			txq->port_id, txq->queue_id, cq_n, strerror(-ret),
			priv->lim.max_desc);
		return ret;
	}
	memset(&qa, 0, sizeof(qa));
	qa.send_cq = txq->ibv_cq;
	qa.recv_cq = txq->ibv_cq;
	qa.cap.max_send_wr = txq->nb_desc;
	qa.cap.max_send_sge = txq->max_sge;
	qa.qp_type = IBV_QPT_RAW_PACKET;
	qa.sq_sig_all = 0;
	txq->ibv_qp = ibv_create_qp(priv->ib_parent_pd, &qa);
	if (txq->ibv_qp == NULL) {
		ret = errno ? -errno : -ENOMEM;
		if (ret == -ENODEV || ret == -EBUSY)
			DRV_LOG(ERR, "port %u TX queue %u: ibv_create_qp failed: %s: the vPort is in use by its kernel netdev (%s must be down) or by another process (spec §1.9)",
				txq->port_id, txq->queue_id, strerror(-ret),
				priv->netdev);
		else
			DRV_LOG(ERR, "port %u TX queue %u: ibv_create_qp(%u WRs, %u SGEs) failed: %s",
				txq->port_id, txq->queue_id, txq->nb_desc,
				txq->max_sge, strerror(-ret));
		return ret;
	}

	memset(&obj, 0, sizeof(obj));
	obj.qp.in = txq->ibv_qp;
	obj.qp.out = &dv_qp;
	obj.cq.in = txq->ibv_cq;
	obj.cq.out = &dv_cq;
	ret = manadv_init_obj(&obj, MANADV_OBJ_QP | MANADV_OBJ_CQ);
	if (ret) {
		DRV_LOG(ERR, "port %u TX queue %u: manadv_init_obj failed: %d",
			txq->port_id, txq->queue_id, ret);
		return ret > 0 ? -ret : -EINVAL;
	}
	if (dv_qp.sq_buf == NULL || dv_qp.db_page == NULL ||
	    dv_qp.sq_size < MANA_MIN_RING_SIZE ||
	    !rte_is_power_of_2(dv_qp.sq_size) ||
	    dv_qp.sq_size / MANA_BU_SIZE < txq->nb_desc ||
	    dv_cq.buf == NULL || dv_cq.count != cq_n ||
	    dv_qp.sq_id > MANA_QUEUE_ID_MASK) {
		DRV_LOG(ERR, "port %u TX queue %u: unusable SQ/CQ from libmana (SQ %p %u bytes id %u, CQ %p %u entries)",
			txq->port_id, txq->queue_id, dv_qp.sq_buf,
			dv_qp.sq_size, dv_qp.sq_id, dv_cq.buf, dv_cq.count);
		return -EPROTO;
	}

	mana_txq_reset(txq);
	txq->sq_ring = dv_qp.sq_buf;
	txq->sq_mask = dv_qp.sq_size - 1;
	txq->sq_bu = dv_qp.sq_size / MANA_BU_SIZE;
	txq->sq_id = dv_qp.sq_id;
	txq->sq_db = (volatile uint8_t *)dv_qp.db_page + MANA_DB_SQ;

	txq->cq.ring = dv_cq.buf;
	txq->cq.count = dv_cq.count;
	txq->cq.mask = dv_cq.count - 1;
	txq->cq.log2_count = rte_log2_u32(dv_cq.count);
	txq->cq.head = dv_cq.count;	/* spec §6.3 */
	txq->cq.db_head = txq->cq.head;
	txq->cq.id = dv_cq.cq_id;
	txq->cq.db = (volatile uint8_t *)dv_qp.db_page + MANA_DB_CQ;

	/* OOB templates (spec §4.2). */
	memset(&t, 0, sizeof(t));
	t.s.vcq_num = dv_cq.cq_id;
	txq->oob_dw0 = t.s.dw0;
	memset(&t, 0, sizeof(t));
	t.s.vsq_frame = dv_qp.sq_id >> 10;
	txq->long_vp = dv_qp.tx_vp_offset > MANA_SHORT_VPORT_OFFSET_MAX;
	if (!txq->long_vp)
		t.s.short_vp_offset = dv_qp.tx_vp_offset;
	txq->oob_dw1 = t.s.dw1;
	memset(&t, 0, sizeof(t));
	if (txq->long_vp)
		t.l.long_vp_offset = dv_qp.tx_vp_offset;
	txq->oob_dw3 = t.l.dw3;

	DRV_LOG(INFO, "port %u TX queue %u: SQ id %u (%u bytes), CQ id %u (%u CQEs), vPort offset %u",
		txq->port_id, txq->queue_id, txq->sq_id, dv_qp.sq_size,
		txq->cq.id, txq->cq.count, dv_qp.tx_vp_offset);
	return 0;
}

/* Create every TX queue's objects; on failure nothing is left behind. */
int
mana_start_tx_queues(struct rte_eth_dev *dev)
{
	struct mana_priv *priv = dev->data->dev_private;
	uint16_t i;
	int ret;

	for (i = 0; i < dev->data->nb_tx_queues; i++) {
		ret = mana_start_tx_queue(priv, dev->data->tx_queues[i]);
		if (ret) {
			mana_stop_tx_queues(dev);
			return ret;
		}
	}
	return 0;
}

/* ------------------------------------------------------------------ */
/* Completions                                                         */
/* ------------------------------------------------------------------ */

struct mana_tx_free {
	struct rte_mbuf *m[MANA_TX_FREE_BULK];
	unsigned int n;
};

/* Complete WQEs from desc_tail up to and including index `last`. */
static __rte_always_inline void
mana_tx_complete(struct mana_txq *txq, uint32_t last, struct mana_tx_free *f)
{
	do {
		struct mana_tx_desc *d =
			&txq->sw_ring[txq->desc_tail & txq->desc_mask];

		if (unlikely(f->n == MANA_TX_FREE_BULK)) {
			rte_pktmbuf_free_bulk(f->m, f->n);
			f->n = 0;
		}
		f->m[f->n++] = d->mbuf;
		d->mbuf = NULL;
		txq->sq_tail = d->bu_pos + d->wqe_bu;
	} while (txq->desc_tail++ != last);
}

/* Does a CQE's tx_wqe_offset name the WQE starting at BU bu_pos? */
static __rte_always_inline bool
mana_tx_pos_match(const struct mana_txq *txq, uint8_t mode, uint32_t off,
		  uint32_t bu_pos)
{
	if (mode == MANA_TX_SUPP_ABS)
		return off == (bu_pos & MANA_TX_WQE_OFF_MASK);
	return off == (bu_pos & (txq->sq_bu - 1));
}

/* Learn (or re-verify) the tx_wqe_offset convention from a CQE whose
 * WQE is known exactly. */
static void
mana_tx_learn(struct mana_txq *txq, uint32_t off, uint32_t bu_pos)
{
	bool abs = off == (bu_pos & MANA_TX_WQE_OFF_MASK);
	bool ring = off == (bu_pos & (txq->sq_bu - 1));

	if (txq->supp_mode != MANA_TX_SUPP_OFF) {
		if (!mana_tx_pos_match(txq, txq->supp_mode, off, bu_pos)) {
			DRV_LOG(WARNING, "port %u TX queue %u: tx_wqe_offset %u does not match WQE at BU %u: CQE suppression off",
				txq->port_id, txq->queue_id, off, bu_pos);
			txq->supp_mode = MANA_TX_SUPP_OFF;
			txq->supp_learn_abs = 0;
			txq->supp_learn_ring = 0;
		}
		return;
	}
	/* A device that leaves the field 0 must not look like a match. */
	if ((bu_pos & (txq->sq_bu - 1)) == 0)
		return;
	txq->supp_learn_abs = abs ? txq->supp_learn_abs + 1 : 0;
	txq->supp_learn_ring = ring ? txq->supp_learn_ring + 1 : 0;
	if (txq->supp_learn_abs >= MANA_TX_SUPP_LEARN)
		txq->supp_mode = MANA_TX_SUPP_ABS;
	else if (txq->supp_learn_ring >= MANA_TX_SUPP_LEARN)
		txq->supp_mode = MANA_TX_SUPP_RING;
	if (txq->supp_mode != MANA_TX_SUPP_OFF)
		DRV_LOG(DEBUG, "port %u TX queue %u: device reports WQE positions, CQE suppression on",
			txq->port_id, txq->queue_id);
}

/* Process one TX CQE (spec §4.4). */
static __rte_always_inline void
mana_tx_cqe(struct mana_txq *txq, const struct mana_cqe *cqe,
	    struct mana_tx_free *f)
{
	uint32_t type = cqe->tx.hdr.cqe_type;
	uint32_t off = cqe->tx.tx_wqe_offset;
	uint32_t idx, last;
	const struct mana_tx_desc *d;

	if (unlikely(txq->desc_tail == txq->desc_head)) {
		/* A CQE without an outstanding WQE: device or driver bug. */
		txq->stats.cqe_unknown++;
		DP_LOG(ERR, "TX queue %u: CQE type %u without outstanding WQE",
		       txq->queue_id, type);
		return;
	}
	if (likely(type == MANA_CQE_TX_OKAY)) {
		/* Completes every WQE up to the first unsuppressed one. */
		idx = txq->desc_tail;
		for (;;) {
			d = &txq->sw_ring[idx & txq->desc_mask];
			if (!(d->flags & MANA_TXD_F_SUPPRESS) ||
			    idx + 1 == txq->desc_head)
				break;
			idx++;
		}
		txq->stats.cqe[0]++;
		mana_tx_learn(txq, off, d->bu_pos);
		mana_tx_complete(txq, idx, f);
		return;
	}

	/* Error CQE: the packet of its WQE was not sent. */
	txq->stats.errors++;
	if (type >= MANA_CQE_TX_FIRST && type <= MANA_CQE_TX_LAST)
		txq->stats.cqe[type - MANA_CQE_TX_FIRST]++;
	else
		txq->stats.cqe_unknown++;
	DP_LOG(DEBUG, "TX queue %u: error CQE type %u vendor_err 0x%x",
	       txq->queue_id, type, cqe->tx.hdr.vendor_err);

	d = &txq->sw_ring[txq->desc_tail & txq->desc_mask];
	last = txq->desc_tail;
	if (d->flags & MANA_TXD_F_SUPPRESS) {
		/* Ambiguous: find the WQE by its reported position. */
		bool found = false;

		for (idx = txq->desc_tail; idx != txq->desc_head; idx++) {
			d = &txq->sw_ring[idx & txq->desc_mask];
			if (txq->supp_mode != MANA_TX_SUPP_OFF &&
			    mana_tx_pos_match(txq, txq->supp_mode, off,
					      d->bu_pos)) {
				found = true;
				last = idx;
				break;
			}
			if (!(d->flags & MANA_TXD_F_SUPPRESS))
				break;
		}
		if (!found) {
			txq->stats.cqe_attrib_guess++;
			txq->supp_mode = MANA_TX_SUPP_OFF;
			txq->supp_learn_abs = 0;
			txq->supp_learn_ring = 0;
		}
	}
	mana_tx_complete(txq, last, f);
}

/* Reap the TX CQ: free the mbufs of completed WQEs (spec §4.4, §6). */
static void
mana_tx_reap(struct mana_txq *txq)
{
	struct mana_cq *cq = &txq->cq;
	struct mana_tx_free f;
	struct mana_cqe *cqe;
	enum mana_cqe_state st = MANA_CQE_NONE;
	uint32_t budget = cq->count;

	f.n = 0;
	while (budget-- > 0) {
		st = mana_cq_peek(cq, &cqe);
		if (st != MANA_CQE_VALID)
			break;
		mana_tx_cqe(txq, cqe, &f);
		cq->head++;
	}
	if (unlikely(st == MANA_CQE_OVERFLOW) && !cq->overflowed) {
		cq->overflowed = true;
		txq->stats.cq_overflow++;
		DRV_LOG(ERR, "port %u TX queue %u: CQ %u overflowed at index %u: completions lost, queue stalled",
			txq->port_id, txq->queue_id, cq->id, cq->head);
	}
	if (f.n)
		rte_pktmbuf_free_bulk(f.m, f.n);
	if (mana_cq_doorbell_cadence(cq))
		txq->stats.cq_doorbells++;
}

/*
 * tx_done_cleanup: free the mbufs of every completed WQE (spec §4.4).
 * free_cnt is not a limit: all completions available are reaped.
 * Returns the number of packets freed, or -ENODEV for a removed device.
 */
int
mana_tx_done_cleanup(void *q, uint32_t free_cnt __rte_unused)
{
	struct mana_txq *txq = q;
	uint32_t before;

	if (txq->removed)
		return -ENODEV;
	if (txq->sq_ring == NULL)
		return 0;
	before = txq->desc_tail;
	mana_tx_reap(txq);
	return (int)(txq->desc_tail - before);
}

/* ------------------------------------------------------------------ */
/* Burst                                                               */
/* ------------------------------------------------------------------ */

/*
 * tx_pkt_prepare: check what the device can post and seed the L4
 * checksum with the pseudo-header sum (spec §4.2) through
 * rte_net_intel_cksum_prepare (it also zeroes the IPv4 header checksum).
 * Returns the number of packets ready; on a bad packet rte_errno is set
 * (EINVAL, ENOTSUP) and its index returned.
 */
uint16_t
mana_tx_prepare(void *q, struct rte_mbuf **pkts, uint16_t n)
{
	struct mana_txq *txq = q;
	uint32_t max_frame = txq->priv->dev_data->mtu + MANA_FRAME_OVERHEAD;
	uint16_t i;

	for (i = 0; i < n; i++) {
		struct rte_mbuf *m = pkts[i];
		uint64_t ol = m->ol_flags;
		int ret;

		if (m->nb_segs > txq->max_sge || m->pkt_len == 0 ||
		    m->pkt_len > max_frame) {
			rte_errno = EINVAL;
			return i;
		}
		if (ol & RTE_MBUF_F_TX_OFFLOAD_MASK & ~MANA_TX_OL_FLAGS) {
			rte_errno = ENOTSUP;
			return i;
		}
		/* trans_off (10 bits) always holds l2_len (7) + l3_len (9). */
		if ((ol & RTE_MBUF_F_TX_L4_MASK) &&
		    ((ol & RTE_MBUF_F_TX_L4_MASK) == RTE_MBUF_F_TX_SCTP_CKSUM ||
		     !(ol & (RTE_MBUF_F_TX_IPV4 | RTE_MBUF_F_TX_IPV6)))) {
			rte_errno = EINVAL;
			return i;
		}
#ifdef RTE_LIBRTE_ETHDEV_DEBUG
		ret = rte_validate_tx_offload(m);
		if (ret) {
			rte_errno = -ret;
			return i;
		}
#endif
		ret = rte_net_intel_cksum_prepare(m);
		if (ret) {
			rte_errno = -ret;
			return i;
		}
	}
	return i;
}

/*
 * Scalar TX burst (spec §4.1): reap completions, post one WQE per packet
 * while ring space, descriptors and MRs allow, then one SQ doorbell.
 * Returns the number of packets taken: always the prefix pkts[0..ret-1];
 * the first packet that cannot be posted (ring full, MR registration
 * failure, more segments than SGEs, empty packet) ends the burst and
 * stays with the caller.
 */
uint16_t
mana_tx_burst(void *q, struct rte_mbuf **pkts, uint16_t n)
{
	struct mana_txq *txq = q;
	uint8_t *ring = txq->sq_ring;
	uint32_t mask = txq->sq_mask;
	uint32_t head_bu, desc_head, free_desc, free_bu;
	struct mana_tx_desc *last_desc = NULL;
	uint32_t *last_dw0 = NULL;
	uint64_t bytes = 0;
	uint16_t i;

	if (unlikely(txq->removed))
		return 0;
	mana_tx_reap(txq);

	head_bu = txq->sq_head;
	desc_head = txq->desc_head;
	free_desc = txq->nb_desc - (desc_head - txq->desc_tail);
	free_bu = txq->sq_bu - (head_bu - txq->sq_tail);

	for (i = 0; i < n; i++) {
		struct rte_mbuf *m = pkts[i];
		const struct rte_mbuf *seg;
		uint64_t ol = m->ol_flags;
		struct mana_wqe_header hdr;
		struct mana_tx_oob oob;
		struct mana_tx_desc *d;
		uint32_t nsge, oob_size, wqe_bu, off, s_off;
		bool lng;

		if (likely(m->nb_segs == 1)) {
			nsge = m->data_len != 0;
		} else {
			nsge = 0;
			for (seg = m; seg != NULL; seg = seg->next)
				nsge += seg->data_len != 0;
		}
		if (unlikely(nsge == 0 || nsge > txq->max_sge)) {
			txq->stats.bad_pkt++;
			break;
		}
		if (unlikely(free_desc == 0)) {
			txq->stats.ring_full++;
			break;
		}
		lng = txq->long_vp || (ol & RTE_MBUF_F_TX_VLAN);
		oob_size = lng ? MANA_TX_LONG_OOB_SIZE : MANA_TX_SHORT_OOB_SIZE;
		wqe_bu = mana_wqe_size(oob_size, nsge) / MANA_BU_SIZE;
		if (unlikely(wqe_bu > free_bu)) {
			txq->stats.ring_full++;
			break;
		}

		/* SGL first: an MR failure leaves nothing posted. */
		off = (head_bu * MANA_BU_SIZE) & mask;
		s_off = off + MANA_DMA_HDR_SIZE + oob_size;
		for (seg = m; seg != NULL; seg = seg->next) {
			uintptr_t addr = rte_pktmbuf_mtod(seg, uintptr_t);
			struct mana_sge *sge;
			uint32_t lkey;

			if (unlikely(seg->data_len == 0))
				continue;
			if (unlikely(mana_mr_lkey(&txq->mr, txq->priv, seg, addr,
						  seg->data_len, &lkey) != 0)) {
				txq->stats.mr_fail++;
				goto post;
			}
			/* The SGL may wrap to the ring start (spec §3.3). */
			sge = (struct mana_sge *)(ring + (s_off & mask));
			sge->address = addr;
			sge->mem_key = lkey;
			sge->size = seg->data_len;
			s_off += MANA_SGE_SIZE;
		}

		/* Header and OOB: fully zeroed, then the fields (spec §4.2). */
		hdr.dw0 = 0;
		hdr.dw1 = 0;
		hdr.num_sgl_entries = nsge;
		hdr.inline_client_oob_size = lng ? MANA_OOB_DWORDS_LONG :
						   MANA_OOB_DWORDS_SHORT;
		memset(&oob, 0, sizeof(oob));
		oob.s.dw0 = txq->oob_dw0;
		oob.s.dw1 = txq->oob_dw1;
		oob.s.pkt_fmt = lng ? MANA_TX_PKT_FMT_LONG : MANA_TX_PKT_FMT_SHORT;
		if (ol & (RTE_MBUF_F_TX_IPV4 | RTE_MBUF_F_TX_IPV6 |
			  RTE_MBUF_F_TX_IP_CKSUM | RTE_MBUF_F_TX_L4_MASK)) {
			uint64_t l4 = ol & RTE_MBUF_F_TX_L4_MASK;

			if (ol & RTE_MBUF_F_TX_IPV4)
				oob.s.is_outer_ipv4 = 1;
			else if (ol & RTE_MBUF_F_TX_IPV6)
				oob.s.is_outer_ipv6 = 1;
			if (ol & RTE_MBUF_F_TX_IP_CKSUM)
				oob.s.comp_iphdr_csum = 1;
			if (l4 == RTE_MBUF_F_TX_TCP_CKSUM ||
			    l4 == RTE_MBUF_F_TX_UDP_CKSUM) {
				if (l4 == RTE_MBUF_F_TX_TCP_CKSUM)
					oob.s.comp_tcp_csum = 1;
				else
					oob.s.comp_udp_csum = 1;
				oob.s.trans_off = m->l2_len + m->l3_len;
			}
		}
		if (txq->supp_mode != MANA_TX_SUPP_OFF &&
		    (desc_head % MANA_TX_SUPP_PERIOD) != MANA_TX_SUPP_PERIOD - 1)
			oob.s.suppress_txcqe_gen = 1;
		if (lng) {
			oob.l.dw3 = txq->oob_dw3;
			if (ol & RTE_MBUF_F_TX_VLAN) {
				oob.l.inject_vlan_pri_tag = 1;
				oob.l.pcp = m->vlan_tci >> 13;
				oob.l.dei = (m->vlan_tci >> 12) & 1;
				oob.l.vlan_id = m->vlan_tci & 0xfff;
			}
		}
		/* Header + OOB (<= 32 bytes at a BU boundary) never wrap. */
		memcpy(ring + off, &hdr, sizeof(hdr));
		memcpy(ring + off + MANA_DMA_HDR_SIZE, &oob, oob_size);

		d = &txq->sw_ring[desc_head & txq->desc_mask];
		d->mbuf = m;
		d->bu_pos = head_bu;
		d->wqe_bu = (uint16_t)wqe_bu;
		d->flags = oob.s.suppress_txcqe_gen ? MANA_TXD_F_SUPPRESS : 0;
		last_desc = d;
		last_dw0 = (uint32_t *)(ring + off + MANA_DMA_HDR_SIZE);

		head_bu += wqe_bu;
		desc_head++;
		free_desc--;
		free_bu -= wqe_bu;
		bytes += m->pkt_len;
	}
post:
	if (unlikely(i == 0))
		return 0;
	/* The last WQE of a burst always asks for a CQE. */
	if (last_desc->flags & MANA_TXD_F_SUPPRESS) {
		struct mana_tx_short_oob s;

		s.dw0 = *last_dw0;
		s.suppress_txcqe_gen = 0;
		*last_dw0 = s.dw0;
		last_desc->flags &= ~MANA_TXD_F_SUPPRESS;
	}
	txq->sq_head = head_bu;
	txq->desc_head = desc_head;
	{
		union mana_db_sq db = { .as_uint64 = 0 };

		db.id = txq->sq_id;
		db.tail_ptr = head_bu * MANA_BU_SIZE;
		mana_doorbell_write(txq->sq_db, db.as_uint64);
	}
	txq->stats.doorbells++;
	txq->stats.packets += i;
	txq->stats.bytes += bytes;
	return i;
}
