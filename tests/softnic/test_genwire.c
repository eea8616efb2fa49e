/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Soft-NIC conformance: the traffic-generator wire "gen:<len>[:<flows>[:<count>]]"
 * (softnic/wire/wire_gen.c).
 * Run: softnic-run --ports 2 --wire gen:101:3:14 --wire gen:60:16 --
 *          test_genwire --softnic-run PATH
 *
 * Two levels:
 *  - the wire itself, opened here with sn_wire_open (this program links the
 *    wire library; sn_log below collects its log lines): spec grammar
 *    (malformed specs -EINVAL with a log line), exact bytes of every field,
 *    round-robin flow order, <count> then nothing, wire counters, TX
 *    discarded and counted, truncation, 65536 flows (port wrap) with every
 *    UDP checksum valid, jumbo frames;
 *  - the wire behind the device ports of the soft-NIC this program runs on:
 *    port 0 (gen:101:3:14, one RQ): the 14 frames arrive with exact bytes
 *    in round-robin order and then nothing more although the device has
 *    polled the wire again (proved by TX round trips, see
 *    test_port0_count); port 1 (gen:60:16, endless; RSS QP of 2 RQs with the
 *    §7.4 key): both RQs receive, every frame on the RQ its Toeplitz hash
 *    selects (§7.1, §7.2).
 * --softnic-run names the softnic-run binary whose own validation of gen
 * specs is checked too (exit status 2 for a malformed spec, 0 for valid
 * ones; that test fails without it).
 *
 * The expected frames are written here byte by byte from the spec of the
 * wire (doc/softnic.md "Wires"); checksums are checked with DPDK's
 * rte_ipv4_cksum / rte_ipv4_udptcp_cksum_verify on the received bytes and
 * by recomputing them over the expected frame.
 */
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <CUnit/Basic.h>

#include <rte_byteorder.h>
#include <rte_ip.h>
#include <rte_udp.h>

#include "sntest.h"
#include "softnic.h"

#define P0_LEN		101u	/* odd: the checksums' odd-length tail */
#define P0_FLOWS	3u
#define P0_COUNT	14u	/* not a multiple of P0_FLOWS */
#define P1_LEN		60u
#define P1_FLOWS	16u
#define P1_WQ		2u
#define P1_RECV		256u	/* frames checked on port 1 */

static const char *softnic_run_path;
static struct snt_dev dev;
static struct snt_sq sq0;
static struct snt_rss rss0;

/* ------------------------------------------------------------------ */
/* The wire library's log sink                                          */
/* ------------------------------------------------------------------ */

static unsigned int log_errors;

/*
 * sn_log for the wire library linked into this program (the soft-NIC's own
 * copy lives in the drop-in libibverbs): prints the line and counts the
 * error-level ones, so the tests can check that a rejected spec was logged.
 */
void
sn_log(int level, const char *fmt, ...)
{
	char line[512];
	va_list ap;
	size_t n;

	if (level == SN_LOG_ERR)
		log_errors++;
	va_start(ap, fmt);
	vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	n = strlen(line);
	fprintf(stderr, "[wire log %d] %s%s", level, line,
		n == 0 || line[n - 1] != '\n' ? "\n" : "");
}

/* ------------------------------------------------------------------ */
/* Expected frames                                                      */
/* ------------------------------------------------------------------ */

/*
 * The frame of flow `flow` of a gen wire of length len behind a port with
 * MAC mac, from the layout in doc/softnic.md: Ethernet, IPv4 (no options),
 * UDP, payload byte k = k.  Checksums recomputed with DPDK's helpers.
 */
