/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * mana-check system interface and helpers, tested directly:
 *  - the real implementation on a veth pair in a private network namespace
 *    (ethtool statistics through SIOCETHTOOL, interface counters through
 *    getifaddrs, the measurement window);
 *  - the fixture implementation (before/after snapshots);
 *  - file helpers and the library directory scan under a root.
 * Needs root (unshare(CLONE_NEWNET), creating veth links).
 */
#include <errno.h>
#include <fcntl.h>
#include <net/if.h>
#include <netinet/in.h>
#include <netpacket/packet.h>
#include <sched.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <CUnit/Basic.h>

#include "cunit_run.h"

#include "fixture.h"
#include "mc.h"

extern char **environ;

/* Run a command (argv[0] looked up in PATH); returns its exit status. */
static int
run(char *const argv[])
{
	pid_t pid;
	int st;

	if (posix_spawnp(&pid, argv[0], NULL, NULL, argv, environ) != 0)
		return -1;
	while (waitpid(pid, &st, 0) < 0 && errno == EINTR)
		;
	return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

static void
write_proc(const char *path, const char *val)
{
	int fd = open(path, O_WRONLY | O_CLOEXEC);

	if (fd >= 0) {
		if (write(fd, val, strlen(val)) < 0)
			fprintf(stderr, "write %s: %s\n", path, strerror(errno));
		close(fd);
	}
}

static double
now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static bool netns_ready;

/* A private network namespace with mcv0 <-> mcv1 up and IPv6 off (so that
 * the kernel sends nothing on its own and counters are exact). */
static void
setup_veth(void)
{
	static char *const add[] = { "ip", "link", "add", "mcv0", "type", "veth", "peer",
				     "name", "mcv1", NULL };
	static char *const up0[] = { "ip", "link", "set", "mcv0", "up", NULL };
	static char *const up1[] = { "ip", "link", "set", "mcv1", "up", NULL };

	if (netns_ready)
		return;
	if (unshare(CLONE_NEWNET) < 0) {
		fprintf(stderr, "unshare(CLONE_NEWNET): %s (this test needs root)\n",
			strerror(errno));
		CU_FAIL_FATAL("no private network namespace");
	}
	write_proc("/proc/sys/net/ipv6/conf/all/disable_ipv6", "1");
	write_proc("/proc/sys/net/ipv6/conf/default/disable_ipv6", "1");
	CU_ASSERT_EQUAL_FATAL(run(add), 0);
	CU_ASSERT_EQUAL_FATAL(run(up0), 0);
	CU_ASSERT_EQUAL_FATAL(run(up1), 0);
	netns_ready = true;
}

static void
test_real_ethtool(void)
{
	struct mc_stat *st = NULL;
	struct mc_sys sys;
	size_t n = 0, i;
	bool found = false;
	int ret;

	setup_veth();
	mc_sys_init(&sys, "/");
	CU_ASSERT_PTR_EQUAL(sys.ops, &mc_sys_real_ops);
	ret = sys.ops->ethtool_stats(&sys, "mcv0", &st, &n);
	CU_ASSERT_EQUAL_FATAL(ret, 0);
	CU_ASSERT_TRUE(n > 1);
	/* veth reports its peer's ifindex first. */
	for (i = 0; i < n; i++) {
		if (strcmp(st[i].name, "peer_ifindex") == 0) {
			found = true;
			CU_ASSERT_EQUAL(st[i].value, if_nametoindex("mcv1"));
		}
	}
	CU_ASSERT_TRUE(found);
	free(st);
	ret = sys.ops->ethtool_stats(&sys, "nosuchif0", &st, &n);
	CU_ASSERT_EQUAL(ret, -ENODEV);
	CU_ASSERT_PTR_NULL(st);
	ret = sys.ops->ethtool_stats(&sys, "lo", &st, &n);
	CU_ASSERT_EQUAL(ret, -EOPNOTSUPP);
}

static void
test_real_link_stats(void)
{
	uint64_t rx0, tx0, rx1, tx1, rx0b, tx0b, rx1b, tx1b;
	unsigned char frame[60];
	struct sockaddr_ll sll;
	struct mc_sys sys;
	double deadline;
	int fd, i;

	setup_veth();
	mc_sys_init(&sys, NULL);
	CU_ASSERT_EQUAL_FATAL(sys.ops->link_stats(&sys, "mcv0", &rx0, &tx0), 0);
	CU_ASSERT_EQUAL_FATAL(sys.ops->link_stats(&sys, "mcv1", &rx1, &tx1), 0);
	CU_ASSERT_EQUAL(sys.ops->link_stats(&sys, "nosuchif0", &rx0b, &tx0b), -ENODEV);

	/* Three broadcast frames of a local experimental EtherType. */
	fd = socket(AF_PACKET, SOCK_RAW | SOCK_CLOEXEC, 0);
	CU_ASSERT_TRUE_FATAL(fd >= 0);
	memset(&sll, 0, sizeof(sll));
	sll.sll_family = AF_PACKET;
	sll.sll_ifindex = (int)if_nametoindex("mcv0");
	sll.sll_halen = 6;
	memset(frame, 0, sizeof(frame));
	memset(frame, 0xff, 6);
	frame[6] = 0x02;
	frame[11] = 0x01;
	frame[12] = 0x88;
	frame[13] = 0xb5;
	for (i = 0; i < 3; i++)
		CU_ASSERT_EQUAL(sendto(fd, frame, sizeof(frame), 0, (struct sockaddr *)&sll,
				       sizeof(sll)), (ssize_t)sizeof(frame));
	close(fd);

	/* veth counts synchronously; allow 5 s on a busy machine anyway. */
	deadline = now() + 5.0;
	do {
		CU_ASSERT_EQUAL_FATAL(sys.ops->link_stats(&sys, "mcv1", &rx1b, &tx1b), 0);
	} while (rx1b - rx1 < 3 && now() < deadline);
	CU_ASSERT_EQUAL_FATAL(sys.ops->link_stats(&sys, "mcv0", &rx0b, &tx0b), 0);
	if (rx1b - rx1 != 3 || tx0b - tx0 != 3)
		fprintf(stderr, "mcv0 tx +%llu, mcv1 rx +%llu (want 3, 3)\n",
			(unsigned long long)(tx0b - tx0), (unsigned long long)(rx1b - rx1));
	CU_ASSERT_EQUAL(tx0b - tx0, 3);
	CU_ASSERT_EQUAL(rx1b - rx1, 3);
	CU_ASSERT_EQUAL(rx0b - rx0, 0);
	CU_ASSERT_EQUAL(tx1b - tx1, 0);
}

static void
test_real_wait(void)
{
	struct mc_sys sys;
	double t0, dt;

	mc_sys_init(&sys, "/");
	t0 = now();
	sys.ops->wait(&sys, 1);
	dt = now() - t0;
	CU_ASSERT_TRUE(dt >= 0.99);
	CU_ASSERT_TRUE(dt < 10.0);
	CU_ASSERT_EQUAL(sys.phase, 1);
}

static uint64_t
stat_value(const struct mc_stat *st, size_t n, const char *name)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (strcmp(st[i].name, name) == 0)
			return st[i].value;
	return UINT64_MAX;
}

