/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * mana-check: readiness checker for a DPDK data plane on the Microsoft Azure
 * Network Adapter (MANA) in an Azure Linux VM.  Internal interface shared by
 * the files of app/mana-check/ and by the tests in tests/mana-check/.
 *
 * Every file the checker reads is read under a root directory (--root DIR,
 * default "/"): sysfs as <root>/sys, procfs as <root>/proc, kernel modules
 * under <root>/lib/modules, udev rules, /etc, and the library directories
 * used to detect rdma-core and DPDK.  What is not a file (ethtool statistics,
 * interface counters, the measurement window of --traffic) goes through
 * struct mc_sys_ops, with a real implementation (ioctl/getifaddrs/sleep) and
 * a fixture implementation reading <root>/fixture/ (see mc_sys.c).
 *
 * The list of checks, their statuses and sources of truth are documented in
 * doc/mana-check.md.
 */
#ifndef MANA_CHECK_MC_H
#define MANA_CHECK_MC_H

#include <limits.h>
#include <net/if.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define MC_VERSION		"0.1.0"
#define MC_JSON_SCHEMA		1

/* PCI identity (spec/mana-hw.md §1.1). */
#define MC_PCI_VENDOR_MICROSOFT	0x1414
#define MC_PCI_DEVICE_MANA_PF	0x00b9
#define MC_PCI_DEVICE_MANA_VF	0x00ba
#define MC_PCI_VENDOR_MELLANOX	0x15b3
/* PCI class code, base class 0x02 (network) sub-class 0x00 (Ethernet). */
#define MC_PCI_CLASS_ETHERNET	0x0200

/* Thresholds (issue 5; spec/mana-hw.md version table). */
#define MC_KERNEL_MANA_MAJOR	5	/* mana Ethernet driver from 5.15 */
#define MC_KERNEL_MANA_MINOR	15
#define MC_KERNEL_MANA_IB_MAJOR	6	/* mana_ib from 6.2 (K6.2) */
#define MC_KERNEL_MANA_IB_MINOR	2
#define MC_RDMA_CORE_MIN	44	/* first rdma-core with libmana (rc44) */
#define MC_DPDK_MIN_YEAR	22	/* net/mana first released in 22.11 */
#define MC_DPDK_MIN_MONTH	11
#define MC_DPDK_MIN_ABI		23	/* librte_*.so.23 = DPDK 22.11 */

#define MC_MAX_PCI		64
#define MC_MAX_NETDEV		128
#define MC_MAX_IBDEV		32
#define MC_MAX_PORTS		64
#define MC_MAX_LIBDIRS		64
#define MC_MAX_SELECT		16
#define MC_REASON_LEN		512
#define MC_DETAIL_LEN		2048

/* ------------------------------------------------------------------ */
/* Check results                                                       */
/* ------------------------------------------------------------------ */

enum mc_status {
	MC_PASS = 0,
	MC_WARN,
	MC_FAIL,
	MC_SKIP,
};

/* Identifiers of the checks, in report order. */
enum mc_check_id {
	MC_CHK_HW_MANA = 0,	/* MANA PCI function and its driver */
	MC_CHK_HW_MLX,		/* Mellanox ConnectX functions */
	MC_CHK_KERNEL_VERSION,	/* kernel release vs 5.15 / 6.2 */
	MC_CHK_KERNEL_MANA,	/* mana, mana_ib, ib_uverbs */
	MC_CHK_KERNEL_MLX,	/* mlx4_*, mlx5_* */
	MC_CHK_RDMA_DEVICES,	/* IB device per MANA function, its ports */
	MC_CHK_RDMA_NETDEV,	/* netdevs of the DPDK ports are down */
	MC_CHK_USER_RDMA_CORE,	/* libibverbs + libmana >= 44 + provider */
	MC_CHK_USER_DPDK,	/* DPDK >= 22.11 */
	MC_CHK_USER_DPDK_PMD,	/* a MANA PMD for the installed DPDK */
	MC_CHK_USER_HUGEPAGES,	/* hugepages reserved, free, mounted */
	MC_CHK_NET_PAIRING,	/* VF enslaved to its hv_netvsc netdev */
	MC_CHK_NET_TRAFFIC,	/* --traffic: VF counters move */
	MC_CHK_NET_UDEV,	/* 10-azure-unmanaged-sriov.rules */
	MC_CHK_NET_ROUTE,	/* DPDK port is not the default-route NIC */
	MC_CHK_COUNT
};

