/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * net_mana offloads on the soft-NIC, each checked against the exact frame
 * received on the other port (loop wire A -> B) and the mbuf fields:
 *  - TX: IPv4 header, TCP and UDP checksums over IPv4 and IPv6 through
 *    rte_eth_tx_prepare (pseudo-header seeding, spec §4.2), multi-segment
 *    packets, VLAN insertion (long OOB, spec §4.2);
 *  - RX: VLAN strip flags + TCI, software re-insertion when strip was not
 *    requested (spec §5.6), checksum good/bad flags for correct and
 *    corrupted frames (spec §5.6), packet_type against the supported list,
 *    mbuf port/length fields.
 * Expected frames are built independently with DPDK's rte_ip.h checksums.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <netinet/in.h>

#include <rte_ip.h>
#include <rte_tcp.h>
#include <rte_udp.h>
#include <rte_net.h>

#include "harness.h"

#define TXO_ALL (RTE_ETH_TX_OFFLOAD_IPV4_CKSUM | RTE_ETH_TX_OFFLOAD_TCP_CKSUM | \
		 RTE_ETH_TX_OFFLOAD_UDP_CKSUM | RTE_ETH_TX_OFFLOAD_VLAN_INSERT | \
		 RTE_ETH_TX_OFFLOAD_MULTI_SEGS)
#define RXO_CKSUM (RTE_ETH_RX_OFFLOAD_IPV4_CKSUM | RTE_ETH_RX_OFFLOAD_TCP_CKSUM | \
		   RTE_ETH_RX_OFFLOAD_UDP_CKSUM)

/* TX offload flags of the checksum cases */
#define OL4	RTE_MBUF_F_TX_IPV4
#define OL4IP	(RTE_MBUF_F_TX_IPV4 | RTE_MBUF_F_TX_IP_CKSUM)
#define OL6	RTE_MBUF_F_TX_IPV6
#define OL_TCP	RTE_MBUF_F_TX_TCP_CKSUM
#define OL_UDP	RTE_MBUF_F_TX_UDP_CKSUM

static uint8_t expect[TH_MAX_FRAME], work[TH_MAX_FRAME];
static uint32_t seq;

static int
setup_ports(bool strip)
{
	struct th_port_conf a = { .tx_offloads = TXO_ALL, .rx_offloads = RXO_CKSUM };
	struct th_port_conf b = { .tx_offloads = TXO_ALL,
				  .rx_offloads = RXO_CKSUM |
						 (strip ? RTE_ETH_RX_OFFLOAD_VLAN_STRIP : 0) };

	return th_ports_setup(&a, &b);
}

static int
suite_init(void)
{
	return setup_ports(true) == 0 ? 0 : -1;
}

/*
 * Send one mbuf from A (after rte_eth_tx_prepare) and return the mbuf that
 * arrived on B, or NULL (with a CUnit failure).
 */
static struct rte_mbuf *
xmit(struct rte_mbuf *m)
{
	struct rte_mbuf *in[33];
	uint16_t k;

	k = rte_eth_tx_prepare(th.port_a, 0, &m, 1);
	if (k != 1) {
		printf("\n    tx_prepare refused the packet: %s\n", rte_strerror(rte_errno));
		CU_FAIL("rte_eth_tx_prepare failed");
		rte_pktmbuf_free(m);
		return NULL;
	}
	if (th_tx_all(th.port_a, 0, &m, 1) != 1) {
		CU_FAIL("tx_burst did not take the packet");
		return NULL;
	}
	if (th_rx_wait(th.port_b, 0, in, 1) != 1) {
		CU_FAIL("packet not received on port B");
		return NULL;
	}
	CU_ASSERT_EQUAL(in[0]->port, th.port_b);
	CU_ASSERT_EQUAL(in[0]->nb_segs, 1);
	CU_ASSERT_EQUAL(in[0]->data_len, in[0]->pkt_len);
	return in[0];
}

static void
corrupt_l3l4(uint8_t *f, uint16_t l2, bool ip4, uint8_t l4)
{
	uint16_t l3 = ip4 ? 20 : 40;

	if (ip4)
		((struct rte_ipv4_hdr *)(f + l2))->hdr_checksum = rte_cpu_to_be_16(0xbeef);
	if (l4 == IPPROTO_TCP)
		((struct rte_tcp_hdr *)(f + l2 + l3))->cksum = rte_cpu_to_be_16(0xdead);
	else if (l4 == IPPROTO_UDP)
		((struct rte_udp_hdr *)(f + l2 + l3))->dgram_cksum = rte_cpu_to_be_16(0xdead);
}

