/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Test harness for the net_mana ethdev tests on the soft-NIC.
 *
 * Every test program is a DPDK application run under softnic-run with a loop
 * wire between soft-NIC port 0 and port 1 (softnic-run --ports 2 --wire loop).
 * The harness:
 *  - builds the EAL command line (--no-huge -m 1024 --iova-mode=va -d <PMD>
 *    -a <pci>,mac=<port0>,mac=<port1> --file-prefix <unique> --no-telemetry),
 *    reading the port MACs from the fake sysfs of softnic-run;
 *  - finds the two ethdev ports by MAC (port A = soft-NIC port 0, port B =
 *    soft-NIC port 1: frames sent on A arrive on B and vice versa);
 *  - offers frame builders with independent checksum computation (DPDK's
 *    rte_ip.h helpers), mbuf helpers, bounded-time send/receive helpers,
 *    xstats look-ups, Toeplitz (rte_softrss) and the soft-NIC control socket
 *    client ($SOFTNIC_CTL, protocol of softnic/softnic.h sn_ctl_exec).
 *
 * All waits are bounded polling loops (TH_WAIT_MS) that fail with a message;
 * there is no sleep used as synchronisation.
 */
#ifndef MANA_ETHDEV_HARNESS_H
#define MANA_ETHDEV_HARNESS_H

#include <stdbool.h>
#include <stdint.h>
#include <stddef.h>

#include <CUnit/Basic.h>
#include <rte_ethdev.h>
#include <rte_ether.h>
#include <rte_mbuf.h>
#include <rte_mempool.h>

#define TH_WAIT_MS		5000u	/* bound of every polling wait */
#define TH_MAX_FRAME		9018u
#define TH_POOL_SIZE		8191u	/* mbufs of the default pool */
#define TH_TAIL_MAGIC		0x414e414du	/* "MANA" little-endian */
#define TH_TAIL_LEN		8u	/* magic + sequence number at frame end */

/* The test environment, filled by th_init(). */
struct th_env {
	uint16_t port_a;		/* ethdev port of soft-NIC port 0 */
	uint16_t port_b;		/* ethdev port of soft-NIC port 1 */
	struct rte_ether_addr mac_a;
	struct rte_ether_addr mac_b;
	char pci[32];			/* PCI address of the soft-NIC */
	struct rte_mempool *pool;	/* TH_POOL_SIZE mbufs, default data room */
	const char *capture;		/* --capture FILE (pcap written by port A's wire) */
	bool coalesce;			/* soft-NIC coalescing as launched (--coalesce) */
	const char *ctl_path;		/* $SOFTNIC_CTL or NULL */
};
extern struct th_env th;

/*
 * Parse the program arguments (--pmd PATH, --pci ADDR, --coalesce on|off,
 * --capture FILE), initialise the EAL with the soft-NIC's ports and create
 * the default mempool.  Returns 0, or a negative errno after printing why.
 */
int th_init(int argc, char **argv, const char *prog);

/* Stop and close every port still open, free pools, rte_eal_cleanup(). */
void th_fini(void);

/*
 * Register one CUnit suite (name, init function or NULL, tests in order,
 * ending with CU_TEST_INFO_NULL) in a new registry and run it with the
 * project's runner (tests/common/cunit_run.h).  Returns the process exit
 * status: 0 all passed, 1 failures, 2 if CUnit or the suite could not be
 * set up (with a message).
 */
int th_run_tests(const char *name, CU_InitializeFunc init, CU_TestInfo *tests);

/* The suite of one ethdev test program, run by th_main(). */
struct th_suite {
	const char *prog;		/* program name: EAL file prefix, usage */
	const char *name;		/* CUnit suite name */
	const char *name_nocoalesce;	/* suite name under --coalesce off, NULL = name */
	CU_InitializeFunc init;		/* CUnit suite init (EAL up), or NULL */
	CU_TestInfo *tests;		/* in order, ending with CU_TEST_INFO_NULL */
};

/*
 * The whole main() of an ethdev test program: th_init(argc, argv, s->prog),
 * th_run_tests() of the suite, th_fini().  Returns the process exit status:
 * that of th_run_tests(), or 2 if th_init() failed.
 */
int th_main(int argc, char **argv, const struct th_suite *s);

/*
 * Define the main() of an ethdev test program: th_main() of the struct
 * th_suite initialised with the arguments, e.g.
 *   TH_MAIN(.prog = "rss", .name = "ethdev-rss", .init = suite_init, .tests = tests)
 */
#define TH_MAIN(...) \
	int main(int argc, char **argv) \
	{ \
		static const struct th_suite th_main_suite = { __VA_ARGS__ }; \
		return th_main(argc, argv, &th_main_suite); \
	}

