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

struct vec {
	const char *src, *dst;
	uint16_t sport, dport;
	uint32_t l3, l4;
};

/* Spec §7.4 table. */
static const struct vec v4[] = {
	{ "66.9.149.187", "161.142.100.80", 2794, 1766, 0x323e8fc2, 0x51ccc178 },
	{ "199.92.111.2", "65.69.140.83", 14230, 4739, 0xd718262a, 0xc626b0ea },
	{ "24.19.198.95", "12.22.207.184", 12898, 38024, 0xd2d0a5de, 0x5c2b394a },
	{ "38.27.205.30", "209.142.163.6", 48228, 2217, 0x82989176, 0xafc7327f },
	{ "153.39.163.191", "202.188.127.2", 44251, 1303, 0x5d1809c5, 0x10e828a2 },
};
static const struct vec v6[] = {
	{ "3ffe:2501:200:1fff::7", "3ffe:2501:200:3::1", 2794, 1766, 0x2cc18cd5, 0x40207d3d },
	{ "3ffe:501:8::260:97ff:fe40:efab", "ff02::1", 14230, 4739, 0x0f0c461c, 0xdde51bbf },
	{ "3ffe:1900:4545:3:200:f8ff:fe21:67cf", "fe80::200:f8ff:fe21:67cf", 44251, 38024,
	  0x4b61e985, 0x02d1feef },
};

static void
test_toeplitz_vectors(void)
{
	struct th_flow f;

	for (size_t i = 0; i < RTE_DIM(v4); i++) {
		th_flow4(&f, IPPROTO_ICMP, v4[i].src, v4[i].sport, v4[i].dst, v4[i].dport);
		CU_ASSERT_EQUAL(th_toeplitz(&f, th_ms_rss_key), v4[i].l3);
		th_flow4(&f, IPPROTO_TCP, v4[i].src, v4[i].sport, v4[i].dst, v4[i].dport);
		CU_ASSERT_EQUAL(th_toeplitz(&f, th_ms_rss_key), v4[i].l4);
		th_flow4(&f, IPPROTO_UDP, v4[i].src, v4[i].sport, v4[i].dst, v4[i].dport);
		CU_ASSERT_EQUAL(th_toeplitz(&f, th_ms_rss_key), v4[i].l4);
		/* a fragment is hashed on addresses only */
		f.ip_frag = true;
		CU_ASSERT_EQUAL(th_toeplitz(&f, th_ms_rss_key), v4[i].l3);
	}
	for (size_t i = 0; i < RTE_DIM(v6); i++) {
		th_flow6(&f, IPPROTO_ICMPV6, v6[i].src, v6[i].sport, v6[i].dst, v6[i].dport);
		CU_ASSERT_EQUAL(th_toeplitz(&f, th_ms_rss_key), v6[i].l3);
		th_flow6(&f, IPPROTO_TCP, v6[i].src, v6[i].sport, v6[i].dst, v6[i].dport);
		CU_ASSERT_EQUAL(th_toeplitz(&f, th_ms_rss_key), v6[i].l4);
	}
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

int
main(void)
{
	CU_pSuite s;

	if (CU_initialize_registry() != CUE_SUCCESS)
		return 2;
	s = CU_add_suite("ethdev-harness-selfcheck", NULL, NULL);
	CU_add_test(s, "Toeplitz (rte_softrss) reproduces spec 7.4 vectors", test_toeplitz_vectors);
	CU_add_test(s, "frame builder checksums verify independently", test_frame_builder);
	return th_run_cunit();
}