/*
 * Build flow f of len bytes, garble the checksums the offloads must compute,
 * send with ol_flags and compare B's frame with the correct one.  Also
 * checks B's RX checksum flags report GOOD.
 */
static void
tx_cksum_case(const struct th_flow *f, uint32_t len, uint64_t ol, unsigned int nseg)
{
	uint16_t l3len, l2 = th_build(expect, len, &th.mac_a, &th.mac_b, f, ++seq, &l3len);
	struct rte_mbuf *r;

	memcpy(work, expect, len);
	corrupt_l3l4(work, l2, f->ip_ver == 4, 0);	/* IPv4 header checksum */
	if (ol & (RTE_MBUF_F_TX_TCP_CKSUM | RTE_MBUF_F_TX_UDP_CKSUM))
		corrupt_l3l4(work, l2, f->ip_ver == 4, f->l4);
	if (!(ol & RTE_MBUF_F_TX_IP_CKSUM) && f->ip_ver == 4)
		memcpy(work + l2, expect + l2, 20);	/* IP checksum stays correct */
	r = xmit(th_tx_mbuf(work, len, nseg, ol, l2, l3len, 0));
	if (r == NULL)
		return;
	CU_ASSERT(th_mbuf_equal(r, expect, len, "checksum-offloaded frame"));
	if (f->ip_ver == 4)
		CU_ASSERT_EQUAL(r->ol_flags & RTE_MBUF_F_RX_IP_CKSUM_MASK,
				RTE_MBUF_F_RX_IP_CKSUM_GOOD);
	CU_ASSERT_EQUAL(r->ol_flags & RTE_MBUF_F_RX_L4_CKSUM_MASK, RTE_MBUF_F_RX_L4_CKSUM_GOOD);
	rte_pktmbuf_free(r);
}

/* The tests made of tx_cksum_case() calls. */
enum tx_test { TX_V4HDR, TX_V4TCP, TX_V4UDP, TX_V6, TX_SEGS };

/* Their cases in order: test, flow, frame length, ol_flags, segments. */
static const struct {
	enum tx_test test;
	uint8_t ip_ver, l4;
	const char *src;
	uint16_t sport;
	const char *dst;
	uint16_t dport;
	uint32_t len;
	uint64_t ol;
	unsigned int nseg;
} tx_cases[] = {
	{ TX_V4HDR, 4, IPPROTO_UDP, "192.0.2.1", 1111, "192.0.2.2", 2222, 100, OL4IP, 1 },
	{ TX_V4TCP, 4, IPPROTO_TCP, "192.0.2.1", 1111, "192.0.2.2", 80, 66, OL4IP | OL_TCP, 1 },
	{ TX_V4TCP, 4, IPPROTO_TCP, "192.0.2.1", 1111, "192.0.2.2", 80, 1514, OL4IP | OL_TCP, 1 },
	/* TCP only, IPv4 header checksum already correct */
	{ TX_V4TCP, 4, IPPROTO_TCP, "192.0.2.1", 1111, "192.0.2.2", 80, 333, OL4 | OL_TCP, 1 },
	{ TX_V4UDP, 4, IPPROTO_UDP, "192.0.2.1", 53, "192.0.2.2", 5353, 61, OL4IP | OL_UDP, 1 },
	{ TX_V4UDP, 4, IPPROTO_UDP, "192.0.2.1", 53, "192.0.2.2", 5353, 1513, OL4 | OL_UDP, 1 },
	{ TX_V6, 6, IPPROTO_TCP, "2001:db8::1", 1111, "2001:db8::2", 443, 90, OL6 | OL_TCP, 1 },
	{ TX_V6, 6, IPPROTO_TCP, "2001:db8::1", 1111, "2001:db8::2", 443, 1514, OL6 | OL_TCP, 1 },
	{ TX_V6, 6, IPPROTO_UDP, "2001:db8::1", 1111, "2001:db8::2", 4789, 81, OL6 | OL_UDP, 1 },
	{ TX_V6, 6, IPPROTO_UDP, "2001:db8::1", 1111, "2001:db8::2", 4789, 1500, OL6 | OL_UDP, 1 },
	/* multi-segment TX (one SGE per segment) with checksum offload */
	{ TX_SEGS, 4, IPPROTO_TCP, "192.0.2.10", 1234, "192.0.2.20", 80, 1514, OL4IP | OL_TCP, 3 },
	{ TX_SEGS, 4, IPPROTO_TCP, "192.0.2.10", 1234, "192.0.2.20", 80, 900, OL4, 5 },
	{ TX_SEGS, 6, IPPROTO_UDP, "2001:db8::10", 1234, "2001:db8::20", 53, 700, OL6 | OL_UDP, 2 },
};

