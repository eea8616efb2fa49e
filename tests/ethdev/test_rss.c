/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * net_mana RSS on the soft-NIC (spec §7): port B has 4 RX queues; every
 * frame sent from A must arrive on the queue that the Toeplitz hash (computed
 * independently with rte_softrss and the port's key read back with
 * rte_eth_dev_rss_hash_conf_get) and the RETA (rte_eth_dev_rss_reta_query)
 * predict: queue = reta[hash & 63] (spec §7.1), with RTE_MBUF_F_RX_RSS_HASH
 * and mbuf->hash.rss = the hash.  Also after reta_update and
 * rss_hash_update, with the published Microsoft vectors of spec §7.4, for
 * non-IP frames (no hash, one queue), and with unusual queue counts.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <netinet/in.h>

#include "harness.h"

#define NQ 4

static struct th_port_conf conf_b = {
	.nb_rxq = NQ, .nb_txq = NQ, .rss = true,
	.rx_offloads = RTE_ETH_RX_OFFLOAD_RSS_HASH | RTE_ETH_RX_OFFLOAD_IPV4_CKSUM |
		       RTE_ETH_RX_OFFLOAD_TCP_CKSUM | RTE_ETH_RX_OFFLOAD_UDP_CKSUM,
};

static void
get_reta(uint16_t port, uint16_t *reta)
{
	struct rte_eth_rss_reta_entry64 r[1];

	memset(r, 0, sizeof(r));
	r[0].mask = UINT64_MAX;
	CU_ASSERT_EQUAL_FATAL(rte_eth_dev_rss_reta_query(port, r, 64), 0);
	for (int i = 0; i < 64; i++)
		reta[i] = r[0].reta[i];
}

static void
get_key(uint16_t port, uint8_t *key)
{
	struct rte_eth_rss_conf c;

	memset(&c, 0, sizeof(c));
	c.rss_key = key;
	c.rss_key_len = 40;
	CU_ASSERT_EQUAL_FATAL(rte_eth_dev_rss_hash_conf_get(port, &c), 0);
	CU_ASSERT_EQUAL(c.rss_key_len, 40);
}

struct rss_case {
	struct th_flow f;
	uint32_t want_hash;	/* 0 = compute with th_toeplitz */
};

/*
 * Send every flow of cs (one frame each, seq = index) from A and check on B:
 * exact bytes, the queue the RETA predicts, the hash value and flag.
 * per_q (optional) counts frames per queue.
 */