struct mc_result {
	enum mc_status status;
	/* false when the check could not look at its source of truth (file
	 * missing or unreadable): the run then cannot say "ready" (exit 2). */
	bool complete;
	char reason[MC_REASON_LEN];	/* one line */
	char fix[MC_REASON_LEN];	/* "" when PASS or nothing to do */
	char detail[MC_DETAIL_LEN];	/* extra lines, '\n' separated */
};

/* ------------------------------------------------------------------ */
/* System interface: what is not a file under --root                   */
/* ------------------------------------------------------------------ */

struct mc_stat {
	char name[32];			/* ETH_GSTRING_LEN */
	uint64_t value;
};

struct mc_sys;

struct mc_sys_ops {
	const char *name;		/* "real" or "fixture" */
	/*
	 * ethtool statistics of ifname (ETHTOOL_GSTRINGS + ETHTOOL_GSTATS,
	 * what `ethtool -S` prints).  On success *out is a malloc'ed array of
	 * *n entries (caller frees).  Returns 0 or -errno (-ENODEV no such
	 * interface, -EOPNOTSUPP driver has no statistics).
	 */
	int (*ethtool_stats)(struct mc_sys *sys, const char *ifname,
			     struct mc_stat **out, size_t *n);
	/*
	 * Interface counters (packets received and sent, all paths) of
	 * ifname.  Counters may be 32 bits wide and wrap; callers only test
	 * whether they moved.  Returns 0 or -errno.
	 */
	int (*link_stats)(struct mc_sys *sys, const char *ifname,
			  uint64_t *rx_packets, uint64_t *tx_packets);
	/* The measurement window of --traffic: seconds of wall time. */
	void (*wait)(struct mc_sys *sys, unsigned int seconds);
};

struct mc_sys {
	const struct mc_sys_ops *ops;
	char root[PATH_MAX];		/* "" for "/" */
	unsigned int phase;		/* fixture: 0 before, 1 after wait() */
};

/* The real implementation (SIOCETHTOOL, getifaddrs(3), nanosleep). */
extern const struct mc_sys_ops mc_sys_real_ops;
/*
 * The fixture implementation: ethtool statistics from
 * <root>/fixture/ethtool/<ifname>, interface counters (keys rx_packets,
 * tx_packets) from <root>/fixture/link/<ifname>; key=value lines.  wait()
 * does not sleep but moves to the "after" phase, in which the files
 * <name>.after are read instead when they exist.
 */
extern const struct mc_sys_ops mc_sys_fixture_ops;

/* Initialise sys for root ("" or "/" = live system).  The fixture
 * implementation is chosen for any other root. */
void mc_sys_init(struct mc_sys *sys, const char *root);

/* ------------------------------------------------------------------ */
/* Inventory                                                           */
/* ------------------------------------------------------------------ */

enum mc_nic_kind {
	MC_NIC_OTHER = 0,
	MC_NIC_MANA,
	MC_NIC_MLX4,
	MC_NIC_MLX5,
};

struct mc_pci_fn {
	char addr[32];			/* "7870:00:00.0" */
	unsigned int vendor, device;
	unsigned int class_code;	/* 24-bit class register */
	char driver[64];		/* bound driver, "" if none */
	enum mc_nic_kind kind;
};

struct mc_netdev {
	char name[IF_NAMESIZE];
	char mac[18];			/* lower case "xx:xx:..", "" if unknown */
	char driver[64];		/* driver of the parent device, or "" */
	char master[IF_NAMESIZE];	/* upper device ("master" link) or "" */
	bool up_known;
	bool up;			/* IFF_UP in flags, else operstate */
	int dev_port;			/* -1 if unknown */
	int pci;			/* index in mc_inventory.pci or -1 */
};

