/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * net_mana TX offloads checked on the wire itself: soft-NIC port 0 has a
 * pcap wire (softnic-run --wire pcap:-:FILE --wire null) and the test reads
 * FILE back with libpcap.  Unlike the loop-wire tests, this sees what RX
 * cannot: the inserted 802.1Q tag with its PCP and DEI bits (spec §4.2, TPID
 * 0x8100 after the source MAC), and the UDP checksum 0 -> 0xFFFF rule.
 */
#include <errno.h>
#include <sched.h>
#include <stdio.h>
#include <string.h>
#include <netinet/in.h>
#include <pcap/pcap.h>

#include <rte_ip.h>
#include <rte_udp.h>

#include "harness.h"

#define TXO (RTE_ETH_TX_OFFLOAD_IPV4_CKSUM | RTE_ETH_TX_OFFLOAD_TCP_CKSUM | \
	     RTE_ETH_TX_OFFLOAD_UDP_CKSUM | RTE_ETH_TX_OFFLOAD_VLAN_INSERT | \
	     RTE_ETH_TX_OFFLOAD_MULTI_SEGS)

static unsigned int frames_seen;	/* frames of the capture already checked */

static int
suite_init(void)
{
	struct th_port_conf c = { .tx_offloads = TXO };

	if (th.capture == NULL) {
		fprintf(stderr, "wire test: --capture FILE is required\n");
		return -1;
	}
	if (th_ports_setup(&c, &c) != 0)
		return -1;
	/* the pcap wire appends: skip the frames of earlier runs */
	{
		char err[PCAP_ERRBUF_SIZE];
		pcap_t *p = pcap_open_offline(th.capture, err);
		struct pcap_pkthdr *h;
		const u_char *d;

		if (p != NULL) {
			while (pcap_next_ex(p, &h, &d) == 1)
				frames_seen++;
			pcap_close(p);
		}
		printf("wire test: %u frames already in %s\n", frames_seen, th.capture);
	}
	return 0;
}

/*
 * Wait until the capture holds frame number idx (0-based, counting every
 * frame written so far) and copy it to buf.  Returns its length or 0.
 */
static uint32_t
capture_frame(unsigned int idx, uint8_t *buf, uint32_t cap)
{
	char err[PCAP_ERRBUF_SIZE];
	uint64_t end = th_now_ms() + TH_WAIT_MS;

	while (th_now_ms() < end) {
		pcap_t *p = pcap_open_offline(th.capture, err);
		struct pcap_pkthdr *h;
		const u_char *d;
		unsigned int i = 0;
		uint32_t len = 0;

		if (p != NULL) {
			while (pcap_next_ex(p, &h, &d) == 1) {
				if (i++ == idx) {
					len = RTE_MIN(h->caplen, cap);
					memcpy(buf, d, len);
					if (h->caplen != h->len)
						printf("\n    capture truncated frame %u\n", idx);
					break;
				}
			}
			pcap_close(p);
			if (len)
				return len;
		}
		sched_yield();
	}
	printf("\n    capture %s: frame %u not written within %u ms\n", th.capture, idx,
	       TH_WAIT_MS);
	return 0;
}

/* Send m from port A; the next capture frame must equal exp[0..len). */
static void
send_and_check(struct rte_mbuf *m, const uint8_t *exp, uint32_t len, const char *what)
{
	static uint8_t got[TH_MAX_FRAME];
	uint32_t n;

	if (rte_eth_tx_prepare(th.port_a, 0, &m, 1) != 1) {
		CU_FAIL("rte_eth_tx_prepare failed");
		rte_pktmbuf_free(m);
		return;
	}
	CU_ASSERT_EQUAL_FATAL(th_tx_all(th.port_a, 0, &m, 1), 1);
	n = capture_frame(frames_seen, got, sizeof(got));
	CU_ASSERT_EQUAL_FATAL(n, len);
	frames_seen++;
	if (memcmp(got, exp, len) != 0) {
		for (uint32_t i = 0; i < len; i++)
			if (got[i] != exp[i]) {
				printf("\n    %s: byte %u on the wire 0x%02x, expected 0x%02x\n",
				       what, i, got[i], exp[i]);
				break;
			}
		CU_FAIL("frame on the wire differs");
	}
}

static void
test_vlan_insert_pcp_dei(void)
{
	static const uint16_t tcis[] = { 0x6064, 0xbfff, 0x0001, 0xf00a };
	static uint8_t plain[256], exp[260];
	struct th_flow f;

	for (size_t i = 0; i < RTE_DIM(tcis); i++) {
		struct rte_mbuf *m;

		th_flow4(&f, IPPROTO_UDP, "192.0.2.1", 1, "192.0.2.2", 2);
		th_build(plain, 200, &th.mac_a, &th.mac_b, &f, (uint32_t)i, NULL);
		f.vlan_tci = tcis[i];
		th_build(exp, 204, &th.mac_a, &th.mac_b, &f, (uint32_t)i, NULL);
		m = th_tx_mbuf(plain, 200, 1, RTE_MBUF_F_TX_VLAN, 0, 0, tcis[i]);
		send_and_check(m, exp, 204, "VLAN insertion");
	}
}

