/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Soft-NIC conformance: transmit path (spec §3, §4, §6.3).
 * Run under: softnic-run --ports 2 --wire loop -- test_tx
 * Port 0 sends, port 1 receives (loop wire), so every frame the device puts
 * on the wire is checked byte for byte on the other side.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <CUnit/Basic.h>

#include <rte_ether.h>
#include <rte_ip.h>
#include <rte_tcp.h>
#include <rte_udp.h>

#include "sntest.h"

static struct snt_dev dev;
static struct snt_sq sq0;		/* port 0: W 32, 4 SGEs -> 4096-byte ring */
static struct snt_sq sq1;		/* port 1: configures vPort 1 (§1.9) */
static struct snt_rss rss1;		/* port 1: 1 WQ */
static uint32_t port_mtu = MANA_DEFAULT_MTU;

/*
 * Error CQE type for an SGE the DMA check refuses (bad lkey, address range
 * outside the MR).  §4.4 has no dedicated type; the soft-NIC documents its
 * choice at the top of softnic/device/tx.c: CQE_TX_HDR_PROCESSING_ERROR
 * with a non-zero vendor_err.
 */
#define SGE_ERROR_CQE	MANA_CQE_TX_HDR_PROCESSING_ERROR

static const char *const ctr_tx_dma[] = { "tx_drop_dma_error", NULL };

/* ------------------------------------------------------------------ */
/* Fixture                                                             */
/* ------------------------------------------------------------------ */

/* Port 0's MTU from the fake sysfs (<if>/mtu); stays 1500 if absent. */
static void
read_mtu(void)
{
	char path[600], buf[32];
	FILE *f;

	snprintf(path, sizeof(path), "%s/device/net/%s/mtu", dev.ibdev_path,
		 dev.ifname[0]);
	f = fopen(path, "r");
	if (f == NULL)
		return;
	if (fgets(buf, sizeof(buf), f))
		port_mtu = (uint32_t)strtoul(buf, NULL, 0);
	fclose(f);
}

static int
suite_init(void)
{
	if (snt_open(&dev, NULL) != 0)
		return -1;
	if (dev.nports < 2) {
		fprintf(stderr, "need 2 ports, device has %u\n", dev.nports);
		return -1;
	}
	read_mtu();
	if (snt_sq_create(&dev, &sq0, 0, 32, 4, 32) != 0 ||
	    snt_endpoint_create(&dev, &sq1, &rss1, 1, 32, 4, 256) != 0)
		return -1;
	return 0;
}

static int
suite_clean(void)
{
	snt_endpoint_destroy(&sq1, &rss1);
	snt_sq_destroy(&sq0);
	snt_close(&dev);
	return snt_rings_freed();
}

/* Receive one frame on port 1 (bounded wait), copy it, re-post the WQE.
 * Returns the frame length or -1 (with a message). */
static int
rx1(uint8_t *out, uint32_t cap, struct snt_pkt *pkt)
{
	struct snt_pkt p;
	int ret = snt_rss_recv(&rss1, &p, SNT_TIMEOUT_MS);

	if (ret == 0) {
		fprintf(stderr, "rx1: no frame on port 1 within %u ms\n", SNT_TIMEOUT_MS);
		return -1;
	}
	if (ret < 0)
		return -1;
	if (p.cqe_type != MANA_CQE_RX_OKAY && p.cqe_type != MANA_CQE_RX_COALESCED_4) {
		fprintf(stderr, "rx1: CQE type %u\n", p.cqe_type);
		return -1;
	}
	if (p.len > cap)
		return -1;
	memcpy(out, p.data, p.len);
	if (pkt)
		*pkt = p;
	if (snt_rq_post(&rss1.rq[0], 1, false) != 1)
		return -1;
	return (int)p.len;
}

/* Default flow: IPv4/TCP from port 0's MAC to port 1's MAC. */
static void
flow_init(struct snt_flow *f, bool ipv6, uint8_t proto, uint32_t payload, uint8_t seed)
{
	snt_flow_init(f, proto, ipv6 ? "2001:db8::10" : "192.0.2.10", (uint16_t)(40000 + seed),
		      ipv6 ? "2001:db8::20" : "198.51.100.20", 5001, payload, seed, dev.mac[0],
		      dev.mac[1]);
}

/* Send a plain frame (short OOB, no offload) and check it arrives intact. */
static void
send_marker(uint8_t seed)
{
	uint8_t frame[256], got[2048];
	struct snt_flow f;
	uint32_t len;
	int ret;

	flow_init(&f, false, IPPROTO_UDP, 40, seed);
	f.dport = 7777;
	len = snt_build_frame(frame, sizeof(frame), &f, NULL, NULL);
	ret = snt_sq_send(&sq0, frame, len, NULL, false, NULL);
	CU_ASSERT_EQUAL(ret, MANA_CQE_TX_OKAY);
	ret = rx1(got, sizeof(got), NULL);
	CU_ASSERT_EQUAL(ret, (int)len);
	if (ret == (int)len && memcmp(got, frame, len) != 0) {
		snt_dump_diff("marker frame", got, len, frame, len);
		CU_FAIL("marker frame differs (a dropped frame was sent?)");
	}
}

/* Post n plain frames (1 BU each) in one batch and drain them. */
static void
post_fillers(unsigned int n)
{
	uint8_t frame[128], got[2048];
	unsigned int i;

	while (n) {
		unsigned int batch = n > 16 ? 16 : n;

		for (i = 0; i < batch; i++) {
			struct snt_flow f;
			uint32_t len;

			flow_init(&f, false, IPPROTO_UDP, 20, (uint8_t)i);
			len = snt_build_frame(frame, sizeof(frame), &f, NULL, NULL);
			CU_ASSERT_FATAL(snt_sq_post_frame(&sq0, frame, len) >= 0);
		}
		snt_sq_flush(&sq0, batch);
		for (i = 0; i < batch; i++)
			CU_ASSERT_FATAL(rx1(got, sizeof(got), NULL) > 0);
		n -= batch;
	}
}

