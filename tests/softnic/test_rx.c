/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Soft-NIC conformance: receive path (spec §5, §6.3, §7).
 * Run under: softnic-run --ports 2 --wire loop [--coalesce off] -- test_rx
 *            [--coalesce on|off]   (must match the softnic-run option)
 *
 * Port 1 has an RSS QP of 4 WQs with the §7.4 key (frames sent by port 0);
 * port 0 has a 1-WQ RSS QP with a small CQ (frames sent by port 1) for the
 * tests that control WQE posting one by one.
 */
#include <errno.h>
#include <netinet/in.h>
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
static struct snt_sq sq0, sq1;
static struct snt_rss rss1;		/* port 1: 4 WQs, RSS on */
static struct snt_rss rss0;		/* port 0: 1 WQ, RSS off, CQ of 8 */
static bool coalesce = true;

#define RSS1_WQ		4u
#define RSS0_CQ		8u
#define IPPROTO_TEST	253		/* RFC 3692 experimental: IP-only hashing */

static const char *const ctr_no_wqe[] = { "rx_drop_no_wqe", NULL };
static const char *const ctr_truncated[] = { "rx_drop_truncated", NULL };

static int
suite_init(void)
{
	if (snt_open(&dev, NULL) != 0)
		return -1;
	if (dev.nports < 2)
		return -1;
	if (snt_sq_create(&dev, &sq0, 0, 64, 2, 64) != 0 ||
	    snt_sq_create(&dev, &sq1, 1, 64, 2, 64) != 0 ||
	    snt_rss_create(&dev, &rss1, 1, RSS1_WQ, 256, 256, snt_rss_key_ms, 2048, 256) != 0 ||
	    snt_rss_create(&dev, &rss0, 0, 1, RSS0_CQ, RSS0_CQ, NULL, 2048, 0) != 0)
		return -1;
	return 0;
}

static int
suite_clean(void)
{
	snt_rss_destroy(&rss0);
	snt_rss_destroy(&rss1);
	snt_sq_destroy(&sq1);
	snt_sq_destroy(&sq0);
	snt_close(&dev);
	return snt_rings_freed();
}

static void
flow_init(struct snt_flow *f, unsigned int to_port, bool ipv6, uint8_t proto,
	  uint32_t payload, uint8_t seed)
{
	snt_flow_init(f, proto, ipv6 ? "2001:db8:1::1" : "10.1.2.3", (uint16_t)(1000 + seed),
		      ipv6 ? "2001:db8:2::2" : "10.4.5.6", 80, payload, seed, dev.mac[!to_port],
		      dev.mac[to_port]);
}

/* Post a frame on s without doorbell. */
static void
post_frame(struct snt_sq *s, const uint8_t *frame, uint32_t len)
{
	CU_ASSERT_FATAL(snt_sq_post_frame(s, frame, len) >= 0);
}

static void
send_frame(struct snt_sq *s, const uint8_t *frame, uint32_t len)
{
	post_frame(s, frame, len);
	snt_sq_flush(s, 1);
}

/* Receive on rss1 (any WQ), copy the data, re-post one WQE on that WQ. */
static int
recv1(struct snt_pkt *p, uint8_t *copy)
{
	int ret = snt_rss_recv(&rss1, p, SNT_TIMEOUT_MS);

	if (ret == 0)
		fprintf(stderr, "recv1: nothing on port 1 within %u ms\n", SNT_TIMEOUT_MS);
	if (ret != 1)
		return ret;
	if (copy)
		memcpy(copy, p->data, p->len);
	if (snt_rq_post(&rss1.rq[p->wq], 1, false) != 1)
		return -ENOSPC;
	return 1;
}

/* ------------------------------------------------------------------ */
/* §7.4 Toeplitz vectors                                               */
/* ------------------------------------------------------------------ */

struct tz_vec {
	const char *src, *dst;
	uint16_t sport, dport;
	uint32_t ip_hash, l4_hash;
};

static const struct tz_vec tz_vecs[8] = {
	{ "66.9.149.187", "161.142.100.80", 2794, 1766, 0x323e8fc2, 0x51ccc178 },
	{ "199.92.111.2", "65.69.140.83", 14230, 4739, 0xd718262a, 0xc626b0ea },
	{ "24.19.198.95", "12.22.207.184", 12898, 38024, 0xd2d0a5de, 0x5c2b394a },
	{ "38.27.205.30", "209.142.163.6", 48228, 2217, 0x82989176, 0xafc7327f },
	{ "153.39.163.191", "202.188.127.2", 44251, 1303, 0x5d1809c5, 0x10e828a2 },
	{ "3ffe:2501:200:1fff::7", "3ffe:2501:200:3::1", 2794, 1766, 0x2cc18cd5, 0x40207d3d },
	{ "3ffe:501:8::260:97ff:fe40:efab", "ff02::1", 14230, 4739, 0x0f0c461c, 0xdde51bbf },
	{ "3ffe:1900:4545:3:200:f8ff:fe21:67cf", "fe80::200:f8ff:fe21:67cf", 44251, 38024,
	  0x4b61e985, 0x02d1feef },
};

