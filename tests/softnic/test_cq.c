/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Soft-NIC conformance: completion queues (spec §6.3-§6.5).
 * Run under: softnic-run --ports 2 --wire loop -- test_cq
 *  - overflow detection: a driver that overruns a CQ gets a counter
 *    (control socket) and sees the overflow in the owner bits;
 *  - a DPDK-style driver (CQ = WQ size, never rings a CQ doorbell) is never
 *    flagged and never stalled, over many wraps;
 *  - completion channel: arming through the CQ doorbell and through
 *    ibv_req_notify_cq, one event via epoll + ibv_get_cq_event, one-shot;
 *  - fault injection "owner-corrupt" is seen by the §6.3 consumer.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <unistd.h>

#include <CUnit/Basic.h>

#include <rte_ether.h>
#include <rte_ip.h>

#include "sntest.h"

static struct snt_dev dev;
static struct snt_sq sq1;		/* port 1: vPort configuration */
static struct snt_rss rss1;		/* port 1: 1 WQ, 256 entries */

static const char *const ctr_overflow[] = { "cq_overflow", NULL };

static int
suite_init(void)
{
	if (snt_open(&dev, NULL) != 0 || dev.nports < 2)
		return -1;
	return snt_endpoint_create(&dev, &sq1, &rss1, 1, 64, 1, 256) == 0 ? 0 : -1;
}

static int
suite_clean(void)
{
	snt_endpoint_destroy(&sq1, &rss1);
	snt_close(&dev);
	return snt_rings_freed();
}

static uint32_t
make_frame(uint8_t *buf, unsigned int to_port, uint8_t seed)
{
	struct snt_flow f;

	snt_flow_init(&f, IPPROTO_UDP, "203.0.113.1", 1234, "203.0.113.2", (uint16_t)(4000 + seed),
		      22, seed, dev.mac[!to_port], dev.mac[to_port]);
	return snt_build_frame(buf, 256, &f, NULL, NULL);
}

static void
post_frames(struct snt_sq *s, unsigned int n, unsigned int to_port)
{
	unsigned int i;

	for (i = 0; i < n; i++) {
		uint8_t frame[256];
		uint32_t len = make_frame(frame, to_port, (uint8_t)i);

		CU_ASSERT_FATAL(snt_sq_post_frame(s, frame, len) >= 0);
	}
}

/* Receive n frames on port 1 and re-post their WQEs. */
static void
drain_rx1(unsigned int n)
{
	unsigned int i;

	for (i = 0; i < n; i++) {
		struct snt_pkt p;

		CU_ASSERT_EQUAL_FATAL(snt_rss_recv(&rss1, &p, SNT_TIMEOUT_MS), 1);
		CU_ASSERT_EQUAL_FATAL(snt_rq_post(&rss1.rq[0], 1, false), 1);
	}
}

/* ------------------------------------------------------------------ */
/* §6.4 overflow detection                                             */
/* ------------------------------------------------------------------ */

static void
test_overflow_detected(void)
{
	struct snt_sq s;
	struct mana_cqe c;
	uint64_t before = 0, after = 0, q_ovf = 0;
	char key[64];

	CU_ASSERT_EQUAL_FATAL(snt_counter_any(0, -1, ctr_overflow, &before, NULL), 0);
	/* A TX CQ of 4 entries under an SQ with 8 WQEs outstanding: the 5th
	 * CQE laps the unconsumed first one. */
	CU_ASSERT_EQUAL_FATAL(snt_sq_create(&dev, &s, 0, 64, 1, 4), 0);
	s.cq.ring_db = false;
	post_frames(&s, 8, 1);
	snt_sq_doorbell(&s);
	CU_ASSERT_EQUAL(snt_counter_wait_ge(0, -1, ctr_overflow, before + 1,
					    SNT_TIMEOUT_MS, &after), 0);
	/* Per-queue counter of that SQ's CQ. */
	snprintf(key, sizeof(key), "sq%u.cq_overflow", s.dv.sq_id);
	CU_ASSERT_EQUAL(snt_counter(0, 0, key, &q_ovf), 0);
	CU_ASSERT(q_ovf >= 1);
	/* The consumer sees it too: slot 0 holds owner 2 where 1 (new) or 0
	 * (old) is expected (§6.3). */
	drain_rx1(8);
	CU_ASSERT_EQUAL(snt_cq_poll(&s.cq, &c), -EOVERFLOW);
	CU_ASSERT_EQUAL(((struct mana_cqe *)s.cq.dv.buf)[0].info.owner_bits, 2);
	snt_sq_destroy(&s);
}

