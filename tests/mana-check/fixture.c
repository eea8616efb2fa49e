/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Fixture trees for mana-check (see fixture.h).
 *
 * Layout follows the kernel's sysfs: a PCI function is a directory
 * sys/bus/pci/devices/<addr> with vendor/device/class files and a driver
 * link into sys/bus/pci/drivers/; its netdevs are <addr>/net/<if> with a
 * device link back to the function; sys/class/net/<if> links to the netdev
 * directory; a synthetic NIC lives under sys/devices/vmbus/<guid> whose
 * driver link names hv_netvsc; an IB device is sys/class/infiniband/<name>
 * with a device link to its PCI function.  Links are relative, so they
 * resolve inside the tree as they do in /sys.
 */
#include <errno.h>
#include <ftw.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fixture.h"

static void __attribute__((noreturn, format(printf, 1, 2)))
die(const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "fixture: ");
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fprintf(stderr, "\n");
	exit(99);
}

static void
abs_path(struct fx *f, const char *rel, char *buf, size_t len)
{
	if ((size_t)snprintf(buf, len, "%s/%s", f->root, rel) >= len)
		die("path too long: %s", rel);
}

static void
mkdir_p(const char *path)
{
	char tmp[PATH_MAX], *p;

	snprintf(tmp, sizeof(tmp), "%s", path);
	for (p = tmp + 1; *p; p++) {
		if (*p != '/')
			continue;
		*p = '\0';
		if (mkdir(tmp, 0755) < 0 && errno != EEXIST)
			die("mkdir %s: %s", tmp, strerror(errno));
		*p = '/';
	}
	if (mkdir(tmp, 0755) < 0 && errno != EEXIST)
		die("mkdir %s: %s", tmp, strerror(errno));
}

static void
mkdir_parent(const char *path)
{
	char tmp[PATH_MAX], *slash;

	snprintf(tmp, sizeof(tmp), "%s", path);
	slash = strrchr(tmp, '/');
	if (slash != NULL && slash != tmp) {
		*slash = '\0';
		mkdir_p(tmp);
	}
}

void
fx_init(struct fx *f, const char *name)
{
	const char *tmp = getenv("TMPDIR");

	snprintf(f->root, sizeof(f->root), "%s/mana-check-%s-XXXXXX",
		 tmp != NULL && tmp[0] != '\0' ? tmp : "/tmp", name);
	if (mkdtemp(f->root) == NULL)
		die("mkdtemp %s: %s", f->root, strerror(errno));
}

static int
rm_one(const char *path, const struct stat *st, int type, struct FTW *ftw)
{
	(void)st;
	(void)type;
	(void)ftw;
	return remove(path) < 0 && errno != ENOENT ? -1 : 0;
}

static void
rm_tree(const char *path)
{
	struct stat st;

	if (lstat(path, &st) < 0)
		return;
	if (!S_ISDIR(st.st_mode)) {
		if (unlink(path) < 0)
			die("unlink %s: %s", path, strerror(errno));
		return;
	}
	if (nftw(path, rm_one, 16, FTW_DEPTH | FTW_PHYS) < 0)
		die("remove %s: %s", path, strerror(errno));
}

void
fx_cleanup(struct fx *f)
{
	if (getenv("MANA_CHECK_KEEP_FIXTURES") != NULL) {
		fprintf(stderr, "fixture kept: %s\n", f->root);
		return;
	}
	rm_tree(f->root);
}

void
fx_file(struct fx *f, const char *path, const char *fmt, ...)
{
	char full[PATH_MAX];
	va_list ap;
	FILE *fp;

	abs_path(f, path, full, sizeof(full));
	mkdir_parent(full);
	rm_tree(full);
	fp = fopen(full, "w");
	if (fp == NULL)
		die("open %s: %s", full, strerror(errno));
	va_start(ap, fmt);
	vfprintf(fp, fmt, ap);
	va_end(ap);
	if (fclose(fp) != 0)
		die("write %s: %s", full, strerror(errno));
}

void
fx_link(struct fx *f, const char *path, const char *target)
{
	char full[PATH_MAX];

	abs_path(f, path, full, sizeof(full));
	mkdir_parent(full);
	rm_tree(full);
	if (symlink(target, full) < 0)
		die("symlink %s: %s", full, strerror(errno));
}

void
fx_mkdir(struct fx *f, const char *path)
{
	char full[PATH_MAX];

	abs_path(f, path, full, sizeof(full));
	mkdir_p(full);
}

