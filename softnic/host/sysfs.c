/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Fake sysfs: the system view through which MANA userspace drivers find the
 * soft-NIC exactly as they find a MANA VF on Azure (spec §1.1, §8).
 *
 * Tree of one adapter under cfg->sysfs_root (R):
 *
 *   R/bus/pci/devices/<pci>/            the PCI function (DPDK's PCI bus scans
 *       vendor            0x1414        R/bus/pci/devices when the environment
 *       device            0x00ba        has SYSFS_PCI_DEVICES pointing there)
 *       subsystem_vendor  0x1414
 *       subsystem_device  0x00ba
 *       class             0x020000      Ethernet controller
 *       revision, enable, numa_node (0), modalias, irq
 *       resource          13 lines "start end flags"; BAR0 = 1 MiB memory
 *       uevent            DRIVER=mana, PCI_CLASS, PCI_ID, PCI_SUBSYS_ID,
 *                         PCI_SLOT_NAME=<pci>, MODALIAS
 *       driver -> ../../drivers/mana   bound to the kernel "mana" driver, so
 *                         DPDK records kdrv = RTE_PCI_KDRV_UNKNOWN and probes
 *                         drivers without RTE_PCI_DRV_NEED_MAPPING (as for a
 *                         real MANA VF, which stays bound to the kernel)
 *       net/<ifname>/     one per port (the Ethernet netdevs of the VF)
 *           dev_port      port index, decimal (= IB port - 1, spec §1.1)
 *           dev_id        0x0
 *           address       MAC, lower-case colon hex
 *           addr_len 6, type 1 (ARPHRD_ETHER), mtu,
 *           flags 0x1002, operstate "down": the kernel netdev is down, so
 *                         its vPort is free for a userspace driver (spec
 *                         §1.9: the netdev holds the vPort while it is up),
 *                         which is how an Azure VM is set up for DPDK
 *           device -> ../../../<pci>
 *   R/bus/pci/drivers/mana/<pci> -> ../../devices/<pci>
 *   R/class/infiniband/<ibdev>/         ibv_device.ibdev_path
 *       device -> ../../../bus/pci/devices/<pci>
 *       node_type "1: CA", ports/<p>/link_layer "Ethernet" (p = 1..N)
 *
 * A PCI driver reads R/class/infiniband/<ibdev>/device/uevent (PCI_SLOT_NAME)
 * to match the IB device to the PCI device and device/net/<if>/{dev_port,
 * address} to find each port's MAC, as DPDK's net_mana does.
 *
 * Each directory is built in a staging directory under R and renamed into
 * place, so a concurrent scanner sees an adapter either completely or not at
 * all.  The IB device appears before, and disappears after, the PCI device.
 * Only the PCI function and IB device directories of the adapter are
 * removed by sn_sysfs_remove_pci(); the rest of the tree stays.
 */
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>

#include "softnic.h"

#define SYSFS_DRIVER	"mana"

/* snprintf into buf; -ENAMETOOLONG if it does not fit. */
static int __attribute__((format(printf, 3, 4)))
path_fmt(char *buf, size_t len, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(buf, len, fmt, ap);
	va_end(ap);
	if (n < 0 || (size_t)n >= len)
		return -ENAMETOOLONG;
	return 0;
}

/* mkdir -p; 0 or -errno. */
static int
mkdir_p(const char *path)
{
	char tmp[PATH_MAX];
	char *p;

	if (path_fmt(tmp, sizeof(tmp), "%s", path) < 0)
		return -ENAMETOOLONG;
	for (p = tmp + 1; *p; p++) {
		if (*p != '/')
			continue;
		*p = '\0';
		if (mkdir(tmp, 0755) < 0 && errno != EEXIST)
			return -errno;
		*p = '/';
	}
	if (mkdir(tmp, 0755) < 0 && errno != EEXIST)
		return -errno;
	return 0;
}

static int
rm_one(const char *path, const struct stat *sb, int type, struct FTW *ftw)
{
	(void)sb;
	(void)ftw;
	if (type == FTW_DP)
		return rmdir(path) < 0 ? -1 : 0;
	return unlink(path) < 0 ? -1 : 0;
}

/* rm -rf; a missing path is not an error.  0 or -errno. */
static int
rm_rf(const char *path)
{
	struct stat st;

	if (lstat(path, &st) < 0)
		return errno == ENOENT ? 0 : -errno;
	if (!S_ISDIR(st.st_mode))
		return unlink(path) < 0 ? -errno : 0;
	if (nftw(path, rm_one, 16, FTW_DEPTH | FTW_PHYS) < 0)
		return -errno;
	return 0;
}

