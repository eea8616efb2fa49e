/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * mana-check fixture tests: build a tree per VM situation, run the installed
 * program (`mana-check --root TREE --json`), and assert the exact status of
 * every check and the exit code; plus the table output, the command line,
 * the live system, and (when the soft-NIC is built) the sysfs tree that
 * softnic-run generates.
 *
 * Usage: test_mana_check MANA_CHECK [SOFTNIC_RUN]
 */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <CUnit/Basic.h>
#include <jansson.h>

#include "fixture.h"

static const char *mana_check_bin;
static const char *softnic_run_bin;

/* The checks in report order (doc/mana-check.md). */
#define NCHECKS 15
static const char *const check_ids[NCHECKS] = {
	"hw.mana", "hw.mlx", "kernel.version", "kernel.mana_modules", "kernel.mlx_modules",
	"rdma.devices", "rdma.netdev_down", "user.rdma_core", "user.dpdk",
	"user.dpdk_mana_pmd", "user.hugepages", "net.pairing", "net.traffic",
	"net.udev_rule", "net.default_route",
};

struct run {
	int exit_code;
	char *out;
	json_t *json;
};

/*
 * Run argv (NULL terminated), capture stdout into r->out, the exit code into
 * r->exit_code (-1 if killed).  stderr goes to ours.
 */