static void
want_frame(uint8_t *b, uint32_t len, const uint8_t mac[6], unsigned int flow)
{
	uint16_t sport = (uint16_t)(1024u + flow);
	uint16_t ck;
	uint32_t k;

	memset(b, 0, len);
	memcpy(b, mac, 6);
	b[6] = 0x02; b[7] = 0; b[8] = 0; b[9] = 0; b[10] = 0; b[11] = 0x01;
	b[12] = 0x08; b[13] = 0x00;
	/* IPv4 at 14 */
	b[14] = 0x45;				/* version 4, IHL 5 */
	b[15] = 0;				/* TOS */
	b[16] = (uint8_t)((len - 14) >> 8);	/* total length */
	b[17] = (uint8_t)(len - 14);
	b[18] = 0; b[19] = 0;			/* identification */
	b[20] = 0; b[21] = 0;			/* flags (DF clear), fragment offset */
	b[22] = 64;				/* TTL */
	b[23] = 17;				/* UDP */
	b[26] = 198; b[27] = 18; b[28] = 0; b[29] = 1;
	b[30] = 198; b[31] = 18; b[32] = 0; b[33] = 2;
	/* UDP at 34 */
	b[34] = (uint8_t)(sport >> 8);
	b[35] = (uint8_t)sport;
	b[36] = 0; b[37] = 9;			/* discard */
	b[38] = (uint8_t)((len - 34) >> 8);
	b[39] = (uint8_t)(len - 34);
	for (k = 0; k < len - 42; k++)
		b[42 + k] = (uint8_t)k;
	ck = rte_ipv4_cksum((const struct rte_ipv4_hdr *)(b + 14));
	memcpy(b + 24, &ck, 2);
	ck = rte_ipv4_udptcp_cksum((const struct rte_ipv4_hdr *)(b + 14), b + 34);
	memcpy(b + 40, &ck, 2);
}

/* The received frame's checksums, checked on its own bytes: IPv4 header
 * sums to 0xffff (rte_ipv4_cksum() == 0), UDP checksum non-zero and valid. */
static bool
cksums_ok(const uint8_t *f)
{
	const struct rte_ipv4_hdr *ip = (const struct rte_ipv4_hdr *)(f + 14);
	const struct rte_udp_hdr *udp = (const struct rte_udp_hdr *)(f + 34);

	return rte_ipv4_cksum(ip) == 0 && udp->dgram_cksum != 0 &&
	       rte_ipv4_udptcp_cksum_verify(ip, udp) == 0;
}

/* Compare a received frame with flow `flow`'s; print the difference. */
static bool
frame_is(const uint8_t *got, uint32_t got_len, uint32_t len, const uint8_t mac[6],
	 unsigned int flow, const char *what)
{
	static uint8_t want[SN_MAX_FRAME];

	want_frame(want, len, mac, flow);
	if (got_len == len && memcmp(got, want, len) == 0)
		return true;
	fprintf(stderr, "%s (flow %u):\n", what, flow);
	snt_dump_diff(what, got, got_len, want, len);
	return false;
}

/* ------------------------------------------------------------------ */
/* The wire on its own (sn_wire_open)                                   */
/* ------------------------------------------------------------------ */

static const uint8_t test_mac[6] = { 0x00, 0x15, 0x5d, 0xab, 0xcd, 0xef };

static void
test_spec_rejected(void)
{
	static const char *const bad[] = {
		"gen", "gen:", "gen:59", "gen:60:0", "gen:60:x", "gen:9999999",
		"gen:9019", "gen:0", "gen:-60", "gen: 60", "gen:60 ", "gen:0x3c",
		"gen:60:", "gen:60:65537", "gen:60:-1", "gen:60:1:", "gen:60:1:x",
		"gen:60:1:1:1", "gen:60:1:18446744073709551616", "gen:60::5",
	};
	static const char *const good[] = {
		"gen:60", "gen:9018", "gen:60:65536", "gen:060:1:0",
		"gen:60:1:18446744073709551615",
	};
	struct sn_wire *w;
	unsigned int i;
	int ret;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		unsigned int before = log_errors;

		w = NULL;
		ret = sn_wire_open(bad[i], 0, 0, test_mac, &w);
		if (ret != -EINVAL || w != NULL || log_errors == before)
			fprintf(stderr, "spec \"%s\": %d (%s), %u error lines logged; expected "
				"-EINVAL and a log line\n", bad[i], ret, strerror(-ret),
				log_errors - before);
		CU_ASSERT_EQUAL(ret, -EINVAL);
		CU_ASSERT_PTR_NULL(w);
		CU_ASSERT(log_errors > before);
	}
	for (i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
		ret = sn_wire_open(good[i], 0, 0, test_mac, &w);
		if (ret != 0)
			fprintf(stderr, "spec \"%s\": %d, expected 0\n", good[i], ret);
		CU_ASSERT_EQUAL_FATAL(ret, 0);
		CU_ASSERT_EQUAL(sn_wire_fd(w), -1);
		sn_wire_close(w);
	}
	/* The MAC is required. */
	CU_ASSERT_EQUAL(sn_wire_open("gen:60", 0, 0, NULL, &w), -EINVAL);
}