/* ------------------------------------------------------------------ */
/* §4.1 worked example through the device                              */
/* ------------------------------------------------------------------ */

static void
test_worked_example(void)
{
	uint8_t ref[64], posted[64], got[2048];
	const uint8_t *ring = sq0.dv.sq_buf;
	struct mana_tx_oob oob;
	struct mana_sge sge;
	struct mana_cqe c;
	struct snt_flow f;
	uint32_t len, l3, l4, dw[8], k;
	struct snt_pkt p;
	int off;

	/* head = 5 BUs as in the example: five 1-BU WQEs first. */
	CU_ASSERT_EQUAL_FATAL(sq0.head, 0);
	post_fillers(5);
	CU_ASSERT_EQUAL_FATAL(sq0.head, 5);
	k = (uint32_t)sq0.cq.consumed;

	/* 60-byte IPv4/TCP frame, L2+L3 = 34 bytes, TCP checksum offload;
	 * the checksum field holds the pseudo-header sum (§4.1, §4.2). */
	flow_init(&f, false, IPPROTO_TCP, 6, 0x41);
	len = snt_build_frame(ref, sizeof(ref), &f, &l3, &l4);
	CU_ASSERT_EQUAL_FATAL(len, 60);
	CU_ASSERT_EQUAL_FATAL(l4, 34);
	memcpy(posted, ref, len);
	snt_seed_offload(posted, &f, false, true);

	snt_tx_oob_init(&sq0, &oob, false);
	oob.s.is_outer_ipv4 = 1;
	oob.s.comp_tcp_csum = 1;
	oob.s.trans_off = 34;
	sge = snt_sq_sge(&sq0, posted, len);
	off = snt_sq_post(&sq0, &oob, MANA_OOB_DWORDS_SHORT, &sge, 1);
	CU_ASSERT_EQUAL_FATAL(off, 160);
	CU_ASSERT_EQUAL(sq0.head, 6);

	/* Ring bytes 160-191 as in the §4.1 table, with this SQ's ids. */
	memcpy(dw, ring + 160, 32);
	CU_ASSERT_EQUAL(dw[0], 0x00000000);
	CU_ASSERT_EQUAL(dw[1], 0x00000201);
	CU_ASSERT_EQUAL(dw[2], 0x00000024u | (sq0.cq.dv.cq_id << 8));
	CU_ASSERT_EQUAL(dw[3], 34u | (((sq0.dv.sq_id >> 10) & 0x3FFF) << 10) |
			       ((sq0.dv.tx_vp_offset & 0xFF) << 24));
	CU_ASSERT_EQUAL(((uint64_t)dw[5] << 32) | dw[4], sge.address);
	CU_ASSERT_EQUAL(dw[6], sq0.buf.mr->lkey);
	CU_ASSERT_EQUAL(dw[7], 60);
	/* Doorbell value: tail 6 * 32 = 192 = 0xC0 in the high dword. */
	{
		union mana_db_sq db;

		db.as_uint64 = 0;
		db.id = sq0.dv.sq_id;
		db.tail_ptr = sq0.head * MANA_BU_SIZE;
		CU_ASSERT_EQUAL(db.as_uint64, (0xC0ull << 32) | sq0.dv.sq_id);
	}
	snt_sq_doorbell(&sq0);

	CU_ASSERT_EQUAL_FATAL(snt_cq_wait(&sq0.cq, &c, SNT_TIMEOUT_MS), 1);
	snt_sq_all_done(&sq0);
	CU_ASSERT_EQUAL(c.hdr.cqe_type, MANA_CQE_TX_OKAY);
	CU_ASSERT_EQUAL(c.hdr.client_type, MANA_CQE_CLIENT_TYPE_COMPLETION);
	CU_ASSERT_EQUAL(c.hdr.vendor_err, 0);
	CU_ASSERT_EQUAL(c.info.is_sq, 1);
	CU_ASSERT_EQUAL(c.info.wq_num, sq0.dv.sq_id);
	CU_ASSERT_EQUAL(c.info.owner_bits, mana_cqe_owner_for_index(k, sq0.cq.dv.count));

	/* On the wire: the posted bytes with the TCP checksum completed. */
	CU_ASSERT_EQUAL_FATAL(rx1(got, sizeof(got), &p), 60);
	if (memcmp(got, ref, len) != 0) {
		snt_dump_diff("worked example frame", got, len, ref, len);
		CU_FAIL("frame on the wire differs from the posted frame + checksum");
	}
	CU_ASSERT_EQUAL(memcmp(got, posted, 50), 0);	/* all but the checksum */
	CU_ASSERT_EQUAL(memcmp(got + 52, posted + 52, 8), 0);
	CU_ASSERT_EQUAL(rte_ipv4_udptcp_cksum_verify((struct rte_ipv4_hdr *)(got + l3),
						     got + l4), 0);
}

/* ------------------------------------------------------------------ */
/* §3.3 SGL wrapping at the ring end                                   */
/* ------------------------------------------------------------------ */

/* Move sq0's head to BU position `bu` modulo the ring. */
static void
advance_to(uint32_t bu)
{
	uint32_t ring_bus = sq0.dv.sq_size / MANA_BU_SIZE;
	uint32_t cur = sq0.head % ring_bus;

	post_fillers((bu + ring_bus - cur) % ring_bus);
	CU_ASSERT_EQUAL(sq0.head % ring_bus, bu);
}

/* Send a frame cut into nseg SGEs with the given OOB size; check the WQE's
 * placement and the bytes on the wire. */
