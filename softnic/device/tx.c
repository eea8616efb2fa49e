/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Transmit: SQ WQE processing (spec §3, §4, §10).
 *
 * For each WQE between the SQ's hardware position and its doorbell tail:
 * read the 8-byte DMA header, the inline OOB (8 or 24 bytes), the SGL
 * (wrapping to ring offset 0 at the ring end, §3.3), gather the frame through
 * the DMA check of every SGE, apply the offloads and hand the frame to the
 * port's wire.  WQE size = roundup32(8 + 4 * oob_dwords + 16 * num_sge).
 * Completions are written in SQ order: CQE_TX_OKAY unless the OOB asks for
 * suppress_txcqe_gen; an error CQE always (§4.4).  An error CQE consumes
 * exactly its WQE and the frame is not sent.
 *
 * Error CQE types and the soft-NIC's vendor_err values (enum sn_vendor_err):
 *  - CQE_TX_INVALID_OOB (35): inline OOB size not 2/6 dwords (0x101);
 *    pkt_fmt not matching the OOB size (short = 2, long = 6 dwords) (0x102);
 *    vcq_num not the SQ's CQ id (0x103); vsq_frame not (sq_id >> 10) (0x104).
 *  - CQE_TX_VPORT_IDX_OUT_OF_RANGE (39): the vPort offset is not the SQ's
 *    tx_vp_offset (0x105).  Short format: short_vp_offset must match.  Long
 *    format [inferred, spec §11 q1]: accepted when short_vp_offset matches
 *    (DPDK style, long_vp_offset ignored since DPDK leaves it uninitialised)
 *    or when short_vp_offset is 0 and long_vp_offset matches (kernel style).
 *  - CQE_TX_HDR_PROCESSING_ERROR (37) [inferred]: DMA check failures: lkey
 *    not registered (0x201), MR of another PD (0x202), SGE outside its MR
 *    (0x203); empty SGL / zero bytes (0x205); WQE over 512 bytes, i.e. more
 *    than 30 SGEs (0x206); frame shorter than 14 bytes (0x301); checksum
 *    offload requested on a frame that is not IPv4/IPv6 + TCP/UDP as the OOB
 *    says, or whose IP lengths do not fit the frame (0x302).
 *  - CQE_TX_MTU_DROP (34): frame longer than MTU + 14 (+ 4 when it already
 *    carries an 802.1Q tag); a tag inserted by the device does not count.
 *  - any type chosen by "fault <a> <p> tx-error <n> <type>" (0x401).
 * A WQE whose size reaches beyond the doorbell tail is left alone until the
 * tail moves (logged once).
 *
 * Offloads (§4.2): comp_iphdr_csum computes the IPv4 header checksum;
 * comp_tcp_csum / comp_udp_csum add the one's complement sum of the L4
 * header + payload to the pre-seeded pseudo-header sum in the checksum field
 * and store the complement (UDP: a result of 0 is sent as 0xFFFF).  The L4
 * header is found by parsing the frame; trans_off is not used (DPDK leaves it
 * uninitialised for UDP).  VLAN insertion (long OOB, inject_vlan_pri_tag):
 * TPID 0x8100 + TCI (pcp, dei, vlan_id) after the source MAC.  Frames are
 * sent as posted, without padding to 60 bytes.  With the link down the frame
 * is dropped (tx_drop_link_down) and the WQE completes with CQE_TX_OKAY.
 * Loop wires: see sn_tx_process() for the cut-through to the peer port.
 *
 * TX CQE client data: dword 0 cqe_type / client_type 1 / vendor_err;
 * dword 2 = the WQE's free-running byte position (so tx_wqe_offset = BU
 * index, tx_sgl_offset = 0) [inferred]; all else 0.
 */
#include <errno.h>
#include <string.h>

#include "sn_dev.h"
#include "sn_pkt.h"

