/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * net_mana control path on the soft-NIC (issue 3 "Control path", spec §1.12,
 * §7, §8): honest dev_info limits, link, invalid configurations rejected with
 * -EINVAL, promiscuous/allmulticast/MAC changes -ENOTSUP, basic stats exact,
 * xstats names, configure/start/stop cycles with traffic, mbuf accounting
 * after stop and after close, and close itself.
 *
 * The tests run in order; the last one closes both ports.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <netinet/in.h>

#include "harness.h"

static unsigned int
pool_in_use(void)
{
	return rte_mempool_in_use_count(th.pool);
}

/* dev_info reports the limits of spec §1.12 (rc44 default profile) and §8. */
static void
test_dev_info(void)
{
	const uint64_t rss = RTE_ETH_RSS_IPV4 | RTE_ETH_RSS_NONFRAG_IPV4_TCP |
			     RTE_ETH_RSS_NONFRAG_IPV4_UDP | RTE_ETH_RSS_IPV6 |
			     RTE_ETH_RSS_NONFRAG_IPV6_TCP | RTE_ETH_RSS_NONFRAG_IPV6_UDP;
	const uint64_t rxo = RTE_ETH_RX_OFFLOAD_IPV4_CKSUM | RTE_ETH_RX_OFFLOAD_TCP_CKSUM |
			     RTE_ETH_RX_OFFLOAD_UDP_CKSUM | RTE_ETH_RX_OFFLOAD_VLAN_STRIP |
			     RTE_ETH_RX_OFFLOAD_RSS_HASH;
	const uint64_t txo = RTE_ETH_TX_OFFLOAD_IPV4_CKSUM | RTE_ETH_TX_OFFLOAD_TCP_CKSUM |
			     RTE_ETH_TX_OFFLOAD_UDP_CKSUM | RTE_ETH_TX_OFFLOAD_VLAN_INSERT |
			     RTE_ETH_TX_OFFLOAD_MULTI_SEGS;
	struct rte_eth_dev_info info;
	uint16_t ports[2] = { th.port_a, th.port_b };

	for (int i = 0; i < 2; i++) {
		th_dev_info(ports[i], &info);
		CU_ASSERT_STRING_EQUAL(info.driver_name, "net_mana");
		/* rdma-core 44: a queue holds at most 256 descriptors (§1.12) */
		CU_ASSERT_EQUAL(info.rx_desc_lim.nb_max, 256);
		CU_ASSERT_EQUAL(info.tx_desc_lim.nb_max, 256);
		/* MANA needs at least 64 TX descriptors */
		CU_ASSERT_EQUAL(info.tx_desc_lim.nb_min, 64);
		CU_ASSERT(info.rx_desc_lim.nb_min >= 1 && info.rx_desc_lim.nb_min <= 64);
		CU_ASSERT(info.max_rx_queues >= 4 && info.max_rx_queues <= 64);
		CU_ASSERT(info.max_tx_queues >= 4 && info.max_tx_queues <= 64);
		CU_ASSERT_EQUAL(info.hash_key_size, 40);
		CU_ASSERT_EQUAL(info.reta_size, 64);
		CU_ASSERT_EQUAL(info.flow_type_rss_offloads & rss, rss);
		CU_ASSERT_EQUAL(info.rx_offload_capa & rxo, rxo);
		CU_ASSERT_EQUAL(info.tx_offload_capa & txo, txo);
		/* §8: no TSO, no LRO */
		CU_ASSERT_EQUAL(info.tx_offload_capa & RTE_ETH_TX_OFFLOAD_TCP_TSO, 0);
		CU_ASSERT_EQUAL(info.rx_offload_capa & RTE_ETH_RX_OFFLOAD_TCP_LRO, 0);
		CU_ASSERT_EQUAL(info.max_mtu, 9000);
		CU_ASSERT_EQUAL(info.min_mtu, 68);
		CU_ASSERT_EQUAL(info.max_mac_addrs, 1);
		CU_ASSERT(info.max_rx_pktlen >= 9014);
		/* applications asking for the default ring get a valid one */
		CU_ASSERT(info.default_rxportconf.ring_size >= info.rx_desc_lim.nb_min &&
			  info.default_rxportconf.ring_size <= info.rx_desc_lim.nb_max);
		CU_ASSERT(info.default_txportconf.ring_size >= info.tx_desc_lim.nb_min &&
			  info.default_txportconf.ring_size <= info.tx_desc_lim.nb_max);
	}
}