static void
send_segmented(uint32_t oob_dwords, const uint32_t *seglen, unsigned int nseg,
	       uint32_t expect_sgl_ring_off)
{
	uint8_t ref[1600], got[2048];
	struct mana_sge sge[8];
	struct mana_tx_oob oob;
	struct mana_cqe c;
	struct snt_flow f;
	uint32_t len, pos = 0, total = 0, first_sge_off;
	const uint8_t *ring = sq0.dv.sq_buf;
	unsigned int i;
	int off;

	for (i = 0; i < nseg; i++)
		total += seglen[i];
	flow_init(&f, false, IPPROTO_UDP, total - 42, 0x5A);
	len = snt_build_frame(ref, sizeof(ref), &f, NULL, NULL);
	CU_ASSERT_EQUAL_FATAL(len, total);
	for (i = 0; i < nseg; i++) {
		sge[i] = snt_sq_sge(&sq0, ref + pos, seglen[i]);
		pos += seglen[i];
	}
	snt_tx_oob_init(&sq0, &oob, oob_dwords == MANA_OOB_DWORDS_LONG);
	off = snt_sq_post(&sq0, &oob, oob_dwords, sge, nseg);
	CU_ASSERT_EQUAL_FATAL(off, (int)(sq0.dv.sq_size - MANA_BU_SIZE));
	/* Where the SGL went (§3.3): SGE j at its wrapped position. */
	first_sge_off = (uint32_t)off + 8 + oob_dwords * 4;
	for (i = 0; i < nseg; i++) {
		uint32_t o = (first_sge_off + 16 * i) & (sq0.dv.sq_size - 1);

		if (i == 0)
			CU_ASSERT_EQUAL(o, expect_sgl_ring_off);
		CU_ASSERT_EQUAL(memcmp(ring + o, &sge[i], 16), 0);
	}
	snt_sq_doorbell(&sq0);
	CU_ASSERT_EQUAL_FATAL(snt_cq_wait(&sq0.cq, &c, SNT_TIMEOUT_MS), 1);
	snt_sq_all_done(&sq0);
	CU_ASSERT_EQUAL(c.hdr.cqe_type, MANA_CQE_TX_OKAY);
	CU_ASSERT_EQUAL_FATAL(rx1(got, sizeof(got), NULL), (int)len);
	if (memcmp(got, ref, len) != 0) {
		snt_dump_diff("wrapped-SGL frame", got, len, ref, len);
		CU_FAIL("frame gathered from a wrapped SGL differs");
	}
}

static void
test_sgl_wrap(void)
{
	static const uint32_t segs4[4] = { 14, 30, 51, 105 };
	static const uint32_t segs3[3] = { 60, 1, 139 };
	uint32_t ring_bus;

	CU_ASSERT_EQUAL_FATAL(sq0.dv.sq_size, 4096);
	ring_bus = sq0.dv.sq_size / MANA_BU_SIZE;
	/* Short OOB + 4 SGEs at the last BU: SGE 0 fills bytes 4080-4095,
	 * SGEs 1-3 continue at ring offset 0. */
	advance_to(ring_bus - 1);
	send_segmented(MANA_OOB_DWORDS_SHORT, segs4, 4, sq0.dv.sq_size - 16);
	CU_ASSERT_EQUAL(sq0.head % ring_bus, 2);
	/* Long OOB + 3 SGEs at the last BU: header + OOB end exactly at the
	 * ring end, the whole SGL starts at offset 0. */
	advance_to(ring_bus - 1);
	send_segmented(MANA_OOB_DWORDS_LONG, segs3, 3, 0);
	CU_ASSERT_EQUAL(sq0.head % ring_bus, 2);
	send_marker(1);
}

/* ------------------------------------------------------------------ */
/* §4.2 checksum offloads                                              */
/* ------------------------------------------------------------------ */

/*
 * Make the UDP checksum of a reference frame come out as 0 before the
 * RFC 768 substitution: adjust payload bytes 0-1 (even offset from the UDP
 * header) so that the one's complement sum is 0xFFFF.  The reference
 * checksum is then 0xFFFF ("transmitted as all ones").
 */
static void
make_udp_sum_ffff(uint8_t *frame, const struct snt_flow *f, uint32_t l3, uint32_t l4)
{
	uint8_t *payload = frame + l4 + sizeof(struct rte_udp_hdr);
	uint8_t *ck = frame + l4 + snt_l4_csum_offset(IPPROTO_UDP);
	uint16_t zero = 0, c0, c1;

	memcpy(payload, &zero, 2);
	memcpy(ck, &zero, 2);
	c0 = snt_l4_cksum(frame, f->ipv6, l3, l4);
	memcpy(payload, &c0, 2);
	c1 = snt_l4_cksum(frame, f->ipv6, l3, l4);
	CU_ASSERT_EQUAL(c1, 0xFFFF);
	memcpy(ck, &c1, 2);
}

struct offload_case {
	bool ipv6;
	uint8_t proto;
	bool ip_csum;		/* comp_iphdr_csum */
	bool l4_csum;		/* comp_tcp_csum / comp_udp_csum */
	int trans_off;		/* -1: L2+L3 length; else the value written */
	bool udp_ffff;
};

