/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * MANA hardware definitions shared by the net_mana PMD and the soft-NIC.
 *
 * Every structure here is a hardware format from ../shared/spec/mana-hw.md
 * (the section is named next to it).  All formats are little-endian; the
 * bitfield layouts assume a little-endian target with GCC/Clang bitfield
 * allocation (LSB first), which is what x86-64 and arm64 Linux use.  Each
 * format has a static size check below and the byte/bit layout is verified
 * against the spec's worked examples in tests/unit/test_mana_hw.c.
 *
 * Nothing in this header depends on DPDK or rdma-core.
 */
#ifndef MANA_HW_H
#define MANA_HW_H

#include <stdint.h>
#include <assert.h>

#if __BYTE_ORDER__ != __ORDER_LITTLE_ENDIAN__
#error "MANA hardware definitions assume a little-endian target"
#endif

/* ---------------------------------------------------------------------
 * §1.1 Device identification
 * ------------------------------------------------------------------- */
#define MANA_PCI_VENDOR_ID		0x1414
#define MANA_PCI_DEVICE_ID_VF		0x00BA
#define MANA_PCI_DEVICE_ID_PF		0x00B9
/* ibv_device_attr.vendor_part_id values (§1.1). */
#define MANA_VENDOR_PART_ID_LEGACY	0	/* kernels before GDMA type report */
#define MANA_VENDOR_PART_ID_ETH		2	/* MANA Ethernet device */
#define MANA_VENDOR_PART_ID_RNIC	3	/* MANA RDMA device */

/* ---------------------------------------------------------------------
 * Sizes and limits (§1.4-§1.12, §3.2, §6.1, §7)
 * ------------------------------------------------------------------- */
#define MANA_BU_SIZE			32u	/* basic unit of a WQ ring, bytes */
#define MANA_CQE_SIZE			64u	/* bytes */
#define MANA_PAGE_SIZE			4096u	/* doorbell page and minimum ring size */
#define MANA_MIN_RING_SIZE		4096u
#define MANA_SGE_SIZE			16u
#define MANA_DMA_HDR_SIZE		8u
#define MANA_TX_SHORT_OOB_SIZE		8u
#define MANA_TX_LONG_OOB_SIZE		24u
#define MANA_RX_OOB_SIZE		8u	/* reserved, never read (§3.2) */
#define MANA_MAX_SQ_WQE_SIZE		512u	/* bytes (16 BUs) */
#define MANA_MAX_RQ_WQE_SIZE		256u	/* bytes (8 BUs) */
#define MANA_MAX_TX_SGE			30u
#define MANA_MAX_RX_SGE			15u
#define MANA_RSS_KEY_SIZE		40u	/* bytes */
#define MANA_RSS_IND_TABLE_SIZE		64u	/* entries programmed by mana_ib */
#define MANA_RSS_MAX_LOG_IND_TBL	6u
#define MANA_MAX_QUEUES			64u	/* K6.2-K6.7 max_qp */
#define MANA_LEGACY_MAX_QP_WR		256u	/* rc44 / K6.2-K6.7 */
#define MANA_ETH_MAX_QP_WR		2048u	/* K6.16+ Ethernet device */
#define MANA_SHORT_VPORT_OFFSET_MAX	255u	/* §4.2 */
#define MANA_MIN_MTU			68u
#define MANA_MAX_MTU			9000u	/* DPDK's limit, §8 */
#define MANA_DEFAULT_MTU		1500u
#define MANA_MAX_PORTS			256u
/* Owner bits of a CQE are 3 bits wide (§6.3). */
#define MANA_CQE_OWNER_BITS		3u
#define MANA_CQE_OWNER_MASK		((1u << MANA_CQE_OWNER_BITS) - 1)
/* SQ/RQ ids are 24 bits (§2.2); the short doorbell carries 12 (§2.3). */
#define MANA_QUEUE_ID_MASK		0x00FFFFFFu
#define MANA_SHORT_DB_QUEUE_ID_MAX	0x0FFFu

/* Size of one WQE in bytes for a given inline OOB size and SGE count,
 * rounded to a whole number of BUs (§3.2, §3.4). */
static inline uint32_t
mana_wqe_size(uint32_t oob_bytes, uint32_t num_sge)
{
	uint32_t raw = MANA_DMA_HDR_SIZE + oob_bytes + MANA_SGE_SIZE * num_sge;

	return (raw + MANA_BU_SIZE - 1) & ~(MANA_BU_SIZE - 1);
}