/* Run the tx_cases of test t in order. */
static void
run_tx_cases(enum tx_test t)
{
	for (size_t i = 0; i < RTE_DIM(tx_cases); i++) {
		const typeof(tx_cases[0]) *c = &tx_cases[i];
		struct th_flow f;

		if (c->test != t)
			continue;
		if (c->ip_ver == 4)
			th_flow4(&f, c->l4, c->src, c->sport, c->dst, c->dport);
		else
			th_flow6(&f, c->l4, c->src, c->sport, c->dst, c->dport);
		tx_cksum_case(&f, c->len, c->ol, c->nseg);
	}
}

static void test_tx_ipv4_hdr_cksum(void) { run_tx_cases(TX_V4HDR); }
static void test_tx_ipv4_tcp_cksum(void) { run_tx_cases(TX_V4TCP); }
static void test_tx_ipv4_udp_cksum(void) { run_tx_cases(TX_V4UDP); }
static void test_tx_ipv6_cksum(void) { run_tx_cases(TX_V6); }
static void test_tx_multiseg(void) { run_tx_cases(TX_SEGS); }

/* Many lengths (odd and even payloads), one burst, offloads on every frame. */
static void
test_tx_cksum_lengths(void)
{
	enum { N = 48 };
	static uint8_t exp[N][1600];
	struct rte_mbuf *out[N], *in[N + 32];
	uint32_t lens[N];
	struct th_flow f;
	unsigned int got;
	uint16_t k;

	for (unsigned int i = 0; i < N; i++) {
		uint16_t l3len, l2;

		lens[i] = 80 + i * 30;
		if (i % 2)
			th_flow4(&f, IPPROTO_TCP, "198.51.100.7", (uint16_t)(1000 + i),
				 "198.51.100.8", 80);
		else
			th_flow6(&f, IPPROTO_UDP, "fd00::7", (uint16_t)(1000 + i), "fd00::8", 53);
		l2 = th_build(exp[i], lens[i], &th.mac_a, &th.mac_b, &f, 5000 + i, &l3len);
		memcpy(work, exp[i], lens[i]);
		corrupt_l3l4(work, l2, f.ip_ver == 4, f.l4);
		out[i] = th_tx_mbuf(work, lens[i], 1,
				    f.ip_ver == 4 ? OL4IP | OL_TCP : OL6 | OL_UDP, l2, l3len, 0);
	}
	k = rte_eth_tx_prepare(th.port_a, 0, out, N);
	CU_ASSERT_EQUAL_FATAL(k, N);
	CU_ASSERT_EQUAL_FATAL(th_tx_all(th.port_a, 0, out, N), N);
	got = th_rx_wait(th.port_b, 0, in, N);
	CU_ASSERT_EQUAL(got, N);
	for (unsigned int i = 0; i < got; i++) {
		uint32_t s = th_seq_of(in[i]);

		CU_ASSERT_EQUAL(s, 5000 + i);	/* in order on one queue */
		if (s >= 5000 && s < 5000 + N)
			CU_ASSERT(th_mbuf_equal(in[i], exp[s - 5000], lens[s - 5000],
						"offloaded frame of a burst"));
	}
	th_free_all(in, got);
}

/*
 * SGE limit (spec §3.2: at most 30 SGEs per SQ WQE): a packet of
 * tx_desc_lim.nb_seg_max segments goes out exact; one more segment is
 * refused by rte_eth_tx_prepare (EINVAL) and ends tx_burst's prefix (it
 * stays with the caller, counted in the tx_q0_bad_packets xstat); empty
 * segments carry no SGE.
 */
