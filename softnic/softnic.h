/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Soft-NIC internal interface: the contract between the drop-in verbs
 * libraries (softnic/verbs/), the device model (softnic/device/, with the
 * wires of softnic/wire/) and the tools (softnic/tools/).
 *
 * Ownership split:
 *  - verbs/ implements the rdma-core 44 ABI (libibverbs.so.1, libmana.so.1):
 *    object lifetimes, argument validation of libmana and the kernel
 *    (spec §1.12, profile dependent), allocator hooks, completion channels,
 *    async event fds.  It calls into the device only through this header.
 *  - device/ implements the adapter: ports (vPorts), the device thread,
 *    doorbell regions, queue objects (SQ, RQ, CQ) and their processing
 *    (spec §2-§7, §10), MR table and DMA checks, RSS, offloads, counters,
 *    fault injection, revoke/restore, the control command interpreter and
 *    its UNIX socket server.
 *  - wire/ implements the backends behind a port (loop, tap, pcap, null,
 *    gen).
 *  - host/ implements the system view: fake sysfs, control socket server.
 *  - tools/ holds softnic-run (launcher), softnic-ctl (client), softnic-demo.
 *
 * All functions return 0 or a negative errno unless stated otherwise.
 * Thread safety: every sn_* function may be called from any application
 * thread while the device thread runs; the device serialises internally.
 */
#ifndef SOFTNIC_H
#define SOFTNIC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <net/if.h>
#include <limits.h>

#include "mana_hw.h"

#define SN_MAX_ADAPTERS		4
#define SN_MAX_PORTS		8	/* vPorts per adapter */
#define SN_MAX_WIRE_SPEC	256
#define SN_MAX_FRAME		(MANA_MAX_MTU + 14 + 4)	/* + VLAN tag */

/* Environment variables set by softnic-run and read by the drop-ins. */
#define SN_ENV_CONF		"SOFTNIC_CONF"		/* path of the config file */
#define SN_ENV_LOG		"SOFTNIC_LOG"		/* error|warn|info|debug */
/* (addition) "0" turns off the exact doorbells of device/dbtrap.c. */
#define SN_ENV_DB_TRAP		"SOFTNIC_DB_TRAP"

/* ------------------------------------------------------------------ */
/* Configuration (device/config.c)                                     */
/* ------------------------------------------------------------------ */

/*
 * Device profiles (spec §1.12, DESIGN.md "Profiles").
 * SN_PROFILE_DEFAULT: rdma-core 44 libmana checks + first mana_ib kernels:
 *   256 WRs/CQEs, 30/15 SGEs, 64 queues, vendor_part_id 0,
 *   raw_packet_caps 0, coalescing on (as kernels >= 6.5).
 * SN_PROFILE_CURRENT: limits from device caps (K6.16+ Ethernet device):
 *   2048 WRs/CQEs, no libmana WR checks, vendor_part_id 2,
 *   raw_packet_caps IBV_RAW_PACKET_CAP_IP_CSUM.
 */
enum sn_profile {
	SN_PROFILE_DEFAULT = 0,
	SN_PROFILE_CURRENT = 1,
};

struct sn_limits {
	uint32_t max_qp;		/* queues per port */
	uint32_t max_qp_wr;		/* WRs per WQ (kernel check) */
	uint32_t max_cqe;		/* CQEs per CQ (kernel check) */
	uint32_t max_send_sge;		/* 30 */
	uint32_t max_recv_sge;		/* 15 */
	bool libmana_rc44_checks;	/* rc44 libmana: 256 caps, allocators for CQ */
	uint32_t vendor_part_id;	/* §1.1 */
	uint32_t raw_packet_caps;	/* §1.1 */
};

struct sn_port_config {
	uint8_t mac[6];
	uint32_t mtu;			/* bytes of L3 payload, default 1500 */
	char ifname[IF_NAMESIZE];	/* kernel netdev name shown in sysfs */
	char wire[SN_MAX_WIRE_SPEC];	/* "loop:<peer port>", "tap:<ifname>",
					 * "pcap:<in>[:<out>]", "null",
					 * "gen:<len>[:<flows>[:<count>]]" */
};

