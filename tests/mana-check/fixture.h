/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Fixture trees for mana-check: a temporary directory laid out like the root
 * of an Azure Linux VM (sysfs under sys/, procfs under proc/, /lib/modules,
 * udev rules, /etc, library directories) plus the files of mana-check's
 * fixture system interface under fixture/ (doc/mana-check.md "Fixtures").
 *
 * Every function aborts the test program with a message on an I/O error:
 * a fixture that cannot be built is a broken test, not a result.
 */
#ifndef MANA_CHECK_FIXTURE_H
#define MANA_CHECK_FIXTURE_H

#include <limits.h>
#include <stdbool.h>

struct fx {
	char root[PATH_MAX];
};

/* Create an empty tree in a new temporary directory named after name. */
void fx_init(struct fx *f, const char *name);
/* Remove the tree (kept when $MANA_CHECK_KEEP_FIXTURES is set). */
void fx_cleanup(struct fx *f);
/* Write a file (parents created); path relative to the root. */
void fx_file(struct fx *f, const char *path, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
/* Create a symbolic link path -> target (target used verbatim). */
void fx_link(struct fx *f, const char *path, const char *target);
void fx_mkdir(struct fx *f, const char *path);
/* Remove a file, link or directory tree (no error if absent). */
void fx_rm(struct fx *f, const char *path);

/* Building blocks (sysfs as the kernel lays it out, see fixture.c). */
void fx_kernel(struct fx *f, const char *release, const char *const *loaded,
	       const char *const *modules_dep);
void fx_pci(struct fx *f, const char *addr, unsigned int vendor, unsigned int device,
	    unsigned int class_code, const char *driver);
/* A netdev of PCI function pci (a VF), with class/net link; master "" none. */
void fx_pci_netdev(struct fx *f, const char *pci, const char *ifname, const char *mac,
		   int dev_port, bool up, const char *master);
/* A synthetic hv_netvsc netdev on VMBus device guid, with class/net link. */
void fx_synthetic(struct fx *f, const char *guid, const char *ifname, const char *mac,
		  bool up);
/* Remove a netdev of class/net (and its device directory). */
void fx_remove_netdev(struct fx *f, const char *ifname, const char *devdir);
/* IB device name on PCI function pci with nports ports (0: no ports dir). */
void fx_ibdev(struct fx *f, const char *name, const char *pci, unsigned int nports);
/* rdma-core libraries of version rc (e.g. 44) in usr/lib/x86_64-linux-gnu. */
void fx_rdma_core(struct fx *f, unsigned int rc, bool with_mana);
/* DPDK libraries: pc version "22.11.4", ABI 23, optional in-tree net_mana. */
void fx_dpdk(struct fx *f, const char *pc_version, unsigned int abi, bool mana_pmd);
void fx_hugepages(struct fx *f, unsigned long nr, unsigned long free_pages, bool mounted);
void fx_default_route(struct fx *f, const char *ifname);
/* Key=value statistics for mana-check's fixture system interface. */
void fx_ethtool(struct fx *f, const char *ifname, bool after, unsigned long vf_rx,
		unsigned long vf_tx);
void fx_link_stats(struct fx *f, const char *ifname, bool after, unsigned long rx,
		   unsigned long tx);

/* The ready VM every other fixture starts from (fixture.c describes it). */
void fx_ready_vm(struct fx *f);

#endif /* MANA_CHECK_FIXTURE_H */
