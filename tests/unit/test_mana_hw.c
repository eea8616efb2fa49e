/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Unit test of drivers/common/mana/mana_hw.h against spec/mana-hw.md:
 *  - the worked TX example of §4.1 (WQE bytes and doorbell value),
 *  - the bit position and width of every field of every format (§2.2,
 *    §2.3, §3.2, §4.2, §4.4, §5.2, §6.1): one field is set (to all ones,
 *    then to 1) and the raw bytes of the object are compared with the bits
 *    the spec assigns to that field,
 *  - the owner-bit function of §6.3 across wraps (and its agreement with
 *    the consumer algorithm, also across 32-bit counter wrap),
 *  - mana_wqe_size (§3.2, §4.1).
 */
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <CUnit/Basic.h>

#include "cunit_run.h"

#include "mana_hw.h"

/* ------------------------------------------------------------------ */
/* Bit-layout helper                                                   */
/* ------------------------------------------------------------------ */

/*
 * Compare the bytes of obj (size bytes) with an object in which exactly the
 * bits [lo, lo + width) are set (bit i = bit i % 8 of byte i / 8, i.e. bit
 * lo % 32 of little-endian dword lo / 32).  Returns true on a match and
 * prints the difference otherwise.
 */
static bool
bits_match(const void *obj, size_t size, unsigned int lo, unsigned int width,
	   const char *what)
{
	uint8_t want[64];
	unsigned int i;

	if (size > sizeof(want) || lo + width > size * 8) {
		printf("\n  %s: bad test definition (bits %u+%u in %zu bytes)\n",
		       what, lo, width, size);
		return false;
	}
	memset(want, 0, sizeof(want));
	for (i = lo; i < lo + width; i++)
		want[i / 8] |= (uint8_t)(1u << (i % 8));
	if (memcmp(obj, want, size) == 0)
		return true;
	printf("\n  %s: expected bits [%u..%u] set, got bytes:", what,
	       lo + width - 1, lo);
	for (i = 0; i < size; i++)
		printf(" %02x", ((const uint8_t *)obj)[i]);
	printf("\n");
	return false;
}

/*
 * Check one bitfield: zero the object, set the field to all ones and check
 * exactly bits [lo, lo+width) are set; zero again, set it to 1 and check
 * only bit lo is set (so the field's LSB is where the spec puts it).
 * all_ones is computed in 64 bits, so width may be up to 64.
 */