/* ---------------------------------------------------------------------
 * §2.1 Doorbell page offsets
 * ------------------------------------------------------------------- */
#define MANA_DB_SQ			0x000u	/* 64-bit */
#define MANA_DB_SQ_SHORT		0x010u	/* 32-bit */
#define MANA_DB_RQ			0x400u
#define MANA_DB_RQ_CLIENT		0x408u	/* RNIC only */
#define MANA_DB_RQ_SHORT		0x410u
#define MANA_DB_CQ			0x800u
#define MANA_DB_CQ_SHORT		0x810u
#define MANA_DB_CQ_DIM			0x820u
#define MANA_DB_EQ_SHORT		0xFF0u
#define MANA_DB_EQ			0xFF8u

/* §2.2 64-bit doorbell values. */
union mana_db_sq {
	uint64_t as_uint64;
	struct {
		uint64_t id		: 24;
		uint64_t reserved	: 8;
		uint64_t tail_ptr	: 32;	/* producer position, bytes */
	};
};

union mana_db_rq {
	uint64_t as_uint64;
	struct {
		uint64_t id		: 24;
		uint64_t wqe_cnt	: 8;	/* 0 for Ethernet RQs */
		uint64_t tail_ptr	: 32;	/* producer position, bytes */
	};
};

union mana_db_cq {
	uint64_t as_uint64;
	struct {
		uint64_t id		: 24;
		uint64_t reserved	: 8;
		uint64_t tail_ptr	: 31;	/* consumer index mod 8N, CQEs */
		uint64_t arm		: 1;
	};
};

/* §2.3 32-bit short doorbells. */
union mana_db_short_wq {
	uint32_t as_uint32;
	struct {
		uint32_t tail_ptr_incr	: 16;	/* bytes added since last doorbell */
		uint32_t id		: 12;
		uint32_t reserved	: 4;
	};
};

union mana_db_short_cq {
	uint32_t as_uint32;
	struct {
		uint32_t tail_ptr_incr	: 16;	/* entries consumed */
		uint32_t id		: 12;
		uint32_t reserved	: 3;
		uint32_t arm		: 1;
	};
};

/* ---------------------------------------------------------------------
 * §3.2 WQE: DMA header, SGE
 * ------------------------------------------------------------------- */
struct mana_wqe_header {
	union {
		uint32_t dw0;
		struct {
			uint32_t num_padding_sgls	: 5;	/* RNIC only */
			uint32_t reserved0		: 19;
			uint32_t last_vbytes		: 8;
		};
	};
	union {
		uint32_t dw1;
		struct {
			uint32_t num_sgl_entries	: 8;
			uint32_t inline_client_oob_size	: 3;	/* dwords: 2 or 6 */
			uint32_t client_oob_in_sgl	: 1;
			uint32_t consume_credit		: 1;	/* RNIC only */
			uint32_t fence			: 1;	/* RNIC only */
			uint32_t reserved1		: 2;
			uint32_t client_data_unit	: 14;
			uint32_t check_sn		: 1;	/* RNIC only */
			uint32_t sgl_direct		: 1;	/* RNIC only */
		};
	};
};

#define MANA_OOB_DWORDS_SHORT	2u
#define MANA_OOB_DWORDS_LONG	6u

struct mana_sge {
	uint64_t address;	/* virtual address in the MR's space */
	uint32_t mem_key;	/* lkey */
	uint32_t size;		/* bytes */
};

/* ---------------------------------------------------------------------
 * §4.2 TX OOB
 * ------------------------------------------------------------------- */
#define MANA_TX_PKT_FMT_SHORT	0u
#define MANA_TX_PKT_FMT_LONG	1u

struct mana_tx_short_oob {
	union {
		uint32_t dw0;
		struct {
			uint32_t pkt_fmt		: 2;
			uint32_t is_outer_ipv4		: 1;
			uint32_t is_outer_ipv6		: 1;
			uint32_t comp_iphdr_csum	: 1;
			uint32_t comp_tcp_csum		: 1;
			uint32_t comp_udp_csum		: 1;
			uint32_t suppress_txcqe_gen	: 1;
			uint32_t vcq_num		: 24;
		};
	};
	union {
		uint32_t dw1;
		struct {
			uint32_t trans_off		: 10;
			uint32_t vsq_frame		: 14;	/* sq_id >> 10 */
			uint32_t short_vp_offset	: 8;
		};
	};
};