static void
run_offload(const struct offload_case *oc, uint32_t payload)
{
	uint8_t ref[1600], posted[1600], got[2048];
	struct mana_tx_oob oob;
	struct snt_flow f;
	struct snt_pkt p;
	uint32_t len, l3, l4;
	char what[128];
	int ret;

	flow_init(&f, oc->ipv6, oc->proto, payload, (uint8_t)(payload + oc->proto));
	len = snt_build_frame(ref, sizeof(ref), &f, &l3, &l4);
	CU_ASSERT_FATAL(len > 0);
	if (oc->udp_ffff)
		make_udp_sum_ffff(ref, &f, l3, l4);
	memcpy(posted, ref, len);
	snt_seed_offload(posted, &f, oc->ip_csum, oc->l4_csum);
	snt_tx_oob_init(&sq0, &oob, false);
	oob.s.is_outer_ipv4 = !oc->ipv6;
	oob.s.is_outer_ipv6 = oc->ipv6;
	oob.s.comp_iphdr_csum = oc->ip_csum;
	oob.s.comp_tcp_csum = oc->l4_csum && oc->proto == IPPROTO_TCP;
	oob.s.comp_udp_csum = oc->l4_csum && oc->proto == IPPROTO_UDP;
	oob.s.trans_off = oc->trans_off < 0 ? l4 : (uint32_t)oc->trans_off;
	snprintf(what, sizeof(what), "%s/%s ipcs=%d l4cs=%d trans_off=%u payload=%u%s",
		 oc->ipv6 ? "IPv6" : "IPv4", oc->proto == IPPROTO_TCP ? "TCP" : "UDP",
		 oc->ip_csum, oc->l4_csum, oob.s.trans_off, payload,
		 oc->udp_ffff ? " (sum 0 -> 0xFFFF)" : "");
	ret = snt_sq_send(&sq0, posted, len, &oob, false, NULL);
	if (ret != MANA_CQE_TX_OKAY)
		fprintf(stderr, "%s: TX CQE %d\n", what, ret);
	CU_ASSERT_EQUAL_FATAL(ret, MANA_CQE_TX_OKAY);
	ret = rx1(got, sizeof(got), &p);
	CU_ASSERT_EQUAL_FATAL(ret, (int)len);
	/* Exact bytes: the reference carries the checksums computed by
	 * DPDK's helpers from scratch. */
	if (memcmp(got, ref, len) != 0) {
		snt_dump_diff(what, got, len, ref, len);
		CU_FAIL("offloaded frame differs from the software reference");
	}
	/* Independent verification of what arrived. */
	if (oc->ipv6) {
		CU_ASSERT_EQUAL(rte_ipv6_udptcp_cksum_verify(
			(struct rte_ipv6_hdr *)(got + l3), got + l4), 0);
	} else {
		CU_ASSERT_EQUAL(rte_raw_cksum(got + l3, sizeof(struct rte_ipv4_hdr)), 0xFFFF);
		CU_ASSERT_EQUAL(rte_ipv4_udptcp_cksum_verify(
			(struct rte_ipv4_hdr *)(got + l3), got + l4), 0);
	}
	if (oc->udp_ffff) {
		uint16_t v;

		memcpy(&v, got + l4 + snt_l4_csum_offset(IPPROTO_UDP), 2);
		CU_ASSERT_EQUAL(v, 0xFFFF);
	}
	/* The receiving side validated them too (§5.6). */
	CU_ASSERT_EQUAL(p.cqe.rx.rx_iphdr_csum_succeed, 1);
	CU_ASSERT_EQUAL(p.cqe.rx.rx_iphdr_csum_fail, 0);
	CU_ASSERT_EQUAL(p.cqe.rx.rx_tcp_csum_succeed, oc->proto == IPPROTO_TCP);
	CU_ASSERT_EQUAL(p.cqe.rx.rx_udp_csum_succeed, oc->proto == IPPROTO_UDP);
	CU_ASSERT_EQUAL(p.cqe.rx.rx_tcp_csum_fail, 0);
	CU_ASSERT_EQUAL(p.cqe.rx.rx_udp_csum_fail, 0);
}

static void
run_offload_sizes(const struct offload_case *oc)
{
	uint32_t hdrs = 14 + (oc->ipv6 ? 40 : 20) + (oc->proto == IPPROTO_TCP ? 20 : 8);
	uint32_t sizes[5] = { 0, 1, 33, 1000, port_mtu + 14 - hdrs };
	unsigned int i;

	for (i = 0; i < 5; i++) {
		if (oc->udp_ffff && sizes[i] < 2)
			continue;
		run_offload(oc, sizes[i]);
	}
}

static void
test_offload_ipv4(void)
{
	static const struct offload_case cases[] = {
		/* IPv4 header checksum only (L4 already correct). */
		{ false, IPPROTO_TCP, true, false, -1, false },
		{ false, IPPROTO_UDP, true, false, -1, false },
		/* TCP with and without the IP header checksum. */
		{ false, IPPROTO_TCP, false, true, -1, false },
		{ false, IPPROTO_TCP, true, true, -1, false },
		/* UDP: trans_off as DPDK sets it, 0 as the kernel leaves it,
		 * and garbage (DPDK leaves it uninitialised, §4.2). */
		{ false, IPPROTO_UDP, true, true, -1, false },
		{ false, IPPROTO_UDP, false, true, 0, false },
		{ false, IPPROTO_UDP, true, true, 0x2A5, false },
		/* UDP sum 0 is sent as 0xFFFF (RFC 768). */
		{ false, IPPROTO_UDP, true, true, -1, true },
	};
	unsigned int i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		run_offload_sizes(&cases[i]);
}

static void
test_offload_ipv6(void)
{
	static const struct offload_case cases[] = {
		{ true, IPPROTO_TCP, false, true, -1, false },
		{ true, IPPROTO_UDP, false, true, -1, false },
		{ true, IPPROTO_UDP, false, true, 0, false },
		{ true, IPPROTO_UDP, false, true, -1, true },
	};
	unsigned int i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		run_offload_sizes(&cases[i]);
}

/* ------------------------------------------------------------------ */
/* §4.2 VLAN insertion (long OOB); the receiving port strips (§5.6)     */
/* ------------------------------------------------------------------ */

static void
run_vlan_insert(bool ipv6, uint8_t proto, uint32_t pcp, uint32_t dei, uint32_t vid)
{
	uint8_t ref[256], got[2048];
	struct mana_tx_oob oob;
	struct snt_flow f;
	struct snt_pkt p;
	uint32_t len;
	int ret;

	flow_init(&f, ipv6, proto, 77, (uint8_t)vid);
	len = snt_build_frame(ref, sizeof(ref), &f, NULL, NULL);
	snt_tx_oob_init(&sq0, &oob, true);
	oob.l.inject_vlan_pri_tag = 1;
	oob.l.pcp = pcp;
	oob.l.dei = dei;
	oob.l.vlan_id = vid;
	ret = snt_sq_send(&sq0, ref, len, &oob, true, NULL);
	CU_ASSERT_EQUAL_FATAL(ret, MANA_CQE_TX_OKAY);
	ret = rx1(got, sizeof(got), &p);
	CU_ASSERT_EQUAL_FATAL(ret, (int)len);
	CU_ASSERT_EQUAL(memcmp(got, ref, len), 0);
	CU_ASSERT_EQUAL(p.cqe.rx.rx_vlantag_present, 1);
	CU_ASSERT_EQUAL(p.cqe.rx.rx_vlan_id, vid);
	CU_ASSERT_EQUAL(p.cqe.rx.rx_iphdr_csum_succeed, 1);
}

