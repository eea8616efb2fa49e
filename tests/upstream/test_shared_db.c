/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Doorbells on a shared doorbell page (spec §1.2, §2.1-§2.4), the pattern of
 * DPDK 22.11's net_mana: every queue of a port rung on one page.  On
 * hardware every doorbell write reaches the device; the soft-NIC emulates
 * the stores to such pages one by one (softnic/device/dbtrap.c).  Raw verbs
 * + manadv through the tests/softnic helpers, under softnic-run with a loop
 * wire between ports 0 and 1.
 *
 *  - four RQ doorbells written back to back to the page of the fourth RQ,
 *    with four different store instructions: every RQ gets its tail, and
 *    frames steered to each RQ by RSS (§7.1) arrive there;
 *  - two SQ doorbells back to back on another queue's page, and two short
 *    SQ doorbells (§2.3, increments) back to back: every WQE is sent;
 *  - the instruction decoder: every store form the emulation accepts
 *    (MOV r8/r16/r32/r64, MOV imm8/16/32, sign-extended imm32, XCHG,
 *    MOVNTI, MOVQ xmm; ModRM with SIB and displacements) stores exactly
 *    its bytes and the program continues after it;
 *  - a page used only by its own queue traps once, then is only polled;
 *  - after a revoke (§9) a store to a shared page has no effect.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <netinet/in.h>

#include "sntest.h"

static struct snt_dev dev;
static struct snt_sq s0a, s0b, s1;
static struct snt_rss r1;
static uint8_t *shared;		/* page of r1.rq[3]: rung for every queue */

#define N_RQ	4u

/* The store instructions whose emulation is tested (AT&T syntax). */
static inline void
st_mov64(void *p, uint64_t v)
{
	__asm__ volatile("movq %1, (%0)" : : "r"(p), "r"(v) : "memory");
}

static inline void
st_mov32(void *p, uint32_t v)
{
	__asm__ volatile("movl %1, (%0)" : : "r"(p), "r"(v) : "memory");
}

static inline uint64_t
st_xchg64(void *p, uint64_t v)
{
	__asm__ volatile("xchgq %0, (%1)" : "+r"(v) : "r"(p) : "memory");
	return v;
}

static inline void
st_movnti64(void *p, uint64_t v)
{
	__asm__ volatile("movnti %1, (%0)" : : "r"(p), "r"(v) : "memory");
}

static inline void
st_movq_xmm(void *p, uint64_t v)
{
	__asm__ volatile("movq %1, %%xmm1\n\tmovq %%xmm1, (%0)"
			 : : "r"(p), "r"(v) : "memory", "xmm1");
}

static uint64_t
traps(void)
{
	uint64_t v = 0;

	CU_ASSERT_EQUAL(snt_counter(0, -1, "doorbell_traps", &v), 0);
	return v;
}

static int
suite_init(void)
{
	if (snt_open(&dev, NULL) != 0)
		return -1;
	/* port 0: two send QPs; port 1: a send QP (configures the vPort,
	 * §1.9) and an RSS QP of four RQs with the §7.4 key, nothing posted */
	if (snt_sq_create(&dev, &s0a, 0, 64, 1, 64) != 0 ||
	    snt_sq_create(&dev, &s0b, 0, 64, 1, 64) != 0 ||
	    snt_sq_create(&dev, &s1, 1, 64, 1, 64) != 0 ||
	    snt_rss_create(&dev, &r1, 1, N_RQ, 64, 64, snt_rss_key_ms, 2048, 0) != 0)
		return -1;
	shared = (uint8_t *)r1.rq[N_RQ - 1].dv.db_page;
	return 0;
}

static int
suite_clean(void)
{
	snt_rss_destroy(&r1);
	snt_sq_destroy(&s1);
	snt_sq_destroy(&s0b);
	snt_sq_destroy(&s0a);
	snt_close(&dev);
	return 0;
}

/* A UDP flow from port 0 to port 1 whose Toeplitz hash selects RQ want. */
static void
flow_for_rq(struct snt_flow *f, unsigned int want, uint16_t *next_port)
{
	for (;;) {
		uint16_t sp = (*next_port)++;

		CU_ASSERT_EQUAL_FATAL(snt_flow_init(f, IPPROTO_UDP, "198.18.0.1", sp,
						    "198.19.0.1", 9, 18, (uint8_t)sp,
						    dev.mac[0], dev.mac[1]), 0);
		if ((snt_toeplitz(snt_rss_key_ms, f, true) & 63) % N_RQ == want)
			return;
	}
}