/* Send one frame of flow f from port 0, receive it on port 1 and check
 * bytes, hash, hash type and the WQ chosen through the 64-entry table. */
static void
check_rss_frame(const struct snt_flow *f, uint32_t want_hash, uint32_t want_type,
		int want_wq, const char *what)
{
	uint8_t frame[256], got[2048];
	struct snt_pkt p;
	uint32_t len;

	len = snt_build_frame(frame, sizeof(frame), f, NULL, NULL);
	send_frame(&sq0, frame, len);
	CU_ASSERT_EQUAL_FATAL(recv1(&p, got), 1);
	CU_ASSERT_EQUAL(p.len, len);
	CU_ASSERT_EQUAL(memcmp(got, frame, len), 0);
	if (p.cqe.rx.rx_hashtype != want_type || (want_type && p.hash != want_hash) ||
	    (want_wq >= 0 && p.wq != (unsigned int)want_wq))
		fprintf(stderr, "%s: hash 0x%08x type 0x%03x WQ %u; expected 0x%08x 0x%03x WQ %d\n",
			what, p.hash, p.cqe.rx.rx_hashtype, p.wq, want_hash, want_type, want_wq);
	CU_ASSERT_EQUAL(p.cqe.rx.rx_hashtype, want_type);
	if (want_type)
		CU_ASSERT_EQUAL(p.hash, want_hash);
	if (want_wq >= 0)
		CU_ASSERT_EQUAL(p.wq, (unsigned int)want_wq);
	CU_ASSERT_EQUAL(p.cqe.info.wq_num, rss1.rq[p.wq].dv.wq_id);
}

/* WQ for a hash: table index = hash & 63, entry j = WQ[j mod n] (§1.8, §7.1). */
static int
wq_for(uint32_t hash)
{
	return (int)((hash & (MANA_RSS_IND_TABLE_SIZE - 1)) % RSS1_WQ);
}

static void
test_toeplitz_vectors(void)
{
	unsigned int i;

	for (i = 0; i < 8; i++) {
		const struct tz_vec *v = &tz_vecs[i];
		struct snt_flow f;
		bool v6;
		char what[96];

		flow_init(&f, 1, false, IPPROTO_TEST, 20, (uint8_t)i);
		CU_ASSERT_EQUAL_FATAL(snt_parse_ip(v->src, f.src, &v6), 0);
		CU_ASSERT_EQUAL_FATAL(snt_parse_ip(v->dst, f.dst, &f.ipv6), 0);
		f.sport = v->sport;
		f.dport = v->dport;
		/* The reference implementation (rte_softrss) agrees with §7.4. */
		CU_ASSERT_EQUAL(snt_toeplitz(snt_rss_key_ms, &f, false), v->ip_hash);
		CU_ASSERT_EQUAL(snt_toeplitz(snt_rss_key_ms, &f, true), v->l4_hash);

		snprintf(what, sizeof(what), "vector %u IP only", i + 1);
		check_rss_frame(&f, v->ip_hash, MANA_HASH_L3, wq_for(v->ip_hash), what);
		f.proto = IPPROTO_TCP;
		snprintf(what, sizeof(what), "vector %u TCP", i + 1);
		check_rss_frame(&f, v->l4_hash, MANA_HASH_L4, wq_for(v->l4_hash), what);
		f.proto = IPPROTO_UDP;
		snprintf(what, sizeof(what), "vector %u UDP", i + 1);
		check_rss_frame(&f, v->l4_hash, MANA_HASH_L4, wq_for(v->l4_hash), what);
	}
}

/* ------------------------------------------------------------------ */
/* §7.1 queue selection through the 64-entry table                     */
/* ------------------------------------------------------------------ */