static void
test_direct_frames(void)
{
	enum { COUNT = 7, LEN = P0_LEN, FLOWS = 3 };
	uint8_t buf[SN_MAX_FRAME], want[LEN];
	struct sn_wire_stats st;
	struct sn_wire *w;
	unsigned int i;

	CU_ASSERT_EQUAL_FATAL(sn_wire_open("gen:101:3:7", 0, 0, test_mac, &w), 0);
	CU_ASSERT_EQUAL(sn_wire_fd(w), -1);
	for (i = 0; i < COUNT; i++) {
		memset(buf, 0xa5, sizeof(buf));
		CU_ASSERT_EQUAL_FATAL(sn_wire_rx(w, buf, sizeof(buf)), LEN);
		CU_ASSERT(frame_is(buf, LEN, LEN, test_mac, i % FLOWS, "gen wire frame"));
		CU_ASSERT(cksums_ok(buf));
		CU_ASSERT_EQUAL(buf[LEN], 0xa5);	/* nothing written past len */
	}
	/* <count> reached: nothing more, however often asked. */
	for (i = 0; i < 3; i++)
		CU_ASSERT_EQUAL(sn_wire_rx(w, buf, sizeof(buf)), 0);
	sn_wire_stats(w, &st);
	CU_ASSERT_EQUAL(st.rx_frames, COUNT);
	CU_ASSERT_EQUAL(st.rx_bytes, (uint64_t)COUNT * LEN);
	/* TX: discarded, counted as sent; the dispatcher still rejects len 0. */
	want_frame(want, LEN, test_mac, 0);
	CU_ASSERT_EQUAL(sn_wire_tx(w, want, LEN), 0);
	CU_ASSERT_EQUAL(sn_wire_tx(w, want, 60), 0);
	CU_ASSERT_EQUAL(sn_wire_tx(w, want, 0), -EMSGSIZE);
	sn_wire_stats(w, &st);
	CU_ASSERT_EQUAL(st.tx_frames, 2);
	CU_ASSERT_EQUAL(st.tx_bytes, LEN + 60);
	CU_ASSERT_EQUAL(st.tx_drops, 1);
	CU_ASSERT_EQUAL(st.rx_frames, COUNT);
	sn_wire_close(w);

	/* Default flows (1) and count (0 = endless): flow 0 every time. */
	CU_ASSERT_EQUAL_FATAL(sn_wire_open("gen:60", 0, 1, test_mac, &w), 0);
	for (i = 0; i < 1000; i++) {
		CU_ASSERT_EQUAL_FATAL(sn_wire_rx(w, buf, sizeof(buf)), 60);
		if (i % 97 == 0 || i == 999)
			CU_ASSERT(frame_is(buf, 60, 60, test_mac, 0, "gen:60 frame"));
	}
	sn_wire_stats(w, &st);
	CU_ASSERT_EQUAL(st.rx_frames, 1000);
	CU_ASSERT_EQUAL(st.rx_bytes, 60000);
	sn_wire_close(w);
}

/* A buffer shorter than the frame gets the frame's first cap bytes and the
 * full length is returned (sn_wire_rx contract, softnic.h). */
