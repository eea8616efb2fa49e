/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Test harness for the net_mana ethdev tests on the soft-NIC (see harness.h).
 */
#include <arpa/inet.h>
#include <dirent.h>
#include <errno.h>
#include <getopt.h>
#include <sched.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include <rte_eal.h>
#include <rte_ip.h>
#include <rte_tcp.h>
#include <rte_udp.h>
#include <rte_icmp.h>
#include <rte_thash.h>
#include <rte_cycles.h>
#include <rte_pause.h>

#include "cunit_run.h"
#include "harness.h"

struct th_env th = {
	.port_a = RTE_MAX_ETHPORTS,
	.port_b = RTE_MAX_ETHPORTS,
	.coalesce = true,
};

/* Spec §7: DPDK MANA's default key. */
const uint8_t th_default_rss_key[40] = {
	0x2c, 0xc6, 0x81, 0xd1, 0x5b, 0xdb, 0xf4, 0xf7, 0xfc, 0xa2,
	0x83, 0x19, 0xdb, 0x1a, 0x3e, 0x94, 0x6b, 0x9e, 0x38, 0xd9,
	0x2c, 0x9c, 0x03, 0xd1, 0xad, 0x99, 0x44, 0xa7, 0xd9, 0x56,
	0x3d, 0x59, 0x06, 0x3c, 0x25, 0xf3, 0xfc, 0x1f, 0xdc, 0x2a,
};

/* Spec §7.4: Microsoft's RSS verification key. */
const uint8_t th_ms_rss_key[40] = {
	0x6d, 0x5a, 0x56, 0xda, 0x25, 0x5b, 0x0e, 0xc2, 0x41, 0x67,
	0x25, 0x3d, 0x43, 0xa3, 0x8f, 0xb0, 0xd0, 0xca, 0x2b, 0xcb,
	0xae, 0x7b, 0x30, 0xb4, 0x77, 0xcb, 0x2d, 0xa3, 0x80, 0x30,
	0xf2, 0x0c, 0x6a, 0x42, 0xb7, 0x3b, 0xbe, 0xac, 0x01, 0xfa,
};

/* Spec §7.4: the published verification vectors. */
const struct th_rss_vector th_ms_vectors4[TH_MS_VECTORS4] = {
	{ "66.9.149.187", "161.142.100.80", 2794, 1766, 0x323e8fc2, 0x51ccc178 },
	{ "199.92.111.2", "65.69.140.83", 14230, 4739, 0xd718262a, 0xc626b0ea },
	{ "24.19.198.95", "12.22.207.184", 12898, 38024, 0xd2d0a5de, 0x5c2b394a },
	{ "38.27.205.30", "209.142.163.6", 48228, 2217, 0x82989176, 0xafc7327f },
	{ "153.39.163.191", "202.188.127.2", 44251, 1303, 0x5d1809c5, 0x10e828a2 },
};
const struct th_rss_vector th_ms_vectors6[TH_MS_VECTORS6] = {
	{ "3ffe:2501:200:1fff::7", "3ffe:2501:200:3::1", 2794, 1766, 0x2cc18cd5, 0x40207d3d },
	{ "3ffe:501:8::260:97ff:fe40:efab", "ff02::1", 14230, 4739, 0x0f0c461c, 0xdde51bbf },
	{ "3ffe:1900:4545:3:200:f8ff:fe21:67cf", "fe80::200:f8ff:fe21:67cf", 44251, 38024,
	  0x4b61e985, 0x02d1feef },
};

static bool eal_up;

uint64_t
th_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

/* Let the soft-NIC device thread run if it shares our CPU. */
static void
th_idle(void)
{
	rte_pause();
	sched_yield();
}

/* ---------------------------------------------------------------------- */
/* Set-up                                                                  */
/* ---------------------------------------------------------------------- */

struct sysfs_port {
	int dev_port;
	struct rte_ether_addr mac;
};

static int
read_line(const char *path, char *buf, size_t len)
{
	FILE *f = fopen(path, "r");

	if (f == NULL)
		return -errno;
	if (fgets(buf, (int)len, f) == NULL) {
		fclose(f);
		return -EIO;
	}
	fclose(f);
	buf[strcspn(buf, "\n")] = '\0';
	return 0;
}

/*
 * Ports of the soft-NIC as the PMD will see them (spec §1.1): the netdevs
 * under <SYSFS_PCI_DEVICES>/<pci>/net/<if>/ with dev_port and address.
 */
static int
sysfs_ports(const char *pci, struct sysfs_port *p, int max)
{
	const char *root = getenv("SYSFS_PCI_DEVICES");
	char dir[PATH_MAX], path[PATH_MAX + 300], line[128];
	struct dirent *de;
	DIR *d;
	int n = 0;

	if (root == NULL) {
		fprintf(stderr, "harness: SYSFS_PCI_DEVICES is not set: run under softnic-run\n");
		return -ENOENT;
	}
	snprintf(dir, sizeof(dir), "%s/%s/net", root, pci);
	d = opendir(dir);
	if (d == NULL) {
		fprintf(stderr, "harness: cannot open %s: %s\n", dir, strerror(errno));
		return -errno;
	}
	while ((de = readdir(d)) != NULL && n < max) {
		if (de->d_name[0] == '.')
			continue;
		snprintf(path, sizeof(path), "%s/%s/dev_port", dir, de->d_name);
		if (read_line(path, line, sizeof(line)) != 0)
			continue;
		p[n].dev_port = atoi(line);
		snprintf(path, sizeof(path), "%s/%s/address", dir, de->d_name);
		if (read_line(path, line, sizeof(line)) != 0)
			continue;
		if (rte_ether_unformat_addr(line, &p[n].mac) != 0) {
			fprintf(stderr, "harness: bad MAC '%s' in %s\n", line, path);
			continue;
		}
		n++;
	}
	closedir(d);
	/* sort by dev_port */
	for (int i = 1; i < n; i++)
		for (int j = i; j > 0 && p[j - 1].dev_port > p[j].dev_port; j--) {
			struct sysfs_port t = p[j];

			p[j] = p[j - 1];
			p[j - 1] = t;
		}
	return n;
}