static void
test_fixture_backend(void)
{
	struct mc_stat *st = NULL;
	struct mc_sys sys;
	uint64_t rx, tx;
	struct fx f;
	size_t n;

	fx_init(&f, "sys");
	fx_ethtool(&f, "eth0", false, 10, 20);
	fx_ethtool(&f, "eth0", true, 15, 27);
	fx_ethtool(&f, "eth1", false, 5, 6);		/* no "after": stays */
	fx_link_stats(&f, "eth0", false, 100, 200);
	fx_link_stats(&f, "eth0", true, 150, 260);
	fx_file(&f, "fixture/link/eth9", "rx_packets=1\n");	/* tx missing */
	mc_sys_init(&sys, f.root);
	CU_ASSERT_PTR_EQUAL(sys.ops, &mc_sys_fixture_ops);

	CU_ASSERT_EQUAL_FATAL(sys.ops->ethtool_stats(&sys, "eth0", &st, &n), 0);
	CU_ASSERT_EQUAL(n, 11);
	CU_ASSERT_EQUAL(stat_value(st, n, "vf_rx_packets"), 10);
	CU_ASSERT_EQUAL(stat_value(st, n, "vf_tx_packets"), 20);
	CU_ASSERT_EQUAL(stat_value(st, n, "vf_rx_bytes"), 1000);
	free(st);
	CU_ASSERT_EQUAL(sys.ops->link_stats(&sys, "eth0", &rx, &tx), 0);
	CU_ASSERT_EQUAL(rx, 100);
	CU_ASSERT_EQUAL(tx, 200);

	sys.ops->wait(&sys, 30);	/* no real sleep */
	CU_ASSERT_EQUAL(sys.phase, 1);
	CU_ASSERT_EQUAL_FATAL(sys.ops->ethtool_stats(&sys, "eth0", &st, &n), 0);
	CU_ASSERT_EQUAL(stat_value(st, n, "vf_rx_packets"), 15);
	CU_ASSERT_EQUAL(stat_value(st, n, "vf_tx_packets"), 27);
	free(st);
	CU_ASSERT_EQUAL_FATAL(sys.ops->ethtool_stats(&sys, "eth1", &st, &n), 0);
	CU_ASSERT_EQUAL(stat_value(st, n, "vf_rx_packets"), 5);
	free(st);
	CU_ASSERT_EQUAL(sys.ops->link_stats(&sys, "eth0", &rx, &tx), 0);
	CU_ASSERT_EQUAL(rx, 150);
	CU_ASSERT_EQUAL(tx, 260);
	CU_ASSERT_EQUAL(sys.ops->link_stats(&sys, "eth9", &rx, &tx), -EINVAL);
	CU_ASSERT_EQUAL(sys.ops->ethtool_stats(&sys, "eth7", &st, &n), -ENODEV);
	CU_ASSERT_EQUAL(sys.ops->ethtool_stats(&sys, "../eth0", &st, &n), -ENODEV);
	fx_cleanup(&f);
}

