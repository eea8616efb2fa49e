/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * net_mana removal on the soft-NIC (spec §9, issue 3 "Removal"): with
 * intr_conf.rmv = 1 and an RTE_ETH_EVENT_INTR_RMV callback registered, the
 * soft-NIC control command "revoke 0" (IBV_EVENT_DEVICE_FATAL on the async fd)
 * must raise RTE_ETH_EVENT_INTR_RMV for both ports; afterwards the burst
 * functions must not touch the device (no crash, nothing received), and
 * stop + close must complete (bounded by an alarm) and release every mbuf.
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <netinet/in.h>

#include <rte_pause.h>

#include "harness.h"

static volatile int rmv_count[RTE_MAX_ETHPORTS];
static volatile int other_events;

static int
on_event(uint16_t port, enum rte_eth_event_type ev, void *arg, void *ret)
{
	(void)arg;
	(void)ret;
	if (ev == RTE_ETH_EVENT_INTR_RMV && port < RTE_MAX_ETHPORTS)
		__atomic_fetch_add(&rmv_count[port], 1, __ATOMIC_SEQ_CST);
	else
		__atomic_fetch_add(&other_events, 1, __ATOMIC_SEQ_CST);
	return 0;
}

static void
on_alarm(int sig)
{
	static const char msg[] = "\nFAIL: revoke test: stop/close did not complete within "
				  "20 s (hang after device removal)\n";
	(void)sig;
	if (write(STDOUT_FILENO, msg, sizeof(msg) - 1) < 0)
		_exit(3);
	_exit(3);
}

static void
test_revoke_rmv_close(void)
{
	struct th_port_conf c = { .intr_rmv = true };
	uint64_t end;
	const char *ans;

	CU_ASSERT_EQUAL_FATAL(rte_eth_dev_callback_register(RTE_ETH_ALL, RTE_ETH_EVENT_INTR_RMV,
							    on_event, NULL), 0);
	CU_ASSERT_EQUAL_FATAL(th_port_setup(th.port_a, &c), 0);
	CU_ASSERT_EQUAL_FATAL(th_port_setup(th.port_b, &c), 0);
	CU_ASSERT_EQUAL(th_send_expect(th.port_a, th.port_b, 64, 60, 1514, 0, NULL), 64);
	CU_ASSERT_EQUAL(th_send_expect(th.port_b, th.port_a, 64, 60, 1514, 0, NULL), 64);
	CU_ASSERT_EQUAL(rmv_count[th.port_a] + rmv_count[th.port_b], 0);

	ans = th_ctl("revoke 0");
	CU_ASSERT_PTR_NOT_NULL_FATAL(ans);
	printf("\n    revoke 0: %s", ans);
	CU_ASSERT_EQUAL(strncmp(ans, "ok", 2), 0);

	end = th_now_ms() + TH_WAIT_MS;
	while ((__atomic_load_n(&rmv_count[th.port_a], __ATOMIC_SEQ_CST) == 0 ||
		__atomic_load_n(&rmv_count[th.port_b], __ATOMIC_SEQ_CST) == 0) &&
	       th_now_ms() < end)
		rte_pause();
	printf("    RMV events: port A %d, port B %d (within %u ms bound)\n",
	       rmv_count[th.port_a], rmv_count[th.port_b], TH_WAIT_MS);
	CU_ASSERT(rmv_count[th.port_a] >= 1);
	CU_ASSERT(rmv_count[th.port_b] >= 1);

	/* the datapath after removal: nothing arrives, nothing crashes */
	{
		struct rte_mbuf *m[32];
		struct th_flow f;
		static uint8_t frame[128];
		uint16_t k;

		for (int i = 0; i < 100; i++) {
			k = rte_eth_rx_burst(th.port_b, 0, m, 32);
			CU_ASSERT_EQUAL(k, 0);
			th_free_all(m, k);
		}
		th_flow4(&f, IPPROTO_UDP, "10.0.0.1", 1, "10.0.0.2", 2);
		th_build(frame, 128, &th.mac_a, &th.mac_b, &f, 1, NULL);
		m[0] = th_mbuf(th.pool, frame, 128);
		k = rte_eth_tx_burst(th.port_a, 0, m, 1);
		if (k == 0)
			rte_pktmbuf_free(m[0]);
	}

	signal(SIGALRM, on_alarm);
	alarm(20);
	CU_ASSERT_EQUAL(rte_eth_dev_stop(th.port_a), 0);
	CU_ASSERT_EQUAL(rte_eth_dev_close(th.port_a), 0);
	CU_ASSERT_EQUAL(rte_eth_dev_stop(th.port_b), 0);
	CU_ASSERT_EQUAL(rte_eth_dev_close(th.port_b), 0);
	alarm(0);
	CU_ASSERT_EQUAL(rte_mempool_in_use_count(th.pool), 0);
	rte_eth_dev_callback_unregister(RTE_ETH_ALL, RTE_ETH_EVENT_INTR_RMV, on_event, NULL);
}

static CU_TestInfo tests[] = {
	{ "revoke: RTE_ETH_EVENT_INTR_RMV, then stop/close complete", test_revoke_rmv_close },
	CU_TEST_INFO_NULL,
};

TH_MAIN(.prog = "revoke", .name = "ethdev-revoke", .tests = tests)