static struct th_port_conf basic = { .nb_rxq = 1, .nb_txq = 1 };

/* Both ports with the basic configuration (a fatal assertion each). */
static void
setup_basic(void)
{
	CU_ASSERT_EQUAL_FATAL(th_port_setup(th.port_a, &basic), 0);
	CU_ASSERT_EQUAL_FATAL(th_port_setup(th.port_b, &basic), 0);
}

/* Link is reported up once started (spec §8: no carrier concept). */
static void
test_link(void)
{
	struct rte_eth_link link;

	setup_basic();
	memset(&link, 0, sizeof(link));
	CU_ASSERT_EQUAL(rte_eth_link_get_nowait(th.port_a, &link), 0);
	CU_ASSERT_EQUAL(link.link_status, RTE_ETH_LINK_UP);
	CU_ASSERT_EQUAL(link.link_duplex, RTE_ETH_LINK_FULL_DUPLEX);
	CU_ASSERT(link.link_speed > 0);
}

/* Basic stats: exact packets and bytes on both sides; reset zeroes them. */
static void
test_stats_exact(void)
{
	struct rte_eth_stats sa, sb;
	uint64_t bytes = 0;
	const unsigned int n = 100;

	CU_ASSERT_EQUAL(rte_eth_stats_reset(th.port_a), 0);
	CU_ASSERT_EQUAL(rte_eth_stats_reset(th.port_b), 0);
	CU_ASSERT_EQUAL(th_send_expect(th.port_a, th.port_b, n, 60, 1514, 0, &bytes), n);
	CU_ASSERT_EQUAL(rte_eth_stats_get(th.port_a, &sa), 0);
	CU_ASSERT_EQUAL(rte_eth_stats_get(th.port_b, &sb), 0);
	CU_ASSERT_EQUAL(sa.opackets, n);
	CU_ASSERT_EQUAL(sa.obytes, bytes);
	CU_ASSERT_EQUAL(sa.oerrors, 0);
	CU_ASSERT_EQUAL(sa.q_opackets[0], n);
	CU_ASSERT_EQUAL(sa.q_obytes[0], bytes);
	CU_ASSERT_EQUAL(sb.ipackets, n);
	CU_ASSERT_EQUAL(sb.ibytes, bytes);
	CU_ASSERT_EQUAL(sb.ierrors, 0);
	CU_ASSERT_EQUAL(sb.rx_nombuf, 0);
	CU_ASSERT_EQUAL(sb.q_ipackets[0], n);
	CU_ASSERT_EQUAL(sb.q_ibytes[0], bytes);
	/* nothing was sent the other way */
	CU_ASSERT_EQUAL(sa.ipackets, 0);
	CU_ASSERT_EQUAL(sb.opackets, 0);

	CU_ASSERT_EQUAL(rte_eth_stats_reset(th.port_a), 0);
	CU_ASSERT_EQUAL(rte_eth_stats_reset(th.port_b), 0);
	CU_ASSERT_EQUAL(rte_eth_stats_get(th.port_a, &sa), 0);
	CU_ASSERT_EQUAL(rte_eth_stats_get(th.port_b, &sb), 0);
	CU_ASSERT_EQUAL(sa.opackets + sa.obytes + sb.ipackets + sb.ibytes, 0);
	CU_ASSERT_EQUAL(sa.q_opackets[0] + sb.q_ipackets[0], 0);
}

/*
 * xstats: the generic ethdev names and the PMD's per-queue counters named in
 * issue 3 (CQEs by type, coalesced CQEs, TX error types, doorbells, refill
 * failures).  The PMD-specific part looks the names up by their terms.
 */