static void
test_tx_sge_limit(void)
{
	struct rte_eth_dev_info info;
	struct rte_mbuf *m[3], *in[35], *r;
	struct th_flow f;
	uint16_t max, k;
	int64_t bad0;

	th_dev_info(th.port_a, &info);
	max = info.tx_desc_lim.nb_seg_max;
	printf("\n    nb_seg_max %u\n", max);
	CU_ASSERT(max >= 2 && max <= 30);
	th_flow4(&f, IPPROTO_UDP, "192.0.2.1", 9, "192.0.2.2", 9);
	th_build(expect, 1400, &th.mac_a, &th.mac_b, &f, ++seq, NULL);
	r = xmit(th_mbuf_segs(th.pool, expect, 1400, max, 42));
	if (r != NULL) {
		CU_ASSERT(th_mbuf_equal(r, expect, 1400, "packet of nb_seg_max segments"));
		rte_pktmbuf_free(r);
	}
	/* an empty middle segment */
	m[0] = th_mbuf_segs(th.pool, expect, 1400, 3, 42);
	{
		struct rte_mbuf *e = rte_pktmbuf_alloc(th.pool);

		CU_ASSERT_PTR_NOT_NULL_FATAL(e);
		e->next = m[0]->next;
		m[0]->next = e;
		m[0]->nb_segs++;
	}
	r = xmit(m[0]);
	if (r != NULL) {
		CU_ASSERT(th_mbuf_equal(r, expect, 1400, "packet with an empty segment"));
		rte_pktmbuf_free(r);
	}
	/* one segment too many */
	bad0 = th_xstat(th.port_a, "tx_q0_bad_packets");
	m[0] = th_mbuf(th.pool, expect, 1400);
	m[1] = th_mbuf_segs(th.pool, expect, 1400, max + 1u, 42);
	m[2] = th_mbuf(th.pool, expect, 1400);
	rte_errno = 0;
	k = rte_eth_tx_prepare(th.port_a, 0, m, 3);
	CU_ASSERT_EQUAL(k, 1);
	CU_ASSERT_EQUAL(rte_errno, EINVAL);
	k = rte_eth_tx_burst(th.port_a, 0, m, 3);
	CU_ASSERT_EQUAL(k, 1);	/* the prefix before the bad packet */
	CU_ASSERT_EQUAL(th_xstat(th.port_a, "tx_q0_bad_packets"), bad0 + 1);
	CU_ASSERT_EQUAL(th_rx_wait(th.port_b, 0, in, 1), 1);
	CU_ASSERT(th_mbuf_equal(in[0], expect, 1400, "packet before the refused one"));
	rte_pktmbuf_free(in[0]);
	for (uint16_t i = k; i < 3; i++)
		rte_pktmbuf_free(m[i]);
	CU_ASSERT_EQUAL(th_rx_drain(th.port_b, 1, 20), 0);
}

/*
 * VLAN insertion on A (long OOB), strip on B: B's frame is the untagged
 * original, flags RX_VLAN | RX_VLAN_STRIPPED, vlan_tci = VID (the device
 * reports only the 12-bit VID, spec §5.6).
 */
static void
test_tx_vlan_insert(void)
{
	static const uint16_t tcis[] = { 0x0064, 0x6064, 0xbfff, 0x0001 };
	struct th_flow f;

	for (size_t i = 0; i < RTE_DIM(tcis); i++) {
		struct rte_mbuf *m, *r;
		uint16_t l3len, l2;

		th_flow4(&f, IPPROTO_UDP, "192.0.2.1", 1, "192.0.2.2", 2);
		l2 = th_build(expect, 128, &th.mac_a, &th.mac_b, &f, ++seq, &l3len);
		m = th_mbuf(th.pool, expect, 128);
		m->ol_flags = RTE_MBUF_F_TX_VLAN;
		m->vlan_tci = tcis[i];
		if (i == 1) {	/* with checksum offload in the same (long) OOB */
			memcpy(rte_pktmbuf_mtod(m, uint8_t *), expect, 128);
			corrupt_l3l4(rte_pktmbuf_mtod(m, uint8_t *), l2, true, IPPROTO_UDP);
			m->ol_flags |= RTE_MBUF_F_TX_IPV4 | RTE_MBUF_F_TX_IP_CKSUM |
				       RTE_MBUF_F_TX_UDP_CKSUM;
			m->l2_len = l2;
			m->l3_len = l3len;
		}
		r = xmit(m);
		if (r == NULL)
			continue;
		CU_ASSERT(th_mbuf_equal(r, expect, 128, "VLAN-inserted frame after strip"));
		CU_ASSERT_EQUAL(r->ol_flags & (RTE_MBUF_F_RX_VLAN | RTE_MBUF_F_RX_VLAN_STRIPPED),
				RTE_MBUF_F_RX_VLAN | RTE_MBUF_F_RX_VLAN_STRIPPED);
		CU_ASSERT_EQUAL(r->vlan_tci, tcis[i] & 0x0fff);
		CU_ASSERT_EQUAL(r->ol_flags & RTE_MBUF_F_RX_L4_CKSUM_MASK,
				RTE_MBUF_F_RX_L4_CKSUM_GOOD);
		rte_pktmbuf_free(r);
	}
}