/* Port configuration used by th_port_setup(). */
struct th_port_conf {
	uint16_t nb_rxq, nb_txq;	/* 0 = 1 */
	uint16_t nb_rxd, nb_txd;	/* 0 = 256 */
	uint64_t rx_offloads;		/* RTE_ETH_RX_OFFLOAD_* */
	uint64_t tx_offloads;		/* RTE_ETH_TX_OFFLOAD_* */
	struct rte_mempool *rx_pool;	/* NULL = th.pool */
	bool rss;			/* mq_mode RSS with all supported rss_hf */
	const uint8_t *rss_key;		/* 40 bytes or NULL (driver default) */
	bool intr_rmv;			/* intr_conf.rmv = 1 */
	uint16_t mtu;			/* rxmode.mtu, 0 = default (1500) */
};

/*
 * Stop the port if started, configure it, set up its queues and start it.
 * Returns 0 or the first negative errno (with a message on stderr naming the
 * failing call).
 */
int th_port_setup(uint16_t port, const struct th_port_conf *c);
/* th_port_setup() of port A with a, then of port B with b: 0 or the error. */
int th_ports_setup(const struct th_port_conf *a, const struct th_port_conf *b);
/* Stop the port (0 or negative errno). */
int th_port_stop(uint16_t port);
/* Stop port A, then port B, asserting that each rte_eth_dev_stop returns 0. */
void th_ports_stop(void);

/* Device capabilities of a port (asserts rte_eth_dev_info_get succeeds). */
void th_dev_info(uint16_t port, struct rte_eth_dev_info *info);

/* ---- frames ---------------------------------------------------------- */

/* A flow used by the frame builder; addresses in network byte order. */
struct th_flow {
	uint8_t ip_ver;			/* 4, 6, or 0 for a non-IP frame */
	uint8_t l4;			/* IPPROTO_TCP, IPPROTO_UDP, IPPROTO_ICMP(V6), 0 */
	uint8_t src[16], dst[16];	/* IPv4 uses the first 4 bytes */
	uint16_t sport, dport;		/* host byte order */
	uint16_t vlan_tci;		/* 802.1Q TCI in the built frame, 0 = untagged */
	bool ip_frag;			/* IPv4: set MF (first fragment) */
};

/* Fill an IPv4 flow from dotted-quad strings (aborts if they do not parse). */
void th_flow4(struct th_flow *f, uint8_t l4, const char *src, uint16_t sport,
	      const char *dst, uint16_t dport);
/* Fill an IPv6 flow from textual addresses. */
void th_flow6(struct th_flow *f, uint8_t l4, const char *src, uint16_t sport,
	      const char *dst, uint16_t dport);

/*
 * Build a frame of exactly len bytes (>= headers + TH_TAIL_LEN) into buf:
 * Ethernet (+ 802.1Q if f->vlan_tci), IPv4/IPv6, TCP/UDP/ICMP, a payload
 * pattern derived from seq and, in the last 8 bytes, TH_TAIL_MAGIC + seq.
 * All checksums are correct (computed with rte_ip.h).  Non-IP frames use
 * EtherType 0x88B5 (local experimental).  Returns the L2 header length
 * (14 or 18); *l3_len gets the L3 header length (0 for non-IP).  Usable
 * outside CUnit (aborts if len cannot hold the headers and the tail).
 */
uint16_t th_build(uint8_t *buf, uint32_t len, const struct rte_ether_addr *src_mac,
		  const struct rte_ether_addr *dst_mac, const struct th_flow *f,
		  uint32_t seq, uint16_t *l3_len);

/* Recompute every checksum of a frame built by th_build() (after edits). */
void th_fix_checksums(uint8_t *buf, uint32_t len);

/* Sequence number from the tail of a frame/mbuf, or UINT32_MAX without magic. */
uint32_t th_seq_of(const struct rte_mbuf *m);

/* Allocate an mbuf holding the bytes (one segment; asserts on failure). */
struct rte_mbuf *th_mbuf(struct rte_mempool *mp, const uint8_t *bytes, uint32_t len);
/* Same, split into nseg segments of roughly equal size, the first holding at
 * least first_min bytes (so that headers stay in the first segment). */
struct rte_mbuf *th_mbuf_segs(struct rte_mempool *mp, const uint8_t *bytes,
			      uint32_t len, unsigned int nseg, uint32_t first_min);

/*
 * An mbuf of th.pool for the TX offload tests: bytes[0..len) in nseg
 * segments (th_mbuf_segs with l2 + l3 + 20 bytes, the headers, in the
 * first; nseg <= 1: th_mbuf), with ol_flags = ol, l2_len = l2,
 * l3_len = l3 and vlan_tci as given.  Asserts on failure.
 */
struct rte_mbuf *th_tx_mbuf(const uint8_t *bytes, uint32_t len, unsigned int nseg, uint64_t ol,
			    uint16_t l2, uint16_t l3, uint16_t vlan_tci);

/*
 * true if the packet data of m equals bytes[0..len) exactly; otherwise prints
 * the first differing offset and a hex dump of both and returns false.
 */
bool th_mbuf_equal(const struct rte_mbuf *m, const uint8_t *bytes, uint32_t len,
		   const char *what);

