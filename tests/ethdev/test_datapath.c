/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * net_mana datapath edge cases on the soft-NIC (spec §4.4, §5.3, §5.4, §6):
 *  - coalesced RX completions (bursts of 4 frames; CQE_RX_COALESCED_4 with
 *    coalescing on, none with softnic-run --coalesce off), all frames exact;
 *  - truncation (frame larger than the mbuf data room): dropped, counted,
 *    the ring stays intact;
 *  - rx_nombuf with an exhausted pool, then recovery with no lost ring slot;
 *  - CQ wrap at least 9 times on small (64-entry) rings, RX and TX;
 *  - TX error CQEs from fault injection (softnic control socket
 *    "fault 0 0 tx-error N TYPE") counted per type and in oerrors, also for
 *    WQEs posted with CQE suppression;
 *  - mbuf accounting: every pool back to its starting level after stop.
 * Run with --coalesce on|off matching softnic-run's option.
 */
#include <errno.h>
#include <sched.h>
#include <stdio.h>
#include <string.h>
#include <netinet/in.h>

#include "harness.h"

static uint8_t frame[TH_MAX_FRAME];

/* The test frame of len bytes and sequence number seq from port from to port to. */
static void
build(uint16_t from, uint16_t to, uint32_t len, uint32_t seq)
{
	struct th_flow f;

	th_flow4(&f, IPPROTO_UDP, "10.20.0.1", 7000, "10.20.0.2", 7001);
	th_build(frame, len, th_mac(from), th_mac(to), &f, seq, NULL);
}

static struct rte_mbuf *
mk(uint16_t from, uint16_t to, uint32_t len, uint32_t seq, struct rte_mempool *mp)
{
	build(from, to, len, seq);
	return th_mbuf(mp ? mp : th.pool, frame, len);
}

static bool
is_frame(const struct rte_mbuf *m, uint16_t from, uint16_t to, uint32_t len, uint32_t seq)
{
	build(from, to, len, seq);
	return th_mbuf_equal(m, frame, len, "datapath frame");
}

static int
setup_basic(uint16_t nb_rxd, uint16_t nb_txd)
{
	struct th_port_conf c = { .nb_rxd = nb_rxd, .nb_txd = nb_txd };

	return th_ports_setup(&c, &c);
}

/*
 * End of a test that gave port B its own RX pool mp: stop B, every mbuf of mp
 * is back, B is set up again with the default pool, mp is freed.
 */
static void
release_rx_pool(struct rte_mempool *mp)
{
	CU_ASSERT_EQUAL(rte_eth_dev_stop(th.port_b), 0);
	CU_ASSERT_EQUAL(rte_mempool_in_use_count(mp), 0);
	CU_ASSERT_EQUAL(th_port_setup(th.port_b, &(struct th_port_conf){ 0 }), 0);
	rte_mempool_free(mp);
}

/*
 * Bursts of 4 frames: all received, in order, exact.  With coalescing on the
 * PMD counts coalesced CQEs (> 0) and the CQE count is consistent with 1..4
 * packets per CQE; with coalescing off there is none and one CQE per frame.
 */
