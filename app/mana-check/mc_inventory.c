/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * mana-check: inventory of the VM from files under --root.
 *
 * Sources of truth (all under <root>):
 *  - PCI functions: /sys/bus/pci/devices/<addr>/{vendor,device,class} and the
 *    driver link (spec/mana-hw.md §1.1 for the MANA IDs);
 *  - netdevs: /sys/class/net/<if>/{address,flags,operstate,dev_port}, the
 *    master link and device/driver link; a MANA function's netdevs are
 *    /sys/bus/pci/devices/<addr>/net/<if> (what DPDK's net/mana reads,
 *    spec §1.1 "Port <-> netdev");
 *  - IB devices: /sys/class/infiniband/<ibdev>/device (resolved to the PCI
 *    function, or PCI_SLOT_NAME= of device/uevent) and <ibdev>/ports/;
 *  - kernel release: uname(2) on the live system, /proc/sys/kernel/osrelease
 *    under another root; distribution: PRETTY_NAME of /etc/os-release;
 *  - default routes: /proc/net/route and /proc/net/ipv6_route;
 *  - library directories: /etc/ld.so.conf (with includes) and the default
 *    directories.
 */
#include <ctype.h>
#include <errno.h>
#include <glob.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/utsname.h>

#include "mc.h"

#if defined(__x86_64__)
#define MC_MULTIARCH "x86_64-linux-gnu"
#elif defined(__aarch64__)
#define MC_MULTIARCH "aarch64-linux-gnu"
#else
#define MC_MULTIARCH NULL
#endif

/* IFF_UP of <linux/if.h>; flags in sysfs are the netdev's dev->flags. */
#define MC_IFF_UP	0x1
/* RTF_UP and RTF_REJECT of <linux/route.h>. */
#define MC_RTF_UP	0x0001
#define MC_RTF_REJECT	0x0200

const char *
mc_nic_kind_name(enum mc_nic_kind k)
{
	switch (k) {
	case MC_NIC_MANA:
		return "MANA";
	case MC_NIC_MLX4:
		return "ConnectX-3 (mlx4)";
	case MC_NIC_MLX5:
		return "ConnectX-4 or later (mlx5)";
	default:
		return "other";
	}
}

/*
 * Classify a PCI function.  MANA: vendor 0x1414, device 0x00BA (VF) or
 * 0x00B9 (PF), class 0x0200xx (spec §1.1).  Mellanox (vendor 0x15b3,
 * Ethernet class): device ids below 0x1011 are ConnectX-3 (mlx4_core),
 * 0x1011 and later ConnectX-4 onwards (mlx5_core).
 */
static enum mc_nic_kind
classify(unsigned int vendor, unsigned int device, unsigned int class_code)
{
	if ((class_code >> 8) != MC_PCI_CLASS_ETHERNET)
		return MC_NIC_OTHER;
	if (vendor == MC_PCI_VENDOR_MICROSOFT &&
	    (device == MC_PCI_DEVICE_MANA_VF || device == MC_PCI_DEVICE_MANA_PF))
		return MC_NIC_MANA;
	if (vendor == MC_PCI_VENDOR_MELLANOX)
		return device < 0x1011 ? MC_NIC_MLX4 : MC_NIC_MLX5;
	return MC_NIC_OTHER;
}

static void
scan_pci(struct mc_ctx *ctx)
{
	struct mc_inventory *inv = &ctx->inv;
	char dir[PATH_MAX], path[PATH_MAX + 32];
	char **names;
	int n, i;

	if (mc_path(ctx->root, dir, sizeof(dir), "/sys/bus/pci/devices") < 0)
		return;
	n = mc_list_dir(dir, &names);
	if (n < 0)
		return;
	inv->pci_readable = true;
	for (i = 0; i < n && inv->npci < MC_MAX_PCI; i++) {
		struct mc_pci_fn *fn = &inv->pci[inv->npci];
		unsigned long v;

		memset(fn, 0, sizeof(*fn));
		snprintf(fn->addr, sizeof(fn->addr), "%s", names[i]);
		snprintf(path, sizeof(path), "%s/%s/vendor", dir, names[i]);
		if (mc_read_ulong(path, &v) < 0)
			continue;
		fn->vendor = (unsigned int)v;
		snprintf(path, sizeof(path), "%s/%s/device", dir, names[i]);
		if (mc_read_ulong(path, &v) < 0)
			continue;
		fn->device = (unsigned int)v;
		snprintf(path, sizeof(path), "%s/%s/class", dir, names[i]);
		if (mc_read_ulong(path, &v) < 0)
			continue;
		fn->class_code = (unsigned int)v;
		snprintf(path, sizeof(path), "%s/%s/driver", dir, names[i]);
		if (mc_read_link_base(path, fn->driver, sizeof(fn->driver)) < 0)
			fn->driver[0] = '\0';
		fn->kind = classify(fn->vendor, fn->device, fn->class_code);
		inv->npci++;
	}
	mc_free_names(names, n);
}

