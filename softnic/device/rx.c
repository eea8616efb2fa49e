/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Receive: RSS, RQ WQE consumption, scatter, RX CQEs and coalescing
 * (spec §5, §7, §10).
 *
 * A port's wire is polled only while the vPort has RX steering (an RSS QP)
 * and, since the steering was created, the driver has rung one of its RQ
 * doorbells; before that, frames wait in the wire (loop FIFO, TAP queue,
 * pcap file), so a capture replay starts when the driver is ready to
 * receive.  (Hardware would drop frames arriving in the short window
 * between RSS QP creation and the first RQ doorbell.)
 * Per frame:
 *  - "fault ... drop" and link down drop it (rx_drop_fault/_link_down);
 *  - an 802.1Q tag is always stripped and reported (rx_vlantag_present,
 *    rx_vlan_id = VID only) (§5.6);
 *  - checksum bits (§5.6): IPv4 header good/bad; IPv6 counts as "iphdr
 *    succeed" [inferred]; TCP/UDP good/bad for non-fragments whose IP
 *    lengths fit the frame; an IPv4 UDP checksum of 0 (none) counts as good,
 *    an IPv6 UDP checksum of 0 as bad (RFC 8200) [inferred];
 *  - RSS (§7): with more than one WQ in the table, IP frames are hashed with
 *    Toeplitz (rte_softrss_be, the QP's key) over src ‖ dst address, plus
 *    src ‖ dst port for non-fragmented TCP/UDP; rx_hashtype = 0x1B6 (L4) or
 *    0x049 (L3 only); queue = table[hash & 63].  Non-IP frames, and every
 *    frame when the table has one WQ, are not hashed (pkt_hash 0, type 0) and
 *    go to the default RX object (the last WQ);
 *  - the RQ's WQE at its hardware position receives the frame, scattered
 *    over its SGEs (up to 15, each through the DMA check with LOCAL_WRITE);
 *    no posted WQE: drop, rx_drop_no_wqe; frame larger than the SGEs:
 *    CQE_RX_TRUNCATED, nothing written, WQE consumed (rx_drop_truncated); a
 *    DMA check failure or a malformed WQE (0 or > 15 SGEs): CQE_RX_TRUNCATED
 *    with a non-zero vendor_err (0x2xx), WQE consumed, rx_drop_dma_error
 *    [inferred: there is no RX error CQE type and both drivers consume one
 *    WQE for a truncation]; a frame longer than SN_MAX_FRAME (9018 bytes)
 *    is dropped without a CQE (rx_drop_truncated); no MTU check on RX;
 *  - rx_wqe_offset = free-running byte position of the WQE (of the first
 *    packet's WQE in a coalesced CQE) mod 2^32 (§5.5).
 * Coalescing (§5.4, switchable: config "coalesce", ctl "coalesce on|off"):
 * each RQ keeps one open CQE; a packet joins it when its dword-1 flags are
 * identical and it holds fewer than 4 packets, else the open CQE is written
 * first.  Every open CQE is written at the end of each device-thread
 * iteration.  An open CQE holding one packet is written as CQE_RX_OKAY, with
 * 2..4 packets as CQE_RX_COALESCED_4 (unused ppi slots pkt_len 0).
 */
#include <errno.h>
#include <string.h>

#include <rte_thash.h>

#include "sn_dev.h"
#include "sn_pkt.h"

struct rx_meta {
	struct mana_rx_comp_oob oob;	/* only dw1 (the per-CQE flags) used */
	uint32_t hash;
	bool hashed;
};

static inline void
rx_classify(const uint8_t *f, uint32_t len, const struct sn_rss *rss, struct rx_meta *m)
{
	struct mana_rx_comp_oob *o = &m->oob;
	struct sn_l3l4 l;
	const uint8_t *t;
	bool l4, good;

	sn_parse(f, len, &l);
	m->hash = 0;
	m->hashed = false;
	if (l.l3 == 4) {
		const struct rte_ipv4_hdr *ip = (const void *)(f + l.l3_off);

		if (__rte_raw_cksum_reduce(__rte_raw_cksum(ip, l.l4_off - l.l3_off, 0)) == 0xffff)
			o->rx_iphdr_csum_succeed = 1;
		else
			o->rx_iphdr_csum_fail = 1;
	} else if (l.l3 == 6) {
		o->rx_iphdr_csum_succeed = 1;
	} else {
		return;
	}
	l4 = l.len_ok && !l.frag &&
	     ((l.l4proto == IPPROTO_TCP && l.l4_len >= 20) ||
	      (l.l4proto == IPPROTO_UDP && l.l4_len >= 8));
	t = f + l.l4_off;
	if (l4) {
		if (l.l4proto == IPPROTO_UDP && t[6] == 0 && t[7] == 0)
			good = l.l3 == 4;
		else
			good = sn_l4_sum(f, &l) == 0xffff;
		if (l.l4proto == IPPROTO_TCP) {
			o->rx_tcp_csum_succeed = good;
			o->rx_tcp_csum_fail = !good;
		} else {
			o->rx_udp_csum_succeed = good;
			o->rx_udp_csum_fail = !good;
		}
	}
	if (rss->rss_enable) {
		/* §7.2: src ‖ dst address [‖ src ‖ dst port], as 32-bit words */
		uint32_t tuple[9], n = 0, i, w;

		if (l.l3 == 4) {
			const struct rte_ipv4_hdr *ip = (const void *)(f + l.l3_off);

			tuple[n++] = rte_be_to_cpu_32(ip->src_addr);
			tuple[n++] = rte_be_to_cpu_32(ip->dst_addr);
		} else {
			const struct rte_ipv6_hdr *ip = (const void *)(f + l.l3_off);

			for (i = 0; i < 8; i++) {
				memcpy(&w, (const uint8_t *)ip->src_addr + 4 * i, 4);
				tuple[n++] = rte_be_to_cpu_32(w);
			}
		}
		if (l4)
			tuple[n++] = ((uint32_t)sn_get_be16(t) << 16) | sn_get_be16(t + 2);
		m->hash = rte_softrss_be(tuple, n, (const uint8_t *)rss->key_be);
		m->hashed = true;
		o->rx_hashtype = l4 ? MANA_HASH_L4 : MANA_HASH_L3;
	}
}

/* Complete the CQE built in the RQ's next CQ slot (lock held). */
static inline __attribute__((always_inline)) void
rx_commit(struct sn_adapter *a, struct sn_wq *rq, uint32_t type, uint32_t verr,
	  uint64_t last_seq, uint32_t last_pos)
{
	struct mana_cqe *c = sn_cq_slot(&rq->cq);
	union mana_cqe_header h = { .as_uint32 = 0 };

	h.cqe_type = type;
	h.client_type = MANA_CQE_CLIENT_TYPE_COMPLETION;
	h.vendor_err = verr;
	c->rx.hdr.as_uint32 = h.as_uint32;
	rq->port->ctr[SN_PC_RX_CQES]++;
	sn_cq_commit(a, rq, type, last_seq, last_pos);
}

/* Write the open coalesced CQE of one RQ (lock held).  It was built in
 * place in the CQ's next slot; only its type is still to be set. */
void
sn_rx_flush(struct sn_adapter *a, struct sn_wq *rq)
{
	uint32_t type;

	if (rq->open_cnt == 0)
		return;
	if (rq->open_cnt == 1) {
		type = MANA_CQE_RX_OKAY;
	} else {
		type = MANA_CQE_RX_COALESCED_4;
		rq->ctr[SN_QC_COALESCED_CQES]++;
		rq->ctr[SN_QC_COALESCED_PKTS] += rq->open_cnt;
		rq->port->ctr[SN_PC_RX_COALESCED_CQES]++;
	}
	rq->open_cnt = 0;
	rx_commit(a, rq, type, SN_VERR_NONE, rq->open_last_seq, rq->open_last_pos);
}

/* Write every open coalesced CQE (end of a device-thread iteration). */
void
sn_rx_flush_all(struct sn_adapter *a)
{
	unsigned int i;

	for (i = 0; i < a->n_open; i++)
		sn_rx_flush(a, a->open_rqs[i]);
	a->n_open = 0;
}

/* Prefetch the RQ ring a few WQEs ahead and, for writing, the first buffer
 * of the next WQE (hides the cross-core misses of the next frame). */
static inline void
rx_prefetch_next(struct sn_adapter *a, struct sn_wq *rq)
{
	uint32_t off = rq->hw & rq->mask, i;
	struct mana_sge sge;

	__builtin_prefetch(rq->ring + ((rq->hw + 4 * MANA_BU_SIZE) & rq->mask));
	if ((uint32_t)(rq->tail - rq->hw) < MANA_BU_SIZE)
		return;
	memcpy(&sge, rq->ring + ((off + MANA_DMA_HDR_SIZE + MANA_RX_OOB_SIZE) & rq->mask),
	       sizeof(sge));
	i = sge.mem_key >> 8;
	if (i > 0 && i < a->mr_cap && a->mr[i].lkey == sge.mem_key &&
	    sge.address >= a->mr[i].iova && sge.address - a->mr[i].iova < a->mr[i].length)
		__builtin_prefetch(a->mr[i].host + (sge.address - a->mr[i].iova), 1);
}

/* A frame that cannot be received into the WQE at pos: CQE_RX_TRUNCATED
 * (§5.3), written after any open CQE of the RQ.  Lock held. */
static void __attribute__((noinline))
rx_truncated(struct sn_adapter *a, struct sn_wq *rq, uint32_t len, const struct rx_meta *m,
	     uint32_t pos, uint32_t verr)
{
	struct mana_cqe *c;

	if (rq->open_cnt)
		sn_rx_flush(a, rq);
	c = sn_cq_slot(&rq->cq);
	memset(c->data, 0, sizeof(c->data));
	c->rx.dw1 = m->oob.dw1;
	c->rx.ppi[0].pkt_len = len > 0xffff ? 0xffff : len;
	c->rx.ppi[0].pkt_hash = m->hash;
	c->rx.rx_wqe_offset = pos;
	if (verr != SN_VERR_NONE)
		rq->port->ctr[SN_PC_RX_DROP_DMA_ERROR]++;
	else
		rq->port->ctr[SN_PC_RX_DROP_TRUNCATED]++;
	rx_commit(a, rq, MANA_CQE_RX_TRUNCATED, verr, rq->seq - 1, pos);
}

/* Deliver one frame (VLAN already stripped) to RQ rq.  Lock held. */
static inline void
rx_deliver(struct sn_adapter *a, struct sn_wq *rq, const uint8_t *f, uint32_t len,
	   const struct rx_meta *m)
{
	struct sn_port *p = rq->port;
	uint32_t off, nsge, oob_dw, size, cap = 0, i, sgl, verr = SN_VERR_NONE;
	uint32_t avail = rq->tail - rq->hw;
	struct mana_sge sge[MANA_MAX_RX_SGE];
	uint8_t *dst[MANA_MAX_RX_SGE];
	struct mana_wqe_header hdr;
	struct mana_cqe *c;
	uint32_t pos = rq->hw;

	if (unlikely(avail < MANA_BU_SIZE || avail > 0x80000000u)) {
		p->ctr[SN_PC_RX_DROP_NO_WQE]++;
		return;
	}
	off = rq->hw & rq->mask;
	memcpy(&hdr, rq->ring + off, sizeof(hdr));
	nsge = hdr.num_sgl_entries;
	oob_dw = hdr.inline_client_oob_size;
	size = mana_wqe_size(oob_dw * 4, nsge);
	if (unlikely(size > avail)) {
		if (!rq->tail_warned)
			sn_log(SN_LOG_WARN, "RQ %u: doorbell tail %u ends inside the %u-byte "
			       "WQE at %u", rq->id, rq->tail, size, rq->hw);
		rq->tail_warned = true;
		p->ctr[SN_PC_RX_DROP_NO_WQE]++;
		return;
	}
	rq->tail_warned = false;
	if (likely(nsge == 1)) {
		/* the Ethernet drivers' one-buffer WQE (§5.1) */
		memcpy(&sge[0], rq->ring + ((off + MANA_DMA_HDR_SIZE + oob_dw * 4) & rq->mask),
		       sizeof(sge[0]));
		dst[0] = NULL;
		if (sge[0].size != 0) {
			dst[0] = sn_mr_access(a, sge[0].mem_key, rq->pdn, sge[0].address,
					      sge[0].size, true, &verr);
			cap = sge[0].size;
		}
	} else if (unlikely(nsge == 0 || nsge > MANA_MAX_RX_SGE || size > MANA_MAX_RQ_WQE_SIZE)) {
		verr = SN_VERR_TOO_MANY_SGE;
	} else {
		sgl = (off + MANA_DMA_HDR_SIZE + oob_dw * 4) & rq->mask;
		for (i = 0; i < nsge; i++) {
			memcpy(&sge[i], rq->ring + ((sgl + MANA_SGE_SIZE * i) & rq->mask),
			       sizeof(sge[i]));
			dst[i] = NULL;
			if (sge[i].size == 0)
				continue;
			dst[i] = sn_mr_access(a, sge[i].mem_key, rq->pdn, sge[i].address,
					      sge[i].size, true, &verr);
			if (dst[i] == NULL)
				break;
			cap += sge[i].size;
		}
	}
	rq->hw += size;
	rq->seq++;
	rq->ctr[SN_QC_WQES]++;
	rx_prefetch_next(a, rq);
	if (unlikely(verr != SN_VERR_NONE || len > cap)) {
		rx_truncated(a, rq, len, m, pos, verr);
		return;
	}
	if (likely(len <= sge[0].size)) {
		memcpy(dst[0], f, len);
	} else {
		for (i = 0, off = 0; i < nsge && off < len; i++) {
			uint32_t n = len - off < sge[i].size ? len - off : sge[i].size;

			if (n == 0)
				continue;
			memcpy(dst[i], f + off, n);
			off += n;
		}
	}
	p->ctr[SN_PC_RX_FRAMES]++;
	p->ctr[SN_PC_RX_BYTES] += len;
	/* Coalescing (§5.4): the open CQE is built in place in the CQ's next
	 * slot and written (owner bits) by sn_rx_flush(). */
	if (rq->open_cnt &&
	    (rq->open_cnt >= MANA_RX_COALESCE_MAX || rq->open_dw1 != m->oob.dw1))
		sn_rx_flush(a, rq);
	c = sn_cq_slot(&rq->cq);
	if (rq->open_cnt == 0) {
		memset(c->data, 0, sizeof(c->data));
		c->rx.dw1 = m->oob.dw1;
		c->rx.rx_wqe_offset = pos;
		rq->open_dw1 = m->oob.dw1;
	}
	c->rx.ppi[rq->open_cnt].pkt_len = len;
	c->rx.ppi[rq->open_cnt].pkt_hash = m->hash;
	rq->open_cnt++;
	rq->open_last_seq = rq->seq - 1;
	rq->open_last_pos = pos;
	if (!atomic_load_explicit(&sn_coalesce_on, memory_order_relaxed) ||
	    rq->open_cnt == MANA_RX_COALESCE_MAX) {
		sn_rx_flush(a, rq);
	} else if (rq->open_cnt == 1) {
		a->open_rqs[a->n_open++] = rq;
	}
}

/*
 * Handle one frame of len bytes (<= SN_MAX_FRAME) arriving at port p
 * (lock held, device thread, p has RX steering): drop faults, link, VLAN
 * strip (§5.6), classification and RSS (§7), delivery (§5).  f may be
 * modified when writable; otherwise (a frame still in the sender's TX
 * buffer, cut-through of a loop wire) a tagged frame is copied first.
 */
void
sn_rx_frame(struct sn_adapter *a, struct sn_port *p, uint8_t *f, uint32_t len, bool writable)
{
	const struct sn_rss *rss = p->rss;
	struct sn_wq *rq;
	struct rx_meta m;

	if (unlikely(p->fault_rx_drop_n)) {
		p->fault_rx_drop_n--;
		p->ctr[SN_PC_RX_DROP_FAULT]++;
		return;
	}
	if (unlikely(!p->link_up)) {
		p->ctr[SN_PC_RX_DROP_LINK_DOWN]++;
		return;
	}
	m.oob.dw1 = 0;
	if (len >= SN_ETH_HLEN + SN_VLAN_HLEN && sn_get_be16(f + 12) == RTE_ETHER_TYPE_VLAN) {
		if (!writable) {
			memcpy(a->rxbuf, f, len);
			f = a->rxbuf;
		}
		m.oob.rx_vlan_id = sn_get_be16(f + 14) & 0xfff;
		m.oob.rx_vlantag_present = 1;
		memmove(f + SN_VLAN_HLEN, f, 12);
		f += SN_VLAN_HLEN;
		len -= SN_VLAN_HLEN;
	}
	rx_classify(f, len, rss, &m);
	rq = m.hashed ? rss->table[m.hash & (MANA_RSS_IND_TABLE_SIZE - 1)] : rss->def;
	rx_deliver(a, rq, f, len, &m);
}

/*
 * Take up to SN_RX_BURST frames from a port's wire (lock held, device
 * thread, port has RX steering).  Returns the number of frames handled.
 */
unsigned int
sn_rx_poll(struct sn_adapter *a, struct sn_port *p)
{
	unsigned int n;

	for (n = 0; n < SN_RX_BURST; n++) {
		int len = sn_wire_rx(p->wire, a->rxbuf, SN_MAX_FRAME);

		if (len <= 0) {
			if (len < 0)
				sn_log(SN_LOG_DEBUG, "port %u: wire rx error %d", p->idx, len);
			break;
		}
		if ((uint32_t)len > SN_MAX_FRAME) {
			/* longer than any frame the adapter accepts (MTU 9000) */
			p->ctr[SN_PC_RX_DROP_TRUNCATED]++;
			continue;
		}
		sn_rx_frame(a, p, a->rxbuf, (uint32_t)len, true);
	}
	return n;
}