static void
test_xstats_names(void)
{
	const char *generic[] = { "rx_good_packets", "tx_good_packets", "rx_good_bytes",
				  "tx_good_bytes", "rx_errors", "tx_errors",
				  "rx_mbuf_allocation_errors", "rx_q0_packets", "tx_q0_packets" };

	for (size_t i = 0; i < RTE_DIM(generic); i++) {
		int64_t v = th_xstat(th.port_b, generic[i]);

		if (v < 0)
			printf("\n    missing xstat %s\n", generic[i]);
		CU_ASSERT(v >= 0);
	}
	/* PMD counters of RX queue 0 and TX queue 0 (issue 3: CQEs by type,
	 * coalesced CQEs, TX error types, doorbells, refill failures) */
	{
		static const char *const pmd[] = {
			"rx_q0_cqe_rx_okay", "rx_q0_cqe_rx_coalesced", "rx_q0_coalesced_packets",
			"rx_q0_cqe_rx_truncated", "rx_q0_cqe_unknown", "rx_q0_nombuf",
			"rx_q0_refill_failures", "rx_q0_doorbells", "rx_q0_cq_doorbells",
			"tx_q0_cqe_tx_okay", "tx_q0_cqe_tx_sa_drop", "tx_q0_cqe_tx_mtu_drop",
			"tx_q0_cqe_tx_invalid_oob", "tx_q0_cqe_tx_invalid_eth_type",
			"tx_q0_cqe_tx_hdr_processing_error", "tx_q0_cqe_tx_vf_disabled",
			"tx_q0_cqe_tx_vport_idx_out_of_range", "tx_q0_cqe_tx_vport_disabled",
			"tx_q0_cqe_tx_vlan_tagging_violation", "tx_q0_doorbells",
		};

		for (size_t i = 0; i < RTE_DIM(pmd); i++) {
			int64_t v = th_xstat(th.port_b, pmd[i]);

			if (v < 0)
				printf("\n    missing xstat %s\n", pmd[i]);
			CU_ASSERT(v >= 0);
		}
	}
	/* The exchange of the previous test moved the CQE counters. */
	CU_ASSERT_EQUAL(rte_eth_xstats_reset(th.port_a), 0);
	CU_ASSERT_EQUAL(rte_eth_xstats_reset(th.port_b), 0);
	CU_ASSERT_EQUAL(th_send_expect(th.port_a, th.port_b, 8, 64, 64, 0, NULL), 8);
	CU_ASSERT(th_xstat_sum(th.port_b, "rx_q0_cqe_", NULL) >= 2);	/* >= 8/4 CQEs */
	CU_ASSERT(th_xstat(th.port_b, "rx_q0_doorbells") >= 1);
	CU_ASSERT(th_xstat(th.port_a, "tx_q0_doorbells") >= 1);
	/* one burst of 8 sent by th_send_expect: one SQ doorbell, <= 8 CQEs */
	CU_ASSERT_EQUAL(th_xstat(th.port_a, "tx_q0_doorbells"), 1);
	CU_ASSERT_EQUAL(th_xstat(th.port_b, "rx_q0_packets"), 8);
	CU_ASSERT_EQUAL(th_xstat(th.port_a, "tx_q0_packets"), 8);
}

/* -ENOTSUP for what the hardware does not have (spec §8). */
static void
test_enotsup(void)
{
	struct rte_ether_addr other = { { 0x02, 0, 0, 0, 0, 0x42 } };
	struct rte_ether_addr mac;
	int ret;

	CU_ASSERT_EQUAL(rte_eth_promiscuous_enable(th.port_a), -ENOTSUP);
	CU_ASSERT_EQUAL(rte_eth_promiscuous_get(th.port_a), 0);
	CU_ASSERT_EQUAL(rte_eth_allmulticast_enable(th.port_a), -ENOTSUP);
	CU_ASSERT_EQUAL(rte_eth_allmulticast_get(th.port_a), 0);
	CU_ASSERT_EQUAL(rte_eth_dev_default_mac_addr_set(th.port_a, &other), -ENOTSUP);
	/*
	 * mac_addr_add: with max_mac_addrs = 1 the ethdev layer itself answers
	 * -ENOSPC (table full) before asking the PMD; -ENOTSUP from the PMD is
	 * the other acceptable refusal.
	 */
	ret = rte_eth_dev_mac_addr_add(th.port_a, &other, 0);
	if (ret != -ENOTSUP && ret != -ENOSPC)
		printf("\n    mac_addr_add: %d\n", ret);
	CU_ASSERT(ret == -ENOTSUP || ret == -ENOSPC);
	CU_ASSERT_EQUAL(rte_eth_macaddr_get(th.port_a, &mac), 0);
	CU_ASSERT(rte_is_same_ether_addr(&mac, &th.mac_a));
	/* traffic still flows */
	CU_ASSERT_EQUAL(th_send_expect(th.port_a, th.port_b, 4, 60, 60, 0, NULL), 4);
}