/* Send one frame of flow f on s (doorbell on s's own page), wait for its
 * CQE. */
static void
send_flow(struct snt_sq *s, const struct snt_flow *f)
{
	uint8_t frame[256];
	uint32_t len = snt_build_frame(frame, sizeof(frame), f, NULL, NULL);
	struct mana_cqe c;

	CU_ASSERT_FATAL(len > 0);
	CU_ASSERT_FATAL(snt_sq_post_frame(s, frame, len) >= 0);
	snt_sq_doorbell(s);
	CU_ASSERT_EQUAL_FATAL(snt_cq_wait(&s->cq, &c, SNT_TIMEOUT_MS), 1);
	CU_ASSERT_EQUAL(c.hdr.cqe_type, MANA_CQE_TX_OKAY);
	snt_sq_all_done(s);
}

static void
test_own_page_fast(void)
{
	uint64_t before = traps(), after;
	struct snt_flow f;
	uint16_t sp = 1000;
	struct snt_pkt p;
	unsigned int i;

	/* s1's page has never been written: its first doorbell traps, it is
	 * the page's own SQ, so the page becomes writable (polled only) */
	CU_ASSERT_EQUAL_FATAL(snt_rq_post(&r1.rq[0], 3, true), 3);
	for (i = 0; i < 3; i++) {
		flow_for_rq(&f, 0, &sp);
		memcpy(f.smac, dev.mac[1], 6);
		memcpy(f.dmac, dev.mac[0], 6);
		send_flow(&s1, &f);	/* port 1 -> port 0: no RX there, dropped */
	}
	after = traps();
	CU_ASSERT_EQUAL(after, before + 1);
	/* r1.rq[0]'s 3 WQEs have no doorbell yet: ring it on its own page */
	snt_rq_doorbell(&r1.rq[0]);
	CU_ASSERT_EQUAL(traps(), after + 1);
	flow_for_rq(&f, 0, &sp);
	send_flow(&s0a, &f);
	CU_ASSERT_EQUAL_FATAL(snt_rss_recv(&r1, &p, SNT_TIMEOUT_MS), 1);
	CU_ASSERT_EQUAL(p.wq, 0);
	CU_ASSERT_EQUAL(snt_rq_outstanding(&r1.rq[0]), 2);
}

static void
test_rq_doorbells_one_page(void)
{
	union mana_db_rq db[N_RQ];
	char key[64];
	uint64_t before[N_RQ], v;
	uint16_t sp = 2000;
	unsigned int i, j;

	for (i = 0; i < N_RQ; i++) {
		snprintf(key, sizeof(key), "rq%u.doorbells", r1.rq[i].dv.wq_id);
		CU_ASSERT_EQUAL_FATAL(snt_counter(0, -1, key, &before[i]), 0);
		/* 8 WQEs for RQ 1..3 (RQ 0 still has 2), no doorbell */
		CU_ASSERT_EQUAL_FATAL(snt_rq_post(&r1.rq[i], i ? 8 : 6, true), i ? 8 : 6);
		db[i].as_uint64 = 0;
		db[i].id = r1.rq[i].dv.wq_id;
		db[i].tail_ptr = r1.rq[i].head * MANA_BU_SIZE;
	}
	/* four doorbells, back to back, all on RQ 3's page (§1.2) */
	st_mov64(shared + MANA_DB_RQ, db[0].as_uint64);
	(void)st_xchg64(shared + MANA_DB_RQ, db[1].as_uint64);
	st_movnti64(shared + MANA_DB_RQ, db[2].as_uint64);
	st_movq_xmm(shared + MANA_DB_RQ, db[3].as_uint64);
	for (i = 0; i < N_RQ; i++) {
		const char *keys[] = { key, NULL };

		snprintf(key, sizeof(key), "rq%u.doorbells", r1.rq[i].dv.wq_id);
		CU_ASSERT_EQUAL(snt_counter_wait_ge(0, -1, keys, before[i] + 1,
						    SNT_TIMEOUT_MS, &v), 0);
		CU_ASSERT_EQUAL(v, before[i] + 1);
	}
	/* each RQ got its tail: two frames steered to each arrive there */
	for (i = 0; i < N_RQ; i++)
		for (j = 0; j < 2; j++) {
			struct snt_flow f;
			struct snt_pkt p;

			flow_for_rq(&f, i, &sp);
			send_flow(&s0a, &f);
			CU_ASSERT_EQUAL_FATAL(snt_rss_recv(&r1, &p, SNT_TIMEOUT_MS), 1);
			CU_ASSERT_EQUAL(p.wq, i);
			CU_ASSERT_EQUAL(p.cqe_type == MANA_CQE_RX_OKAY ||
					p.cqe_type == MANA_CQE_RX_COALESCED_4, 1);
		}
	CU_ASSERT_EQUAL(snt_counter(0, 1, "rx_drop_no_wqe", &v), 0);
	CU_ASSERT_EQUAL(v, 0);
}