static int
pci_find(const struct mc_inventory *inv, const char *addr)
{
	unsigned int i;

	for (i = 0; i < inv->npci; i++)
		if (strcmp(inv->pci[i].addr, addr) == 0)
			return (int)i;
	return -1;
}

int
mc_netdev_find(const struct mc_inventory *inv, const char *name)
{
	unsigned int i;

	for (i = 0; i < inv->nnetdev; i++)
		if (strcmp(inv->netdev[i].name, name) == 0)
			return (int)i;
	return -1;
}

/* Read one netdev from its sysfs directory. */
static void
read_netdev(const char *dir, const char *name, struct mc_netdev *nd)
{
	char path[PATH_MAX + 32], buf[64];
	unsigned long v;
	size_t i;

	memset(nd, 0, sizeof(*nd));
	nd->dev_port = -1;
	nd->pci = -1;
	snprintf(nd->name, sizeof(nd->name), "%s", name);
	snprintf(path, sizeof(path), "%s/address", dir);
	if (mc_read_str(path, buf, sizeof(buf)) >= 0) {
		for (i = 0; buf[i] != '\0'; i++)
			buf[i] = (char)tolower((unsigned char)buf[i]);
		snprintf(nd->mac, sizeof(nd->mac), "%.17s", buf);
	}
	snprintf(path, sizeof(path), "%s/flags", dir);
	if (mc_read_ulong(path, &v) == 0) {
		nd->up_known = true;
		nd->up = (v & MC_IFF_UP) != 0;
	} else {
		/* Without flags, operstate: "down"/"notpresent" are taken as
		 * administratively down, anything else as up. */
		snprintf(path, sizeof(path), "%s/operstate", dir);
		if (mc_read_str(path, buf, sizeof(buf)) > 0) {
			nd->up_known = true;
			nd->up = strcmp(buf, "down") != 0 &&
				 strcmp(buf, "notpresent") != 0;
		}
	}
	snprintf(path, sizeof(path), "%s/master", dir);
	if (mc_read_link_base(path, nd->master, sizeof(nd->master)) < 0)
		nd->master[0] = '\0';
	snprintf(path, sizeof(path), "%s/device/driver", dir);
	if (mc_read_link_base(path, nd->driver, sizeof(nd->driver)) < 0)
		nd->driver[0] = '\0';
	snprintf(path, sizeof(path), "%s/dev_port", dir);
	if (mc_read_ulong(path, &v) == 0)
		nd->dev_port = (int)v;
}

static void
scan_netdevs(struct mc_ctx *ctx)
{
	struct mc_inventory *inv = &ctx->inv;
	char dir[PATH_MAX], path[PATH_MAX + 300], buf[64];
	char **names;
	unsigned int p;
	int n, i;

	/* All netdevs. */
	if (mc_path(ctx->root, dir, sizeof(dir), "/sys/class/net") == 0 &&
	    (n = mc_list_dir(dir, &names)) >= 0) {
		for (i = 0; i < n && inv->nnetdev < MC_MAX_NETDEV; i++) {
			struct mc_netdev *nd = &inv->netdev[inv->nnetdev];

			snprintf(path, sizeof(path), "%s/%s", dir, names[i]);
			read_netdev(path, names[i], nd);
			snprintf(path, sizeof(path), "%s/%s/device", dir, names[i]);
			if (mc_read_link_base(path, buf, sizeof(buf)) == 0)
				nd->pci = pci_find(inv, buf);
			inv->nnetdev++;
		}
		mc_free_names(names, n);
	}

	/* Netdevs of each MANA or Mellanox function, from the PCI device
	 * directory (present even when /sys/class/net is not). */
	for (p = 0; p < inv->npci; p++) {
		if (inv->pci[p].kind == MC_NIC_OTHER)
			continue;
		if (mc_path(ctx->root, dir, sizeof(dir),
			    "/sys/bus/pci/devices/%s/net", inv->pci[p].addr) < 0)
			continue;
		n = mc_list_dir(dir, &names);
		if (n < 0)
			continue;
		for (i = 0; i < n; i++) {
			int k = mc_netdev_find(inv, names[i]);

			if (k < 0) {
				if (inv->nnetdev >= MC_MAX_NETDEV)
					break;
				k = (int)inv->nnetdev++;
				snprintf(path, sizeof(path), "%s/%s", dir, names[i]);
				read_netdev(path, names[i], &inv->netdev[k]);
				/* No device link: the function's driver. */
				_Static_assert(sizeof(inv->netdev[k].driver) ==
					       sizeof(inv->pci[p].driver), "driver names");
				if (inv->netdev[k].driver[0] == '\0')
					memcpy(inv->netdev[k].driver, inv->pci[p].driver,
					       sizeof(inv->netdev[k].driver));
			}
			inv->netdev[k].pci = (int)p;
		}
		mc_free_names(names, n);
	}
}

