/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * mana-check: the checks.  Each fills one struct mc_result with a status
 * (PASS/WARN/FAIL/SKIP), a one-line reason, a fix when not PASS, and detail
 * lines.  doc/mana-check.md lists every check with its source of truth.
 */
#include <errno.h>
#include <fnmatch.h>
#include <glob.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "mc.h"

static const struct {
	const char *name, *title;
} check_names[MC_CHK_COUNT] = {
	[MC_CHK_HW_MANA] = { "hw.mana", "MANA PCI function and driver" },
	[MC_CHK_HW_MLX] = { "hw.mlx", "Mellanox ConnectX functions" },
	[MC_CHK_KERNEL_VERSION] = { "kernel.version", "Kernel version (mana 5.15, mana_ib 6.2)" },
	[MC_CHK_KERNEL_MANA] = { "kernel.mana_modules", "Kernel modules mana, mana_ib, ib_uverbs" },
	[MC_CHK_KERNEL_MLX] = { "kernel.mlx_modules", "Kernel modules for ConnectX (mlx4, mlx5)" },
	[MC_CHK_RDMA_DEVICES] = { "rdma.devices", "IB device and ports per MANA function" },
	[MC_CHK_RDMA_NETDEV] = { "rdma.netdev_down", "Netdevs of the DPDK ports are down" },
	[MC_CHK_USER_RDMA_CORE] = { "user.rdma_core", "rdma-core with libmana >= 44" },
	[MC_CHK_USER_DPDK] = { "user.dpdk", "DPDK >= 22.11" },
	[MC_CHK_USER_DPDK_PMD] = { "user.dpdk_mana_pmd", "MANA PMD for the installed DPDK" },
	[MC_CHK_USER_HUGEPAGES] = { "user.hugepages", "Hugepages reserved, free and mounted" },
	[MC_CHK_NET_PAIRING] = { "net.pairing", "MANA VF paired with its hv_netvsc NIC" },
	[MC_CHK_NET_TRAFFIC] = { "net.traffic", "Traffic on the accelerated path (--traffic)" },
	[MC_CHK_NET_UDEV] = { "net.udev_rule", "VFs unmanaged by NetworkManager/networkd" },
	[MC_CHK_NET_ROUTE] = { "net.default_route", "DPDK port is not the management NIC" },
};

const char *
mc_check_name(enum mc_check_id id)
{
	return id < MC_CHK_COUNT ? check_names[id].name : "?";
}

const char *
mc_check_title(enum mc_check_id id)
{
	return id < MC_CHK_COUNT ? check_names[id].title : "?";
}

const char *
mc_status_name(enum mc_status s)
{
	switch (s) {
	case MC_PASS:
		return "PASS";
	case MC_WARN:
		return "WARN";
	case MC_FAIL:
		return "FAIL";
	default:
		return "SKIP";
	}
}

/* ------------------------------------------------------------ helpers */

static void __attribute__((format(printf, 4, 5)))
set(struct mc_result *r, enum mc_status s, const char *fix, const char *fmt, ...)
{
	va_list ap;

	r->status = s;
	va_start(ap, fmt);
	vsnprintf(r->reason, sizeof(r->reason), fmt, ap);
	va_end(ap);
	snprintf(r->fix, sizeof(r->fix), "%s", fix != NULL ? fix : "");
}

static void __attribute__((format(printf, 2, 3)))
detail(struct mc_result *r, const char *fmt, ...)
{
	size_t off = strlen(r->detail);
	va_list ap;

	if (off + 2 >= sizeof(r->detail))
		return;
	if (off > 0)
		r->detail[off++] = '\n';
	va_start(ap, fmt);
	vsnprintf(r->detail + off, sizeof(r->detail) - off, fmt, ap);
	va_end(ap);
}

/* Append to a comma separated list held in buf. */
static void
list_add(char *buf, size_t cap, const char *item)
{
	size_t off = strlen(buf);

	snprintf(buf + off, cap - off, "%s%s", off ? ", " : "", item);
}

/* Path as the user sees it: without the --root prefix. */
static const char *
shown(const struct mc_ctx *ctx, const char *path)
{
	size_t rl = strlen(ctx->root);

	if (rl > 0 && strncmp(path, ctx->root, rl) == 0)
		return path + rl;
	return path;
}

static void __attribute__((format(printf, 2, 0)))
skip_incomplete(struct mc_result *r, const char *fmt, const char *arg)
{
	char tmp[PATH_MAX + MC_REASON_LEN];

	r->status = MC_SKIP;
	r->complete = false;
	snprintf(tmp, sizeof(tmp), fmt, arg);
	/* Long roots are cut, not the start of the sentence. */
	snprintf(r->reason, sizeof(r->reason), "%.*s", (int)sizeof(r->reason) - 1, tmp);
	snprintf(r->fix, sizeof(r->fix), "%s",
		 "run mana-check on the VM itself as root (sysfs and procfs mounted), "
		 "or give --root a tree that has these files");
}

static unsigned int
count_kind(const struct mc_inventory *inv, enum mc_nic_kind k)
{
	unsigned int i, n = 0;

	for (i = 0; i < inv->npci; i++)
		n += inv->pci[i].kind == k;
	return n;
}

static bool
in_kernel(const struct mc_module_state *s)
{
	return s->loaded || s->builtin;
}

static const char *
module_state_text(const struct mc_module_state *s)
{
	if (s->loaded)
		return "loaded";
	if (s->builtin)
		return "built in";
	if (s->available)
		return "available, not loaded";
	return "missing";
}

/* ----------------------------------------------------------- hardware */

static void
chk_hw_mana(struct mc_ctx *ctx)
{
	struct mc_result *r = &ctx->res[MC_CHK_HW_MANA];
	const struct mc_inventory *inv = &ctx->inv;
	unsigned int i, nmana = 0, nbound = 0, nmlx;
	char unbound[256] = "", bound[256] = "";

	if (!inv->pci_readable) {
		skip_incomplete(r, "cannot list %s/sys/bus/pci/devices", ctx->root);
		return;
	}
	for (i = 0; i < inv->npci; i++) {
		const struct mc_pci_fn *fn = &inv->pci[i];

		if (fn->kind != MC_NIC_MANA)
			continue;
		nmana++;
		detail(r, "%s %04x:%04x (%s) class 0x%06x driver %s", fn->addr,
		       fn->vendor, fn->device,
		       fn->device == MC_PCI_DEVICE_MANA_VF ? "VF" : "PF",
		       fn->class_code, fn->driver[0] ? fn->driver : "(none)");
		if (strcmp(fn->driver, "mana") == 0) {
			nbound++;
			list_add(bound, sizeof(bound), fn->addr);
		} else {
			list_add(unbound, sizeof(unbound), fn->addr);
		}
	}
	nmlx = count_kind(inv, MC_NIC_MLX4) + count_kind(inv, MC_NIC_MLX5);
	if (nmana == 0 && nmlx > 0)
		set(r, MC_WARN,
		    "nothing to do now; the kernel and userspace checks tell whether the VM "
		    "will work after a move to MANA hardware (deallocate, redeploy, maintenance)",
		    "no MANA function: this VM runs on Mellanox ConnectX hardware now "
		    "(%u function(s))", nmlx);
	else if (nmana == 0)
		set(r, MC_FAIL,
		    "enable Accelerated Networking on the NIC (az network nic update "
		    "--accelerated-networking true) on a VM size that supports it, then "
		    "deallocate and start the VM",
		    "no MANA function (1414:00ba/00b9, class 0200) and no Mellanox ConnectX "
		    "function: Accelerated Networking is off or this is not an Azure VM");
	else if (nbound == nmana)
		set(r, MC_PASS, NULL, "%u MANA function(s) bound to mana: %s", nmana, bound);
	else
		set(r, MC_FAIL,
		    "load the driver (modprobe mana) or bind the function "
		    "(echo <pci> > /sys/bus/pci/drivers/mana/bind)",
		    "MANA function(s) not bound to the mana driver: %s", unbound);
}

