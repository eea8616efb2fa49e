/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Self-check of the ethdev test harness, without EAL, PMD or soft-NIC:
 *  - th_toeplitz() (rte_softrss over the spec §7.2 input) reproduces all 16
 *    published Microsoft RSS verification values of spec §7.4, so that the
 *    RSS tests' independent hash prediction is itself trustworthy;
 *  - th_build() produces frames whose checksums verify with DPDK's
 *    independent verifiers (rte_ipv4_udptcp_cksum_verify and friends), and
 *    th_fix_checksums() repairs a corrupted frame.
 */
#include <stdio.h>
#include <string.h>
#include <netinet/in.h>

#include <rte_ip.h>
#include <rte_tcp.h>
#include <rte_udp.h>

#include "harness.h"

/*
 * Every flow of the n vectors v of IP version ip_ver: ICMP (ICMPv6) and TCP
 * hash to the published L3 and L4 values; for IPv4 also UDP (L4) and a
 * fragment, which is hashed on addresses only (L3).
 */
static void
check_vectors(uint8_t ip_ver, const struct th_rss_vector *v, size_t n)
{
	void (*fill)(struct th_flow *, uint8_t, const char *, uint16_t, const char *, uint16_t) =
		ip_ver == 4 ? th_flow4 : th_flow6;
	struct th_flow f;

	for (size_t i = 0; i < n; i++, v++) {
		fill(&f, ip_ver == 4 ? IPPROTO_ICMP : IPPROTO_ICMPV6, v->src, v->sport, v->dst,
		     v->dport);
		CU_ASSERT_EQUAL(th_toeplitz(&f, th_ms_rss_key), v->l3);
		fill(&f, IPPROTO_TCP, v->src, v->sport, v->dst, v->dport);
		CU_ASSERT_EQUAL(th_toeplitz(&f, th_ms_rss_key), v->l4);
		if (ip_ver != 4)
			continue;
		fill(&f, IPPROTO_UDP, v->src, v->sport, v->dst, v->dport);
		CU_ASSERT_EQUAL(th_toeplitz(&f, th_ms_rss_key), v->l4);
		f.ip_frag = true;
		CU_ASSERT_EQUAL(th_toeplitz(&f, th_ms_rss_key), v->l3);
	}
}

static void
test_toeplitz_vectors(void)
{
	check_vectors(4, th_ms_vectors4, TH_MS_VECTORS4);
	check_vectors(6, th_ms_vectors6, TH_MS_VECTORS6);
}

static const struct rte_ether_addr mac_s = { { 0x00, 0x15, 0x5d, 0x00, 0x00, 0x01 } };
static const struct rte_ether_addr mac_d = { { 0x00, 0x15, 0x5d, 0x00, 0x00, 0x02 } };

static void
check_frame(const struct th_flow *f, uint32_t len)
{
	static uint8_t buf[TH_MAX_FRAME];
	uint16_t l3len, l2 = th_build(buf, len, &mac_s, &mac_d, f, 1234, &l3len);

	if (f->ip_ver == 4) {
		struct rte_ipv4_hdr *ip = (struct rte_ipv4_hdr *)(buf + l2);

		CU_ASSERT_EQUAL(l3len, 20);
		CU_ASSERT_EQUAL(rte_ipv4_cksum(ip), 0);	/* verify: sum over header incl. field */
		CU_ASSERT_EQUAL(rte_be_to_cpu_16(ip->total_length), len - l2);
		if (f->l4 == IPPROTO_TCP || f->l4 == IPPROTO_UDP)
			CU_ASSERT_EQUAL(rte_ipv4_udptcp_cksum_verify(ip, buf + l2 + l3len), 0);
		ip->hdr_checksum ^= 0x1234;
		th_fix_checksums(buf, len);
		CU_ASSERT_EQUAL(rte_ipv4_cksum(ip), 0);
	} else if (f->ip_ver == 6) {
		struct rte_ipv6_hdr *ip6 = (struct rte_ipv6_hdr *)(buf + l2);

		CU_ASSERT_EQUAL(l3len, 40);
		CU_ASSERT_EQUAL(rte_be_to_cpu_16(ip6->payload_len), len - l2 - 40);
		CU_ASSERT_EQUAL(rte_ipv6_udptcp_cksum_verify(ip6, buf + l2 + l3len), 0);
	}
	{
		uint32_t magic, seq;

		memcpy(&magic, buf + len - 8, 4);
		memcpy(&seq, buf + len - 4, 4);
		CU_ASSERT_EQUAL(magic, TH_TAIL_MAGIC);
		CU_ASSERT_EQUAL(seq, 1234);
	}
	CU_ASSERT_EQUAL(l2, f->vlan_tci ? 18 : 14);
}

static void
test_frame_builder(void)
{
	struct th_flow f;

	th_flow4(&f, IPPROTO_TCP, "10.0.0.1", 1000, "10.0.0.2", 2000);
	check_frame(&f, 62);
	check_frame(&f, 1514);
	th_flow4(&f, IPPROTO_UDP, "10.0.0.1", 1000, "10.0.0.2", 2000);
	check_frame(&f, 61);
	f.vlan_tci = 0x2064;
	check_frame(&f, 1518);
	th_flow6(&f, IPPROTO_TCP, "fd00::1", 1000, "fd00::2", 2000);
	check_frame(&f, 100);
	th_flow6(&f, IPPROTO_UDP, "fd00::1", 1000, "fd00::2", 2000);
	check_frame(&f, 1514);
	memset(&f, 0, sizeof(f));
	check_frame(&f, 60);
}

static CU_TestInfo tests[] = {
	{ "Toeplitz (rte_softrss) reproduces spec 7.4 vectors", test_toeplitz_vectors },
	{ "frame builder checksums verify independently", test_frame_builder },
	CU_TEST_INFO_NULL,
};

int
main(void)
{
	return th_run_tests("ethdev-harness-selfcheck", NULL, tests);
}