struct sn_adapter_config {
	char pci_addr[32];		/* e.g. "7870:00:00.0" */
	uint16_t pci_device_id;		/* 0x00BA (VF) or 0x00B9 (PF) */
	char ibdev[32];			/* e.g. "mana_0" */
	unsigned int num_ports;
	struct sn_port_config port[SN_MAX_PORTS];
};

struct sn_config {
	char run_dir[PATH_MAX];		/* softnic-run's private directory */
	char sysfs_root[PATH_MAX];	/* fake sysfs root ("<run_dir>/sys") */
	char ctl_path[PATH_MAX];	/* control socket path ("" = none) */
	enum sn_profile profile;
	bool coalesce;			/* CQE_RX_COALESCED_4 generation */
	int log_level;			/* 0 error .. 3 debug */
	unsigned int num_adapters;
	struct sn_adapter_config adapter[SN_MAX_ADAPTERS];
};

/* Parse a config file (key=value lines, see doc/softnic.md). */
int sn_config_load(const char *path, struct sn_config *cfg);
/* Write a config file readable by sn_config_load(). */
int sn_config_write(const char *path, const struct sn_config *cfg);
/* Fill cfg with defaults (1 adapter 7870:00:00.0, 2 ports, loop wire). */
void sn_config_defaults(struct sn_config *cfg);
/* The process-wide config, loaded once from $SOFTNIC_CONF; NULL if unset
 * or unreadable (then the drop-in reports no devices). */
const struct sn_config *sn_config_get(void);
/* Limits of a profile. */
const struct sn_limits *sn_profile_limits(enum sn_profile p);