static void
test_file_helpers(void)
{
	char path[PATH_MAX], buf[64], small[8];
	unsigned int v[4];
	unsigned long ul;
	char **names;
	struct fx f;
	int n;

	CU_ASSERT_EQUAL(mc_parse_version("1.0.44.0", v, 4), 4);
	CU_ASSERT_EQUAL(v[2], 44);
	CU_ASSERT_EQUAL(mc_parse_version("22.11.11", v, 4), 3);
	CU_ASSERT_EQUAL(v[0], 22);
	CU_ASSERT_EQUAL(v[1], 11);
	CU_ASSERT_EQUAL(mc_parse_version("6.18.44-fc-v769", v, 2), 2);
	CU_ASSERT_EQUAL(v[1], 18);
	CU_ASSERT_EQUAL(mc_parse_version("23", v, 4), 1);
	CU_ASSERT_EQUAL(mc_parse_version("abc", v, 4), 0);

	fx_init(&f, "helpers");
	fx_file(&f, "a/vendor", "0x1414\n");
	fx_file(&f, "a/kv", "  Version: 22.11.4 \nName=x\nHugePages_Total:    12\n");
	fx_link(&f, "a/driver", "../../bus/pci/drivers/mana");
	fx_file(&f, "a/d/2", "%s", "");
	fx_file(&f, "a/d/1", "%s", "");
	CU_ASSERT_EQUAL(mc_path(f.root, path, sizeof(path), "/a/%s", "vendor"), 0);
	CU_ASSERT_EQUAL(mc_read_ulong(path, &ul), 0);
	CU_ASSERT_EQUAL(ul, 0x1414);
	CU_ASSERT_EQUAL(mc_read_str(path, buf, sizeof(buf)), 6);
	CU_ASSERT_STRING_EQUAL(buf, "0x1414");
	CU_ASSERT_EQUAL(mc_path(f.root, path, sizeof(path), "/a/kv"), 0);
	CU_ASSERT_EQUAL(mc_read_ulong(path, &ul), -EINVAL);
	CU_ASSERT_EQUAL(mc_file_key(path, "Version", ':', buf, sizeof(buf)), 0);
	CU_ASSERT_STRING_EQUAL(buf, "22.11.4");
	CU_ASSERT_EQUAL(mc_file_key(path, "Name", '=', buf, sizeof(buf)), 0);
	CU_ASSERT_STRING_EQUAL(buf, "x");
	CU_ASSERT_EQUAL(mc_file_key(path, "HugePages_Total", ':', buf, sizeof(buf)), 0);
	CU_ASSERT_STRING_EQUAL(buf, "12");
	CU_ASSERT_EQUAL(mc_file_key(path, "Name", ':', buf, sizeof(buf)), -ENOENT);
	CU_ASSERT_EQUAL(mc_file_key(path, "Version", ':', small, 4), -ENAMETOOLONG);
	CU_ASSERT_EQUAL(mc_path(f.root, path, sizeof(path), "/a/driver"), 0);
	CU_ASSERT_EQUAL(mc_read_link_base(path, buf, sizeof(buf)), 0);
	CU_ASSERT_STRING_EQUAL(buf, "mana");
	CU_ASSERT_EQUAL(mc_path(f.root, path, sizeof(path), "/a/d"), 0);
	n = mc_list_dir(path, &names);
	CU_ASSERT_EQUAL_FATAL(n, 2);
	CU_ASSERT_STRING_EQUAL(names[0], "1");
	CU_ASSERT_STRING_EQUAL(names[1], "2");
	mc_free_names(names, n);
	CU_ASSERT_EQUAL(mc_list_dir("/nonexistent-mana-check", &names), -ENOENT);
	CU_ASSERT_EQUAL(mc_path(f.root, small, sizeof(small), "/x"), -ENAMETOOLONG);
	CU_ASSERT_STRING_EQUAL(small, "");
	fx_cleanup(&f);
}