#define CHECK_FIELD(type, field, lo, width) do {				\
	type v_;								\
	uint64_t ones_ = (width) >= 64 ? ~0ull : ((1ull << (width)) - 1);	\
	memset(&v_, 0, sizeof(v_));						\
	v_.field = ones_;							\
	CU_ASSERT_TRUE(bits_match(&v_, sizeof(v_), (lo), (width),		\
				  #type "." #field " = all ones"));		\
	memset(&v_, 0, sizeof(v_));						\
	v_.field = 1;								\
	CU_ASSERT_TRUE(bits_match(&v_, sizeof(v_), (lo), 1,			\
				  #type "." #field " = 1"));			\
} while (0)

/* Bit index of bit b of dword d. */
#define DW(d, b)	((d) * 32 + (b))

/* ------------------------------------------------------------------ */
/* §4.1 worked example                                                 */
/* ------------------------------------------------------------------ */

/* The 32 ring bytes 160..191 of the §4.1 table, little-endian. */
static const uint8_t spec_4_1_wqe[32] = {
	0x00, 0x00, 0x00, 0x00,			/* header dword 0 */
	0x01, 0x02, 0x00, 0x00,			/* 0x00000201 */
	0x24, 0x07, 0x00, 0x00,			/* 0x00000724 */
	0x22, 0x0C, 0x00, 0x02,			/* 0x02000C22 */
	0x00, 0x10, 0x00, 0x00, 0x00, 0x7F, 0x00, 0x00,	/* 0x00007F0000001000 */
	0x34, 0x12, 0x00, 0x00,			/* 0x00001234 */
	0x3C, 0x00, 0x00, 0x00,			/* 0x0000003C */
};

static void
test_worked_example_4_1(void)
{
	static uint8_t ring[4096] __attribute__((aligned(4096)));
	const uint32_t sq_id = 3125, cq_id = 7, vp_offset = 2;
	uint32_t head = 5;			/* BUs */
	uint32_t off = (head * MANA_BU_SIZE) & (sizeof(ring) - 1);
	struct mana_wqe_header hdr;
	struct mana_tx_short_oob oob;
	struct mana_sge sge;
	union mana_db_sq db;
	uint32_t size;
	unsigned int i;

	memset(ring, 0xEE, sizeof(ring));
	memset(&hdr, 0, sizeof(hdr));
	hdr.num_sgl_entries = 1;
	hdr.inline_client_oob_size = MANA_OOB_DWORDS_SHORT;
	memset(&oob, 0, sizeof(oob));
	oob.pkt_fmt = MANA_TX_PKT_FMT_SHORT;
	oob.is_outer_ipv4 = 1;
	oob.comp_tcp_csum = 1;
	oob.vcq_num = cq_id;
	oob.trans_off = 34;
	oob.vsq_frame = sq_id >> 10;
	oob.short_vp_offset = vp_offset;
	sge.address = 0x7f0000001000ull;
	sge.mem_key = 0x1234;
	sge.size = 60;

	size = mana_wqe_size(sizeof(oob), 1);
	CU_ASSERT_EQUAL(size, 32);
	CU_ASSERT_EQUAL(off, 160);
	memcpy(ring + off, &hdr, sizeof(hdr));
	memcpy(ring + off + sizeof(hdr), &oob, sizeof(oob));
	memcpy(ring + off + sizeof(hdr) + sizeof(oob), &sge, sizeof(sge));
	CU_ASSERT_EQUAL(memcmp(ring + off, spec_4_1_wqe, 32), 0);
	if (memcmp(ring + off, spec_4_1_wqe, 32) != 0) {
		printf("\n  got:");
		for (i = 0; i < 32; i++)
			printf(" %02x", ring[off + i]);
		printf("\n");
	}
	/* Nothing outside the WQE was touched. */
	for (i = 0; i < sizeof(ring); i++)
		if (i < off || i >= off + 32)
			CU_ASSERT_EQUAL_FATAL(ring[i], 0xEE);

	head += size / MANA_BU_SIZE;
	CU_ASSERT_EQUAL(head, 6);
	db.as_uint64 = 0;
	db.id = sq_id;
	db.tail_ptr = head * MANA_BU_SIZE;
	CU_ASSERT_EQUAL(db.as_uint64, 0x000000C000000C35ull);
}

/* ------------------------------------------------------------------ */
/* §2.2 / §2.3 doorbells                                               */
/* ------------------------------------------------------------------ */

static void
test_layout_doorbells(void)
{
	union mana_db_cq cq;

	CHECK_FIELD(union mana_db_sq, id, 0, 24);
	CHECK_FIELD(union mana_db_sq, reserved, 24, 8);
	CHECK_FIELD(union mana_db_sq, tail_ptr, 32, 32);
	CHECK_FIELD(union mana_db_rq, id, 0, 24);
	CHECK_FIELD(union mana_db_rq, wqe_cnt, 24, 8);
	CHECK_FIELD(union mana_db_rq, tail_ptr, 32, 32);
	CHECK_FIELD(union mana_db_cq, id, 0, 24);
	CHECK_FIELD(union mana_db_cq, reserved, 24, 8);
	CHECK_FIELD(union mana_db_cq, tail_ptr, 32, 31);
	CHECK_FIELD(union mana_db_cq, arm, 63, 1);
	CHECK_FIELD(union mana_db_short_wq, tail_ptr_incr, 0, 16);
	CHECK_FIELD(union mana_db_short_wq, id, 16, 12);
	CHECK_FIELD(union mana_db_short_wq, reserved, 28, 4);
	CHECK_FIELD(union mana_db_short_cq, tail_ptr_incr, 0, 16);
	CHECK_FIELD(union mana_db_short_cq, id, 16, 12);
	CHECK_FIELD(union mana_db_short_cq, reserved, 28, 3);
	CHECK_FIELD(union mana_db_short_cq, arm, 31, 1);

	/* A CQ doorbell value as a driver builds it (§2.2, §6.5): N = 256,
	 * head = 3 * 256 + 5 → tail = head mod 8N, armed. */
	cq.as_uint64 = 0;
	cq.id = 0x123456;
	cq.tail_ptr = (3 * 256 + 5) % (8 * 256);
	cq.arm = 1;
	CU_ASSERT_EQUAL(cq.as_uint64, 0x8000030500123456ull);
	/* The page offsets of §2.1. */
	CU_ASSERT_EQUAL(MANA_DB_SQ, 0x000);
	CU_ASSERT_EQUAL(MANA_DB_SQ_SHORT, 0x010);
	CU_ASSERT_EQUAL(MANA_DB_RQ, 0x400);
	CU_ASSERT_EQUAL(MANA_DB_RQ_SHORT, 0x410);
	CU_ASSERT_EQUAL(MANA_DB_CQ, 0x800);
	CU_ASSERT_EQUAL(MANA_DB_CQ_SHORT, 0x810);
	CU_ASSERT_EQUAL(MANA_DB_EQ, 0xFF8);
}

/* ------------------------------------------------------------------ */
/* §3.2 WQE header and SGE                                             */
/* ------------------------------------------------------------------ */

static void
test_layout_wqe(void)
{
	CU_ASSERT_EQUAL(sizeof(struct mana_wqe_header), 8);
	CHECK_FIELD(struct mana_wqe_header, num_padding_sgls, DW(0, 0), 5);
	CHECK_FIELD(struct mana_wqe_header, reserved0, DW(0, 5), 19);
	CHECK_FIELD(struct mana_wqe_header, last_vbytes, DW(0, 24), 8);
	CHECK_FIELD(struct mana_wqe_header, num_sgl_entries, DW(1, 0), 8);
	CHECK_FIELD(struct mana_wqe_header, inline_client_oob_size, DW(1, 8), 3);
	CHECK_FIELD(struct mana_wqe_header, client_oob_in_sgl, DW(1, 11), 1);
	CHECK_FIELD(struct mana_wqe_header, consume_credit, DW(1, 12), 1);
	CHECK_FIELD(struct mana_wqe_header, fence, DW(1, 13), 1);
	CHECK_FIELD(struct mana_wqe_header, reserved1, DW(1, 14), 2);
	CHECK_FIELD(struct mana_wqe_header, client_data_unit, DW(1, 16), 14);
	CHECK_FIELD(struct mana_wqe_header, check_sn, DW(1, 30), 1);
	CHECK_FIELD(struct mana_wqe_header, sgl_direct, DW(1, 31), 1);

	CU_ASSERT_EQUAL(sizeof(struct mana_sge), 16);
	CHECK_FIELD(struct mana_sge, address, 0, 64);
	CHECK_FIELD(struct mana_sge, mem_key, 64, 32);
	CHECK_FIELD(struct mana_sge, size, 96, 32);

	/* §5.1 RX WQE header dword 1 for one SGE: 0x00000201. */
	{
		struct mana_wqe_header h;

		memset(&h, 0, sizeof(h));
		h.num_sgl_entries = 1;
		h.inline_client_oob_size = MANA_OOB_DWORDS_SHORT;
		CU_ASSERT_EQUAL(h.dw0, 0);
		CU_ASSERT_EQUAL(h.dw1, 0x00000201);
	}
}

/* ------------------------------------------------------------------ */
/* §4.2 TX OOB                                                         */
/* ------------------------------------------------------------------ */

static void
test_layout_tx_oob(void)
{
	CU_ASSERT_EQUAL(sizeof(struct mana_tx_short_oob), 8);
	CU_ASSERT_EQUAL(sizeof(struct mana_tx_oob), 24);
	CHECK_FIELD(struct mana_tx_short_oob, pkt_fmt, DW(0, 0), 2);
	CHECK_FIELD(struct mana_tx_short_oob, is_outer_ipv4, DW(0, 2), 1);
	CHECK_FIELD(struct mana_tx_short_oob, is_outer_ipv6, DW(0, 3), 1);
	CHECK_FIELD(struct mana_tx_short_oob, comp_iphdr_csum, DW(0, 4), 1);
	CHECK_FIELD(struct mana_tx_short_oob, comp_tcp_csum, DW(0, 5), 1);
	CHECK_FIELD(struct mana_tx_short_oob, comp_udp_csum, DW(0, 6), 1);
	CHECK_FIELD(struct mana_tx_short_oob, suppress_txcqe_gen, DW(0, 7), 1);
	CHECK_FIELD(struct mana_tx_short_oob, vcq_num, DW(0, 8), 24);
	CHECK_FIELD(struct mana_tx_short_oob, trans_off, DW(1, 0), 10);
	CHECK_FIELD(struct mana_tx_short_oob, vsq_frame, DW(1, 10), 14);
	CHECK_FIELD(struct mana_tx_short_oob, short_vp_offset, DW(1, 24), 8);

	/* Long OOB: short part at dwords 0-1, extension at dwords 2-5. */
	CHECK_FIELD(struct mana_tx_oob, s.pkt_fmt, DW(0, 0), 2);
	CHECK_FIELD(struct mana_tx_oob, s.short_vp_offset, DW(1, 24), 8);
	CHECK_FIELD(struct mana_tx_oob, l.is_encap, DW(2, 0), 1);
	CHECK_FIELD(struct mana_tx_oob, l.inner_is_ipv6, DW(2, 1), 1);
	CHECK_FIELD(struct mana_tx_oob, l.inner_tcp_opt, DW(2, 2), 1);
	CHECK_FIELD(struct mana_tx_oob, l.inject_vlan_pri_tag, DW(2, 3), 1);
	CHECK_FIELD(struct mana_tx_oob, l.reserved2, DW(2, 4), 12);
	CHECK_FIELD(struct mana_tx_oob, l.pcp, DW(2, 16), 3);
	CHECK_FIELD(struct mana_tx_oob, l.dei, DW(2, 19), 1);
	CHECK_FIELD(struct mana_tx_oob, l.vlan_id, DW(2, 20), 12);
	CHECK_FIELD(struct mana_tx_oob, l.inner_frame_offset, DW(3, 0), 10);
	CHECK_FIELD(struct mana_tx_oob, l.inner_ip_rel_offset, DW(3, 10), 6);
	CHECK_FIELD(struct mana_tx_oob, l.long_vp_offset, DW(3, 16), 12);
	CHECK_FIELD(struct mana_tx_oob, l.reserved3, DW(3, 28), 4);
	CHECK_FIELD(struct mana_tx_oob, l.dw4, DW(4, 0), 32);
	CHECK_FIELD(struct mana_tx_oob, l.dw5, DW(5, 0), 32);
}

/* ------------------------------------------------------------------ */
/* §4.4, §5.2, §6.1 CQE                                                */
/* ------------------------------------------------------------------ */

static void
test_layout_cqe(void)
{
	unsigned int i;

	CU_ASSERT_EQUAL(sizeof(struct mana_cqe), 64);
	/* Header (dword 0 of every CQE). */
	CHECK_FIELD(struct mana_cqe, hdr.cqe_type, DW(0, 0), 6);
	CHECK_FIELD(struct mana_cqe, hdr.client_type, DW(0, 6), 2);
	CHECK_FIELD(struct mana_cqe, hdr.vendor_err, DW(0, 8), 24);
	/* TX client data (§4.4). */
	CHECK_FIELD(struct mana_cqe, tx.hdr.cqe_type, DW(0, 0), 6);
	CHECK_FIELD(struct mana_cqe, tx.tx_data_offset, DW(1, 0), 32);
	CHECK_FIELD(struct mana_cqe, tx.tx_sgl_offset, DW(2, 0), 5);
	CHECK_FIELD(struct mana_cqe, tx.tx_wqe_offset, DW(2, 5), 27);
	/* RX client data (§5.2). */
	CHECK_FIELD(struct mana_cqe, rx.hdr.client_type, DW(0, 6), 2);
	CHECK_FIELD(struct mana_cqe, rx.rx_vlan_id, DW(1, 0), 12);
	CHECK_FIELD(struct mana_cqe, rx.rx_vlantag_present, DW(1, 12), 1);
	CHECK_FIELD(struct mana_cqe, rx.rx_outer_iphdr_csum_succeed, DW(1, 13), 1);
	CHECK_FIELD(struct mana_cqe, rx.rx_outer_iphdr_csum_fail, DW(1, 14), 1);
	CHECK_FIELD(struct mana_cqe, rx.reserved1, DW(1, 15), 1);
	CHECK_FIELD(struct mana_cqe, rx.rx_hashtype, DW(1, 16), 9);
	CHECK_FIELD(struct mana_cqe, rx.rx_iphdr_csum_succeed, DW(1, 25), 1);
	CHECK_FIELD(struct mana_cqe, rx.rx_iphdr_csum_fail, DW(1, 26), 1);
	CHECK_FIELD(struct mana_cqe, rx.rx_tcp_csum_succeed, DW(1, 27), 1);
	CHECK_FIELD(struct mana_cqe, rx.rx_tcp_csum_fail, DW(1, 28), 1);
	CHECK_FIELD(struct mana_cqe, rx.rx_udp_csum_succeed, DW(1, 29), 1);
	CHECK_FIELD(struct mana_cqe, rx.rx_udp_csum_fail, DW(1, 30), 1);
	CHECK_FIELD(struct mana_cqe, rx.reserved2, DW(1, 31), 1);
	for (i = 0; i < MANA_RX_COALESCE_MAX; i++) {
		CHECK_FIELD(struct mana_cqe, rx.ppi[i].pkt_len, DW(2 + 3 * i, 0), 16);
		CHECK_FIELD(struct mana_cqe, rx.ppi[i].reserved1, DW(2 + 3 * i, 16), 16);
		CHECK_FIELD(struct mana_cqe, rx.ppi[i].reserved2, DW(3 + 3 * i, 0), 32);
		CHECK_FIELD(struct mana_cqe, rx.ppi[i].pkt_hash, DW(4 + 3 * i, 0), 32);
	}
	CHECK_FIELD(struct mana_cqe, rx.rx_wqe_offset, DW(14, 0), 32);
	/* Info dword (§6.1). */
	CHECK_FIELD(struct mana_cqe, info.wq_num, DW(15, 0), 24);
	CHECK_FIELD(struct mana_cqe, info.is_sq, DW(15, 24), 1);
	CHECK_FIELD(struct mana_cqe, info.reserved, DW(15, 25), 4);
	CHECK_FIELD(struct mana_cqe, info.owner_bits, DW(15, 29), 3);

	/* CQE type values (§4.4, §5.3) and hash-type masks (§7.3). */
	CU_ASSERT_EQUAL(MANA_CQE_RX_OKAY, 1);
	CU_ASSERT_EQUAL(MANA_CQE_RX_COALESCED_4, 2);
	CU_ASSERT_EQUAL(MANA_CQE_RX_OBJECT_FENCE, 3);
	CU_ASSERT_EQUAL(MANA_CQE_RX_TRUNCATED, 4);
	CU_ASSERT_EQUAL(MANA_CQE_TX_OKAY, 32);
	CU_ASSERT_EQUAL(MANA_CQE_TX_SA_DROP, 33);
	CU_ASSERT_EQUAL(MANA_CQE_TX_MTU_DROP, 34);
	CU_ASSERT_EQUAL(MANA_CQE_TX_INVALID_OOB, 35);
	CU_ASSERT_EQUAL(MANA_CQE_TX_INVALID_ETH_TYPE, 36);
	CU_ASSERT_EQUAL(MANA_CQE_TX_HDR_PROCESSING_ERROR, 37);
	CU_ASSERT_EQUAL(MANA_CQE_TX_VF_DISABLED, 38);
	CU_ASSERT_EQUAL(MANA_CQE_TX_VPORT_IDX_OUT_OF_RANGE, 39);
	CU_ASSERT_EQUAL(MANA_CQE_TX_VPORT_DISABLED, 40);
	CU_ASSERT_EQUAL(MANA_CQE_TX_VLAN_TAGGING_VIOLATION, 41);
	CU_ASSERT_EQUAL(MANA_HASH_L3, 0x049);
	CU_ASSERT_EQUAL(MANA_HASH_L4, 0x1B6);
}

/* ------------------------------------------------------------------ */
/* §6.3 owner bits                                                     */
/* ------------------------------------------------------------------ */

/* The consumer side of §6.3: 1 if the slot's owner is new, 0 if old, -1 on
 * overflow, for consumer position head (starting at N). */
static int
consumer_classify(uint32_t head, uint32_t n, uint32_t owner)
{
	uint32_t new_owner = (head / n) & MANA_CQE_OWNER_MASK;
	uint32_t old_owner = (head / n - 1) & MANA_CQE_OWNER_MASK;

	if (owner == new_owner)
		return 1;
	if (owner == old_owner)
		return 0;
	return -1;
}

static void
test_owner_bits(void)
{
	/* The example of §6.3, N = 4: pass p (1-based) expects p mod 8. */
	static const uint32_t pass_owner[10] = { 1, 2, 3, 4, 5, 6, 7, 0, 1, 2 };
	const uint32_t sizes[] = { 1, 4, 5, 8, 64, 256, 2048 };
	uint32_t k, n, s, i;

	for (k = 0; k < 40; k++)
		CU_ASSERT_EQUAL(mana_cqe_owner_for_index(k, 4), pass_owner[k / 4]);
	/* Eighth pass expects 0, previous value 7 (§6.3 example). */
	CU_ASSERT_EQUAL(mana_cqe_owner_for_index(28, 4), 0);
	CU_ASSERT_EQUAL(mana_cqe_owner_for_index(27, 4), 7);

	/*
	 * Device and consumer agree over >= 10 wraps for several N (power of
	 * two or not): CQE k is "new" for the consumer whose head = N + k,
	 * and the value still in the slot from the previous pass (k - N, or 0
	 * for the zeroed first pass) reads as "old".  A CQE two passes ahead
	 * reads as overflow.
	 */
	for (s = 0; s < sizeof(sizes) / sizeof(sizes[0]); s++) {
		n = sizes[s];
		for (k = 0; k < 10 * n + 3; k++) {
			uint32_t head = n + k;
			uint32_t prev = k < n ? 0 : mana_cqe_owner_for_index(k - n, n);
			uint32_t ahead = mana_cqe_owner_for_index(k + n, n);

			CU_ASSERT_EQUAL_FATAL(consumer_classify(head, n,
				mana_cqe_owner_for_index(k, n)), 1);
			CU_ASSERT_EQUAL_FATAL(consumer_classify(head, n, prev), 0);
			CU_ASSERT_EQUAL_FATAL(consumer_classify(head, n, ahead), -1);
			CU_ASSERT_TRUE_FATAL(mana_cqe_owner_for_index(k, n) <= 7);
		}
	}

	/*
	 * Across the 32-bit wrap of k (and of the consumer's head) with a
	 * power-of-two N the owner sequence stays continuous (§1.5
	 * recommendation): consecutive passes differ by exactly 1 mod 8.
	 */
	for (s = 1; s < sizeof(sizes) / sizeof(sizes[0]); s++) {
		n = sizes[s];
		if (n & (n - 1))
			continue;
		k = 0u - 3 * n;		/* three passes before the wrap */
		for (i = 0; i < 6 * n; i++, k++) {
			uint32_t o = mana_cqe_owner_for_index(k, n);
			uint32_t o_next = mana_cqe_owner_for_index(k + n, n);

			CU_ASSERT_EQUAL_FATAL(o_next, (o + 1) & 7);
			CU_ASSERT_EQUAL_FATAL(consumer_classify(k + n, n, o), 1);
		}
	}
}

/* ------------------------------------------------------------------ */
/* §3.2 WQE sizes                                                      */
/* ------------------------------------------------------------------ */

static void
test_wqe_size(void)
{
	uint32_t n;

	/* §4.1: short + 1 SGE = 32, short + 2 = 64, long + 1 = 64. */
	CU_ASSERT_EQUAL(mana_wqe_size(MANA_TX_SHORT_OOB_SIZE, 1), 32);
	CU_ASSERT_EQUAL(mana_wqe_size(MANA_TX_SHORT_OOB_SIZE, 2), 64);
	CU_ASSERT_EQUAL(mana_wqe_size(MANA_TX_LONG_OOB_SIZE, 1), 64);
	CU_ASSERT_EQUAL(mana_wqe_size(MANA_TX_LONG_OOB_SIZE, 2), 64);
	CU_ASSERT_EQUAL(mana_wqe_size(MANA_TX_LONG_OOB_SIZE, 3), 96);
	CU_ASSERT_EQUAL(mana_wqe_size(MANA_TX_SHORT_OOB_SIZE, 3), 64);
	CU_ASSERT_EQUAL(mana_wqe_size(MANA_TX_SHORT_OOB_SIZE, 4), 96);
	/* §3.2 maxima: 30 SGEs fit 512 bytes with either OOB; RQ 15 → 256. */
	CU_ASSERT_EQUAL(mana_wqe_size(MANA_TX_LONG_OOB_SIZE, MANA_MAX_TX_SGE),
			MANA_MAX_SQ_WQE_SIZE);
	CU_ASSERT_EQUAL(mana_wqe_size(MANA_TX_SHORT_OOB_SIZE, MANA_MAX_TX_SGE),
			MANA_MAX_SQ_WQE_SIZE);
	CU_ASSERT_TRUE(mana_wqe_size(MANA_TX_LONG_OOB_SIZE, MANA_MAX_TX_SGE + 1) >
		       MANA_MAX_SQ_WQE_SIZE);
	CU_ASSERT_EQUAL(mana_wqe_size(MANA_RX_OOB_SIZE, MANA_MAX_RX_SGE),
			MANA_MAX_RQ_WQE_SIZE);
	CU_ASSERT_TRUE(mana_wqe_size(MANA_RX_OOB_SIZE, MANA_MAX_RX_SGE + 1) >
		       MANA_MAX_RQ_WQE_SIZE);
	/* §5.1: one-buffer RX WQE = 1 BU. */
	CU_ASSERT_EQUAL(mana_wqe_size(MANA_RX_OOB_SIZE, 1), MANA_BU_SIZE);
	/* §3.4 size rule with an empty SGL. */
	CU_ASSERT_EQUAL(mana_wqe_size(MANA_TX_SHORT_OOB_SIZE, 0), 32);
	CU_ASSERT_EQUAL(mana_wqe_size(MANA_TX_LONG_OOB_SIZE, 0), 32);
	/* Generic: roundup32(8 + oob + 16 n), always a whole number of BUs. */
	for (n = 0; n <= 30; n++) {
		uint32_t s8 = mana_wqe_size(8, n), s24 = mana_wqe_size(24, n);

		CU_ASSERT_EQUAL(s8 % 32, 0);
		CU_ASSERT_EQUAL(s24 % 32, 0);
		CU_ASSERT_TRUE(s8 >= 16 + 16 * n && s8 < 16 + 16 * n + 32);
		CU_ASSERT_TRUE(s24 >= 32 + 16 * n && s24 < 32 + 16 * n + 32);
	}
}

int
main(void)
{
	CU_pSuite s;

	if (CU_initialize_registry() != CUE_SUCCESS)
		return 2;
	s = CU_add_suite("mana_hw.h", NULL, NULL);
	if (s == NULL ||
	    !CU_add_test(s, "spec 4.1 worked TX example (WQE + doorbell)",
			 test_worked_example_4_1) ||
	    !CU_add_test(s, "2.2/2.3 doorbell layouts", test_layout_doorbells) ||
	    !CU_add_test(s, "3.2 WQE header and SGE layouts", test_layout_wqe) ||
	    !CU_add_test(s, "4.2 TX OOB layouts", test_layout_tx_oob) ||
	    !CU_add_test(s, "4.4/5.2/6.1 CQE layouts", test_layout_cqe) ||
	    !CU_add_test(s, "6.3 owner bits across wraps", test_owner_bits) ||
	    !CU_add_test(s, "3.2 mana_wqe_size", test_wqe_size)) {
		CU_cleanup_registry();
		return 2;
	}
	return tc_run_registered();
}