static void
test_coalesced_completions(void)
{
	const unsigned int bursts = 100;
	int64_t coal, okay, cpkts;
	unsigned int ok = 0;

	CU_ASSERT_EQUAL_FATAL(setup_basic(0, 0), 0);
	CU_ASSERT_EQUAL(rte_eth_xstats_reset(th.port_b), 0);
	if (th.ctl_path != NULL)
		CU_ASSERT_PTR_NOT_NULL(th_ctl("reset-counters 0"));
	for (unsigned int b = 0; b < bursts; b++) {
		struct rte_mbuf *out[4], *in[4 + 32];
		unsigned int got;

		for (unsigned int i = 0; i < 4; i++)
			out[i] = mk(th.port_a, th.port_b, 64 + 100 * i, b * 4 + i, NULL);
		if (th_tx_all(th.port_a, 0, out, 4) != 4) {
			CU_FAIL("tx");
			break;
		}
		got = th_rx_wait(th.port_b, 0, in, 4);
		CU_ASSERT_EQUAL(got, 4);
		for (unsigned int i = 0; i < got; i++)
			ok += is_frame(in[i], th.port_a, th.port_b, 64 + 100 * i, b * 4 + i);
		th_free_all(in, got);
		if (got != 4)
			break;
	}
	CU_ASSERT_EQUAL(ok, bursts * 4);
	coal = th_xstat(th.port_b, "rx_q0_cqe_rx_coalesced");
	okay = th_xstat(th.port_b, "rx_q0_cqe_rx_okay");
	cpkts = th_xstat(th.port_b, "rx_q0_coalesced_packets");
	printf("\n    %u frames: CQE_RX_OKAY %" PRId64 ", CQE_RX_COALESCED_4 %" PRId64
	       " carrying %" PRId64 " packets\n", bursts * 4, okay, coal, cpkts);
	CU_ASSERT(coal >= 0 && okay >= 0 && cpkts >= 0);
	/* every frame came in exactly one CQE: alone or in a coalesced one */
	CU_ASSERT_EQUAL(okay + cpkts, bursts * 4);
	/* a coalesced CQE carries 1..4 packets (spec §5.4) */
	CU_ASSERT(cpkts >= coal && cpkts <= 4 * coal);
	if (th.coalesce) {
		CU_ASSERT(coal > 0);
	} else {
		CU_ASSERT_EQUAL(coal, 0);
		CU_ASSERT_EQUAL(okay, bursts * 4);
	}
	/* the device's own count of what it wrote agrees */
	if (th.ctl_path != NULL) {
		const char *ans = th_ctl("counters 0 1");

		CU_ASSERT_PTR_NOT_NULL_FATAL(ans);
		CU_ASSERT_EQUAL(th_ctl_queue_sum(ans, "rq", 1, "cqe_rx_coalesced_4"), coal);
		CU_ASSERT_EQUAL(th_ctl_queue_sum(ans, "rq", 1, "coalesced_pkts"), cpkts);
		CU_ASSERT_EQUAL(th_ctl_queue_sum(ans, "rq", 1, "cqe_rx_okay"), okay);
	}
}

/*
 * A frame larger than the RX mbuf data room gives CQE_RX_TRUNCATED: the PMD
 * drops and counts it and re-posts the buffer; over several ring lengths the
 * small frames in between still arrive exact (ring accounting intact).
 */
static void
test_truncation(void)
{
	const unsigned int rounds = 200;	/* > 3 x 64-entry ring */
	struct rte_mempool *small;
	struct th_port_conf cb = { .nb_rxd = 64, .mtu = 400 };
	struct th_port_conf ca = { 0 };
	struct rte_eth_stats st;
	unsigned int ok = 0;
	int64_t trunc;

	/*
	 * Port B: MTU 400 with 512-byte buffers (the PMD requires buffers that
	 * hold an MTU-sized frame); A sends 1000-byte frames, which the device
	 * delivers to B regardless of B's MTU and which do not fit.
	 */
	small = rte_pktmbuf_pool_create("small", 511, 0, 0, RTE_PKTMBUF_HEADROOM + 512,
					SOCKET_ID_ANY);
	CU_ASSERT_PTR_NOT_NULL_FATAL(small);
	cb.rx_pool = small;
	CU_ASSERT_EQUAL_FATAL(th_port_setup(th.port_a, &ca), 0);
	if (th_port_setup(th.port_b, &cb) != 0) {
		CU_FAIL("RX queue with 512-byte mbufs and MTU 400 refused");
		rte_mempool_free(small);
		return;
	}
	CU_ASSERT_EQUAL(rte_eth_stats_reset(th.port_b), 0);
	CU_ASSERT_EQUAL(rte_eth_xstats_reset(th.port_b), 0);
	for (unsigned int r = 0; r < rounds; r++) {
		struct rte_mbuf *out[2], *in[33];
		unsigned int got;

		out[0] = mk(th.port_a, th.port_b, 1000, 2 * r, NULL);	/* > 512 */
		out[1] = mk(th.port_a, th.port_b, 200 + r % 300, 2 * r + 1, NULL);	/* fits */
		if (th_tx_all(th.port_a, 0, out, 2) != 2) {
			CU_FAIL("tx");
			break;
		}
		got = th_rx_wait(th.port_b, 0, in, 1);
		if (got != 1) {
			printf("\n    round %u: small frame not received\n", r);
			CU_FAIL("small frame after a truncated one lost");
			break;
		}
		ok += is_frame(in[0], th.port_a, th.port_b, 200 + r % 300, 2 * r + 1);
		th_free_all(in, got);
	}
	CU_ASSERT_EQUAL(ok, rounds);
	CU_ASSERT_EQUAL(th_rx_drain(th.port_b, 1, 50), 0);
	CU_ASSERT_EQUAL(rte_eth_stats_get(th.port_b, &st), 0);
	trunc = th_xstat(th.port_b, "rx_q0_cqe_rx_truncated");
	printf("\n    ipackets %" PRIu64 " ierrors %" PRIu64 " truncated %" PRId64 "\n",
	       st.ipackets, st.ierrors, trunc);
	CU_ASSERT_EQUAL(st.ipackets, rounds);
	CU_ASSERT_EQUAL(st.ierrors, rounds);
	CU_ASSERT_EQUAL(trunc, rounds);
	release_rx_pool(small);
}