/* Write "<dir>/<name>" with printf-formatted content.  0 or -errno. */
static int __attribute__((format(printf, 3, 4)))
write_attr(const char *dir, const char *name, const char *fmt, ...)
{
	char path[PATH_MAX];
	va_list ap;
	FILE *f;
	int ret = 0;

	if (path_fmt(path, sizeof(path), "%s/%s", dir, name) < 0)
		return -ENAMETOOLONG;
	f = fopen(path, "we");
	if (f == NULL)
		return -errno;
	va_start(ap, fmt);
	if (vfprintf(f, fmt, ap) < 0)
		ret = -EIO;
	va_end(ap);
	if (fclose(f) != 0 && ret == 0)
		ret = -errno;
	return ret;
}

static int
make_link(const char *target, const char *dir, const char *name)
{
	char path[PATH_MAX];

	if (path_fmt(path, sizeof(path), "%s/%s", dir, name) < 0)
		return -ENAMETOOLONG;
	if (symlink(target, path) < 0)
		return -errno;
	return 0;
}

/* A PCI address DPDK can parse: "<domain>:<bus>:<dev>.<fn>" in hex. */
static bool
pci_addr_ok(const char *s)
{
	unsigned int d, b, v, f;
	int n = -1;

	if (s[0] == '\0' || strchr(s, '/') != NULL || s[0] == '.')
		return false;
	if (sscanf(s, "%x:%x:%x.%x%n", &d, &b, &v, &f, &n) != 4 ||
	    n != (int)strlen(s))
		return false;
	return b <= 0xff && v <= 0x1f && f <= 7;
}

static bool
name_ok(const char *s, size_t max)
{
	size_t len = strnlen(s, max);

	return len > 0 && len < max && strchr(s, '/') == NULL &&
	       strcmp(s, ".") != 0 && strcmp(s, "..") != 0;
}

/* Check the parts of the adapter config that become file names. */
static int
check_adapter(const struct sn_config *cfg, unsigned int adapter)
{
	const struct sn_adapter_config *a;
	unsigned int p, q;

	if (cfg == NULL || adapter >= cfg->num_adapters ||
	    adapter >= SN_MAX_ADAPTERS || cfg->sysfs_root[0] != '/')
		return -EINVAL;
	a = &cfg->adapter[adapter];
	if (!pci_addr_ok(a->pci_addr)) {
		sn_log(SN_LOG_ERR, "sysfs: bad PCI address \"%s\" (expected e.g. 7870:00:00.0)\n",
		       a->pci_addr);
		return -EINVAL;
	}
	if (!name_ok(a->ibdev, sizeof(a->ibdev))) {
		sn_log(SN_LOG_ERR, "sysfs: bad IB device name \"%s\"\n", a->ibdev);
		return -EINVAL;
	}
	if (a->num_ports == 0 || a->num_ports > SN_MAX_PORTS)
		return -EINVAL;
	for (p = 0; p < a->num_ports; p++) {
		if (!name_ok(a->port[p].ifname, sizeof(a->port[p].ifname))) {
			sn_log(SN_LOG_ERR, "sysfs: bad interface name \"%s\" for port %u\n",
			       a->port[p].ifname, p);
			return -EINVAL;
		}
		for (q = 0; q < p; q++) {
			if (strcmp(a->port[p].ifname, a->port[q].ifname) == 0) {
				sn_log(SN_LOG_ERR, "sysfs: ports %u and %u share the interface name %s\n",
				       q, p, a->port[p].ifname);
				return -EINVAL;
			}
		}
	}
	return 0;
}

static int
fill_port(const char *pcidir, const struct sn_adapter_config *a,
	  unsigned int p)
{
	const struct sn_port_config *pc = &a->port[p];
	char dir[PATH_MAX];
	char target[PATH_MAX];
	int ret;

	if (path_fmt(dir, sizeof(dir), "%s/net/%s", pcidir, pc->ifname) < 0)
		return -ENAMETOOLONG;
	ret = mkdir_p(dir);
	if (ret == 0)
		ret = write_attr(dir, "dev_port", "%u\n", p);
	if (ret == 0)
		ret = write_attr(dir, "dev_id", "0x0\n");
	if (ret == 0)
		ret = write_attr(dir, "address", "%02x:%02x:%02x:%02x:%02x:%02x\n",
				 pc->mac[0], pc->mac[1], pc->mac[2],
				 pc->mac[3], pc->mac[4], pc->mac[5]);
	if (ret == 0)
		ret = write_attr(dir, "addr_len", "6\n");
	if (ret == 0)
		ret = write_attr(dir, "type", "1\n");
	if (ret == 0)
		ret = write_attr(dir, "mtu", "%u\n",
				 pc->mtu ? pc->mtu : MANA_DEFAULT_MTU);
	if (ret == 0)
		ret = write_attr(dir, "flags", "0x1002\n");	/* BROADCAST|MULTICAST, !UP */
	if (ret == 0)
		ret = write_attr(dir, "operstate", "down\n");
	if (ret == 0)
		ret = path_fmt(target, sizeof(target), "../../../%s", a->pci_addr);
	if (ret == 0)
		ret = make_link(target, dir, "device");
	return ret;
}

