/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * mana-bench-icount: a fixed, deterministic io-forwarding workload for
 * instruction counting under `valgrind --tool=callgrind` (issue 4, item 3).
 *
 * It drives ports 0 and 1 of whatever PMD the EAL arguments select (the
 * net_mana PMD on the soft-NIC, net_null, net_ring, net_memif with a peer
 * process forwarding between its two interfaces) through the ethdev API
 * from one thread:
 *
 *   start: both ports are started; --ready-file PATH is then created (a
 *          memif server must have started its ports before the client peer
 *          connects); wait (bounded, --link-timeout) until every port's link
 *          is up (memif: until the peer has connected); with --loop-probe,
 *          a frame is sent each way outside the measured functions (again
 *          if lost) until one comes back on the other port: a memif server
 *          can send only once the peer has polled its receive ring, and
 *          dpdk-testpmd drops what arrives before it starts forwarding;
 *   calibration, after link up (see below);
 *   seed:  one burst of B frames is sent on each port;
 *   loop:  for p in 0, 1: wait until B frames are ready on port p (outside
 *          the measured functions), receive them (bench_rx), send them on
 *          the other port (bench_tx); until N frames were received.
 *
 * Every receive and transmit call goes through a noinline function of its
 * own (bench_rx, bench_tx, bench_rx_empty) so that callgrind's
 * --toggle-collect=bench_* collects exactly the instructions executed inside
 * the PMD burst functions (plus the few instructions of DPDK's inline
 * rte_eth_rx_burst/rte_eth_tx_burst wrappers), and its inclusive cost per
 * function separates RX from TX.  bench_rx_empty is called K times on idle
 * queues before any frame is sent: the cost of an empty poll.  With
 * --packets 0 the program stops after that calibration: a run that shows
 * the cost of idle polling (e.g. of a device thread) without traffic.
 *
 * Waiting for frames: rte_eth_rx_queue_count() when the PMD implements it,
 * else rte_eth_rx_descriptor_status() of the B-th descriptor, else the
 * receive call itself is polled ("poll" mode: empty polls are then counted
 * in bench_rx and reported in rx_empty_calls, so the caller can subtract
 * them with the calibrated empty-poll cost; net_memif gets this mode: it
 * has neither callback, and an empty receive call of a connected memif
 * server (C2S ring, no refill on RX) costs the same every time, so the
 * subtraction is exact).  Waits are bounded (5 s of
 * wall time per wait) and yield the CPU, so a device thread (the soft-NIC's)
 * can run even under valgrind's serialised scheduler.
 *
 * Output (stdout, one key=value per line, parsed by bench/bench.py):
 *   wait_mode, burst, size, ring, link_wait_ms, probe_frames, rx_calls,
 *   rx_empty_calls, rx_pkts, tx_calls, tx_pkts, tx_drops, empty_calls,
 *   empty_pkts.
 * Exit status 0 on success, 1 on any failure (message on stderr).
 */
#include <dlfcn.h>
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <sched.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <rte_eal.h>
#include <rte_ethdev.h>
#include <rte_ether.h>
#include <rte_ip.h>
#include <rte_udp.h>
#include <rte_mbuf.h>
#include <rte_mempool.h>

#define MAX_BURST	256
#define WAIT_NS		5000000000ull	/* bound of one wait, ns */

enum wait_mode {
	WAIT_QUEUE_COUNT,	/* rte_eth_rx_queue_count() */
	WAIT_DESC_STATUS,	/* rte_eth_rx_descriptor_status() */
	WAIT_POLL,		/* poll the receive call itself */
};

static const char *const wait_mode_name[] = {
	[WAIT_QUEUE_COUNT] = "queue_count",
	[WAIT_DESC_STATUS] = "desc_status",
	[WAIT_POLL] = "poll",
};

struct bench_opts {
	uint64_t packets;	/* frames to receive in the loop */
	uint16_t burst;		/* frames per burst */
	uint16_t size;		/* frame length without FCS, bytes */
	uint16_t ring;		/* RX and TX descriptors per queue */
	uint32_t empty_polls;	/* calibration polls per port */
	uint32_t nb_mbufs;	/* mbufs in the pool */
	uint32_t link_timeout;	/* bound of the link-up wait, seconds */
	const char *ready_file;	/* created once the ports are started */
	bool loop_probe;	/* check the peer loop before calibrating */
};

struct bench_counts {
	uint64_t rx_calls, rx_empty_calls, rx_pkts;
	uint64_t tx_calls, tx_pkts, tx_drops;
	uint64_t empty_calls, empty_pkts;
};

static struct bench_counts counts;

/*
 * Receive up to n frames from queue 0 of port (the measured RX call).
 * Returns the number of frames stored in pkts.
 */
__attribute__((noinline, used)) uint16_t
bench_rx(uint16_t port, struct rte_mbuf **pkts, uint16_t n)
{
	return rte_eth_rx_burst(port, 0, pkts, n);
}

/*
 * Transmit n frames on queue 0 of port (the measured TX call).
 * Returns the number of frames the PMD accepted.
 */
__attribute__((noinline, used)) uint16_t
bench_tx(uint16_t port, struct rte_mbuf **pkts, uint16_t n)
{
	return rte_eth_tx_burst(port, 0, pkts, n);
}

/*
 * Receive call used only for the empty-poll calibration (same code as
 * bench_rx, separate symbol so its cost is reported apart).
 */
__attribute__((noinline, used)) uint16_t
bench_rx_empty(uint16_t port, struct rte_mbuf **pkts, uint16_t n)
{
	return rte_eth_rx_burst(port, 0, pkts, n);
}

static uint64_t
now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

static void
usage(const char *prog)
{
	printf("usage: %s [EAL options] -- [--packets N] [--burst B] [--size BYTES]\n"
	       "          [--ring DESC] [--empty-polls K] [--mbufs M]\n"
	       "          [--link-timeout S] [--ready-file PATH] [--loop-probe]\n"
	       "Deterministic io-forwarding workload on ports 0 and 1 for\n"
	       "instruction counting with valgrind --tool=callgrind\n"
	       "--toggle-collect=bench_rx --toggle-collect=bench_tx\n"
	       "--toggle-collect=bench_rx_empty (see bench/bench.sh --help).\n"
	       "--ready-file PATH  create PATH once both ports are started\n"
	       "                   (start a memif client peer after that)\n"
	       "--link-timeout S   wait at most S seconds for every link to be up\n"
	       "--loop-probe       before calibrating, send one frame on each port\n"
	       "                   and wait (within --link-timeout) until it comes\n"
	       "                   back on the other port (peer-forwarded loops)\n"
	       "Defaults: --packets 100000 --burst 32 --size 60 --ring 256\n"
	       "          --empty-polls 1000 --mbufs 8191 --link-timeout 30\n", prog);
}

static int
parse_u64(const char *s, uint64_t min, uint64_t max, uint64_t *out)
{
	char *end;
	unsigned long long v;

	errno = 0;
	v = strtoull(s, &end, 0);
	if (errno != 0 || *end != '\0' || v < min || v > max)
		return -EINVAL;
	*out = v;
	return 0;
}

static int
parse_args(int argc, char **argv, struct bench_opts *o)
{
	static const struct option lopts[] = {
		{ "packets", required_argument, NULL, 'n' },
		{ "burst", required_argument, NULL, 'b' },
		{ "size", required_argument, NULL, 's' },
		{ "ring", required_argument, NULL, 'r' },
		{ "empty-polls", required_argument, NULL, 'e' },
		{ "mbufs", required_argument, NULL, 'm' },
		{ "link-timeout", required_argument, NULL, 'l' },
		{ "ready-file", required_argument, NULL, 'f' },
		{ "loop-probe", no_argument, NULL, 'p' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	uint64_t v;
	int c;

	while ((c = getopt_long(argc, argv, "h", lopts, NULL)) != -1) {
		switch (c) {
		case 'n':
			if (parse_u64(optarg, 0, UINT64_MAX / 2, &v) < 0)
				goto bad;
			o->packets = v;
			break;
		case 'b':
			if (parse_u64(optarg, 1, MAX_BURST, &v) < 0)
				goto bad;
			o->burst = (uint16_t)v;
			break;
		case 's':
			if (parse_u64(optarg, 60, 9014, &v) < 0)
				goto bad;
			o->size = (uint16_t)v;
			break;
		case 'r':
			if (parse_u64(optarg, 32, 8192, &v) < 0)
				goto bad;
			o->ring = (uint16_t)v;
			break;
		case 'e':
			if (parse_u64(optarg, 0, 1000000, &v) < 0)
				goto bad;
			o->empty_polls = (uint32_t)v;
			break;
		case 'm':
			if (parse_u64(optarg, 1023, 1u << 20, &v) < 0)
				goto bad;
			o->nb_mbufs = (uint32_t)v;
			break;
		case 'l':
			if (parse_u64(optarg, 1, 3600, &v) < 0)
				goto bad;
			o->link_timeout = (uint32_t)v;
			break;
		case 'f':
			o->ready_file = optarg;
			break;
		case 'p':
			o->loop_probe = true;
			break;
		case 'h':
			usage(argv[0]);
			exit(0);
		default:
			usage(argv[0]);
			return -EINVAL;
		}
	}
	return 0;
bad:
	fprintf(stderr, "mana-bench-icount: bad value '%s'\n", optarg);
	return -EINVAL;
}

static int
port_setup(uint16_t port, struct rte_mempool *mp, uint16_t ring)
{
	struct rte_eth_conf conf;
	struct rte_eth_dev_info info;
	uint16_t nb_rxd = ring, nb_txd = ring;
	int ret;

	memset(&conf, 0, sizeof(conf));
	ret = rte_eth_dev_info_get(port, &info);
	if (ret != 0)
		return ret;
	ret = rte_eth_dev_configure(port, 1, 1, &conf);
	if (ret != 0)
		return ret;
	ret = rte_eth_dev_adjust_nb_rx_tx_desc(port, &nb_rxd, &nb_txd);
	if (ret != 0)
		return ret;
	if (nb_rxd != ring || nb_txd != ring)
		fprintf(stderr, "port %u: ring adjusted to rx %u tx %u\n",
			port, nb_rxd, nb_txd);
	ret = rte_eth_rx_queue_setup(port, 0, nb_rxd,
				     rte_eth_dev_socket_id(port), NULL, mp);
	if (ret != 0)
		return ret;
	ret = rte_eth_tx_queue_setup(port, 0, nb_txd,
				     rte_eth_dev_socket_id(port), NULL);
	if (ret != 0)
		return ret;
	return rte_eth_dev_start(port);
}

/* Build an Ethernet/IPv4/UDP frame of len bytes from src to dst. */
static void
fill_frame(struct rte_mbuf *m, const struct rte_ether_addr *src,
	   const struct rte_ether_addr *dst, uint16_t len)
{
	struct rte_ether_hdr *eth;
	struct rte_ipv4_hdr *ip;
	struct rte_udp_hdr *udp;
	char *p;

	p = rte_pktmbuf_append(m, len);
	memset(p, 0, len);
	eth = (struct rte_ether_hdr *)p;
	rte_ether_addr_copy(dst, &eth->dst_addr);
	rte_ether_addr_copy(src, &eth->src_addr);
	eth->ether_type = rte_cpu_to_be_16(RTE_ETHER_TYPE_IPV4);
	ip = (struct rte_ipv4_hdr *)(eth + 1);
	ip->version_ihl = RTE_IPV4_VHL_DEF;
	ip->total_length = rte_cpu_to_be_16(len - sizeof(*eth));
	ip->time_to_live = 64;
	ip->next_proto_id = IPPROTO_UDP;
	ip->src_addr = rte_cpu_to_be_32(RTE_IPV4(198, 18, 0, 1));
	ip->dst_addr = rte_cpu_to_be_32(RTE_IPV4(198, 18, 0, 2));
	ip->hdr_checksum = rte_ipv4_cksum(ip);
	udp = (struct rte_udp_hdr *)(ip + 1);
	udp->src_port = rte_cpu_to_be_16(9);
	udp->dst_port = rte_cpu_to_be_16(9);
	udp->dgram_len = rte_cpu_to_be_16(len - sizeof(*eth) - sizeof(*ip));
}

static enum wait_mode
pick_wait_mode(void)
{
	int ret;

	ret = rte_eth_rx_queue_count(0, 0);
	if (ret >= 0)
		return WAIT_QUEUE_COUNT;
	ret = rte_eth_rx_descriptor_status(0, 0, 0);
	if (ret >= 0)
		return WAIT_DESC_STATUS;
	return WAIT_POLL;
}

/*
 * Wait until n frames are ready on port (modes queue_count/desc_status).
 * Returns 0, or -ETIMEDOUT after WAIT_NS.
 */
static int
wait_ready(enum wait_mode mode, uint16_t port, uint16_t n)
{
	uint64_t deadline = now_ns() + WAIT_NS;
	int ret;

	for (;;) {
		if (mode == WAIT_QUEUE_COUNT) {
			ret = rte_eth_rx_queue_count(port, 0);
			if (ret >= n)
				return 0;
		} else {
			ret = rte_eth_rx_descriptor_status(port, 0, n - 1);
			if (ret == RTE_ETH_RX_DESC_DONE)
				return 0;
		}
		if (ret < 0) {
			fprintf(stderr, "port %u: readiness query failed: %s\n",
				port, rte_strerror(-ret));
			return ret;
		}
		if (now_ns() > deadline)
			return -ETIMEDOUT;
		sched_yield();
	}
}

/*
 * Receive exactly up to n frames on port: in poll mode, repeat the
 * receive call (empty calls counted) until something arrives.
 * Returns the number received (> 0) or a negative errno on timeout.
 */
static int
receive(enum wait_mode mode, uint16_t port, struct rte_mbuf **pkts, uint16_t n)
{
	uint64_t deadline = now_ns() + WAIT_NS;
	uint16_t got;
	int ret;

	if (mode != WAIT_POLL) {
		ret = wait_ready(mode, port, n);
		if (ret < 0)
			return ret;
	}
	for (;;) {
		got = bench_rx(port, pkts, n);
		counts.rx_calls++;
		if (got > 0) {
			counts.rx_pkts += got;
			return got;
		}
		counts.rx_empty_calls++;
		if (now_ns() > deadline)
			return -ETIMEDOUT;
		sched_yield();
	}
}

static void
send_all(uint16_t port, struct rte_mbuf **pkts, uint16_t n)
{
	uint16_t sent = bench_tx(port, pkts, n);

	counts.tx_calls++;
	counts.tx_pkts += sent;
	if (sent < n) {
		counts.tx_drops += n - sent;
		rte_pktmbuf_free_bulk(&pkts[sent], n - sent);
	}
}

/* Sleep for about 1 ms: lets the EAL interrupt thread (memif's control
 * channel) run, also under valgrind, which runs one thread at a time. */
static void
pause_1ms(void)
{
	struct timespec ts = { .tv_sec = 0, .tv_nsec = 1000000 };

	nanosleep(&ts, NULL);
}

/*
 * Create path (empty) to tell the caller that both ports are started.
 * Returns 0 or a negative errno.
 */
static int
signal_ready(const char *path)
{
	FILE *f = fopen(path, "w");

	if (f == NULL)
		return -errno;
	if (fclose(f) != 0)
		return -errno;
	return 0;
}

/*
 * Wait until the link of ports 0..nb_ports-1 is up, at most timeout_s
 * seconds of wall time.  memif's link comes up only when its peer has
 * connected over the control socket (handled by the EAL interrupt thread).
 * Returns the milliseconds waited, or -ETIMEDOUT/-errno (message on stderr).
 */
static int64_t
wait_links_up(uint16_t nb_ports, uint32_t timeout_s)
{
	uint64_t start = now_ns();
	uint64_t deadline = start + (uint64_t)timeout_s * 1000000000ull;
	struct rte_eth_link link;
	uint16_t port, up;
	int ret;

	for (;;) {
		up = 0;
		for (port = 0; port < nb_ports; port++) {
			memset(&link, 0, sizeof(link));
			ret = rte_eth_link_get_nowait(port, &link);
			if (ret < 0) {
				fprintf(stderr, "mana-bench-icount: port %u: link query: %s\n",
					port, rte_strerror(-ret));
				return ret;
			}
			if (link.link_status == RTE_ETH_LINK_UP)
				up++;
		}
		if (up == nb_ports)
			return (int64_t)((now_ns() - start) / 1000000ull);
		if (now_ns() > deadline) {
			for (port = 0; port < nb_ports; port++) {
				memset(&link, 0, sizeof(link));
				rte_eth_link_get_nowait(port, &link);
				if (link.link_status != RTE_ETH_LINK_UP)
					fprintf(stderr, "mana-bench-icount: port %u: link still down "
						"after %u s (memif: has the peer connected?)\n",
						port, timeout_s);
			}
			return -ETIMEDOUT;
		}
		pause_1ms();
	}
}

/* Free whatever arrives on ports 0 and 1 until both stay empty for quiet_ns
 * (or deadline passes).  Returns the number of frames freed. */
static uint64_t
drain_ports(uint16_t burst, uint64_t quiet_ns, uint64_t deadline)
{
	struct rte_mbuf *pkts[MAX_BURST];
	uint64_t last = now_ns(), freed = 0;
	uint16_t port, got;

	while (now_ns() - last < quiet_ns && now_ns() < deadline) {
		for (port = 0; port < 2; port++) {
			got = rte_eth_rx_burst(port, 0, pkts, burst);
			if (got > 0) {
				rte_pktmbuf_free_bulk(pkts, got);
				freed += got;
				last = now_ns();
			}
		}
		sched_yield();
	}
	return freed;
}

/*
 * Loop check for peer-forwarded ports (memif): for each port p, send one
 * frame on p and wait until a frame arrives on p ^ 1, with the plain ethdev
 * calls (outside the measured bench_* functions), within timeout_s seconds
 * in total.  A memif server's TX ring has no free slot until the client
 * peer has polled its receive ring once, and dpdk-testpmd discards what is
 * in its receive rings when it starts forwarding (flush_fwd_rx_queues), so
 * a frame may be lost: it is sent again after PROBE_RETRY_NS without an
 * answer.  Finally both ports are drained until they stay empty for
 * PROBE_QUIET_NS, so that a late duplicate cannot reach the calibration.
 * Every mbuf returns to the pool, whatever the timing.  Returns the number
 * of probe frames sent (>= 2), or -ETIMEDOUT/-ENOMEM (message on stderr).
 */
#define PROBE_RETRY_NS	300000000ull	/* resend after 300 ms without answer */
#define PROBE_QUIET_NS	100000000ull	/* drained: 100 ms without a frame */
static int64_t
loop_probe(struct rte_mempool *mp, const struct rte_ether_addr *mac,
	   uint16_t size, uint16_t burst, uint32_t timeout_s)
{
	uint64_t deadline = now_ns() + (uint64_t)timeout_s * 1000000000ull;
	struct rte_mbuf *pkts[MAX_BURST];
	struct rte_mbuf *m;
	int64_t sent = 0;
	uint64_t retry;
	uint16_t port, got;
	bool back;

	for (port = 0; port < 2; port++) {
		back = false;
		while (!back) {
			m = rte_pktmbuf_alloc(mp);
			if (m == NULL)
				return -ENOMEM;
			fill_frame(m, &mac[port], &mac[port ^ 1], size);
			while (rte_eth_tx_burst(port, 0, &m, 1) == 0) {
				if (now_ns() > deadline) {
					rte_pktmbuf_free(m);
					fprintf(stderr, "mana-bench-icount: loop probe: port %u "
						"accepts no frame within %u s (is the peer "
						"forwarding?)\n", port, timeout_s);
					return -ETIMEDOUT;
				}
				pause_1ms();
			}
			sent++;
			retry = now_ns() + PROBE_RETRY_NS;
			while (!back && now_ns() < retry) {
				got = rte_eth_rx_burst(port ^ 1, 0, pkts, burst);
				if (got > 0) {
					rte_pktmbuf_free_bulk(pkts, got);
					back = true;
				} else {
					sched_yield();
				}
			}
			if (!back && now_ns() > deadline) {
				fprintf(stderr, "mana-bench-icount: loop probe: no frame sent on "
					"port %u came back on port %u within %u s (is the peer "
					"forwarding between its two interfaces?)\n",
					port, port ^ 1, timeout_s);
				return -ETIMEDOUT;
			}
		}
	}
	drain_ports(burst, PROBE_QUIET_NS, deadline);
	return sent;
}

/*
 * dpdk-testpmd is linked against the PCI and vdev bus drivers; this program
 * is not (pkg-config libdpdk lists only the libraries, with --as-needed).
 * EAL loads -d plugins before its default plugin directory, so a PMD plugin
 * that uses rte_pci_register without recording librte_bus_pci as a needed
 * library would not load.  Make both bus drivers global first, as testpmd
 * has them.  Failure is not fatal (EAL reports what is missing).
 */
static void
preload_bus_drivers(void)
{
	/* the development symlinks of libdpdk-dev, needed to build anyway */
	static const char *const libs[] = {
		"librte_bus_pci.so", "librte_bus_vdev.so",
	};
	unsigned int i;

	for (i = 0; i < RTE_DIM(libs); i++)
		if (dlopen(libs[i], RTLD_NOW | RTLD_GLOBAL) == NULL)
			fprintf(stderr, "mana-bench-icount: note: %s\n", dlerror());
}

int
main(int argc, char **argv)
{
	struct bench_opts o = {
		.packets = 100000, .burst = 32, .size = 60, .ring = 256,
		.empty_polls = 1000, .nb_mbufs = 8191, .link_timeout = 30,
	};
	struct rte_mbuf *pkts[MAX_BURST];
	struct rte_ether_addr mac[2];
	struct rte_mempool *mp;
	enum wait_mode mode;
	int64_t link_ms, probe_sent = 0;
	uint16_t port, n;
	uint32_t i;
	int ret;

	preload_bus_drivers();
	ret = rte_eal_init(argc, argv);
	if (ret < 0) {
		fprintf(stderr, "mana-bench-icount: EAL init failed: %s\n",
			rte_strerror(rte_errno));
		return 1;
	}
	argc -= ret;
	argv += ret;
	if (parse_args(argc, argv, &o) < 0)
		return 1;
	if (rte_eth_dev_count_avail() < 2 || !rte_eth_dev_is_valid_port(0) ||
	    !rte_eth_dev_is_valid_port(1)) {
		fprintf(stderr, "mana-bench-icount: needs ethdev ports 0 and 1 (found %u)\n",
			rte_eth_dev_count_avail());
		return 1;
	}
	mp = rte_pktmbuf_pool_create("icount", o.nb_mbufs, 250, 0,
				     RTE_MBUF_DEFAULT_BUF_SIZE, rte_socket_id());
	if (mp == NULL) {
		fprintf(stderr, "mana-bench-icount: mbuf pool: %s\n",
			rte_strerror(rte_errno));
		return 1;
	}
	for (port = 0; port < 2; port++) {
		ret = port_setup(port, mp, o.ring);
		if (ret != 0) {
			fprintf(stderr, "mana-bench-icount: port %u setup: %s\n",
				port, rte_strerror(-ret));
			return 1;
		}
		rte_eth_macaddr_get(port, &mac[port]);
	}
	if (o.ready_file != NULL) {
		ret = signal_ready(o.ready_file);
		if (ret < 0) {
			fprintf(stderr, "mana-bench-icount: %s: %s\n", o.ready_file,
				strerror(-ret));
			return 1;
		}
	}
	/*
	 * Everything below runs on live links: memif's receive call costs more
	 * once connected than before (it returns at once while disconnected),
	 * so the empty-poll calibration must not start earlier.
	 */
	link_ms = wait_links_up(2, o.link_timeout);
	if (link_ms < 0)
		return 1;
	if (o.loop_probe) {
		probe_sent = loop_probe(mp, mac, o.size, o.burst, o.link_timeout);
		if (probe_sent < 0)
			return 1;
	}
	mode = pick_wait_mode();

	/* Calibration: the cost of polling idle queues. */
	for (i = 0; i < o.empty_polls; i++) {
		for (port = 0; port < 2; port++) {
			n = bench_rx_empty(port, pkts, o.burst);
			counts.empty_calls++;
			if (n > 0) {
				counts.empty_pkts += n;
				rte_pktmbuf_free_bulk(pkts, n);
			}
		}
	}

	/* Seed one burst on each port. */
	for (port = 0; port < 2 && o.packets > 0; port++) {
		if (rte_pktmbuf_alloc_bulk(mp, pkts, o.burst) != 0) {
			fprintf(stderr, "mana-bench-icount: mbuf pool exhausted\n");
			return 1;
		}
		for (i = 0; i < o.burst; i++)
			fill_frame(pkts[i], &mac[port], &mac[port ^ 1], o.size);
		send_all(port, pkts, o.burst);
	}

	/* io forwarding: frames received on p go out on the other port. */
	while (counts.rx_pkts < o.packets) {
		for (port = 0; port < 2; port++) {
			ret = receive(mode, port, pkts, o.burst);
			if (ret < 0) {
				fprintf(stderr, "mana-bench-icount: port %u: no frames within 5 s "
					"(%" PRIu64 " received so far, %" PRIu64 " dropped on TX)\n",
					port, counts.rx_pkts, counts.tx_drops);
				return 1;
			}
			send_all(port ^ 1, pkts, (uint16_t)ret);
		}
	}

	printf("wait_mode=%s\nburst=%u\nsize=%u\nring=%u\n", wait_mode_name[mode],
	       o.burst, o.size, o.ring);
	printf("link_wait_ms=%" PRId64 "\nprobe_frames=%" PRId64 "\n",
	       link_ms, probe_sent);
	printf("rx_calls=%" PRIu64 "\nrx_empty_calls=%" PRIu64 "\nrx_pkts=%" PRIu64 "\n",
	       counts.rx_calls, counts.rx_empty_calls, counts.rx_pkts);
	printf("tx_calls=%" PRIu64 "\ntx_pkts=%" PRIu64 "\ntx_drops=%" PRIu64 "\n",
	       counts.tx_calls, counts.tx_pkts, counts.tx_drops);
	printf("empty_calls=%" PRIu64 "\nempty_pkts=%" PRIu64 "\n",
	       counts.empty_calls, counts.empty_pkts);
	fflush(stdout);

	for (port = 0; port < 2; port++) {
		ret = rte_eth_dev_stop(port);
		if (ret != 0)
			fprintf(stderr, "port %u stop: %s\n", port, rte_strerror(-ret));
		rte_eth_dev_close(port);
	}
	rte_eal_cleanup();
	return 0;
}