void
fx_rm(struct fx *f, const char *path)
{
	char full[PATH_MAX];

	abs_path(f, path, full, sizeof(full));
	rm_tree(full);
}

/* ------------------------------------------------------- building blocks */

static const char *
module_dir(const char *name)
{
	static const struct {
		const char *mod, *dir;
	} map[] = {
		{ "mana", "drivers/net/ethernet/microsoft/mana" },
		{ "mana_ib", "drivers/infiniband/hw/mana" },
		{ "ib_uverbs", "drivers/infiniband/core" },
		{ "ib_core", "drivers/infiniband/core" },
		{ "mlx4_core", "drivers/net/ethernet/mellanox/mlx4" },
		{ "mlx4_en", "drivers/net/ethernet/mellanox/mlx4" },
		{ "mlx4_ib", "drivers/infiniband/hw/mlx4" },
		{ "mlx5_core", "drivers/net/ethernet/mellanox/mlx5/core" },
		{ "mlx5_ib", "drivers/infiniband/hw/mlx5" },
		{ "hv_netvsc", "drivers/net/hyperv" },
	};
	size_t i;

	for (i = 0; i < sizeof(map) / sizeof(map[0]); i++)
		if (strcmp(map[i].mod, name) == 0)
			return map[i].dir;
	return "drivers/misc";
}

void
fx_kernel(struct fx *f, const char *release, const char *const *loaded,
	  const char *const *modules_dep)
{
	char buf[8192], path[PATH_MAX];
	size_t off = 0;
	int i;

	fx_file(f, "proc/sys/kernel/osrelease", "%s\n", release);
	buf[0] = '\0';
	for (i = 0; loaded != NULL && loaded[i] != NULL; i++)
		off += (size_t)snprintf(buf + off, sizeof(buf) - off,
					"%s 98304 0 - Live 0x0000000000000000\n", loaded[i]);
	fx_file(f, "proc/modules", "%s", buf);
	off = 0;
	buf[0] = '\0';
	for (i = 0; modules_dep != NULL && modules_dep[i] != NULL; i++)
		off += (size_t)snprintf(buf + off, sizeof(buf) - off, "kernel/%s/%s.ko.zst:\n",
					module_dir(modules_dep[i]), modules_dep[i]);
	snprintf(path, sizeof(path), "lib/modules/%s/modules.dep", release);
	fx_file(f, path, "%s", buf);
	snprintf(path, sizeof(path), "lib/modules/%s/modules.builtin", release);
	fx_file(f, path, "kernel/drivers/net/hyperv/hv_netvsc.ko\n");
}

void
fx_pci(struct fx *f, const char *addr, unsigned int vendor, unsigned int device,
       unsigned int class_code, const char *driver)
{
	char path[PATH_MAX], target[PATH_MAX];

	snprintf(path, sizeof(path), "sys/bus/pci/devices/%s/vendor", addr);
	fx_file(f, path, "0x%04x\n", vendor);
	snprintf(path, sizeof(path), "sys/bus/pci/devices/%s/device", addr);
	fx_file(f, path, "0x%04x\n", device);
	snprintf(path, sizeof(path), "sys/bus/pci/devices/%s/class", addr);
	fx_file(f, path, "0x%06x\n", class_code);
	snprintf(path, sizeof(path), "sys/bus/pci/devices/%s/uevent", addr);
	fx_file(f, path, "%s%s%sPCI_ID=%04X:%04X\nPCI_SLOT_NAME=%s\n",
		driver ? "DRIVER=" : "", driver ? driver : "", driver ? "\n" : "",
		vendor, device, addr);
	if (driver != NULL) {
		snprintf(path, sizeof(path), "sys/bus/pci/drivers/%s", driver);
		fx_mkdir(f, path);
		snprintf(path, sizeof(path), "sys/bus/pci/devices/%s/driver", addr);
		snprintf(target, sizeof(target), "../../drivers/%s", driver);
		fx_link(f, path, target);
	}
}

static void
netdev_files(struct fx *f, const char *dir, const char *mac, bool up)
{
	char path[PATH_MAX];

	snprintf(path, sizeof(path), "%s/address", dir);
	fx_file(f, path, "%s\n", mac);
	/* flags: IFF_UP|IFF_BROADCAST|IFF_MULTICAST as the kernel shows them. */
	snprintf(path, sizeof(path), "%s/flags", dir);
	fx_file(f, path, "0x%x\n", up ? 0x1003 : 0x1002);
	snprintf(path, sizeof(path), "%s/operstate", dir);
	fx_file(f, path, "%s\n", up ? "up" : "down");
	snprintf(path, sizeof(path), "%s/mtu", dir);
	fx_file(f, path, "1500\n");
}