static void
test_direct_truncation(void)
{
	static const uint32_t caps[] = { 1, 20, 35, 41, 42, 50, 100 };
	uint8_t buf[128], want[P0_LEN];
	struct sn_wire *w;
	unsigned int i;

	CU_ASSERT_EQUAL_FATAL(sn_wire_open("gen:101:3", 0, 0, test_mac, &w), 0);
	for (i = 0; i < sizeof(caps) / sizeof(caps[0]); i++) {
		memset(buf, 0xa5, sizeof(buf));
		CU_ASSERT_EQUAL(sn_wire_rx(w, buf, caps[i]), P0_LEN);
		want_frame(want, P0_LEN, test_mac, i % 3);
		if (memcmp(buf, want, caps[i]) != 0)
			snt_dump_diff("truncated frame", buf, caps[i], want, caps[i]);
		CU_ASSERT_EQUAL(memcmp(buf, want, caps[i]), 0);
		CU_ASSERT_EQUAL(buf[caps[i]], 0xa5);
	}
	sn_wire_close(w);
}

/* All 65536 flows: source ports 1024 + i modulo 65536, every checksum
 * valid (the generator derives them incrementally), then flow 0 again.
 * Plus jumbo frames (the largest length) and a few lengths compared byte
 * for byte. */
static void
test_direct_all_flows(void)
{
	static const uint32_t lens[] = { 60, 61, 64, 128, 512, 1514, 1518, SN_MAX_FRAME };
	static uint8_t buf[SN_MAX_FRAME], first[64];
	unsigned int bad_port = 0, bad_ck = 0, i;
	struct sn_wire_stats st;
	struct sn_wire *w;
	char spec[64];

	CU_ASSERT_EQUAL_FATAL(sn_wire_open("gen:60:65536:65537", 0, 0, test_mac, &w), 0);
	for (i = 0; i < 65537; i++) {
		uint16_t sport;

		CU_ASSERT_EQUAL_FATAL(sn_wire_rx(w, buf, sizeof(buf)), 60);
		sport = (uint16_t)(buf[34] << 8 | buf[35]);
		if (sport != (uint16_t)(1024u + (i & 0xffff)) && bad_port++ < 5)
			fprintf(stderr, "frame %u: source port %u\n", i, sport);
		if (!cksums_ok(buf) && bad_ck++ < 5)
			fprintf(stderr, "frame %u (port %u): bad checksum\n", i, sport);
		if (i == 0)
			memcpy(first, buf, 60);
		if (i == 64512 || i == 65535)
			CU_ASSERT(frame_is(buf, 60, 60, test_mac, i, "wrapped port frame"));
	}
	CU_ASSERT_EQUAL(bad_port, 0);
	CU_ASSERT_EQUAL(bad_ck, 0);
	CU_ASSERT_EQUAL(memcmp(buf, first, 60), 0);	/* frame 65536 = flow 0 */
	CU_ASSERT_EQUAL(buf[34], 0x04);
	CU_ASSERT_EQUAL(buf[35], 0x00);
	CU_ASSERT_EQUAL(sn_wire_rx(w, buf, sizeof(buf)), 0);
	sn_wire_stats(w, &st);
	CU_ASSERT_EQUAL(st.rx_frames, 65537);
	sn_wire_close(w);

	for (i = 0; i < sizeof(lens) / sizeof(lens[0]); i++) {
		unsigned int j;

		snprintf(spec, sizeof(spec), "gen:%u:5:5", lens[i]);
		CU_ASSERT_EQUAL_FATAL(sn_wire_open(spec, 0, 0, test_mac, &w), 0);
		for (j = 0; j < 5; j++) {
			CU_ASSERT_EQUAL_FATAL(sn_wire_rx(w, buf, sizeof(buf)), (int)lens[i]);
			CU_ASSERT(frame_is(buf, lens[i], lens[i], test_mac, j, spec));
			CU_ASSERT(cksums_ok(buf));
		}
		CU_ASSERT_EQUAL(sn_wire_rx(w, buf, sizeof(buf)), 0);
		sn_wire_close(w);
	}
}

/* softnic-run validates gen specs before starting anything (exit 2). */
static int
run_softnic_run(const char *wire)
{
	int status;
	pid_t pid = fork();

	if (pid < 0)
		return -1;
	if (pid == 0) {
		int fd = open("/dev/null", O_WRONLY);

		if (fd >= 0) {
			dup2(fd, 1);
			dup2(fd, 2);
		}
		execl(softnic_run_path, softnic_run_path, "--ports", "1", "--wire", wire,
		      "--", "true", (char *)NULL);
		_exit(99);
	}
	if (waitpid(pid, &status, 0) != pid || !WIFEXITED(status))
		return -1;
	return WEXITSTATUS(status);
}