static void
check_flows(const struct rss_case *cs, unsigned int n, unsigned int *per_q)
{
	static uint8_t frame[256];
	struct rte_mbuf *out[32], *in[512 + 32];
	uint16_t qid[512 + 32], reta[64];
	uint8_t key[40];
	unsigned int got, bad = 0;

	CU_ASSERT_FATAL(n <= 512);
	bool rss_on = false;

	get_reta(th.port_b, reta);
	get_key(th.port_b, key);
	for (unsigned int i = 0; i < 64; i++) {
		CU_ASSERT(reta[i] < conf_b.nb_rxq);
		if (reta[i] != reta[0])
			rss_on = true;
	}
	for (unsigned int s = 0; s < n; s += 32) {
		unsigned int k = RTE_MIN(32u, n - s);

		for (unsigned int i = 0; i < k; i++) {
			th_build(frame, 128, &th.mac_a, &th.mac_b, &cs[s + i].f, s + i, NULL);
			out[i] = th_mbuf(th.pool, frame, 128);
		}
		CU_ASSERT_EQUAL_FATAL(th_tx_all(th.port_a, 0, out, (uint16_t)k), k);
	}
	got = th_rx_wait_multi(th.port_b, conf_b.nb_rxq, in, qid, n);
	CU_ASSERT_EQUAL(got, n);
	if (per_q != NULL)
		memset(per_q, 0, sizeof(*per_q) * conf_b.nb_rxq);
	for (unsigned int i = 0; i < got; i++) {
		uint32_t s = th_seq_of(in[i]), h;
		uint16_t want_q;

		if (s >= n) {
			CU_FAIL("unexpected frame");
			continue;
		}
		th_build(frame, 128, &th.mac_a, &th.mac_b, &cs[s].f, s, NULL);
		CU_ASSERT(th_mbuf_equal(in[i], frame, 128, "RSS frame"));
		h = cs[s].want_hash ? cs[s].want_hash : th_toeplitz(&cs[s].f, key);
		if (cs[s].want_hash)	/* the independent computation agrees too */
			CU_ASSERT_EQUAL(th_toeplitz(&cs[s].f, key), cs[s].want_hash);
		want_q = reta[h & 63];
		if (per_q != NULL)
			per_q[qid[i]]++;
		/*
		 * A table of one queue disables RSS in the device (spec §7: RSS is
		 * enabled only with more than one WQ): everything goes to that
		 * queue and there is no hash to report; a hash, if reported, must
		 * still be right.
		 */
		if (!rss_on) {
			if (qid[i] != reta[0] || ((in[i]->ol_flags & RTE_MBUF_F_RX_RSS_HASH) &&
						  in[i]->hash.rss != h)) {
				if (bad++ < 8)
					printf("\n    flow %u: queue %u (single-queue table: %u)\n", s,
					       qid[i], reta[0]);
			}
			continue;
		}
		if (!(in[i]->ol_flags & RTE_MBUF_F_RX_RSS_HASH) || in[i]->hash.rss != h ||
		    qid[i] != want_q) {
			if (bad++ < 8)
				printf("\n    flow %u: queue %u (expected %u), hash flag %d, "
				       "hash 0x%08x (expected 0x%08x)\n", s, qid[i], want_q,
				       !!(in[i]->ol_flags & RTE_MBUF_F_RX_RSS_HASH),
				       in[i]->hash.rss, h);
		}
	}
	if (bad)
		printf("    %u of %u frames on a wrong queue or with a wrong hash\n", bad, got);
	CU_ASSERT_EQUAL(bad, 0);
	th_free_all(in, got);
}

/* 128 IPv4/TCP, 64 IPv6/UDP, 32 IPv4/ICMP (L3 hash), 16 IPv4 fragments. */
static struct rss_case flows[240];

static void
make_flows(void)
{
	unsigned int n = 0;
	char a[64], b[64];

	for (unsigned int i = 0; i < 128; i++, n++) {
		snprintf(a, sizeof(a), "10.%u.%u.1", i / 16, i % 16);
		snprintf(b, sizeof(b), "172.16.%u.%u", i % 7, 200 + i % 50);
		th_flow4(&flows[n].f, IPPROTO_TCP, a, (uint16_t)(1024 + i * 37), b,
			 (uint16_t)(80 + i));
	}
	for (unsigned int i = 0; i < 64; i++, n++) {
		snprintf(a, sizeof(a), "2001:db8:%x::%x", i, i * 3 + 1);
		snprintf(b, sizeof(b), "fd00:%x::2", i * 11);
		th_flow6(&flows[n].f, IPPROTO_UDP, a, (uint16_t)(5000 + i), b, 53);
	}
	for (unsigned int i = 0; i < 32; i++, n++) {
		snprintf(a, sizeof(a), "192.168.%u.%u", i, i + 1);
		th_flow4(&flows[n].f, IPPROTO_ICMP, a, 0, "192.168.200.1", 0);
	}
	for (unsigned int i = 0; i < 16; i++, n++) {
		snprintf(a, sizeof(a), "198.18.%u.9", i);
		th_flow4(&flows[n].f, IPPROTO_UDP, a, 1000, "198.18.100.9", 2000);
		flows[n].f.ip_frag = true;
	}
}

static int
suite_init(void)
{
	struct th_port_conf a = { 0 };

	make_flows();
	return th_ports_setup(&a, &conf_b) == 0 ? 0 : -1;
}