static void
test_vlan_insert(void)
{
	run_vlan_insert(false, IPPROTO_TCP, 5, 1, 0x123);
	run_vlan_insert(false, IPPROTO_UDP, 0, 0, 1);
	run_vlan_insert(true, IPPROTO_TCP, 7, 0, 4094);
	run_vlan_insert(true, IPPROTO_UDP, 3, 1, 0xABC);
	/* Long OOB without insertion: frame goes out untagged. */
	{
		uint8_t ref[256], got[2048];
		struct snt_flow f;
		struct snt_pkt p;
		uint32_t len;

		flow_init(&f, false, IPPROTO_TCP, 10, 9);
		len = snt_build_frame(ref, sizeof(ref), &f, NULL, NULL);
		CU_ASSERT_EQUAL(snt_sq_send(&sq0, ref, len, NULL, true, NULL),
				MANA_CQE_TX_OKAY);
		CU_ASSERT_EQUAL_FATAL(rx1(got, sizeof(got), &p), (int)len);
		CU_ASSERT_EQUAL(memcmp(got, ref, len), 0);
		CU_ASSERT_EQUAL(p.cqe.rx.rx_vlantag_present, 0);
	}
}

/* ------------------------------------------------------------------ */
/* §4.4 CQE suppression                                                */
/* ------------------------------------------------------------------ */

/* Post one frame (seed) with the suppress flag; bad_lkey makes it fail. */
static void
post_one(uint8_t seed, bool suppress, bool bad_lkey, uint8_t *ref, uint32_t *len)
{
	struct mana_tx_oob oob;
	struct mana_sge sge;
	struct snt_flow f;

	flow_init(&f, false, IPPROTO_UDP, 30, seed);
	*len = snt_build_frame(ref, 256, &f, NULL, NULL);
	snt_tx_oob_init(&sq0, &oob, false);
	oob.s.suppress_txcqe_gen = suppress;
	sge = snt_sq_sge(&sq0, ref, *len);
	if (bad_lkey)
		sge.mem_key ^= 0x5A5A5A;
	CU_ASSERT_FATAL(snt_sq_post(&sq0, &oob, MANA_OOB_DWORDS_SHORT, &sge, 1) >= 0);
}

static void
expect_tx_cqe(uint32_t type)
{
	struct mana_cqe c;

	CU_ASSERT_EQUAL_FATAL(snt_cq_wait(&sq0.cq, &c, SNT_TIMEOUT_MS), 1);
	if (c.hdr.cqe_type != type)
		fprintf(stderr, "TX CQE type %u, expected %u\n", c.hdr.cqe_type, type);
	CU_ASSERT_EQUAL(c.hdr.cqe_type, type);
	CU_ASSERT_EQUAL(c.info.is_sq, 1);
	CU_ASSERT_EQUAL(c.info.wq_num, sq0.dv.sq_id);
	if (type != MANA_CQE_TX_OKAY)
		CU_ASSERT_NOT_EQUAL(c.hdr.vendor_err, 0);
}

static void
expect_rx(const uint8_t *ref, uint32_t len)
{
	uint8_t got[2048];

	CU_ASSERT_EQUAL_FATAL(rx1(got, sizeof(got), NULL), (int)len);
	CU_ASSERT_EQUAL(memcmp(got, ref, len), 0);
}

static void
test_suppression(void)
{
	uint8_t ref[6][256];
	uint32_t len[6];

	/* Three suppressed successes, then a normal one: exactly one CQE. */
	post_one(1, true, false, ref[0], &len[0]);
	post_one(2, true, false, ref[1], &len[1]);
	post_one(3, true, false, ref[2], &len[2]);
	post_one(4, false, false, ref[3], &len[3]);
	/* A failing WQE as marker: its error CQE must be the very next one,
	 * so no CQE was generated for the suppressed successes. */
	post_one(5, false, true, ref[4], &len[4]);
	snt_sq_doorbell(&sq0);
	expect_tx_cqe(MANA_CQE_TX_OKAY);
	expect_tx_cqe(SGE_ERROR_CQE);
	snt_sq_all_done(&sq0);
	expect_rx(ref[0], len[0]);
	expect_rx(ref[1], len[1]);
	expect_rx(ref[2], len[2]);
	expect_rx(ref[3], len[3]);

	/* A suppressed WQE that fails still gets its error CQE (§4.4). */
	post_one(6, true, true, ref[0], &len[0]);
	post_one(7, true, false, ref[1], &len[1]);
	post_one(8, false, false, ref[2], &len[2]);
	post_one(9, true, true, ref[3], &len[3]);
	post_one(10, false, false, ref[4], &len[4]);
	snt_sq_doorbell(&sq0);
	expect_tx_cqe(SGE_ERROR_CQE);
	expect_tx_cqe(MANA_CQE_TX_OKAY);
	expect_tx_cqe(SGE_ERROR_CQE);
	expect_tx_cqe(MANA_CQE_TX_OKAY);
	snt_sq_all_done(&sq0);
	expect_rx(ref[1], len[1]);
	expect_rx(ref[2], len[2]);
	expect_rx(ref[4], len[4]);
	send_marker(11);
}

/* ------------------------------------------------------------------ */
/* DMA checks: bad lkey, SGE outside its MR                            */
/* ------------------------------------------------------------------ */

/* Post one WQE with the given SGEs, expect an error CQE of type `type`,
 * check that nothing reached the wire (marker) and the DMA counter. */