static void
test_sq_doorbells_one_page(void)
{
	union mana_db_sq a, b;
	union mana_db_short_wq sa;
	struct snt_flow f;
	struct mana_cqe c;
	struct snt_pkt p;
	uint16_t sp = 3000;
	uint8_t frame[256];
	uint32_t len;
	unsigned int i;

	/* one WQE on each SQ of port 0, both doorbells on RQ 3's page */
	for (i = 0; i < 2; i++) {
		flow_for_rq(&f, 1, &sp);
		len = snt_build_frame(frame, sizeof(frame), &f, NULL, NULL);
		CU_ASSERT_FATAL(snt_sq_post_frame(i ? &s0b : &s0a, frame, len) >= 0);
	}
	a.as_uint64 = 0;
	a.id = s0a.dv.sq_id;
	a.tail_ptr = s0a.head * MANA_BU_SIZE;
	b.as_uint64 = 0;
	b.id = s0b.dv.sq_id;
	b.tail_ptr = s0b.head * MANA_BU_SIZE;
	st_mov64(shared + MANA_DB_SQ, a.as_uint64);
	st_mov64(shared + MANA_DB_SQ, b.as_uint64);
	CU_ASSERT_EQUAL(snt_cq_wait(&s0a.cq, &c, SNT_TIMEOUT_MS), 1);
	CU_ASSERT_EQUAL(c.hdr.cqe_type, MANA_CQE_TX_OKAY);
	CU_ASSERT_EQUAL(snt_cq_wait(&s0b.cq, &c, SNT_TIMEOUT_MS), 1);
	CU_ASSERT_EQUAL(c.hdr.cqe_type, MANA_CQE_TX_OKAY);
	snt_sq_all_done(&s0a);
	snt_sq_all_done(&s0b);
	for (i = 0; i < 2; i++) {
		CU_ASSERT_EQUAL_FATAL(snt_rss_recv(&r1, &p, SNT_TIMEOUT_MS), 1);
		CU_ASSERT_EQUAL(p.wq, 1);
	}

	/* short doorbells carry increments (§2.3): two back to back, both
	 * count; the SQ ids here are < 4096 */
	CU_ASSERT_FATAL(s0a.dv.sq_id <= MANA_SHORT_DB_QUEUE_ID_MAX);
	for (i = 0; i < 2; i++) {
		flow_for_rq(&f, 2, &sp);
		len = snt_build_frame(frame, sizeof(frame), &f, NULL, NULL);
		CU_ASSERT_FATAL(snt_sq_post_frame(&s0a, frame, len) >= 0);
	}
	sa.as_uint32 = 0;
	sa.id = s0a.dv.sq_id;
	sa.tail_ptr_incr = MANA_BU_SIZE;
	st_mov32(shared + MANA_DB_SQ_SHORT, sa.as_uint32);
	st_mov32(shared + MANA_DB_SQ_SHORT, sa.as_uint32);
	for (i = 0; i < 2; i++) {
		CU_ASSERT_EQUAL(snt_cq_wait(&s0a.cq, &c, SNT_TIMEOUT_MS), 1);
		CU_ASSERT_EQUAL(c.hdr.cqe_type, MANA_CQE_TX_OKAY);
		CU_ASSERT_EQUAL_FATAL(snt_rss_recv(&r1, &p, SNT_TIMEOUT_MS), 1);
		CU_ASSERT_EQUAL(p.wq, 2);
	}
	snt_sq_all_done(&s0a);
	/* keep the 64-bit doorbell of s0a in step with the short ones */
	s0a.rung = s0a.head * MANA_BU_SIZE;
}