/* A consumer that keeps up and rings the CQ doorbell (kernel style) on a
 * small CQ, and a DPDK-style consumer that never rings it with CQ size =
 * WQ size, over many wraps: never flagged, never stalled (§6.4). */
static void
run_no_overflow(uint32_t max_wr, uint32_t max_sge, uint32_t cq_n, bool ring_db,
		unsigned int burst, unsigned int frames)
{
	struct snt_sq s;
	uint64_t before = 0, after = 0;
	unsigned int sent = 0, i;

	CU_ASSERT_EQUAL_FATAL(snt_counter_any(0, -1, ctr_overflow, &before, NULL), 0);
	CU_ASSERT_EQUAL_FATAL(snt_sq_create(&dev, &s, 0, max_wr, max_sge, cq_n), 0);
	s.cq.ring_db = ring_db;
	rss1.rq[0].cq.ring_db = ring_db;
	while (sent < frames) {
		unsigned int n = frames - sent < burst ? frames - sent : burst;

		post_frames(&s, n, 1);
		snt_sq_doorbell(&s);
		for (i = 0; i < n; i++) {
			struct mana_cqe c;
			int ret = snt_cq_wait(&s.cq, &c, SNT_TIMEOUT_MS);

			if (ret != 1)
				fprintf(stderr, "frame %u: TX CQE %d\n", sent + i, ret);
			CU_ASSERT_EQUAL_FATAL(ret, 1);
			CU_ASSERT_EQUAL(c.hdr.cqe_type, MANA_CQE_TX_OKAY);
		}
		snt_sq_all_done(&s);
		drain_rx1(n);
		sent += n;
	}
	rss1.rq[0].cq.ring_db = true;
	CU_ASSERT(s.cq.consumed / cq_n >= 9);
	CU_ASSERT_EQUAL(snt_counter_any(0, -1, ctr_overflow, &after, NULL), 0);
	if (after != before)
		fprintf(stderr, "cq_overflow went from %llu to %llu (false positive)\n",
			(unsigned long long)before, (unsigned long long)after);
	CU_ASSERT_EQUAL(after, before);
	snt_sq_destroy(&s);
}

static void
test_no_false_overflow(void)
{
	/* DPDK: 64 descriptors, 30 SGEs (32 KiB ring), CQ 64, no CQ
	 * doorbell, bursts of 32. */
	run_no_overflow(64, 30, 64, false, 32, 64 * 10 + 5);
	/* Kernel style: small CQ (16) that the consumer acknowledges with
	 * CQ doorbells, full bursts. */
	run_no_overflow(16, 1, 16, true, 16, 16 * 10 + 3);
}

/* ------------------------------------------------------------------ */
/* §6.5 arming and completion channel events                           */
/* ------------------------------------------------------------------ */

static int
wait_event(int ep, int timeout_ms)
{
	struct epoll_event ev;
	int n;

	do {
		n = epoll_wait(ep, &ev, 1, timeout_ms);
	} while (n < 0 && errno == EINTR);
	return n;
}