static void
expect_sge_error(const struct mana_sge *sge, unsigned int n, const char *what)
{
	struct mana_tx_oob oob;
	struct mana_cqe c;
	uint64_t before = 0, after = 0;
	int have_ctr;

	have_ctr = snt_counter_any(0, 0, ctr_tx_dma, &before, NULL);
	CU_ASSERT_EQUAL(have_ctr, 0);
	snt_tx_oob_init(&sq0, &oob, false);
	CU_ASSERT_FATAL(snt_sq_post(&sq0, &oob, MANA_OOB_DWORDS_SHORT, sge, n) >= 0);
	snt_sq_doorbell(&sq0);
	CU_ASSERT_EQUAL_FATAL(snt_cq_wait(&sq0.cq, &c, SNT_TIMEOUT_MS), 1);
	snt_sq_all_done(&sq0);
	if (c.hdr.cqe_type != SGE_ERROR_CQE)
		fprintf(stderr, "%s: CQE type %u, expected %u\n", what,
			c.hdr.cqe_type, SGE_ERROR_CQE);
	CU_ASSERT_EQUAL(c.hdr.cqe_type, SGE_ERROR_CQE);
	CU_ASSERT_NOT_EQUAL(c.hdr.vendor_err, 0);
	CU_ASSERT_EQUAL(c.info.is_sq, 1);
	CU_ASSERT_EQUAL(c.info.wq_num, sq0.dv.sq_id);
	if (have_ctr == 0) {
		CU_ASSERT_EQUAL(snt_counter_any(0, 0, ctr_tx_dma, &after, NULL), 0);
		CU_ASSERT_EQUAL(after, before + 1);
	}
	/* The frame was not sent: the next frame on the wire is the marker. */
	send_marker(0x33);
}

static void
test_bad_lkey(void)
{
	uint8_t frame[128];
	struct snt_flow f;
	struct mana_sge sge;
	struct snt_mem tmp;
	uint32_t len, dead_lkey;

	flow_init(&f, false, IPPROTO_UDP, 40, 0x21);
	len = snt_build_frame(frame, sizeof(frame), &f, NULL, NULL);
	sge = snt_sq_sge(&sq0, frame, len);
	/* An lkey nobody registered. */
	sge.mem_key = sq0.buf.mr->lkey ^ 0x00ABCDEF;
	expect_sge_error(&sge, 1, "unknown lkey");
	/* lkey 0 (never valid in the soft-NIC). */
	sge.mem_key = 0;
	expect_sge_error(&sge, 1, "lkey 0");
	/* The lkey of a deregistered MR, pointing into that (freed) MR. */
	CU_ASSERT_EQUAL_FATAL(snt_mem_alloc(&dev, &tmp, 4096), 0);
	memcpy(tmp.buf, frame, len);
	dead_lkey = tmp.mr->lkey;
	CU_ASSERT_EQUAL_FATAL(ibv_dereg_mr(tmp.mr), 0);
	tmp.mr = NULL;
	sge.address = (uintptr_t)tmp.buf;
	sge.mem_key = dead_lkey;
	expect_sge_error(&sge, 1, "deregistered MR");
	snt_mem_free(&tmp);
}

static void
test_sge_out_of_range(void)
{
	uint8_t frame[128];
	struct snt_flow f;
	struct mana_sge sge[2];
	struct snt_mem other;
	uint32_t len;
	uint8_t *mr_end = sq0.buf.buf + sq0.buf.size;

	flow_init(&f, false, IPPROTO_UDP, 40, 0x22);
	len = snt_build_frame(frame, sizeof(frame), &f, NULL, NULL);
	/* Runs past the end of the MR by one byte. */
	sge[0].address = (uintptr_t)(mr_end - len + 1);
	sge[0].mem_key = sq0.buf.mr->lkey;
	sge[0].size = len;
	expect_sge_error(sge, 1, "SGE past the MR end");
	/* Starts before the MR. */
	sge[0].address = (uintptr_t)(sq0.buf.buf - 64);
	sge[0].size = len;
	expect_sge_error(sge, 1, "SGE before the MR start");
	/* Address inside another MR than the lkey names. */
	CU_ASSERT_EQUAL_FATAL(snt_mem_alloc(&dev, &other, 4096), 0);
	memcpy(other.buf, frame, len);
	sge[0].address = (uintptr_t)other.buf;
	sge[0].mem_key = sq0.buf.mr->lkey;
	sge[0].size = len;
	expect_sge_error(sge, 1, "SGE in another MR");
	/* address + size wraps the 64-bit address space (range check must
	 * not overflow). */
	sge[0].address = UINT64_MAX - 15;
	sge[0].mem_key = sq0.buf.mr->lkey;
	sge[0].size = len;
	expect_sge_error(sge, 1, "SGE wrapping the address space");
	/* First SGE fine, second out of range: whole WQE fails, nothing sent. */
	sge[0] = snt_sq_sge(&sq0, frame, 20);
	sge[1].address = (uintptr_t)(mr_end - 8);
	sge[1].mem_key = sq0.buf.mr->lkey;
	sge[1].size = len - 20;
	expect_sge_error(sge, 2, "second SGE past the MR end");
	snt_mem_free(&other);
	/* Ending exactly at the MR's last byte is valid (boundary). */
	{
		struct mana_tx_oob oob;
		struct mana_cqe c;
		uint8_t got[2048];

		memcpy(mr_end - len, frame, len);
		sge[0].address = (uintptr_t)(mr_end - len);
		sge[0].mem_key = sq0.buf.mr->lkey;
		sge[0].size = len;
		snt_tx_oob_init(&sq0, &oob, false);
		CU_ASSERT_FATAL(snt_sq_post(&sq0, &oob, MANA_OOB_DWORDS_SHORT, sge, 1) >= 0);
		snt_sq_doorbell(&sq0);
		CU_ASSERT_EQUAL_FATAL(snt_cq_wait(&sq0.cq, &c, SNT_TIMEOUT_MS), 1);
		snt_sq_all_done(&sq0);
		CU_ASSERT_EQUAL(c.hdr.cqe_type, MANA_CQE_TX_OKAY);
		CU_ASSERT_EQUAL_FATAL(rx1(got, sizeof(got), NULL), (int)len);
		CU_ASSERT_EQUAL(memcmp(got, frame, len), 0);
	}
}