static void
usage(const char *prog)
{
	fprintf(stderr,
		"usage: %s --pmd PATH [--pci ADDR] [--coalesce on|off] [--capture FILE]\n"
		"  Runs under softnic-run with a loop wire between soft-NIC ports 0 and 1.\n"
		"  Extra EAL arguments may be given in $MANA_TEST_EAL (space separated).\n",
		prog);
}

int
th_init(int argc, char **argv, const char *prog)
{
	static const struct option opts[] = {
		{ "pmd", required_argument, NULL, 'p' },
		{ "pci", required_argument, NULL, 'a' },
		{ "coalesce", required_argument, NULL, 'c' },
		{ "capture", required_argument, NULL, 'w' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char *pmd = NULL, *pci = "7870:00:00.0";
	struct sysfs_port sp[8];
	static char allow[512], prefix[64], lcores[64];
	static char extra_buf[1024];
	char *eal_argv[64];
	int eal_argc = 0, n, opt, ret;
	long ncpu;
	uint16_t pid;

	while ((opt = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		switch (opt) {
		case 'p':
			pmd = optarg;
			break;
		case 'a':
			pci = optarg;
			break;
		case 'c':
			th.coalesce = strcmp(optarg, "off") != 0;
			break;
		case 'w':
			th.capture = optarg;
			break;
		default:
			usage(prog);
			return -EINVAL;
		}
	}
	if (pmd == NULL) {
		usage(prog);
		return -EINVAL;
	}
	snprintf(th.pci, sizeof(th.pci), "%s", pci);
	/*
	 * The pcap wire appends to its output and opens it only when the
	 * device is created (during rte_eal_init's probe): start it afresh.
	 */
	if (th.capture != NULL)
		unlink(th.capture);
	th.ctl_path = getenv("SOFTNIC_CTL");

	n = sysfs_ports(pci, sp, 8);
	if (n < 2) {
		fprintf(stderr, "harness: need 2 soft-NIC ports under %s, found %d\n", pci, n);
		return -ENODEV;
	}
	th.mac_a = sp[0].mac;
	th.mac_b = sp[1].mac;

	{
		char m0[RTE_ETHER_ADDR_FMT_SIZE], m1[RTE_ETHER_ADDR_FMT_SIZE];

		rte_ether_format_addr(m0, sizeof(m0), &th.mac_a);
		rte_ether_format_addr(m1, sizeof(m1), &th.mac_b);
		snprintf(allow, sizeof(allow), "%s,mac=%s,mac=%s", pci, m0, m1);
	}
	snprintf(prefix, sizeof(prefix), "--file-prefix=mana-%s-%d", prog, (int)getpid());
	/*
	 * One lcore, allowed on every CPU: the soft-NIC device thread is created
	 * from this thread and inherits its affinity, so pinning it to one CPU
	 * would make the app and the device share a core on a 2-core machine.
	 */
	ncpu = sysconf(_SC_NPROCESSORS_ONLN);
	if (ncpu > 1)
		snprintf(lcores, sizeof(lcores), "--lcores=0@(0-%ld)", ncpu - 1);
	else
		snprintf(lcores, sizeof(lcores), "--lcores=0@0");

	eal_argv[eal_argc++] = (char *)(uintptr_t)prog;
	eal_argv[eal_argc++] = (char *)(uintptr_t)"--no-huge";
	eal_argv[eal_argc++] = (char *)(uintptr_t)"-m";
	eal_argv[eal_argc++] = (char *)(uintptr_t)"1024";
	eal_argv[eal_argc++] = (char *)(uintptr_t)"--iova-mode=va";
	eal_argv[eal_argc++] = (char *)(uintptr_t)"--no-telemetry";
	eal_argv[eal_argc++] = (char *)(uintptr_t)"--log-level=lib.ethdev:notice";
	eal_argv[eal_argc++] = lcores;
	eal_argv[eal_argc++] = prefix;
	if (getenv("MANA_TEST_EAL") != NULL) {
		char *save = NULL, *tok;

		snprintf(extra_buf, sizeof(extra_buf), "%s", getenv("MANA_TEST_EAL"));
		for (tok = strtok_r(extra_buf, " ", &save); tok != NULL && eal_argc < 60;
		     tok = strtok_r(NULL, " ", &save))
			eal_argv[eal_argc++] = tok;
	}
	eal_argv[eal_argc++] = (char *)(uintptr_t)"-d";
	eal_argv[eal_argc++] = (char *)(uintptr_t)pmd;
	eal_argv[eal_argc++] = (char *)(uintptr_t)"-a";
	eal_argv[eal_argc++] = allow;
	eal_argv[eal_argc] = NULL;

	printf("harness: EAL:");
	for (int i = 0; i < eal_argc; i++)
		printf(" %s", eal_argv[i]);
	printf("\n");

	ret = rte_eal_init(eal_argc, eal_argv);
	if (ret < 0) {
		fprintf(stderr, "harness: rte_eal_init failed: %s (EAL's messages above say why; "
			"\"undefined symbol\" means the PMD plugin lacks a library dependency, "
			"i.e. it cannot load into an application built with pkg-config libdpdk)\n",
			rte_strerror(rte_errno));
		return -rte_errno;
	}
	eal_up = true;

	RTE_ETH_FOREACH_DEV(pid) {
		struct rte_ether_addr mac;
		char name[RTE_ETH_NAME_MAX_LEN];

		if (rte_eth_macaddr_get(pid, &mac) != 0)
			continue;
		rte_eth_dev_get_name_by_port(pid, name);
		printf("harness: ethdev port %u '%s'\n", pid, name);
		if (rte_is_same_ether_addr(&mac, &th.mac_a))
			th.port_a = pid;
		else if (rte_is_same_ether_addr(&mac, &th.mac_b))
			th.port_b = pid;
	}
	if (th.port_a == RTE_MAX_ETHPORTS || th.port_b == RTE_MAX_ETHPORTS) {
		fprintf(stderr, "harness: the PMD did not create ethdev ports for both soft-NIC "
			"ports (mac= devargs %s)\n", allow);
		return -ENODEV;
	}
	th.pool = rte_pktmbuf_pool_create("th_pool", TH_POOL_SIZE, 0, 0,
					  RTE_MBUF_DEFAULT_BUF_SIZE, SOCKET_ID_ANY);
	if (th.pool == NULL) {
		fprintf(stderr, "harness: mempool: %s\n", rte_strerror(rte_errno));
		return -ENOMEM;
	}
	printf("harness: port A = %u (soft-NIC port 0), port B = %u (soft-NIC port 1)\n",
	       th.port_a, th.port_b);
	return 0;
}

void
th_fini(void)
{
	uint16_t pid;

	if (!eal_up)
		return;
	RTE_ETH_FOREACH_DEV(pid) {
		rte_eth_dev_stop(pid);
		rte_eth_dev_close(pid);
	}
	rte_mempool_free(th.pool);
	th.pool = NULL;
	rte_eal_cleanup();
	eal_up = false;
}

int
th_run_tests(const char *name, CU_InitializeFunc init, CU_TestInfo *tests)
{
	CU_SuiteInfo suites[] = {
		{ name, init, NULL, NULL, NULL, tests },
		CU_SUITE_INFO_NULL,
	};

	return tc_run_suites(suites);
}

int
th_main(int argc, char **argv, const struct th_suite *s)
{
	const char *name;
	int ret;

	if (th_init(argc, argv, s->prog) != 0)
		return 2;
	name = th.coalesce || s->name_nocoalesce == NULL ? s->name : s->name_nocoalesce;
	ret = th_run_tests(name, s->init, s->tests);
	th_fini();
	return ret;
}

void
th_dev_info(uint16_t port, struct rte_eth_dev_info *info)
{
	int ret = rte_eth_dev_info_get(port, info);

	CU_ASSERT_EQUAL_FATAL(ret, 0);
}

int
th_port_stop(uint16_t port)
{
	struct rte_eth_dev_info info;

	if (rte_eth_dev_info_get(port, &info) != 0)
		return -ENODEV;
	return rte_eth_dev_stop(port);
}

int
th_ports_setup(const struct th_port_conf *a, const struct th_port_conf *b)
{
	int ret = th_port_setup(th.port_a, a);

	return ret != 0 ? ret : th_port_setup(th.port_b, b);
}

void
th_ports_stop(void)
{
	CU_ASSERT_EQUAL(rte_eth_dev_stop(th.port_a), 0);
	CU_ASSERT_EQUAL(rte_eth_dev_stop(th.port_b), 0);
}

int
th_port_setup(uint16_t port, const struct th_port_conf *c)
{
	struct rte_eth_conf conf;
	struct rte_eth_dev_info info;
	uint16_t nrx = c->nb_rxq ? c->nb_rxq : 1, ntx = c->nb_txq ? c->nb_txq : 1;
	uint16_t nrxd = c->nb_rxd ? c->nb_rxd : 256, ntxd = c->nb_txd ? c->nb_txd : 256;
	int ret;

	rte_eth_dev_stop(port);	/* -EBUSY/0 when already stopped is fine */
	ret = rte_eth_dev_info_get(port, &info);
	if (ret != 0) {
		fprintf(stderr, "port %u: dev_info_get: %d\n", port, ret);
		return ret;
	}
	memset(&conf, 0, sizeof(conf));
	conf.rxmode.offloads = c->rx_offloads;
	conf.txmode.offloads = c->tx_offloads;
	if (c->rss) {
		conf.rxmode.mq_mode = RTE_ETH_MQ_RX_RSS;
		conf.rx_adv_conf.rss_conf.rss_hf = info.flow_type_rss_offloads;
		conf.rx_adv_conf.rss_conf.rss_key = (uint8_t *)(uintptr_t)c->rss_key;
		conf.rx_adv_conf.rss_conf.rss_key_len = c->rss_key ? 40 : 0;
	}
	conf.intr_conf.rmv = c->intr_rmv ? 1 : 0;
	conf.rxmode.mtu = c->mtu;
	ret = rte_eth_dev_configure(port, nrx, ntx, &conf);
	if (ret != 0) {
		fprintf(stderr, "port %u: configure(%u rxq, %u txq): %d (%s)\n", port, nrx, ntx,
			ret, strerror(-ret));
		return ret;
	}
	for (uint16_t q = 0; q < nrx; q++) {
		ret = rte_eth_rx_queue_setup(port, q, nrxd, rte_eth_dev_socket_id(port), NULL,
					     c->rx_pool ? c->rx_pool : th.pool);
		if (ret != 0) {
			fprintf(stderr, "port %u: rx_queue_setup(%u, %u desc): %d (%s)\n", port, q,
				nrxd, ret, strerror(-ret));
			return ret;
		}
	}
	for (uint16_t q = 0; q < ntx; q++) {
		ret = rte_eth_tx_queue_setup(port, q, ntxd, rte_eth_dev_socket_id(port), NULL);
		if (ret != 0) {
			fprintf(stderr, "port %u: tx_queue_setup(%u, %u desc): %d (%s)\n", port, q,
				ntxd, ret, strerror(-ret));
			return ret;
		}
	}
	ret = rte_eth_dev_start(port);
	if (ret != 0)
		fprintf(stderr, "port %u: start: %d (%s)\n", port, ret, strerror(-ret));
	return ret;
}

/* ---------------------------------------------------------------------- */
/* Frames                                                                  */
/* ---------------------------------------------------------------------- */

/* th_flow4()/th_flow6(): the flow of IP version ver (address family af). */
static void
flow_fill(struct th_flow *f, uint8_t ver, int af, uint8_t l4, const char *src, uint16_t sport,
	  const char *dst, uint16_t dport)
{
	memset(f, 0, sizeof(*f));
	f->ip_ver = ver;
	f->l4 = l4;
	if (inet_pton(af, src, f->src) != 1 || inet_pton(af, dst, f->dst) != 1) {
		fprintf(stderr, "th_flow%u: bad address %s or %s\n", ver, src, dst);
		abort();
	}
	f->sport = sport;
	f->dport = dport;
}

void
th_flow4(struct th_flow *f, uint8_t l4, const char *src, uint16_t sport,
	 const char *dst, uint16_t dport)
{
	flow_fill(f, 4, AF_INET, l4, src, sport, dst, dport);
}

void
th_flow6(struct th_flow *f, uint8_t l4, const char *src, uint16_t sport,
	 const char *dst, uint16_t dport)
{
	flow_fill(f, 6, AF_INET6, l4, src, sport, dst, dport);
}

static uint16_t
l4_hdr_len(uint8_t l4)
{
	switch (l4) {
	case IPPROTO_TCP:
		return sizeof(struct rte_tcp_hdr);
	case IPPROTO_UDP:
		return sizeof(struct rte_udp_hdr);
	case IPPROTO_ICMP:
	case IPPROTO_ICMPV6:
		return sizeof(struct rte_icmp_hdr);
	default:
		return 0;
	}
}

uint16_t
th_build(uint8_t *buf, uint32_t len, const struct rte_ether_addr *src_mac,
	 const struct rte_ether_addr *dst_mac, const struct th_flow *f,
	 uint32_t seq, uint16_t *l3_len)
{
	struct rte_ether_hdr *eth = (struct rte_ether_hdr *)buf;
	uint16_t l2 = sizeof(*eth), l3 = 0, l4len = 0, off;
	uint16_t ethertype;

	if (f->ip_ver == 4)
		ethertype = RTE_ETHER_TYPE_IPV4;
	else if (f->ip_ver == 6)
		ethertype = RTE_ETHER_TYPE_IPV6;
	else
		ethertype = 0x88B5;
	memset(buf, 0, len);
	rte_ether_addr_copy(dst_mac, &eth->dst_addr);
	rte_ether_addr_copy(src_mac, &eth->src_addr);
	if (f->vlan_tci) {
		struct rte_vlan_hdr *vh = (struct rte_vlan_hdr *)(eth + 1);

		eth->ether_type = rte_cpu_to_be_16(RTE_ETHER_TYPE_VLAN);
		vh->vlan_tci = rte_cpu_to_be_16(f->vlan_tci);
		vh->eth_proto = rte_cpu_to_be_16(ethertype);
		l2 += sizeof(*vh);
	} else {
		eth->ether_type = rte_cpu_to_be_16(ethertype);
	}
	if (f->ip_ver)
		l4len = l4_hdr_len(f->l4);
	if (f->ip_ver == 4)
		l3 = sizeof(struct rte_ipv4_hdr);
	else if (f->ip_ver == 6)
		l3 = sizeof(struct rte_ipv6_hdr);
	if (len < (uint32_t)l2 + l3 + l4len + TH_TAIL_LEN || len > TH_MAX_FRAME) {
		fprintf(stderr, "th_build: %u bytes cannot hold this frame (%u..%u)\n", len,
			l2 + l3 + l4len + TH_TAIL_LEN, TH_MAX_FRAME);
		abort();
	}

	if (f->ip_ver == 4) {
		struct rte_ipv4_hdr *ip = (struct rte_ipv4_hdr *)(buf + l2);

		ip->version_ihl = RTE_IPV4_VHL_DEF;
		ip->total_length = rte_cpu_to_be_16((uint16_t)(len - l2));
		ip->packet_id = rte_cpu_to_be_16((uint16_t)seq);
		ip->fragment_offset = f->ip_frag ? rte_cpu_to_be_16(RTE_IPV4_HDR_MF_FLAG) : 0;
		ip->time_to_live = 64;
		ip->next_proto_id = f->l4;
		memcpy(&ip->src_addr, f->src, 4);
		memcpy(&ip->dst_addr, f->dst, 4);
	} else if (f->ip_ver == 6) {
		struct rte_ipv6_hdr *ip6 = (struct rte_ipv6_hdr *)(buf + l2);

		ip6->vtc_flow = rte_cpu_to_be_32(0x60000000u);
		ip6->payload_len = rte_cpu_to_be_16((uint16_t)(len - l2 - l3));
		ip6->proto = f->l4;
		ip6->hop_limits = 64;
		memcpy(ip6->src_addr, f->src, 16);
		memcpy(ip6->dst_addr, f->dst, 16);
	}
	off = l2 + l3;
	if (f->ip_ver && f->l4 == IPPROTO_TCP) {
		struct rte_tcp_hdr *t = (struct rte_tcp_hdr *)(buf + off);

		t->src_port = rte_cpu_to_be_16(f->sport);
		t->dst_port = rte_cpu_to_be_16(f->dport);
		t->sent_seq = rte_cpu_to_be_32(seq);
		t->data_off = 0x50;
		t->tcp_flags = RTE_TCP_ACK_FLAG | RTE_TCP_PSH_FLAG;
		t->rx_win = rte_cpu_to_be_16(0xffff);
	} else if (f->ip_ver && f->l4 == IPPROTO_UDP) {
		struct rte_udp_hdr *u = (struct rte_udp_hdr *)(buf + off);

		u->src_port = rte_cpu_to_be_16(f->sport);
		u->dst_port = rte_cpu_to_be_16(f->dport);
		u->dgram_len = rte_cpu_to_be_16((uint16_t)(len - off));
	} else if (f->ip_ver && (f->l4 == IPPROTO_ICMP || f->l4 == IPPROTO_ICMPV6)) {
		struct rte_icmp_hdr *ic = (struct rte_icmp_hdr *)(buf + off);

		ic->icmp_type = f->ip_ver == 4 ? RTE_IP_ICMP_ECHO_REQUEST : 128;
		ic->icmp_ident = rte_cpu_to_be_16(0x4d41);
		ic->icmp_seq_nb = rte_cpu_to_be_16((uint16_t)seq);
	}
	off += l4len;
	for (uint32_t i = off; i < len - TH_TAIL_LEN; i++)
		buf[i] = (uint8_t)(seq * 7u + (i - off));
	{
		uint32_t magic = TH_TAIL_MAGIC;

		memcpy(buf + len - TH_TAIL_LEN, &magic, 4);
		memcpy(buf + len - 4, &seq, 4);
	}
	th_fix_checksums(buf, len);
	if (l3_len != NULL)
		*l3_len = l3;
	return l2;
}

void
th_fix_checksums(uint8_t *buf, uint32_t len)
{
	struct rte_ether_hdr *eth = (struct rte_ether_hdr *)buf;
	uint16_t et = rte_be_to_cpu_16(eth->ether_type);
	uint32_t l2 = sizeof(*eth);

	if (et == RTE_ETHER_TYPE_VLAN) {
		struct rte_vlan_hdr *vh = (struct rte_vlan_hdr *)(eth + 1);

		et = rte_be_to_cpu_16(vh->eth_proto);
		l2 += sizeof(*vh);
	}
	if (et == RTE_ETHER_TYPE_IPV4) {
		struct rte_ipv4_hdr *ip = (struct rte_ipv4_hdr *)(buf + l2);
		void *l4 = (uint8_t *)ip + rte_ipv4_hdr_len(ip);
		uint32_t l4len = len - l2 - rte_ipv4_hdr_len(ip);
		bool frag = (ip->fragment_offset &
			     rte_cpu_to_be_16(RTE_IPV4_HDR_MF_FLAG | RTE_IPV4_HDR_OFFSET_MASK)) != 0;

		ip->hdr_checksum = 0;
		ip->hdr_checksum = rte_ipv4_cksum(ip);
		if (ip->next_proto_id == IPPROTO_TCP && !frag) {
			((struct rte_tcp_hdr *)l4)->cksum = 0;
			((struct rte_tcp_hdr *)l4)->cksum = rte_ipv4_udptcp_cksum(ip, l4);
		} else if (ip->next_proto_id == IPPROTO_UDP && !frag) {
			((struct rte_udp_hdr *)l4)->dgram_cksum = 0;
			((struct rte_udp_hdr *)l4)->dgram_cksum = rte_ipv4_udptcp_cksum(ip, l4);
		} else if (ip->next_proto_id == IPPROTO_ICMP) {
			struct rte_icmp_hdr *ic = l4;

			ic->icmp_cksum = 0;
			ic->icmp_cksum = (uint16_t)~rte_raw_cksum(l4, l4len);
		}
	} else if (et == RTE_ETHER_TYPE_IPV6) {
		struct rte_ipv6_hdr *ip6 = (struct rte_ipv6_hdr *)(buf + l2);
		void *l4 = ip6 + 1;

		if (ip6->proto == IPPROTO_TCP) {
			((struct rte_tcp_hdr *)l4)->cksum = 0;
			((struct rte_tcp_hdr *)l4)->cksum = rte_ipv6_udptcp_cksum(ip6, l4);
		} else if (ip6->proto == IPPROTO_UDP) {
			((struct rte_udp_hdr *)l4)->dgram_cksum = 0;
			((struct rte_udp_hdr *)l4)->dgram_cksum = rte_ipv6_udptcp_cksum(ip6, l4);
		} else if (ip6->proto == IPPROTO_ICMPV6) {
			((struct rte_icmp_hdr *)l4)->icmp_cksum = 0;
			((struct rte_icmp_hdr *)l4)->icmp_cksum = rte_ipv6_udptcp_cksum(ip6, l4);
		}
	}
}

uint32_t
th_seq_of(const struct rte_mbuf *m)
{
	uint32_t tail[2];
	const uint32_t *p;

	if (m->pkt_len < TH_TAIL_LEN)
		return UINT32_MAX;
	p = rte_pktmbuf_read(m, m->pkt_len - TH_TAIL_LEN, TH_TAIL_LEN, tail);
	if (p == NULL || p[0] != TH_TAIL_MAGIC)
		return UINT32_MAX;
	return p[1];
}

struct rte_mbuf *
th_mbuf(struct rte_mempool *mp, const uint8_t *bytes, uint32_t len)
{
	struct rte_mbuf *m = rte_pktmbuf_alloc(mp);
	char *d;

	CU_ASSERT_PTR_NOT_NULL_FATAL(m);
	d = rte_pktmbuf_append(m, (uint16_t)len);
	CU_ASSERT_PTR_NOT_NULL_FATAL(d);
	memcpy(d, bytes, len);
	return m;
}

struct rte_mbuf *
th_mbuf_segs(struct rte_mempool *mp, const uint8_t *bytes, uint32_t len,
	     unsigned int nseg, uint32_t first_min)
{
	struct rte_mbuf *head = NULL, *last = NULL;
	uint32_t off = 0;

	CU_ASSERT_FATAL(nseg >= 1 && first_min <= len);
	for (unsigned int i = 0; i < nseg; i++) {
		uint32_t chunk = (len - off) / (nseg - i);
		struct rte_mbuf *m = rte_pktmbuf_alloc(mp);
		char *d;

		if (i == 0 && chunk < first_min)
			chunk = first_min;
		if (i == nseg - 1)
			chunk = len - off;
		CU_ASSERT_PTR_NOT_NULL_FATAL(m);
		d = rte_pktmbuf_append(m, (uint16_t)chunk);
		CU_ASSERT_PTR_NOT_NULL_FATAL(d);
		memcpy(d, bytes + off, chunk);
		off += chunk;
		if (head == NULL) {
			head = m;
		} else {
			last->next = m;
			head->nb_segs++;
			head->pkt_len += chunk;
		}
		last = m;
	}
	return head;
}

struct rte_mbuf *
th_tx_mbuf(const uint8_t *bytes, uint32_t len, unsigned int nseg, uint64_t ol, uint16_t l2,
	   uint16_t l3, uint16_t vlan_tci)
{
	struct rte_mbuf *m = nseg > 1 ? th_mbuf_segs(th.pool, bytes, len, nseg, l2 + l3 + 20u)
				      : th_mbuf(th.pool, bytes, len);

	m->ol_flags = ol;
	m->l2_len = l2;
	m->l3_len = l3;
	m->vlan_tci = vlan_tci;
	return m;
}

static void
hexdump(const char *title, const uint8_t *p, uint32_t len)
{
	printf("    %s (%u bytes):", title, len);
	for (uint32_t i = 0; i < len && i < 128; i++)
		printf("%s%02x", (i % 16) ? " " : "\n      ", p[i]);
	printf("\n");
}

bool
th_mbuf_equal(const struct rte_mbuf *m, const uint8_t *bytes, uint32_t len, const char *what)
{
	static uint8_t got[TH_MAX_FRAME];
	const uint8_t *p;

	if (m->pkt_len != len) {
		printf("\n    %s: length %u, expected %u\n", what, m->pkt_len, len);
		p = rte_pktmbuf_read(m, 0, RTE_MIN(m->pkt_len, (uint32_t)sizeof(got)), got);
		if (p != NULL)
			hexdump("received", p, m->pkt_len);
		hexdump("expected", bytes, len);
		return false;
	}
	p = rte_pktmbuf_read(m, 0, len, got);
	if (p == NULL) {
		printf("\n    %s: cannot read mbuf data\n", what);
		return false;
	}
	for (uint32_t i = 0; i < len; i++) {
		if (p[i] != bytes[i]) {
			printf("\n    %s: first difference at byte %u: 0x%02x, expected 0x%02x\n",
			       what, i, p[i], bytes[i]);
			hexdump("received", p, len);
			hexdump("expected", bytes, len);
			return false;
		}
	}
	return true;
}

/* ---------------------------------------------------------------------- */
/* Datapath helpers                                                        */
/* ---------------------------------------------------------------------- */

uint16_t
th_tx_all(uint16_t port, uint16_t queue, struct rte_mbuf **m, uint16_t n)
{
	uint64_t end = th_now_ms() + TH_WAIT_MS;
	uint16_t done = 0;

	while (done < n) {
		uint16_t k = rte_eth_tx_burst(port, queue, m + done, n - done);

		done += k;
		if (done == n)
			break;
		if (th_now_ms() > end) {
			printf("\n    tx on port %u queue %u: only %u of %u packets taken in %u ms\n",
			       port, queue, done, n, TH_WAIT_MS);
			th_free_all(m + done, n - done);
			break;
		}
		if (k == 0)
			th_idle();
	}
	return done;
}

/*
 * th_rx_wait()/th_rx_wait_multi(): receive on queues q0..q0+nq-1 of port
 * until want mbufs arrived or TH_WAIT_MS elapsed; qid gets the queue of
 * each mbuf (NULL: one queue, not reported).
 */
static unsigned int
rx_wait_queues(uint16_t port, uint16_t q0, uint16_t nq, struct rte_mbuf **out, uint16_t *qid,
	       unsigned int want)
{
	uint64_t end = th_now_ms() + TH_WAIT_MS;
	unsigned int got = 0;

	while (got < want) {
		unsigned int before = got;

		for (uint16_t q = q0; q < q0 + nq && got < want; q++) {
			uint16_t k = rte_eth_rx_burst(port, q, out + got,
						      (uint16_t)RTE_MIN(32u, want - got));

			for (uint16_t i = 0; i < k && qid != NULL; i++)
				qid[got + i] = q;
			got += k;
		}
		if (got >= want)
			break;
		if (th_now_ms() > end) {
			if (qid == NULL)
				printf("\n    rx on port %u queue %u: ", port, q0);
			else
				printf("\n    rx on port %u (%u queues): ", port, nq);
			printf("%u of %u packets within %u ms\n", got, want, TH_WAIT_MS);
			break;
		}
		if (got == before)
			th_idle();
	}
	return got;
}

unsigned int
th_rx_wait(uint16_t port, uint16_t queue, struct rte_mbuf **out, unsigned int want)
{
	return rx_wait_queues(port, queue, 1, out, NULL, want);
}

unsigned int
th_rx_wait_multi(uint16_t port, uint16_t nq, struct rte_mbuf **out, uint16_t *qid,
		 unsigned int want)
{
	return rx_wait_queues(port, 0, nq, out, qid, want);
}

unsigned int
th_rx_drain(uint16_t port, uint16_t nq, unsigned int quiet_ms)
{
	uint64_t end = th_now_ms() + quiet_ms;
	struct rte_mbuf *m[32];
	unsigned int n = 0;

	while (th_now_ms() < end) {
		for (uint16_t q = 0; q < nq; q++) {
			uint16_t k = rte_eth_rx_burst(port, q, m, 32);

			n += k;
			th_free_all(m, k);
		}
		th_idle();
	}
	return n;
}

void
th_free_all(struct rte_mbuf **m, unsigned int n)
{
	for (unsigned int i = 0; i < n; i++) {
		rte_pktmbuf_free(m[i]);
		m[i] = NULL;
	}
}

/* ---------------------------------------------------------------------- */
/* xstats                                                                  */
/* ---------------------------------------------------------------------- */

/* The extended statistics of a port (n < 0: they could not be read). */
struct xstats {
	struct rte_eth_xstat_name *names;
	struct rte_eth_xstat *vals;
	int n;
};

static void
xstats_get(uint16_t port, struct xstats *x)
{
	int n = rte_eth_xstats_get_names(port, NULL, 0);

	x->names = NULL;
	x->vals = NULL;
	x->n = n;
	if (n <= 0)
		return;
	x->names = calloc((size_t)n, sizeof(*x->names));
	x->vals = calloc((size_t)n, sizeof(*x->vals));
	if (x->names == NULL || x->vals == NULL)
		x->n = -ENOMEM;
	else if (rte_eth_xstats_get_names(port, x->names, (unsigned int)n) != n ||
		 rte_eth_xstats_get(port, x->vals, (unsigned int)n) != n)
		x->n = -EIO;
}

static void
xstats_put(struct xstats *x)
{
	free(x->names);
	free(x->vals);
}

static const char *
xstats_name(const struct xstats *x, int i)
{
	return x->names[x->vals[i].id].name;
}

int64_t
th_xstat_sum(uint16_t port, ...)
{
	struct xstats x;
	int64_t sum = -1;

	xstats_get(port, &x);
	for (int i = 0; i < x.n; i++) {
		const char *sub;
		bool all = true;
		va_list ap;

		va_start(ap, port);
		while ((sub = va_arg(ap, const char *)) != NULL)
			if (strstr(xstats_name(&x, i), sub) == NULL)
				all = false;
		va_end(ap);
		if (all)
			sum = (sum < 0 ? 0 : sum) + (int64_t)x.vals[i].value;
	}
	xstats_put(&x);
	return sum;
}

int64_t
th_xstat(uint16_t port, const char *name)
{
	struct xstats x;
	int64_t v = -1;

	xstats_get(port, &x);
	for (int i = 0; i < x.n; i++)
		if (strcmp(xstats_name(&x, i), name) == 0)
			v = (int64_t)x.vals[i].value;
	xstats_put(&x);
	return v;
}

void
th_xstats_dump(uint16_t port, const char *why)
{
	struct xstats x;

	xstats_get(port, &x);
	printf("\n    xstats of port %u (%s), non-zero:\n", port, why);
	for (int i = 0; i < x.n; i++)
		if (x.vals[i].value)
			printf("      %s = %" PRIu64 "\n", xstats_name(&x, i), x.vals[i].value);
	xstats_put(&x);
}

/* ---------------------------------------------------------------------- */
/* Control socket                                                          */
/* ---------------------------------------------------------------------- */

const char *
th_ctl(const char *fmt, ...)
{
	static char answer[65536];
	char cmd[512];
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	struct timeval tv = { .tv_sec = TH_WAIT_MS / 1000, .tv_usec = 0 };
	size_t got = 0;
	va_list ap;
	int fd, len;

	if (th.ctl_path == NULL) {
		printf("\n    control socket: $SOFTNIC_CTL is not set\n");
		return NULL;
	}
	va_start(ap, fmt);
	len = vsnprintf(cmd, sizeof(cmd) - 1, fmt, ap);
	va_end(ap);
	if (len < 0 || (size_t)len >= sizeof(cmd) - 1)
		return NULL;
	cmd[len++] = '\n';
	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", th.ctl_path);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return NULL;
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
	if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) != 0 ||
	    write(fd, cmd, (size_t)len) != len) {
		printf("\n    control socket %s: %s\n", th.ctl_path, strerror(errno));
		close(fd);
		return NULL;
	}
	shutdown(fd, SHUT_WR);
	for (;;) {
		ssize_t r = read(fd, answer + got, sizeof(answer) - 1 - got);

		if (r <= 0)
			break;
		got += (size_t)r;
		if (got == sizeof(answer) - 1)
			break;
	}
	close(fd);
	answer[got] = '\0';
	return answer;
}

int64_t
th_ctl_value(const char *answer, const char *key)
{
	size_t klen = strlen(key);
	const char *p = answer;

	while (p != NULL && *p) {
		while (*p == ' ' || *p == '\t')
			p++;
		if (strncmp(p, key, klen) == 0 && p[klen] == '=')
			return strtoll(p + klen + 1, NULL, 0);
		p = strchr(p, '\n');
		if (p != NULL)
			p++;
	}
	return -1;
}

/* ---------------------------------------------------------------------- */
/* Toeplitz                                                                */
/* ---------------------------------------------------------------------- */

uint32_t
th_toeplitz(const struct th_flow *f, const uint8_t *key)
{
	uint8_t in[36];
	uint32_t words[9];
	unsigned int alen = f->ip_ver == 4 ? 4 : 16, n = 0;

	memcpy(in + n, f->src, alen);
	n += alen;
	memcpy(in + n, f->dst, alen);
	n += alen;
	if ((f->l4 == IPPROTO_TCP || f->l4 == IPPROTO_UDP) && !f->ip_frag) {
		in[n++] = (uint8_t)(f->sport >> 8);
		in[n++] = (uint8_t)f->sport;
		in[n++] = (uint8_t)(f->dport >> 8);
		in[n++] = (uint8_t)f->dport;
	}
	/* rte_softrss takes the input as host-order 32-bit words, MSB first. */
	for (unsigned int i = 0; i < n / 4; i++)
		words[i] = (uint32_t)in[4 * i] << 24 | (uint32_t)in[4 * i + 1] << 16 |
			   (uint32_t)in[4 * i + 2] << 8 | in[4 * i + 3];
	return rte_softrss(words, n / 4, key);
}

const struct rte_ether_addr *
th_mac(uint16_t port)
{
	return port == th.port_a ? &th.mac_a : &th.mac_b;
}

unsigned int
th_send_expect(uint16_t tx, uint16_t rx, unsigned int n, uint32_t len_min, uint32_t len_max,
	       uint32_t seq0, uint64_t *bytes)
{
	static uint8_t frame[TH_MAX_FRAME];
	struct rte_mbuf *out[64], *in[64 + 32];
	struct th_flow f;
	unsigned int ok = 0, sent = 0;
	uint64_t total = 0;

	th_flow4(&f, IPPROTO_UDP, "10.1.0.1", 4000, "10.1.0.2", 5000);
	while (sent < n) {
		unsigned int k = RTE_MIN(32u, n - sent), got;

		for (unsigned int i = 0; i < k; i++) {
			unsigned int s = sent + i;
			uint32_t len = len_min + (len_max > len_min ? s % (len_max - len_min + 1) : 0);

			th_build(frame, len, th_mac(tx), th_mac(rx), &f, seq0 + s, NULL);
			out[i] = th_mbuf(th.pool, frame, len);
			total += len;
		}
		if (th_tx_all(tx, 0, out, (uint16_t)k) != k) {
			CU_FAIL("tx_burst did not take every packet");
			break;
		}
		got = th_rx_wait(rx, 0, in, k);
		CU_ASSERT_EQUAL(got, k);
		for (unsigned int i = 0; i < got; i++) {
			unsigned int s = sent + i;
			uint32_t len = len_min + (len_max > len_min ? s % (len_max - len_min + 1) : 0);

			th_build(frame, len, th_mac(tx), th_mac(rx), &f, seq0 + s, NULL);
			if (th_mbuf_equal(in[i], frame, len, "frame"))
				ok++;
			else
				CU_FAIL("received frame differs from the frame sent");
		}
		th_free_all(in, got);
		sent += k;
		if (got != k)
			break;
	}
	if (bytes != NULL)
		*bytes = total;
	return ok;
}

int64_t
th_ctl_queue_sum(const char *answer, const char *kind, unsigned int port, const char *ctr)
{
	size_t klen = strlen(kind);
	const char *p = answer;
	int64_t sum = -1;

	/* every "<kind><id>.port=<port>" line names one queue of the port */
	while (p != NULL && *p) {
		unsigned int id, qport;
		char key[64];
		int n = 0;

		if (strncmp(p, kind, klen) == 0 &&
		    sscanf(p + klen, "%u.port=%u%n", &id, &qport, &n) == 2 && n > 0 &&
		    qport == port) {
			int64_t v;

			snprintf(key, sizeof(key), "%s%u.%s", kind, id, ctr);
			v = th_ctl_value(answer, key);
			if (v >= 0)
				sum = (sum < 0 ? 0 : sum) + v;
		}
		p = strchr(p, '\n');
		if (p != NULL)
			p++;
	}
	return sum;
}