static void
chk_hw_mlx(struct mc_ctx *ctx)
{
	struct mc_result *r = &ctx->res[MC_CHK_HW_MLX];
	const struct mc_inventory *inv = &ctx->inv;
	char bad[256] = "", good[256] = "";
	unsigned int i, n = 0;

	if (!inv->pci_readable) {
		skip_incomplete(r, "cannot list %s/sys/bus/pci/devices", ctx->root);
		return;
	}
	for (i = 0; i < inv->npci; i++) {
		const struct mc_pci_fn *fn = &inv->pci[i];
		const char *want;

		if (fn->kind != MC_NIC_MLX4 && fn->kind != MC_NIC_MLX5)
			continue;
		n++;
		want = fn->kind == MC_NIC_MLX4 ? "mlx4_core" : "mlx5_core";
		detail(r, "%s %04x:%04x %s driver %s", fn->addr, fn->vendor, fn->device,
		       mc_nic_kind_name(fn->kind), fn->driver[0] ? fn->driver : "(none)");
		if (strcmp(fn->driver, want) == 0)
			list_add(good, sizeof(good), fn->addr);
		else
			list_add(bad, sizeof(bad), fn->addr);
	}
	if (n == 0)
		set(r, MC_SKIP, NULL, "no Mellanox ConnectX function (not on ConnectX hardware now)");
	else if (bad[0] == '\0')
		set(r, MC_PASS, NULL, "%u ConnectX function(s) with their driver: %s", n, good);
	else
		set(r, MC_FAIL, "load the driver: modprobe mlx5_core (ConnectX-4+) or mlx4_core "
		    "(ConnectX-3)", "ConnectX function(s) without their driver: %s", bad);
}

/* ------------------------------------------------------------- kernel */

static void
chk_kernel_version(struct mc_ctx *ctx)
{
	struct mc_result *r = &ctx->res[MC_CHK_KERNEL_VERSION];
	const struct mc_inventory *inv = &ctx->inv;
	struct mc_module_state ib, eth;
	int v;

	if (!inv->release_known) {
		skip_incomplete(r, "kernel release unknown (%s/proc/sys/kernel/osrelease)",
				ctx->root);
		return;
	}
	v = inv->kmajor * 1000 + inv->kminor;
	ib = mc_module_state(ctx, "mana_ib");
	eth = mc_module_state(ctx, "mana");
	detail(r, "release %s; mana %s; mana_ib %s", inv->release,
	       module_state_text(&eth), module_state_text(&ib));
	if (v >= MC_KERNEL_MANA_IB_MAJOR * 1000 + MC_KERNEL_MANA_IB_MINOR)
		set(r, MC_PASS, NULL, "Linux %s: at least 6.2 (mana_ib) and 5.15 (mana)",
		    inv->release);
	else if (ib.available)
		set(r, MC_WARN, "keep this vendor kernel updated (its backports decide what "
		    "works) or move to 6.2 or later",
		    "Linux %s is older than 6.2, the first upstream mana_ib, but mana_ib is "
		    "present: a distribution backport", inv->release);
	else if (v >= MC_KERNEL_MANA_MAJOR * 1000 + MC_KERNEL_MANA_MINOR || eth.available)
		set(r, MC_FAIL, "install a kernel with mana_ib: 6.2 or later, or a distribution "
		    "Azure kernel that backports it",
		    "Linux %s has the MANA Ethernet driver (5.15+%s) but no mana_ib (6.2+), "
		    "which DPDK needs", inv->release,
		    v < MC_KERNEL_MANA_MAJOR * 1000 + MC_KERNEL_MANA_MINOR ? ", backported" : "");
	else
		set(r, MC_FAIL, "install a kernel with mana and mana_ib: 6.2 or later, or a "
		    "distribution Azure kernel that backports them",
		    "Linux %s is older than 5.15 (mana) and 6.2 (mana_ib) and carries neither",
		    inv->release);
}

static void
chk_kernel_mana(struct mc_ctx *ctx)
{
	static const char *const mods[] = { "mana", "mana_ib", "ib_uverbs" };
	struct mc_result *r = &ctx->res[MC_CHK_KERNEL_MANA];
	const struct mc_inventory *inv = &ctx->inv;
	char missing[128] = "", unloaded[128] = "";
	bool hw = count_kind(inv, MC_NIC_MANA) > 0;
	size_t i;

	if (!inv->modules_readable) {
		skip_incomplete(r, "no module information under %s (/proc/modules, /sys/module, "
				"/lib/modules/<release>)", ctx->root[0] ? ctx->root : "/");
		return;
	}
	for (i = 0; i < sizeof(mods) / sizeof(mods[0]); i++) {
		struct mc_module_state s = mc_module_state(ctx, mods[i]);

		detail(r, "%s: %s", mods[i], module_state_text(&s));
		if (!s.available)
			list_add(missing, sizeof(missing), mods[i]);
		else if (!in_kernel(&s) && hw)
			list_add(unloaded, sizeof(unloaded), mods[i]);
	}
	if (missing[0] != '\0')
		set(r, MC_FAIL, "install the kernel's module package (Ubuntu: "
		    "linux-modules-extra-$(uname -r)) or a kernel with CONFIG_MICROSOFT_MANA, "
		    "CONFIG_MANA_INFINIBAND and CONFIG_INFINIBAND_USER_ACCESS",
		    "kernel lacks %s (not loaded, not built in, no module file)", missing);
	else if (unloaded[0] != '\0')
		set(r, MC_FAIL, "modprobe each of them, and list them in /etc/modules-load.d/ "
		    "so that they load at boot",
		    "%s not loaded although a MANA function is present", unloaded);
	else if (hw)
		set(r, MC_PASS, NULL, "mana, mana_ib and ib_uverbs are in the running kernel");
	else
		set(r, MC_PASS, NULL, "mana, mana_ib and ib_uverbs are available (they load "
		    "when the VM lands on MANA hardware)");
}

static void
chk_kernel_mlx(struct mc_ctx *ctx)
{
	static const char *const mods[] = {
		"mlx4_core", "mlx4_en", "mlx4_ib", "mlx5_core", "mlx5_ib",
	};
	struct mc_result *r = &ctx->res[MC_CHK_KERNEL_MLX];
	const struct mc_inventory *inv = &ctx->inv;
	bool has4 = count_kind(inv, MC_NIC_MLX4) > 0, has5 = count_kind(inv, MC_NIC_MLX5) > 0;
	char missing[128] = "", needed[128] = "";
	size_t i;

	if (!inv->modules_readable) {
		skip_incomplete(r, "no module information under %s (/proc/modules, /sys/module, "
				"/lib/modules/<release>)", ctx->root[0] ? ctx->root : "/");
		return;
	}
	for (i = 0; i < sizeof(mods) / sizeof(mods[0]); i++) {
		struct mc_module_state s = mc_module_state(ctx, mods[i]);
		bool fam4 = strncmp(mods[i], "mlx4", 4) == 0;
		bool present = fam4 ? has4 : has5;

		detail(r, "%s: %s", mods[i], module_state_text(&s));
		if (present && strstr(mods[i], "_core") != NULL && !in_kernel(&s))
			list_add(needed, sizeof(needed), mods[i]);
		else if (present && !s.available)
			list_add(needed, sizeof(needed), mods[i]);
		else if (!s.available)
			list_add(missing, sizeof(missing), mods[i]);
	}
	if (needed[0] != '\0')
		set(r, MC_FAIL, "install the kernel's Mellanox drivers and modprobe them",
		    "ConnectX function present but %s not loaded or missing", needed);
	else if (missing[0] != '\0')
		set(r, MC_WARN, "keep the kernel's Mellanox drivers installed (Ubuntu: "
		    "linux-modules-extra; RHEL: kernel-modules-extra)",
		    "%s missing: a move to ConnectX hardware would leave the VM without an "
		    "accelerated path", missing);
	else
		set(r, MC_PASS, NULL, "mlx4 and mlx5 drivers available");
}