/* MTU of soft-NIC port `port` as the device reports it ("status"), or -1. */
static int
device_mtu(unsigned int port)
{
	const char *ans = th_ctl("status");
	char key[64];
	const char *p;

	if (ans == NULL)
		return -1;
	snprintf(key, sizeof(key), "adapter0.port%u ", port);
	p = strstr(ans, key);
	if (p == NULL || (p = strstr(p, "mtu=")) == NULL)
		return -1;
	return atoi(p + 4);
}

/*
 * mtu_set (spec §8: the vPort MTU, set through the port's kernel netdev)
 * takes effect in the device: with MTU 1000 on port A a 1200-byte frame
 * posted without tx_prepare is dropped by the device (CQE_TX_MTU_DROP,
 * counted), with 1500 again it is sent.
 */
static void
test_mtu(void)
{
	static uint8_t frame[1200];
	struct rte_mbuf *m, *in[33];
	struct th_flow f;
	uint16_t mtu = 0;
	int64_t drops0;

	setup_basic();
	CU_ASSERT_EQUAL(rte_eth_dev_set_mtu(th.port_a, 1000), 0);
	CU_ASSERT_EQUAL(rte_eth_dev_get_mtu(th.port_a, &mtu), 0);
	CU_ASSERT_EQUAL(mtu, 1000);
	printf("\n    device MTU of port 0 after mtu_set(1000): %d\n", device_mtu(0));
	CU_ASSERT_EQUAL(device_mtu(0), 1000);

	th_flow4(&f, IPPROTO_UDP, "10.3.0.1", 1, "10.3.0.2", 2);
	th_build(frame, sizeof(frame), &th.mac_a, &th.mac_b, &f, 1, NULL);
	drops0 = th_xstat(th.port_a, "tx_q0_cqe_tx_mtu_drop");
	m = th_mbuf(th.pool, frame, sizeof(frame));
	CU_ASSERT_EQUAL(th_tx_all(th.port_a, 0, &m, 1), 1);
	/* a frame that fits, after it, shows the device processed both */
	CU_ASSERT_EQUAL(th_send_expect(th.port_a, th.port_b, 1, 100, 100, 2, NULL), 1);
	CU_ASSERT_EQUAL(th_rx_drain(th.port_b, 1, 20), 0);
	CU_ASSERT_EQUAL(th_send_expect(th.port_a, th.port_b, 1, 100, 100, 3, NULL), 1);
	CU_ASSERT_EQUAL(th_xstat(th.port_a, "tx_q0_cqe_tx_mtu_drop"), drops0 + 1);

	CU_ASSERT_EQUAL(rte_eth_dev_set_mtu(th.port_a, 1500), 0);
	CU_ASSERT_EQUAL(device_mtu(0), 1500);
	m = th_mbuf(th.pool, frame, sizeof(frame));
	CU_ASSERT_EQUAL(th_tx_all(th.port_a, 0, &m, 1), 1);
	CU_ASSERT_EQUAL(th_rx_wait(th.port_b, 0, in, 1), 1);
	CU_ASSERT(th_mbuf_equal(in[0], frame, sizeof(frame), "1200-byte frame with MTU 1500"));
	rte_pktmbuf_free(in[0]);
}

