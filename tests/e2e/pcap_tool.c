/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * mana-e2e-pcap: capture files for the csum-wire end-to-end test
 * (testpmd_e2e.py --mode csum-wire), written and read with libpcap.
 *
 *   mana-e2e-pcap gen FILE N
 *       Write N frames (IPv4/IPv6 x TCP/UDP, 80..1479 bytes) built with the
 *       ethdev test harness (correct checksums from rte_ip.h), except that
 *       every frame i with i % 15 == 7 (IPv4) carries a wrong IPv4 header
 *       checksum and every frame with i % 10 == 3 a wrong TCP/UDP checksum.
 *       Prints "bad_ip=K bad_l4=K".
 *
 *   mana-e2e-pcap check IN OUT SRC_MAC DST_MAC
 *       OUT must hold exactly the frames of IN, in order, each with its MAC
 *       addresses rewritten to DST_MAC/SRC_MAC and every checksum correct
 *       (IN's frame with all checksums recomputed independently), byte for
 *       byte.  Exit status 0 when every frame matches.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <netinet/in.h>
#include <pcap/pcap.h>

#include <rte_ip.h>
#include <rte_tcp.h>
#include <rte_udp.h>

#include "harness.h"

#define MAX_FRAMES 4096

struct frame {
	uint32_t len;
	uint8_t *data;
};

static int
gen(const char *file, unsigned int n)
{
	static const struct rte_ether_addr src = { { 0x02, 0, 0, 0, 0, 0xaa } };
	static const struct rte_ether_addr dst = { { 0x00, 0x15, 0x5d, 0, 0, 0x01 } };
	static uint8_t buf[TH_MAX_FRAME];
	unsigned int bad_ip = 0, bad_l4 = 0;
	pcap_t *dead = pcap_open_dead(DLT_EN10MB, 65535);
	pcap_dumper_t *d;

	if (dead == NULL)
		return 1;
	d = pcap_dump_open(dead, file);
	if (d == NULL) {
		fprintf(stderr, "gen: %s: %s\n", file, pcap_geterr(dead));
		pcap_close(dead);
		return 1;
	}
	for (unsigned int i = 0; i < n; i++) {
		struct pcap_pkthdr h;
		struct th_flow f;
		uint32_t len = 80 + (i * 37) % 1400;
		uint8_t l4 = (i % 2) ? IPPROTO_UDP : IPPROTO_TCP;
		uint16_t l3len, l2;

		if (i % 4 < 2 || i % 15 == 7)
			th_flow4(&f, l4, "10.60.0.1", (uint16_t)(1000 + i), "10.60.0.2", 80);
		else
			th_flow6(&f, l4, "fd60::1", (uint16_t)(1000 + i), "fd60::2", 80);
		l2 = th_build(buf, len, &src, &dst, &f, i, &l3len);
		if (i % 15 == 7) {
			((struct rte_ipv4_hdr *)(buf + l2))->hdr_checksum ^= 0x5555;
			bad_ip++;
		} else if (i % 10 == 3) {
			uint8_t *p = buf + l2 + l3len;

			if (l4 == IPPROTO_TCP)
				((struct rte_tcp_hdr *)p)->cksum ^= 0x5555;
			else
				((struct rte_udp_hdr *)p)->dgram_cksum ^= 0x5555;
			bad_l4++;
		}
		memset(&h, 0, sizeof(h));
		h.caplen = h.len = len;
		pcap_dump((u_char *)d, &h, buf);
	}
	pcap_dump_close(d);
	pcap_close(dead);
	printf("bad_ip=%u bad_l4=%u\n", bad_ip, bad_l4);
	return 0;
}

static int
load(const char *file, struct frame *fr, unsigned int *n)
{
	char err[PCAP_ERRBUF_SIZE];
	pcap_t *p = pcap_open_offline(file, err);
	struct pcap_pkthdr *h;
	const u_char *d;

	*n = 0;
	if (p == NULL) {
		fprintf(stderr, "check: %s: %s\n", file, err);
		return -1;
	}
	while (*n < MAX_FRAMES && pcap_next_ex(p, &h, &d) == 1) {
		fr[*n].len = h->caplen;
		fr[*n].data = malloc(h->caplen);
		if (fr[*n].data == NULL)
			break;
		memcpy(fr[*n].data, d, h->caplen);
		(*n)++;
	}
	pcap_close(p);
	return 0;
}

static int
check(const char *in_file, const char *out_file, const char *src_s, const char *dst_s)
{
	static struct frame in[MAX_FRAMES], out[MAX_FRAMES];
	static uint8_t exp[TH_MAX_FRAME];
	struct rte_ether_addr src, dst;
	unsigned int nin, nout, ok = 0, shown = 0;

	if (rte_ether_unformat_addr(src_s, &src) || rte_ether_unformat_addr(dst_s, &dst)) {
		fprintf(stderr, "check: bad MAC\n");
		return 2;
	}
	if (load(in_file, in, &nin) || load(out_file, out, &nout))
		return 1;
	for (unsigned int i = 0; i < nin && i < nout; i++) {
		if (in[i].len > sizeof(exp))
			continue;
		memcpy(exp, in[i].data, in[i].len);
		memcpy(exp, &dst, 6);
		memcpy(exp + 6, &src, 6);
		th_fix_checksums(exp, in[i].len);
		if (out[i].len == in[i].len && memcmp(out[i].data, exp, in[i].len) == 0) {
			ok++;
			continue;
		}
		if (shown++ < 5) {
			unsigned int j = 0;

			while (j < in[i].len && j < out[i].len && out[i].data[j] == exp[j])
				j++;
			printf("frame %u: %u bytes (expected %u), first difference at byte %u\n",
			       i, out[i].len, in[i].len, j);
		}
	}
	printf("check: %u frames in, %u out, %u exact (MACs rewritten, checksums correct)\n",
	       nin, nout, ok);
	return (nin == nout && ok == nin && nin > 0) ? 0 : 1;
}

int
main(int argc, char **argv)
{
	if (argc == 4 && strcmp(argv[1], "gen") == 0)
		return gen(argv[2], (unsigned int)strtoul(argv[3], NULL, 0));
	if (argc == 6 && strcmp(argv[1], "check") == 0)
		return check(argv[2], argv[3], argv[4], argv[5]);
	fprintf(stderr, "usage: %s gen FILE N | check IN OUT SRC_MAC DST_MAC\n", argv[0]);
	return 2;
}