/* --------------------------------------------------------------- RDMA */

static void
chk_rdma_devices(struct mc_ctx *ctx)
{
	struct mc_result *r = &ctx->res[MC_CHK_RDMA_DEVICES];
	const struct mc_inventory *inv = &ctx->inv;
	char bad[MC_REASON_LEN / 2] = "", good[MC_REASON_LEN / 2] = "";
	unsigned int i, j, k;

	if (!inv->pci_readable) {
		skip_incomplete(r, "cannot list %s/sys/bus/pci/devices", ctx->root);
		return;
	}
	if (count_kind(inv, MC_NIC_MANA) == 0) {
		set(r, MC_SKIP, NULL, "no MANA function");
		return;
	}
	for (i = 0; i < inv->npci; i++) {
		unsigned int nib = 0, nports = 0;
		char item[160];

		if (inv->pci[i].kind != MC_NIC_MANA)
			continue;
		for (j = 0; j < inv->nibdev; j++) {
			const struct mc_ibdev *ib = &inv->ibdev[j];
			unsigned int np = 0;

			if (ib->pci != (int)i)
				continue;
			nib++;
			if (ib->has_ports_dir) {
				np = ib->nports;
			} else {
				/* No ports/ directory: the ports DPDK finds
				 * through device/net/<if>/dev_port. */
				for (k = 0; k < inv->nports; k++)
					np += inv->port[k].pci == (int)i &&
					      inv->port[k].ib_port > 0;
			}
			nports += np;
			detail(r, "%s -> %s: %u port(s)%s", ib->name, inv->pci[i].addr, np,
			       ib->has_ports_dir ? "" : " (from device/net/*/dev_port)");
			snprintf(item, sizeof(item), "%s (%u port(s))", ib->name, np);
			if (np > 0)
				list_add(good, sizeof(good), item);
		}
		for (k = 0; k < inv->nports; k++) {
			const struct mc_port *pt = &inv->port[k];

			if (pt->pci != (int)i)
				continue;
			detail(r, "  port %d <-> %s (dev_port %d, MAC %s)%s", pt->ib_port,
			       inv->netdev[pt->netdev].name, inv->netdev[pt->netdev].dev_port,
			       inv->netdev[pt->netdev].mac,
			       pt->ibdev >= 0 ? "" : " no IB device");
		}
		if (nib == 0) {
			snprintf(item, sizeof(item), "%s has no IB device", inv->pci[i].addr);
			list_add(bad, sizeof(bad), item);
		} else if (nports == 0) {
			snprintf(item, sizeof(item), "%s: IB device without ports",
				 inv->pci[i].addr);
			list_add(bad, sizeof(bad), item);
		}
	}
	if (bad[0] != '\0')
		set(r, MC_FAIL, "load mana_ib and ib_uverbs (modprobe mana_ib ib_uverbs; "
		    "kernel 6.2+ or a backport) and check dmesg for mana_ib errors",
		    "%s", bad);
	else
		set(r, MC_PASS, NULL, "%s", good);
}

static void
chk_rdma_netdev(struct mc_ctx *ctx)
{
	struct mc_result *r = &ctx->res[MC_CHK_RDMA_NETDEV];
	const struct mc_inventory *inv = &ctx->inv;
	char up[256] = "", down[256] = "", synup[256] = "", unknown[128] = "";
	char item[64], fix[MC_REASON_LEN];
	unsigned int i, ntarget = 0;

	if (!inv->pci_readable) {
		skip_incomplete(r, "cannot list %s/sys/bus/pci/devices", ctx->root);
		return;
	}
	if (inv->nports == 0) {
		set(r, MC_SKIP, NULL, "no MANA port (netdev of a MANA function)");
		return;
	}
	if (inv->selection_error[0] != '\0') {
		char ports[256] = "";

		for (i = 0; i < inv->nports; i++) {
			snprintf(item, sizeof(item), "%s %s",
				 inv->netdev[inv->port[i].netdev].name,
				 inv->netdev[inv->port[i].netdev].mac);
			list_add(ports, sizeof(ports), item);
		}
		snprintf(fix, sizeof(fix), "select MANA ports with --mac/--interface: %s", ports);
		set(r, MC_FAIL, fix, "%s", inv->selection_error);
		return;
	}
	for (i = 0; i < inv->nports; i++) {
		const struct mc_port *pt = &inv->port[i];
		const struct mc_netdev *vf = &inv->netdev[pt->netdev];
		const struct mc_netdev *syn = pt->synthetic >= 0 ?
					      &inv->netdev[pt->synthetic] : NULL;

		detail(r, "%s (MAC %s, %s port %d): %s%s%s%s%s", vf->name, vf->mac,
		       inv->pci[pt->pci].addr, pt->ib_port,
		       !vf->up_known ? "state unknown" : vf->up ? "up" : "down",
		       syn ? ", synthetic " : "", syn ? syn->name : "",
		       syn ? (syn->up ? " up" : " down") : "",
		       pt->dpdk_target ? " [DPDK port]" : "");
		if (!pt->dpdk_target)
			continue;
		ntarget++;
		if (!vf->up_known)
			list_add(unknown, sizeof(unknown), vf->name);
		else if (vf->up)
			list_add(up, sizeof(up), vf->name);
		else
			list_add(down, sizeof(down), vf->name);
		/* hv_netvsc opens the VF whenever it (re)registers under an up
		 * synthetic netdev (e.g. after host servicing, spec §9). */
		if (syn != NULL && syn->up_known && syn->up && !(vf->up_known && vf->up))
			list_add(synup, sizeof(synup), syn->name);
	}
	if (unknown[0] != '\0') {
		skip_incomplete(r, "cannot read flags or operstate of %s", unknown);
		return;
	}
	if (up[0] != '\0') {
		snprintf(fix, sizeof(fix), "before starting DPDK: ip link set <vf> down and "
			 "ip link set <synthetic> down for each DPDK port, and pass only their "
			 "MACs in mac= devargs%s", inv->selection_used ? "" :
			 " (or select ports with --mac/--interface)");
		if (inv->selection_used)
			set(r, MC_FAIL, fix, "DPDK port(s) %s up: the kernel holds the vPort, so "
			    "DPDK cannot create its send QP", up);
		else
			set(r, MC_FAIL, fix, "every MANA netdev is up (%s): the kernel holds the "
			    "vPorts, so DPDK cannot create a send QP on any port", up);
		return;
	}
	if (synup[0] != '\0') {
		set(r, MC_WARN, "ip link set <synthetic> down for each DPDK port",
		    "synthetic NIC(s) %s of the DPDK port(s) up: hv_netvsc brings the VF up "
		    "again when it re-registers (host servicing) and the kernel takes the vPort "
		    "back", synup);
		return;
	}
	set(r, MC_PASS, NULL, "%u DPDK port(s) down, free for DPDK: %s", ntarget, down);
}