/* Default key (spec §7) and the configured rss_hf are reported back. */
static void
test_default_conf(void)
{
	struct rte_eth_dev_info info;
	struct rte_eth_rss_conf c;
	uint8_t key[40];

	th_dev_info(th.port_b, &info);
	memset(&c, 0, sizeof(c));
	c.rss_key = key;
	c.rss_key_len = 40;
	CU_ASSERT_EQUAL_FATAL(rte_eth_dev_rss_hash_conf_get(th.port_b, &c), 0);
	CU_ASSERT_EQUAL(memcmp(key, th_default_rss_key, 40), 0);
	CU_ASSERT_EQUAL(c.rss_hf, info.flow_type_rss_offloads);
}

/* The default RETA spreads over all 4 queues, and the flows follow it. */
static void
test_default_reta(void)
{
	unsigned int per_q[NQ];
	uint16_t reta[64];
	bool used[NQ] = { false };

	get_reta(th.port_b, reta);
	for (int i = 0; i < 64; i++)
		if (reta[i] < NQ)
			used[reta[i]] = true;
	for (int q = 0; q < NQ; q++)
		CU_ASSERT(used[q]);
	check_flows(flows, RTE_DIM(flows), per_q);
	for (int q = 0; q < NQ; q++) {
		printf("%s q%d=%u", q ? "" : "\n    per queue:", q, per_q[q]);
		CU_ASSERT(per_q[q] > 0);
	}
	printf("\n");
}

/*
 * reta_update (full table) while stopped; expect its return value, and on
 * success the table reported back.
 */
static void
set_reta(uint16_t (*fn)(unsigned int j), int expect)
{
	struct rte_eth_rss_reta_entry64 r[1];
	uint16_t before[64], back[64];

	get_reta(th.port_b, before);
	memset(r, 0, sizeof(r));
	r[0].mask = UINT64_MAX;
	for (unsigned int j = 0; j < 64; j++)
		r[0].reta[j] = fn(j);
	CU_ASSERT_EQUAL(rte_eth_dev_stop(th.port_b), 0);
	CU_ASSERT_EQUAL(rte_eth_dev_rss_reta_update(th.port_b, r, 64), expect);
	CU_ASSERT_EQUAL_FATAL(rte_eth_dev_start(th.port_b), 0);
	get_reta(th.port_b, back);
	for (unsigned int j = 0; j < 64; j++)
		CU_ASSERT_EQUAL(back[j], expect == 0 ? fn(j) : before[j]);
}

/*
 * The hardware steers with a table of 2^k distinct WQs repeated over the 64
 * entries (spec §1.7, §1.8: each WQ of the indirection table becomes one
 * hardware RQ object, so a WQ cannot appear twice).  A RETA is therefore
 * expressible when it is periodic with a power-of-two period whose entries
 * are distinct queues; anything else is refused with -EINVAL.
 */
static uint16_t reta_mix(unsigned int j) { return (uint16_t)((j * 7 + 3) % NQ); }	/* 3,2,1,0 */
static uint16_t reta_rev(unsigned int j) { return (uint16_t)(NQ - 1 - j % NQ); }	/* 3,2,1,0 */
static uint16_t reta_pair(unsigned int j) { return j % 2 ? 0 : 2; }			/* 2,0 */
static uint16_t reta_single(unsigned int j) { (void)j; return 1; }
static uint16_t reta_one_off(unsigned int j) { return j == 17 ? 3 : 1; }		/* not periodic */
static uint16_t reta_dup(unsigned int j) { return (uint16_t)(j % 4 == 3 ? 0 : j % 4); } /* 0,1,2,0 */

