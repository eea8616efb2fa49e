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
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <CUnit/Basic.h>

#include "cunit_run.h"
#include <jansson.h>

#include "fixture.h"

static const char *mana_check_bin;
static const char *softnic_run_bin;

#define DIM(a) (sizeof(a) / sizeof((a)[0]))

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

/* run_argv, then parse the output as JSON into r->json (who: whose output). */
static void
run_json(struct run *r, char *const argv[], const char *who)
{
	json_error_t jerr;

	run_argv(r, argv);
	r->json = json_loads(r->out, 0, &jerr);
	if (r->json == NULL)
		fprintf(stderr, "%s output is not JSON (%s, line %d):\n%s\n", who, jerr.text,
			jerr.line, r->out);
}

/* Run mana-check --json [--root root] with the extra arguments args (NULL
 * ended; args NULL: none). */
static void
run_mc(struct run *r, const char *root, const char *const *args)
{
	char *argv[32];
	int argc = 0;

	argv[argc++] = (char *)mana_check_bin;
	argv[argc++] = (char *)"--json";
	if (root != NULL) {
		argv[argc++] = (char *)"--root";
		argv[argc++] = (char *)root;
	}
	for (; args != NULL && *args != NULL && argc < 31; args++)
		argv[argc++] = (char *)*args;
	argv[argc] = NULL;
	run_json(r, argv, "mana-check");
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
 * order, and each status as given in want: "id=STATUS" words, at least one
 * per check; a later word for a check overrides an earlier one (so a
 * situation is written as READY_ALL plus what differs).
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

/* The Mellanox-only VM of test_mellanox_only, without net.traffic. */
#define MLX_VM \
	READY_ALL " hw.mana=WARN hw.mlx=PASS rdma.devices=SKIP rdma.netdev_down=SKIP " \
	"net.pairing=SKIP net.default_route=SKIP"

#define SOFTNIC_EXPECT \
	"hw.mana=PASS hw.mlx=SKIP kernel.version=SKIP kernel.mana_modules=SKIP " \
	"kernel.mlx_modules=SKIP rdma.devices=PASS rdma.netdev_down=PASS " \
	"user.rdma_core=SKIP user.dpdk=SKIP user.dpdk_mana_pmd=SKIP user.hugepages=SKIP " \
	"net.pairing=WARN net.traffic=SKIP net.udev_rule=SKIP net.default_route=SKIP"

/* ------------------------------------------------------------------ */
/* Scenarios: a fixture tree, changed step by step, checked by a run    */
/* ------------------------------------------------------------------ */

/* A file (or a link) of the tree: path relative to the root, content (or
 * link target). */
struct tree_entry {
	const char *path, *text;
};

struct reason {
	const char *id, *text;
};

/*
 * One step: changes to the tree (in the order of the fields), then one run
 * of mana-check and everything it must report.
 */
struct mc_step {
	const char *rm[8];		/* fx_rm */
	struct tree_entry file[2];	/* fx_file with the text as content */
	struct tree_entry link[1];	/* fx_link to the text */
	const char *kernel;		/* release: fx_kernel(kernel, loaded, dep) */
	const char *const *loaded, *const *dep;
	void (*change)(struct fx *f);	/* any other change */
	const char *what;		/* the run, in messages; NULL ends the steps */
	const char *args[3];		/* mana-check arguments after --json --root */
	int exit_code;
	const char *want;		/* statuses, see expect() */
	struct reason reason[5];	/* reasons that must contain the texts */
	void (*extra)(const struct run *r);	/* further checks, before the reasons */
};

struct scenario {
	const char *fixture;		/* fx_init name */
	bool empty;			/* start empty, not from fx_ready_vm */
	struct mc_step step[6];
};

static void
run_step(struct fx *f, const struct mc_step *s)
{
	struct run r;
	size_t i;

	for (i = 0; i < DIM(s->rm) && s->rm[i] != NULL; i++)
		fx_rm(f, s->rm[i]);
	for (i = 0; i < DIM(s->file) && s->file[i].path != NULL; i++)
		fx_file(f, s->file[i].path, "%s", s->file[i].text);
	for (i = 0; i < DIM(s->link) && s->link[i].path != NULL; i++)
		fx_link(f, s->link[i].path, s->link[i].text);
	if (s->kernel != NULL)
		fx_kernel(f, s->kernel, s->loaded, s->dep);
	if (s->change != NULL)
		s->change(f);
	run_mc(&r, f->root, s->args);
	expect(s->what, &r, s->exit_code, s->want);
	if (s->extra != NULL)
		s->extra(&r);
	for (i = 0; i < DIM(s->reason) && s->reason[i].id != NULL; i++)
		expect_reason(&r, s->reason[i].id, s->reason[i].text);
	run_free(&r);
}

static void
run_scenario(const struct scenario *sc)
{
	struct fx f;
	size_t i;

	fx_init(&f, sc->fixture);
	if (!sc->empty)
		fx_ready_vm(&f);
	for (i = 0; i < DIM(sc->step) && sc->step[i].what != NULL; i++)
		run_step(&f, &sc->step[i]);
	fx_cleanup(&f);
}

/* ------------------------------------------------------------------ */
/* Tree changes and checks used by the scenarios                        */
/* ------------------------------------------------------------------ */

/* Kernel modules: every one (modules.dep of a kernel with mana_ib). */
static const char *const dep_all[] = {
	"mana", "mana_ib", "ib_uverbs", "ib_core", "mlx4_core", "mlx4_en", "mlx4_ib",
	"mlx5_core", "mlx5_ib", NULL,
};
static const char *const loaded_old[] = { "ib_uverbs", "ib_core", "mana", NULL };
static const char *const dep_old[] = {
	"mana", "ib_uverbs", "ib_core", "mlx4_core", "mlx4_en", "mlx4_ib", "mlx5_core",
	"mlx5_ib", NULL,
};
static const char *const loaded_backport[] = { "mana_ib", "ib_uverbs", "ib_core", "mana", NULL };
static const char *const loaded_no_ib[] = { "ib_core", "mana", NULL };
static const char *const dep_no_mana_ib[] = {
	"mana", "ib_core", "mlx4_core", "mlx4_en", "mlx4_ib", "mlx5_core", "mlx5_ib", NULL,
};
static const char *const loaded_mlx[] = { "mlx5_ib", "mlx5_core", "ib_uverbs", "ib_core", NULL };
static const char *const dep_mana_only[] = { "mana", "mana_ib", "ib_uverbs", NULL };

#define UDEV_RULE	"usr/lib/udev/rules.d/10-azure-unmanaged-sriov.rules"
#define MANA_NET	"sys/bus/pci/devices/7870:00:00.0/net/"
#define LIBDIR		"usr/lib/x86_64-linux-gnu/"

static void
rdma_core_39(struct fx *f)
{
	fx_rdma_core(f, 39, false);
}

static void
no_synthetic(struct fx *f)
{
	fx_remove_netdev(f, "eth0", "sys/devices/vmbus/000d3a6f-0001-4d2a-9b1c-0000000000a1");
	fx_remove_netdev(f, "eth1", "sys/devices/vmbus/000d3a6f-0002-4d2a-9b1c-0000000000a2");
	fx_default_route(f, "enP30832s1");
}

static void
vf_counters_flat(struct fx *f)
{
	fx_ethtool(f, "eth0", true, 1000, 900);	/* VF counters do not move */
}

static void
mellanox_vm(struct fx *f)
{
	fx_pci(f, "a1b2:00:02.0", 0x15b3, 0x1016, 0x020000, "mlx5_core");
	fx_pci_netdev(f, "a1b2:00:02.0", "enP41394s1", "00:0d:3a:6f:00:01", 0, true, "eth0");
	fx_ibdev(f, "mlx5_0", "a1b2:00:02.0", 1);
}

static void
dpdk_21_11(struct fx *f)
{
	fx_dpdk(f, NULL, 22, false);	/* 21.11, known only by its ABI */
}

static void hugepages_none(struct fx *f) { fx_hugepages(f, 0, 0, true); }
static void hugepages_used(struct fx *f) { fx_hugepages(f, 512, 0, true); }
static void hugepages_unmounted(struct fx *f) { fx_hugepages(f, 512, 100, false); }

/* The inventory of the ready VM: two ports, port 2 (eth1's VF) is the DPDK
 * port. */
static void
ready_inventory(const struct run *r)
{
	json_t *ports = json_object_get(r->json, "ports"), *p;

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
	CU_ASSERT_STRING_EQUAL(json_string_value(json_object_get(r->json, "result")), "ready");
	CU_ASSERT_STRING_EQUAL(json_string_value(json_object_get(r->json, "backend")), "fixture");
	CU_ASSERT_STRING_EQUAL(json_string_value(json_object_get(json_object_get(r->json,
			       "kernel"), "release")), "6.5.0-1025-azure");
	CU_ASSERT_STRING_EQUAL(json_string_value(json_object_get(r->json, "os")),
			       "Ubuntu 22.04.4 LTS");
}

/* Statistics that cannot be read: the traffic check is incomplete. */
static void
traffic_incomplete(const struct run *r)
{
	CU_ASSERT_TRUE(json_is_false(json_object_get(check_obj(r, "net.traffic"), "complete")));
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
	static const char *const pci_files[][2] = {
		{ "vendor", "0x1414\n" }, { "device", "0x00ba\n" },
		{ "subsystem_vendor", "0x1414\n" }, { "subsystem_device", "0x00ba\n" },
		{ "class", "0x020000\n" }, { "numa_node", "0\n" }, { "enable", "1\n" },
		{ "resource", "0x0000000000000000 0x00000000000fffff 0x0000000000040200\n" },
		{ "uevent", "DRIVER=mana\nPCI_CLASS=20000\nPCI_ID=1414:00BA\n"
			    "PCI_SLOT_NAME=7870:00:00.0\n" },
	};
	static const char *const attrs[][2] = {
		{ "dev_id", "0x0" }, { "addr_len", "6" }, { "type", "1" },
		{ "mtu", "1500" }, { "flags", "0x1002" }, { "operstate", "down" },
	};
	char path[PATH_MAX];
	size_t a;
	int p;

	for (a = 0; a < DIM(pci_files); a++) {
		snprintf(path, sizeof(path), "%s/%s", pci, pci_files[a][0]);
		fx_file(f, path, "%s", pci_files[a][1]);
	}
	snprintf(path, sizeof(path), "%s/driver", pci);
	fx_link(f, path, "../../drivers/mana");
	fx_link(f, "sys/bus/pci/drivers/mana/7870:00:00.0", "../../devices/7870:00:00.0");
	for (p = 0; p < 2; p++) {
		snprintf(path, sizeof(path), "%s/net/eth%d/dev_port", pci, p + 1);
		fx_file(f, path, "%d\n", p);
		snprintf(path, sizeof(path), "%s/net/eth%d/address", pci, p + 1);
		fx_file(f, path, "00:15:5d:00:00:%02x\n", p + 1);
		for (a = 0; a < DIM(attrs); a++) {
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

/* Every check of an empty root could not be done, and is marked incomplete
 * but the two that need nothing here (traffic not requested, udev rule
 * without a network manager). */
static void
empty_root_details(const struct run *r)
{
	json_t *c;
	size_t i;

	CU_ASSERT_STRING_EQUAL(json_string_value(json_object_get(r->json, "result")),
			       "could_not_check");
	json_array_foreach(json_object_get(r->json, "checks"), i, c) {
		const char *id = json_string_value(json_object_get(c, "id"));
		bool want = strcmp(id, "net.traffic") == 0 || strcmp(id, "net.udev_rule") == 0;

		CU_ASSERT_EQUAL(json_is_true(json_object_get(c, "complete")), want);
	}
}

/* ------------------------------------------------------------------ */
/* The scenarios                                                        */
/* ------------------------------------------------------------------ */

static const struct scenario sc_ready = { "ready", false, { {
	.what = "ready VM", .exit_code = 0, .want = READY_ALL " net.traffic=SKIP",
	.extra = ready_inventory,
	.reason = { { "user.rdma_core", "rdma-core 44" }, { "user.dpdk", "DPDK 22.11" },
		    { "user.hugepages", "1024 of 1024 hugepages free" },
		    { "rdma.netdev_down", "enP30832s1d1" },
		    { "net.pairing", "enP30832s1 -> eth0, enP30832s1d1 -> eth1" } },
} } };

static const struct scenario sc_ready_traffic = { "ready-traffic", false, { {
	.what = "ready VM --traffic", .args = { "--traffic", "1" }, .exit_code = 0,
	.want = READY_ALL " net.traffic=PASS",
	.reason = { { "net.traffic", "VF counters moved on eth0" } },
} } };

static const struct scenario sc_kernel_old = { "kernel-old", false, { {
	/* no mana_ib, no IB device */
	.rm = { "lib/modules", "sys/class/infiniband" },
	.kernel = "5.15.0-1019-azure", .loaded = loaded_old, .dep = dep_old,
	.what = "kernel too old", .exit_code = 1,
	.want = READY_ALL " net.traffic=SKIP kernel.version=FAIL kernel.mana_modules=FAIL "
		"rdma.devices=FAIL",
	.reason = { { "kernel.version", "no mana_ib (6.2+)" },
		    { "kernel.mana_modules", "kernel lacks mana_ib" },
		    { "rdma.devices", "7870:00:00.0 has no IB device" } },
} } };

static const struct scenario sc_kernel_backport = { "kernel-backport", false, { {
	.rm = { "lib/modules" },
	.kernel = "5.15.0-1057-azure", .loaded = loaded_backport, .dep = dep_all,
	.what = "kernel with mana_ib backport", .exit_code = 0,
	.want = READY_ALL " net.traffic=SKIP kernel.version=WARN",
	.reason = { { "kernel.version", "distribution backport" } },
} } };

static const struct scenario sc_modules_missing = { "modules-missing", false, { {
	.rm = { "lib/modules", "sys/class/infiniband", "sys/class/infiniband_verbs" },
	.kernel = "6.5.0-1025-azure", .loaded = loaded_no_ib, .dep = dep_no_mana_ib,
	.what = "modules missing", .exit_code = 1,
	.want = READY_ALL " net.traffic=SKIP kernel.mana_modules=FAIL rdma.devices=FAIL",
	.reason = { { "kernel.mana_modules", "kernel lacks mana_ib, ib_uverbs" } },
} } };

static const struct scenario sc_modules_not_loaded = { "modules-not-loaded", false, { {
	.rm = { "lib/modules", "sys/class/infiniband", "sys/class/infiniband_verbs" },
	.kernel = "6.5.0-1025-azure", .loaded = loaded_no_ib, .dep = dep_all,
	.what = "modules not loaded", .exit_code = 1,
	.want = READY_ALL " net.traffic=SKIP kernel.mana_modules=FAIL rdma.devices=FAIL",
	.reason = { { "kernel.mana_modules",
		      "mana_ib, ib_uverbs not loaded although a MANA function is present" } },
} } };

static const struct scenario sc_no_libmana = { "no-libmana", false, { {
	.rm = { LIBDIR "libibverbs.so.1.14.44.0", LIBDIR "libmana.so.1.0.44.0",
		LIBDIR "libmana.so.1", LIBDIR "libibverbs/libmana-rdmav34.so",
		LIBDIR "pkgconfig/libmana.pc", "etc/libibverbs.d/mana.driver" },
	.change = rdma_core_39,
	.what = "rdma-core without libmana", .exit_code = 1,
	.want = READY_ALL " net.traffic=SKIP user.rdma_core=FAIL",
	.reason = { { "user.rdma_core", "rdma-core 39 without libmana" },
		    { "user.rdma_core", "libmana first shipped in rdma-core 44" } },
} } };

static const struct scenario sc_vf_not_paired = { "vf-not-paired", false, { {
	.rm = { MANA_NET "enP30832s1d1/master" },
	.what = "VF not paired", .exit_code = 1,
	.want = READY_ALL " net.traffic=SKIP net.pairing=FAIL",
	.reason = { { "net.pairing",
		      "enP30832s1d1 not enslaved to eth1 (same MAC 00:0d:3a:6f:00:02)" } },
} } };

/* No synthetic NIC: nothing for --traffic to measure. */
static const struct scenario sc_no_synthetic = { "no-synthetic", false, { {
	.rm = { MANA_NET "enP30832s1/master", MANA_NET "enP30832s1d1/master" },
	.change = no_synthetic,
	.what = "no synthetic NIC", .args = { "--traffic", "1" }, .exit_code = 0,
	.want = READY_ALL " net.traffic=SKIP net.pairing=WARN",
	.reason = { { "net.pairing", "MANA is used directly" } },
} } };

/* Every port up: DPDK would probe them all, the management one too. */
static const struct scenario sc_netdev_up = { "netdev-up", false, { {
	.file = { { MANA_NET "enP30832s1d1/flags", "0x1803\n" },
		  { "sys/devices/vmbus/000d3a6f-0002-4d2a-9b1c-0000000000a2/net/eth1/flags",
		    "0x1003\n" } },
	.what = "netdev up", .exit_code = 1,
	.want = READY_ALL " net.traffic=SKIP rdma.netdev_down=FAIL net.default_route=WARN",
	.reason = { { "rdma.netdev_down", "every MANA netdev is up (enP30832s1, enP30832s1d1)" },
		    { "net.default_route", "DPDK would take enP30832s1/eth0" } },
} } };

static const struct scenario sc_synthetic_up = { "synthetic-up", false, { {
	.file = { { "sys/devices/vmbus/000d3a6f-0002-4d2a-9b1c-0000000000a2/net/eth1/flags",
		    "0x1003\n" } },
	.what = "synthetic of the DPDK port up", .exit_code = 0,
	.want = READY_ALL " net.traffic=SKIP rdma.netdev_down=WARN",
	.reason = { { "rdma.netdev_down", "synthetic NIC(s) eth1 of the DPDK port(s) up" } },
} } };

static const struct scenario sc_vf_flat = { "vf-flat", false, { {
	.change = vf_counters_flat,
	.what = "VF counters flat", .args = { "--traffic", "2" }, .exit_code = 1,
	.want = READY_ALL " net.traffic=FAIL",
	.reason = { { "net.traffic", "traffic on eth0 is not on the accelerated path" } },
} } };

static const struct scenario sc_idle = { "idle", false, { {
	.rm = { "fixture/ethtool/eth0.after", "fixture/link/eth0.after" },
	.what = "idle NIC", .args = { "--traffic", "1" }, .exit_code = 0,
	.want = READY_ALL " net.traffic=WARN",
	.reason = { { "net.traffic", "no traffic on eth0" } },
}, {
	/* Statistics that cannot be read: could not check. */
	.rm = { "fixture/ethtool/eth0" },
	.what = "no ethtool statistics", .args = { "--traffic", "1" }, .exit_code = 2,
	.want = READY_ALL " net.traffic=SKIP", .extra = traffic_incomplete,
} } };

static const struct scenario sc_udev = { "udev-missing", false, { {
	.rm = { UDEV_RULE },
	.what = "udev rule missing", .exit_code = 1,
	.want = READY_ALL " net.traffic=SKIP net.udev_rule=FAIL",
	.reason = { { "net.udev_rule", "NetworkManager enabled and "
				       "10-azure-unmanaged-sriov.rules is missing" } },
}, {
	/* Masked in /etc: as bad as missing. */
	.file = { { UDEV_RULE, "SUBSYSTEM==\"net\", DRIVERS==\"hv_pci\", "
			       "ENV{NM_UNMANAGED}=\"1\"\n" } },
	.link = { { "etc/udev/rules.d/10-azure-unmanaged-sriov.rules", "/dev/null" } },
	.what = "udev rule masked", .exit_code = 1,
	.want = READY_ALL " net.traffic=SKIP net.udev_rule=FAIL",
	.reason = { { "net.udev_rule", "is masked" } },
}, {
	/* A rule that only matches Mellanox drivers. */
	.rm = { "etc/udev/rules.d" },
	.file = { { UDEV_RULE, "SUBSYSTEM==\"net\", DRIVERS==\"mlx4_core|mlx5_core\", "
			       "ENV{NM_UNMANAGED}=\"1\"\n" } },
	.what = "udev rule without mana", .exit_code = 0,
	.want = READY_ALL " net.traffic=SKIP net.udev_rule=WARN",
}, {
	/* No network manager: the rule is not needed. */
	.rm = { "etc/systemd/system/multi-user.target.wants", UDEV_RULE },
	.what = "no network manager", .exit_code = 0,
	.want = READY_ALL " net.traffic=SKIP net.udev_rule=SKIP",
}, {
	/* systemd-networkd: the rule and a .network file for the property. */
	.file = { { UDEV_RULE, "SUBSYSTEM==\"net\", DRIVERS==\"mana\", "
			       "ENV{AZURE_UNMANAGED_SRIOV}=\"1\"\n" } },
	.link = { { "etc/systemd/system/multi-user.target.wants/systemd-networkd.service",
		    "/lib/systemd/system/systemd-networkd.service" } },
	.what = "networkd without .network", .exit_code = 0,
	.want = READY_ALL " net.traffic=SKIP net.udev_rule=WARN",
}, {
	.file = { { "usr/lib/systemd/network/10-azure-unmanaged-sriov.network",
		    "[Match]\nProperty=AZURE_UNMANAGED_SRIOV=1\n\n[Link]\nUnmanaged=yes\n" } },
	.what = "networkd with .network", .exit_code = 0,
	.want = READY_ALL " net.traffic=SKIP",
} } };

static const struct scenario sc_mellanox = { "mellanox", false, { {
	.rm = { "sys/bus/pci/devices/7870:00:00.0", "sys/class/net/enP30832s1",
		"sys/class/net/enP30832s1d1", "sys/class/infiniband", "sys/module/mana",
		"sys/bus/pci/drivers/mana", "lib/modules" },
	.kernel = "6.5.0-1025-azure", .loaded = loaded_mlx, .dep = dep_all,
	.change = mellanox_vm,
	.what = "Mellanox-only VM", .args = { "--traffic", "1" }, .exit_code = 0,
	.want = MLX_VM " net.traffic=PASS",
	.reason = { { "hw.mana", "Mellanox ConnectX hardware" },
		    { "kernel.mana_modules", "available" } },
}, {
	/* The same VM with its mlx5 driver missing from the kernel. */
	.rm = { "sys/bus/pci/devices/a1b2:00:02.0/driver", "sys/bus/pci/drivers/mlx5_core",
		"lib/modules" },
	.kernel = "6.5.0-1025-azure", .loaded = NULL, .dep = dep_mana_only,
	.what = "Mellanox without driver", .exit_code = 1,
	.want = MLX_VM " net.traffic=SKIP hw.mlx=FAIL kernel.mlx_modules=FAIL",
} } };

static const struct scenario sc_softnic_layout = { "softnic-layout", true, { {
	.change = softnic_tree,
	.what = "soft-NIC sysfs layout (hand-made)", .exit_code = 2, .want = SOFTNIC_EXPECT,
	.extra = expect_softnic_details,
} } };

static const struct scenario sc_empty = { "empty", true, { {
	.what = "empty root", .exit_code = 2,
	.want = "hw.mana=SKIP hw.mlx=SKIP kernel.version=SKIP kernel.mana_modules=SKIP "
		"kernel.mlx_modules=SKIP rdma.devices=SKIP rdma.netdev_down=SKIP "
		"user.rdma_core=SKIP user.dpdk=SKIP user.dpdk_mana_pmd=SKIP "
		"user.hugepages=SKIP net.pairing=SKIP net.traffic=SKIP net.udev_rule=SKIP "
		"net.default_route=SKIP",
	.extra = empty_root_details,
} } };

static const struct scenario sc_no_accelnet = { "no-accelnet", false, { {
	.rm = { "sys/bus/pci/devices/7870:00:00.0", "sys/class/net/enP30832s1",
		"sys/class/net/enP30832s1d1", "sys/class/infiniband" },
	.what = "no Accelerated Networking", .exit_code = 1,
	.want = READY_ALL " net.traffic=SKIP hw.mana=FAIL rdma.devices=SKIP "
		"rdma.netdev_down=SKIP net.pairing=SKIP net.default_route=SKIP",
} } };

static const struct scenario sc_selection = { "selection", false, { {
	/* The management port: up, and it carries the default route. */
	.what = "--mac of the management port", .args = { "--mac", "00:0D:3A:6F:00:01" },
	.exit_code = 1,
	.want = READY_ALL " net.traffic=SKIP rdma.netdev_down=FAIL net.default_route=WARN",
	.reason = { { "rdma.netdev_down", "DPDK port(s) enP30832s1 up" } },
}, {
	/* The data port by its synthetic name. */
	.what = "--interface eth1", .args = { "--interface", "eth1" }, .exit_code = 0,
	.want = READY_ALL " net.traffic=SKIP",
}, {
	/* A MAC that is not a MANA port. */
	.what = "--mac unknown", .args = { "--mac", "00:0d:3a:6f:00:09" }, .exit_code = 1,
	.want = READY_ALL " net.traffic=SKIP rdma.netdev_down=FAIL",
	.reason = { { "rdma.netdev_down", "no MANA port has MAC 00:0d:3a:6f:00:09" } },
} } };

static const struct scenario sc_dpdk_pmd = { "no-pmd", false, { {
	.rm = { LIBDIR "dpdk/pmds-23.0/librte_net_mana.so.23.0" },
	.what = "DPDK without MANA PMD", .args = { "--plugin-dir", "/opt/mana-dpdk/lib" },
	.exit_code = 1, .want = READY_ALL " net.traffic=SKIP user.dpdk_mana_pmd=FAIL",
}, {
	/* This project's plugin, installed in its own directory. */
	.file = { { "opt/mana-dpdk/lib/librte_net_mana.so", "ELF fixture\n" } },
	.what = "project plugin", .args = { "--plugin-dir", "/opt/mana-dpdk/lib" },
	.exit_code = 0, .want = READY_ALL " net.traffic=SKIP",
	.reason = { { "user.dpdk_mana_pmd",
		      "/opt/mana-dpdk/lib/librte_net_mana.so (load it with EAL -d)" } },
} } };

static const struct scenario sc_dpdk_old = { "dpdk-old", false, { {
	.rm = { LIBDIR "dpdk", LIBDIR "librte_ethdev.so.23.0", LIBDIR "pkgconfig/libdpdk.pc" },
	.change = dpdk_21_11,
	.what = "DPDK 21.11", .exit_code = 1,
	.want = READY_ALL " net.traffic=SKIP user.dpdk=FAIL user.dpdk_mana_pmd=FAIL",
	.reason = { { "user.dpdk", "DPDK 21.11 is older than 22.11" } },
}, {
	.rm = { LIBDIR "librte_ethdev.so.22.0", LIBDIR "dpdk" },
	.what = "no DPDK", .exit_code = 1,
	.want = READY_ALL " net.traffic=SKIP user.dpdk=FAIL user.dpdk_mana_pmd=SKIP",
} } };

static const struct scenario sc_hugepages = { "hugepages", false, { {
	.change = hugepages_none, .what = "no hugepages", .exit_code = 1,
	.want = READY_ALL " net.traffic=SKIP user.hugepages=FAIL",
}, {
	.change = hugepages_used, .what = "hugepages all used", .exit_code = 0,
	.want = READY_ALL " net.traffic=SKIP user.hugepages=WARN",
}, {
	.change = hugepages_unmounted, .what = "hugetlbfs not mounted", .exit_code = 0,
	.want = READY_ALL " net.traffic=SKIP user.hugepages=WARN",
	.reason = { { "user.hugepages", "no hugetlbfs mounted" } },
} } };

static void test_ready_vm(void) { run_scenario(&sc_ready); }
static void test_ready_vm_traffic(void) { run_scenario(&sc_ready_traffic); }
static void test_kernel_too_old(void) { run_scenario(&sc_kernel_old); }
static void test_kernel_backport(void) { run_scenario(&sc_kernel_backport); }
static void test_modules_missing(void) { run_scenario(&sc_modules_missing); }
static void test_modules_not_loaded(void) { run_scenario(&sc_modules_not_loaded); }
static void test_rdma_core_without_libmana(void) { run_scenario(&sc_no_libmana); }
static void test_vf_not_paired(void) { run_scenario(&sc_vf_not_paired); }
static void test_no_synthetic_nic(void) { run_scenario(&sc_no_synthetic); }
static void test_netdev_up(void) { run_scenario(&sc_netdev_up); }
static void test_synthetic_up(void) { run_scenario(&sc_synthetic_up); }
static void test_vf_counters_flat(void) { run_scenario(&sc_vf_flat); }
static void test_no_traffic(void) { run_scenario(&sc_idle); }
static void test_missing_udev_rule(void) { run_scenario(&sc_udev); }
static void test_mellanox_only(void) { run_scenario(&sc_mellanox); }
static void test_softnic_layout(void) { run_scenario(&sc_softnic_layout); }
static void test_no_sysfs(void) { run_scenario(&sc_empty); }
static void test_no_accelerated_networking(void) { run_scenario(&sc_no_accelnet); }
static void test_port_selection(void) { run_scenario(&sc_selection); }
static void test_dpdk_pmd(void) { run_scenario(&sc_dpdk_pmd); }
static void test_dpdk_too_old(void) { run_scenario(&sc_dpdk_old); }
static void test_hugepages(void) { run_scenario(&sc_hugepages); }

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
	run_json(&r, argv, "softnic-run");
	expect("soft-NIC generated sysfs", &r, 2, SOFTNIC_EXPECT);
	expect_softnic_details(&r);
	run_free(&r);
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
	/* Command lines (after the program name) and their exit codes. */
	static const struct {
		const char *args[3];
		int exit_code;
	} cli[] = {
		{ { "--help" }, 0 },
		{ { "--bogus" }, 2 },
		{ { "--traffic", "0" }, 2 },
		{ { "--root", "/nonexistent/mana-check-root" }, 2 },
		{ { "--mac", "00:11:22" }, 2 },
	};
	char *argv[8];
	struct run r, j;
	struct fx f;
	size_t i;

	argv[0] = (char *)mana_check_bin;
	for (i = 0; i < DIM(cli); i++) {
		argv[1] = (char *)cli[i].args[0];
		argv[2] = (char *)cli[i].args[1];
		argv[3] = NULL;
		run_argv(&r, argv);
		CU_ASSERT_EQUAL(r.exit_code, cli[i].exit_code);
		if (i == 0)	/* --help */
			CU_ASSERT_PTR_NOT_NULL(strstr(r.out, "--traffic SECONDS"));
		free(r.out);
	}

	/* The table says what the JSON says, line for line. */
	fx_init(&f, "table");
	fx_ready_vm(&f);
	fx_rm(&f, UDEV_RULE);
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

static CU_TestInfo tests[] = {
	{ "ready VM", test_ready_vm },
	{ "ready VM, --traffic", test_ready_vm_traffic },
	{ "kernel too old for mana_ib", test_kernel_too_old },
	{ "kernel 5.15 with mana_ib backport", test_kernel_backport },
	{ "modules missing", test_modules_missing },
	{ "modules not loaded", test_modules_not_loaded },
	{ "rdma-core without libmana", test_rdma_core_without_libmana },
	{ "VF not paired", test_vf_not_paired },
	{ "no synthetic NIC", test_no_synthetic_nic },
	{ "netdev up", test_netdev_up },
	{ "synthetic NIC of the DPDK port up", test_synthetic_up },
	{ "VF counters flat", test_vf_counters_flat },
	{ "no traffic, no statistics", test_no_traffic },
	{ "missing udev rule", test_missing_udev_rule },
	{ "Mellanox-only VM", test_mellanox_only },
	{ "soft-NIC sysfs layout (hand-made)", test_softnic_layout },
	{ "soft-NIC sysfs generated by softnic-run", test_softnic_generated },
	{ "empty root: could not check", test_no_sysfs },
	{ "no Accelerated Networking", test_no_accelerated_networking },
	{ "port selection --mac/--interface", test_port_selection },
	{ "DPDK MANA PMD", test_dpdk_pmd },
	{ "DPDK too old or missing", test_dpdk_too_old },
	{ "hugepages", test_hugepages },
	{ "live system", test_live_system },
	{ "command line and table", test_cli },
	CU_TEST_INFO_NULL,
};

int
main(int argc, char **argv)
{
	const CU_TestInfo *t;
	CU_pSuite s;

	if (argc < 2) {
		fprintf(stderr, "usage: %s MANA_CHECK [SOFTNIC_RUN]\n", argv[0]);
		return 2;
	}
	mana_check_bin = argv[1];
	softnic_run_bin = argc > 2 ? argv[2] : NULL;
	if (CU_initialize_registry() != CUE_SUCCESS)
		return 2;
	s = CU_add_suite("mana-check fixtures", NULL, NULL);
	/* The generated tree needs softnic-run. */
	for (t = tests; t->pName != NULL; t++)
		if (t->pTestFunc != test_softnic_generated || softnic_run_bin != NULL)
			CU_add_test(s, t->pName, t->pTestFunc);
	return tc_run_registered();
}
