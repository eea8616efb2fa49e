/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Soft-NIC adapters: creation from the configuration, the device thread,
 * queue ids, async event listeners, revoke/restore (spec §9), link state
 * and MTU per port (spec §8).
 *
 * Device thread: one per adapter.  Each iteration, under the adapter lock,
 * it scans every doorbell page in use (doorbell.c), processes the SQs that
 * have WQEs between their hardware position and doorbell tail (tx.c),
 * takes up to SN_RX_BURST frames from each port's wire that has RX
 * steering and has seen an RQ doorbell since (rx.c) and finally writes every open coalesced RX CQE (the
 * coalescing "timeout" is one iteration).  While iterations find work the
 * thread busy-polls; after SN_IDLE_SPINS idle iterations it sleeps in
 * ppoll() on the wires' file descriptors with a timeout doubling from 1 µs
 * up to 1 ms, so an idle run costs little CPU.  A doorbell (a memory write)
 * is therefore noticed within at most ~1 ms after an idle period; a store
 * to a trapped doorbell page (dbtrap.c) wakes the thread through wake_fd.
 * Per frame the thread takes no lock and makes no system call (loop and
 * null wires; TAP and pcap wires need one per frame).
 */
#include <errno.h>
#include <poll.h>
#include <sys/eventfd.h>
#include <sys/prctl.h>
#include <unistd.h>
#include <sched.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "sn_dev.h"

atomic_bool sn_coalesce_on = true;

static pthread_mutex_t sn_adapters_lock = PTHREAD_MUTEX_INITIALIZER;
static struct sn_adapter *sn_adapters[SN_MAX_ADAPTERS];
static bool sn_ctl_started;

/* CLOCK_MONOTONIC in nanoseconds. */
uint64_t
sn_now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

/* Take the adapter lock on behalf of a control operation. */
void
sn_adapter_lock(struct sn_adapter *a)
{
	atomic_fetch_add(&a->ctl_waiting, 1);
	pthread_mutex_lock(&a->lock);
	atomic_fetch_sub(&a->ctl_waiting, 1);
}

/* Release the lock taken by sn_adapter_lock(). */
void
sn_adapter_unlock(struct sn_adapter *a)
{
	pthread_mutex_unlock(&a->lock);
}

/* Queue ids: 1..4095, allocated round-robin so that a re-created queue
 * (and every queue after a restore) gets a new id. */
uint32_t
sn_id_alloc(struct sn_adapter *a)
{
	unsigned int i;

	for (i = 0; i < SN_MAX_QUEUE_ID - 1; i++) {
		uint32_t id = a->next_id;

		a->next_id = a->next_id + 1 >= SN_MAX_QUEUE_ID ? 1 : a->next_id + 1;
		if (a->wq_by_id[id] == NULL && a->cq_by_id[id] == NULL)
			return id;
	}
	return 0;
}

/* Release a queue id (lock held): its table entries become empty. */
void
sn_id_free(struct sn_adapter *a, uint32_t id)
{
	if (id > 0 && id < SN_MAX_QUEUE_ID) {
		a->wq_by_id[id] = NULL;
		a->cq_by_id[id] = NULL;
	}
}