/* ------------------------------------------------------------------ */
/* §4.2/§4.4 invalid OOB, MTU, vPort offset                            */
/* ------------------------------------------------------------------ */

static void
expect_tx_error(const struct mana_tx_oob *oob, uint32_t oob_dwords,
		const uint8_t *frame, uint32_t len, uint32_t type, const char *what)
{
	struct mana_sge sge;
	struct mana_cqe c;

	sge = snt_sq_sge(&sq0, frame, len);
	CU_ASSERT_FATAL(snt_sq_post(&sq0, oob, oob_dwords, &sge, 1) >= 0);
	snt_sq_doorbell(&sq0);
	CU_ASSERT_EQUAL_FATAL(snt_cq_wait(&sq0.cq, &c, SNT_TIMEOUT_MS), 1);
	snt_sq_all_done(&sq0);
	if (c.hdr.cqe_type != type)
		fprintf(stderr, "%s: CQE type %u, expected %u\n", what, c.hdr.cqe_type, type);
	CU_ASSERT_EQUAL(c.hdr.cqe_type, type);
	CU_ASSERT_EQUAL(c.info.is_sq, 1);
	CU_ASSERT_EQUAL(c.info.wq_num, sq0.dv.sq_id);
	CU_ASSERT_EQUAL(c.hdr.client_type, MANA_CQE_CLIENT_TYPE_COMPLETION);
	/* The WQE was consumed with the size its header states, nothing was
	 * sent: the next WQE works and is the next frame on the wire. */
	send_marker(0x44);
}

static void
test_invalid_oob(void)
{
	uint8_t frame[128];
	struct mana_tx_oob oob[2];	/* room for 7 dwords */
	struct snt_flow f;
	uint32_t len;

	flow_init(&f, false, IPPROTO_UDP, 40, 0x23);
	len = snt_build_frame(frame, sizeof(frame), &f, NULL, NULL);
	memset(oob, 0, sizeof(oob));
	snt_tx_oob_init(&sq0, &oob[0], false);
	expect_tx_error(oob, 4, frame, len, MANA_CQE_TX_INVALID_OOB, "OOB of 4 dwords");
	expect_tx_error(oob, 0, frame, len, MANA_CQE_TX_INVALID_OOB, "OOB of 0 dwords");
	expect_tx_error(oob, 7, frame, len, MANA_CQE_TX_INVALID_OOB, "OOB of 7 dwords");
	expect_tx_error(oob, 1, frame, len, MANA_CQE_TX_INVALID_OOB, "OOB of 1 dword");
	/* pkt_fmt long with an 8-byte OOB. */
	snt_tx_oob_init(&sq0, &oob[0], true);
	expect_tx_error(oob, MANA_OOB_DWORDS_SHORT, frame, len, MANA_CQE_TX_INVALID_OOB,
			"long pkt_fmt in a short OOB");
}

static void
test_mtu_and_vport(void)
{
	static uint8_t ref[SNT_FRAME_MAX];
	uint8_t got[2048];
	struct mana_tx_oob oob;
	struct snt_flow f;
	uint32_t len;

	/* Largest frame for the MTU (MTU + 14) passes... */
	flow_init(&f, false, IPPROTO_UDP, port_mtu - 28, 0x24);
	len = snt_build_frame(ref, sizeof(ref), &f, NULL, NULL);
	CU_ASSERT_EQUAL_FATAL(len, port_mtu + 14);
	CU_ASSERT_EQUAL(snt_sq_send(&sq0, ref, len, NULL, false, NULL), MANA_CQE_TX_OKAY);
	CU_ASSERT_EQUAL_FATAL(rx1(got, sizeof(got), NULL), (int)len);
	CU_ASSERT_EQUAL(memcmp(got, ref, len), 0);
	/* ...one byte more is CQE_TX_MTU_DROP (§4.4, §8). */
	flow_init(&f, false, IPPROTO_UDP, port_mtu - 27, 0x25);
	len = snt_build_frame(ref, sizeof(ref), &f, NULL, NULL);
	snt_tx_oob_init(&sq0, &oob, false);
	expect_tx_error(&oob, MANA_OOB_DWORDS_SHORT, ref, len, MANA_CQE_TX_MTU_DROP,
			"frame of MTU + 15 bytes");
	/* A vPort offset that is not this SQ's (§4.2) → CQE_TX_VPORT_IDX_OUT_OF_RANGE. */
	flow_init(&f, false, IPPROTO_UDP, 40, 0x26);
	len = snt_build_frame(ref, sizeof(ref), &f, NULL, NULL);
	snt_tx_oob_init(&sq0, &oob, false);
	oob.s.short_vp_offset = (sq0.dv.tx_vp_offset + 1) & 0xFF;
	expect_tx_error(&oob, MANA_OOB_DWORDS_SHORT, ref, len,
			MANA_CQE_TX_VPORT_IDX_OUT_OF_RANGE, "wrong short_vp_offset");
}

/* ------------------------------------------------------------------ */
/* §2.3 32-bit short doorbells                                         */
/* ------------------------------------------------------------------ */