/* PCI function of an IB device: the first path component of the resolved
 * <ibdev>/device naming a known function (K6.16+ may put the IB device
 * under an auxiliary device of the function), else PCI_SLOT_NAME= of
 * <ibdev>/device/uevent (what DPDK reads). */
static int
ibdev_pci(const struct mc_inventory *inv, const char *ibdir)
{
	char path[PATH_MAX + 160], real[PATH_MAX], val[64];
	char *comp, *save = NULL;
	int found = -1, k;

	snprintf(path, sizeof(path), "%s/device", ibdir);
	if (realpath(path, real) != NULL) {
		for (comp = strtok_r(real, "/", &save); comp != NULL;
		     comp = strtok_r(NULL, "/", &save)) {
			k = pci_find(inv, comp);
			if (k >= 0)
				found = k;	/* keep the deepest */
		}
		if (found >= 0)
			return found;
	}
	snprintf(path, sizeof(path), "%s/device/uevent", ibdir);
	if (mc_file_key(path, "PCI_SLOT_NAME", '=', val, sizeof(val)) == 0)
		return pci_find(inv, val);
	return -1;
}

static void
scan_ibdevs(struct mc_ctx *ctx)
{
	struct mc_inventory *inv = &ctx->inv;
	char dir[PATH_MAX], ibdir[PATH_MAX + 80], pdir[PATH_MAX + 100];
	char **names, **ports;
	int n, i, np, j;

	if (mc_path(ctx->root, dir, sizeof(dir), "/sys/class/infiniband") < 0)
		return;
	n = mc_list_dir(dir, &names);
	if (n < 0)
		return;
	for (i = 0; i < n && inv->nibdev < MC_MAX_IBDEV; i++) {
		struct mc_ibdev *ib = &inv->ibdev[inv->nibdev++];

		memset(ib, 0, sizeof(*ib));
		snprintf(ib->name, sizeof(ib->name), "%s", names[i]);
		snprintf(ibdir, sizeof(ibdir), "%s/%s", dir, names[i]);
		ib->pci = ibdev_pci(inv, ibdir);
		snprintf(pdir, sizeof(pdir), "%s/ports", ibdir);
		np = mc_list_dir(pdir, &ports);
		if (np < 0)
			continue;
		ib->has_ports_dir = true;
		for (j = 0; j < np && ib->nports < MC_MAX_PORTS; j++) {
			char *end;
			unsigned long v = strtoul(ports[j], &end, 10);

			if (*end == '\0' && end != ports[j])
				ib->port[ib->nports++] = (unsigned int)v;
		}
		mc_free_names(ports, np);
	}
	mc_free_names(names, n);
}

static bool
ibdev_has_port(const struct mc_ibdev *ib, int port)
{
	unsigned int i;

	for (i = 0; i < ib->nports; i++)
		if ((int)ib->port[i] == port)
			return true;
	return false;
}