/* ---- datapath -------------------------------------------------------- */

/*
 * Send all n mbufs on (port, queue), calling rte_eth_tx_burst until every
 * packet is taken or TH_WAIT_MS elapsed.  Untaken mbufs are freed.
 * Returns the number taken.
 */
uint16_t th_tx_all(uint16_t port, uint16_t queue, struct rte_mbuf **m, uint16_t n);

/*
 * Receive on (port, queue) until want mbufs arrived or TH_WAIT_MS elapsed.
 * Returns the number received (never more than want; out must hold want
 * entries).
 */
unsigned int th_rx_wait(uint16_t port, uint16_t queue, struct rte_mbuf **out,
			unsigned int want);
/* Same over queues 0..nq-1; qid[i] gets the queue of out[i]. */
unsigned int th_rx_wait_multi(uint16_t port, uint16_t nq, struct rte_mbuf **out,
			      uint16_t *qid, unsigned int want);
/*
 * Poll every queue of port for quiet_ms and free what arrives; returns the
 * number of packets drained (used only to assert that nothing else arrived
 * after an exact expected set was received).
 */
unsigned int th_rx_drain(uint16_t port, uint16_t nq, unsigned int quiet_ms);

void th_free_all(struct rte_mbuf **m, unsigned int n);

/*
 * Send n IPv4/UDP frames (lengths cycling from len_min to len_max, sequence
 * numbers seq0..seq0+n-1, correct checksums, no offload) from port tx (queue
 * 0, src MAC of tx, dst MAC of rx) and receive them on rx queue 0; every
 * frame must arrive in order with exactly the sent bytes.  *bytes (if not
 * NULL) gets the total frame bytes sent.  Returns the number of frames
 * received correctly (== n on success), asserting along the way.
 */
unsigned int th_send_expect(uint16_t tx, uint16_t rx, unsigned int n, uint32_t len_min,
			    uint32_t len_max, uint32_t seq0, uint64_t *bytes);
/* MAC of one of the two test ports. */
const struct rte_ether_addr *th_mac(uint16_t port);

/* Milliseconds from a monotonic clock. */
uint64_t th_now_ms(void);

/* ---- stats ----------------------------------------------------------- */

/*
 * Sum of the xstats of port whose name contains every one of the given
 * NUL-terminated substrings (NULL-terminated list).  Returns -1 if no name
 * matches (so a test can assert the counter exists).
 */
int64_t th_xstat_sum(uint16_t port, ...) __attribute__((sentinel));
/* Value of the xstat with exactly this name, -1 if absent. */
int64_t th_xstat(uint16_t port, const char *name);
/* Print all xstats of a port with non-zero value (diagnostics). */
void th_xstats_dump(uint16_t port, const char *why);

/* ---- soft-NIC control socket ------------------------------------------ */

/*
 * Send one command line to $SOFTNIC_CTL and return the answer (static
 * buffer, valid until the next call), or NULL (with a message) if the
 * socket is not available.
 */
const char *th_ctl(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/*
 * Value of "key=value" in a counters answer; -1 if absent.  The key is
 * matched as a whole line prefix up to '='.
 */
int64_t th_ctl_value(const char *answer, const char *key);
/*
 * Sum of the per-queue counter ctr ("cqes", "cq_doorbells", ...) over every
 * queue of kind "sq" or "rq" that belongs to soft-NIC port `port`, from a
 * "counters <a>" answer (lines "rq7.port=1", "rq7.cqes=100", ...).
 * Returns -1 if no such queue is listed.
 */
int64_t th_ctl_queue_sum(const char *answer, const char *kind, unsigned int port,
			 const char *ctr);

/* ---- RSS ----------------------------------------------------------- */

/*
 * Toeplitz hash (rte_softrss) of a flow with a 40-byte key, over the NDIS
 * input of spec §7.2: addresses, plus ports when l4 is TCP/UDP and the
 * packet is not a fragment.
 */
uint32_t th_toeplitz(const struct th_flow *f, const uint8_t *key);

/* The spec §7 default RSS key of DPDK's MANA driver. */
extern const uint8_t th_default_rss_key[40];
/* The spec §7.4 Microsoft verification key. */
extern const uint8_t th_ms_rss_key[40];

/*
 * A spec §7.4 verification vector: a flow (textual addresses, ports in host
 * order) and the published Toeplitz hashes under th_ms_rss_key of its
 * addresses (l3) and of its addresses and ports (l4).
 */
struct th_rss_vector {
	const char *src, *dst;
	uint16_t sport, dport;
	uint32_t l3, l4;
};
#define TH_MS_VECTORS4	5u
#define TH_MS_VECTORS6	3u
/* The spec §7.4 IPv4 and IPv6 vectors. */
extern const struct th_rss_vector th_ms_vectors4[TH_MS_VECTORS4];
extern const struct th_rss_vector th_ms_vectors6[TH_MS_VECTORS6];

#endif /* MANA_ETHDEV_HARNESS_H */