static void
test_short_doorbells(void)
{
	struct snt_rq *q = &rss1.rq[0];
	uint8_t frames[3][128];
	uint32_t len[3], i, n;

	/* Ids fit the short form (§2.3: queue ids < 4096). */
	CU_ASSERT_FATAL(sq0.dv.sq_id <= MANA_SHORT_DB_QUEUE_ID_MAX);
	CU_ASSERT_FATAL(q->dv.wq_id <= MANA_SHORT_DB_QUEUE_ID_MAX);
	/* SQ: three WQEs (96 bytes) announced by one short doorbell. */
	for (i = 0; i < 3; i++) {
		struct snt_flow f;

		flow_init(&f, false, IPPROTO_UDP, 25 + i, (uint8_t)(0x60 + i));
		len[i] = snt_build_frame(frames[i], sizeof(frames[i]), &f, NULL, NULL);
		CU_ASSERT_FATAL(snt_sq_post_frame(&sq0, frames[i], len[i]) >= 0);
	}
	CU_ASSERT_EQUAL_FATAL(snt_sq_doorbell_short(&sq0), 0);
	for (i = 0; i < 3; i++)
		expect_tx_cqe(MANA_CQE_TX_OKAY);
	snt_sq_all_done(&sq0);
	/* Receive them without re-posting: the RQ now lacks 3 WQEs... */
	for (i = 0; i < 3; i++) {
		struct snt_pkt p;

		CU_ASSERT_EQUAL_FATAL(snt_rss_recv(&rss1, &p, SNT_TIMEOUT_MS), 1);
		CU_ASSERT_EQUAL(p.len, len[i]);
		CU_ASSERT_EQUAL(memcmp(p.data, frames[i], len[i]), 0);
	}
	/* ...which come back through one short RQ doorbell.  A full ring of
	 * frames then needs every posted WQE, those 3 included. */
	CU_ASSERT_EQUAL_FATAL(snt_rq_post(q, 3, true), 3);
	CU_ASSERT_EQUAL_FATAL(snt_rq_doorbell_short(q), 0);
	n = snt_rq_outstanding(q);
	CU_ASSERT_EQUAL(n, 256);
	for (i = 0; i < n; i += 16) {
		unsigned int j;

		for (j = 0; j < 16; j++)
			CU_ASSERT_FATAL(snt_sq_post_frame(&sq0, frames[0], len[0]) >= 0);
		CU_ASSERT_EQUAL_FATAL(snt_sq_doorbell_short(&sq0), 0);
		for (j = 0; j < 16; j++)
			expect_tx_cqe(MANA_CQE_TX_OKAY);
		snt_sq_all_done(&sq0);
	}
	for (i = 0; i < n; i++) {
		struct snt_pkt p;

		CU_ASSERT_EQUAL_FATAL(snt_rss_recv(&rss1, &p, SNT_TIMEOUT_MS), 1);
		CU_ASSERT_EQUAL(p.len, len[0]);
	}
	CU_ASSERT_EQUAL(snt_rq_post(q, n, false), (int)n);
	send_marker(0x66);
}

/* ------------------------------------------------------------------ */
/* §6.3 owner bits across >= 9 wraps of a TX CQ                        */
/* ------------------------------------------------------------------ */

static void
run_owner_wraps(uint32_t n_cqe, unsigned int wraps)
{
	struct snt_sq s;
	uint8_t frame[128], got[2048];
	uint32_t total = n_cqe * wraps + 3, k = 0, i;
	int ret;

	ret = snt_sq_create(&dev, &s, 0, n_cqe, 1, n_cqe);
	CU_ASSERT_EQUAL_FATAL(ret, 0);
	CU_ASSERT_EQUAL(s.cq.dv.count, n_cqe);
	while (k < total) {
		uint32_t batch = total - k < n_cqe ? total - k : n_cqe;

		for (i = 0; i < batch; i++) {
			struct snt_flow f;
			uint32_t len;

			flow_init(&f, false, IPPROTO_UDP, 18, (uint8_t)(k + i));
			len = snt_build_frame(frame, sizeof(frame), &f, NULL, NULL);
			CU_ASSERT_FATAL(snt_sq_post_frame(&s, frame, len) >= 0);
		}
		snt_sq_doorbell(&s);
		for (i = 0; i < batch; i++, k++) {
			const struct mana_cqe *slot =
				(const struct mana_cqe *)s.cq.dv.buf + (k % n_cqe);
			struct mana_cqe c;

			ret = snt_cq_wait(&s.cq, &c, SNT_TIMEOUT_MS);
			if (ret != 1)
				fprintf(stderr, "N=%u: CQE %u: %d\n", n_cqe, k, ret);
			CU_ASSERT_EQUAL_FATAL(ret, 1);
			/* Slot k mod N, owner (k / N + 1) mod 8. */
			CU_ASSERT_EQUAL_FATAL(c.info.owner_bits,
					      mana_cqe_owner_for_index(k, n_cqe));
			CU_ASSERT_EQUAL_FATAL(slot->info.owner_bits, c.info.owner_bits);
			CU_ASSERT_EQUAL(c.hdr.cqe_type, MANA_CQE_TX_OKAY);
			CU_ASSERT_EQUAL(c.info.wq_num, s.dv.sq_id);
		}
		snt_sq_all_done(&s);
		for (i = 0; i < batch; i++)
			CU_ASSERT_FATAL(rx1(got, sizeof(got), NULL) > 0);
	}
	CU_ASSERT_TRUE(k / n_cqe >= 9);
	snt_sq_destroy(&s);
}

static void
test_owner_wraps(void)
{
	run_owner_wraps(8, 10);		/* power of two */
	run_owner_wraps(5, 10);		/* any N (§6.2: exactly N entries) */
}

static CU_TestInfo tests[] = {
	{ "4.1 worked example through the device", test_worked_example },
	{ "3.3 SGL wrap at the ring end", test_sgl_wrap },
	{ "4.2 checksum offload IPv4 (IP/TCP/UDP)", test_offload_ipv4 },
	{ "4.2 checksum offload IPv6 (TCP/UDP)", test_offload_ipv6 },
	{ "4.2 VLAN insertion (long OOB)", test_vlan_insert },
	{ "4.4 CQE suppression", test_suppression },
	{ "DMA check: bad lkey", test_bad_lkey },
	{ "DMA check: SGE out of range", test_sge_out_of_range },
	{ "4.4 invalid OOB size", test_invalid_oob },
	{ "4.4 MTU drop and vPort offset", test_mtu_and_vport },
	{ "2.3 short SQ and RQ doorbells", test_short_doorbells },
	{ "6.3 owner bits across 10 TX CQ wraps", test_owner_wraps },
	CU_TEST_INFO_NULL,
};

int
main(void)
{
	return snt_run_suite("softnic-tx", suite_init, suite_clean, tests);
}