static void
test_vlan_and_cksum(void)
{
	static uint8_t plain[600], exp[604];
	struct th_flow f;
	struct rte_mbuf *m;
	uint16_t l3len, l2;

	th_flow4(&f, IPPROTO_TCP, "192.0.2.1", 1000, "192.0.2.2", 80);
	l2 = th_build(plain, 600, &th.mac_a, &th.mac_b, &f, 77, &l3len);
	f.vlan_tci = 0x4123;
	th_build(exp, 604, &th.mac_a, &th.mac_b, &f, 77, NULL);
	((struct rte_ipv4_hdr *)(plain + l2))->hdr_checksum = 0x1111;
	((struct rte_tcp_hdr *)(plain + l2 + l3len))->cksum = 0x2222;
	m = th_tx_mbuf(plain, 600, 3, RTE_MBUF_F_TX_VLAN | RTE_MBUF_F_TX_IPV4 |
		       RTE_MBUF_F_TX_IP_CKSUM | RTE_MBUF_F_TX_TCP_CKSUM, l2, l3len, 0x4123);
	send_and_check(m, exp, 604, "VLAN + IPv4/TCP checksums, 3 segments");
}

/* A UDP datagram whose checksum computes to 0 is sent with 0xFFFF. */
static void
test_udp_zero_cksum(void)
{
	static uint8_t exp[300], plain[300];
	struct th_flow f;
	struct rte_ipv4_hdr *ip;
	struct rte_udp_hdr *udp;
	struct rte_mbuf *m;
	uint16_t l3len, l2, c, w, s, delta;
	uint32_t t;
	const uint32_t woff = 14 + 20 + 8 + 10;	/* a payload word, even offset */

	th_flow4(&f, IPPROTO_UDP, "192.0.2.1", 1000, "192.0.2.2", 2000);
	l2 = th_build(exp, 300, &th.mac_a, &th.mac_b, &f, 5, &l3len);
	ip = (struct rte_ipv4_hdr *)(exp + l2);
	udp = (struct rte_udp_hdr *)(exp + l2 + l3len);
	/* adjust one payload word so that the one's complement sum becomes 0xFFFF */
	udp->dgram_cksum = 0;
	c = rte_ipv4_udptcp_cksum(ip, udp);	/* ~sum, or 0xFFFF for sum 0xFFFF */
	s = (uint16_t)~c;
	delta = (uint16_t)(0xffff - s);
	memcpy(&w, exp + woff, 2);
	t = (uint32_t)w + delta;
	t = (t & 0xffff) + (t >> 16);
	w = (uint16_t)t;
	memcpy(exp + woff, &w, 2);
	udp->dgram_cksum = 0;
	t = (uint32_t)rte_ipv4_phdr_cksum(ip, 0) + rte_raw_cksum(udp, 300u - l2 - l3len);
	t = (t & 0xffff) + (t >> 16);
	t = (t & 0xffff) + (t >> 16);
	CU_ASSERT_EQUAL_FATAL((uint16_t)~t, 0);	/* the computed checksum is 0 */
	udp->dgram_cksum = rte_ipv4_udptcp_cksum(ip, udp);
	CU_ASSERT_EQUAL_FATAL(udp->dgram_cksum, 0xffff);
	memcpy(plain, exp, 300);
	((struct rte_udp_hdr *)(plain + l2 + l3len))->dgram_cksum = 0x3333;
	m = th_tx_mbuf(plain, 300, 1, RTE_MBUF_F_TX_IPV4 | RTE_MBUF_F_TX_UDP_CKSUM, l2, l3len, 0);
	send_and_check(m, exp, 300, "UDP checksum 0 sent as 0xFFFF");
}

static void
test_ipv6_cksum(void)
{
	static uint8_t exp[1514], plain[1514];
	struct th_flow f;
	struct rte_mbuf *m;
	uint16_t l3len, l2;

	th_flow6(&f, IPPROTO_TCP, "2001:db8::1", 1, "2001:db8::2", 2);
	l2 = th_build(exp, 1514, &th.mac_a, &th.mac_b, &f, 9, &l3len);
	memcpy(plain, exp, sizeof(plain));
	((struct rte_tcp_hdr *)(plain + l2 + l3len))->cksum = 0x4444;
	m = th_tx_mbuf(plain, 1514, 1, RTE_MBUF_F_TX_IPV6 | RTE_MBUF_F_TX_TCP_CKSUM, l2, l3len, 0);
	send_and_check(m, exp, 1514, "IPv6/TCP checksum");
}

static CU_TestInfo tests[] = {
	{ "VLAN insertion with PCP/DEI on the wire", test_vlan_insert_pcp_dei },
	{ "VLAN + checksums + multi-segment on the wire", test_vlan_and_cksum },
	{ "UDP checksum 0 sent as 0xFFFF", test_udp_zero_cksum },
	{ "IPv6/TCP checksum on the wire", test_ipv6_cksum },
	CU_TEST_INFO_NULL,
};

TH_MAIN(.prog = "wire", .name = "ethdev-wire (pcap capture of port 0)", .init = suite_init,
	.tests = tests)