static void
test_queue_selection(void)
{
	enum { NFLOWS = 96, BATCH = 16 };
	unsigned int per_wq[RSS1_WQ] = { 0 };
	unsigned int seen[NFLOWS] = { 0 };
	int last_on_wq[RSS1_WQ] = { -1, -1, -1, -1 };
	unsigned int b, i;

	for (b = 0; b < NFLOWS; b += BATCH) {
		for (i = b; i < b + BATCH; i++) {
			uint8_t frame[256];
			struct snt_flow f;

			/* Thirds: IPv4/TCP, IPv6/UDP, IPv4 IP-only with
			 * varying source address. */
			flow_init(&f, 1, i % 3 == 1, i % 3 == 0 ? IPPROTO_TCP :
				  i % 3 == 1 ? IPPROTO_UDP : IPPROTO_TEST, 16, (uint8_t)i);
			f.sport = (uint16_t)(20000 + i * 7919);
			f.src[3] = (uint8_t)i;
			post_frame(&sq0, frame, snt_build_frame(frame, sizeof(frame), &f,
								 NULL, NULL));
		}
		snt_sq_flush(&sq0, BATCH);
		for (i = 0; i < BATCH; i++) {
			uint8_t got[2048];
			struct snt_flow f;
			struct snt_pkt p;
			unsigned int id;
			uint32_t h;

			CU_ASSERT_EQUAL_FATAL(recv1(&p, got), 1);
			/* Identify the flow by its IPv4/IPv6 source byte 3. */
			id = got[14 + (got[12] == 0x86 ? 8 + 3 : 12 + 3)];
			CU_ASSERT_FATAL(id < NFLOWS);
			seen[id]++;
			flow_init(&f, 1, id % 3 == 1, id % 3 == 0 ? IPPROTO_TCP :
				  id % 3 == 1 ? IPPROTO_UDP : IPPROTO_TEST, 16, (uint8_t)id);
			f.sport = (uint16_t)(20000 + id * 7919);
			f.src[3] = (uint8_t)id;
			h = snt_toeplitz(snt_rss_key_ms, &f, f.proto != IPPROTO_TEST);
			CU_ASSERT_EQUAL(p.hash, h);
			CU_ASSERT_EQUAL(p.cqe.rx.rx_hashtype,
					f.proto == IPPROTO_TEST ? MANA_HASH_L3 : MANA_HASH_L4);
			if (p.wq != (unsigned int)wq_for(h))
				fprintf(stderr, "flow %u hash 0x%08x on WQ %u, expected %d\n",
					id, h, p.wq, wq_for(h));
			CU_ASSERT_EQUAL(p.wq, (unsigned int)wq_for(h));
			/* In order within a WQ. */
			CU_ASSERT(last_on_wq[p.wq] < (int)id);
			last_on_wq[p.wq] = (int)id;
			per_wq[p.wq]++;
		}
		for (i = 0; i < RSS1_WQ; i++)
			last_on_wq[i] = -1;
	}
	for (i = 0; i < NFLOWS; i++)
		CU_ASSERT_EQUAL(seen[i], 1);
	/* The flows cover every WQ, so the check above means something. */
	for (i = 0; i < RSS1_WQ; i++)
		CU_ASSERT(per_wq[i] > 0);
}

/* ------------------------------------------------------------------ */
/* Default RX object (§1.8, §7.1)                                      */
/* ------------------------------------------------------------------ */

static void
test_default_rx_object(void)
{
	static const uint16_t types[] = { RTE_ETHER_TYPE_ARP, 0x88B5, 0x88CC, 0x0842 };
	uint8_t frame[256], got[2048];
	struct snt_flow f;
	struct snt_pkt p;
	unsigned int i;
	uint32_t len;

	/* Non-IP frames (also VLAN-tagged ones) go to the last WQ, unhashed. */
	for (i = 0; i < 2 * sizeof(types) / sizeof(types[0]); i++) {
		flow_init(&f, 1, false, 0, 46, (uint8_t)i);
		f.ethertype = types[i % 4];
		f.vlan = i >= 4;
		f.vlan_tci = 42;
		len = snt_build_frame(frame, sizeof(frame), &f, NULL, NULL);
		send_frame(&sq0, frame, len);
		CU_ASSERT_EQUAL_FATAL(recv1(&p, got), 1);
		CU_ASSERT_EQUAL(p.wq, RSS1_WQ - 1);
		CU_ASSERT_EQUAL(p.cqe.rx.rx_hashtype, 0);
		CU_ASSERT_EQUAL(p.cqe.rx.rx_iphdr_csum_succeed, 0);
		CU_ASSERT_EQUAL(p.cqe.rx.rx_tcp_csum_succeed, 0);
		CU_ASSERT_EQUAL(p.cqe.rx.rx_udp_csum_succeed, 0);
		CU_ASSERT_EQUAL(p.len, f.vlan ? len - 4 : len);
		CU_ASSERT_EQUAL(p.cqe.rx.rx_vlantag_present, f.vlan);
	}
	/* With a 1-WQ table RSS is off: IP frames are not hashed (type 0)
	 * and land on the only (= default) WQ. */
	flow_init(&f, 0, false, IPPROTO_TCP, 30, 1);
	len = snt_build_frame(frame, sizeof(frame), &f, NULL, NULL);
	CU_ASSERT_EQUAL_FATAL(snt_rq_post(&rss0.rq[0], 1, false), 1);
	send_frame(&sq1, frame, len);
	CU_ASSERT_EQUAL_FATAL(snt_rq_recv(&rss0.rq[0], &p, SNT_TIMEOUT_MS), 1);
	CU_ASSERT_EQUAL(p.len, len);
	CU_ASSERT_EQUAL(memcmp(p.data, frame, len), 0);
	CU_ASSERT_EQUAL(p.cqe.rx.rx_hashtype, 0);
}