/* A tagged frame (tag in the data, no offload) is stripped and reported. */
static void
test_rx_vlan_strip(void)
{
	struct th_flow f;
	struct rte_mbuf *r;
	uint8_t tagged[200];

	th_flow6(&f, IPPROTO_TCP, "2001:db8::1", 7, "2001:db8::2", 8);
	f.vlan_tci = 0x2123;	/* PCP 1, VID 0x123 */
	th_build(tagged, 200, &th.mac_a, &th.mac_b, &f, ++seq, NULL);
	f.vlan_tci = 0;
	th_build(expect, 196, &th.mac_a, &th.mac_b, &f, seq, NULL);
	r = xmit(th_mbuf(th.pool, tagged, 200));
	if (r == NULL)
		return;
	CU_ASSERT(th_mbuf_equal(r, expect, 196, "stripped frame"));
	CU_ASSERT_EQUAL(r->ol_flags & (RTE_MBUF_F_RX_VLAN | RTE_MBUF_F_RX_VLAN_STRIPPED),
			RTE_MBUF_F_RX_VLAN | RTE_MBUF_F_RX_VLAN_STRIPPED);
	CU_ASSERT_EQUAL(r->vlan_tci, 0x123);
	CU_ASSERT_EQUAL(r->ol_flags & RTE_MBUF_F_RX_L4_CKSUM_MASK, RTE_MBUF_F_RX_L4_CKSUM_GOOD);
	/* the frame in the mbuf has no tag any more */
	if (r->packet_type & RTE_PTYPE_L2_MASK)
		CU_ASSERT_EQUAL(r->packet_type & RTE_PTYPE_L2_MASK, RTE_PTYPE_L2_ETHER);
	rte_pktmbuf_free(r);

	/* an untagged frame carries no VLAN flag */
	r = xmit(th_mbuf(th.pool, expect, 196));
	if (r == NULL)
		return;
	CU_ASSERT(th_mbuf_equal(r, expect, 196, "untagged frame"));
	CU_ASSERT_EQUAL(r->ol_flags & (RTE_MBUF_F_RX_VLAN | RTE_MBUF_F_RX_VLAN_STRIPPED), 0);
	rte_pktmbuf_free(r);
}

/*
 * Strip not requested: the device strips anyway, the PMD re-inserts the tag
 * in software (spec §5.6).  Only the VID survives the device, so a tag with
 * PCP 0 / DEI 0 comes back byte-exact; RX_VLAN_STRIPPED must not be set.
 */