/* Rebuild the SQ list and the list of doorbell pages to scan (lock held). */
void
sn_adapter_rebuild_lists(struct sn_adapter *a)
{
	unsigned int n_sq = 0, n_pg = 0, i, p;
	struct sn_dbr *r;

	for (i = 1; i < SN_MAX_QUEUE_ID; i++)
		if (a->wq_by_id[i] != NULL && a->wq_by_id[i]->type == SN_WQ_SQ)
			n_sq++;
	for (r = a->dbrs; r != NULL; r = r->next)
		if (!r->dead)
			for (p = 0; p < SN_DBR_PAGES; p++)
				n_pg += r->page_used[p] ? 1 : 0;
	free(a->sqs);
	free(a->pages);
	free(a->page_dbr);
	free(a->page_idx);
	a->sqs = calloc(n_sq + 1, sizeof(*a->sqs));
	a->pages = calloc(n_pg + 1, sizeof(*a->pages));
	a->page_dbr = calloc(n_pg + 1, sizeof(*a->page_dbr));
	a->page_idx = calloc(n_pg + 1, sizeof(*a->page_idx));
	if (a->sqs == NULL || a->pages == NULL || a->page_dbr == NULL || a->page_idx == NULL) {
		sn_log(SN_LOG_ERR, "adapter %u: out of memory for the poll lists", a->idx);
		a->n_sqs = 0;
		a->n_pages = 0;
		return;
	}
	n_sq = 0;
	for (i = 1; i < SN_MAX_QUEUE_ID; i++)
		if (a->wq_by_id[i] != NULL && a->wq_by_id[i]->type == SN_WQ_SQ)
			a->sqs[n_sq++] = a->wq_by_id[i];
	n_pg = 0;
	for (r = a->dbrs; r != NULL; r = r->next)
		if (!r->dead)
			for (p = 0; p < SN_DBR_PAGES; p++)
				if (r->page_used[p]) {
					a->pages[n_pg] = r->dev + (size_t)p * MANA_PAGE_SIZE;
					a->page_dbr[n_pg] = r;
					a->page_idx[n_pg] = (uint16_t)p;
					n_pg++;
				}
	a->n_sqs = n_sq;
	a->n_pages = n_pg;
}

/* One iteration of the device: returns the amount of work done. */
static unsigned int
sn_device_iteration(struct sn_adapter *a)
{
	unsigned int work = 0, i;

	if (a->revoked)
		return 0;
	work += sn_db_scan(a);
	for (i = 0; i < a->n_sqs; i++) {
		struct sn_wq *sq = a->sqs[i];

		if (sq->hw != sq->tail)
			work += sn_tx_process(a, sq, SN_TX_BUDGET) + 1;
	}
	for (i = 0; i < a->num_ports; i++) {
		struct sn_port *p = &a->port[i];

		if (p->rss != NULL && p->rx_started && p->wire != NULL)
			work += sn_rx_poll(a, p);
	}
	if (a->n_open)
		sn_rx_flush_all(a);
	return work;
}

static void
sn_idle_sleep(struct sn_adapter *a, uint64_t ns)
{
	struct pollfd pfd[SN_MAX_PORTS + 2];
	struct timespec ts;
	unsigned int n = 0, i;
	bool pending;

	pthread_mutex_lock(&a->lock);
	for (i = 0; i < a->num_ports; i++) {
		struct sn_port *p = &a->port[i];
		int fd;

		if (a->revoked || p->rss == NULL || !p->rx_started || p->wire == NULL)
			continue;
		fd = sn_wire_fd(p->wire);
		if (fd >= 0) {
			pfd[n].fd = fd;
			pfd[n].events = POLLIN;
			pfd[n].revents = 0;
			n++;
		}
	}
	if (a->mtu_watch_fd >= 0) {	/* an MTU written in sysfs (mtuwatch.c) */
		pfd[n].fd = a->mtu_watch_fd;
		pfd[n].events = POLLIN;
		pfd[n].revents = 0;
		n++;
	}
	if (a->wake_fd >= 0) {		/* a trapped doorbell wakes us (dbtrap.c) */
		pfd[n].fd = a->wake_fd;
		pfd[n].events = POLLIN;
		pfd[n].revents = 0;
		n++;
	}
	/* Announce the sleep, then look once more: a trapped doorbell stored
	 * before the announcement is seen here, one stored after it writes
	 * wake_fd (both sides use sequentially consistent accesses). */
	__atomic_store_n(&a->sleeping, true, __ATOMIC_SEQ_CST);
	pending = sn_db_pending(a);
	pthread_mutex_unlock(&a->lock);
	ts.tv_sec = (time_t)(ns / 1000000000ull);
	ts.tv_nsec = (long)(ns % 1000000000ull);
	if (!pending)
		ppoll(n ? pfd : NULL, n, &ts, NULL);
	__atomic_store_n(&a->sleeping, false, __ATOMIC_SEQ_CST);
	if (a->wake_fd >= 0 && (pfd[n - 1].revents & POLLIN)) {
		uint64_t v;

		(void)!read(a->wake_fd, &v, sizeof(v));
	}
}