/* ------------------------------------------------------------------ */
/* §5.6 VLAN strip                                                     */
/* ------------------------------------------------------------------ */

static void
run_vlan_strip(bool ipv6, uint8_t proto, uint16_t tci, bool tagged)
{
	uint8_t frame[256], plain[256], got[2048];
	struct snt_flow f;
	struct snt_pkt p;
	uint32_t len, plen, h;

	flow_init(&f, 1, ipv6, proto, 64, (uint8_t)tci);
	plen = snt_build_frame(plain, sizeof(plain), &f, NULL, NULL);
	f.vlan = tagged;
	f.vlan_tci = tci;
	len = snt_build_frame(frame, sizeof(frame), &f, NULL, NULL);
	send_frame(&sq0, frame, len);
	CU_ASSERT_EQUAL_FATAL(recv1(&p, got), 1);
	/* The tag is gone from the data, reported in the CQE (VID only). */
	CU_ASSERT_EQUAL(p.len, plen);
	CU_ASSERT_EQUAL(memcmp(got, plain, plen), 0);
	CU_ASSERT_EQUAL(p.cqe.rx.rx_vlantag_present, tagged);
	CU_ASSERT_EQUAL(p.cqe.rx.rx_vlan_id, tagged ? (tci & 0xFFF) : 0);
	/* RSS and checksums see through the tag. */
	h = snt_toeplitz(snt_rss_key_ms, &f, true);
	CU_ASSERT_EQUAL(p.cqe.rx.rx_hashtype, MANA_HASH_L4);
	CU_ASSERT_EQUAL(p.hash, h);
	CU_ASSERT_EQUAL(p.wq, (unsigned int)wq_for(h));
	CU_ASSERT_EQUAL(p.cqe.rx.rx_iphdr_csum_succeed, 1);
}

static void
test_vlan_strip(void)
{
	run_vlan_strip(false, IPPROTO_TCP, (3 << 13) | 0x0AB, true);
	run_vlan_strip(false, IPPROTO_UDP, (7 << 13) | (1 << 12) | 0xFFE, true);
	run_vlan_strip(true, IPPROTO_TCP, 0x001, true);
	run_vlan_strip(true, IPPROTO_UDP, (5 << 13), true);	/* priority tag, VID 0 */
	run_vlan_strip(false, IPPROTO_TCP, 0, false);
}

/* ------------------------------------------------------------------ */
/* §5.6 checksum validation bits                                       */
/* ------------------------------------------------------------------ */

enum corrupt { C_NONE, C_IP, C_L4 };

static void
run_csum_flags(bool ipv6, uint8_t proto, enum corrupt what)
{
	uint8_t frame[256], got[2048];
	struct snt_flow f;
	struct snt_pkt p;
	uint32_t len, l3, l4;
	bool l4ok = what != C_L4;

	flow_init(&f, 1, ipv6, proto, 50, (uint8_t)(what + 3 * proto));
	len = snt_build_frame(frame, sizeof(frame), &f, &l3, &l4);
	if (what == C_IP)
		frame[l3 + 10] ^= 0x5A;		/* IPv4 header checksum */
	if (what == C_L4)
		frame[l4 + snt_l4_csum_offset(proto)] ^= 0x11;
	send_frame(&sq0, frame, len);
	CU_ASSERT_EQUAL_FATAL(recv1(&p, got), 1);
	CU_ASSERT_EQUAL(memcmp(got, frame, len), 0);
	if (what == C_IP) {
		CU_ASSERT_EQUAL(p.cqe.rx.rx_iphdr_csum_fail, 1);
		CU_ASSERT_EQUAL(p.cqe.rx.rx_iphdr_csum_succeed, 0);
		return;
	}
	/* IPv6 has no header checksum; valid IPv6 reports "succeed" (§5.6). */
	CU_ASSERT_EQUAL(p.cqe.rx.rx_iphdr_csum_succeed, 1);
	CU_ASSERT_EQUAL(p.cqe.rx.rx_iphdr_csum_fail, 0);
	CU_ASSERT_EQUAL(p.cqe.rx.rx_tcp_csum_succeed, proto == IPPROTO_TCP && l4ok);
	CU_ASSERT_EQUAL(p.cqe.rx.rx_tcp_csum_fail, proto == IPPROTO_TCP && !l4ok);
	CU_ASSERT_EQUAL(p.cqe.rx.rx_udp_csum_succeed, proto == IPPROTO_UDP && l4ok);
	CU_ASSERT_EQUAL(p.cqe.rx.rx_udp_csum_fail, proto == IPPROTO_UDP && !l4ok);
	CU_ASSERT_EQUAL(p.cqe.rx.rx_outer_iphdr_csum_fail, 0);
}