static int
fill_pci(const char *dir, const struct sn_adapter_config *a)
{
	unsigned int dev = a->pci_device_id ? a->pci_device_id :
			   MANA_PCI_DEVICE_ID_VF;
	char modalias[128];
	unsigned int p, i;
	FILE *f;
	char path[PATH_MAX];
	int ret;

	snprintf(modalias, sizeof(modalias),
		 "pci:v%08Xd%08Xsv%08Xsd%08Xbc02sc00i00",
		 MANA_PCI_VENDOR_ID, dev, MANA_PCI_VENDOR_ID, dev);
	ret = write_attr(dir, "vendor", "0x%04x\n", MANA_PCI_VENDOR_ID);
	if (ret == 0)
		ret = write_attr(dir, "device", "0x%04x\n", dev);
	if (ret == 0)
		ret = write_attr(dir, "subsystem_vendor", "0x%04x\n", MANA_PCI_VENDOR_ID);
	if (ret == 0)
		ret = write_attr(dir, "subsystem_device", "0x%04x\n", dev);
	if (ret == 0)
		ret = write_attr(dir, "class", "0x020000\n");
	if (ret == 0)
		ret = write_attr(dir, "revision", "0x00\n");
	if (ret == 0)
		ret = write_attr(dir, "enable", "1\n");
	if (ret == 0)
		ret = write_attr(dir, "irq", "0\n");
	if (ret == 0)
		ret = write_attr(dir, "numa_node", "0\n");
	if (ret == 0)
		ret = write_attr(dir, "modalias", "%s\n", modalias);
	if (ret == 0)
		ret = write_attr(dir, "uevent",
				 "DRIVER=%s\nPCI_CLASS=20000\nPCI_ID=%04X:%04X\n"
				 "PCI_SUBSYS_ID=%04X:%04X\nPCI_SLOT_NAME=%s\nMODALIAS=%s\n",
				 SYSFS_DRIVER, MANA_PCI_VENDOR_ID, dev,
				 MANA_PCI_VENDOR_ID, dev, a->pci_addr, modalias);
	if (ret != 0)
		return ret;

	/* resource: 6 BARs, ROM, 6 bridge windows; BAR0 is the 1 MiB memory
	 * BAR (IORESOURCE_MEM | IORESOURCE_MEM_64 | PREFETCH) holding the
	 * doorbell pages on hardware.  Nothing maps it: the driver uses the
	 * doorbell page that libmana hands over. */
	if (path_fmt(path, sizeof(path), "%s/resource", dir) < 0)
		return -ENAMETOOLONG;
	f = fopen(path, "we");
	if (f == NULL)
		return -errno;
	fprintf(f, "0x0000fc0000000000 0x0000fc00000fffff 0x000000000014220c\n");
	for (i = 1; i < 13; i++)
		fprintf(f, "0x0000000000000000 0x0000000000000000 0x0000000000000000\n");
	if (fclose(f) != 0)
		return -errno;

	ret = make_link("../../drivers/" SYSFS_DRIVER, dir, "driver");
	for (p = 0; ret == 0 && p < a->num_ports; p++)
		ret = fill_port(dir, a, p);
	return ret;
}

static int
fill_ibdev(const char *dir, const struct sn_adapter_config *a)
{
	char target[PATH_MAX];
	char pdir[PATH_MAX];
	unsigned int p;
	int ret;

	ret = path_fmt(target, sizeof(target), "../../../bus/pci/devices/%s",
		       a->pci_addr);
	if (ret == 0)
		ret = make_link(target, dir, "device");
	if (ret == 0)
		ret = write_attr(dir, "node_type", "1: CA\n");
	for (p = 0; ret == 0 && p < a->num_ports; p++) {
		ret = path_fmt(pdir, sizeof(pdir), "%s/ports/%u", dir, p + 1);
		if (ret == 0)
			ret = mkdir_p(pdir);
		if (ret == 0)
			ret = write_attr(pdir, "link_layer", "Ethernet\n");
	}
	return ret;
}