static uint32_t
tx_offload(uint8_t *f, uint32_t len, const struct mana_tx_short_oob *s, uint32_t *verr)
{
	struct sn_l3l4 o;
	uint16_t ck;

	if (!s->comp_iphdr_csum && !s->comp_tcp_csum && !s->comp_udp_csum)
		return MANA_CQE_TX_OKAY;
	sn_parse(f, len, &o);
	if ((o.l3 == 4 && !s->is_outer_ipv4) || (o.l3 == 6 && !s->is_outer_ipv6) ||
	    o.l3 == 0)
		goto bad;
	if (s->comp_iphdr_csum) {
		struct rte_ipv4_hdr *ip = (void *)(f + o.l3_off);

		if (o.l3 != 4)
			goto bad;
		ip->hdr_checksum = 0;
		ip->hdr_checksum = rte_ipv4_cksum(ip);
	}
	if (s->comp_tcp_csum || s->comp_udp_csum) {
		uint32_t min = s->comp_tcp_csum ? 20 : 8;
		uint32_t fo = s->comp_tcp_csum ? 16 : 6;

		if (!o.len_ok || o.frag || o.l4_len < min ||
		    o.l4proto != (s->comp_tcp_csum ? IPPROTO_TCP : IPPROTO_UDP) ||
		    (s->comp_tcp_csum && s->comp_udp_csum))
			goto bad;
		/* field holds the pseudo-header sum: add header + payload */
		ck = (uint16_t)~rte_raw_cksum(f + o.l4_off, o.l4_len);
		if (s->comp_udp_csum && ck == 0)
			ck = 0xffff;
		memcpy(f + o.l4_off + fo, &ck, 2);
	}
	return MANA_CQE_TX_OKAY;
bad:
	*verr = SN_VERR_OFFLOAD;
	return MANA_CQE_TX_HDR_PROCESSING_ERROR;
}

/* Loop-wire cut-through state of one sn_tx_process() call. */
struct tx_burst {
	struct sn_port *peer;	/* receiving port, NULL: send through the wire */
	uint32_t frames;	/* cut-through frames not yet counted on the wires */
	uint64_t bytes;
};

/* Gather, check, offload and send the frame of one WQE; returns the CQE
 * type (MANA_CQE_TX_OKAY or an error) and *verr. */
static inline uint32_t
tx_frame(struct sn_adapter *a, struct sn_wq *sq, uint32_t off, uint32_t oob_bytes,
	 uint32_t nsge, const struct mana_tx_oob *oob, uint32_t *verr, struct tx_burst *b)
{
	struct sn_port *p = sq->port;
	uint8_t *buf = a->txbuf + SN_VLAN_HLEN;
	uint32_t sgl = (off + MANA_DMA_HDR_SIZE + oob_bytes) & sq->mask;
	uint32_t len = 0, i, limit, type;
	bool long_fmt = oob->s.pkt_fmt == MANA_TX_PKT_FMT_LONG;
	int ret;

	/* frames the device does not modify and that sit in one SGE are sent
	 * from the application's buffer (no copy into the scratch buffer) */
	bool direct = nsge == 1 && !oob->s.comp_iphdr_csum && !oob->s.comp_tcp_csum &&
		      !oob->s.comp_udp_csum && !(long_fmt && oob->l.inject_vlan_pri_tag);

	for (i = 0; i < nsge; i++) {
		struct mana_sge sge;
		uint8_t *src;

		memcpy(&sge, sq->ring + ((sgl + MANA_SGE_SIZE * i) & sq->mask), sizeof(sge));
		if (sge.size == 0)
			continue;
		if (sge.size > SN_MAX_FRAME || len + sge.size > SN_MAX_FRAME)
			return MANA_CQE_TX_MTU_DROP;
		src = sn_mr_access(a, sge.mem_key, sq->pdn, sge.address, sge.size, false, verr);
		if (src == NULL) {
			p->ctr[SN_PC_TX_DROP_DMA_ERROR]++;
			return MANA_CQE_TX_HDR_PROCESSING_ERROR;
		}
		if (direct) {
			buf = src;
		} else {
			memcpy(buf + len, src, sge.size);
		}
		len += sge.size;
	}
	if (len == 0) {
		*verr = SN_VERR_EMPTY_SGL;
		return MANA_CQE_TX_HDR_PROCESSING_ERROR;
	}
	if (len < SN_ETH_HLEN) {
		*verr = SN_VERR_RUNT;
		return MANA_CQE_TX_HDR_PROCESSING_ERROR;
	}
	limit = p->mtu + SN_ETH_HLEN;
	if (sn_get_be16(buf + 12) == RTE_ETHER_TYPE_VLAN)
		limit += SN_VLAN_HLEN;
	if (len > limit)
		return MANA_CQE_TX_MTU_DROP;
	type = tx_offload(buf, len, &oob->s, verr);
	if (type != MANA_CQE_TX_OKAY)
		return type;
	if (long_fmt && oob->l.inject_vlan_pri_tag) {
		uint16_t tci = (uint16_t)((oob->l.pcp << 13) | (oob->l.dei << 12) |
					  oob->l.vlan_id);

		memmove(buf - SN_VLAN_HLEN, buf, 12);
		buf -= SN_VLAN_HLEN;
		buf[12] = RTE_ETHER_TYPE_VLAN >> 8;
		buf[13] = RTE_ETHER_TYPE_VLAN & 0xff;
		buf[14] = (uint8_t)(tci >> 8);
		buf[15] = (uint8_t)tci;
		len += SN_VLAN_HLEN;
	}
	if (unlikely(!p->link_up)) {
		p->ctr[SN_PC_TX_DROP_LINK_DOWN]++;
		return MANA_CQE_TX_OKAY;
	}
	if (b->peer != NULL && len <= SN_MAX_FRAME) {
		/* Loop-wire cut-through (see sn_tx_process): straight from the
		 * TX buffer to the peer's RX path, in order, no FIFO copy. */
		b->frames++;
		b->bytes += len;
		p->ctr[SN_PC_TX_FRAMES]++;
		p->ctr[SN_PC_TX_BYTES] += len;
		sn_rx_frame(a, b->peer, buf, len, !direct);
		return MANA_CQE_TX_OKAY;
	}
	b->peer = NULL;		/* a frame may now wait in the peer's FIFO */
	ret = p->wire ? sn_wire_tx(p->wire, buf, len) : -ENOTCONN;
	if (ret) {
		p->ctr[SN_PC_TX_DROP_WIRE]++;
		return MANA_CQE_TX_OKAY;
	}
	p->ctr[SN_PC_TX_FRAMES]++;
	p->ctr[SN_PC_TX_BYTES] += len;
	return MANA_CQE_TX_OKAY;
}