static void
test_rx_checksum_flags(void)
{
	run_csum_flags(false, IPPROTO_TCP, C_NONE);
	run_csum_flags(false, IPPROTO_TCP, C_L4);
	run_csum_flags(false, IPPROTO_TCP, C_IP);
	run_csum_flags(false, IPPROTO_UDP, C_NONE);
	run_csum_flags(false, IPPROTO_UDP, C_L4);
	run_csum_flags(true, IPPROTO_TCP, C_NONE);
	run_csum_flags(true, IPPROTO_TCP, C_L4);
	run_csum_flags(true, IPPROTO_UDP, C_NONE);
	run_csum_flags(true, IPPROTO_UDP, C_L4);
}

/* ------------------------------------------------------------------ */
/* §5.4 coalescing                                                     */
/* ------------------------------------------------------------------ */

/* Frame variants of one flow (same RQ): 0 plain, 1 bad TCP checksum,
 * 2 VLAN tag 5.  Each length differs (payload 20 + index). */
static uint32_t
coalesce_frame(uint8_t *buf, unsigned int variant, unsigned int idx, uint32_t *plain_len)
{
	struct snt_flow f;
	uint32_t len, l4;

	flow_init(&f, 1, false, IPPROTO_TCP, 20 + idx, 0x77);
	f.sport = 3333;
	f.vlan = variant == 2;
	f.vlan_tci = 5;
	len = snt_build_frame(buf, 512, &f, NULL, &l4);
	if (variant == 1)
		buf[l4 + snt_l4_csum_offset(IPPROTO_TCP)] ^= 0x01;
	*plain_len = f.vlan ? len - 4 : len;
	return len;
}

/*
 * Send the frames of variants[0..n-1] in one doorbell and check the CQE
 * grouping: groups[] lists the packet count of each CQE expected with
 * coalescing on (off: one packet per CQE, RX_OKAY).
 */
static void
run_coalesce(const unsigned int *variants, unsigned int n, const unsigned int *groups,
	     unsigned int ngroups)
{
	uint8_t frames[16][512];
	uint32_t len[16], plain[16];
	unsigned int i, g = 0, in_group = 0;
	uint32_t hash0 = 0, first_wqe_off = 0;

	for (i = 0; i < n; i++) {
		len[i] = coalesce_frame(frames[i], variants[i], i, &plain[i]);
		post_frame(&sq0, frames[i], len[i]);
	}
	snt_sq_flush(&sq0, n);
	for (i = 0; i < n; i++) {
		uint8_t got[2048];
		struct snt_pkt p;
		unsigned int want_n = coalesce ? groups[g] : 1;

		CU_ASSERT_EQUAL_FATAL(recv1(&p, got), 1);
		if (p.idx == 0)
			first_wqe_off = p.wqe_off;
		if (p.npkts != want_n || p.idx != in_group)
			fprintf(stderr, "packet %u: CQE of %u packets (#%u), expected %u (#%u)\n",
				i, p.npkts, p.idx, want_n, in_group);
		CU_ASSERT_EQUAL(p.npkts, want_n);
		CU_ASSERT_EQUAL(p.idx, in_group);
		if (want_n > 1)
			CU_ASSERT_EQUAL(p.cqe_type, MANA_CQE_RX_COALESCED_4);
		if (!coalesce)
			CU_ASSERT_EQUAL(p.cqe_type, MANA_CQE_RX_OKAY);
		/* One packet: CQE_RX_OKAY (§5.3; the soft-NIC documents this
		 * choice in device/rx.c, the spec allows COALESCED_4 of 1). */
		if (want_n == 1)
			CU_ASSERT_EQUAL(p.cqe_type, MANA_CQE_RX_OKAY);
		/* rx_wqe_offset names the WQE of the CQE's first packet. */
		CU_ASSERT_EQUAL(p.cqe.rx.rx_wqe_offset, first_wqe_off);
		/* Unused ppi slots are zero-length (§5.4). */
		if (in_group == 0) {
			unsigned int j;

			for (j = p.npkts; j < MANA_RX_COALESCE_MAX; j++)
				CU_ASSERT_EQUAL(p.cqe.rx.ppi[j].pkt_len, 0);
		}
		CU_ASSERT_EQUAL(p.len, plain[i]);
		if (variants[i] != 2)
			CU_ASSERT_EQUAL(memcmp(got, frames[i], len[i]), 0);
		if (i == 0)
			hash0 = p.hash;
		CU_ASSERT_EQUAL(p.hash, hash0);
		CU_ASSERT_EQUAL(p.cqe.rx.rx_vlantag_present, variants[i] == 2);
		CU_ASSERT_EQUAL(p.cqe.rx.rx_tcp_csum_fail, variants[i] == 1);
		if (++in_group == want_n) {
			in_group = 0;
			g++;
		}
	}
	if (coalesce)
		CU_ASSERT_EQUAL(g, ngroups);
}