static void
test_rx_vlan_reinsert(void)
{
	struct th_flow f;
	struct rte_mbuf *r, *m;

	CU_ASSERT_EQUAL_FATAL(setup_ports(false), 0);

	th_flow4(&f, IPPROTO_TCP, "192.0.2.1", 7, "192.0.2.2", 8);
	f.vlan_tci = 0x0abc;
	th_build(expect, 300, &th.mac_a, &th.mac_b, &f, ++seq, NULL);
	r = xmit(th_mbuf(th.pool, expect, 300));
	if (r != NULL) {
		CU_ASSERT(th_mbuf_equal(r, expect, 300, "re-inserted tag (frame tagged on wire)"));
		CU_ASSERT_EQUAL(r->ol_flags & RTE_MBUF_F_RX_VLAN_STRIPPED, 0);
		/* the frame in the mbuf is tagged again */
		if (r->packet_type & RTE_PTYPE_L2_MASK)
			CU_ASSERT_EQUAL(r->packet_type & RTE_PTYPE_L2_MASK, RTE_PTYPE_L2_ETHER_VLAN);
		if (r->ol_flags & RTE_MBUF_F_RX_VLAN)
			CU_ASSERT_EQUAL(r->vlan_tci & 0xfff, 0xabc);
		CU_ASSERT_EQUAL(r->ol_flags & RTE_MBUF_F_RX_L4_CKSUM_MASK,
				RTE_MBUF_F_RX_L4_CKSUM_GOOD);
		rte_pktmbuf_free(r);
	}

	/* tag inserted by A's offload, VID 0x321, re-inserted by B */
	f.vlan_tci = 0;
	th_build(work, 300 - 4, &th.mac_a, &th.mac_b, &f, ++seq, NULL);
	f.vlan_tci = 0x0321;
	th_build(expect, 300, &th.mac_a, &th.mac_b, &f, seq, NULL);
	m = th_mbuf(th.pool, work, 296);
	m->ol_flags = RTE_MBUF_F_TX_VLAN;
	m->vlan_tci = 0x0321;
	r = xmit(m);
	if (r != NULL) {
		CU_ASSERT(th_mbuf_equal(r, expect, 300, "offload-inserted tag, re-inserted on RX"));
		CU_ASSERT_EQUAL(r->ol_flags & RTE_MBUF_F_RX_VLAN_STRIPPED, 0);
		rte_pktmbuf_free(r);
	}

	/* untagged frames stay untagged */
	th_build(expect, 120, &th.mac_a, &th.mac_b, &(struct th_flow){ .ip_ver = 0 }, ++seq, NULL);
	r = xmit(th_mbuf(th.pool, expect, 120));
	if (r != NULL) {
		CU_ASSERT(th_mbuf_equal(r, expect, 120, "untagged non-IP frame"));
		CU_ASSERT_EQUAL(r->ol_flags & (RTE_MBUF_F_RX_VLAN | RTE_MBUF_F_RX_VLAN_STRIPPED), 0);
		rte_pktmbuf_free(r);
	}
	CU_ASSERT_EQUAL(setup_ports(true), 0);
}

/*
 * true if the checksum flags of r under mask are want (UINT64_MAX: not
 * checked); otherwise prints both for the frame `what`.
 */
static bool
cksum_flag_is(const struct rte_mbuf *r, uint64_t mask, uint64_t want, const char *what,
	      const char *layer)
{
	uint64_t got = r->ol_flags & mask;

	if (want == UINT64_MAX || got == want)
		return true;
	printf("\n    %s: %s checksum flags 0x%" PRIx64 ", expected 0x%" PRIx64 "\n", what, layer,
	       got, want);
	return false;
}

/*
 * RX checksum flags (spec §5.6): frames sent without offload, correct or with
 * a deliberately wrong checksum, arrive unchanged with GOOD/BAD flags.
 */