struct mc_ibdev {
	char name[64];			/* "mana_0", "manae_0", "mlx5_0" */
	int pci;			/* index in mc_inventory.pci or -1 */
	unsigned int nports;		/* entries of <ibdev>/ports, 0 if none */
	bool has_ports_dir;
	unsigned int port[MC_MAX_PORTS];	/* port numbers (1-based) */
};

/* One MANA Ethernet port (vPort): a netdev of a MANA PCI function. */
struct mc_port {
	int pci;			/* index in mc_inventory.pci */
	int netdev;			/* index in mc_inventory.netdev (VF) */
	int synthetic;			/* its hv_netvsc master, or -1 */
	int ibdev;			/* index in mc_inventory.ibdev or -1 */
	int ib_port;			/* dev_port + 1, or -1 */
	bool dpdk_target;		/* a DPDK run would take this port */
	bool default_route;		/* VF or its master has the default route */
};

struct mc_module_state {
	bool loaded;			/* in /proc/modules or /sys/module */
	bool builtin;			/* modules.builtin or registered driver */
	bool available;			/* .ko under /lib/modules/<release> */
};

struct mc_inventory {
	bool pci_readable;		/* <root>/sys/bus/pci/devices listed */
	unsigned int npci;
	struct mc_pci_fn pci[MC_MAX_PCI];
	unsigned int nnetdev;
	struct mc_netdev netdev[MC_MAX_NETDEV];
	unsigned int nibdev;
	struct mc_ibdev ibdev[MC_MAX_IBDEV];
	unsigned int nports;
	struct mc_port port[MC_MAX_PORTS];
	char os_name[128];		/* PRETTY_NAME of os-release, or "" */
	/* kernel */
	bool release_known;
	char release[128];		/* "6.8.0-1015-azure" */
	int kmajor, kminor;
	bool modules_readable;		/* some module source was readable */
	bool proc_modules;		/* <root>/proc/modules readable */
	bool modules_dep;		/* modules.dep readable */
	/* default route (IPv4 /proc/net/route, IPv6 /proc/net/ipv6_route) */
	bool routes_readable;
	unsigned int ndefroute;
	char defroute[8][IF_NAMESIZE];
	/* library directories (under root), de-duplicated */
	unsigned int nlibdirs;
	char libdirs[MC_MAX_LIBDIRS][PATH_MAX];
	bool selection_used;		/* --mac/--interface given */
	char selection_error[MC_REASON_LEN];
};

/* ------------------------------------------------------------------ */
/* Run context                                                         */
/* ------------------------------------------------------------------ */

struct mc_options {
	const char *root;		/* NULL or "/" = live system */
	bool json;
	bool verbose;			/* table: print detail lines too */
	unsigned int traffic_seconds;	/* 0 = no traffic check */
	unsigned int nmacs;
	char macs[MC_MAX_SELECT][18];	/* --mac, lower case */
	unsigned int nifaces;
	char ifaces[MC_MAX_SELECT][IF_NAMESIZE];	/* --interface */
	const char *plugin_dir;		/* where this project installs its PMD */
};

struct mc_ctx {
	struct mc_options opt;
	char root[PATH_MAX];		/* "" for "/" */
	struct mc_sys sys;
	struct mc_inventory inv;
	struct mc_result res[MC_CHK_COUNT];
};

/* ------------------------------------------------------------------ */
/* Files under root (mc_fs.c)                                          */
/* ------------------------------------------------------------------ */

/*
 * Format "<root><path>" into buf (len bytes).  path is printf-formatted and
 * must start with '/'.  Returns 0, or -ENAMETOOLONG (buf then holds "").
 */
int mc_path(const char *root, char *buf, size_t len, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));
/*
 * Read a small file into buf (cap bytes, NUL terminated, trailing white
 * space removed).  Returns the length in bytes, or -errno.
 */
int mc_read_str(const char *path, char *buf, size_t cap);
/* Read a file holding one number (C notation: "0x1414", "12").  Returns 0
 * or -errno (-EINVAL when it does not parse). */