/* ---------------------------------------------------------- userspace */

/*
 * Highest version of a library "<prefix><version>" (e.g. prefix
 * "libmana.so.") in the library directories.  Returns true when one was
 * found; ver[] gets up to 4 numbers (0 filled), path its file.
 */
static bool
find_lib(const struct mc_ctx *ctx, const char *prefix, unsigned int ver[4],
	 char *path, size_t cap)
{
	size_t pl = strlen(prefix);
	bool found = false;
	unsigned int i;
	int n, j, k;

	memset(ver, 0, 4 * sizeof(ver[0]));
	for (i = 0; i < ctx->inv.nlibdirs; i++) {
		char **names;

		n = mc_list_dir(ctx->inv.libdirs[i], &names);
		if (n < 0)
			continue;
		for (j = 0; j < n; j++) {
			unsigned int v[4] = { 0, 0, 0, 0 };
			bool better = !found;

			if (strncmp(names[j], prefix, pl) != 0)
				continue;
			mc_parse_version(names[j] + pl, v, 4);
			for (k = 0; k < 4 && !better; k++) {
				if (v[k] != ver[k]) {
					better = v[k] > ver[k];
					break;
				}
			}
			if (better) {
				memcpy(ver, v, sizeof(v));
				snprintf(path, cap, "%s/%s", ctx->inv.libdirs[i], names[j]);
				found = true;
			}
		}
		mc_free_names(names, n);
	}
	return found;
}

/* Version of a pkg-config module from its .pc file in <libdir>/pkgconfig or
 * /usr/share/pkgconfig, and on the live system also in $PKG_CONFIG_PATH
 * (no pkg-config binary needed, works under --root). */
static bool
find_pc(const struct mc_ctx *ctx, const char *module, unsigned int ver[4],
	char *verstr, size_t cap)
{
	const char *env = ctx->root[0] == '\0' ? getenv("PKG_CONFIG_PATH") : NULL;
	char path[PATH_MAX + 64], envcopy[4096], *dir, *save = NULL;
	unsigned int i;

	memset(ver, 0, 4 * sizeof(ver[0]));
	if (env != NULL && strlen(env) < sizeof(envcopy)) {
		strcpy(envcopy, env);
		for (dir = strtok_r(envcopy, ":", &save); dir != NULL;
		     dir = strtok_r(NULL, ":", &save)) {
			snprintf(path, sizeof(path), "%s/%s.pc", dir, module);
			if (mc_file_key(path, "Version", ':', verstr, cap) == 0 &&
			    mc_parse_version(verstr, ver, 4) > 0)
				return true;
		}
	}
	for (i = 0; i <= ctx->inv.nlibdirs; i++) {
		if (i < ctx->inv.nlibdirs)
			snprintf(path, sizeof(path), "%s/pkgconfig/%s.pc",
				 ctx->inv.libdirs[i], module);
		else if (mc_path(ctx->root, path, sizeof(path),
				 "/usr/share/pkgconfig/%s.pc", module) < 0)
			continue;
		if (mc_file_key(path, "Version", ':', verstr, cap) == 0 &&
		    mc_parse_version(verstr, ver, 4) > 0)
			return true;
	}
	return false;
}

/* rdma-core's library versions are <soname major>.<minor>.<rdma-core>.<n>:
 * libibverbs.so.1.14.44.0, libmana.so.1.0.44.0. */
static void
chk_user_rdma_core(struct mc_ctx *ctx)
{
	struct mc_result *r = &ctx->res[MC_CHK_USER_RDMA_CORE];
	unsigned int vv[4], mv[4], pv[4], rc_verbs = 0, rc_mana = 0;
	char vpath[PATH_MAX + 300] = "", mpath[PATH_MAX + 300] = "";
	char prov[PATH_MAX + 300] = "", drv[PATH_MAX], pcver[64];
	bool have_verbs, have_mana, have_prov = false;
	unsigned int i;
	int n, j;

	if (ctx->inv.nlibdirs == 0) {
		skip_incomplete(r, "no library directory under %s", ctx->root[0] ? ctx->root : "/");
		return;
	}
	have_verbs = find_lib(ctx, "libibverbs.so.", vv, vpath, sizeof(vpath));
	if (have_verbs)
		rc_verbs = vv[2];
	if (have_verbs && vv[2] == 0 && find_pc(ctx, "libibverbs", pv, pcver, sizeof(pcver)))
		rc_verbs = pv[2];
	have_mana = find_lib(ctx, "libmana.so.", mv, mpath, sizeof(mpath));
	if (have_mana)
		rc_mana = mv[2];
	if (have_mana && mv[2] == 0 && find_pc(ctx, "libmana", pv, pcver, sizeof(pcver)))
		rc_mana = pv[2];
	for (i = 0; i < ctx->inv.nlibdirs && !have_prov; i++) {
		char dir[PATH_MAX + 16], **names;

		snprintf(dir, sizeof(dir), "%s/libibverbs", ctx->inv.libdirs[i]);
		n = mc_list_dir(dir, &names);
		for (j = 0; j < n; j++) {
			if (strncmp(names[j], "libmana-rdmav", 13) == 0) {
				snprintf(prov, sizeof(prov), "%s/%s", dir, names[j]);
				have_prov = true;
				break;
			}
		}
		mc_free_names(names, n);
	}
	mc_path(ctx->root, drv, sizeof(drv), "/etc/libibverbs.d/mana.driver");
	if (have_verbs)
		detail(r, "libibverbs: %s (rdma-core %u)", shown(ctx, vpath), rc_verbs);
	if (have_mana)
		detail(r, "libmana: %s (rdma-core %u)", shown(ctx, mpath), rc_mana);
	if (have_prov)
		detail(r, "provider: %s", shown(ctx, prov));
	detail(r, "provider config %s: %s", shown(ctx, drv),
	       mc_exists(drv) ? "present" : "missing");

	if (!have_verbs)
		set(r, MC_FAIL, "install rdma-core 44 or later (Debian/Ubuntu: ibverbs-providers "
		    "libibverbs1; RHEL: rdma-core libibverbs)",
		    "rdma-core not found (no libibverbs.so.1 in the library directories)");
	else if (!have_mana && !have_prov)
		set(r, MC_FAIL, "install rdma-core 44 or later, which brings libmana "
		    "(Debian/Ubuntu: ibverbs-providers; RHEL: libibverbs)",
		    "rdma-core %u without libmana (libmana.so.1 and its provider are missing)%s",
		    rc_verbs, rc_verbs > 0 && rc_verbs < MC_RDMA_CORE_MIN ?
		    ": libmana first shipped in rdma-core 44" : "");
	else if (!have_mana)
		set(r, MC_FAIL, "install the package that ships libmana.so.1 (Debian/Ubuntu: "
		    "ibverbs-providers)", "libmana.so.1 (manadv_* used by DPDK) is missing");
	else if (!have_prov)
		set(r, MC_FAIL, "install the rdma-core providers (Debian/Ubuntu: "
		    "ibverbs-providers)", "the libibverbs provider libmana-rdmav*.so is missing");
	else if (rc_mana > 0 && rc_mana < MC_RDMA_CORE_MIN)
		set(r, MC_FAIL, "install rdma-core 44 or later",
		    "libmana from rdma-core %u, older than 44", rc_mana);
	else if (!mc_exists(drv))
		set(r, MC_WARN, "reinstall the rdma-core providers package (it ships "
		    "/etc/libibverbs.d/mana.driver)",
		    "libmana present but /etc/libibverbs.d/mana.driver is missing: libibverbs "
		    "may not load the provider");
	else
		set(r, MC_PASS, NULL, "rdma-core %u with libmana", rc_mana ? rc_mana : rc_verbs);
}