static void
test_reta_update(void)
{
	unsigned int per_q[NQ];

	set_reta(reta_mix, 0);
	check_flows(flows, RTE_DIM(flows), per_q);
	for (int q = 0; q < NQ; q++)
		CU_ASSERT(per_q[q] > 0);
	set_reta(reta_rev, 0);
	check_flows(flows, RTE_DIM(flows), NULL);
	set_reta(reta_pair, 0);
	check_flows(flows, RTE_DIM(flows), per_q);
	CU_ASSERT_EQUAL(per_q[1] + per_q[3], 0);
	CU_ASSERT(per_q[0] > 0 && per_q[2] > 0);
	set_reta(reta_single, 0);
	check_flows(flows, RTE_DIM(flows), per_q);
	CU_ASSERT_EQUAL(per_q[1], RTE_DIM(flows));
	/* not expressible: refused, table unchanged */
	set_reta(reta_one_off, -EINVAL);
	set_reta(reta_dup, -EINVAL);
	check_flows(flows, RTE_DIM(flows), per_q);
	CU_ASSERT_EQUAL(per_q[1], RTE_DIM(flows));

	/* a masked update changes only the masked entries: 3,2,1,0 -> 3,1,2,0 */
	set_reta(reta_mix, 0);
	{
		struct rte_eth_rss_reta_entry64 r[1];
		uint16_t back[64];

		memset(r, 0, sizeof(r));
		for (unsigned int j = 0; j < 64; j++)
			if (j % 4 == 1 || j % 4 == 2) {
				r[0].mask |= 1ull << j;
				r[0].reta[j] = (uint16_t)(j % 4);
			}
		CU_ASSERT_EQUAL(rte_eth_dev_stop(th.port_b), 0);
		CU_ASSERT_EQUAL(rte_eth_dev_rss_reta_update(th.port_b, r, 64), 0);
		CU_ASSERT_EQUAL_FATAL(rte_eth_dev_start(th.port_b), 0);
		get_reta(th.port_b, back);
		for (unsigned int j = 0; j < 64; j++)
			CU_ASSERT_EQUAL(back[j], (j % 4 == 1 || j % 4 == 2) ? j % 4 : reta_mix(j));
		check_flows(flows, RTE_DIM(flows), NULL);
	}
	/* invalid: an entry beyond the queue count, wrong table sizes */
	{
		struct rte_eth_rss_reta_entry64 r[2];

		memset(r, 0, sizeof(r));
		r[0].mask = 1;
		r[0].reta[0] = NQ;
		CU_ASSERT_EQUAL(rte_eth_dev_stop(th.port_b), 0);
		CU_ASSERT_EQUAL(rte_eth_dev_rss_reta_update(th.port_b, r, 64), -EINVAL);
		memset(r, 0, sizeof(r));
		r[0].mask = r[1].mask = UINT64_MAX;
		CU_ASSERT_EQUAL(rte_eth_dev_rss_reta_update(th.port_b, r, 128), -EINVAL);
		CU_ASSERT_EQUAL(rte_eth_dev_rss_reta_query(th.port_b, r, 32), -EINVAL);
		CU_ASSERT_EQUAL_FATAL(rte_eth_dev_start(th.port_b), 0);
	}
	/*
	 * While started: applying it is optional (issue 3: "while stopped at
	 * least"); a PMD that refuses must say -EBUSY and keep the old table,
	 * one that accepts must steer by the new table at once.
	 */
	{
		struct rte_eth_rss_reta_entry64 r[1];
		uint16_t back[64];
		int ret;

		memset(r, 0, sizeof(r));
		r[0].mask = UINT64_MAX;
		for (unsigned int j = 0; j < 64; j++)
			r[0].reta[j] = reta_rev(j);
		ret = rte_eth_dev_rss_reta_update(th.port_b, r, 64);
		printf("\n    reta_update on a started port: %d\n", ret);
		CU_ASSERT(ret == 0 || ret == -EBUSY);
		get_reta(th.port_b, back);
		for (unsigned int j = 0; j < 64; j++)
			CU_ASSERT_EQUAL(back[j], ret == 0 ? reta_rev(j) :
				       (j % 4 == 1 || j % 4 == 2) ? j % 4 : reta_mix(j));
		check_flows(flows, RTE_DIM(flows), NULL);
	}
	set_reta(reta_mix, 0);
}