/*
 * rx_nombuf: an RX pool with only 16 mbufs beyond the ring.  The test holds
 * every received mbuf until refills fail (rx_nombuf > 0), then frees them
 * and drains: every frame the device delivered to B's RQ (soft-NIC counter
 * port1.rx_frames; the rest are counted as dropped for lack of an RX WQE)
 * was handed to the application.  Afterwards traffic flows again, exact and
 * in order, and a back-to-back burst of nb_rxd - 8 frames sent without
 * polling is received completely (no lost slot).
 */
static void
test_rx_nombuf(void)
{
	const uint16_t nrxd = 64;
	struct rte_mempool *tight;
	struct th_port_conf cb = { .nb_rxd = nrxd };
	struct rte_mbuf *held[nrxd + 64];
	struct rte_eth_stats st;
	unsigned int nheld = 0, sent = 0, got_new = 0, got_old = 0;
	uint64_t end;

	tight = rte_pktmbuf_pool_create("tight", nrxd + 16, 0, 0, RTE_MBUF_DEFAULT_BUF_SIZE,
					SOCKET_ID_ANY);
	CU_ASSERT_PTR_NOT_NULL_FATAL(tight);
	cb.rx_pool = tight;
	CU_ASSERT_EQUAL_FATAL(th_port_setup(th.port_a, &(struct th_port_conf){ 0 }), 0);
	CU_ASSERT_EQUAL_FATAL(th_port_setup(th.port_b, &cb), 0);
	CU_ASSERT_EQUAL(rte_eth_stats_reset(th.port_b), 0);
	if (th.ctl_path == NULL) {
		CU_FAIL("no soft-NIC control socket ($SOFTNIC_CTL)");
		rte_mempool_free(tight);
		return;
	}
	CU_ASSERT_PTR_NOT_NULL_FATAL(th_ctl("reset-counters 0"));
	printf("\n    pool %u mbufs, %u in use after start\n", nrxd + 16,
	       rte_mempool_in_use_count(tight));

	/* send until refills fail, holding everything received */
	end = th_now_ms() + TH_WAIT_MS;
	for (;;) {
		struct rte_mbuf *out[8];
		uint16_t k;

		CU_ASSERT_EQUAL_FATAL(rte_eth_stats_get(th.port_b, &st), 0);
		if (st.rx_nombuf > 0 || th_now_ms() > end || sent >= 2u * nrxd + 32)
			break;
		if (nheld + 8 <= RTE_DIM(held) - 32) {
			for (unsigned int i = 0; i < 8; i++)
				out[i] = mk(th.port_a, th.port_b, 128, sent + i, NULL);
			CU_ASSERT_EQUAL_FATAL(th_tx_all(th.port_a, 0, out, 8), 8);
			sent += 8;
		}
		k = rte_eth_rx_burst(th.port_b, 0, held + nheld,
				     (uint16_t)RTE_MIN(32u, RTE_DIM(held) - nheld));
		nheld += k;
	}
	/* keep polling (holding) until the failure shows, bounded */
	while (st.rx_nombuf == 0 && th_now_ms() < end) {
		uint16_t k = rte_eth_rx_burst(th.port_b, 0, held + nheld,
					      (uint16_t)RTE_MIN(32u, RTE_DIM(held) - nheld));

		nheld += k;
		CU_ASSERT_EQUAL_FATAL(rte_eth_stats_get(th.port_b, &st), 0);
	}
	printf("    sent %u, held %u, rx_nombuf %" PRIu64 ", pool in use %u\n", sent, nheld,
	       st.rx_nombuf, rte_mempool_in_use_count(tight));
	CU_ASSERT(st.rx_nombuf > 0);
	CU_ASSERT(nheld >= 16);	/* the spare mbufs were usable */
	CU_ASSERT_EQUAL(rte_mempool_avail_count(tight), 0);
	for (unsigned int i = 0; i < nheld; i++)
		CU_ASSERT(th_seq_of(held[i]) < sent);
	th_free_all(held, nheld);

	/*
	 * Drain the old frames: poll (and free) until the device has accounted
	 * for every frame port A sent (delivered to B's RQ or dropped for lack
	 * of an RX WQE while slots were empty) and the PMD has handed every
	 * delivered frame to the application: none may be lost in the PMD.
	 */
	{
		int64_t dev_tx = -1, dev_rx = -1, dev_drop = -1;
		struct rte_mbuf *in[32];

		end = th_now_ms() + TH_WAIT_MS;
		for (;;) {
			uint16_t k = rte_eth_rx_burst(th.port_b, 0, in, 32);
			const char *ans;

			got_old += k;
			th_free_all(in, k);
			if (k != 0)
				continue;
			ans = th_ctl("counters 0");
			CU_ASSERT_PTR_NOT_NULL_FATAL(ans);
			dev_tx = th_ctl_value(ans, "port0.tx_frames");
			dev_rx = th_ctl_value(ans, "port1.rx_frames");
			dev_drop = th_ctl_value(ans, "port1.rx_drop_no_wqe");
			if ((dev_tx == sent && dev_rx + dev_drop == dev_tx &&
			     dev_rx == nheld + got_old) || th_now_ms() > end)
				break;
			sched_yield();
		}
		printf("    device: port A sent %" PRId64 ", port B delivered %" PRId64
		       " and dropped %" PRId64 " (no RX WQE); PMD handed up %u + %u\n",
		       dev_tx, dev_rx, dev_drop, nheld, got_old);
		CU_ASSERT_EQUAL(dev_tx, sent);
		CU_ASSERT_EQUAL(dev_rx + dev_drop, sent);
		CU_ASSERT_EQUAL(dev_rx, nheld + got_old);
	}

	/* recovery: new frames (seq >= 10000) all arrive, exact and in order */
	for (unsigned int b = 0; b < 20; b++) {
		struct rte_mbuf *out[8], *in[8];
		unsigned int got;

		for (unsigned int i = 0; i < 8; i++)
			out[i] = mk(th.port_a, th.port_b, 128, 10000 + b * 8 + i, NULL);
		CU_ASSERT_EQUAL_FATAL(th_tx_all(th.port_a, 0, out, 8), 8);
		got = th_rx_wait(th.port_b, 0, in, 8);
		for (unsigned int i = 0; i < got; i++) {
			CU_ASSERT_EQUAL(th_seq_of(in[i]), 10000 + got_new);
			CU_ASSERT(is_frame(in[i], th.port_a, th.port_b, 128, 10000 + got_new));
			got_new++;
		}
		th_free_all(in, got);
		if (got != 8)
			break;
	}
	printf("    after recovery: %u new frames\n", got_new);
	CU_ASSERT_EQUAL(got_new, 160);

	/* ring intact: nb_rxd - 8 frames without polling, then all received */
	{
		const unsigned int n = nrxd - 8;
		struct rte_mbuf *out[64], *in[64 + 32];
		unsigned int got;

		for (unsigned int i = 0; i < n; i++)
			out[i] = mk(th.port_a, th.port_b, 128, 20000 + i, NULL);
		CU_ASSERT_EQUAL_FATAL(th_tx_all(th.port_a, 0, out, (uint16_t)n), n);
		got = th_rx_wait(th.port_b, 0, in, n);
		CU_ASSERT_EQUAL(got, n);
		for (unsigned int i = 0; i < got; i++)
			CU_ASSERT_EQUAL(th_seq_of(in[i]), 20000 + i);
		th_free_all(in, got);
	}
	release_rx_pool(tight);
}