static void
test_softnic_run_specs(void)
{
	static const char *const bad[] = {
		"gen", "gen:", "gen:59", "gen:60:0", "gen:60:x", "gen:9999999", "gen:60:1:1:1",
		"gen:60:65537", "gen:60:1:", "gen:0x3c",
	};
	static const char *const good[] = { "gen:60", "gen:9018:65536:10000" };
	unsigned int i;

	if (softnic_run_path == NULL) {
		fprintf(stderr, "no --softnic-run given: softnic-run's validation not checked\n");
		CU_FAIL("--softnic-run PATH missing");
		return;
	}
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		int rc = run_softnic_run(bad[i]);

		if (rc != 2)
			fprintf(stderr, "softnic-run --wire %s: exit %d, expected 2\n", bad[i], rc);
		CU_ASSERT_EQUAL(rc, 2);
	}
	for (i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
		int rc = run_softnic_run(good[i]);

		if (rc != 0)
			fprintf(stderr, "softnic-run --wire %s -- true: exit %d, expected 0\n",
				good[i], rc);
		CU_ASSERT_EQUAL(rc, 0);
	}
}

/* ------------------------------------------------------------------ */
/* Behind the device                                                   */
/* ------------------------------------------------------------------ */

static int
suite_init(void)
{
	if (snt_open(&dev, NULL) != 0 || dev.nports < 2)
		return -1;
	/* Port 0: send QP, then an RSS QP of 1 RQ with 64 WQEs posted, so all
	 * P0_COUNT frames find a WQE whenever the device delivers them. */
	if (snt_endpoint_create(&dev, &sq0, &rss0, 0, 64, 2, 64) != 0)
		return -1;
	return 0;
}

static int
suite_clean(void)
{
	snt_endpoint_destroy(&sq0, &rss0);
	snt_close(&dev);
	return snt_rings_freed();
}

static const char *const rx_drop_ctrs[] = {
	"rx_drop_no_wqe", "rx_drop_no_rq", "rx_drop_link_down", "rx_drop_fault",
	"rx_drop_truncated", "rx_drop_dma_error",
};

static void
check_port_ctr(unsigned int port, const char *key, uint64_t want)
{
	uint64_t v = ~0ull;

	CU_ASSERT_EQUAL(snt_counter(0, (int)port, key, &v), 0);
	if (v != want)
		fprintf(stderr, "port%u.%s = %llu, expected %llu\n", port, key,
			(unsigned long long)v, (unsigned long long)want);
	CU_ASSERT_EQUAL(v, want);
}

/*
 * Port 0, gen:101:3:14: exactly 14 frames, byte for byte, flows 0,1,2,0,...
 * then nothing.  "Nothing" is checked after the device has certainly polled
 * the wire again: once frame 14's CQE is visible, a TX doorbell rung now is
 * seen in a later device iteration than the one that delivered frame 14
 * (adapter.c: each iteration scans doorbells, processes SQs, then polls every
 * receiving port's wire).  Two TX round trips (send, wait for the CQE) thus
 * guarantee that a whole iteration — including its poll of port 0's wire,
 * with 50 WQEs still posted — ran after frame 14: a 15th frame would be in
 * the RQ by then.
 */