static void
test_coalescing(void)
{
	static const unsigned int same[9] = { 0 };
	static const unsigned int g1[] = { 1 }, g2[] = { 2 }, g3[] = { 3 }, g4[] = { 4 };
	static const unsigned int g6[] = { 4, 2 }, g9[] = { 4, 4, 1 };
	static const unsigned int v_csum[] = { 0, 0, 1, 0 }, g_csum[] = { 2, 1, 1 };
	static const unsigned int v_vlan[] = { 0, 2, 2, 0 }, g_vlan[] = { 1, 2, 1 };
	static const unsigned int v_mix[] = { 1, 1, 1, 1, 1, 0 }, g_mix[] = { 4, 1, 1 };
	char st[512];

	if (snt_ctl("status", st, sizeof(st)) == 0)
		printf("\n  soft-NIC status: %.*s\n", (int)strcspn(st, "\n"), st);
	printf("  (coalescing expected %s)\n", coalesce ? "on" : "off");
	run_coalesce(same, 1, g1, 1);
	run_coalesce(same, 2, g2, 1);
	run_coalesce(same, 3, g3, 1);
	run_coalesce(same, 4, g4, 1);
	run_coalesce(same, 6, g6, 2);
	run_coalesce(same, 9, g9, 3);
	/* Packets whose dword-1 flags differ are not coalesced (§5.4). */
	run_coalesce(v_csum, 4, g_csum, 3);
	run_coalesce(v_vlan, 4, g_vlan, 3);
	run_coalesce(v_mix, 6, g_mix, 3);
}

/* ------------------------------------------------------------------ */
/* Port 0 tests: truncation, rx_wqe_offset, no WQE, RX owner bits       */
/* ------------------------------------------------------------------ */

/* Receive one packet on rss0 and check the CQE's owner bits (§6.3). */
static int
recv0(struct snt_pkt *p)
{
	int ret = snt_rq_recv(&rss0.rq[0], p, SNT_TIMEOUT_MS);

	if (ret != 1) {
		fprintf(stderr, "recv0: %d (port 0, no packet within %u ms?)\n", ret,
			SNT_TIMEOUT_MS);
		return ret;
	}
	/* The packet's CQE is the last one consumed: index k = consumed - 1
	 * went to slot k mod N with owner (k / N + 1) mod 8. */
	if (p->idx == 0)
		CU_ASSERT_EQUAL(p->cqe.info.owner_bits,
				mana_cqe_owner_for_index((uint32_t)(rss0.rq[0].cq.consumed - 1),
							 RSS0_CQ));
	return 1;
}

static uint32_t
frame_to_port0(uint8_t *buf, uint32_t payload, uint8_t seed)
{
	struct snt_flow f;

	flow_init(&f, 0, false, IPPROTO_UDP, payload, seed);
	return snt_build_frame(buf, 2048, &f, NULL, NULL);
}