/* Invalid configurations are rejected with -EINVAL (spec §1.12 limits). */
static void
test_invalid_config(void)
{
	struct rte_eth_dev_info info;
	struct rte_eth_conf conf;
	uint8_t key[52];
	uint16_t p = th.port_b;
	int ret;

	th_dev_info(p, &info);
	CU_ASSERT_EQUAL(rte_eth_dev_stop(p), 0);

	memset(&conf, 0, sizeof(conf));
	CU_ASSERT_EQUAL(rte_eth_dev_configure(p, info.max_rx_queues + 1, 1, &conf), -EINVAL);
	CU_ASSERT_EQUAL(rte_eth_dev_configure(p, 1, info.max_tx_queues + 1, &conf), -EINVAL);

	conf.rxmode.offloads = RTE_ETH_RX_OFFLOAD_TCP_LRO;
	CU_ASSERT_EQUAL(rte_eth_dev_configure(p, 1, 1, &conf), -EINVAL);
	conf.rxmode.offloads = 0;
	conf.txmode.offloads = RTE_ETH_TX_OFFLOAD_TCP_TSO;
	CU_ASSERT_EQUAL(rte_eth_dev_configure(p, 1, 1, &conf), -EINVAL);
	conf.txmode.offloads = 0;

	conf.rxmode.mq_mode = RTE_ETH_MQ_RX_RSS;
	conf.rx_adv_conf.rss_conf.rss_hf = RTE_ETH_RSS_NONFRAG_IPV4_SCTP;
	if ((info.flow_type_rss_offloads & RTE_ETH_RSS_NONFRAG_IPV4_SCTP) == 0)
		CU_ASSERT_EQUAL(rte_eth_dev_configure(p, 1, 1, &conf), -EINVAL);
	conf.rx_adv_conf.rss_conf.rss_hf = RTE_ETH_RSS_IPV4;
	memset(key, 0x5a, sizeof(key));
	conf.rx_adv_conf.rss_conf.rss_key = key;
	conf.rx_adv_conf.rss_conf.rss_key_len = sizeof(key);	/* not 40 */
	CU_ASSERT_EQUAL(rte_eth_dev_configure(p, 1, 1, &conf), -EINVAL);
	memset(&conf, 0, sizeof(conf));

	conf.rxmode.mtu = 9001;
	CU_ASSERT_EQUAL(rte_eth_dev_configure(p, 1, 1, &conf), -EINVAL);
	conf.rxmode.mtu = 0;

	/* descriptor counts */
	CU_ASSERT_EQUAL_FATAL(rte_eth_dev_configure(p, 1, 1, &conf), 0);
	CU_ASSERT_EQUAL(rte_eth_rx_queue_setup(p, 0, 512, 0, NULL, th.pool), -EINVAL);
	CU_ASSERT_EQUAL(rte_eth_rx_queue_setup(p, 0, 257, 0, NULL, th.pool), -EINVAL);
	CU_ASSERT_EQUAL(rte_eth_tx_queue_setup(p, 0, 512, 0, NULL), -EINVAL);
	CU_ASSERT_EQUAL(rte_eth_tx_queue_setup(p, 0, 32, 0, NULL), -EINVAL);
	CU_ASSERT_EQUAL(rte_eth_tx_queue_setup(p, 0, 63, 0, NULL), -EINVAL);
	CU_ASSERT_EQUAL(rte_eth_dev_set_mtu(p, 9001), -EINVAL);
	CU_ASSERT_EQUAL(rte_eth_dev_set_mtu(p, 67), -EINVAL);

	/* starting with a queue that was never set up fails cleanly */
	CU_ASSERT_EQUAL_FATAL(rte_eth_dev_configure(p, 2, 2, &conf), 0);
	CU_ASSERT_EQUAL(rte_eth_rx_queue_setup(p, 0, 256, 0, NULL, th.pool), 0);
	CU_ASSERT_EQUAL(rte_eth_tx_queue_setup(p, 0, 256, 0, NULL), 0);
	ret = rte_eth_dev_start(p);
	if (ret == 0)
		printf("\n    start succeeded with queues 1 not set up\n");
	CU_ASSERT(ret < 0);
	rte_eth_dev_stop(p);

	/* the port still works with a valid configuration */
	CU_ASSERT_EQUAL_FATAL(th_port_setup(p, &basic), 0);
	CU_ASSERT_EQUAL(th_send_expect(th.port_a, th.port_b, 4, 60, 60, 0, NULL), 4);
}

/*
 * Configure/start/stop cycles with traffic after each start, with changing
 * queue counts; the mbuf pool is back to its starting level after each stop.
 */