void
fx_pci_netdev(struct fx *f, const char *pci, const char *ifname, const char *mac,
	      int dev_port, bool up, const char *master)
{
	char dir[PATH_MAX], path[PATH_MAX + 32], target[PATH_MAX];

	snprintf(dir, sizeof(dir), "sys/bus/pci/devices/%s/net/%s", pci, ifname);
	netdev_files(f, dir, mac, up);
	snprintf(path, sizeof(path), "%s/dev_port", dir);
	fx_file(f, path, "%d\n", dev_port);
	snprintf(path, sizeof(path), "%s/device", dir);
	snprintf(target, sizeof(target), "../../../%s", pci);
	fx_link(f, path, target);
	if (master != NULL && master[0] != '\0') {
		snprintf(path, sizeof(path), "%s/master", dir);
		snprintf(target, sizeof(target), "../../../../../../class/net/%s", master);
		fx_link(f, path, target);
	}
	snprintf(path, sizeof(path), "sys/class/net/%s", ifname);
	snprintf(target, sizeof(target), "../../bus/pci/devices/%s/net/%s", pci, ifname);
	fx_link(f, path, target);
}

void
fx_synthetic(struct fx *f, const char *guid, const char *ifname, const char *mac, bool up)
{
	char dir[PATH_MAX], path[PATH_MAX + 32], target[PATH_MAX];

	snprintf(dir, sizeof(dir), "sys/devices/vmbus/%s/net/%s", guid, ifname);
	netdev_files(f, dir, mac, up);
	snprintf(path, sizeof(path), "%s/dev_port", dir);
	fx_file(f, path, "0\n");
	snprintf(path, sizeof(path), "%s/device", dir);
	snprintf(target, sizeof(target), "../../../%s", guid);
	fx_link(f, path, target);
	fx_mkdir(f, "sys/bus/vmbus/drivers/hv_netvsc");
	snprintf(path, sizeof(path), "sys/devices/vmbus/%s/driver", guid);
	fx_link(f, path, "../../../bus/vmbus/drivers/hv_netvsc");
	snprintf(path, sizeof(path), "sys/class/net/%s", ifname);
	snprintf(target, sizeof(target), "../../devices/vmbus/%s/net/%s", guid, ifname);
	fx_link(f, path, target);
}

void
fx_remove_netdev(struct fx *f, const char *ifname, const char *devdir)
{
	char path[PATH_MAX];

	snprintf(path, sizeof(path), "sys/class/net/%s", ifname);
	fx_rm(f, path);
	if (devdir != NULL)
		fx_rm(f, devdir);
}

void
fx_ibdev(struct fx *f, const char *name, const char *pci, unsigned int nports)
{
	char path[PATH_MAX], target[PATH_MAX];
	unsigned int p;

	snprintf(path, sizeof(path), "sys/class/infiniband/%s/device", name);
	snprintf(target, sizeof(target), "../../../bus/pci/devices/%s", pci);
	fx_link(f, path, target);
	snprintf(path, sizeof(path), "sys/class/infiniband/%s/node_type", name);
	fx_file(f, path, "1: CA\n");
	for (p = 1; p <= nports; p++) {
		snprintf(path, sizeof(path), "sys/class/infiniband/%s/ports/%u/state", name, p);
		fx_file(f, path, "4: ACTIVE\n");
		snprintf(path, sizeof(path), "sys/class/infiniband/%s/ports/%u/link_layer",
			 name, p);
		fx_file(f, path, "Ethernet\n");
	}
}

#define LIBDIR "usr/lib/x86_64-linux-gnu"

static void
ld_so_conf(struct fx *f)
{
	fx_file(f, "etc/ld.so.conf", "include /etc/ld.so.conf.d/*.conf\n");
	fx_file(f, "etc/ld.so.conf.d/x86_64-linux-gnu.conf",
		"# Multiarch support\n/usr/local/lib/x86_64-linux-gnu\n/lib/x86_64-linux-gnu\n"
		"/usr/lib/x86_64-linux-gnu\n");
}