/* Get one CQ event and check it names q's CQ. */
static void
get_event(struct ibv_comp_channel *ch, struct snt_rq *q)
{
	struct ibv_cq *cq = NULL;
	void *ctx = NULL;

	CU_ASSERT_EQUAL_FATAL(ibv_get_cq_event(ch, &cq, &ctx), 0);
	CU_ASSERT_PTR_EQUAL(cq, q->cq.cq);
	CU_ASSERT_PTR_EQUAL(ctx, q);
	ibv_ack_cq_events(cq, 1);
}

/* Send one frame from port 1 (s) to port 0's RQ q and receive it. */
static void
roundtrip(struct snt_sq *s, struct snt_rq *q)
{
	struct snt_pkt p;
	struct mana_cqe c;

	post_frames(s, 1, 0);
	snt_sq_doorbell(s);
	CU_ASSERT_EQUAL_FATAL(snt_cq_wait(&s->cq, &c, SNT_TIMEOUT_MS), 1);
	snt_sq_all_done(s);
	CU_ASSERT_EQUAL_FATAL(snt_rq_recv(q, &p, SNT_TIMEOUT_MS), 1);
	CU_ASSERT_EQUAL_FATAL(snt_rq_post(q, 1, false), 1);
}

/* A round trip to the armed q raises exactly one event on ch (epoll ep). */
static void
expect_event(int ep, struct ibv_comp_channel *ch, struct snt_rq *q)
{
	roundtrip(&sq1, q);
	CU_ASSERT_EQUAL_FATAL(wait_event(ep, SNT_TIMEOUT_MS), 1);
	get_event(ch, q);
}

/* Two round trips to the unarmed q raise no event. */
static void
expect_quiet(int ep, struct snt_rq *q)
{
	roundtrip(&sq1, q);
	roundtrip(&sq1, q);
	CU_ASSERT_EQUAL(wait_event(ep, 0), 0);
}