static void
test_store_forms(void)
{
	uint8_t *p = shared + 0x100;	/* not a doorbell: stored as is */
	uint64_t before = traps(), v;
	uint16_t v16;
	uint32_t v32;
	long idx = 3;

	__asm__ volatile("movb %1, (%0)" : : "r"(p), "q"((uint8_t)0xa5) : "memory");
	CU_ASSERT_EQUAL(p[0], 0xa5);
	__asm__ volatile("movw %1, 2(%0)" : : "r"(p), "r"((uint16_t)0xbeef) : "memory");
	memcpy(&v16, p + 2, 2);
	CU_ASSERT_EQUAL(v16, 0xbeef);
	__asm__ volatile("movl %1, 8(%0,%2,8)" : : "r"(p), "r"(0x12345678u), "r"(idx) : "memory");
	memcpy(&v32, p + 32, 4);
	CU_ASSERT_EQUAL(v32, 0x12345678u);
	__asm__ volatile("movb $0x5a, 1(%0)" : : "r"(p) : "memory");
	CU_ASSERT_EQUAL(p[1], 0x5a);
	__asm__ volatile("movw $0x1234, 4(%0)" : : "r"(p) : "memory");
	memcpy(&v16, p + 4, 2);
	CU_ASSERT_EQUAL(v16, 0x1234);
	__asm__ volatile("movl $0xcafef00d, 0x200(%0)" : : "r"(p) : "memory");
	memcpy(&v32, p + 0x200, 4);
	CU_ASSERT_EQUAL(v32, 0xcafef00du);
	__asm__ volatile("movq $-2, 40(%0)" : : "r"(p) : "memory");
	memcpy(&v, p + 40, 8);
	CU_ASSERT_EQUAL(v, 0xfffffffffffffffeull);
	st_mov64(p + 48, 0x0102030405060708ull);
	CU_ASSERT_EQUAL(st_xchg64(p + 48, 0x1111111122222222ull), 0x0102030405060708ull);
	memcpy(&v, p + 48, 8);
	CU_ASSERT_EQUAL(v, 0x1111111122222222ull);
	st_movq_xmm(p + 56, 0x8877665544332211ull);
	memcpy(&v, p + 56, 8);
	CU_ASSERT_EQUAL(v, 0x8877665544332211ull);
	/* 10 stores, every one emulated (the page is shared) */
	CU_ASSERT_EQUAL(traps(), before + 10);
	CU_ASSERT_EQUAL(snt_counter(0, -1, "doorbell_trap_unknown", &v), 0);
	CU_ASSERT_EQUAL(v, 0);
}

static void
test_revoked_store(void)
{
	union mana_db_sq a;
	uint64_t v;

	CU_ASSERT_EQUAL_FATAL(snt_ctlf("revoke 0"), 0);
	a.as_uint64 = 0;
	a.id = s0a.dv.sq_id;
	a.tail_ptr = (s0a.head + 1) * MANA_BU_SIZE;
	/* §9: a doorbell after the revoke goes nowhere and does not fault */
	st_mov64(shared + MANA_DB_SQ, a.as_uint64);
	memcpy(&v, shared + MANA_DB_SQ, 8);
	CU_ASSERT_EQUAL(v, 0);
	CU_ASSERT_EQUAL(snt_ctlf("restore 0"), 0);
}

static CU_TestInfo tests[] = {
	{ "own page: one trap, then polled", test_own_page_fast },
	{ "4 RQ doorbells back to back on one page (§1.2, §2.2)", test_rq_doorbells_one_page },
	{ "SQ doorbells and short doorbells on a shared page (§2.2, §2.3)",
	  test_sq_doorbells_one_page },
	{ "store instruction forms emulated exactly", test_store_forms },
	{ "store after revoke has no effect (§9)", test_revoked_store },
	CU_TEST_INFO_NULL,
};

int
main(void)
{
	return snt_run_suite("shared-doorbell-page", suite_init, suite_clean, tests);
}