static void
test_rx_cksum_flags(void)
{
	struct {
		const char *what;
		uint8_t ip_ver, l4;
		int bad;	/* 0 none, 1 IP header, 2 L4 */
		uint64_t ip_flag, l4_flag;	/* expected; UINT64_MAX = not checked */
	} c[] = {
		{ "IPv4/TCP good", 4, IPPROTO_TCP, 0, RTE_MBUF_F_RX_IP_CKSUM_GOOD,
		  RTE_MBUF_F_RX_L4_CKSUM_GOOD },
		{ "IPv4/UDP good", 4, IPPROTO_UDP, 0, RTE_MBUF_F_RX_IP_CKSUM_GOOD,
		  RTE_MBUF_F_RX_L4_CKSUM_GOOD },
		{ "IPv4 bad header", 4, IPPROTO_UDP, 1, RTE_MBUF_F_RX_IP_CKSUM_BAD, UINT64_MAX },
		{ "IPv4/TCP bad L4", 4, IPPROTO_TCP, 2, RTE_MBUF_F_RX_IP_CKSUM_GOOD,
		  RTE_MBUF_F_RX_L4_CKSUM_BAD },
		{ "IPv4/UDP bad L4", 4, IPPROTO_UDP, 2, RTE_MBUF_F_RX_IP_CKSUM_GOOD,
		  RTE_MBUF_F_RX_L4_CKSUM_BAD },
		{ "IPv6/TCP good", 6, IPPROTO_TCP, 0, UINT64_MAX, RTE_MBUF_F_RX_L4_CKSUM_GOOD },
		{ "IPv6/UDP bad L4", 6, IPPROTO_UDP, 2, UINT64_MAX, RTE_MBUF_F_RX_L4_CKSUM_BAD },
		{ "IPv6/TCP bad L4", 6, IPPROTO_TCP, 2, UINT64_MAX, RTE_MBUF_F_RX_L4_CKSUM_BAD },
		{ "IPv4/ICMP", 4, IPPROTO_ICMP, 0, RTE_MBUF_F_RX_IP_CKSUM_GOOD,
		  RTE_MBUF_F_RX_L4_CKSUM_UNKNOWN },
	};

	for (size_t i = 0; i < RTE_DIM(c); i++) {
		struct th_flow f;
		struct rte_mbuf *r;
		uint16_t l2;

		if (c[i].ip_ver == 4)
			th_flow4(&f, c[i].l4, "203.0.113.1", 1000, "203.0.113.2", 2000);
		else
			th_flow6(&f, c[i].l4, "2001:db8::a", 1000, "2001:db8::b", 2000);
		l2 = th_build(expect, 150, &th.mac_a, &th.mac_b, &f, ++seq, NULL);
		if (c[i].bad == 1)
			corrupt_l3l4(expect, l2, true, 0);
		else if (c[i].bad == 2)
			corrupt_l3l4(expect, l2, false, c[i].l4);
		r = xmit(th_mbuf(th.pool, expect, 150));
		if (r == NULL)
			continue;
		CU_ASSERT(th_mbuf_equal(r, expect, 150, c[i].what));
		if (!cksum_flag_is(r, RTE_MBUF_F_RX_IP_CKSUM_MASK, c[i].ip_flag, c[i].what, "IP"))
			CU_FAIL("IP checksum flag");
		if (c[i].ip_flag == UINT64_MAX)	/* IPv6: never BAD */
			CU_ASSERT_NOT_EQUAL(r->ol_flags & RTE_MBUF_F_RX_IP_CKSUM_MASK,
					    RTE_MBUF_F_RX_IP_CKSUM_BAD);
		if (!cksum_flag_is(r, RTE_MBUF_F_RX_L4_CKSUM_MASK, c[i].l4_flag, c[i].what, "L4"))
			CU_FAIL("L4 checksum flag");
		rte_pktmbuf_free(r);
	}
}

/* true if the reported value of one ptype layer is true of the frame */
static bool
ptype_true(uint32_t layer_mask, uint32_t v, const struct th_flow *f)
{
	switch (layer_mask) {
	case RTE_PTYPE_L2_MASK:
		return v == RTE_PTYPE_L2_ETHER;
	case RTE_PTYPE_L3_MASK:
		if (f->ip_ver == 4)
			return v == RTE_PTYPE_L3_IPV4 || v == RTE_PTYPE_L3_IPV4_EXT_UNKNOWN;
		if (f->ip_ver == 6)
			return v == RTE_PTYPE_L3_IPV6 || v == RTE_PTYPE_L3_IPV6_EXT_UNKNOWN;
		return false;
	case RTE_PTYPE_L4_MASK:
		if (f->ip_ver == 0)
			return false;
		if (f->ip_frag)
			return v == RTE_PTYPE_L4_FRAG;
		if (f->l4 == IPPROTO_TCP)
			return v == RTE_PTYPE_L4_TCP;
		if (f->l4 == IPPROTO_UDP)
			return v == RTE_PTYPE_L4_UDP;
		if (f->l4 == IPPROTO_ICMP || f->l4 == IPPROTO_ICMPV6)
			return v == RTE_PTYPE_L4_ICMP;
		return v == RTE_PTYPE_L4_NONFRAG;
	}
	return false;
}

/*
 * packet_type: every layer the PMD reports is true of the frame and listed
 * by rte_eth_dev_get_supported_ptypes(); every listed type that is true of a
 * frame is reported for it (the list claims only what the driver sets).
 */