struct dpdk_info {
	bool found;
	bool have_pc, have_so;
	unsigned int pcv[4];		/* libdpdk.pc Version */
	unsigned int abi;		/* librte_ethdev.so.<abi> */
	unsigned int year, month;	/* release */
};

static void
dpdk_detect(const struct mc_ctx *ctx, struct dpdk_info *d, char *sopath, size_t cap,
	    char *pcver, size_t pccap)
{
	unsigned int v[4];

	memset(d, 0, sizeof(*d));
	pcver[0] = '\0';
	d->have_pc = find_pc(ctx, "libdpdk", d->pcv, pcver, pccap);
	d->have_so = find_lib(ctx, "librte_ethdev.so.", v, sopath, cap) && v[0] > 0;
	if (d->have_so)
		d->abi = v[0];
	d->found = d->have_pc || d->have_so;
	if (d->have_pc) {
		d->year = d->pcv[0];
		d->month = d->pcv[1];
	} else if (d->have_so) {
		/* ABI N is first released in the LTS (N-1).11 (23 = 22.11). */
		d->year = d->abi - 1;
		d->month = 11;
	}
}

static void
chk_user_dpdk(struct mc_ctx *ctx)
{
	struct mc_result *r = &ctx->res[MC_CHK_USER_DPDK];
	char sopath[PATH_MAX + 300] = "", pcver[64];
	struct dpdk_info d;

	if (ctx->inv.nlibdirs == 0) {
		skip_incomplete(r, "no library directory under %s", ctx->root[0] ? ctx->root : "/");
		return;
	}
	dpdk_detect(ctx, &d, sopath, sizeof(sopath), pcver, sizeof(pcver));
	if (d.have_pc)
		detail(r, "libdpdk.pc: Version %s", pcver);
	if (d.have_so)
		detail(r, "%s (ABI %u)", shown(ctx, sopath), d.abi);
	if (!d.found)
		set(r, MC_FAIL, "install DPDK 22.11 or later (Debian/Ubuntu: dpdk libdpdk-dev) "
		    "or build and meson install it",
		    "DPDK not found (no libdpdk.pc, no librte_ethdev.so.* in the library "
		    "directories)");
	else if (d.year * 100 + d.month < MC_DPDK_MIN_YEAR * 100 + MC_DPDK_MIN_MONTH)
		set(r, MC_FAIL, "install DPDK 22.11 or later",
		    "DPDK %u.%02u is older than 22.11, the first release with net/mana",
		    d.year, d.month);
	else
		set(r, MC_PASS, NULL, "DPDK %s%u.%02u%s", d.have_pc ? "" : ">= ", d.year, d.month,
		    d.have_pc ? "" : " (from the library ABI)");
}

static void
chk_user_dpdk_pmd(struct mc_ctx *ctx)
{
	struct mc_result *r = &ctx->res[MC_CHK_USER_DPDK_PMD];
	char sopath[PATH_MAX + 300], pcver[64], dirs[PATH_MAX + 300];
	char found_auto[MC_REASON_LEN / 2] = "", found_d[MC_REASON_LEN / 2] = "";
	char plugin[PATH_MAX] = "";
	struct dpdk_info d;
	unsigned int i;
	size_t k;

	if (ctx->inv.nlibdirs == 0) {
		skip_incomplete(r, "no library directory under %s", ctx->root[0] ? ctx->root : "/");
		return;
	}
	dpdk_detect(ctx, &d, sopath, sizeof(sopath), pcver, sizeof(pcver));
	if (!d.found) {
		set(r, MC_SKIP, NULL, "DPDK not found");
		return;
	}
	if (ctx->opt.plugin_dir != NULL && ctx->opt.plugin_dir[0] == '/')
		mc_path(ctx->root, plugin, sizeof(plugin), "%s", ctx->opt.plugin_dir);
	/* <libdir>/dpdk/pmds-*: EAL's plugin directory (loaded automatically);
	 * <libdir> and this project's plugin directory: loaded with -d. */
	for (i = 0; i <= ctx->inv.nlibdirs; i++) {
		const char *base = i < ctx->inv.nlibdirs ? ctx->inv.libdirs[i] : plugin;
		char pat[PATH_MAX + 64];
		glob_t g;
		int pass;

		if (base[0] == '\0')
			continue;
		for (pass = 0; pass < 2; pass++) {
			snprintf(pat, sizeof(pat), pass == 0 ?
				 "%s/dpdk/pmds-*/librte_net_mana.so*" :
				 "%s/librte_net_mana.so*", base);
			if (glob(pat, 0, NULL, &g) != 0)
				continue;
			for (k = 0; k < g.gl_pathc; k++) {
				detail(r, "%s%s", shown(ctx, g.gl_pathv[k]), pass == 0 ?
				       " (EAL plugin directory: loaded automatically)" :
				       " (load with EAL -d)");
				if (k == 0)
					list_add(pass == 0 ? found_auto : found_d,
						 sizeof(found_auto), shown(ctx, g.gl_pathv[k]));
			}
			globfree(&g);
		}
	}
	snprintf(dirs, sizeof(dirs), "%s", plugin[0] ? shown(ctx, plugin) : "");
	if (found_auto[0] != '\0')
		set(r, MC_PASS, NULL, "net_mana in the EAL plugin directory: %s", found_auto);
	else if (found_d[0] != '\0')
		set(r, MC_PASS, NULL, "net_mana plugin: %s (load it with EAL -d)", found_d);
	else
		set(r, MC_FAIL, "install this project's plugin (meson install; EAL -d "
		    "librte_net_mana.so) or a DPDK built with net/mana (rdma-core >= 44 at build "
		    "time)", "the installed DPDK has no MANA PMD (no librte_net_mana.so in "
		    "<libdir>/dpdk/pmds-*, the library directories%s%s)",
		    dirs[0] ? " or " : "", dirs);
}