static void
test_port0_count(void)
{
	uint8_t tx[60];
	struct snt_pkt p;
	unsigned int i;

	for (i = 0; i < P0_COUNT; i++) {
		int ret = snt_rq_recv(&rss0.rq[0], &p, SNT_TIMEOUT_MS);

		if (ret != 1) {
			uint64_t v = 0;

			snt_counter(0, 0, "rx_drop_no_wqe", &v);
			fprintf(stderr, "frame %u of %u not received within %u ms (%d); "
				"port0.rx_drop_no_wqe = %llu\n", i, P0_COUNT, SNT_TIMEOUT_MS,
				ret, (unsigned long long)v);
			CU_FAIL_FATAL("generated frame not received");
		}
		CU_ASSERT_EQUAL(p.cqe_type == MANA_CQE_RX_OKAY ||
				p.cqe_type == MANA_CQE_RX_COALESCED_4, true);
		CU_ASSERT(frame_is(p.data, p.len, P0_LEN, dev.mac[0], i % P0_FLOWS,
				   "port 0 frame"));
		CU_ASSERT(cksums_ok(p.data));
		CU_ASSERT_EQUAL(p.cqe.info.wq_num, rss0.rq[0].dv.wq_id);
	}
	/* TX on a gen wire: discarded, completes normally, counts as sent. */
	want_frame(tx, sizeof(tx), dev.mac[1], 0);
	for (i = 0; i < 2; i++)
		CU_ASSERT_EQUAL(snt_sq_send(&sq0, tx, sizeof(tx), NULL, false, NULL),
				MANA_CQE_TX_OKAY);
	CU_ASSERT_EQUAL(snt_rq_recv(&rss0.rq[0], &p, 100), 0);
	CU_ASSERT_EQUAL(snt_rq_outstanding(&rss0.rq[0]), 64 - P0_COUNT);
	check_port_ctr(0, "rx_frames", P0_COUNT);
	check_port_ctr(0, "rx_bytes", (uint64_t)P0_COUNT * P0_LEN);
	for (i = 0; i < sizeof(rx_drop_ctrs) / sizeof(rx_drop_ctrs[0]); i++)
		check_port_ctr(0, rx_drop_ctrs[i], 0);
	check_port_ctr(0, "tx_frames", 2);
	check_port_ctr(0, "tx_bytes", 2 * sizeof(tx));
	check_port_ctr(0, "tx_drop_wire", 0);
}

/*
 * Port 1, gen:60:16 (endless): an RSS QP of 2 RQs with the §7.4 key hashing
 * IPv4 + UDP ports.  Every received frame is one of the 16 flows, exact
 * bytes; its CQE carries the Toeplitz hash of (198.18.0.1, 198.18.0.2,
 * 1024 + flow, 9) with the L4 hash type, and it sits on RQ table[hash & 63]
 * = RQ (hash & 63) mod 2 (§7.1: entry j is RQ j mod n).  The 16 flows are
 * predicted to cover both RQs, and both receive.  The stream is endless, so
 * once the rings are full the device drops (rx_drop_no_wqe): the counts are
 * not exact, the placement is.
 */