struct mana_tx_long_oob_ext {
	union {
		uint32_t dw2;
		struct {
			uint32_t is_encap		: 1;
			uint32_t inner_is_ipv6		: 1;
			uint32_t inner_tcp_opt		: 1;
			uint32_t inject_vlan_pri_tag	: 1;
			uint32_t reserved2		: 12;
			uint32_t pcp			: 3;
			uint32_t dei			: 1;
			uint32_t vlan_id		: 12;
		};
	};
	union {
		uint32_t dw3;
		struct {
			uint32_t inner_frame_offset	: 10;
			uint32_t inner_ip_rel_offset	: 6;
			uint32_t long_vp_offset		: 12;
			uint32_t reserved3		: 4;
		};
	};
	uint32_t dw4;	/* reserved */
	uint32_t dw5;	/* reserved */
};

struct mana_tx_oob {
	struct mana_tx_short_oob s;
	struct mana_tx_long_oob_ext l;	/* present only when s.pkt_fmt == LONG */
};

/* ---------------------------------------------------------------------
 * §4.4, §5.3 CQE types; §6.1 CQE layout
 * ------------------------------------------------------------------- */
enum mana_cqe_type {
	MANA_CQE_INVALID			= 0,
	MANA_CQE_RX_OKAY			= 1,
	MANA_CQE_RX_COALESCED_4			= 2,
	MANA_CQE_RX_OBJECT_FENCE		= 3,
	MANA_CQE_RX_TRUNCATED			= 4,
	MANA_CQE_TX_OKAY			= 32,
	MANA_CQE_TX_SA_DROP			= 33,
	MANA_CQE_TX_MTU_DROP			= 34,
	MANA_CQE_TX_INVALID_OOB			= 35,
	MANA_CQE_TX_INVALID_ETH_TYPE		= 36,
	MANA_CQE_TX_HDR_PROCESSING_ERROR	= 37,
	MANA_CQE_TX_VF_DISABLED			= 38,
	MANA_CQE_TX_VPORT_IDX_OUT_OF_RANGE	= 39,
	MANA_CQE_TX_VPORT_DISABLED		= 40,
	MANA_CQE_TX_VLAN_TAGGING_VIOLATION	= 41,
};
#define MANA_CQE_TX_FIRST		MANA_CQE_TX_OKAY
#define MANA_CQE_TX_LAST		MANA_CQE_TX_VLAN_TAGGING_VIOLATION
#define MANA_CQE_CLIENT_TYPE_COMPLETION	1u
#define MANA_RX_COALESCE_MAX		4u	/* ppi slots per RX CQE */

/* First dword of every CQE's client data (§4.4, §5.2). */
union mana_cqe_header {
	uint32_t as_uint32;
	struct {
		uint32_t cqe_type	: 6;
		uint32_t client_type	: 2;
		uint32_t vendor_err	: 24;
	};
};

/* §4.4 TX completion client data (60 bytes). */
struct mana_tx_comp_oob {
	union mana_cqe_header hdr;
	uint32_t tx_data_offset;
	union {
		uint32_t dw2;
		struct {
			uint32_t tx_sgl_offset	: 5;
			uint32_t tx_wqe_offset	: 27;
		};
	};
	uint32_t reserved[12];
};

/* §5.2 RX per-packet info. */
struct mana_rx_ppi {
	uint32_t pkt_len	: 16;	/* bytes; 0 = unused slot */
	uint32_t reserved1	: 16;
	uint32_t reserved2;
	uint32_t pkt_hash;		/* Toeplitz value */
};

/* §5.2 RX completion client data (60 bytes). */
struct mana_rx_comp_oob {
	union mana_cqe_header hdr;
	union {
		uint32_t dw1;
		struct {
			uint32_t rx_vlan_id			: 12;
			uint32_t rx_vlantag_present		: 1;
			uint32_t rx_outer_iphdr_csum_succeed	: 1;
			uint32_t rx_outer_iphdr_csum_fail	: 1;
			uint32_t reserved1			: 1;
			uint32_t rx_hashtype			: 9;
			uint32_t rx_iphdr_csum_succeed		: 1;
			uint32_t rx_iphdr_csum_fail		: 1;
			uint32_t rx_tcp_csum_succeed		: 1;
			uint32_t rx_tcp_csum_fail		: 1;
			uint32_t rx_udp_csum_succeed		: 1;
			uint32_t rx_udp_csum_fail		: 1;
			uint32_t reserved2			: 1;
		};
	};
	struct mana_rx_ppi ppi[MANA_RX_COALESCE_MAX];
	uint32_t rx_wqe_offset;	/* byte offset of the WQE, free-running mod 2^32 */
};