static void *
sn_device_thread(void *arg)
{
	struct sn_adapter *a = arg;
	unsigned int idle = 0;
	uint64_t sleep_ns = 1000;

	/* short idle sleeps should be short (default timer slack is 50 µs) */
	prctl(PR_SET_TIMERSLACK, 1000UL, 0, 0, 0);
	while (!atomic_load_explicit(&a->stop, memory_order_relaxed)) {
		unsigned int work;

		pthread_mutex_lock(&a->lock);
		work = sn_device_iteration(a);
		if (++a->mtu_watch_iter >= SN_MTU_WATCH_PERIOD || idle >= SN_IDLE_SPINS) {
			a->mtu_watch_iter = 0;
			sn_mtu_watch_sync(a);
		}
		pthread_mutex_unlock(&a->lock);
		/* let a waiting control operation in */
		while (atomic_load_explicit(&a->ctl_waiting, memory_order_relaxed))
			sched_yield();
		if (work) {
			idle = 0;
			sleep_ns = 1000;
			continue;
		}
		if (++idle < SN_IDLE_SPINS)
			continue;
		sn_idle_sleep(a, sleep_ns);
		if (sleep_ns < SN_IDLE_MAX_NS)
			sleep_ns *= 2;
		if (sleep_ns > SN_IDLE_MAX_NS)
			sleep_ns = SN_IDLE_MAX_NS;
	}
	return NULL;
}

static struct sn_adapter *
sn_adapter_create(const struct sn_config *cfg, unsigned int idx)
{
	const struct sn_adapter_config *ac = &cfg->adapter[idx];
	struct sn_adapter *a;
	unsigned int i;
	int ret;

	a = aligned_alloc(64, (sizeof(*a) + 63) & ~(size_t)63);
	if (a == NULL)
		return NULL;
	memset(a, 0, sizeof(*a));
	a->idx = idx;
	a->cfg = cfg;
	a->acfg = ac;
	pthread_mutex_init(&a->lock, NULL);
	pthread_mutex_init(&a->listen_lock, NULL);
	a->next_id = 1;
	a->next_pdn = 1;
	a->wake_fd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
	a->num_ports = ac->num_ports;
	sn_mtu_watch_open(a);
	for (i = 0; i < a->num_ports; i++) {
		struct sn_port *p = &a->port[i];

		p->idx = i;
		p->link_up = true;
		p->mtu = ac->port[i].mtu ? ac->port[i].mtu : MANA_DEFAULT_MTU;
		p->tx_vp_offset = i + 1;
		ret = sn_wire_open(ac->port[i].wire, idx, i, ac->port[i].mac, &p->wire);
		if (ret) {
			sn_log(SN_LOG_ERR, "adapter %u port %u: cannot open wire '%s': %s",
			       idx, i, ac->port[i].wire, strerror(-ret));
			p->wire = NULL;
		}
	}
	for (i = 0; i < a->num_ports; i++) {	/* loop-wire cut-through (tx.c) */
		int q = sn_wire_loop_peer(a->port[i].wire);

		a->port[i].loop_peer = q >= 0 && (unsigned int)q < a->num_ports &&
				       sn_wire_loop_peer(a->port[q].wire) >= 0 ? q : -1;
	}
	if (pthread_create(&a->thread, NULL, sn_device_thread, a) != 0) {
		sn_log(SN_LOG_ERR, "adapter %u: cannot start the device thread", idx);
		for (i = 0; i < a->num_ports; i++)
			if (a->port[i].wire)
				sn_wire_close(a->port[i].wire);
		if (a->wake_fd >= 0)
			close(a->wake_fd);
		sn_mtu_watch_close(a);
		free(a);
		return NULL;
	}
	a->thread_started = true;
	sn_log(SN_LOG_INFO, "adapter %u (%s, %s): %u ports, device thread started",
	       idx, ac->pci_addr, ac->ibdev, a->num_ports);
	return a;
}

/*
 * Adapter idx of the process configuration, created on first use together
 * with its device thread (and, for the first adapter, the control socket
 * server when the config names one).  NULL if there is no configuration,
 * idx is out of range or creation failed.
 */