static void
test_completion_channel(void)
{
	struct ibv_comp_channel *ch;
	struct snt_sq s0;
	struct snt_rss r0;
	struct snt_rq *q;
	struct epoll_event ev;
	struct snt_pkt p;
	struct mana_cqe c;
	int ep, fl;

	ch = ibv_create_comp_channel(dev.ctx);
	CU_ASSERT_PTR_NOT_NULL_FATAL(ch);
	fl = fcntl(ch->fd, F_GETFL);
	CU_ASSERT_FATAL(fl >= 0 && fcntl(ch->fd, F_SETFL, fl | O_NONBLOCK) == 0);
	ep = epoll_create1(EPOLL_CLOEXEC);
	CU_ASSERT_FATAL(ep >= 0);
	memset(&ev, 0, sizeof(ev));
	ev.events = EPOLLIN;
	CU_ASSERT_FATAL(epoll_ctl(ep, EPOLL_CTL_ADD, ch->fd, &ev) == 0);
	/* The evented RX CQ sits on port 0 (its SQ s0 configures the vPort);
	 * port 1 sends to it over the loop wire. */
	CU_ASSERT_EQUAL_FATAL(snt_sq_create(&dev, &s0, 0, 64, 1, 64), 0);
	CU_ASSERT_EQUAL_FATAL(snt_rss_create_ex(&dev, &r0, 0, 1, 64, 64, NULL, 2048, 64, ch), 0);
	q = &r0.rq[0];

	/* Nothing armed, nothing pending. */
	CU_ASSERT_EQUAL(wait_event(ep, 0), 0);

	/* 1. Arm through the CQ doorbell (arm bit, tail = head mod 8N). */
	snt_cq_doorbell(&q->cq, true);
	expect_event(ep, ch, q);
	/* 2. One-shot: more completions without re-arming raise nothing.
	 * The second round trip guarantees the device has finished the
	 * first one, event included. */
	expect_quiet(ep, q);
	/* 3. Arm through ibv_req_notify_cq. */
	CU_ASSERT_EQUAL_FATAL(ibv_req_notify_cq(q->cq.cq, 0), 0);
	expect_event(ep, ch, q);
	expect_quiet(ep, q);
	/* 4. Arming while an unconsumed CQE sits at the armed position fires
	 * at once (§6.5 "a CQE exists at or after that position"). */
	post_frames(&sq1, 1, 0);
	snt_sq_doorbell(&sq1);
	CU_ASSERT_EQUAL_FATAL(snt_cq_wait(&sq1.cq, &c, SNT_TIMEOUT_MS), 1);
	snt_sq_all_done(&sq1);
	{
		/* Wait until the RX CQE is visible without consuming it. */
		uint64_t deadline = snt_now_ms() + SNT_TIMEOUT_MS;
		const struct mana_cqe *slot = (const struct mana_cqe *)q->cq.dv.buf +
					      q->cq.head % q->cq.dv.count;
		uint32_t want = (q->cq.head / q->cq.dv.count) & MANA_CQE_OWNER_MASK;
		unsigned int it = 0;

		while (__atomic_load_n(&slot->info.as_uint32, __ATOMIC_ACQUIRE) >> 29 != want &&
		       snt_now_ms() < deadline)
			snt_backoff(it++);
		CU_ASSERT_EQUAL_FATAL(slot->info.owner_bits, want);
	}
	snt_cq_doorbell(&q->cq, true);
	CU_ASSERT_EQUAL(wait_event(ep, SNT_TIMEOUT_MS), 1);
	get_event(ch, q);
	CU_ASSERT_EQUAL_FATAL(snt_rq_recv(q, &p, SNT_TIMEOUT_MS), 1);
	CU_ASSERT_EQUAL(snt_rq_post(q, 1, false), 1);
	/* 5. Arming at a position already consumed and nothing new: quiet
	 * until the next CQE. */
	snt_cq_doorbell(&q->cq, true);
	expect_event(ep, ch, q);
	/* An unarmed CQ doorbell (progress only) arms nothing. */
	snt_cq_doorbell(&q->cq, false);
	expect_quiet(ep, q);
	/* 6. Arm through the 32-bit short CQ doorbell (§2.3, arm bit 31). */
	CU_ASSERT_EQUAL_FATAL(snt_cq_doorbell_short(&q->cq, true), 0);
	expect_event(ep, ch, q);
	expect_quiet(ep, q);

	snt_rss_destroy(&r0);
	snt_sq_destroy(&s0);
	close(ep);
	CU_ASSERT_EQUAL(ibv_destroy_comp_channel(ch), 0);
}

/* ------------------------------------------------------------------ */
/* Fault injection: corrupted owner bits                               */
/* ------------------------------------------------------------------ */

static void
test_owner_corrupt_fault(void)
{
	struct snt_sq s;
	struct mana_cqe c;
	int ret;

	CU_ASSERT_EQUAL_FATAL(snt_sq_create(&dev, &s, 0, 16, 1, 16), 0);
	/* A good completion first. */
	post_frames(&s, 1, 1);
	snt_sq_doorbell(&s);
	CU_ASSERT_EQUAL_FATAL(snt_cq_wait(&s.cq, &c, SNT_TIMEOUT_MS), 1);
	snt_sq_all_done(&s);
	drain_rx1(1);
	CU_ASSERT_EQUAL_FATAL(snt_ctlf("fault 0 0 owner-corrupt 1"), 0);
	post_frames(&s, 1, 1);
	snt_sq_doorbell(&s);
	ret = snt_cq_wait(&s.cq, &c, SNT_TIMEOUT_MS);
	CU_ASSERT_EQUAL(ret, -EOVERFLOW);
	drain_rx1(1);
	CU_ASSERT_EQUAL(snt_ctlf("fault 0 0 clear"), 0);
	snt_sq_destroy(&s);
}

/* ------------------------------------------------------------------ */
/* Fault injection: TX error CQEs, RX drops, completion delay           */
/* ------------------------------------------------------------------ */