static void
test_libdirs(void)
{
	struct mc_ctx *ctx = calloc(1, sizeof(*ctx));
	char want[PATH_MAX + 16];
	struct fx f;

	CU_ASSERT_PTR_NOT_NULL_FATAL(ctx);
	fx_init(&f, "libdirs");
	fx_file(&f, "etc/ld.so.conf", "# comment\ninclude /etc/ld.so.conf.d/*.conf\n/opt/c\n");
	fx_file(&f, "etc/ld.so.conf.d/a.conf", "/opt/a:/opt/b # two on one line\n/opt/none\n");
	fx_file(&f, "etc/ld.so.conf.d/b.conf", "include /etc/ld.so.conf.d/nested/*.conf\n");
	fx_file(&f, "etc/ld.so.conf.d/nested/n.conf", "/opt/n\n");
	fx_mkdir(&f, "opt/a");
	fx_mkdir(&f, "opt/b");
	fx_mkdir(&f, "opt/c");
	fx_mkdir(&f, "opt/n");
	fx_mkdir(&f, "usr/lib");
	fx_link(&f, "lib64", "usr/lib");	/* the same directory twice */
	fx_link(&f, "opt/c2", "c");
	snprintf(ctx->root, sizeof(ctx->root), "%s", f.root);
	mc_libdirs_scan(ctx);
	CU_ASSERT_EQUAL_FATAL(ctx->inv.nlibdirs, 5);
	snprintf(want, sizeof(want), "%s/opt/a", f.root);
	CU_ASSERT_STRING_EQUAL(ctx->inv.libdirs[0], want);
	snprintf(want, sizeof(want), "%s/opt/b", f.root);
	CU_ASSERT_STRING_EQUAL(ctx->inv.libdirs[1], want);
	snprintf(want, sizeof(want), "%s/opt/n", f.root);
	CU_ASSERT_STRING_EQUAL(ctx->inv.libdirs[2], want);
	snprintf(want, sizeof(want), "%s/opt/c", f.root);
	CU_ASSERT_STRING_EQUAL(ctx->inv.libdirs[3], want);
	snprintf(want, sizeof(want), "%s/usr/lib", f.root);
	CU_ASSERT_STRING_EQUAL(ctx->inv.libdirs[4], want);
	fx_cleanup(&f);
	free(ctx);
}

static CU_TestInfo tests[] = {
	{ "file helpers", test_file_helpers },
	{ "library directories", test_libdirs },
	{ "fixture backend", test_fixture_backend },
	{ "real ethtool statistics (veth)", test_real_ethtool },
	{ "real interface counters (veth)", test_real_link_stats },
	{ "real measurement window", test_real_wait },
	CU_TEST_INFO_NULL,
};

static CU_SuiteInfo suites[] = {
	{ "mana-check system interface", NULL, NULL, NULL, NULL, tests },
	CU_SUITE_INFO_NULL,
};

int
main(void)
{
	return tc_run_suites(suites);
}