void
fx_rdma_core(struct fx *f, unsigned int rc, bool with_mana)
{
	char path[PATH_MAX], target[64];

	ld_so_conf(f);
	snprintf(path, sizeof(path), LIBDIR "/libibverbs.so.1.14.%u.0", rc);
	fx_file(f, path, "ELF fixture\n");
	snprintf(target, sizeof(target), "libibverbs.so.1.14.%u.0", rc);
	fx_link(f, LIBDIR "/libibverbs.so.1", target);
	fx_file(f, LIBDIR "/libibverbs/libmlx5-rdmav34.so", "ELF fixture\n");
	fx_file(f, LIBDIR "/libibverbs/libmlx4-rdmav34.so", "ELF fixture\n");
	fx_file(f, "etc/libibverbs.d/mlx5.driver", "driver mlx5\n");
	fx_file(f, LIBDIR "/pkgconfig/libibverbs.pc", "Name: libibverbs\nVersion: 1.14.%u.0\n",
		rc);
	if (!with_mana)
		return;
	snprintf(path, sizeof(path), LIBDIR "/libmana.so.1.0.%u.0", rc);
	fx_file(f, path, "ELF fixture\n");
	snprintf(target, sizeof(target), "libmana.so.1.0.%u.0", rc);
	fx_link(f, LIBDIR "/libmana.so.1", target);
	fx_file(f, LIBDIR "/libibverbs/libmana-rdmav34.so", "ELF fixture\n");
	fx_file(f, "etc/libibverbs.d/mana.driver", "driver mana\n");
	fx_file(f, LIBDIR "/pkgconfig/libmana.pc", "Name: libmana\nVersion: 1.0.%u.0\n", rc);
}

void
fx_dpdk(struct fx *f, const char *pc_version, unsigned int abi, bool mana_pmd)
{
	char path[PATH_MAX];

	ld_so_conf(f);
	if (pc_version != NULL)
		fx_file(f, LIBDIR "/pkgconfig/libdpdk.pc", "Name: DPDK\nVersion: %s\n",
			pc_version);
	snprintf(path, sizeof(path), LIBDIR "/librte_ethdev.so.%u.0", abi);
	fx_file(f, path, "ELF fixture\n");
	snprintf(path, sizeof(path), LIBDIR "/dpdk/pmds-%u.0/librte_net_mlx5.so.%u.0", abi, abi);
	fx_file(f, path, "ELF fixture\n");
	if (mana_pmd) {
		snprintf(path, sizeof(path), LIBDIR "/dpdk/pmds-%u.0/librte_net_mana.so.%u.0",
			 abi, abi);
		fx_file(f, path, "ELF fixture\n");
	}
}

void
fx_hugepages(struct fx *f, unsigned long nr, unsigned long free_pages, bool mounted)
{
	fx_file(f, "sys/kernel/mm/hugepages/hugepages-2048kB/nr_hugepages", "%lu\n", nr);
	fx_file(f, "sys/kernel/mm/hugepages/hugepages-2048kB/free_hugepages", "%lu\n",
		free_pages);
	fx_file(f, "sys/kernel/mm/hugepages/hugepages-1048576kB/nr_hugepages", "0\n");
	fx_file(f, "sys/kernel/mm/hugepages/hugepages-1048576kB/free_hugepages", "0\n");
	fx_file(f, "proc/meminfo",
		"MemTotal:       16384000 kB\nHugePages_Total:    %lu\nHugePages_Free:     %lu\n"
		"HugePages_Rsvd:        0\nHugePages_Surp:        0\nHugepagesize:       2048 kB\n",
		nr, free_pages);
	fx_file(f, "proc/mounts", "sysfs /sys sysfs rw,nosuid 0 0\nproc /proc proc rw 0 0\n%s",
		mounted ? "hugetlbfs /dev/hugepages hugetlbfs rw,relatime,pagesize=2M 0 0\n" : "");
}

void
fx_default_route(struct fx *f, const char *ifname)
{
	fx_file(f, "proc/net/route",
		"Iface\tDestination\tGateway \tFlags\tRefCnt\tUse\tMetric\tMask\t\tMTU\tWindow\tIRTT\n"
		"%s\t00000000\t0100000A\t0003\t0\t0\t100\t00000000\t0\t0\t0\n"
		"%s\t0000000A\t00000000\t0001\t0\t0\t100\t00FFFFFF\t0\t0\t0\n", ifname, ifname);
	/* An unreachable IPv6 default on lo (RTF_REJECT) must not count. */
	fx_file(f, "proc/net/ipv6_route",
		"fe800000000000000000000000000000 40 00000000000000000000000000000000 00 "
		"00000000000000000000000000000000 00000100 00000001 00000000 00000001 %s\n"
		"00000000000000000000000000000000 00 00000000000000000000000000000000 00 "
		"00000000000000000000000000000000 ffffffff 00000001 00000000 00200200 lo\n",
		ifname);
}