static bool
vport_ok(const struct sn_wq *sq, const struct mana_tx_oob *oob)
{
	uint32_t want = sq->port->tx_vp_offset;

	if (oob->s.short_vp_offset == want)
		return true;
	return oob->s.pkt_fmt == MANA_TX_PKT_FMT_LONG && oob->s.short_vp_offset == 0 &&
	       oob->l.long_vp_offset == want;
}

/* Software pipelining of the cross-core cache misses: prefetch the ring a
 * few WQEs ahead and the frame data of the next WQE (its first SGE). */
static inline void
sn_tx_prefetch_next(struct sn_adapter *a, struct sn_wq *sq)
{
	const struct mana_wqe_header *h;
	struct mana_sge sge;
	uint32_t off, oob;

	__builtin_prefetch(sq->ring + ((sq->hw + 4 * MANA_BU_SIZE) & sq->mask));
	if (sq->hw == sq->tail)
		return;
	off = sq->hw & sq->mask;
	h = (const void *)(sq->ring + off);
	oob = h->inline_client_oob_size * 4u;
	if (h->num_sgl_entries == 0 || oob > MANA_TX_LONG_OOB_SIZE)
		return;
	memcpy(&sge, sq->ring + ((off + MANA_DMA_HDR_SIZE + oob) & sq->mask), sizeof(sge));
	{
		uint32_t i = sge.mem_key >> 8;

		if (i > 0 && i < a->mr_cap && a->mr[i].lkey == sge.mem_key &&
		    sge.address >= a->mr[i].iova &&
		    sge.address - a->mr[i].iova < a->mr[i].length)
			__builtin_prefetch(a->mr[i].host + (sge.address - a->mr[i].iova));
	}
}

/*
 * Process up to budget WQEs of one SQ (lock held, device thread).  Returns
 * the number of WQEs consumed.
 */