struct sn_adapter *
sn_adapter_get(unsigned int idx)
{
	const struct sn_config *cfg = sn_config_get();
	struct sn_adapter *a;

	if (cfg == NULL || idx >= cfg->num_adapters || idx >= SN_MAX_ADAPTERS)
		return NULL;
	pthread_mutex_lock(&sn_adapters_lock);
	a = sn_adapters[idx];
	if (a == NULL) {
		if (!sn_ctl_started) {
			sn_ctl_started = true;
			atomic_store(&sn_coalesce_on, cfg->coalesce);
			if (cfg->ctl_path[0] != '\0' &&
			    sn_ctl_server_start(cfg->ctl_path) != 0)
				sn_log(SN_LOG_ERR, "cannot start the control server on %s",
				       cfg->ctl_path);
		}
		a = sn_adapter_create(cfg, idx);
		sn_adapters[idx] = a;
	}
	pthread_mutex_unlock(&sn_adapters_lock);
	return a;
}

/* The adapter if it already exists (used by ctl: never creates one). */
struct sn_adapter *
sn_adapter_peek(unsigned int idx)
{
	struct sn_adapter *a = NULL;

	if (idx >= SN_MAX_ADAPTERS)
		return NULL;
	pthread_mutex_lock(&sn_adapters_lock);
	a = sn_adapters[idx];
	pthread_mutex_unlock(&sn_adapters_lock);
	return a;
}

/* Number of adapters in the process configuration (0 without one). */
unsigned int
sn_adapter_count(void)
{
	const struct sn_config *cfg = sn_config_get();

	return cfg ? cfg->num_adapters : 0;
}

/* The configuration of an adapter (its ports, PCI address, IB name). */
const struct sn_adapter_config *
sn_adapter_config(struct sn_adapter *a)
{
	return a->acfg;
}

/* Generation of the adapter: incremented by every revoke (spec §9). */
uint32_t
sn_adapter_generation(struct sn_adapter *a)
{
	/* written under the lock; read without it (verbs calls check it on
	 * every call and must not wait for the busy device thread) */
	return __atomic_load_n(&a->generation, __ATOMIC_ACQUIRE);
}

/* True between a revoke and the following restore. */
bool
sn_adapter_revoked(struct sn_adapter *a)
{
	return __atomic_load_n(&a->revoked, __ATOMIC_ACQUIRE);
}

/* Link state of a 0-based port (false if out of range). */
bool
sn_port_link_up(struct sn_adapter *a, unsigned int port)
{
	if (port >= a->num_ports)
		return false;
	return __atomic_load_n(&a->port[port].link_up, __ATOMIC_RELAXED);
}

/* MTU in bytes of L3 payload of a 0-based port (0 if out of range). */
uint32_t
sn_port_mtu(struct sn_adapter *a, unsigned int port)
{
	if (port >= a->num_ports)
		return 0;
	return __atomic_load_n(&a->port[port].mtu, __ATOMIC_RELAXED);
}

/*
 * Set a port's MTU (spec §8: 68..9000 bytes).  TX frames longer than
 * MTU + 14 (+ 4 when tagged) complete with CQE_TX_MTU_DROP.  Also updates
 * <if>/mtu in the fake sysfs.  Returns 0, -EINVAL (range) or -ENODEV.
 */
int
sn_port_set_mtu(struct sn_adapter *a, unsigned int port, uint32_t mtu)
{
	if (port >= a->num_ports)
		return -ENODEV;
	if (mtu < MANA_MIN_MTU || mtu > MANA_MAX_MTU)
		return -EINVAL;
	sn_adapter_lock(a);
	__atomic_store_n(&a->port[port].mtu, mtu, __ATOMIC_RELAXED);
	sn_adapter_unlock(a);
	if (a->cfg->sysfs_root[0] != '\0')
		sn_sysfs_set_mtu(a->cfg, a->idx, port, mtu);
	return 0;
}

/*
 * Link up/down of a 0-based port (softnic-ctl "link").  Down: TX frames are
 * dropped (completed with CQE_TX_OKAY, counted tx_drop_link_down), received
 * frames are dropped (rx_drop_link_down).  Listeners get PORT_ERR /
 * PORT_ACTIVE with the 1-based port.  Returns 0 or -ENODEV.
 */
int
sn_port_set_link(struct sn_adapter *a, unsigned int port, bool up)
{
	bool changed;

	if (port >= a->num_ports)
		return -ENODEV;
	sn_adapter_lock(a);
	changed = a->port[port].link_up != up;
	__atomic_store_n(&a->port[port].link_up, up, __ATOMIC_RELAXED);
	sn_adapter_unlock(a);
	if (changed)
		sn_adapter_notify(a, up ? SN_ASYNC_PORT_ACTIVE : SN_ASYNC_PORT_ERR, port + 1);
	return 0;
}