static void
test_start_stop_cycles(void)
{
	static const uint16_t nq[] = { 1, 2, 4, 1, 4, 2 };
	unsigned int base;

	CU_ASSERT_EQUAL(th_port_stop(th.port_a), 0);
	CU_ASSERT_EQUAL(th_port_stop(th.port_b), 0);
	base = pool_in_use();
	CU_ASSERT_EQUAL(base, 0);
	for (unsigned int i = 0; i < 30; i++) {
		struct th_port_conf c = { .nb_rxq = nq[i % RTE_DIM(nq)],
					  .nb_txq = nq[i % RTE_DIM(nq)],
					  .rss = nq[i % RTE_DIM(nq)] > 1 };
		unsigned int got;

		if (th_ports_setup(&basic, &c) != 0) {
			CU_FAIL("setup failed");
			break;
		}
		/* B -> A uses B's TX queue 0 and A's single RX queue */
		got = th_send_expect(th.port_b, th.port_a, 8, 60, 200, i * 100, NULL);
		CU_ASSERT_EQUAL(got, 8);
		/* A -> B: with RSS the frames of one flow land on one queue */
		if (c.nb_rxq == 1) {
			got = th_send_expect(th.port_a, th.port_b, 8, 60, 200, i * 100, NULL);
			CU_ASSERT_EQUAL(got, 8);
		}
		th_ports_stop();
		if (pool_in_use() != base) {
			printf("\n    cycle %u: %u mbufs in use after stop, expected %u\n", i,
			       pool_in_use(), base);
			CU_FAIL("mbufs leaked over start/stop");
			break;
		}
	}
}

/* Started ports own RX mbufs; after traffic and stop the pool is full again. */
static void
test_mbuf_accounting(void)
{
	unsigned int base = pool_in_use();

	CU_ASSERT_EQUAL(base, 0);
	setup_basic();
	CU_ASSERT(pool_in_use() > base);	/* RX rings are filled */
	CU_ASSERT_EQUAL(th_send_expect(th.port_a, th.port_b, 500, 60, 1514, 0, NULL), 500);
	CU_ASSERT_EQUAL(th_send_expect(th.port_b, th.port_a, 500, 60, 1514, 0, NULL), 500);
	th_ports_stop();
	CU_ASSERT_EQUAL(pool_in_use(), base);
	/* start again, send, and leave the ports started for close */
	CU_ASSERT_EQUAL_FATAL(rte_eth_dev_start(th.port_a), 0);
	CU_ASSERT_EQUAL_FATAL(rte_eth_dev_start(th.port_b), 0);
	CU_ASSERT_EQUAL(th_send_expect(th.port_a, th.port_b, 50, 60, 1514, 0, NULL), 50);
}

/* Close of started ports releases every mbuf (and completes). */
static void
test_close(void)
{
	CU_ASSERT_EQUAL(rte_eth_dev_stop(th.port_a), 0);
	CU_ASSERT_EQUAL(rte_eth_dev_close(th.port_a), 0);
	CU_ASSERT_EQUAL(rte_eth_dev_stop(th.port_b), 0);
	CU_ASSERT_EQUAL(rte_eth_dev_close(th.port_b), 0);
	CU_ASSERT_EQUAL(pool_in_use(), 0);
	CU_ASSERT_FALSE(rte_eth_dev_is_valid_port(th.port_a));
	CU_ASSERT_FALSE(rte_eth_dev_is_valid_port(th.port_b));
}

static CU_TestInfo tests[] = {
	{ "dev_info limits and capabilities (spec 1.12, 7, 8)", test_dev_info },
	{ "link up after start", test_link },
	{ "basic stats exact, reset", test_stats_exact },
	{ "xstats names and counters", test_xstats_names },
	{ "promiscuous/allmulticast/MAC changes -ENOTSUP", test_enotsup },
	{ "mtu_set reaches the device (MTU drop, then sent)", test_mtu },
	{ "invalid configurations rejected with -EINVAL", test_invalid_config },
	{ "configure/start/stop cycles with traffic", test_start_stop_cycles },
	{ "mbuf accounting after stop", test_mbuf_accounting },
	{ "close releases everything", test_close },
	CU_TEST_INFO_NULL,
};

TH_MAIN(.prog = "control", .name = "ethdev-control", .tests = tests)