static void
build_ports(struct mc_ctx *ctx)
{
	struct mc_inventory *inv = &ctx->inv;
	unsigned int i, j;

	for (i = 0; i < inv->nnetdev && inv->nports < MC_MAX_PORTS; i++) {
		const struct mc_netdev *nd = &inv->netdev[i];
		struct mc_port *pt;
		int m;

		if (nd->pci < 0 || inv->pci[nd->pci].kind != MC_NIC_MANA)
			continue;
		pt = &inv->port[inv->nports++];
		memset(pt, 0, sizeof(*pt));
		pt->pci = nd->pci;
		pt->netdev = (int)i;
		pt->synthetic = -1;
		pt->ibdev = -1;
		pt->ib_port = nd->dev_port >= 0 ? nd->dev_port + 1 : -1;
		if (nd->master[0] != '\0') {
			m = mc_netdev_find(inv, nd->master);
			if (m >= 0 && strcmp(inv->netdev[m].driver, "hv_netvsc") == 0)
				pt->synthetic = m;
		}
		/* IB device of the function; with several (K6.16+: mana_N and
		 * manae_N), the one that has this port. */
		for (j = 0; j < inv->nibdev; j++) {
			if (inv->ibdev[j].pci != nd->pci)
				continue;
			if (pt->ibdev < 0)
				pt->ibdev = (int)j;
			if (ibdev_has_port(&inv->ibdev[j], pt->ib_port)) {
				pt->ibdev = (int)j;
				break;
			}
		}
	}
}

static void
read_release(struct mc_ctx *ctx)
{
	struct mc_inventory *inv = &ctx->inv;
	unsigned int v[2];
	char path[PATH_MAX];

	if (ctx->root[0] == '\0') {
		struct utsname u;

		if (uname(&u) == 0) {
			snprintf(inv->release, sizeof(inv->release), "%s", u.release);
			inv->release_known = true;
		}
	} else if (mc_path(ctx->root, path, sizeof(path),
			   "/proc/sys/kernel/osrelease") == 0 &&
		   mc_read_str(path, inv->release, sizeof(inv->release)) > 0) {
		inv->release_known = true;
	}
	if (inv->release_known && mc_parse_version(inv->release, v, 2) == 2) {
		inv->kmajor = (int)v[0];
		inv->kminor = (int)v[1];
	} else {
		inv->release_known = false;
	}
}

/* PRETTY_NAME of <root>/etc/os-release (or /usr/lib/os-release), unquoted. */
static void
read_os_release(struct mc_ctx *ctx)
{
	static const char *const files[] = { "/etc/os-release", "/usr/lib/os-release" };
	char path[PATH_MAX], val[sizeof(ctx->inv.os_name)];
	size_t i, len;

	for (i = 0; i < sizeof(files) / sizeof(files[0]); i++) {
		if (mc_path(ctx->root, path, sizeof(path), "%s", files[i]) < 0 ||
		    mc_file_key(path, "PRETTY_NAME", '=', val, sizeof(val)) < 0)
			continue;
		len = strlen(val);
		if (len >= 2 && (val[0] == '"' || val[0] == '\'') && val[len - 1] == val[0]) {
			val[len - 1] = '\0';
			memmove(val, val + 1, len - 1);
		}
		snprintf(ctx->inv.os_name, sizeof(ctx->inv.os_name), "%s", val);
		return;
	}
}

static void
add_defroute(struct mc_inventory *inv, const char *ifname)
{
	unsigned int i;

	for (i = 0; i < inv->ndefroute; i++)
		if (strcmp(inv->defroute[i], ifname) == 0)
			return;
	if (inv->ndefroute < 8)
		snprintf(inv->defroute[inv->ndefroute++], IF_NAMESIZE, "%s", ifname);
}