static void
test_packet_type(void)
{
	static const uint32_t layers[] = { RTE_PTYPE_L2_MASK, RTE_PTYPE_L3_MASK,
					   RTE_PTYPE_L4_MASK };
	uint32_t sup[64];
	int nsup = rte_eth_dev_get_supported_ptypes(th.port_b, RTE_PTYPE_ALL_MASK, sup, 64);
	struct th_flow flows[8];
	const char *names[8] = { "IPv4/TCP", "IPv4/UDP", "IPv6/TCP", "IPv6/UDP", "IPv4/ICMP",
				 "IPv4 fragment", "IPv6/ICMPv6", "non-IP" };

	CU_ASSERT(nsup >= 0);
	if (nsup < 0)
		nsup = 0;
	printf("\n    supported ptypes:");
	for (int i = 0; i < nsup; i++)
		printf(" 0x%x", sup[i]);
	printf("\n");
	th_flow4(&flows[0], IPPROTO_TCP, "10.9.0.1", 1, "10.9.0.2", 2);
	th_flow4(&flows[1], IPPROTO_UDP, "10.9.0.1", 1, "10.9.0.2", 2);
	th_flow6(&flows[2], IPPROTO_TCP, "fd09::1", 1, "fd09::2", 2);
	th_flow6(&flows[3], IPPROTO_UDP, "fd09::1", 1, "fd09::2", 2);
	th_flow4(&flows[4], IPPROTO_ICMP, "10.9.0.1", 0, "10.9.0.2", 0);
	th_flow4(&flows[5], IPPROTO_UDP, "10.9.0.1", 1, "10.9.0.2", 2);
	flows[5].ip_frag = true;
	th_flow6(&flows[6], IPPROTO_ICMPV6, "fd09::1", 0, "fd09::2", 0);
	memset(&flows[7], 0, sizeof(flows[7]));

	for (int i = 0; i < 8; i++) {
		struct rte_mbuf *r;

		th_build(expect, 128, &th.mac_a, &th.mac_b, &flows[i], ++seq, NULL);
		r = xmit(th_mbuf(th.pool, expect, 128));
		if (r == NULL)
			continue;
		CU_ASSERT(th_mbuf_equal(r, expect, 128, names[i]));
		for (size_t l = 0; l < RTE_DIM(layers); l++) {
			uint32_t v = r->packet_type & layers[l];
			bool listed = false, could = false;

			for (int k = 0; k < nsup; k++) {
				if ((sup[k] & layers[l]) == v && v != 0)
					listed = true;
				if ((sup[k] & layers[l]) != 0 &&
				    ptype_true(layers[l], sup[k] & layers[l], &flows[i]))
					could = true;
			}
			if (v != 0 && (!listed || !ptype_true(layers[l], v, &flows[i]))) {
				printf("\n    %s: packet_type 0x%x layer 0x%x reports 0x%x (%s)\n",
				       names[i], r->packet_type, layers[l], v,
				       listed ? "not true of the frame" : "not in the supported list");
				CU_FAIL("packet_type reports a wrong or unlisted type");
			}
			if (v == 0 && could) {
				printf("\n    %s: packet_type 0x%x misses layer 0x%x although a "
				       "matching type is listed as supported\n",
				       names[i], r->packet_type, layers[l]);
				CU_FAIL("packet_type misses a listed type");
			}
		}
		rte_pktmbuf_free(r);
	}
}

static CU_TestInfo tests[] = {
	{ "TX IPv4 header checksum", test_tx_ipv4_hdr_cksum },
	{ "TX IPv4 TCP checksum (tx_prepare seeding)", test_tx_ipv4_tcp_cksum },
	{ "TX IPv4 UDP checksum", test_tx_ipv4_udp_cksum },
	{ "TX IPv6 TCP/UDP checksum", test_tx_ipv6_cksum },
	{ "TX checksums over 48 lengths in one burst", test_tx_cksum_lengths },
	{ "TX multi-segment packets", test_tx_multiseg },
	{ "TX SGE limit, empty segments, refused packet ends the burst", test_tx_sge_limit },
	{ "TX VLAN insertion, RX strip flags + TCI", test_tx_vlan_insert },
	{ "RX VLAN strip of a tagged frame", test_rx_vlan_strip },
	{ "RX VLAN software re-insertion without strip", test_rx_vlan_reinsert },
	{ "RX checksum good/bad flags", test_rx_cksum_flags },
	{ "RX packet_type vs supported ptypes", test_packet_type },
	CU_TEST_INFO_NULL,
};

TH_MAIN(.prog = "offload", .name = "ethdev-offload", .init = suite_init, .tests = tests)