/* Spec §7.4: with Microsoft's key the device's hashes are the published ones. */
/*
 * Append to cs the TCP and UDP flows of vector v with its published L4 hash
 * and its ICMP (ICMPv6) flow with its L3 hash.
 */
static void
add_ms_vector(struct rss_case *cs, unsigned int *n, uint8_t ip_ver, const struct th_rss_vector *v)
{
	void (*fill)(struct th_flow *, uint8_t, const char *, uint16_t, const char *, uint16_t) =
		ip_ver == 4 ? th_flow4 : th_flow6;

	fill(&cs[*n].f, IPPROTO_TCP, v->src, v->sport, v->dst, v->dport);
	cs[(*n)++].want_hash = v->l4;
	fill(&cs[*n].f, IPPROTO_UDP, v->src, v->sport, v->dst, v->dport);
	cs[(*n)++].want_hash = v->l4;
	fill(&cs[*n].f, ip_ver == 4 ? IPPROTO_ICMP : IPPROTO_ICMPV6, v->src, 0, v->dst, 0);
	cs[(*n)++].want_hash = v->l3;
}

/* Spec §7.4: with Microsoft's key the device's hashes are the published ones. */
static void
test_key_update_ms_vectors(void)
{
	struct rss_case cs[32];
	struct rte_eth_rss_conf c;
	uint8_t key[40];
	unsigned int n = 0;

	memset(&c, 0, sizeof(c));
	c.rss_key = (uint8_t *)(uintptr_t)th_ms_rss_key;
	c.rss_key_len = 40;
	c.rss_hf = RTE_ETH_RSS_IPV4 | RTE_ETH_RSS_NONFRAG_IPV4_TCP | RTE_ETH_RSS_NONFRAG_IPV4_UDP |
		   RTE_ETH_RSS_IPV6 | RTE_ETH_RSS_NONFRAG_IPV6_TCP | RTE_ETH_RSS_NONFRAG_IPV6_UDP;
	CU_ASSERT_EQUAL(rte_eth_dev_stop(th.port_b), 0);
	CU_ASSERT_EQUAL(rte_eth_dev_rss_hash_update(th.port_b, &c), 0);
	CU_ASSERT_EQUAL_FATAL(rte_eth_dev_start(th.port_b), 0);
	get_key(th.port_b, key);
	CU_ASSERT_EQUAL(memcmp(key, th_ms_rss_key, 40), 0);

	memset(cs, 0, sizeof(cs));
	for (size_t i = 0; i < TH_MS_VECTORS4; i++)
		add_ms_vector(cs, &n, 4, &th_ms_vectors4[i]);
	for (size_t i = 0; i < TH_MS_VECTORS6; i++)
		add_ms_vector(cs, &n, 6, &th_ms_vectors6[i]);
	check_flows(cs, n, NULL);
	/* the generic flows follow the new key too */
	check_flows(flows, RTE_DIM(flows), NULL);

	/* a key of the wrong length is refused and the key is unchanged */
	{
		uint8_t badkey[52];

		memset(badkey, 1, sizeof(badkey));
		c.rss_key = badkey;
		c.rss_key_len = sizeof(badkey);
		CU_ASSERT_EQUAL(rte_eth_dev_stop(th.port_b), 0);
		CU_ASSERT_EQUAL(rte_eth_dev_rss_hash_update(th.port_b, &c), -EINVAL);
		CU_ASSERT_EQUAL_FATAL(rte_eth_dev_start(th.port_b), 0);
		get_key(th.port_b, key);
		CU_ASSERT_EQUAL(memcmp(key, th_ms_rss_key, 40), 0);
	}
}