static void
test_truncation(void)
{
	struct snt_rq *q = &rss0.rq[0];
	uint8_t *b = q->bufs.buf;
	uint8_t frame[2048];
	struct mana_sge sge[2];
	struct snt_pkt p;
	uint64_t tr0 = 0, tr1 = 0;
	uint32_t len;
	int have;

	CU_ASSERT_EQUAL_FATAL(snt_rq_outstanding(q), 0);
	have = snt_counter_any(0, 0, ctr_truncated, &tr0, NULL);
	CU_ASSERT_EQUAL(have, 0);
	/* WQE 1: 100-byte buffer; WQE 2: 2048 bytes. */
	sge[0].address = (uintptr_t)b;
	sge[0].mem_key = q->bufs.mr->lkey;
	sge[0].size = 100;
	CU_ASSERT_FATAL(snt_rq_post_sges(q, sge, 1) >= 0);
	sge[0].address = (uintptr_t)(b + 2048);
	sge[0].size = 2048;
	CU_ASSERT_FATAL(snt_rq_post_sges(q, sge, 1) >= 0);
	snt_rq_doorbell(q);
	/* 101 bytes do not fit 100: CQE_RX_TRUNCATED, WQE consumed (§5.3). */
	len = frame_to_port0(frame, 101 - 42, 1);
	CU_ASSERT_EQUAL_FATAL(len, 101);
	send_frame(&sq1, frame, len);
	CU_ASSERT_EQUAL_FATAL(recv0(&p), 1);
	CU_ASSERT_EQUAL(p.cqe_type, MANA_CQE_RX_TRUNCATED);
	CU_ASSERT_EQUAL(p.npkts, 1);
	CU_ASSERT_EQUAL(p.cqe.info.wq_num, q->dv.wq_id);
	/* The next frame uses the next WQE, intact. */
	len = frame_to_port0(frame, 300, 2);
	send_frame(&sq1, frame, len);
	CU_ASSERT_EQUAL_FATAL(recv0(&p), 1);
	CU_ASSERT_EQUAL(p.cqe_type, MANA_CQE_RX_OKAY);
	CU_ASSERT_EQUAL(p.len, len);
	CU_ASSERT_EQUAL(p.data, b + 2048);
	CU_ASSERT_EQUAL(memcmp(p.data, frame, len), 0);
	if (have == 0) {
		CU_ASSERT_EQUAL(snt_counter_any(0, 0, ctr_truncated, &tr1, NULL), 0);
		CU_ASSERT_EQUAL(tr1, tr0 + 1);
	}

	/* Exactly the buffer size fits (boundary). */
	sge[0].address = (uintptr_t)b;
	sge[0].size = 100;
	CU_ASSERT_FATAL(snt_rq_post_sges(q, sge, 1) >= 0);
	snt_rq_doorbell(q);
	len = frame_to_port0(frame, 100 - 42, 3);
	send_frame(&sq1, frame, len);
	CU_ASSERT_EQUAL_FATAL(recv0(&p), 1);
	CU_ASSERT_EQUAL(p.cqe_type, MANA_CQE_RX_OKAY);
	CU_ASSERT_EQUAL(p.len, 100);
	CU_ASSERT_EQUAL(memcmp(b, frame, 100), 0);

	/* Scatter over two SGEs (64 + 2048 bytes, §5.1 up to 15 SGEs). */
	memset(b, 0, 4096);
	sge[0].address = (uintptr_t)(b + 512);
	sge[0].size = 64;
	sge[1].address = (uintptr_t)(b + 2048);
	sge[1].mem_key = q->bufs.mr->lkey;
	sge[1].size = 2048;
	CU_ASSERT_FATAL(snt_rq_post_sges(q, sge, 2) >= 0);
	snt_rq_doorbell(q);
	len = frame_to_port0(frame, 200, 4);
	send_frame(&sq1, frame, len);
	CU_ASSERT_EQUAL_FATAL(recv0(&p), 1);
	CU_ASSERT_EQUAL(p.cqe_type, MANA_CQE_RX_OKAY);
	CU_ASSERT_EQUAL(p.len, len);
	CU_ASSERT_EQUAL(memcmp(b + 512, frame, 64), 0);
	CU_ASSERT_EQUAL(memcmp(b + 2048, frame + 64, len - 64), 0);
	/* Two SGEs that together are too small: truncated. */
	sge[0].size = 64;
	sge[1].size = 64;
	CU_ASSERT_FATAL(snt_rq_post_sges(q, sge, 2) >= 0);
	snt_rq_doorbell(q);
	send_frame(&sq1, frame, len);
	CU_ASSERT_EQUAL_FATAL(recv0(&p), 1);
	CU_ASSERT_EQUAL(p.cqe_type, MANA_CQE_RX_TRUNCATED);
	CU_ASSERT_EQUAL(snt_rq_outstanding(q), 0);
}