static void
test_faults(void)
{
	static const char *const ctr_drop[] = { "rx_drop_fault", NULL };
	struct snt_sq s;
	struct mana_cqe c;
	struct snt_pkt p;
	uint8_t frame[256];
	uint64_t before = 0, after = 0, t0;
	unsigned int i;

	CU_ASSERT_EQUAL_FATAL(snt_sq_create(&dev, &s, 0, 16, 1, 16), 0);
	/* The next 2 TX WQEs of port 0 complete with CQE_TX_VF_DISABLED and
	 * are not sent; the third goes out and is the next frame received. */
	CU_ASSERT_EQUAL_FATAL(snt_ctlf("fault 0 0 tx-error 2 CQE_TX_VF_DISABLED"), 0);
	post_frames(&s, 3, 1);
	snt_sq_doorbell(&s);
	for (i = 0; i < 3; i++) {
		CU_ASSERT_EQUAL_FATAL(snt_cq_wait(&s.cq, &c, SNT_TIMEOUT_MS), 1);
		CU_ASSERT_EQUAL(c.hdr.cqe_type, i < 2 ? MANA_CQE_TX_VF_DISABLED : MANA_CQE_TX_OKAY);
		CU_ASSERT_EQUAL(c.info.wq_num, s.dv.sq_id);
	}
	snt_sq_all_done(&s);
	CU_ASSERT_EQUAL_FATAL(snt_rss_recv(&rss1, &p, SNT_TIMEOUT_MS), 1);
	make_frame(frame, 1, 2);
	CU_ASSERT_EQUAL(memcmp(p.data, frame, p.len), 0);	/* frame #2 (seed 2) */
	CU_ASSERT_EQUAL(snt_rq_post(&rss1.rq[0], 1, false), 1);

	/* The next 2 frames arriving at port 1 are dropped. */
	CU_ASSERT_EQUAL_FATAL(snt_counter_any(0, 1, ctr_drop, &before, NULL), 0);
	CU_ASSERT_EQUAL_FATAL(snt_ctlf("fault 0 1 drop 2"), 0);
	post_frames(&s, 3, 1);
	snt_sq_flush(&s, 3);
	CU_ASSERT_EQUAL_FATAL(snt_rss_recv(&rss1, &p, SNT_TIMEOUT_MS), 1);
	CU_ASSERT_EQUAL(memcmp(p.data, frame, p.len), 0);	/* seed 2 again */
	CU_ASSERT_EQUAL(snt_rq_post(&rss1.rq[0], 1, false), 1);
	CU_ASSERT_EQUAL(snt_counter_any(0, 1, ctr_drop, &after, NULL), 0);
	CU_ASSERT_EQUAL(after, before + 2);

	/* Completions delayed by 100 ms after the doorbell. */
	CU_ASSERT_EQUAL_FATAL(snt_ctlf("fault 0 0 delay 100000"), 0);
	post_frames(&s, 1, 1);
	t0 = snt_now_ms();
	snt_sq_doorbell(&s);
	CU_ASSERT_EQUAL_FATAL(snt_cq_wait(&s.cq, &c, SNT_TIMEOUT_MS), 1);
	CU_ASSERT(snt_now_ms() - t0 >= 100);
	snt_sq_all_done(&s);
	drain_rx1(1);
	CU_ASSERT_EQUAL(snt_ctlf("fault 0 0 clear"), 0);
	snt_sq_destroy(&s);
}

static CU_TestInfo tests[] = {
	{ "6.4 CQ overflow detected (counter + owner bits)", test_overflow_detected },
	{ "6.4 no false overflow / stall over 10 wraps", test_no_false_overflow },
	{ "6.5 completion channel: arm, epoll, one-shot", test_completion_channel },
	{ "fault owner-corrupt seen as overflow", test_owner_corrupt_fault },
	{ "faults: tx-error, drop, delay", test_faults },
	CU_TEST_INFO_NULL,
};

int
main(void)
{
	return snt_run_suite("softnic-cq", suite_init, suite_clean, tests);
}