/* Non-IP frames are not hashed and all land on one (the default) queue. */
static void
test_non_ip(void)
{
	static uint8_t frame[128];
	struct rte_mbuf *out[16], *in[16 + 32];
	uint16_t qid[16 + 32];
	struct th_flow f;
	unsigned int got;

	memset(&f, 0, sizeof(f));
	for (unsigned int i = 0; i < 16; i++) {
		th_build(frame, 100 + i, &th.mac_a, &th.mac_b, &f, 900 + i, NULL);
		out[i] = th_mbuf(th.pool, frame, 100 + i);
	}
	CU_ASSERT_EQUAL_FATAL(th_tx_all(th.port_a, 0, out, 16), 16);
	got = th_rx_wait_multi(th.port_b, NQ, in, qid, 16);
	CU_ASSERT_EQUAL(got, 16);
	for (unsigned int i = 0; i < got; i++) {
		CU_ASSERT_EQUAL(in[i]->ol_flags & RTE_MBUF_F_RX_RSS_HASH, 0);
		CU_ASSERT_EQUAL(qid[i], qid[0]);
		CU_ASSERT_EQUAL(th_seq_of(in[i]), 900 + i);	/* in order on that queue */
	}
	th_free_all(in, got);
}

/*
 * Queue counts other than equal powers of two (issue 3): a PMD may support
 * them by filling the 64-entry table from the RETA; if configure accepts a
 * count the traffic must follow the RETA, otherwise it must refuse with
 * -EINVAL.
 */
static void
test_unusual_queue_counts(void)
{
	static const uint16_t c[][2] = { { 3, 3 }, { 2, 1 }, { 4, 2 }, { 1, 2 } };

	for (size_t i = 0; i < RTE_DIM(c); i++) {
		struct th_port_conf pc = conf_b;
		int ret;

		pc.nb_rxq = c[i][0];
		pc.nb_txq = c[i][1];
		pc.rss = c[i][0] > 1;
		if (!pc.rss)
			pc.rx_offloads &= ~RTE_ETH_RX_OFFLOAD_RSS_HASH;
		ret = th_port_setup(th.port_b, &pc);
		printf("\n    %u RX / %u TX queues: %d", c[i][0], c[i][1], ret);
		if (ret != 0) {
			CU_ASSERT_EQUAL(ret, -EINVAL);
			continue;
		}
		conf_b.nb_rxq = c[i][0];
		if (pc.rss)
			check_flows(flows, RTE_DIM(flows), NULL);
		else
			CU_ASSERT_EQUAL(th_send_expect(th.port_a, th.port_b, 8, 64, 64, 0, NULL), 8);
		/* B transmits on its last TX queue */
		{
			static uint8_t frame[128];
			struct rte_mbuf *m, *in[33];
			struct th_flow f;

			th_flow4(&f, IPPROTO_UDP, "10.0.0.2", 1, "10.0.0.1", 2);
			th_build(frame, 128, &th.mac_b, &th.mac_a, &f, 77, NULL);
			m = th_mbuf(th.pool, frame, 128);
			CU_ASSERT_EQUAL(th_tx_all(th.port_b, (uint16_t)(c[i][1] - 1), &m, 1), 1);
			CU_ASSERT_EQUAL(th_rx_wait(th.port_a, 0, in, 1), 1);
			th_free_all(in, 1);
		}
		conf_b.nb_rxq = NQ;
	}
	printf("\n");
	CU_ASSERT_EQUAL(th_port_setup(th.port_b, &conf_b), 0);
}

static CU_TestInfo tests[] = {
	{ "default key and rss_hf reported", test_default_conf },
	{ "flows follow Toeplitz + default RETA (4 queues)", test_default_reta },
	{ "reta_update (full, partial, invalid)", test_reta_update },
	{ "rss_hash_update: spec 7.4 vectors exact", test_key_update_ms_vectors },
	{ "non-IP frames: no hash, one queue", test_non_ip },
	{ "unequal / non-power-of-two queue counts", test_unusual_queue_counts },
	CU_TEST_INFO_NULL,
};

TH_MAIN(.prog = "rss", .name = "ethdev-rss", .init = suite_init, .tests = tests)