static void
read_routes(struct mc_ctx *ctx)
{
	struct mc_inventory *inv = &ctx->inv;
	char path[PATH_MAX], *line = NULL;
	size_t llen = 0;
	FILE *f;

	/* IPv4: Iface Destination Gateway Flags RefCnt Use Metric Mask ... */
	if (mc_path(ctx->root, path, sizeof(path), "/proc/net/route") == 0 &&
	    (f = fopen(path, "re")) != NULL) {
		inv->routes_readable = true;
		while (getline(&line, &llen, f) != -1) {
			char ifn[IF_NAMESIZE + 8], dst[16], gw[16], mask[16];
			unsigned int flags, refcnt, use, metric;

			if (sscanf(line, "%23s %15s %15s %x %u %u %u %15s", ifn, dst,
				   gw, &flags, &refcnt, &use, &metric, mask) != 8)
				continue;
			if (strcmp(dst, "00000000") == 0 && strcmp(mask, "00000000") == 0 &&
			    (flags & MC_RTF_UP) && !(flags & MC_RTF_REJECT) &&
			    strlen(ifn) < IF_NAMESIZE)
				add_defroute(inv, ifn);
		}
		fclose(f);
	}
	/* IPv6: dst dst_len src src_len next_hop metric refcnt use flags iface */
	if (mc_path(ctx->root, path, sizeof(path), "/proc/net/ipv6_route") == 0 &&
	    (f = fopen(path, "re")) != NULL) {
		inv->routes_readable = true;
		while (getline(&line, &llen, f) != -1) {
			char dst[40], dlen[8], src[40], slen[8], nh[40], ifn[IF_NAMESIZE + 8];
			unsigned int metric, refcnt, use, flags;

			if (sscanf(line, "%39s %7s %39s %7s %39s %x %x %x %x %23s", dst,
				   dlen, src, slen, nh, &metric, &refcnt, &use, &flags,
				   ifn) != 10)
				continue;
			if (strspn(dst, "0") == 32 && strcmp(dlen, "00") == 0 &&
			    (flags & MC_RTF_UP) && !(flags & MC_RTF_REJECT) &&
			    strcmp(ifn, "lo") != 0 && strlen(ifn) < IF_NAMESIZE)
				add_defroute(inv, ifn);
		}
		fclose(f);
	}
	free(line);
}

static bool
is_defroute(const struct mc_inventory *inv, const char *ifname)
{
	unsigned int i;

	for (i = 0; i < inv->ndefroute; i++)
		if (strcmp(inv->defroute[i], ifname) == 0)
			return true;
	return false;
}

/*
 * Mark the ports a DPDK run would take.  With --mac/--interface: the ports
 * selected (by MAC, VF name or synthetic name).  Without: the ports whose
 * netdev is down (an operator hands a port to DPDK by setting it down), or
 * all ports when none is (what `-a <pci>` without mac= devargs probes).
 */
static void
mark_targets(struct mc_ctx *ctx)
{
	struct mc_inventory *inv = &ctx->inv;
	const struct mc_options *o = &ctx->opt;
	bool mac_hit[MC_MAX_SELECT] = { false }, if_hit[MC_MAX_SELECT] = { false };
	unsigned int i, k, ndown = 0;
	size_t off = 0;

	inv->selection_used = o->nmacs > 0 || o->nifaces > 0;
	for (i = 0; i < inv->nports; i++) {
		struct mc_port *pt = &inv->port[i];
		const struct mc_netdev *vf = &inv->netdev[pt->netdev];
		const char *syn = pt->synthetic >= 0 ? inv->netdev[pt->synthetic].name : "";

		pt->default_route = is_defroute(inv, vf->name) ||
				    (syn[0] != '\0' && is_defroute(inv, syn));
		if (vf->up_known && !vf->up)
			ndown++;
		for (k = 0; k < o->nmacs; k++) {
			if (strcmp(o->macs[k], vf->mac) == 0) {
				pt->dpdk_target = true;
				mac_hit[k] = true;
			}
		}
		for (k = 0; k < o->nifaces; k++) {
			if (strcmp(o->ifaces[k], vf->name) == 0 ||
			    (syn[0] != '\0' && strcmp(o->ifaces[k], syn) == 0)) {
				pt->dpdk_target = true;
				if_hit[k] = true;
			}
		}
	}
	if (inv->selection_used) {
		for (k = 0; k < o->nmacs; k++)
			if (!mac_hit[k] && off < sizeof(inv->selection_error))
				off += (size_t)snprintf(inv->selection_error + off,
						sizeof(inv->selection_error) - off,
						"%sno MANA port has MAC %s",
						off ? "; " : "", o->macs[k]);
		for (k = 0; k < o->nifaces; k++)
			if (!if_hit[k] && off < sizeof(inv->selection_error))
				off += (size_t)snprintf(inv->selection_error + off,
						sizeof(inv->selection_error) - off,
						"%sno MANA port has interface %s",
						off ? "; " : "", o->ifaces[k]);
		return;
	}
	for (i = 0; i < inv->nports; i++) {
		const struct mc_netdev *vf = &inv->netdev[inv->port[i].netdev];

		inv->port[i].dpdk_target = ndown == 0 || (vf->up_known && !vf->up);
	}
}

/* ------------------------------------------------------ library dirs */