/*
 * CQ wrap >= 9 times (spec §6.3 owner bits, §6.4): 64-entry rings; 700
 * single-frame bursts give >= 700 RX and TX CQEs each (> 10 wraps), then
 * 3000 frames in bursts; everything exact and in order.
 */
static void
test_cq_wrap(void)
{
	const unsigned int single = 700;
	struct rte_eth_dev_info info;
	uint16_t nd;
	unsigned int ok = 0;
	int64_t rx_cqe, tx_cqe;

	th_dev_info(th.port_a, &info);
	nd = (uint16_t)RTE_MAX(64u, info.rx_desc_lim.nb_min);
	CU_ASSERT_EQUAL_FATAL(setup_basic(nd, 64), 0);
	CU_ASSERT_EQUAL(rte_eth_xstats_reset(th.port_a), 0);
	CU_ASSERT_EQUAL(rte_eth_xstats_reset(th.port_b), 0);
	for (unsigned int i = 0; i < single; i++) {
		struct rte_mbuf *m = mk(th.port_a, th.port_b, 60 + i % 1400, i, NULL), *in[33];

		if (th_tx_all(th.port_a, 0, &m, 1) != 1 || th_rx_wait(th.port_b, 0, in, 1) != 1) {
			printf("\n    frame %u lost\n", i);
			CU_FAIL("single-frame exchange failed");
			break;
		}
		ok += is_frame(in[0], th.port_a, th.port_b, 60 + i % 1400, i);
		rte_pktmbuf_free(in[0]);
	}
	CU_ASSERT_EQUAL(ok, single);
	rx_cqe = th_xstat_sum(th.port_b, "rx_q0_cqe_", NULL);
	tx_cqe = th_xstat_sum(th.port_a, "tx_q0_cqe_", NULL);
	printf("\n    after %u single frames: RX CQEs %" PRId64 ", TX CQEs %" PRId64
	       " (ring %u)\n", single, rx_cqe, tx_cqe, nd);
	CU_ASSERT(rx_cqe >= 9 * (int64_t)nd);
	/* TX CQEs of the last burst(s) may not be reaped yet */
	CU_ASSERT(tx_cqe >= 9 * 64);
	CU_ASSERT_EQUAL(th_send_expect(th.port_a, th.port_b, 3000, 60, 1514, 100000, NULL), 3000);
	CU_ASSERT_EQUAL(th_send_expect(th.port_b, th.port_a, 3000, 60, 1514, 200000, NULL), 3000);
	/*
	 * Device view: no CQ overflow, and the PMD rang an unarmed CQ doorbell
	 * at least every 4 wraps (spec §6.4: >= floor(CQEs / 4N) doorbells) on
	 * the RX CQ of B and the TX CQ of A.
	 */
	if (th.ctl_path != NULL) {
		const char *ans = th_ctl("counters 0");
		int64_t ovf, cqes, dbs;

		CU_ASSERT_PTR_NOT_NULL_FATAL(ans);
		ovf = th_ctl_value(ans, "cq_overflow");
		printf("    soft-NIC cq_overflow = %" PRId64 "\n", ovf);
		CU_ASSERT_EQUAL(ovf, 0);
		cqes = th_ctl_queue_sum(ans, "rq", 1, "cqes");
		dbs = th_ctl_queue_sum(ans, "rq", 1, "cq_doorbells");
		printf("    port B RQ: %" PRId64 " CQEs, %" PRId64 " CQ doorbells (CQ of %u)\n",
		       cqes, dbs, nd);
		CU_ASSERT(cqes >= 9 * (int64_t)nd);
		CU_ASSERT(dbs >= cqes / (4 * (int64_t)nd));
		cqes = th_ctl_queue_sum(ans, "sq", 0, "cqes");
		dbs = th_ctl_queue_sum(ans, "sq", 0, "cq_doorbells");
		printf("    port A SQ: %" PRId64 " CQEs, %" PRId64 " CQ doorbells (CQ of 64)\n",
		       cqes, dbs);
		CU_ASSERT(cqes >= 9 * 64);
		CU_ASSERT(dbs >= cqes / (4 * 64));
	}
}