static void
chk_user_hugepages(struct mc_ctx *ctx)
{
	struct mc_result *r = &ctx->res[MC_CHK_USER_HUGEPAGES];
	unsigned long long total = 0, free_pages = 0, total_kb = 0, free_kb = 0;
	char dir[PATH_MAX], path[PATH_MAX + 300], val[64], *line = NULL;
	bool have = false, mounts_known = false, mounted = false;
	char **names;
	size_t llen = 0;
	int n, i;
	FILE *f;

	/* Every page size: /sys/kernel/mm/hugepages/hugepages-<kB>kB/. */
	if (mc_path(ctx->root, dir, sizeof(dir), "/sys/kernel/mm/hugepages") == 0 &&
	    (n = mc_list_dir(dir, &names)) >= 0) {
		for (i = 0; i < n; i++) {
			unsigned long nr, fr, kb;

			if (sscanf(names[i], "hugepages-%lukB", &kb) != 1)
				continue;
			snprintf(path, sizeof(path), "%s/%s/nr_hugepages", dir, names[i]);
			if (mc_read_ulong(path, &nr) < 0)
				continue;
			snprintf(path, sizeof(path), "%s/%s/free_hugepages", dir, names[i]);
			if (mc_read_ulong(path, &fr) < 0)
				fr = 0;
			have = true;
			total += nr;
			free_pages += fr;
			total_kb += (unsigned long long)nr * kb;
			free_kb += (unsigned long long)fr * kb;
			detail(r, "%lu kB pages: %lu reserved, %lu free", kb, nr, fr);
		}
		mc_free_names(names, n);
	}
	/* Default size only: /proc/meminfo. */
	if (!have && mc_path(ctx->root, path, sizeof(path), "/proc/meminfo") == 0 &&
	    mc_file_key(path, "HugePages_Total", ':', val, sizeof(val)) == 0) {
		unsigned long long kb = 0;

		total = strtoull(val, NULL, 10);
		if (mc_file_key(path, "HugePages_Free", ':', val, sizeof(val)) == 0)
			free_pages = strtoull(val, NULL, 10);
		if (mc_file_key(path, "Hugepagesize", ':', val, sizeof(val)) == 0)
			kb = strtoull(val, NULL, 10);
		total_kb = total * kb;
		free_kb = free_pages * kb;
		have = true;
		detail(r, "/proc/meminfo: HugePages_Total %llu, HugePages_Free %llu, %llu kB",
		       total, free_pages, kb);
	}
	if (mc_path(ctx->root, path, sizeof(path), "/proc/mounts") == 0 &&
	    (f = fopen(path, "re")) != NULL) {
		mounts_known = true;
		while (getline(&line, &llen, f) != -1) {
			char dev[128], mnt[256], type[64];

			if (sscanf(line, "%127s %255s %63s", dev, mnt, type) == 3 &&
			    strcmp(type, "hugetlbfs") == 0) {
				mounted = true;
				detail(r, "hugetlbfs mounted on %s", mnt);
			}
		}
		free(line);
		fclose(f);
	}
	if (!have) {
		skip_incomplete(r, "cannot read %s/sys/kernel/mm/hugepages or /proc/meminfo",
				ctx->root);
		return;
	}
	if (total == 0)
		set(r, MC_FAIL, "reserve hugepages: dpdk-hugepages.py --setup 2G (or echo 1024 > "
		    "/sys/kernel/mm/hugepages/hugepages-2048kB/nr_hugepages; vm.nr_hugepages in "
		    "/etc/sysctl.d/ to keep it across reboots)", "no hugepages reserved");
	else if (free_pages == 0)
		set(r, MC_WARN, "stop the process holding them or reserve more",
		    "all %llu hugepages are in use", total);
	else if (mounts_known && !mounted)
		set(r, MC_WARN, "mount -t hugetlbfs nodev /dev/hugepages (or dpdk-hugepages.py "
		    "--mount)", "%llu hugepages free but no hugetlbfs mounted", free_pages);
	else
		set(r, MC_PASS, NULL, "%llu of %llu hugepages free (%llu of %llu MiB)", free_pages,
		    total, free_kb / 1024, total_kb / 1024);
}

/* ------------------------------------------------------------ network */

static void
chk_net_pairing(struct mc_ctx *ctx)
{
	struct mc_result *r = &ctx->res[MC_CHK_NET_PAIRING];
	const struct mc_inventory *inv = &ctx->inv;
	char bad[MC_REASON_LEN / 2] = "", good[256] = "", item[128];
	unsigned int i, j, nsyn = 0;

	if (!inv->pci_readable) {
		skip_incomplete(r, "cannot list %s/sys/bus/pci/devices", ctx->root);
		return;
	}
	if (inv->nports == 0) {
		set(r, MC_SKIP, NULL, "no MANA VF netdev");
		return;
	}
	for (j = 0; j < inv->nnetdev; j++)
		nsyn += strcmp(inv->netdev[j].driver, "hv_netvsc") == 0;
	for (i = 0; i < inv->nports; i++) {
		const struct mc_port *pt = &inv->port[i];
		const struct mc_netdev *vf = &inv->netdev[pt->netdev];
		int same = -1;

		for (j = 0; j < inv->nnetdev; j++)
			if (strcmp(inv->netdev[j].driver, "hv_netvsc") == 0 &&
			    strcmp(inv->netdev[j].mac, vf->mac) == 0)
				same = (int)j;
		if (pt->synthetic >= 0 &&
		    strcmp(inv->netdev[pt->synthetic].mac, vf->mac) == 0) {
			detail(r, "%s (%s) enslaved to %s (hv_netvsc)", vf->name, vf->mac,
			       inv->netdev[pt->synthetic].name);
			snprintf(item, sizeof(item), "%s -> %s", vf->name,
				 inv->netdev[pt->synthetic].name);
			list_add(good, sizeof(good), item);
		} else if (nsyn == 0) {
			detail(r, "%s (%s): no master, no synthetic NIC", vf->name, vf->mac);
		} else {
			if (vf->master[0] != '\0')
				snprintf(item, sizeof(item), "%s has master %s, not its hv_netvsc NIC",
					 vf->name, vf->master);
			else if (same >= 0)
				snprintf(item, sizeof(item), "%s not enslaved to %s (same MAC %s)",
					 vf->name, inv->netdev[same].name, vf->mac);
			else
				snprintf(item, sizeof(item), "%s: no hv_netvsc NIC with MAC %s",
					 vf->name, vf->mac);
			detail(r, "%s", item);
			list_add(bad, sizeof(bad), item);
		}
	}
	if (bad[0] != '\0')
		set(r, MC_FAIL, "hv_netvsc pairs a VF with the synthetic NIC of the same MAC when "
		    "the VF registers: check dmesg for 'VF registering', keep network managers "
		    "off the VF (net.udev_rule), then rebind the PCI function to mana",
		    "VF not paired: %s", bad);
	else if (nsyn == 0)
		set(r, MC_WARN, "plan for it: a DPDK application must handle the device removal "
		    "event (RTE_ETH_EVENT_INTR_RMV) and re-probe; the kernel has no fallback path",
		    "no synthetic (hv_netvsc) NIC: MANA is used directly, so there is no "
		    "transparent failover; when the VF is removed or reset (host servicing), "
		    "the VM has no network until it returns");
	else
		set(r, MC_PASS, NULL, "%s", good);
}

/* Sum of the named ethtool statistics; false if one is absent. */
static bool
stat_sum(const struct mc_stat *st, size_t n, const char *const *names, uint64_t *sum)
{
	size_t i, k;

	*sum = 0;
	for (k = 0; names[k] != NULL; k++) {
		for (i = 0; i < n; i++)
			if (strcmp(st[i].name, names[k]) == 0)
				break;
		if (i == n)
			return false;
		*sum += st[i].value;
	}
	return true;
}

struct traffic_nic {
	int nd;				/* synthetic netdev */
	uint64_t vf[2], link[2];	/* before, after */
};

static int
traffic_sample(struct mc_ctx *ctx, struct traffic_nic *t, int phase, char *err, size_t cap)
{
	static const char *const vf_names[] = { "vf_rx_packets", "vf_tx_packets", NULL };
	const char *name = ctx->inv.netdev[t->nd].name;
	struct mc_stat *st = NULL;
	uint64_t rx, tx;
	size_t n = 0;
	int ret;

	ret = ctx->sys.ops->ethtool_stats(&ctx->sys, name, &st, &n);
	if (ret < 0) {
		snprintf(err, cap, "cannot read the ethtool statistics of %s: %s", name,
			 strerror(-ret));
		return ret;
	}
	if (!stat_sum(st, n, vf_names, &t->vf[phase])) {
		free(st);
		snprintf(err, cap, "%s reports no vf_rx_packets/vf_tx_packets statistics", name);
		return -ENOENT;
	}
	free(st);
	ret = ctx->sys.ops->link_stats(&ctx->sys, name, &rx, &tx);
	if (ret < 0) {
		snprintf(err, cap, "cannot read the interface counters of %s: %s", name,
			 strerror(-ret));
		return ret;
	}
	t->link[phase] = rx + tx;
	return 0;
}