unsigned int
sn_tx_process(struct sn_adapter *a, struct sn_wq *sq, unsigned int budget)
{
	struct sn_port *p = sq->port;
	struct tx_burst b = { .peer = NULL, .frames = 0, .bytes = 0 };
	unsigned int done = 0;

	if (p->fault_delay_us &&
	    sn_now_ns() < sq->db_time_ns + (uint64_t)p->fault_delay_us * 1000ull)
		return 0;
	/* Loop-wire cut-through: when the peer port receives (RX steering, RQ
	 * doorbell seen) and no frame waits in its FIFO, the frames of this
	 * burst go straight to its RX path; frames would wait in the FIFO in
	 * exactly these conditions only until the next RX poll, so order and
	 * every drop/counter stay as through the FIFO.  The wires' counters
	 * are updated once per burst. */
	if (p->loop_peer >= 0) {
		struct sn_port *q = &a->port[p->loop_peer];

		if (q->rss != NULL && q->rx_started && sn_wire_loop_empty(q->wire))
			b.peer = q;
	}
	while (sq->hw != sq->tail && done < budget) {
		uint32_t avail = sq->tail - sq->hw, off = sq->hw & sq->mask;
		uint32_t oob_dw, nsge, size, type, verr = SN_VERR_NONE;
		struct mana_wqe_header hdr;
		struct mana_tx_oob oob;

		memcpy(&hdr, sq->ring + off, sizeof(hdr));
		oob_dw = hdr.inline_client_oob_size;
		nsge = hdr.num_sgl_entries;
		size = mana_wqe_size(oob_dw * 4, nsge);
		if (size > avail) {
			if (!sq->tail_warned)
				sn_log(SN_LOG_WARN, "SQ %u: doorbell tail %u ends inside the "
				       "%u-byte WQE at %u; waiting", sq->id, sq->tail, size, sq->hw);
			sq->tail_warned = true;
			break;
		}
		/* header + OOB (<= 32 bytes) never wrap (§3.3) */
		memset(&oob.l, 0, sizeof(oob.l));
		if (likely(oob_dw == MANA_OOB_DWORDS_SHORT))
			memcpy(&oob.s, sq->ring + off + MANA_DMA_HDR_SIZE, sizeof(oob.s));
		else if (oob_dw == MANA_OOB_DWORDS_LONG)
			memcpy(&oob, sq->ring + off + MANA_DMA_HDR_SIZE, sizeof(oob));
		else
			memset(&oob.s, 0, sizeof(oob.s));
		if (p->fault_tx_err_n) {
			p->fault_tx_err_n--;
			type = p->fault_tx_err_type;
			verr = SN_VERR_FAULT;
			p->ctr[SN_PC_TX_DROP_FAULT]++;
		} else if (oob_dw != MANA_OOB_DWORDS_SHORT && oob_dw != MANA_OOB_DWORDS_LONG) {
			type = MANA_CQE_TX_INVALID_OOB;
			verr = SN_VERR_OOB_SIZE;
		} else if ((oob.s.pkt_fmt == MANA_TX_PKT_FMT_SHORT &&
			    oob_dw != MANA_OOB_DWORDS_SHORT) ||
			   (oob.s.pkt_fmt == MANA_TX_PKT_FMT_LONG &&
			    oob_dw != MANA_OOB_DWORDS_LONG) ||
			   oob.s.pkt_fmt > MANA_TX_PKT_FMT_LONG) {
			type = MANA_CQE_TX_INVALID_OOB;
			verr = SN_VERR_OOB_FMT;
		} else if (oob.s.vcq_num != sq->cq.id) {
			type = MANA_CQE_TX_INVALID_OOB;
			verr = SN_VERR_VCQ;
		} else if (oob.s.vsq_frame != ((sq->id >> 10) & 0x3fffu)) {
			type = MANA_CQE_TX_INVALID_OOB;
			verr = SN_VERR_VSQ;
		} else if (!vport_ok(sq, &oob)) {
			type = MANA_CQE_TX_VPORT_IDX_OUT_OF_RANGE;
			verr = SN_VERR_VPORT;
		} else if (size > MANA_MAX_SQ_WQE_SIZE) {
			type = MANA_CQE_TX_HDR_PROCESSING_ERROR;
			verr = SN_VERR_TOO_MANY_SGE;
		} else {
			type = tx_frame(a, sq, off, oob_dw * 4, nsge, &oob, &verr, &b);
		}
		if (type == MANA_CQE_TX_MTU_DROP)
			p->ctr[SN_PC_TX_DROP_MTU]++;
		else if (type != MANA_CQE_TX_OKAY && verr != SN_VERR_FAULT &&
			 (verr < SN_VERR_BAD_LKEY || verr > SN_VERR_ACCESS))
			p->ctr[SN_PC_TX_DROP_INVALID]++;
		sq->ctr[SN_QC_WQES]++;
		sq->seq++;
		if (type != MANA_CQE_TX_OKAY || !oob.s.suppress_txcqe_gen) {
			/* built in place in the CQ's next slot (§4.4) */
			struct mana_cqe *c = sn_cq_slot(&sq->cq);
			union mana_cqe_header h = { .as_uint32 = 0 };

			h.cqe_type = type & 0x3f;
			h.client_type = MANA_CQE_CLIENT_TYPE_COMPLETION;
			h.vendor_err = verr;
			memset(c->data, 0, sizeof(c->data));
			c->tx.hdr.as_uint32 = h.as_uint32;
			c->tx.dw2 = sq->hw;
			if (type != MANA_CQE_TX_OKAY)
				p->ctr[SN_PC_TX_ERR_CQES]++;
			sn_cq_commit(a, sq, type & 0x3f, sq->seq - 1, sq->hw);
		}
		sq->hw += size;
		sq->tail_warned = false;
		done++;
		sn_tx_prefetch_next(a, sq);
	}
	if (b.frames)
		sn_wire_count_passthrough(p->wire, a->port[p->loop_peer].wire, b.frames, b.bytes);
	return done;
}