/* Name of a fresh trash path under root: old directories are renamed there
 * (outside bus/pci/devices, whose scanner would parse "<pci>.old" as a PCI
 * address) and then deleted. */
static int
trash_path(const char *root, char *buf, size_t len)
{
	static unsigned int seq;

	return path_fmt(buf, len, "%s/.trash.%d.%u", root, (int)getpid(),
			__atomic_fetch_add(&seq, 1, __ATOMIC_RELAXED));
}

/* Replace dst by the fully built directory staging (atomic appearance). */
static int
install_dir(const char *root, const char *staging, const char *dst)
{
	char old[PATH_MAX];
	int ret;

	if (trash_path(root, old, sizeof(old)) < 0)
		return -ENAMETOOLONG;
	if (rename(dst, old) == 0) {
		ret = rm_rf(old);
		if (ret < 0)
			return ret;
	} else if (errno != ENOENT) {
		return -errno;
	}
	if (rename(staging, dst) < 0)
		return -errno;
	return 0;
}

/* Remove dir so that it vanishes at once (rename, then delete). */
static int
remove_dir(const char *root, const char *dir)
{
	char old[PATH_MAX];

	if (trash_path(root, old, sizeof(old)) < 0)
		return -ENAMETOOLONG;
	if (rename(dir, old) < 0)
		return errno == ENOENT ? 0 : -errno;
	return rm_rf(old);
}

static int
build_and_install(const char *root, const char *dst,
		  int (*fill)(const char *, const struct sn_adapter_config *),
		  const struct sn_adapter_config *a)
{
	char staging[PATH_MAX];
	int ret;

	if (path_fmt(staging, sizeof(staging), "%s/.staging.XXXXXX", root) < 0)
		return -ENAMETOOLONG;
	if (mkdtemp(staging) == NULL)
		return -errno;
	if (chmod(staging, 0755) < 0) {
		ret = -errno;
		rm_rf(staging);
		return ret;
	}
	ret = fill(staging, a);
	if (ret == 0)
		ret = install_dir(root, staging, dst);
	if (ret != 0)
		rm_rf(staging);
	return ret;
}

/*
 * Create (or re-create, e.g. on restore) the fake sysfs tree of adapter
 * `adapter` under cfg->sysfs_root (layout above).  Returns 0, -EINVAL for
 * an adapter index out of range, a relative sysfs_root or names that cannot
 * be file names (PCI address, IB device, interface names, duplicate
 * interface names), -ENAMETOOLONG, or -errno of the failing file operation.
 * On failure nothing of the adapter is left half-built.
 */
int
sn_sysfs_create(const struct sn_config *cfg, unsigned int adapter)
{
	const struct sn_adapter_config *a;
	char dir[PATH_MAX], link[PATH_MAX], target[PATH_MAX];
	const char *root = cfg ? cfg->sysfs_root : NULL;
	int ret;

	ret = check_adapter(cfg, adapter);
	if (ret < 0)
		return ret;
	a = &cfg->adapter[adapter];

	if (path_fmt(dir, sizeof(dir), "%s/bus/pci/drivers/%s", root, SYSFS_DRIVER) < 0)
		return -ENAMETOOLONG;
	ret = mkdir_p(dir);
	if (ret == 0 && path_fmt(dir, sizeof(dir), "%s/bus/pci/devices", root) < 0)
		ret = -ENAMETOOLONG;
	if (ret == 0)
		ret = mkdir_p(dir);
	if (ret == 0 && path_fmt(dir, sizeof(dir), "%s/class/infiniband", root) < 0)
		ret = -ENAMETOOLONG;
	if (ret == 0)
		ret = mkdir_p(dir);
	if (ret < 0) {
		sn_log(SN_LOG_ERR, "sysfs: cannot create %s: %s\n", dir, strerror(-ret));
		return ret;
	}

	/* IB device first, so that it exists whenever the PCI device does. */
	if (path_fmt(dir, sizeof(dir), "%s/class/infiniband/%s", root, a->ibdev) < 0)
		return -ENAMETOOLONG;
	ret = build_and_install(root, dir, fill_ibdev, a);
	if (ret == 0 &&
	    path_fmt(dir, sizeof(dir), "%s/bus/pci/devices/%s", root, a->pci_addr) < 0)
		ret = -ENAMETOOLONG;
	if (ret == 0)
		ret = build_and_install(root, dir, fill_pci, a);
	if (ret == 0 &&
	    (path_fmt(link, sizeof(link), "%s/bus/pci/drivers/%s/%s", root,
		      SYSFS_DRIVER, a->pci_addr) < 0 ||
	     path_fmt(target, sizeof(target), "../../devices/%s", a->pci_addr) < 0))
		ret = -ENAMETOOLONG;
	if (ret == 0 && symlink(target, link) < 0 && errno != EEXIST)
		ret = -errno;
	if (ret < 0) {
		sn_log(SN_LOG_ERR, "sysfs: cannot create adapter %u (%s) under %s: %s\n",
		       adapter, a->pci_addr, root, strerror(-ret));
		sn_sysfs_remove_pci(cfg, adapter);
		return ret;
	}
	sn_log(SN_LOG_DEBUG, "sysfs: adapter %u: %s/bus/pci/devices/%s, ibdev %s\n",
	       adapter, root, a->pci_addr, a->ibdev);
	return 0;
}