int mc_read_ulong(const char *path, unsigned long *val);
/* Basename of a symbolic link's target into buf.  Returns 0 or -errno. */
int mc_read_link_base(const char *path, char *buf, size_t cap);
bool mc_exists(const char *path);
bool mc_is_dir(const char *path);
/*
 * Names in a directory, sorted, without "." and "..".  *names is a
 * malloc'ed array of malloc'ed strings, freed with mc_free_names().
 * Returns the count, or -errno.
 */
int mc_list_dir(const char *path, char ***names);
void mc_free_names(char **names, int n);
/*
 * Look up key in a file of "key=value" or "key: value" lines (sep is '='
 * or ':'; white space around the value is dropped).  Returns 0 and the
 * value in buf, -ENOENT if the key is absent, or -errno.
 */
int mc_file_key(const char *path, const char *key, char sep,
		char *buf, size_t cap);
/*
 * Parse a dotted version "44.0", "1.0.44.0", "22.11.11" into at most n
 * numbers.  Returns how many were parsed (0 when s does not start with a
 * digit).
 */
int mc_parse_version(const char *s, unsigned int *v, int n);

/* ------------------------------------------------------------------ */
/* Inventory (mc_inventory.c)                                          */
/* ------------------------------------------------------------------ */

/*
 * Fill ctx->inv from the files under ctx->root: PCI functions
 * (<root>/sys/bus/pci/devices/<addr>/{vendor,device,class,driver}), netdevs
 * (<root>/sys/class/net and <pci>/net), IB devices
 * (<root>/sys/class/infiniband), MANA ports, kernel release, default routes,
 * library directories; then mark the ports a DPDK run would take.
 */
void mc_inventory_scan(struct mc_ctx *ctx);
/* State of kernel module name (underscore spelling) from /proc/modules,
 * /sys/module, modules.builtin, registered drivers and modules.dep. */
struct mc_module_state mc_module_state(const struct mc_ctx *ctx,
				       const char *name);
/* Index of a netdev by name, or -1. */
int mc_netdev_find(const struct mc_inventory *inv, const char *name);
/* The name of a NIC kind ("MANA", "ConnectX-3 (mlx4)", ...). */
const char *mc_nic_kind_name(enum mc_nic_kind k);
/*
 * Collect the library directories (under root): those named in
 * <root>/etc/ld.so.conf (with its include globs) plus the default and
 * multiarch directories.  Directories that do not exist are left out.
 */
void mc_libdirs_scan(struct mc_ctx *ctx);

/* ------------------------------------------------------------------ */
/* Checks (mc_checks.c) and report (mc_report.c)                       */
/* ------------------------------------------------------------------ */

/* Identifier ("hw.mana") and title of a check. */
const char *mc_check_name(enum mc_check_id id);
const char *mc_check_title(enum mc_check_id id);
const char *mc_status_name(enum mc_status s);

/* Run every check, filling ctx->res.  Needs mc_inventory_scan() first. */
void mc_run_checks(struct mc_ctx *ctx);
/*
 * Exit code of a run: 1 when a check FAILed (not ready), else 2 when a
 * check could not look at its source (could not check), else 0 (ready).
 */
int mc_exit_code(const struct mc_ctx *ctx);
/* Print the table for people, or the JSON object (schema in
 * doc/mana-check.md), to stdout.  Returns 0 or -EIO. */
int mc_report_table(const struct mc_ctx *ctx);
int mc_report_json(const struct mc_ctx *ctx);

/*
 * Parse the command line into ctx->opt and set up ctx (root, sys).
 * Returns 0, 1 when --help/--version was printed, or -EINVAL after
 * printing a usage error to stderr.
 */
int mc_parse_args(struct mc_ctx *ctx, int argc, char **argv);
/* The whole program: parse, scan, check, report.  Returns the exit code
 * (0 ready, 1 not ready, 2 could not check or usage error). */
int mc_main(int argc, char **argv);

#endif /* MANA_CHECK_MC_H */