static void
run_argv(struct run *r, char *const argv[])
{
	size_t len = 0, cap = 65536;
	int pfd[2], st;
	ssize_t n;
	pid_t pid;

	memset(r, 0, sizeof(*r));
	r->exit_code = -1;
	r->out = malloc(cap);
	if (r->out == NULL || pipe2(pfd, O_CLOEXEC) < 0) {
		perror("run");
		exit(99);
	}
	pid = fork();
	if (pid < 0) {
		perror("fork");
		exit(99);
	}
	if (pid == 0) {
		dup2(pfd[1], STDOUT_FILENO);
		execv(argv[0], argv);
		perror(argv[0]);
		_exit(127);
	}
	close(pfd[1]);
	for (;;) {
		if (len + 1 >= cap) {
			cap *= 2;
			r->out = realloc(r->out, cap);
			if (r->out == NULL)
				exit(99);
		}
		n = read(pfd[0], r->out + len, cap - 1 - len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		len += (size_t)n;
	}
	r->out[len] = '\0';
	close(pfd[0]);
	while (waitpid(pid, &st, 0) < 0 && errno == EINTR)
		;
	if (WIFEXITED(st))
		r->exit_code = WEXITSTATUS(st);
}

/* Run mana-check --json [--root root] with extra arguments (NULL ended). */
static void
run_mc(struct run *r, const char *root, ...)
{
	char *argv[32];
	json_error_t jerr;
	int argc = 0;
	va_list ap;
	char *a;

	argv[argc++] = (char *)mana_check_bin;
	argv[argc++] = (char *)"--json";
	if (root != NULL) {
		argv[argc++] = (char *)"--root";
		argv[argc++] = (char *)root;
	}
	va_start(ap, root);
	while ((a = va_arg(ap, char *)) != NULL && argc < 31)
		argv[argc++] = a;
	va_end(ap);
	argv[argc] = NULL;
	run_argv(r, argv);
	r->json = json_loads(r->out, 0, &jerr);
	if (r->json == NULL)
		fprintf(stderr, "mana-check output is not JSON (%s, line %d):\n%s\n", jerr.text,
			jerr.line, r->out);
}

static void
run_free(struct run *r)
{
	json_decref(r->json);
	free(r->out);
}

static json_t *
check_obj(const struct run *r, const char *id)
{
	json_t *checks = json_object_get(r->json, "checks"), *c;
	size_t i;

	json_array_foreach(checks, i, c) {
		if (strcmp(json_string_value(json_object_get(c, "id")), id) == 0)
			return c;
	}
	return NULL;
}

static const char *
check_status(const struct run *r, const char *id)
{
	json_t *c = check_obj(r, id);

	return c != NULL ? json_string_value(json_object_get(c, "status")) : NULL;
}

/*
 * Assert the run's exit code, that "checks" lists exactly the 15 checks in
 * order, and each status as given in want: "id=STATUS" words, one per check.
 */
static void
expect(const char *what, const struct run *r, int exit_code, const char *want)
{
	json_t *checks;
	char buf[2048], *tok, *save = NULL;
	const char *wanted[NCHECKS] = { NULL };
	bool ok = true;
	size_t i;

	CU_ASSERT_PTR_NOT_NULL_FATAL(r->json);
	snprintf(buf, sizeof(buf), "%s", want);
	for (tok = strtok_r(buf, " \n", &save); tok != NULL; tok = strtok_r(NULL, " \n", &save)) {
		char *eq = strchr(tok, '=');

		CU_ASSERT_PTR_NOT_NULL_FATAL(eq);
		*eq = '\0';
		for (i = 0; i < NCHECKS; i++)
			if (strcmp(check_ids[i], tok) == 0)
				break;
		if (i == NCHECKS) {
			fprintf(stderr, "%s: test names unknown check %s\n", what, tok);
			CU_FAIL_FATAL("unknown check in expectation");
		}
		wanted[i] = eq + 1;
	}
	checks = json_object_get(r->json, "checks");
	CU_ASSERT_EQUAL_FATAL(json_array_size(checks), NCHECKS);
	for (i = 0; i < NCHECKS; i++) {
		json_t *c = json_array_get(checks, i);
		const char *id = json_string_value(json_object_get(c, "id"));
		const char *st = json_string_value(json_object_get(c, "status"));

		CU_ASSERT_PTR_NOT_NULL_FATAL(wanted[i]);
		if (id == NULL || strcmp(id, check_ids[i]) != 0) {
			fprintf(stderr, "%s: check %zu is %s, want %s\n", what, i, id, check_ids[i]);
			ok = false;
			continue;
		}
		if (st == NULL || strcmp(st, wanted[i]) != 0) {
			fprintf(stderr, "%s: %s is %s, want %s (reason: %s)\n", what, id, st,
				wanted[i],
				json_string_value(json_object_get(c, "reason")));
			ok = false;
		}
	}
	if (r->exit_code != exit_code) {
		fprintf(stderr, "%s: exit code %d, want %d\n", what, r->exit_code, exit_code);
		ok = false;
	}
	if (json_integer_value(json_object_get(r->json, "exit_code")) != exit_code)
		ok = false;
	if (!ok)
		fprintf(stderr, "%s: output was:\n%s\n", what, r->out);
	CU_ASSERT_TRUE(ok);
}

/* A reason contains text (exact wording is part of the interface). */
static void
expect_reason(const struct run *r, const char *id, const char *text)
{
	json_t *c = check_obj(r, id);
	const char *reason = c ? json_string_value(json_object_get(c, "reason")) : NULL;

	if (reason == NULL || strstr(reason, text) == NULL) {
		fprintf(stderr, "%s reason '%s' lacks '%s'\n", id, reason ? reason : "(none)", text);
		CU_FAIL("reason text");
	}
}

#define READY_ALL \
	"hw.mana=PASS hw.mlx=SKIP kernel.version=PASS kernel.mana_modules=PASS " \
	"kernel.mlx_modules=PASS rdma.devices=PASS rdma.netdev_down=PASS " \
	"user.rdma_core=PASS user.dpdk=PASS user.dpdk_mana_pmd=PASS user.hugepages=PASS " \
	"net.pairing=PASS net.udev_rule=PASS net.default_route=PASS"

/* ------------------------------------------------------------------ */

static void
test_ready_vm(void)
{
	struct run r;
	struct fx f;
	json_t *ports, *p;

	fx_init(&f, "ready");
	fx_ready_vm(&f);
	run_mc(&r, f.root, NULL);
	expect("ready VM", &r, 0, READY_ALL " net.traffic=SKIP");
	/* The inventory: two ports, port 2 (eth1's VF) is the DPDK port. */
	ports = json_object_get(r.json, "ports");
	CU_ASSERT_EQUAL(json_array_size(ports), 2);
	p = json_array_get(ports, 1);
	CU_ASSERT_STRING_EQUAL(json_string_value(json_object_get(p, "netdev")), "enP30832s1d1");
	CU_ASSERT_STRING_EQUAL(json_string_value(json_object_get(p, "mac")), "00:0d:3a:6f:00:02");
	CU_ASSERT_STRING_EQUAL(json_string_value(json_object_get(p, "ib_device")), "mana_0");
	CU_ASSERT_EQUAL(json_integer_value(json_object_get(p, "ib_port")), 2);
	CU_ASSERT_STRING_EQUAL(json_string_value(json_object_get(p, "synthetic")), "eth1");
	CU_ASSERT_TRUE(json_is_true(json_object_get(p, "dpdk_port")));
	CU_ASSERT_TRUE(json_is_false(json_object_get(p, "up")));
	p = json_array_get(ports, 0);
	CU_ASSERT_TRUE(json_is_false(json_object_get(p, "dpdk_port")));
	CU_ASSERT_TRUE(json_is_true(json_object_get(p, "default_route")));
	CU_ASSERT_STRING_EQUAL(json_string_value(json_object_get(r.json, "result")), "ready");
	CU_ASSERT_STRING_EQUAL(json_string_value(json_object_get(r.json, "backend")), "fixture");
	CU_ASSERT_STRING_EQUAL(json_string_value(json_object_get(json_object_get(r.json,
			       "kernel"), "release")), "6.5.0-1025-azure");
	CU_ASSERT_STRING_EQUAL(json_string_value(json_object_get(r.json, "os")),
			       "Ubuntu 22.04.4 LTS");
	expect_reason(&r, "user.rdma_core", "rdma-core 44");
	expect_reason(&r, "user.dpdk", "DPDK 22.11");
	expect_reason(&r, "user.hugepages", "1024 of 1024 hugepages free");
	expect_reason(&r, "rdma.netdev_down", "enP30832s1d1");
	expect_reason(&r, "net.pairing", "enP30832s1 -> eth0, enP30832s1d1 -> eth1");
	run_free(&r);
	fx_cleanup(&f);
}

static void
test_ready_vm_traffic(void)
{
	struct run r;
	struct fx f;

	fx_init(&f, "ready-traffic");
	fx_ready_vm(&f);
	run_mc(&r, f.root, "--traffic", "1", NULL);
	expect("ready VM --traffic", &r, 0, READY_ALL " net.traffic=PASS");
	expect_reason(&r, "net.traffic", "VF counters moved on eth0");
	run_free(&r);
	fx_cleanup(&f);
}

static void
test_kernel_too_old(void)
{
	static const char *const loaded[] = { "ib_uverbs", "ib_core", "mana", NULL };
	static const char *const dep[] = {
		"mana", "ib_uverbs", "ib_core", "mlx4_core", "mlx4_en", "mlx4_ib", "mlx5_core",
		"mlx5_ib", NULL,
	};
	struct run r;
	struct fx f;

	fx_init(&f, "kernel-old");
	fx_ready_vm(&f);
	fx_rm(&f, "lib/modules");
	fx_kernel(&f, "5.15.0-1019-azure", loaded, dep);
	fx_rm(&f, "sys/class/infiniband");	/* no mana_ib, no IB device */
	run_mc(&r, f.root, NULL);
	expect("kernel too old", &r, 1,
	       "hw.mana=PASS hw.mlx=SKIP kernel.version=FAIL kernel.mana_modules=FAIL "
	       "kernel.mlx_modules=PASS rdma.devices=FAIL rdma.netdev_down=PASS "
	       "user.rdma_core=PASS user.dpdk=PASS user.dpdk_mana_pmd=PASS user.hugepages=PASS "
	       "net.pairing=PASS net.traffic=SKIP net.udev_rule=PASS net.default_route=PASS");
	expect_reason(&r, "kernel.version", "no mana_ib (6.2+)");
	expect_reason(&r, "kernel.mana_modules", "kernel lacks mana_ib");
	expect_reason(&r, "rdma.devices", "7870:00:00.0 has no IB device");
	run_free(&r);
	fx_cleanup(&f);
}

static void
test_kernel_backport(void)
{
	static const char *const loaded[] = { "mana_ib", "ib_uverbs", "ib_core", "mana", NULL };
	static const char *const dep[] = {
		"mana", "mana_ib", "ib_uverbs", "ib_core", "mlx4_core", "mlx4_en", "mlx4_ib",
		"mlx5_core", "mlx5_ib", NULL,
	};
	struct run r;
	struct fx f;

	fx_init(&f, "kernel-backport");
	fx_ready_vm(&f);
	fx_rm(&f, "lib/modules");
	fx_kernel(&f, "5.15.0-1057-azure", loaded, dep);
	run_mc(&r, f.root, NULL);
	expect("kernel with mana_ib backport", &r, 0,
	       READY_ALL " net.traffic=SKIP kernel.version=WARN");
	expect_reason(&r, "kernel.version", "distribution backport");
	run_free(&r);
	fx_cleanup(&f);
}

static void
test_modules_missing(void)
{
	static const char *const loaded[] = { "ib_core", "mana", NULL };
	static const char *const dep[] = {
		"mana", "ib_core", "mlx4_core", "mlx4_en", "mlx4_ib", "mlx5_core", "mlx5_ib", NULL,
	};
	struct run r;
	struct fx f;

	fx_init(&f, "modules-missing");
	fx_ready_vm(&f);
	fx_rm(&f, "lib/modules");
	fx_kernel(&f, "6.5.0-1025-azure", loaded, dep);
	fx_rm(&f, "sys/class/infiniband");
	fx_rm(&f, "sys/class/infiniband_verbs");
	run_mc(&r, f.root, NULL);
	expect("modules missing", &r, 1,
	       "hw.mana=PASS hw.mlx=SKIP kernel.version=PASS kernel.mana_modules=FAIL "
	       "kernel.mlx_modules=PASS rdma.devices=FAIL rdma.netdev_down=PASS "
	       "user.rdma_core=PASS user.dpdk=PASS user.dpdk_mana_pmd=PASS user.hugepages=PASS "
	       "net.pairing=PASS net.traffic=SKIP net.udev_rule=PASS net.default_route=PASS");
	expect_reason(&r, "kernel.mana_modules", "kernel lacks mana_ib, ib_uverbs");
	run_free(&r);
	fx_cleanup(&f);
}

static void
test_modules_not_loaded(void)
{
	static const char *const loaded[] = { "ib_core", "mana", NULL };
	static const char *const dep[] = {
		"mana", "mana_ib", "ib_uverbs", "ib_core", "mlx4_core", "mlx4_en", "mlx4_ib",
		"mlx5_core", "mlx5_ib", NULL,
	};
	struct run r;
	struct fx f;

	fx_init(&f, "modules-not-loaded");
	fx_ready_vm(&f);
	fx_rm(&f, "lib/modules");
	fx_kernel(&f, "6.5.0-1025-azure", loaded, dep);
	fx_rm(&f, "sys/class/infiniband");
	fx_rm(&f, "sys/class/infiniband_verbs");
	run_mc(&r, f.root, NULL);
	expect("modules not loaded", &r, 1,
	       "hw.mana=PASS hw.mlx=SKIP kernel.version=PASS kernel.mana_modules=FAIL "
	       "kernel.mlx_modules=PASS rdma.devices=FAIL rdma.netdev_down=PASS "
	       "user.rdma_core=PASS user.dpdk=PASS user.dpdk_mana_pmd=PASS user.hugepages=PASS "
	       "net.pairing=PASS net.traffic=SKIP net.udev_rule=PASS net.default_route=PASS");
	expect_reason(&r, "kernel.mana_modules",
		      "mana_ib, ib_uverbs not loaded although a MANA function is present");
	run_free(&r);
	fx_cleanup(&f);
}

static void
test_rdma_core_without_libmana(void)
{
	struct run r;
	struct fx f;

	fx_init(&f, "no-libmana");
	fx_ready_vm(&f);
	fx_rm(&f, "usr/lib/x86_64-linux-gnu/libibverbs.so.1.14.44.0");
	fx_rm(&f, "usr/lib/x86_64-linux-gnu/libmana.so.1.0.44.0");
	fx_rm(&f, "usr/lib/x86_64-linux-gnu/libmana.so.1");
	fx_rm(&f, "usr/lib/x86_64-linux-gnu/libibverbs/libmana-rdmav34.so");
	fx_rm(&f, "usr/lib/x86_64-linux-gnu/pkgconfig/libmana.pc");
	fx_rm(&f, "etc/libibverbs.d/mana.driver");
	fx_rdma_core(&f, 39, false);
	run_mc(&r, f.root, NULL);
	expect("rdma-core without libmana", &r, 1,
	       READY_ALL " net.traffic=SKIP user.rdma_core=FAIL");
	expect_reason(&r, "user.rdma_core", "rdma-core 39 without libmana");
	expect_reason(&r, "user.rdma_core", "libmana first shipped in rdma-core 44");
	run_free(&r);
	fx_cleanup(&f);
}

static void
test_vf_not_paired(void)
{
	struct run r;
	struct fx f;

	fx_init(&f, "vf-not-paired");
	fx_ready_vm(&f);
	fx_rm(&f, "sys/bus/pci/devices/7870:00:00.0/net/enP30832s1d1/master");
	run_mc(&r, f.root, NULL);
	expect("VF not paired", &r, 1, READY_ALL " net.traffic=SKIP net.pairing=FAIL");
	expect_reason(&r, "net.pairing",
		      "enP30832s1d1 not enslaved to eth1 (same MAC 00:0d:3a:6f:00:02)");
	run_free(&r);
	fx_cleanup(&f);
}

static void
test_no_synthetic_nic(void)
{
	struct run r;
	struct fx f;

	fx_init(&f, "no-synthetic");
	fx_ready_vm(&f);
	fx_remove_netdev(&f, "eth0", "sys/devices/vmbus/000d3a6f-0001-4d2a-9b1c-0000000000a1");
	fx_remove_netdev(&f, "eth1", "sys/devices/vmbus/000d3a6f-0002-4d2a-9b1c-0000000000a2");
	fx_rm(&f, "sys/bus/pci/devices/7870:00:00.0/net/enP30832s1/master");
	fx_rm(&f, "sys/bus/pci/devices/7870:00:00.0/net/enP30832s1d1/master");
	fx_default_route(&f, "enP30832s1");
	run_mc(&r, f.root, "--traffic", "1", NULL);
	/* No synthetic NIC: nothing for --traffic to measure. */
	expect("no synthetic NIC", &r, 0, READY_ALL " net.traffic=SKIP net.pairing=WARN");
	expect_reason(&r, "net.pairing", "MANA is used directly");
	run_free(&r);
	fx_cleanup(&f);
}

static void
test_netdev_up(void)
{
	struct run r;
	struct fx f;

	fx_init(&f, "netdev-up");
	fx_ready_vm(&f);
	fx_file(&f, "sys/bus/pci/devices/7870:00:00.0/net/enP30832s1d1/flags", "0x1803\n");
	fx_file(&f, "sys/devices/vmbus/000d3a6f-0002-4d2a-9b1c-0000000000a2/net/eth1/flags",
		"0x1003\n");
	run_mc(&r, f.root, NULL);
	/* Every port up: DPDK would probe them all, the management one too. */
	expect("netdev up", &r, 1,
	       READY_ALL " net.traffic=SKIP rdma.netdev_down=FAIL net.default_route=WARN");
	expect_reason(&r, "rdma.netdev_down", "every MANA netdev is up (enP30832s1, enP30832s1d1)");
	expect_reason(&r, "net.default_route", "DPDK would take enP30832s1/eth0");
	run_free(&r);
	fx_cleanup(&f);
}

static void
test_synthetic_up(void)
{
	struct run r;
	struct fx f;

	fx_init(&f, "synthetic-up");
	fx_ready_vm(&f);
	fx_file(&f, "sys/devices/vmbus/000d3a6f-0002-4d2a-9b1c-0000000000a2/net/eth1/flags",
		"0x1003\n");
	run_mc(&r, f.root, NULL);
	expect("synthetic of the DPDK port up", &r, 0,
	       READY_ALL " net.traffic=SKIP rdma.netdev_down=WARN");
	expect_reason(&r, "rdma.netdev_down", "synthetic NIC(s) eth1 of the DPDK port(s) up");
	run_free(&r);
	fx_cleanup(&f);
}

static void
test_vf_counters_flat(void)
{
	struct run r;
	struct fx f;

	fx_init(&f, "vf-flat");
	fx_ready_vm(&f);
	fx_ethtool(&f, "eth0", true, 1000, 900);	/* VF counters do not move */
	run_mc(&r, f.root, "--traffic", "2", NULL);
	expect("VF counters flat", &r, 1, READY_ALL " net.traffic=FAIL");
	expect_reason(&r, "net.traffic", "traffic on eth0 is not on the accelerated path");
	run_free(&r);
	fx_cleanup(&f);
}

static void
test_no_traffic(void)
{
	struct run r;
	struct fx f;

	fx_init(&f, "idle");
	fx_ready_vm(&f);
	fx_rm(&f, "fixture/ethtool/eth0.after");
	fx_rm(&f, "fixture/link/eth0.after");
	run_mc(&r, f.root, "--traffic", "1", NULL);
	expect("idle NIC", &r, 0, READY_ALL " net.traffic=WARN");
	expect_reason(&r, "net.traffic", "no traffic on eth0");
	run_free(&r);
	/* Statistics that cannot be read: could not check. */
	fx_rm(&f, "fixture/ethtool/eth0");
	run_mc(&r, f.root, "--traffic", "1", NULL);
	expect("no ethtool statistics", &r, 2, READY_ALL " net.traffic=SKIP");
	CU_ASSERT_TRUE(json_is_false(json_object_get(check_obj(&r, "net.traffic"), "complete")));
	run_free(&r);
	fx_cleanup(&f);
}

static void
test_missing_udev_rule(void)
{
	struct run r;
	struct fx f;

	fx_init(&f, "udev-missing");
	fx_ready_vm(&f);
	fx_rm(&f, "usr/lib/udev/rules.d/10-azure-unmanaged-sriov.rules");
	run_mc(&r, f.root, NULL);
	expect("udev rule missing", &r, 1, READY_ALL " net.traffic=SKIP net.udev_rule=FAIL");
	expect_reason(&r, "net.udev_rule", "NetworkManager enabled and "
		      "10-azure-unmanaged-sriov.rules is missing");
	run_free(&r);
	/* Masked in /etc: as bad as missing. */
	fx_file(&f, "usr/lib/udev/rules.d/10-azure-unmanaged-sriov.rules",
		"SUBSYSTEM==\"net\", DRIVERS==\"hv_pci\", ENV{NM_UNMANAGED}=\"1\"\n");
	fx_link(&f, "etc/udev/rules.d/10-azure-unmanaged-sriov.rules", "/dev/null");
	run_mc(&r, f.root, NULL);
	expect("udev rule masked", &r, 1, READY_ALL " net.traffic=SKIP net.udev_rule=FAIL");
	expect_reason(&r, "net.udev_rule", "is masked");
	run_free(&r);
	/* A rule that only matches Mellanox drivers. */
	fx_rm(&f, "etc/udev/rules.d");
	fx_file(&f, "usr/lib/udev/rules.d/10-azure-unmanaged-sriov.rules",
		"SUBSYSTEM==\"net\", DRIVERS==\"mlx4_core|mlx5_core\", ENV{NM_UNMANAGED}=\"1\"\n");
	run_mc(&r, f.root, NULL);
	expect("udev rule without mana", &r, 0, READY_ALL " net.traffic=SKIP net.udev_rule=WARN");
	run_free(&r);
	/* No network manager: the rule is not needed. */
	fx_rm(&f, "etc/systemd/system/multi-user.target.wants");
	fx_rm(&f, "usr/lib/udev/rules.d/10-azure-unmanaged-sriov.rules");
	run_mc(&r, f.root, NULL);
	expect("no network manager", &r, 0, READY_ALL " net.traffic=SKIP net.udev_rule=SKIP");
	run_free(&r);
	/* systemd-networkd: the rule and a .network file for the property. */
	fx_file(&f, "usr/lib/udev/rules.d/10-azure-unmanaged-sriov.rules",
		"SUBSYSTEM==\"net\", DRIVERS==\"mana\", ENV{AZURE_UNMANAGED_SRIOV}=\"1\"\n");
	fx_link(&f, "etc/systemd/system/multi-user.target.wants/systemd-networkd.service",
		"/lib/systemd/system/systemd-networkd.service");
	run_mc(&r, f.root, NULL);
	expect("networkd without .network", &r, 0,
	       READY_ALL " net.traffic=SKIP net.udev_rule=WARN");
	run_free(&r);
	fx_file(&f, "usr/lib/systemd/network/10-azure-unmanaged-sriov.network",
		"[Match]\nProperty=AZURE_UNMANAGED_SRIOV=1\n\n[Link]\nUnmanaged=yes\n");
	run_mc(&r, f.root, NULL);
	expect("networkd with .network", &r, 0, READY_ALL " net.traffic=SKIP");
	run_free(&r);
	fx_cleanup(&f);
}

static void
test_mellanox_only(void)
{
	static const char *const loaded[] = {
		"mlx5_ib", "mlx5_core", "ib_uverbs", "ib_core", NULL,
	};
	static const char *const dep[] = {
		"mana", "mana_ib", "ib_uverbs", "ib_core", "mlx4_core", "mlx4_en", "mlx4_ib",
		"mlx5_core", "mlx5_ib", NULL,
	};
	struct run r;
	struct fx f;

	fx_init(&f, "mellanox");
	fx_ready_vm(&f);
	fx_rm(&f, "sys/bus/pci/devices/7870:00:00.0");
	fx_rm(&f, "sys/class/net/enP30832s1");
	fx_rm(&f, "sys/class/net/enP30832s1d1");
	fx_rm(&f, "sys/class/infiniband");
	fx_rm(&f, "sys/module/mana");
	fx_rm(&f, "sys/bus/pci/drivers/mana");
	fx_rm(&f, "lib/modules");
	fx_kernel(&f, "6.5.0-1025-azure", loaded, dep);
	fx_pci(&f, "a1b2:00:02.0", 0x15b3, 0x1016, 0x020000, "mlx5_core");
	fx_pci_netdev(&f, "a1b2:00:02.0", "enP41394s1", "00:0d:3a:6f:00:01", 0, true, "eth0");
	fx_ibdev(&f, "mlx5_0", "a1b2:00:02.0", 1);
	run_mc(&r, f.root, "--traffic", "1", NULL);
	expect("Mellanox-only VM", &r, 0,
	       "hw.mana=WARN hw.mlx=PASS kernel.version=PASS kernel.mana_modules=PASS "
	       "kernel.mlx_modules=PASS rdma.devices=SKIP rdma.netdev_down=SKIP "
	       "user.rdma_core=PASS user.dpdk=PASS user.dpdk_mana_pmd=PASS user.hugepages=PASS "
	       "net.pairing=SKIP net.traffic=PASS net.udev_rule=PASS net.default_route=SKIP");
	expect_reason(&r, "hw.mana", "Mellanox ConnectX hardware");
	expect_reason(&r, "kernel.mana_modules", "available");
	run_free(&r);
	/* The same VM with its mlx5 driver missing from the kernel. */
	fx_rm(&f, "sys/bus/pci/devices/a1b2:00:02.0/driver");
	fx_rm(&f, "sys/bus/pci/drivers/mlx5_core");
	fx_rm(&f, "lib/modules");
	fx_kernel(&f, "6.5.0-1025-azure", NULL, (const char *const[]){ "mana", "mana_ib",
		  "ib_uverbs", NULL });
	run_mc(&r, f.root, NULL);
	expect("Mellanox without driver", &r, 1,
	       "hw.mana=WARN hw.mlx=FAIL kernel.version=PASS kernel.mana_modules=PASS "
	       "kernel.mlx_modules=FAIL rdma.devices=SKIP rdma.netdev_down=SKIP "
	       "user.rdma_core=PASS user.dpdk=PASS user.dpdk_mana_pmd=PASS user.hugepages=PASS "
	       "net.pairing=SKIP net.traffic=SKIP net.udev_rule=PASS net.default_route=SKIP");
	run_free(&r);
	fx_cleanup(&f);
}

/*
 * The soft-NIC's fake sysfs in the layout of softnic/host/sysfs.c (default
 * softnic-run configuration: adapter 7870:00:00.0, IB device mana_0, ports
 * eth1/eth2 with MACs 00:15:5d:00:00:01/02, down as on a VM prepared for
 * DPDK):
 * <root>/sys/bus/pci/devices/<pci>/{vendor,device,subsystem_vendor,
 * subsystem_device,class,numa_node,enable,resource,uevent,driver,
 * net/<if>/{dev_port,dev_id,address,addr_len,type,mtu,flags,operstate,
 * device}}, bus/pci/drivers/mana/<pci>, and
 * class/infiniband/<ibdev>/{device,node_type,ports/<p>/link_layer}.
 * No procfs, no libraries, no synthetic NIC: the hardware checks pass, both
 * ports are free for DPDK, MANA is used directly (no failover), and the
 * software checks cannot be done (exit 2).
 */
static void
softnic_tree(struct fx *f)
{
	static const char *const pci = "sys/bus/pci/devices/7870:00:00.0";
	char path[PATH_MAX];
	int p;

	snprintf(path, sizeof(path), "%s/vendor", pci);
	fx_file(f, path, "0x1414\n");
	snprintf(path, sizeof(path), "%s/device", pci);
	fx_file(f, path, "0x00ba\n");
	snprintf(path, sizeof(path), "%s/subsystem_vendor", pci);
	fx_file(f, path, "0x1414\n");
	snprintf(path, sizeof(path), "%s/subsystem_device", pci);
	fx_file(f, path, "0x00ba\n");
	snprintf(path, sizeof(path), "%s/class", pci);
	fx_file(f, path, "0x020000\n");
	snprintf(path, sizeof(path), "%s/numa_node", pci);
	fx_file(f, path, "0\n");
	snprintf(path, sizeof(path), "%s/enable", pci);
	fx_file(f, path, "1\n");
	snprintf(path, sizeof(path), "%s/resource", pci);
	fx_file(f, path, "0x0000000000000000 0x00000000000fffff 0x0000000000040200\n");
	snprintf(path, sizeof(path), "%s/uevent", pci);
	fx_file(f, path, "DRIVER=mana\nPCI_CLASS=20000\nPCI_ID=1414:00BA\n"
		"PCI_SLOT_NAME=7870:00:00.0\n");
	snprintf(path, sizeof(path), "%s/driver", pci);
	fx_link(f, path, "../../drivers/mana");
	fx_link(f, "sys/bus/pci/drivers/mana/7870:00:00.0", "../../devices/7870:00:00.0");
	for (p = 0; p < 2; p++) {
		static const char *const attrs[][2] = {
			{ "dev_id", "0x0" }, { "addr_len", "6" }, { "type", "1" },
			{ "mtu", "1500" }, { "flags", "0x1002" }, { "operstate", "down" },
		};
		size_t a;

		snprintf(path, sizeof(path), "%s/net/eth%d/dev_port", pci, p + 1);
		fx_file(f, path, "%d\n", p);
		snprintf(path, sizeof(path), "%s/net/eth%d/address", pci, p + 1);
		fx_file(f, path, "00:15:5d:00:00:%02x\n", p + 1);
		for (a = 0; a < sizeof(attrs) / sizeof(attrs[0]); a++) {
			snprintf(path, sizeof(path), "%s/net/eth%d/%s", pci, p + 1, attrs[a][0]);
			fx_file(f, path, "%s\n", attrs[a][1]);
		}
		snprintf(path, sizeof(path), "%s/net/eth%d/device", pci, p + 1);
		fx_link(f, path, "../../../7870:00:00.0");
		snprintf(path, sizeof(path), "sys/class/infiniband/mana_0/ports/%d/link_layer",
			 p + 1);
		fx_file(f, path, "Ethernet\n");
	}
	fx_link(f, "sys/class/infiniband/mana_0/device", "../../../bus/pci/devices/7870:00:00.0");
	fx_file(f, "sys/class/infiniband/mana_0/node_type", "1: CA\n");
}

#define SOFTNIC_EXPECT \
	"hw.mana=PASS hw.mlx=SKIP kernel.version=SKIP kernel.mana_modules=SKIP " \
	"kernel.mlx_modules=SKIP rdma.devices=PASS rdma.netdev_down=PASS " \
	"user.rdma_core=SKIP user.dpdk=SKIP user.dpdk_mana_pmd=SKIP user.hugepages=SKIP " \
	"net.pairing=WARN net.traffic=SKIP net.udev_rule=SKIP net.default_route=SKIP"

/* What both soft-NIC trees must show, beyond the statuses. */
static void
expect_softnic_details(const struct run *r)
{
	json_t *ports = json_object_get(r->json, "ports"), *p;
	size_t i;

	expect_reason(r, "hw.mana", "1 MANA function(s) bound to mana: 7870:00:00.0");
	expect_reason(r, "rdma.devices", "mana_0 (2 port(s))");
	expect_reason(r, "rdma.netdev_down", "2 DPDK port(s) down, free for DPDK: eth1, eth2");
	CU_ASSERT_EQUAL_FATAL(json_array_size(ports), 2);
	json_array_foreach(ports, i, p) {
		char name[32], mac[32];

		snprintf(name, sizeof(name), "eth%u", (unsigned int)i + 1);
		snprintf(mac, sizeof(mac), "00:15:5d:00:00:%02x", (unsigned int)i + 1);
		CU_ASSERT_STRING_EQUAL(json_string_value(json_object_get(p, "pci")),
				       "7870:00:00.0");
		CU_ASSERT_STRING_EQUAL(json_string_value(json_object_get(p, "netdev")), name);
		CU_ASSERT_STRING_EQUAL(json_string_value(json_object_get(p, "mac")), mac);
		CU_ASSERT_STRING_EQUAL(json_string_value(json_object_get(p, "ib_device")),
				       "mana_0");
		CU_ASSERT_EQUAL(json_integer_value(json_object_get(p, "ib_port")), (int)i + 1);
		CU_ASSERT_TRUE(json_is_null(json_object_get(p, "synthetic")));
	}
}

static void
test_softnic_layout(void)
{
	struct run r;
	struct fx f;

	fx_init(&f, "softnic-layout");
	softnic_tree(&f);
	run_mc(&r, f.root, NULL);
	expect("soft-NIC sysfs layout (hand-made)", &r, 2, SOFTNIC_EXPECT);
	expect_softnic_details(&r);
	run_free(&r);
	fx_cleanup(&f);
}

/*
 * The tree softnic-run generates: softnic-run writes its fake sysfs and runs
 * a shell that points mana-check at it.  The sysfs root is found from
 * SYSFS_PCI_DEVICES (<root>/sys/bus/pci/devices), which softnic-run sets for
 * DPDK.
 */
static void
test_softnic_generated(void)
{
	char cmd[PATH_MAX * 2];
	char *argv[8];
	json_error_t jerr;
	struct run r;

	snprintf(cmd, sizeof(cmd),
		 "d=\"${SYSFS_PCI_DEVICES:?softnic-run did not set SYSFS_PCI_DEVICES}\"; "
		 "exec '%s' --json --root \"${d%%/sys/bus/pci/devices}\"", mana_check_bin);
	argv[0] = (char *)softnic_run_bin;
	argv[1] = (char *)"--";
	argv[2] = (char *)"/bin/sh";
	argv[3] = (char *)"-c";
	argv[4] = cmd;
	argv[5] = NULL;
	run_argv(&r, argv);
	r.json = json_loads(r.out, 0, &jerr);
	if (r.json == NULL)
		fprintf(stderr, "softnic-run output is not JSON (%s):\n%s\n", jerr.text, r.out);
	expect("soft-NIC generated sysfs", &r, 2, SOFTNIC_EXPECT);
	expect_softnic_details(&r);
	run_free(&r);
}

static void
test_no_sysfs(void)
{
	struct run r;
	struct fx f;
	json_t *c;
	size_t i;

	fx_init(&f, "empty");
	run_mc(&r, f.root, NULL);
	expect("empty root", &r, 2,
	       "hw.mana=SKIP hw.mlx=SKIP kernel.version=SKIP kernel.mana_modules=SKIP "
	       "kernel.mlx_modules=SKIP rdma.devices=SKIP rdma.netdev_down=SKIP "
	       "user.rdma_core=SKIP user.dpdk=SKIP user.dpdk_mana_pmd=SKIP user.hugepages=SKIP "
	       "net.pairing=SKIP net.traffic=SKIP net.udev_rule=SKIP net.default_route=SKIP");
	CU_ASSERT_STRING_EQUAL(json_string_value(json_object_get(r.json, "result")),
			       "could_not_check");
	/* Every check is marked incomplete but the two that need nothing here
	 * (traffic not requested, udev rule without a network manager). */
	json_array_foreach(json_object_get(r.json, "checks"), i, c) {
		const char *id = json_string_value(json_object_get(c, "id"));
		bool want = strcmp(id, "net.traffic") == 0 || strcmp(id, "net.udev_rule") == 0;

		CU_ASSERT_EQUAL(json_is_true(json_object_get(c, "complete")), want);
	}
	run_free(&r);
	fx_cleanup(&f);
}

static void
test_no_accelerated_networking(void)
{
	struct run r;
	struct fx f;

	fx_init(&f, "no-accelnet");
	fx_ready_vm(&f);
	fx_rm(&f, "sys/bus/pci/devices/7870:00:00.0");
	fx_rm(&f, "sys/class/net/enP30832s1");
	fx_rm(&f, "sys/class/net/enP30832s1d1");
	fx_rm(&f, "sys/class/infiniband");
	run_mc(&r, f.root, NULL);
	expect("no Accelerated Networking", &r, 1,
	       "hw.mana=FAIL hw.mlx=SKIP kernel.version=PASS kernel.mana_modules=PASS "
	       "kernel.mlx_modules=PASS rdma.devices=SKIP rdma.netdev_down=SKIP "
	       "user.rdma_core=PASS user.dpdk=PASS user.dpdk_mana_pmd=PASS user.hugepages=PASS "
	       "net.pairing=SKIP net.traffic=SKIP net.udev_rule=PASS net.default_route=SKIP");
	run_free(&r);
	fx_cleanup(&f);
}

static void
test_port_selection(void)
{
	struct run r;
	struct fx f;

	fx_init(&f, "selection");
	fx_ready_vm(&f);
	/* The management port: up, and it carries the default route. */
	run_mc(&r, f.root, "--mac", "00:0D:3A:6F:00:01", NULL);
	expect("--mac of the management port", &r, 1,
	       READY_ALL " net.traffic=SKIP rdma.netdev_down=FAIL net.default_route=WARN");
	expect_reason(&r, "rdma.netdev_down", "DPDK port(s) enP30832s1 up");
	run_free(&r);
	/* The data port by its synthetic name. */
	run_mc(&r, f.root, "--interface", "eth1", NULL);
	expect("--interface eth1", &r, 0, READY_ALL " net.traffic=SKIP");
	run_free(&r);
	/* A MAC that is not a MANA port. */
	run_mc(&r, f.root, "--mac", "00:0d:3a:6f:00:09", NULL);
	expect("--mac unknown", &r, 1, READY_ALL " net.traffic=SKIP rdma.netdev_down=FAIL");
	expect_reason(&r, "rdma.netdev_down", "no MANA port has MAC 00:0d:3a:6f:00:09");
	run_free(&r);
	fx_cleanup(&f);
}

static void
test_dpdk_pmd(void)
{
	struct run r;
	struct fx f;

	fx_init(&f, "no-pmd");
	fx_ready_vm(&f);
	fx_rm(&f, "usr/lib/x86_64-linux-gnu/dpdk/pmds-23.0/librte_net_mana.so.23.0");
	run_mc(&r, f.root, "--plugin-dir", "/opt/mana-dpdk/lib", NULL);
	expect("DPDK without MANA PMD", &r, 1,
	       READY_ALL " net.traffic=SKIP user.dpdk_mana_pmd=FAIL");
	run_free(&r);
	/* This project's plugin, installed in its own directory. */
	fx_file(&f, "opt/mana-dpdk/lib/librte_net_mana.so", "ELF fixture\n");
	run_mc(&r, f.root, "--plugin-dir", "/opt/mana-dpdk/lib", NULL);
	expect("project plugin", &r, 0, READY_ALL " net.traffic=SKIP");
	expect_reason(&r, "user.dpdk_mana_pmd", "/opt/mana-dpdk/lib/librte_net_mana.so "
		      "(load it with EAL -d)");
	run_free(&r);
	fx_cleanup(&f);
}

static void
test_dpdk_too_old(void)
{
	struct run r;
	struct fx f;

	fx_init(&f, "dpdk-old");
	fx_ready_vm(&f);
	fx_rm(&f, "usr/lib/x86_64-linux-gnu/dpdk");
	fx_rm(&f, "usr/lib/x86_64-linux-gnu/librte_ethdev.so.23.0");
	fx_rm(&f, "usr/lib/x86_64-linux-gnu/pkgconfig/libdpdk.pc");
	fx_dpdk(&f, NULL, 22, false);	/* 21.11, known only by its ABI */
	run_mc(&r, f.root, NULL);
	expect("DPDK 21.11", &r, 1,
	       READY_ALL " net.traffic=SKIP user.dpdk=FAIL user.dpdk_mana_pmd=FAIL");
	expect_reason(&r, "user.dpdk", "DPDK 21.11 is older than 22.11");
	run_free(&r);
	fx_rm(&f, "usr/lib/x86_64-linux-gnu/librte_ethdev.so.22.0");
	fx_rm(&f, "usr/lib/x86_64-linux-gnu/dpdk");
	run_mc(&r, f.root, NULL);
	expect("no DPDK", &r, 1,
	       READY_ALL " net.traffic=SKIP user.dpdk=FAIL user.dpdk_mana_pmd=SKIP");
	run_free(&r);
	fx_cleanup(&f);
}

static void
test_hugepages(void)
{
	struct run r;
	struct fx f;

	fx_init(&f, "hugepages");
	fx_ready_vm(&f);
	fx_hugepages(&f, 0, 0, true);
	run_mc(&r, f.root, NULL);
	expect("no hugepages", &r, 1, READY_ALL " net.traffic=SKIP user.hugepages=FAIL");
	run_free(&r);
	fx_hugepages(&f, 512, 0, true);
	run_mc(&r, f.root, NULL);
	expect("hugepages all used", &r, 0, READY_ALL " net.traffic=SKIP user.hugepages=WARN");
	run_free(&r);
	fx_hugepages(&f, 512, 100, false);
	run_mc(&r, f.root, NULL);
	expect("hugetlbfs not mounted", &r, 0, READY_ALL " net.traffic=SKIP user.hugepages=WARN");
	expect_reason(&r, "user.hugepages", "no hugetlbfs mounted");
	run_free(&r);
	fx_cleanup(&f);
}

/* Independent look at /sys: is there a MANA Ethernet function? */
static bool
live_has_mana(void)
{
	FILE *p = popen("cat /sys/bus/pci/devices/*/uevent 2>/dev/null | "
			"grep -ci '^PCI_ID=1414:00B[9A]'", "r");
	int n = 0;

	if (p == NULL || fscanf(p, "%d", &n) != 1)
		n = 0;
	if (p != NULL)
		pclose(p);
	return n > 0;
}

static void
test_live_system(void)
{
	const char *hw;
	struct run r;
	json_t *c;
	size_t i;

	run_mc(&r, NULL, NULL);
	CU_ASSERT_PTR_NOT_NULL_FATAL(r.json);
	CU_ASSERT_STRING_EQUAL(json_string_value(json_object_get(r.json, "backend")), "real");
	CU_ASSERT_EQUAL(json_array_size(json_object_get(r.json, "checks")), NCHECKS);
	CU_ASSERT_TRUE(r.exit_code >= 0 && r.exit_code <= 2);
	CU_ASSERT_EQUAL(json_integer_value(json_object_get(r.json, "exit_code")), r.exit_code);
	json_array_foreach(json_object_get(r.json, "checks"), i, c)
		CU_ASSERT_STRING_EQUAL(json_string_value(json_object_get(c, "id")), check_ids[i]);
	hw = check_status(&r, "hw.mana");
	CU_ASSERT_PTR_NOT_NULL_FATAL(hw);
	if (live_has_mana()) {
		CU_ASSERT_STRING_NOT_EQUAL(hw, "FAIL");
	} else {
		/* No MANA here: never "ready", and hw.mana says so. */
		CU_ASSERT_TRUE(strcmp(hw, "FAIL") == 0 || strcmp(hw, "WARN") == 0);
		CU_ASSERT_EQUAL(json_array_size(json_object_get(r.json, "ports")), 0);
		CU_ASSERT_STRING_EQUAL(check_status(&r, "rdma.devices"), "SKIP");
		fprintf(stderr, "live system: hw.mana %s, exit %d\n", hw, r.exit_code);
	}
	run_free(&r);
}

static void
test_cli(void)
{
	char *argv[8];
	struct run r, j;
	struct fx f;
	size_t i;

	argv[0] = (char *)mana_check_bin;
	argv[1] = (char *)"--help";
	argv[2] = NULL;
	run_argv(&r, argv);
	CU_ASSERT_EQUAL(r.exit_code, 0);
	CU_ASSERT_PTR_NOT_NULL(strstr(r.out, "--traffic SECONDS"));
	free(r.out);
	argv[1] = (char *)"--bogus";
	run_argv(&r, argv);
	CU_ASSERT_EQUAL(r.exit_code, 2);
	free(r.out);
	argv[1] = (char *)"--traffic";
	argv[2] = (char *)"0";
	argv[3] = NULL;
	run_argv(&r, argv);
	CU_ASSERT_EQUAL(r.exit_code, 2);
	free(r.out);
	argv[1] = (char *)"--root";
	argv[2] = (char *)"/nonexistent/mana-check-root";
	run_argv(&r, argv);
	CU_ASSERT_EQUAL(r.exit_code, 2);
	free(r.out);
	argv[1] = (char *)"--mac";
	argv[2] = (char *)"00:11:22";
	run_argv(&r, argv);
	CU_ASSERT_EQUAL(r.exit_code, 2);
	free(r.out);

	/* The table says what the JSON says, line for line. */
	fx_init(&f, "table");
	fx_ready_vm(&f);
	fx_rm(&f, "usr/lib/udev/rules.d/10-azure-unmanaged-sriov.rules");
	run_mc(&j, f.root, NULL);
	argv[1] = (char *)"--root";
	argv[2] = f.root;
	argv[3] = NULL;
	run_argv(&r, argv);
	CU_ASSERT_EQUAL(r.exit_code, j.exit_code);
	for (i = 0; i < NCHECKS; i++) {
		char line[128];

		snprintf(line, sizeof(line), "\n%-6s %-20s ", check_status(&j, check_ids[i]),
			 check_ids[i]);
		if (strstr(r.out, line) == NULL) {
			fprintf(stderr, "table lacks '%s':\n%s\n", line + 1, r.out);
			CU_FAIL("table line");
		}
	}
	CU_ASSERT_PTR_NOT_NULL(strstr(r.out, "fix: install azure-vm-utils"));
	CU_ASSERT_PTR_NOT_NULL(strstr(r.out, "Result: NOT READY (1 FAIL, 0 WARN, 12 PASS, "
				      "2 SKIP; exit 1)"));
	free(r.out);
	run_free(&j);
	fx_cleanup(&f);
}

int
main(int argc, char **argv)
{
	CU_pSuite s;
	unsigned int failures;

	if (argc < 2) {
		fprintf(stderr, "usage: %s MANA_CHECK [SOFTNIC_RUN]\n", argv[0]);
		return 2;
	}
	mana_check_bin = argv[1];
	softnic_run_bin = argc > 2 ? argv[2] : NULL;
	if (CU_initialize_registry() != CUE_SUCCESS)
		return 2;
	s = CU_add_suite("mana-check fixtures", NULL, NULL);
	CU_add_test(s, "ready VM", test_ready_vm);
	CU_add_test(s, "ready VM, --traffic", test_ready_vm_traffic);
	CU_add_test(s, "kernel too old for mana_ib", test_kernel_too_old);
	CU_add_test(s, "kernel 5.15 with mana_ib backport", test_kernel_backport);
	CU_add_test(s, "modules missing", test_modules_missing);
	CU_add_test(s, "modules not loaded", test_modules_not_loaded);
	CU_add_test(s, "rdma-core without libmana", test_rdma_core_without_libmana);
	CU_add_test(s, "VF not paired", test_vf_not_paired);
	CU_add_test(s, "no synthetic NIC", test_no_synthetic_nic);
	CU_add_test(s, "netdev up", test_netdev_up);
	CU_add_test(s, "synthetic NIC of the DPDK port up", test_synthetic_up);
	CU_add_test(s, "VF counters flat", test_vf_counters_flat);
	CU_add_test(s, "no traffic, no statistics", test_no_traffic);
	CU_add_test(s, "missing udev rule", test_missing_udev_rule);
	CU_add_test(s, "Mellanox-only VM", test_mellanox_only);
	CU_add_test(s, "soft-NIC sysfs layout (hand-made)", test_softnic_layout);
	if (softnic_run_bin != NULL)
		CU_add_test(s, "soft-NIC sysfs generated by softnic-run", test_softnic_generated);
	CU_add_test(s, "empty root: could not check", test_no_sysfs);
	CU_add_test(s, "no Accelerated Networking", test_no_accelerated_networking);
	CU_add_test(s, "port selection --mac/--interface", test_port_selection);
	CU_add_test(s, "DPDK MANA PMD", test_dpdk_pmd);
	CU_add_test(s, "DPDK too old or missing", test_dpdk_too_old);
	CU_add_test(s, "hugepages", test_hugepages);
	CU_add_test(s, "live system", test_live_system);
	CU_add_test(s, "command line and table", test_cli);
	CU_basic_set_mode(CU_BRM_VERBOSE);
	CU_basic_run_tests();
	failures = CU_get_number_of_failures();
	CU_cleanup_registry();
	return failures ? 1 : 0;
}