/*
 * Remove the adapter's PCI function directory, its driver link and its IB
 * device directory (revoke, spec §9: the VF leaves the PCI bus and the IB
 * device unregisters).  sn_sysfs_create() brings them back (restore).
 * Returns 0 (also when already absent), -EINVAL, or -errno.
 */
int
sn_sysfs_remove_pci(const struct sn_config *cfg, unsigned int adapter)
{
	const struct sn_adapter_config *a;
	char path[PATH_MAX];
	int ret, ret2;

	ret = check_adapter(cfg, adapter);
	if (ret < 0)
		return ret;
	a = &cfg->adapter[adapter];

	if (path_fmt(path, sizeof(path), "%s/bus/pci/drivers/%s/%s",
		     cfg->sysfs_root, SYSFS_DRIVER, a->pci_addr) < 0)
		return -ENAMETOOLONG;
	if (unlink(path) < 0 && errno != ENOENT)
		return -errno;
	if (path_fmt(path, sizeof(path), "%s/bus/pci/devices/%s",
		     cfg->sysfs_root, a->pci_addr) < 0)
		return -ENAMETOOLONG;
	ret = remove_dir(cfg->sysfs_root, path);
	if (path_fmt(path, sizeof(path), "%s/class/infiniband/%s",
		     cfg->sysfs_root, a->ibdev) < 0)
		return -ENAMETOOLONG;
	ret2 = remove_dir(cfg->sysfs_root, path);
	return ret < 0 ? ret : ret2;
}

/*
 * Path of the adapter's IB device directory ("<root>/class/infiniband/
 * <ibdev>"), the value of ibv_device.ibdev_path.  Writes "" if the adapter
 * index is out of range.  buf receives at most len bytes, NUL terminated.
 */
void
sn_sysfs_ibdev_path(const struct sn_config *cfg, unsigned int adapter,
		    char *buf, size_t len)
{
	if (len == 0)
		return;
	if (cfg == NULL || adapter >= cfg->num_adapters ||
	    adapter >= SN_MAX_ADAPTERS) {
		buf[0] = '\0';
		return;
	}
	snprintf(buf, len, "%s/class/infiniband/%s", cfg->sysfs_root,
		 cfg->adapter[adapter].ibdev);
}

/*
 * Update net/<ifname>/mtu (bytes, decimal) of port `port` (0-based) after an
 * MTU change.  The file is replaced atomically.  Returns 0, -EINVAL (index
 * out of range), -ENOENT when the adapter is revoked (no PCI directory), or
 * -errno.
 */
int
sn_sysfs_set_mtu(const struct sn_config *cfg, unsigned int adapter,
		 unsigned int port, uint32_t mtu)
{
	const struct sn_adapter_config *a;
	char dir[PATH_MAX], tmp[PATH_MAX], dst[PATH_MAX];
	char name[64];
	int ret;

	ret = check_adapter(cfg, adapter);
	if (ret < 0)
		return ret;
	a = &cfg->adapter[adapter];
	if (port >= a->num_ports)
		return -EINVAL;
	if (path_fmt(dir, sizeof(dir), "%s/bus/pci/devices/%s/net/%s",
		     cfg->sysfs_root, a->pci_addr, a->port[port].ifname) < 0)
		return -ENAMETOOLONG;
	snprintf(name, sizeof(name), ".mtu.%d.%u", (int)getpid(), port);
	ret = write_attr(dir, name, "%u\n", mtu);
	if (ret < 0)
		return ret;
	if (path_fmt(tmp, sizeof(tmp), "%s/%s", dir, name) < 0 ||
	    path_fmt(dst, sizeof(dst), "%s/mtu", dir) < 0) {
		unlink(tmp);
		return -ENAMETOOLONG;
	}
	if (rename(tmp, dst) < 0) {
		ret = -errno;
		unlink(tmp);
		return ret;
	}
	return 0;
}
