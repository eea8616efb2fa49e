/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Soft-NIC conformance: TAP wire exchanging frames with the Linux kernel.
 * Run (as root) by run-tap.sh:
 *   softnic-run --ports 1 --wire tap -- test_tap --netns NAME
 *
 * The TAP interface behind port 0 (created by softnic-run) is moved into a
 * new network namespace NAME with address 10.199.0.1/24.  `ping` in that
 * namespace asks for 10.199.0.2, which this program answers as a tiny
 * responder driving the soft-NIC through raw verbs: the kernel's ARP
 * request and ICMP echo requests arrive through an RQ, the ARP reply and
 * the echo replies leave through an SQ (IPv4 header checksum by the
 * device's offload, so the kernel also verifies that).  ping succeeding
 * proves the kernel accepted every reply.  The namespace is deleted on
 * every exit path (and again by run-tap.sh).
 */
#include <errno.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <CUnit/Basic.h>

#include <rte_arp.h>
#include <rte_ether.h>
#include <rte_icmp.h>
#include <rte_ip.h>

#include "sntest.h"

#define NS_ADDR		"10.199.0.1"
#define OUR_ADDR	"10.199.0.2"
#define PINGS		3

static char netns[64];
static char tapif[64];
static bool ns_made;
static struct snt_dev dev;
static struct snt_sq sq;
static struct snt_rss rss;

static int
run(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

static int
run(const char *fmt, ...)
{
	char cmd[512];
	va_list ap;
	int st;

	va_start(ap, fmt);
	vsnprintf(cmd, sizeof(cmd), fmt, ap);
	va_end(ap);
	st = system(cmd);
	if (st != 0)
		fprintf(stderr, "command failed (%d): %s\n", st, cmd);
	return st;
}

static void
cleanup_ns(void)
{
	if (!ns_made)
		return;
	ns_made = false;
	/* Hand the TAP back to the initial namespace so softnic-run finds it
	 * when tearing down, then delete the namespace. */
	if (tapif[0])
		run("ip -n %s link set %s netns 1 >/dev/null 2>&1", netns, tapif);
	run("ip netns del %s", netns);
}

static void
on_signal(int sig)
{
	cleanup_ns();
	signal(sig, SIG_DFL);
	raise(sig);
}

/* Port 0's TAP name from the control socket's status ("wire=tapfd:N:IF"). */
static int
find_tap(void)
{
	static char st[65536];
	const char *w;
	const char *end;

	if (snt_ctl("status", st, sizeof(st)) != 0)
		return -1;
	w = strstr(st, "adapter0.port0 ");
	if (w)
		w = strstr(w, "wire=");
	if (w == NULL)
		return -1;
	w += 5;
	end = w + strcspn(w, " \n");
	if (strncmp(w, "tapfd:", 6) == 0) {
		w = memchr(w + 6, ':', (size_t)(end - w - 6));
		if (w == NULL)
			return -1;
		w++;
	} else if (strncmp(w, "tap:", 4) == 0) {
		w += 4;
	} else {
		fprintf(stderr, "port 0 wire is not a TAP: %.*s\n", (int)(end - w), w);
		return -1;
	}
	if ((size_t)(end - w) >= sizeof(tapif))
		return -1;
	memcpy(tapif, w, (size_t)(end - w));
	tapif[end - w] = '\0';
	return 0;
}

static int
suite_init(void)
{
	/* The device (and its control socket) exists once opened; the TAP fd
	 * stays bound to the interface when it moves to the namespace. */
	if (snt_open(&dev, NULL) != 0)
		return -1;
	if (find_tap() != 0) {
		fprintf(stderr, "cannot find the TAP interface of port 0\n");
		return -1;
	}
	if (run("ip netns add %s", netns) != 0)
		return -1;
	ns_made = true;
	if (run("ip link set %s netns %s", tapif, netns) != 0 ||
	    run("ip -n %s addr add %s/24 dev %s", netns, NS_ADDR, tapif) != 0 ||
	    run("ip -n %s link set %s up", netns, tapif) != 0 ||
	    run("ip -n %s link set lo up", netns) != 0)
		return -1;
	return snt_endpoint_create(&dev, &sq, &rss, 0, 64, 1, 64) == 0 ? 0 : -1;
}

static int
suite_clean(void)
{
	snt_endpoint_destroy(&sq, &rss);
	snt_close(&dev);
	cleanup_ns();
	return 0;
}

struct counts {
	unsigned int arp_req, arp_rep, echo_req, echo_rep, other;
};

/* Answer an ARP request for OUR_ADDR. */
static void
answer_arp(const uint8_t *in, uint32_t len, const uint8_t *our_ip, struct counts *c)
{
	const struct rte_arp_hdr *a = (const void *)(in + RTE_ETHER_HDR_LEN);
	uint8_t out[64];
	struct rte_ether_hdr *eo = (void *)out;
	struct rte_arp_hdr *ao = (void *)(out + RTE_ETHER_HDR_LEN);

	if (len < RTE_ETHER_HDR_LEN + sizeof(*a) ||
	    a->arp_opcode != rte_cpu_to_be_16(RTE_ARP_OP_REQUEST) ||
	    memcmp(&a->arp_data.arp_tip, our_ip, 4) != 0) {
		c->other++;
		return;
	}
	c->arp_req++;
	memset(out, 0, sizeof(out));
	memcpy(eo->dst_addr.addr_bytes, a->arp_data.arp_sha.addr_bytes, 6);
	memcpy(eo->src_addr.addr_bytes, dev.mac[0], 6);
	eo->ether_type = rte_cpu_to_be_16(RTE_ETHER_TYPE_ARP);
	ao->arp_hardware = rte_cpu_to_be_16(RTE_ARP_HRD_ETHER);
	ao->arp_protocol = rte_cpu_to_be_16(RTE_ETHER_TYPE_IPV4);
	ao->arp_hlen = 6;
	ao->arp_plen = 4;
	ao->arp_opcode = rte_cpu_to_be_16(RTE_ARP_OP_REPLY);
	memcpy(ao->arp_data.arp_sha.addr_bytes, dev.mac[0], 6);
	memcpy(&ao->arp_data.arp_sip, our_ip, 4);
	ao->arp_data.arp_tha = a->arp_data.arp_sha;
	ao->arp_data.arp_tip = a->arp_data.arp_sip;
	CU_ASSERT_EQUAL(snt_sq_send(&sq, out, 60, NULL, false, NULL), MANA_CQE_TX_OKAY);
	c->arp_rep++;
}

/* Answer an ICMP echo request to OUR_ADDR; the IPv4 header checksum is left
 * to the device (comp_iphdr_csum). */
static void
answer_icmp(const uint8_t *in, uint32_t len, const uint8_t *our_ip, struct counts *c)
{
	const struct rte_ipv4_hdr *ip = (const void *)(in + RTE_ETHER_HDR_LEN);
	uint32_t ihl, tot;
	uint8_t out[2048];
	struct rte_ipv4_hdr *io;
	struct rte_icmp_hdr *ic;
	struct mana_tx_oob oob;

	if (len < RTE_ETHER_HDR_LEN + sizeof(*ip)) {
		c->other++;
		return;
	}
	ihl = rte_ipv4_hdr_len(ip);
	tot = rte_be_to_cpu_16(ip->total_length);
	if (ip->next_proto_id != IPPROTO_ICMP || memcmp(&ip->dst_addr, our_ip, 4) != 0 ||
	    RTE_ETHER_HDR_LEN + tot > len || tot < ihl + sizeof(*ic) ||
	    in[RTE_ETHER_HDR_LEN + ihl] != RTE_IP_ICMP_ECHO_REQUEST) {
		c->other++;
		return;
	}
	c->echo_req++;
	/* The request's checksums are valid (kernel-made). */
	CU_ASSERT_EQUAL(rte_raw_cksum(ip, ihl), 0xFFFF);
	memcpy(out, in, RTE_ETHER_HDR_LEN + tot);
	memcpy(out, in + 6, 6);
	memcpy(out + 6, dev.mac[0], 6);
	io = (void *)(out + RTE_ETHER_HDR_LEN);
	io->dst_addr = ip->src_addr;
	io->src_addr = ip->dst_addr;
	io->time_to_live = 64;
	io->hdr_checksum = 0;
	ic = (void *)(out + RTE_ETHER_HDR_LEN + ihl);
	ic->icmp_type = RTE_IP_ICMP_ECHO_REPLY;
	ic->icmp_cksum = 0;
	ic->icmp_cksum = (uint16_t)~rte_raw_cksum(ic, tot - ihl);
	snt_tx_oob_init(&sq, &oob, false);
	oob.s.is_outer_ipv4 = 1;
	oob.s.comp_iphdr_csum = 1;
	CU_ASSERT_EQUAL(snt_sq_send(&sq, out, RTE_ETHER_HDR_LEN + tot, &oob, false, NULL),
			MANA_CQE_TX_OKAY);
	c->echo_rep++;
}

static void
test_ping_from_namespace(void)
{
	uint8_t our_ip[16];
	struct counts c = { 0 };
	uint64_t deadline;
	bool v6, done = false;
	pid_t pid;
	int st = -1;

	CU_ASSERT_EQUAL_FATAL(snt_parse_ip(OUR_ADDR, our_ip, &v6), 0);
	pid = fork();
	CU_ASSERT_FATAL(pid >= 0);
	if (pid == 0) {
		char count[8];

		snprintf(count, sizeof(count), "%d", PINGS);
		execlp("ip", "ip", "netns", "exec", netns, "ping", "-n", "-c", count,
		       "-i", "0.2", "-W", "5", OUR_ADDR, (char *)NULL);
		_exit(127);
	}
	deadline = snt_now_ms() + 20000;
	while (!done && snt_now_ms() < deadline) {
		struct snt_pkt p;
		uint8_t frame[2048];
		uint16_t et;
		int ret = snt_rq_recv(&rss.rq[0], &p, 50);

		if (ret < 0) {
			CU_FAIL("RX error");
			break;
		}
		if (ret == 1) {
			memcpy(frame, p.data, p.len);
			CU_ASSERT_EQUAL(snt_rq_post(&rss.rq[0], 1, false), 1);
			memcpy(&et, frame + 12, 2);
			if (et == rte_cpu_to_be_16(RTE_ETHER_TYPE_ARP))
				answer_arp(frame, p.len, our_ip, &c);
			else if (et == rte_cpu_to_be_16(RTE_ETHER_TYPE_IPV4))
				answer_icmp(frame, p.len, our_ip, &c);
			else
				c.other++;
			continue;
		}
		if (waitpid(pid, &st, WNOHANG) == pid)
			done = true;
	}
	if (!done) {
		kill(pid, SIGKILL);
		waitpid(pid, &st, 0);
		CU_FAIL("ping did not finish within 20 s");
	}
	printf("\n    ARP requests %u, replies %u; echo requests %u, replies %u; other frames %u\n",
	       c.arp_req, c.arp_rep, c.echo_req, c.echo_rep, c.other);
	CU_ASSERT(WIFEXITED(st) && WEXITSTATUS(st) == 0);
	CU_ASSERT(c.arp_req >= 1);
	CU_ASSERT_EQUAL(c.echo_req, PINGS);
	CU_ASSERT_EQUAL(c.echo_rep, PINGS);
}

static CU_TestInfo tests[] = {
	{ "TAP wire: ping from a namespace answered over verbs", test_ping_from_namespace },
	CU_TEST_INFO_NULL,
};

int
main(int argc, char **argv)
{
	int rc;

	snprintf(netns, sizeof(netns), "%s",
		 snt_arg(argc, argv, "--netns", "sntns-test-tap"));
	atexit(cleanup_ns);
	signal(SIGINT, on_signal);
	signal(SIGTERM, on_signal);
	signal(SIGSEGV, on_signal);
	signal(SIGABRT, on_signal);
	rc = snt_run_suite("softnic-tap", suite_init, suite_clean, tests);
	cleanup_ns();
	return rc;
}