static void
test_port1_rss(void)
{
	static const uint8_t smac[6] = { 0x02, 0, 0, 0, 0, 0x01 };
	unsigned int per_rq[P1_WQ] = { 0 }, predicted[P1_WQ] = { 0 };
	unsigned int per_flow[P1_FLOWS] = { 0 };
	int want_rq[P1_FLOWS];
	uint32_t hash[P1_FLOWS];
	struct snt_rss rss1;
	struct snt_sq sq1;
	struct snt_pkt p;
	unsigned int i;

	for (i = 0; i < P1_FLOWS; i++) {
		struct snt_flow f;

		CU_ASSERT_EQUAL_FATAL(snt_flow_init(&f, IPPROTO_UDP, "198.18.0.1",
						    (uint16_t)(1024 + i), "198.18.0.2", 9,
						    P1_LEN - 42, 0, smac, dev.mac[1]), 0);
		hash[i] = snt_toeplitz(snt_rss_key_ms, &f, true);
		want_rq[i] = (int)((hash[i] & (MANA_RSS_IND_TABLE_SIZE - 1)) % P1_WQ);
		predicted[want_rq[i]]++;
	}
	for (i = 0; i < P1_WQ; i++)
		CU_ASSERT_FATAL(predicted[i] > 0);	/* the test can tell */

	memset(&rss1, 0, sizeof(rss1));
	memset(&sq1, 0, sizeof(sq1));
	CU_ASSERT_EQUAL_FATAL(snt_sq_create(&dev, &sq1, 1, 64, 2, 64), 0);
	CU_ASSERT_EQUAL_FATAL(snt_rss_create(&dev, &rss1, 1, P1_WQ, 256, 256, snt_rss_key_ms,
					     2048, 256), 0);
	/* Each RQ in turn (snt_rss_recv would serve the first non-empty one):
	 * the endless stream fills both rings. */
	for (i = 0; i < P1_RECV; i++) {
		unsigned int flow, rq = i % P1_WQ;
		uint16_t sport;

		if (snt_rq_recv(&rss1.rq[rq], &p, SNT_TIMEOUT_MS) != 1) {
			fprintf(stderr, "port 1: nothing on RQ %u within %u ms (%u flows hash to "
				"it; %u frames received so far)\n", rq, SNT_TIMEOUT_MS,
				predicted[rq], i);
			CU_FAIL("port 1 frame not received");
			break;
		}
		p.wq = rq;
		sport = p.len >= 36 ? (uint16_t)(p.data[34] << 8 | p.data[35]) : 0;
		flow = (unsigned int)sport - 1024u;
		if (flow >= P1_FLOWS) {
			fprintf(stderr, "port 1: frame with source port %u\n", sport);
			CU_FAIL("frame of an unknown flow");
			continue;
		}
		CU_ASSERT(frame_is(p.data, p.len, P1_LEN, dev.mac[1], flow, "port 1 frame"));
		if (p.hash != hash[flow] || p.wq != (unsigned int)want_rq[flow] ||
		    p.cqe.rx.rx_hashtype != MANA_HASH_L4)
			fprintf(stderr, "flow %u: hash 0x%08x type 0x%03x on RQ %u, expected "
				"0x%08x 0x%03x RQ %d\n", flow, p.hash, p.cqe.rx.rx_hashtype,
				p.wq, hash[flow], MANA_HASH_L4, want_rq[flow]);
		CU_ASSERT_EQUAL(p.hash, hash[flow]);
		CU_ASSERT_EQUAL(p.cqe.rx.rx_hashtype, MANA_HASH_L4);
		CU_ASSERT_EQUAL(p.wq, (unsigned int)want_rq[flow]);
		CU_ASSERT_EQUAL(p.cqe.info.wq_num, rss1.rq[rq].dv.wq_id);
		per_rq[rq]++;
		per_flow[flow]++;
	}
	for (i = 0; i < P1_WQ; i++) {
		if (per_rq[i] == 0)
			fprintf(stderr, "RQ %u received nothing (%u flows hash to it)\n", i,
				predicted[i]);
		CU_ASSERT(per_rq[i] > 0);
	}
	for (i = 0; i < P1_FLOWS; i++)
		CU_ASSERT(per_flow[i] > 0);
	/* TX on port 1's gen wire: discarded, completes normally. */
	{
		uint8_t tx[60];

		want_frame(tx, sizeof(tx), dev.mac[0], 1);
		CU_ASSERT_EQUAL(snt_sq_send(&sq1, tx, sizeof(tx), NULL, false, NULL),
				MANA_CQE_TX_OKAY);
	}
	/* Destroying the RSS QP stops the device polling the endless wire. */
	snt_rss_destroy(&rss1);
	snt_sq_destroy(&sq1);
}

static CU_TestInfo tests[] = {
	{ "gen spec: malformed specs -EINVAL with a log line, valid ones open",
	  test_spec_rejected },
	{ "gen wire: exact frames, round-robin, count then nothing, counters, TX",
	  test_direct_frames },
	{ "gen wire: truncation to the caller's buffer", test_direct_truncation },
	{ "gen wire: 65536 flows (ports wrap), all checksums valid; lengths 60..9018",
	  test_direct_all_flows },
	{ "softnic-run: gen specs validated", test_softnic_run_specs },
	{ "port 0 gen:101:3:14: 14 exact frames round-robin, then nothing", test_port0_count },
	{ "port 1 gen:60:16: RSS over 2 RQs as the Toeplitz hash selects", test_port1_rss },
	CU_TEST_INFO_NULL,
};

int
main(int argc, char **argv)
{
	softnic_run_path = snt_arg(argc, argv, "--softnic-run", NULL);
	return snt_run_suite("softnic-genwire", suite_init, suite_clean, tests);
}