static void
test_rx_wqe_offset(void)
{
	struct snt_rq *q = &rss0.rq[0];
	uint8_t frame[2048];
	unsigned int i;

	/* > 2 ring sizes of WQEs (ring 4096 bytes), 1- and 2-SGE WQEs, one
	 * frame at a time: rx_wqe_offset = free-running byte offset (§5.5). */
	CU_ASSERT_EQUAL_FATAL(snt_rq_outstanding(q), 0);
	for (i = 0; i < 300; i++) {
		struct snt_pkt p;
		uint32_t len;
		int off;

		if (i % 7 == 3) {
			struct mana_sge sge[2];

			sge[0].address = (uintptr_t)(q->bufs.buf + 4096);
			sge[0].mem_key = q->bufs.mr->lkey;
			sge[0].size = 32;
			sge[1].address = (uintptr_t)(q->bufs.buf + 8192);
			sge[1].mem_key = q->bufs.mr->lkey;
			sge[1].size = 2048;
			off = snt_rq_post_sges(q, sge, 2);
			snt_rq_doorbell(q);
		} else {
			off = snt_rq_post(q, 1, false);
		}
		CU_ASSERT_FATAL(off >= 0);
		len = frame_to_port0(frame, 20 + i % 50, (uint8_t)i);
		send_frame(&sq1, frame, len);
		CU_ASSERT_EQUAL_FATAL(recv0(&p), 1);
		CU_ASSERT_EQUAL(p.len, len);
		if (p.cqe.rx.rx_wqe_offset != p.wqe_off)
			fprintf(stderr, "frame %u: rx_wqe_offset %u, WQE at %u\n", i,
				p.cqe.rx.rx_wqe_offset, p.wqe_off);
		CU_ASSERT_EQUAL_FATAL(p.cqe.rx.rx_wqe_offset, p.wqe_off);
	}
	CU_ASSERT(q->head * MANA_BU_SIZE > 2 * q->dv.size);
	/* ... which also took rss0's 8-entry CQ around many times. */
	CU_ASSERT(rss0.rq[0].cq.consumed / RSS0_CQ >= 9);
}

static void
test_no_wqe_drop(void)
{
	struct snt_rq *q = &rss0.rq[0];
	uint8_t frame[2048];
	struct snt_pkt p;
	uint64_t before = 0, after = 0;
	uint32_t len;
	unsigned int i;

	CU_ASSERT_EQUAL_FATAL(snt_rq_outstanding(q), 0);
	CU_ASSERT_EQUAL_FATAL(snt_counter_any(0, 0, ctr_no_wqe, &before, NULL), 0);
	for (i = 0; i < 3; i++) {
		len = frame_to_port0(frame, 40, (uint8_t)(0xD0 + i));
		send_frame(&sq1, frame, len);
	}
	CU_ASSERT_EQUAL(snt_counter_wait_ge(0, 0, ctr_no_wqe, before + 3, SNT_TIMEOUT_MS,
					    &after), 0);
	CU_ASSERT_EQUAL(after, before + 3);
	/* The dropped frames are gone: a WQE posted now gets the next frame. */
	CU_ASSERT_EQUAL_FATAL(snt_rq_post(q, 1, false), 1);
	len = frame_to_port0(frame, 41, 0xEE);
	send_frame(&sq1, frame, len);
	CU_ASSERT_EQUAL_FATAL(recv0(&p), 1);
	CU_ASSERT_EQUAL(p.len, len);
	CU_ASSERT_EQUAL(memcmp(p.data, frame, len), 0);
	CU_ASSERT_EQUAL(snt_counter_any(0, 0, ctr_no_wqe, &after, NULL), 0);
	CU_ASSERT_EQUAL(after, before + 3);
}

static CU_TestInfo tests[] = {
	{ "7.4 Toeplitz: 16 vectors (hash, type, WQ)", test_toeplitz_vectors },
	{ "7.1 queue selection via 64-entry table", test_queue_selection },
	{ "7.1 default RX object (non-IP, RSS off)", test_default_rx_object },
	{ "5.6 VLAN strip", test_vlan_strip },
	{ "5.6 checksum validation bits", test_rx_checksum_flags },
	{ "5.4 coalescing", test_coalescing },
	{ "5.3 truncation and scatter", test_truncation },
	{ "5.5 rx_wqe_offset + 6.3 RX owner bits", test_rx_wqe_offset },
	{ "10 drop + counter without RX WQE", test_no_wqe_drop },
	CU_TEST_INFO_NULL,
};

int
main(int argc, char **argv)
{
	coalesce = strcmp(snt_arg(argc, argv, "--coalesce", "on"), "off") != 0;
	return snt_run_suite(coalesce ? "softnic-rx (coalescing on)" :
			     "softnic-rx (coalescing off)", suite_init, suite_clean, tests);
}