/* §6.1 CQE info dword (bytes 60-63). */
union mana_cqe_info {
	uint32_t as_uint32;
	struct {
		uint32_t wq_num		: 24;
		uint32_t is_sq		: 1;
		uint32_t reserved	: 4;
		uint32_t owner_bits	: 3;
	};
};

/* §6.1 The 64-byte CQE. */
struct mana_cqe {
	union {
		uint8_t data[60];
		union mana_cqe_header hdr;
		struct mana_tx_comp_oob tx;
		struct mana_rx_comp_oob rx;
	};
	union mana_cqe_info info;
};

/* ---------------------------------------------------------------------
 * §6.3 Owner bits. Device: k-th CQE -> slot k mod N, owner (k/N + 1) & 7.
 * Consumer: head starts at N; expected owner (head / N) & 7.
 * ------------------------------------------------------------------- */
static inline uint32_t
mana_cqe_owner_for_index(uint32_t k, uint32_t n)
{
	return (k / n + 1) & MANA_CQE_OWNER_MASK;
}

/* ---------------------------------------------------------------------
 * §7.3 RSS hash types (NDIS bits), §7.1 queue selection
 * ------------------------------------------------------------------- */
#define MANA_HASH_IPV4		0x001u
#define MANA_HASH_TCP_IPV4	0x002u
#define MANA_HASH_UDP_IPV4	0x004u
#define MANA_HASH_IPV6		0x008u
#define MANA_HASH_TCP_IPV6	0x010u
#define MANA_HASH_UDP_IPV6	0x020u
#define MANA_HASH_IPV6_EX	0x040u
#define MANA_HASH_TCP_IPV6_EX	0x080u
#define MANA_HASH_UDP_IPV6_EX	0x100u
#define MANA_HASH_L3		(MANA_HASH_IPV4 | MANA_HASH_IPV6 | MANA_HASH_IPV6_EX)
#define MANA_HASH_L4		(MANA_HASH_TCP_IPV4 | MANA_HASH_UDP_IPV4 | \
				 MANA_HASH_TCP_IPV6 | MANA_HASH_UDP_IPV6 | \
				 MANA_HASH_TCP_IPV6_EX | MANA_HASH_UDP_IPV6_EX)
#define MANA_RSS_HASH_FUNC_TOEPLITZ	1u	/* §1.8 */

/* ---------------------------------------------------------------------
 * Static layout checks (sizes from the spec tables).
 * ------------------------------------------------------------------- */
static_assert(sizeof(union mana_db_sq) == 8, "§2.2 SQ doorbell is 64-bit");
static_assert(sizeof(union mana_db_rq) == 8, "§2.2 RQ doorbell is 64-bit");
static_assert(sizeof(union mana_db_cq) == 8, "§2.2 CQ doorbell is 64-bit");
static_assert(sizeof(union mana_db_short_wq) == 4, "§2.3 short doorbell");
static_assert(sizeof(union mana_db_short_cq) == 4, "§2.3 short doorbell");
static_assert(sizeof(struct mana_wqe_header) == MANA_DMA_HDR_SIZE, "§3.2 header");
static_assert(sizeof(struct mana_sge) == MANA_SGE_SIZE, "§3.2 SGE");
static_assert(sizeof(struct mana_tx_short_oob) == MANA_TX_SHORT_OOB_SIZE, "§4.2");
static_assert(sizeof(struct mana_tx_oob) == MANA_TX_LONG_OOB_SIZE, "§4.2");
static_assert(sizeof(struct mana_tx_comp_oob) == 60, "§4.4");
static_assert(sizeof(struct mana_rx_ppi) == 12, "§5.2 ppi");
static_assert(sizeof(struct mana_rx_comp_oob) == 60, "§5.2");
static_assert(sizeof(struct mana_cqe) == MANA_CQE_SIZE, "§6.1 CQE");
static_assert(__builtin_offsetof(struct mana_rx_comp_oob, rx_wqe_offset) == 56,
	      "§5.2 rx_wqe_offset is dword 14");
static_assert(__builtin_offsetof(struct mana_cqe, info) == 60, "§6.1 info dword");

#endif /* MANA_HW_H */