void
fx_ethtool(struct fx *f, const char *ifname, bool after, unsigned long vf_rx,
	   unsigned long vf_tx)
{
	char path[PATH_MAX];

	snprintf(path, sizeof(path), "fixture/ethtool/%s%s", ifname, after ? ".after" : "");
	fx_file(f, path,
		"tx_scattered=0\ntx_no_memory=0\ntx_no_space=0\ntx_too_big=0\n"
		"vf_rx_packets=%lu\nvf_rx_bytes=%lu\nvf_tx_packets=%lu\nvf_tx_bytes=%lu\n"
		"vf_tx_dropped=0\ntx_queue_0_packets=12\nrx_queue_0_packets=40\n",
		vf_rx, vf_rx * 100, vf_tx, vf_tx * 100);
}

void
fx_link_stats(struct fx *f, const char *ifname, bool after, unsigned long rx,
	      unsigned long tx)
{
	char path[PATH_MAX];

	snprintf(path, sizeof(path), "fixture/link/%s%s", ifname, after ? ".after" : "");
	fx_file(f, path, "rx_packets=%lu\ntx_packets=%lu\n", rx, tx);
}

/*
 * The ready VM: Linux 6.5 Azure kernel with mana, mana_ib and ib_uverbs
 * loaded (mlx4/mlx5 available); one MANA VF 7870:00:00.0 bound to mana with
 * IB device mana_0 (2 ports); eth0 (management, default route, up) with its
 * VF enP30832s1 up; eth1 (data) down with its VF enP30832s1d1 down, handed
 * to DPDK; rdma-core 44 with libmana; DPDK 22.11.4 with net_mana in its
 * plugin directory; 1024 free 2 MiB hugepages on a hugetlbfs mount;
 * NetworkManager enabled with 10-azure-unmanaged-sriov.rules; ethtool
 * statistics where eth0's VF counters move with its interface counters.
 */
void
fx_ready_vm(struct fx *f)
{
	static const char *const loaded[] = {
		"mana_ib", "ib_uverbs", "ib_core", "mana", NULL,
	};
	static const char *const dep[] = {
		"mana", "mana_ib", "ib_uverbs", "ib_core", "mlx4_core", "mlx4_en", "mlx4_ib",
		"mlx5_core", "mlx5_ib", NULL,
	};

	fx_kernel(f, "6.5.0-1025-azure", loaded, dep);
	fx_pci(f, "0000:00:00.0", 0x8086, 0x7192, 0x060000, NULL);	/* host bridge */
	fx_pci(f, "7870:00:00.0", 0x1414, 0x00ba, 0x020000, "mana");
	fx_synthetic(f, "000d3a6f-0001-4d2a-9b1c-0000000000a1", "eth0", "00:0d:3a:6f:00:01",
		     true);
	fx_synthetic(f, "000d3a6f-0002-4d2a-9b1c-0000000000a2", "eth1", "00:0d:3a:6f:00:02",
		     false);
	fx_pci_netdev(f, "7870:00:00.0", "enP30832s1", "00:0d:3a:6f:00:01", 0, true, "eth0");
	fx_pci_netdev(f, "7870:00:00.0", "enP30832s1d1", "00:0d:3a:6f:00:02", 1, false,
		      "eth1");
	fx_ibdev(f, "mana_0", "7870:00:00.0", 2);
	fx_mkdir(f, "sys/class/infiniband_verbs/uverbs0");
	fx_mkdir(f, "sys/module/mana");
	fx_rdma_core(f, 44, true);
	fx_dpdk(f, "22.11.4", 23, true);
	fx_hugepages(f, 1024, 1024, true);
	fx_default_route(f, "eth0");
	fx_file(f, "usr/lib/udev/rules.d/10-azure-unmanaged-sriov.rules",
		"# fixture: keep network managers off SR-IOV VFs enslaved to hv_netvsc\n"
		"SUBSYSTEM==\"net\", ACTION==\"add|change\", DRIVERS==\"mana|mlx5_core\", "
		"ENV{NM_UNMANAGED}=\"1\"\n");
	fx_link(f, "etc/systemd/system/multi-user.target.wants/NetworkManager.service",
		"/lib/systemd/system/NetworkManager.service");
	fx_file(f, "etc/os-release", "PRETTY_NAME=\"Ubuntu 22.04.4 LTS\"\nID=ubuntu\n");
	fx_ethtool(f, "eth0", false, 1000, 900);
	fx_ethtool(f, "eth0", true, 1600, 1400);
	fx_link_stats(f, "eth0", false, 1100, 950);
	fx_link_stats(f, "eth0", true, 1710, 1460);
}