static void
add_libdir(struct mc_ctx *ctx, const char *dir)
{
	struct mc_inventory *inv = &ctx->inv;
	char path[PATH_MAX], real[PATH_MAX], other[PATH_MAX];
	unsigned int i;

	if (dir[0] != '/' || mc_path(ctx->root, path, sizeof(path), "%s", dir) < 0)
		return;
	if (!mc_is_dir(path) || realpath(path, real) == NULL)
		return;
	for (i = 0; i < inv->nlibdirs; i++)
		if (realpath(inv->libdirs[i], other) != NULL && strcmp(other, real) == 0)
			return;
	if (inv->nlibdirs < MC_MAX_LIBDIRS)
		snprintf(inv->libdirs[inv->nlibdirs++], PATH_MAX, "%s", path);
}

/* Parse an ld.so.conf file (path relative to root); depth bounds includes. */
static void
parse_ld_conf(struct mc_ctx *ctx, const char *file, int depth)
{
	char path[PATH_MAX], *line = NULL;
	size_t llen = 0;
	FILE *f;

	if (depth > 4 || mc_path(ctx->root, path, sizeof(path), "%s", file) < 0)
		return;
	f = fopen(path, "re");
	if (f == NULL)
		return;
	while (getline(&line, &llen, f) != -1) {
		char *p = line, *hash = strchr(line, '#'), *tok, *save = NULL;

		if (hash != NULL)
			*hash = '\0';
		while (isspace((unsigned char)*p))
			p++;
		if (strncmp(p, "include", 7) == 0 && isspace((unsigned char)p[7])) {
			char pat[PATH_MAX];
			glob_t g;
			size_t k, rl = strlen(ctx->root);

			p += 8;
			while (isspace((unsigned char)*p))
				p++;
			p[strcspn(p, " \t\r\n")] = '\0';
			if (*p != '/' || mc_path(ctx->root, pat, sizeof(pat), "%s", p) < 0)
				continue;
			if (glob(pat, 0, NULL, &g) == 0) {
				for (k = 0; k < g.gl_pathc; k++)
					parse_ld_conf(ctx, g.gl_pathv[k] + rl, depth + 1);
				globfree(&g);
			}
			continue;
		}
		for (tok = strtok_r(p, " \t\r\n:,", &save); tok != NULL;
		     tok = strtok_r(NULL, " \t\r\n:,", &save))
			add_libdir(ctx, tok);
	}
	free(line);
	fclose(f);
}

void
mc_libdirs_scan(struct mc_ctx *ctx)
{
	static const char *const defaults[] = {
		"/lib", "/usr/lib", "/lib64", "/usr/lib64",
		"/usr/local/lib", "/usr/local/lib64",
	};
	const char *triplet = MC_MULTIARCH;
	char dir[PATH_MAX];
	size_t i;

	ctx->inv.nlibdirs = 0;
	parse_ld_conf(ctx, "/etc/ld.so.conf", 0);
	if (triplet != NULL) {
		snprintf(dir, sizeof(dir), "/lib/%s", triplet);
		add_libdir(ctx, dir);
		snprintf(dir, sizeof(dir), "/usr/lib/%s", triplet);
		add_libdir(ctx, dir);
		snprintf(dir, sizeof(dir), "/usr/local/lib/%s", triplet);
		add_libdir(ctx, dir);
	}
	for (i = 0; i < sizeof(defaults) / sizeof(defaults[0]); i++)
		add_libdir(ctx, defaults[i]);
}

/* --------------------------------------------------------- modules */

/* Module name of a path ".../mana_ib.ko.zst" with '-' spelled '_'. */
static void
module_name_of(const char *path, char *buf, size_t cap)
{
	const char *base = strrchr(path, '/');
	const char *ko;
	size_t len, i;

	base = base != NULL ? base + 1 : path;
	ko = strstr(base, ".ko");
	len = ko != NULL ? (size_t)(ko - base) : strlen(base);
	if (len >= cap)
		len = cap - 1;
	for (i = 0; i < len; i++)
		buf[i] = base[i] == '-' ? '_' : base[i];
	buf[len] = '\0';
}

/* Does a file list module name?  field_colon: the module path ends at ':'
 * (modules.dep); else at white space (modules.builtin, /proc/modules). */