/*
 * Register an async event listener (one per open verbs context).
 * Returns 0 or -ENOMEM.
 */
int
sn_adapter_add_listener(struct sn_adapter *a, sn_async_fn fn, void *arg)
{
	struct sn_listener *l = calloc(1, sizeof(*l));

	if (l == NULL)
		return -ENOMEM;
	l->fn = fn;
	l->arg = arg;
	pthread_mutex_lock(&a->listen_lock);
	l->next = a->listeners;
	a->listeners = l;
	pthread_mutex_unlock(&a->listen_lock);
	return 0;
}

/* Remove a listener added with the same fn and arg. */
void
sn_adapter_del_listener(struct sn_adapter *a, sn_async_fn fn, void *arg)
{
	struct sn_listener **pp, *l;

	pthread_mutex_lock(&a->listen_lock);
	for (pp = &a->listeners; (l = *pp) != NULL; pp = &l->next)
		if (l->fn == fn && l->arg == arg) {
			*pp = l->next;
			free(l);
			break;
		}
	pthread_mutex_unlock(&a->listen_lock);
}

/* Deliver an async event to every listener (port: 1-based, 0 = none). */
void
sn_adapter_notify(struct sn_adapter *a, enum sn_async_event ev, uint32_t port)
{
	struct sn_listener *l;

	pthread_mutex_lock(&a->listen_lock);
	for (l = a->listeners; l != NULL; l = l->next)
		l->fn(l->arg, ev, port);
	pthread_mutex_unlock(&a->listen_lock);
}

/*
 * Revoke the adapter's VF (spec §9): generation++, every queue object is
 * destroyed device-side (no more DMA, no CQEs, no packets), every doorbell
 * region is dead (doorbells have no effect), vPorts and MRs are released,
 * IBV_EVENT_DEVICE_FATAL goes to every listener and the PCI device leaves
 * the fake sysfs.  Returns 0 or -EALREADY.
 */
int
sn_adapter_revoke(struct sn_adapter *a)
{
	sn_adapter_lock(a);
	if (a->revoked) {
		sn_adapter_unlock(a);
		return -EALREADY;
	}
	__atomic_store_n(&a->revoked, true, __ATOMIC_RELEASE);
	__atomic_store_n(&a->generation, a->generation + 1, __ATOMIC_RELEASE);
	a->ctr[SN_AC_REVOKES]++;
	sn_queue_free_all(a);
	sn_dbr_kill_all(a);
	if (a->mr != NULL)	/* every MR of the old contexts is gone */
		memset(a->mr, 0, a->mr_cap * sizeof(*a->mr));
	sn_adapter_rebuild_lists(a);
	sn_adapter_unlock(a);
	sn_log(SN_LOG_INFO, "adapter %u revoked (generation %u)", a->idx, a->generation);
	sn_adapter_notify(a, SN_ASYNC_DEVICE_FATAL, 0);
	if (a->cfg->sysfs_root[0] != '\0')
		sn_sysfs_remove_pci(a->cfg, a->idx);
	return 0;
}

/*
 * Restore a revoked adapter: the fake sysfs is created again and new
 * contexts work (with new queue ids); contexts opened before the revoke
 * stay dead.  Returns 0 or -EALREADY if not revoked.
 */
int
sn_adapter_restore(struct sn_adapter *a)
{
	sn_adapter_lock(a);
	if (!a->revoked) {
		sn_adapter_unlock(a);
		return -EALREADY;
	}
	__atomic_store_n(&a->revoked, false, __ATOMIC_RELEASE);
	a->ctr[SN_AC_RESTORES]++;
	sn_adapter_unlock(a);
	if (a->cfg->sysfs_root[0] != '\0') {
		sn_sysfs_create(a->cfg, a->idx);
		sn_adapter_lock(a);
		sn_mtu_watch_arm(a);	/* the netdev dirs are new */
		sn_adapter_unlock(a);
	}
	sn_log(SN_LOG_INFO, "adapter %u restored", a->idx);
	return 0;
}