static void
chk_net_traffic(struct mc_ctx *ctx)
{
	struct mc_result *r = &ctx->res[MC_CHK_NET_TRAFFIC];
	const struct mc_inventory *inv = &ctx->inv;
	struct traffic_nic nics[16];
	char flat[256] = "", idle[256] = "", moved[256] = "", err[MC_REASON_LEN];
	unsigned int i, j, n = 0, s = ctx->opt.traffic_seconds;
	int phase;

	if (s == 0) {
		set(r, MC_SKIP, NULL, "not requested (--traffic SECONDS)");
		return;
	}
	/* Synthetic NICs with an up VF: their traffic should be on the VF. */
	for (i = 0; i < inv->nnetdev && n < 16; i++) {
		if (strcmp(inv->netdev[i].driver, "hv_netvsc") != 0)
			continue;
		for (j = 0; j < inv->nnetdev; j++) {
			const struct mc_netdev *vf = &inv->netdev[j];

			if (strcmp(vf->master, inv->netdev[i].name) == 0 &&
			    vf->up_known && vf->up) {
				nics[n].nd = (int)i;
				n++;
				break;
			}
		}
	}
	if (n == 0) {
		set(r, MC_SKIP, NULL, "no synthetic (hv_netvsc) NIC with an up VF to measure");
		return;
	}
	for (phase = 0; phase < 2; phase++) {
		if (phase == 1)
			ctx->sys.ops->wait(&ctx->sys, s);
		for (i = 0; i < n; i++) {
			if (traffic_sample(ctx, &nics[i], phase, err, sizeof(err)) < 0) {
				r->status = MC_SKIP;
				r->complete = false;
				snprintf(r->reason, sizeof(r->reason), "%s", err);
				snprintf(r->fix, sizeof(r->fix), "run as root on the VM; the "
					 "statistics come from ethtool -S <synthetic NIC>");
				return;
			}
		}
	}
	for (i = 0; i < n; i++) {
		const char *name = inv->netdev[nics[i].nd].name;
		uint64_t dvf = nics[i].vf[1] - nics[i].vf[0];
		uint64_t dlink = nics[i].link[1] - nics[i].link[0];

		detail(r, "%s: interface +%llu packets, VF +%llu packets in %u s", name,
		       (unsigned long long)dlink, (unsigned long long)dvf, s);
		if (nics[i].vf[1] != nics[i].vf[0])
			list_add(moved, sizeof(moved), name);
		else if (nics[i].link[1] != nics[i].link[0])
			list_add(flat, sizeof(flat), name);
		else
			list_add(idle, sizeof(idle), name);
	}
	if (flat[0] != '\0')
		set(r, MC_FAIL, "check net.pairing and that the VF is up (ip link set <vf> up); "
		    "if it persists, the host did not enable the VF data path: redeploy the VM",
		    "traffic on %s is not on the accelerated path: interface counters moved, "
		    "VF counters did not", flat);
	else if (moved[0] == '\0')
		set(r, MC_WARN, "generate traffic during the window (ping the gateway, iperf3) "
		    "and run again", "no traffic on %s in %u s: cannot tell", idle, s);
	else
		set(r, MC_PASS, NULL, "VF counters moved on %s", moved);
}

/* First existing rule file in udev's precedence order. */
static bool
find_udev_rule(const struct mc_ctx *ctx, const char *name, char *path, size_t cap)
{
	static const char *const dirs[] = {
		"/etc/udev/rules.d", "/run/udev/rules.d", "/usr/lib/udev/rules.d",
		"/lib/udev/rules.d",
	};
	size_t i;

	for (i = 0; i < sizeof(dirs) / sizeof(dirs[0]); i++) {
		struct stat st;

		/* lstat: a rule masked by a dangling symlink still counts. */
		if (mc_path(ctx->root, path, cap, "%s/%s", dirs[i], name) == 0 &&
		    lstat(path, &st) == 0)
			return true;
	}
	return false;
}

/* Does a DRIVERS=="a|b|..." match of the line name mana or hv_pci (every
 * VF sits on the Hyper-V PCI bus)?  Alternatives may be globs ("mana*"). */
static bool
drivers_match_mana(const char *line)
{
	const char *p = line;

	while ((p = strstr(p, "DRIVERS")) != NULL) {
		char val[128], *alt, *save = NULL;
		const char *q = p + 7;
		size_t len;

		p = q;
		while (*q == ' ' || *q == '\t')
			q++;
		if (strncmp(q, "==", 2) != 0)
			continue;
		q += 2;
		while (*q == ' ' || *q == '\t')
			q++;
		if (*q++ != '"')
			continue;
		len = strcspn(q, "\"");
		if (len >= sizeof(val))
			continue;
		memcpy(val, q, len);
		val[len] = '\0';
		for (alt = strtok_r(val, "|", &save); alt != NULL;
		     alt = strtok_r(NULL, "|", &save)) {
			if (fnmatch(alt, "mana", 0) == 0 || fnmatch(alt, "hv_pci", 0) == 0)
				return true;
		}
	}
	return false;
}

/* Does the rule file mark MANA VFs unmanaged?  A non-comment line that sets
 * NM_UNMANAGED, AZURE_UNMANAGED_SRIOV or ID_NET_MANAGED_BY and whose
 * DRIVERS match names mana or hv_pci. */
static bool
rule_covers_mana(const char *path)
{
	char *line = NULL;
	size_t llen = 0;
	bool ok = false;
	FILE *f;

	f = fopen(path, "re");
	if (f == NULL)
		return false;
	while (!ok && getline(&line, &llen, f) != -1) {
		const char *p = line + strspn(line, " \t");

		if (*p == '#')
			continue;
		ok = (strstr(p, "NM_UNMANAGED") || strstr(p, "AZURE_UNMANAGED_SRIOV") ||
		      strstr(p, "ID_NET_MANAGED_BY")) && drivers_match_mana(p);
	}
	free(line);
	fclose(f);
	return ok;
}

/* Is a systemd unit enabled: a link <root>/etc/systemd/system/<*.wants>/unit
 * or the D-Bus alias link?  lstat only: links are absolute and point
 * outside --root. */
static bool
unit_enabled(const struct mc_ctx *ctx, const char *unit, const char *alias)
{
	char pat[PATH_MAX], path[PATH_MAX + 300];
	struct stat st;
	bool found = false;
	glob_t g;
	size_t k;

	if (mc_path(ctx->root, pat, sizeof(pat), "/etc/systemd/system/*.wants") == 0 &&
	    glob(pat, GLOB_ONLYDIR, NULL, &g) == 0) {
		for (k = 0; k < g.gl_pathc && !found; k++) {
			snprintf(path, sizeof(path), "%s/%s", g.gl_pathv[k], unit);
			found = lstat(path, &st) == 0;
		}
		globfree(&g);
	}
	if (!found && alias != NULL &&
	    mc_path(ctx->root, path, sizeof(path), "/etc/systemd/system/%s", alias) == 0)
		found = lstat(path, &st) == 0;
	return found;
}

/* A systemd-networkd .network file leaving AZURE_UNMANAGED_SRIOV devices
 * unmanaged (azure-vm-utils ships one next to the udev rule). */