/* Logging to stderr, filtered by the configured level. */
void sn_log(int level, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
#define SN_LOG_ERR	0
#define SN_LOG_WARN	1
#define SN_LOG_INFO	2
#define SN_LOG_DEBUG	3

/* ------------------------------------------------------------------ */
/* Fake sysfs (host/sysfs.c), also used by softnic-run                 */
/* ------------------------------------------------------------------ */

/*
 * Create the fake sysfs tree of one adapter under cfg->sysfs_root:
 *   bus/pci/devices/<pci>/{vendor,device,subsystem_vendor,subsystem_device,
 *       class,numa_node,resource,uevent,driver-> ,net/<if>/{dev_port,address,
 *       mtu,operstate}}
 *   class/infiniband/<ibdev>/device -> ../../../bus/pci/devices/<pci>
 * DPDK finds the PCI device through SYSFS_PCI_DEVICES=<root>/bus/pci/devices.
 */
int sn_sysfs_create(const struct sn_config *cfg, unsigned int adapter);
/* Remove (revoke) or re-create (restore) the adapter's PCI device dir. */
int sn_sysfs_remove_pci(const struct sn_config *cfg, unsigned int adapter);
/* Path of the IB device directory (ibv_device.ibdev_path). */
void sn_sysfs_ibdev_path(const struct sn_config *cfg, unsigned int adapter,
			 char *buf, size_t len);
/* Update <if>/mtu in sysfs (called on SIOCSIFMTU emulation). */
int sn_sysfs_set_mtu(const struct sn_config *cfg, unsigned int adapter,
		     unsigned int port, uint32_t mtu);

/* ------------------------------------------------------------------ */
/* Adapter (device/adapter.c)                                          */
/* ------------------------------------------------------------------ */

struct sn_adapter;

/* Adapter idx of the process config, created (and its device thread
 * started) on first use.  NULL if idx is out of range. */
struct sn_adapter *sn_adapter_get(unsigned int idx);
unsigned int sn_adapter_count(void);
/* (addition) The adapter if it already exists, without creating it (and
 * its device thread); NULL otherwise. */
struct sn_adapter *sn_adapter_peek(unsigned int idx);
const struct sn_adapter_config *sn_adapter_config(struct sn_adapter *a);
/* Generation: incremented by every revoke; objects created under an older
 * generation are dead (verbs calls on them fail with EIO). */
uint32_t sn_adapter_generation(struct sn_adapter *a);
bool sn_adapter_revoked(struct sn_adapter *a);
/* Port link state and MTU as the device sees them (0-based port). */
bool sn_port_link_up(struct sn_adapter *a, unsigned int port);
uint32_t sn_port_mtu(struct sn_adapter *a, unsigned int port);
int sn_port_set_mtu(struct sn_adapter *a, unsigned int port, uint32_t mtu);
/* (addition) Link up/down of a port (ctl "link"); listeners get
 * PORT_ACTIVE/PORT_ERR.  Revoke/restore as ctl "revoke"/"restore" (§9). */
int sn_port_set_link(struct sn_adapter *a, unsigned int port, bool up);
int sn_adapter_revoke(struct sn_adapter *a);
int sn_adapter_restore(struct sn_adapter *a);

/* Async event listeners (one per open context).  The callback runs on the
 * device or control thread; it must only queue the event (write a pipe). */
enum sn_async_event {
	SN_ASYNC_DEVICE_FATAL = 1,	/* IBV_EVENT_DEVICE_FATAL */
	SN_ASYNC_PORT_ACTIVE = 2,	/* IBV_EVENT_PORT_ACTIVE, arg = port+1 */
	SN_ASYNC_PORT_ERR = 3,		/* IBV_EVENT_PORT_ERR, arg = port+1 */
};
typedef void (*sn_async_fn)(void *arg, enum sn_async_event ev, uint32_t port);
int sn_adapter_add_listener(struct sn_adapter *a, sn_async_fn fn, void *arg);
void sn_adapter_del_listener(struct sn_adapter *a, sn_async_fn fn, void *arg);

/* ------------------------------------------------------------------ */
/* Doorbell region (device/doorbell.c), spec §2 and DESIGN.md          */
/* ------------------------------------------------------------------ */

/*
 * One per verbs context: a memfd ("command fd") of SN_DBR_PAGES pages,
 * mapped once.  Page 0 is the context page (what libmana maps at offset 0);
 * every SQ and RQ gets a page of its own.  The device polls every page in
 * use (SQ at 0x000/0x010, RQ at 0x400/0x410, CQ at 0x800/0x810) and routes
 * each value by the queue id it carries, so a driver ringing several queues
 * on one page works too: such pages are write-protected in the driver's
 * view and every store is emulated in order (device/dbtrap.c), so no
 * doorbell is lost, as on hardware.  The device consumes a value by
 * atomically exchanging it with 0 (ids are never 0).
 */
#define SN_DBR_PAGES		512
struct sn_dbr;
struct sn_dbr *sn_dbr_create(struct sn_adapter *a);
void sn_dbr_destroy(struct sn_dbr *r);
int sn_dbr_fd(const struct sn_dbr *r);			/* the memfd */
void *sn_dbr_base(const struct sn_dbr *r);		/* mapping, page 0 */

/* ------------------------------------------------------------------ */
/* Memory registration (device/mr.c), DMA checks                       */
/* ------------------------------------------------------------------ */

/* access: IBV_ACCESS_* bits.  lkey is unique per adapter, never 0. */
int sn_mr_register(struct sn_adapter *a, uint32_t pdn, void *addr,
		   size_t length, int access, uint32_t *lkey);
int sn_mr_deregister(struct sn_adapter *a, uint32_t lkey);
/* (addition) As sn_mr_register(), but SGE addresses of the MR are in a space
 * starting at iova (ibv_reg_mr_iova2); SGE address x is process address
 * addr + (x - iova). */
int sn_mr_register_iova(struct sn_adapter *a, uint32_t pdn, void *addr,
			size_t length, uint64_t iova, int access, uint32_t *lkey);
uint32_t sn_pd_alloc(struct sn_adapter *a);		/* returns pdn >= 1 */
/* (addition) Is [p, p + len) mapped memory of this process (what the
 * kernel's pinning checks; EFAULT otherwise)? */
bool sn_mem_mapped(const void *p, size_t len);
void sn_pd_free(struct sn_adapter *a, uint32_t pdn);

/* ------------------------------------------------------------------ */
/* Queues (device/queue.c, device/tx.c, device/rx.c, device/cq.c)      */
/* ------------------------------------------------------------------ */

/* Completion queue memory as handed over by the verbs layer. */
struct sn_cq_desc {
	void *buf;			/* zeroed ring, count * 64 bytes */
	uint32_t count;			/* N entries (need not be a power of 2) */
	void *event_arg;		/* passed back to the event callback */
	/* Called (device thread) when an armed CQ fires (spec §6.5).  NULL if
	 * the CQ has no completion channel: arming then has no effect. */
	void (*event_fn)(void *event_arg);
	/* (addition) max_wr of the WQ this CQ serves (0 = unknown): a driver
	 * keeps at most max_wr WQEs outstanding, which the CQ overflow
	 * detection uses as proof of consumption (device/cq.c). */
	uint32_t wq_max_wr;
	/* (addition) armed before the CQ existed in the device
	 * (ibv_req_notify_cq before QP creation): fire on the first CQE. */
	bool armed;
};

/* (addition) Arm a CQ for one completion event on the next CQE written
 * (ibv_req_notify_cq, spec §6.5).  -ENOENT if no such CQ. */
int sn_cq_arm(struct sn_adapter *a, uint32_t cq_id);

struct sn_sq_info {
	uint32_t sq_id;
	uint32_t cq_id;
	uint32_t tx_vp_offset;
	void *db_page;			/* page of this SQ inside the dbr */
};

/*
 * Create a hardware SQ on a vPort (spec §1.9): first SQ of a PD configures
 * the vPort for that PD (-ENODEV if another PD or the kernel netdev holds
 * it), pins ring (size bytes, power of two >= 4096) and creates the CQ
 * bound to it.  port is 0-based.  Returns a handle >= 1 in *handle.
 */
int sn_sq_create(struct sn_adapter *a, struct sn_dbr *r, unsigned int port,
		 uint32_t pdn, void *ring, uint32_t size,
		 const struct sn_cq_desc *cq, struct sn_sq_info *out,
		 uint32_t *handle);
int sn_sq_destroy(struct sn_adapter *a, uint32_t handle);

struct sn_rq_desc {
	void *ring;
	uint32_t size;			/* bytes, power of two >= 4096 */
	struct sn_cq_desc cq;
};

struct sn_rq_info {
	uint32_t rq_id;
	uint32_t cq_id;
	void *db_page;
};

/*
 * Create the RX side of a vPort (spec §1.8): one RQ + CQ per WQ of the
 * table (n_wq = 2^k, 1..64), steering with the 64-entry table
 * (entry j = WQ[j mod n_wq]), default RX object = last WQ, RSS enabled when
 * n_wq > 1, key of 40 bytes, coalescing as configured.  The vPort must
 * already be configured for pdn by an SQ (spec §1.9 order); otherwise the
 * hardware refuses the WQ objects and this returns -EPROTO [inferred].
 */
int sn_rss_create(struct sn_adapter *a, struct sn_dbr *r, unsigned int port,
		  uint32_t pdn, unsigned int n_wq, const struct sn_rq_desc *rq,
		  const uint8_t key[MANA_RSS_KEY_SIZE], struct sn_rq_info *out,
		  uint32_t *handle);
int sn_rss_destroy(struct sn_adapter *a, uint32_t handle);

/* ------------------------------------------------------------------ */
/* Wires (softnic/wire/): what is behind a port                        */
/* ------------------------------------------------------------------ */

/*
 * A wire carries whole Ethernet frames (no FCS) to and from one port.
 * Specs: "loop:<peer port>" (frames sent by this port arrive at the peer
 * port of the same adapter; the peer may be the port itself), "tap:<ifname>"
 * (a Linux TAP interface, created if missing), "pcap:<in>[:<out>]" (RX
 * replays <in> once, TX appends to <out>, via libpcap; "-" for none),
 * "null" (TX discarded, nothing received), "gen:<len>[:<flows>[:<count>]]"
 * (traffic generator, wire/wire_gen.c: RX delivers IPv4/UDP frames of <len>
 * bytes, 60..SN_MAX_FRAME, addressed to the port's MAC, round-robin over
 * <flows> UDP source ports 1024 + i (1..65536, default 1), <count> frames
 * in total (default 0 = endless); TX discarded, counted as sent).
 * Only the device thread calls sn_wire_tx/rx (single consumer); open and
 * close happen under the adapter lock.
 */
struct sn_wire;
/* Open the wire of spec behind port `port` (0-based) of adapter `adapter`.
 * mac: the port's MAC (6 bytes, struct sn_port_config.mac; the gen wire's
 * destination address; copied).  Returns 0 and *out, or -EINVAL (malformed
 * spec, unknown kind, index out of range, NULL argument), -ENOMEM or the
 * backend's error (-EBUSY, -EPERM, -ENOENT, ...). */
int sn_wire_open(const char *spec, unsigned int adapter, unsigned int port,
		 const uint8_t mac[6], struct sn_wire **out);
void sn_wire_close(struct sn_wire *w);
/* Send one frame of len bytes.  0, or -errno if the wire dropped it. */
int sn_wire_tx(struct sn_wire *w, const void *frame, uint32_t len);
/* Receive one frame into buf (cap bytes).  Returns its length (> 0), 0 when
 * nothing is waiting, or -errno.  A frame longer than cap is truncated to
 * cap and its full length returned (so the caller sees it did not fit). */
int sn_wire_rx(struct sn_wire *w, void *buf, uint32_t cap);
/* A file descriptor that becomes readable when sn_wire_rx has a frame, for
 * the device thread's idle sleep; -1 if the wire has none (loop: frames
 * appear only through the device thread itself; pcap, gen: always ready). */
int sn_wire_fd(struct sn_wire *w);
/* Wire counters: frames/bytes handed out and taken in, frames dropped. */
struct sn_wire_stats {
	uint64_t tx_frames, tx_bytes, tx_drops;
	uint64_t rx_frames, rx_bytes;
};
void sn_wire_stats(const struct sn_wire *w, struct sn_wire_stats *st);
/* (addition) Loop-wire cut-through (device/tx.c): a frame sent on a loop
 * wire whose peer port receives and has nothing queued is delivered by the
 * device straight from the TX buffer, without the FIFO copy.
 * sn_wire_loop_peer: the port receiving w's frames if w is a loop wire,
 * else -1.  sn_wire_loop_empty: w is a loop wire with an empty FIFO.
 * sn_wire_count_passthrough: count such frames (bytes in total) as sent
 * on tx_w and received on rx_w (sn_wire_stats stay exact).  Device thread
 * only. */
int sn_wire_loop_peer(const struct sn_wire *w);
bool sn_wire_loop_empty(const struct sn_wire *w);
void sn_wire_count_passthrough(struct sn_wire *tx_w, struct sn_wire *rx_w, uint32_t frames,
			       uint64_t bytes);

/* ------------------------------------------------------------------ */
/* Control socket server (softnic/host/ctl_server.c)                   */
/* ------------------------------------------------------------------ */

/* Start a thread serving cfg->ctl_path: each connection sends one command
 * line and receives sn_ctl_exec()'s answer, then the server closes it.
 * Called once by the device when the first adapter is created. */
int sn_ctl_server_start(const char *path);
void sn_ctl_server_stop(void);

/* ------------------------------------------------------------------ */
/* Control (device/ctl.c): one text command, one text answer           */
/* ------------------------------------------------------------------ */

/*
 * Execute one control command (the softnic-ctl protocol, doc/softnic.md):
 *   revoke <adapter> | restore <adapter> | link <adapter> <port> up|down
 *   counters <adapter> [<port>] | reset-counters <adapter>
 *   fault <adapter> <port> tx-error <n> <cqe_type> | fault ... owner-corrupt
 *   fault <adapter> <port> drop <n> | fault <adapter> <port> delay <usec>
 *   coalesce on|off | status
 * The answer is written to out (NUL terminated, "ok ..." or "error: ...",
 * counters as "key=value" lines).  Returns 0 or -errno.
 */
int sn_ctl_exec(const char *cmd, char *out, size_t outlen);
/* Read one counter by name (e.g. "port0.rx_frames", "cq_overflow"); used
 * by tests.  Returns 0 and *val, or -ENOENT. */
int sn_counter_get(unsigned int adapter, const char *name, uint64_t *val);

#endif /* SOFTNIC_H */