static int
file_lists_module(const char *path, const char *name, bool field_colon)
{
	char *line = NULL, mod[128];
	size_t llen = 0;
	int found = 0;
	FILE *f;

	f = fopen(path, "re");
	if (f == NULL)
		return -errno;
	while (!found && getline(&line, &llen, f) != -1) {
		line[strcspn(line, field_colon ? ":\n" : " \t\n")] = '\0';
		module_name_of(line, mod, sizeof(mod));
		found = strcmp(mod, name) == 0;
	}
	free(line);
	fclose(f);
	return found;
}

/* Directory the kernel registers when a driver is in the running kernel
 * (loaded or built in).  mana_ib's auxiliary driver is named after its
 * module [inferred from auxiliary_driver_register() naming]. */
static const char *
driver_dir_of(const char *name)
{
	static const struct {
		const char *mod, *dir;
	} map[] = {
		{ "mana", "/sys/bus/pci/drivers/mana" },
		{ "mana_ib", "/sys/bus/auxiliary/drivers/mana_ib" },
		{ "ib_uverbs", "/sys/class/infiniband_verbs" },
		{ "mlx4_core", "/sys/bus/pci/drivers/mlx4_core" },
		{ "mlx5_core", "/sys/bus/pci/drivers/mlx5_core" },
	};
	size_t i;

	for (i = 0; i < sizeof(map) / sizeof(map[0]); i++)
		if (strcmp(map[i].mod, name) == 0)
			return map[i].dir;
	return NULL;
}

/* <root>/lib/modules/<release>/<file> (or /usr/lib/modules). */
static int
modules_file(const struct mc_ctx *ctx, const char *file, char *path, size_t len)
{
	if (!ctx->inv.release_known)
		return -ENOENT;
	if (mc_path(ctx->root, path, len, "/lib/modules/%s/%s",
		    ctx->inv.release, file) == 0 && mc_exists(path))
		return 0;
	if (mc_path(ctx->root, path, len, "/usr/lib/modules/%s/%s",
		    ctx->inv.release, file) == 0 && mc_exists(path))
		return 0;
	return -ENOENT;
}

struct mc_module_state
mc_module_state(const struct mc_ctx *ctx, const char *name)
{
	struct mc_module_state st = { false, false, false };
	char path[PATH_MAX];
	const char *ddir;
	bool sysmod = false;

	if (mc_path(ctx->root, path, sizeof(path), "/proc/modules") == 0)
		st.loaded = file_lists_module(path, name, false) > 0;
	if (mc_path(ctx->root, path, sizeof(path), "/sys/module/%s", name) == 0)
		sysmod = mc_is_dir(path);
	if (modules_file(ctx, "modules.builtin", path, sizeof(path)) == 0)
		st.builtin = file_lists_module(path, name, false) > 0;
	/* /sys/module/<name> or the registered driver without an entry in
	 * /proc/modules: built in. */
	if (!st.loaded && sysmod)
		st.builtin = true;
	ddir = driver_dir_of(name);
	if (!st.loaded && ddir != NULL &&
	    mc_path(ctx->root, path, sizeof(path), "%s", ddir) == 0 && mc_is_dir(path))
		st.builtin = true;
	if (modules_file(ctx, "modules.dep", path, sizeof(path)) == 0)
		st.available = file_lists_module(path, name, true) > 0;
	if (st.loaded || st.builtin)
		st.available = true;
	return st;
}

static void
scan_modules(struct mc_ctx *ctx)
{
	struct mc_inventory *inv = &ctx->inv;
	char path[PATH_MAX];
	bool builtin_file, sysmod;

	inv->proc_modules = mc_path(ctx->root, path, sizeof(path), "/proc/modules") == 0 &&
			    mc_exists(path);
	inv->modules_dep = modules_file(ctx, "modules.dep", path, sizeof(path)) == 0;
	builtin_file = modules_file(ctx, "modules.builtin", path, sizeof(path)) == 0;
	sysmod = mc_path(ctx->root, path, sizeof(path), "/sys/module") == 0 &&
		 mc_is_dir(path);
	inv->modules_readable = inv->proc_modules || inv->modules_dep ||
				builtin_file || sysmod;
}

void
mc_inventory_scan(struct mc_ctx *ctx)
{
	memset(&ctx->inv, 0, sizeof(ctx->inv));
	scan_pci(ctx);
	scan_netdevs(ctx);
	scan_ibdevs(ctx);
	build_ports(ctx);
	read_release(ctx);
	read_os_release(ctx);
	scan_modules(ctx);
	read_routes(ctx);
	mc_libdirs_scan(ctx);
	mark_targets(ctx);
}