static bool
networkd_unmanaged_file(const struct mc_ctx *ctx)
{
	static const char *const dirs[] = {
		"/etc/systemd/network", "/run/systemd/network", "/usr/lib/systemd/network",
		"/lib/systemd/network",
	};
	char pat[PATH_MAX], val[32];
	size_t i, k;
	bool found = false;

	for (i = 0; i < sizeof(dirs) / sizeof(dirs[0]) && !found; i++) {
		glob_t g;

		if (mc_path(ctx->root, pat, sizeof(pat), "%s/*.network", dirs[i]) < 0 ||
		    glob(pat, 0, NULL, &g) != 0)
			continue;
		for (k = 0; k < g.gl_pathc && !found; k++) {
			char *line = NULL;
			size_t llen = 0;
			bool prop = false;
			FILE *f = fopen(g.gl_pathv[k], "re");

			if (f == NULL)
				continue;
			while (getline(&line, &llen, f) != -1)
				prop = prop || strstr(line, "AZURE_UNMANAGED_SRIOV") != NULL;
			free(line);
			fclose(f);
			found = prop && mc_file_key(g.gl_pathv[k], "Unmanaged", '=', val,
						   sizeof(val)) == 0 &&
				(strcmp(val, "yes") == 0 || strcmp(val, "true") == 0 ||
				 strcmp(val, "1") == 0);
		}
		globfree(&g);
	}
	return found;
}

static void
chk_net_udev(struct mc_ctx *ctx)
{
	static const char rule[] = "10-azure-unmanaged-sriov.rules";
	struct mc_result *r = &ctx->res[MC_CHK_NET_UDEV];
	char path[PATH_MAX], target[64], managers[64] = "", fix[MC_REASON_LEN];
	bool found, masked = false, covers = false, nm, nd;

	found = find_udev_rule(ctx, rule, path, sizeof(path));
	if (found) {
		char buf[8];

		masked = (mc_read_link_base(path, target, sizeof(target)) == 0 &&
			  strcmp(target, "null") == 0) ||
			 mc_read_str(path, buf, sizeof(buf)) == 0;
		covers = !masked && rule_covers_mana(path);
		detail(r, "%s%s%s", shown(ctx, path), masked ? " (masked)" : "",
		       !masked && !covers ? " (does not match mana VFs)" : "");
	} else {
		detail(r, "%s not found in /etc/udev/rules.d, /run/udev/rules.d, "
		       "/usr/lib/udev/rules.d, /lib/udev/rules.d", rule);
	}
	nm = unit_enabled(ctx, "NetworkManager.service",
			  "dbus-org.freedesktop.NetworkManager.service");
	nd = unit_enabled(ctx, "systemd-networkd.service", "dbus-org.freedesktop.network1.service");
	if (nm)
		list_add(managers, sizeof(managers), "NetworkManager");
	if (nd)
		list_add(managers, sizeof(managers), "systemd-networkd");
	detail(r, "network managers enabled: %s", managers[0] ? managers : "none");
	snprintf(fix, sizeof(fix), "install azure-vm-utils (it ships %s and the "
		 "systemd-networkd file), or write an equivalent rule in /etc/udev/rules.d, "
		 "then udevadm control --reload && udevadm trigger -s net", rule);

	if (!nm && !nd) {
		if (found && covers)
			set(r, MC_PASS, NULL, "%s marks the VFs unmanaged", shown(ctx, path));
		else
			set(r, MC_SKIP, NULL, "no NetworkManager or systemd-networkd enabled: "
			    "the rule is not needed");
		return;
	}
	if (!found || masked)
		set(r, MC_FAIL, fix, "%s enabled and %s %s: it will configure the VFs (DHCP, "
		    "routes) and fight hv_netvsc and DPDK over them", managers, rule,
		    masked ? "is masked" : "is missing");
	else if (!covers)
		set(r, MC_WARN, fix, "%s does not match MANA VFs (needs DRIVERS==\"mana\" or "
		    "\"hv_pci\"): an older version of the rule", shown(ctx, path));
	else if (nd && !networkd_unmanaged_file(ctx))
		set(r, MC_WARN, fix, "systemd-networkd enabled but no .network file makes "
		    "AZURE_UNMANAGED_SRIOV devices Unmanaged=yes");
	else
		set(r, MC_PASS, NULL, "%s marks the VFs unmanaged for %s", shown(ctx, path),
		    managers);
}

static void
chk_net_route(struct mc_ctx *ctx)
{
	struct mc_result *r = &ctx->res[MC_CHK_NET_ROUTE];
	const struct mc_inventory *inv = &ctx->inv;
	char bad[256] = "", routes[128] = "", item[64];
	unsigned int i;

	if (!inv->pci_readable) {
		skip_incomplete(r, "cannot list %s/sys/bus/pci/devices", ctx->root);
		return;
	}
	if (inv->nports == 0) {
		set(r, MC_SKIP, NULL, "no MANA port");
		return;
	}
	if (!inv->routes_readable) {
		skip_incomplete(r, "cannot read %s/proc/net/route or /proc/net/ipv6_route",
				ctx->root);
		return;
	}
	for (i = 0; i < inv->ndefroute; i++)
		list_add(routes, sizeof(routes), inv->defroute[i]);
	detail(r, "default route via: %s", routes[0] ? routes : "none");
	for (i = 0; i < inv->nports; i++) {
		const struct mc_port *pt = &inv->port[i];

		if (!pt->dpdk_target || !pt->default_route)
			continue;
		snprintf(item, sizeof(item), "%s%s%s", inv->netdev[pt->netdev].name,
			 pt->synthetic >= 0 ? "/" : "",
			 pt->synthetic >= 0 ? inv->netdev[pt->synthetic].name : "");
		list_add(bad, sizeof(bad), item);
	}
	if (bad[0] != '\0')
		set(r, MC_WARN, "give DPDK only data NICs: -a <pci>,mac=<data NIC MAC> "
		    "(select them here with --mac), and keep the management NIC in the kernel",
		    "DPDK would take %s, which carries the default route (the management NIC): "
		    "the VM loses its management connectivity", bad);
	else
		set(r, MC_PASS, NULL, "default route %s%s, not on a DPDK port",
		    routes[0] ? "via " : "", routes[0] ? routes : "absent");
}

/* ---------------------------------------------------------------- run */

void
mc_run_checks(struct mc_ctx *ctx)
{
	static void (*const fns[MC_CHK_COUNT])(struct mc_ctx *) = {
		[MC_CHK_HW_MANA] = chk_hw_mana,
		[MC_CHK_HW_MLX] = chk_hw_mlx,
		[MC_CHK_KERNEL_VERSION] = chk_kernel_version,
		[MC_CHK_KERNEL_MANA] = chk_kernel_mana,
		[MC_CHK_KERNEL_MLX] = chk_kernel_mlx,
		[MC_CHK_RDMA_DEVICES] = chk_rdma_devices,
		[MC_CHK_RDMA_NETDEV] = chk_rdma_netdev,
		[MC_CHK_USER_RDMA_CORE] = chk_user_rdma_core,
		[MC_CHK_USER_DPDK] = chk_user_dpdk,
		[MC_CHK_USER_DPDK_PMD] = chk_user_dpdk_pmd,
		[MC_CHK_USER_HUGEPAGES] = chk_user_hugepages,
		[MC_CHK_NET_PAIRING] = chk_net_pairing,
		[MC_CHK_NET_TRAFFIC] = chk_net_traffic,
		[MC_CHK_NET_UDEV] = chk_net_udev,
		[MC_CHK_NET_ROUTE] = chk_net_route,
	};
	unsigned int i;

	for (i = 0; i < MC_CHK_COUNT; i++) {
		memset(&ctx->res[i], 0, sizeof(ctx->res[i]));
		ctx->res[i].complete = true;
		fns[i](ctx);
	}
}

int
mc_exit_code(const struct mc_ctx *ctx)
{
	bool incomplete = false;
	unsigned int i;

	for (i = 0; i < MC_CHK_COUNT; i++) {
		if (ctx->res[i].status == MC_FAIL)
			return 1;
		incomplete = incomplete || !ctx->res[i].complete;
	}
	return incomplete ? 2 : 0;
}