/*
 * TX error CQEs (spec §4.4): the soft-NIC completes the next N WQEs of port 0
 * with the given error type.  Those packets are not sent; they are counted in
 * oerrors and in the per-type xstat, even when the PMD posted them with CQE
 * suppression (error CQEs are generated regardless); later packets flow; all
 * mbufs return to the pool.
 */
static void
test_tx_error_cqes(void)
{
	static const struct {
		unsigned int type, n;
		const char *xname;
	} f[] = {
		{ 35, 3, "tx_q0_cqe_tx_invalid_oob" },
		{ 34, 2, "tx_q0_cqe_tx_mtu_drop" },
		{ 37, 1, "tx_q0_cqe_tx_hdr_processing_error" },
		{ 33, 2, "tx_q0_cqe_tx_sa_drop" },
	};
	struct rte_mempool *txp;
	struct rte_eth_stats st;
	uint32_t seq = 0;
	unsigned int errs = 0, sent = 0;

	txp = rte_pktmbuf_pool_create("txp", 1023, 0, 0, RTE_MBUF_DEFAULT_BUF_SIZE,
				      SOCKET_ID_ANY);
	CU_ASSERT_PTR_NOT_NULL_FATAL(txp);
	CU_ASSERT_EQUAL_FATAL(setup_basic(0, 0), 0);
	CU_ASSERT_EQUAL(rte_eth_stats_reset(th.port_a), 0);
	CU_ASSERT_EQUAL(rte_eth_xstats_reset(th.port_a), 0);
	if (th.ctl_path == NULL) {
		CU_FAIL("no soft-NIC control socket ($SOFTNIC_CTL)");
		rte_mempool_free(txp);
		return;
	}
	for (size_t c = 0; c < RTE_DIM(f); c++) {
		struct rte_mbuf *out[10], *in[10 + 32];
		const char *ans = th_ctl("fault 0 0 tx-error %u %u", f[c].n, f[c].type);
		unsigned int got;
		int64_t x;

		CU_ASSERT_PTR_NOT_NULL_FATAL(ans);
		if (strncmp(ans, "ok", 2) != 0) {
			printf("\n    fault command answered: %s\n", ans);
			CU_FAIL("fault injection refused");
			continue;
		}
		/* one burst of 10: the first n fail; with suppression on all but the last */
		for (unsigned int i = 0; i < 10; i++)
			out[i] = mk(th.port_a, th.port_b, 100, seq + i, txp);
		CU_ASSERT_EQUAL_FATAL(th_tx_all(th.port_a, 0, out, 10), 10);
		got = th_rx_wait(th.port_b, 0, in, 10 - f[c].n);
		CU_ASSERT_EQUAL(got, 10 - f[c].n);
		for (unsigned int i = 0; i < got; i++)
			CU_ASSERT(is_frame(in[i], th.port_a, th.port_b, 100, seq + f[c].n + i));
		th_free_all(in, got);
		CU_ASSERT_EQUAL(th_rx_drain(th.port_b, 1, 20), 0);
		seq += 10;
		sent += 10;
		errs += f[c].n;
		/* more traffic makes the PMD reap the completions */
		CU_ASSERT_EQUAL(th_send_expect(th.port_a, th.port_b, 8, 100, 100, seq, NULL), 8);
		seq += 8;
		sent += 8;
		x = th_xstat(th.port_a, f[c].xname);
		printf("\n    fault type %u x%u: xstat %s = %" PRId64 "\n", f[c].type,
		       f[c].n, f[c].xname, x);
		CU_ASSERT_EQUAL(x, f[c].n);
	}
	CU_ASSERT_EQUAL(rte_eth_stats_get(th.port_a, &st), 0);
	printf("    sent %u, errors injected %u: opackets %" PRIu64 " oerrors %" PRIu64 "\n",
	       sent, errs, st.opackets, st.oerrors);
	CU_ASSERT_EQUAL(st.oerrors, errs);
	/* counted when posted or when completed: both are exact */
	CU_ASSERT(st.opackets == sent || st.opackets == sent - errs);
	CU_ASSERT_EQUAL(rte_eth_dev_stop(th.port_a), 0);
	CU_ASSERT_EQUAL(rte_mempool_in_use_count(txp), 0);
	rte_mempool_free(txp);
	CU_ASSERT_EQUAL(rte_eth_dev_start(th.port_a), 0);
	CU_ASSERT_EQUAL(th_send_expect(th.port_a, th.port_b, 16, 60, 1514, 500, NULL), 16);
}

/* Every mbuf of the default pool is back after stopping both ports. */
static void
test_final_accounting(void)
{
	th_ports_stop();
	CU_ASSERT_EQUAL(rte_mempool_in_use_count(th.pool), 0);
}

static CU_TestInfo tests[] = {
	{ "coalesced completions: bursts of 4", test_coalesced_completions },
	{ "truncation: dropped, counted, ring intact", test_truncation },
	{ "rx_nombuf with an exhausted pool, recovery", test_rx_nombuf },
	{ "CQ wrap >= 9 times (RX and TX)", test_cq_wrap },
	{ "TX error CQEs from fault injection", test_tx_error_cqes },
	{ "mbuf accounting after stop", test_final_accounting },
	CU_TEST_INFO_NULL,
};

TH_MAIN(.prog = "datapath", .name = "ethdev-datapath (coalescing on)",
	.name_nocoalesce = "ethdev-datapath (coalescing off)", .tests = tests)
