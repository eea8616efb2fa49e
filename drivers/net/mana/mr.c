/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * net_mana: memory registration (spec §1.3: MRs on the plain PD, the lkey
 * goes into every SGE, the SGE address is the process virtual address).
 *
 * Two levels:
 *  - the port registry (struct mana_mr_registry): every MR of the port,
 *    registered on demand and kept until the port stops (or the memory is
 *    freed, seen through DPDK memory events);
 *  - a per-queue cache (struct mana_mr_qcache) of MANA_MR_QCACHE_N ranges,
 *    looked up without locks by the datapath (mana_mr_lkey() in mana.h).
 *
 * What gets registered on a miss for a buffer of mbuf m:
 *  - a direct mbuf of a mempool (or an indirect mbuf attached to one):
 *    every memory chunk of that mempool (rte_mempool_mem_iter), page
 *    aligned, so one miss covers the whole pool;
 *  - an external buffer (RTE_MBUF_F_EXTERNAL) in memory registered with
 *    rte_extmem_register(): that whole external memory area;
 *  - any other external buffer: its own page-aligned range.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <rte_malloc.h>
#include <rte_memory.h>
#include <rte_mempool.h>

#include "mana.h"

/* Ports with a registry, for memory-free events. */
static TAILQ_HEAD(, mana_priv) mana_mr_ports =
	TAILQ_HEAD_INITIALIZER(mana_mr_ports);
static rte_spinlock_t mana_mr_ports_lock = RTE_SPINLOCK_INITIALIZER;
static bool mana_mr_event_cb_registered;

#define MANA_MR_EVENT_CB_NAME	"net_mana_mr"

/* Initialise an empty registry.  Returns 0 or -ENOMEM. */
int
mana_mr_registry_init(struct mana_mr_registry *reg, int socket)
{
	rte_rwlock_init(&reg->lock);
	reg->cap = 16;
	reg->n = 0;
	reg->gen = 1;
	/* libc memory: growing it must not fire DPDK memory events while
	 * the registry lock is held (see mana_mr_mem_event_cb()). */
	RTE_SET_USED(socket);
	reg->tab = calloc(reg->cap, sizeof(*reg->tab));
	return reg->tab == NULL ? -ENOMEM : 0;
}

/* Free the registry table (MRs must have been released). */
void
mana_mr_registry_free(struct mana_mr_registry *reg)
{
	free(reg->tab);
	reg->tab = NULL;
	reg->cap = 0;
	reg->n = 0;
}

/* Deregister every MR of the port (dev_stop, dev_close). */
void
mana_mr_release_all(struct mana_priv *priv)
{
	struct mana_mr_registry *reg = &priv->mr;
	uint32_t i;

	rte_rwlock_write_lock(&reg->lock);
	for (i = 0; i < reg->n; i++) {
		int ret = ibv_dereg_mr(reg->tab[i].ibv_mr);

		if (ret && !priv->removed)
			DRV_LOG(WARNING, "port %u: ibv_dereg_mr(lkey 0x%x) failed: %s",
				priv->port_id, reg->tab[i].lkey, strerror(ret));
	}
	if (reg->n)
		DRV_LOG(DEBUG, "port %u: %u MRs released", priv->port_id, reg->n);
	reg->n = 0;
	reg->gen++;
	rte_rwlock_write_unlock(&reg->lock);
}

/* Empty a per-queue cache and tie it to registry generation gen. */
void
mana_mr_qcache_flush(struct mana_mr_qcache *c, uint32_t gen)
{
	memset(c->e, 0, sizeof(c->e));
	c->next = 0;
	c->gen = gen;
}

/* Index of a registry entry covering [addr, addr + len), or -1.
 * Caller holds the lock. */
static int
mana_mr_find(const struct mana_mr_registry *reg, uintptr_t addr, size_t len)
{
	uint32_t i;

	for (i = 0; i < reg->n; i++)
		if (addr >= reg->tab[i].start && addr + len <= reg->tab[i].end)
			return (int)i;
	return -1;
}

/* Register [start, end) (page aligned) unless already covered.
 * Caller holds the write lock.  Returns 0 or a negative errno. */
static int
mana_mr_add(struct mana_priv *priv, uintptr_t start, uintptr_t end)
{
	struct mana_mr_registry *reg = &priv->mr;
	size_t pg = (size_t)sysconf(_SC_PAGESIZE);
	struct ibv_mr *mr;

	if (pg == (size_t)-1 || pg == 0)
		pg = MANA_PAGE_SIZE;
	start = RTE_ALIGN_FLOOR(start, pg);
	end = RTE_ALIGN_CEIL(end, pg);
	if (end <= start)
		return -EINVAL;
	if (mana_mr_find(reg, start, end - start) >= 0)
		return 0;
	if (priv->lim.max_mr_size && end - start > priv->lim.max_mr_size) {
		DRV_LOG(ERR, "port %u: memory range of %" PRIuPTR " bytes exceeds the device MR size limit %" PRIu64,
			priv->port_id, end - start, priv->lim.max_mr_size);
		return -E2BIG;
	}
	if (reg->n == reg->cap) {
		struct mana_mr_entry *t;

		t = realloc(reg->tab, sizeof(*t) * reg->cap * 2);
		if (t == NULL)
			return -ENOMEM;
		reg->tab = t;
		reg->cap *= 2;
	}
	mr = ibv_reg_mr(priv->ib_pd, (void *)start, end - start,
			IBV_ACCESS_LOCAL_WRITE);
	if (mr == NULL) {
		int err = errno ? errno : ENOMEM;

		DRV_LOG(ERR, "port %u: ibv_reg_mr(%p, %" PRIuPTR ") failed: %s",
			priv->port_id, (void *)start, end - start,
			strerror(err));
		return -err;
	}
	reg->tab[reg->n++] = (struct mana_mr_entry){
		.start = start,
		.end = end,
		.lkey = mr->lkey,
		.ibv_mr = mr,
	};
	DRV_LOG(DEBUG, "port %u: MR [%p, %p) lkey 0x%x", priv->port_id,
		(void *)start, (void *)end, mr->lkey);
	return 0;
}

struct mana_mr_chunk_arg {
	struct mana_priv *priv;
	int ret;
};

static void
mana_mr_chunk_cb(struct rte_mempool *mp __rte_unused, void *opaque,
		 struct rte_mempool_memhdr *memhdr, unsigned int idx __rte_unused)
{
	struct mana_mr_chunk_arg *a = opaque;
	int ret;

	if (a->ret)
		return;
	ret = mana_mr_add(a->priv, (uintptr_t)memhdr->addr,
			  (uintptr_t)memhdr->addr + memhdr->len);
	if (ret)
		a->ret = ret;
}

/* Register the memory owning the buffer of m that holds [addr, addr+len).
 * Caller holds the write lock. */
static int
mana_mr_register_owner(struct mana_priv *priv, const struct rte_mbuf *m,
		       uintptr_t addr, uint32_t len)
{
	const struct rte_mbuf *owner = m;
	int ret;

	if (RTE_MBUF_HAS_EXTBUF(m)) {
		const struct rte_memseg_list *msl =
			rte_mem_virt2memseg_list((const void *)addr);

		if (msl != NULL && msl->external)
			return mana_mr_add(priv, (uintptr_t)msl->base_va,
					   (uintptr_t)msl->base_va + msl->len);
		return mana_mr_add(priv, (uintptr_t)m->buf_addr,
				   (uintptr_t)m->buf_addr + m->buf_len);
	}
	if (RTE_MBUF_CLONED(m))
		owner = rte_mbuf_from_indirect((struct rte_mbuf *)(uintptr_t)m);
	if (owner->pool != NULL) {
		struct mana_mr_chunk_arg a = { .priv = priv, .ret = 0 };

		rte_mempool_mem_iter(owner->pool, mana_mr_chunk_cb, &a);
		if (a.ret)
			return a.ret;
		if (mana_mr_find(&priv->mr, addr, len) >= 0)
			return 0;
	}
	/* Not in its pool's chunks: register the buffer itself. */
	ret = mana_mr_add(priv, (uintptr_t)owner->buf_addr,
			  (uintptr_t)owner->buf_addr + owner->buf_len);
	if (ret == 0 && mana_mr_find(&priv->mr, addr, len) < 0)
		ret = mana_mr_add(priv, addr, addr + len);
	return ret;
}

/*
 * Cache miss of mana_mr_lkey(): look up the port registry, register the
 * owning memory if needed, put the range into the queue cache.
 * Returns 0 and *lkey, or a negative errno.
 */
int
mana_mr_lookup_slow(struct mana_mr_qcache *c, struct mana_priv *priv,
		    const struct rte_mbuf *m, uintptr_t addr, uint32_t len,
		    uint32_t *lkey)
{
	struct mana_mr_registry *reg = &priv->mr;
	struct mana_mr_entry e;
	int idx, ret = 0;

	rte_rwlock_read_lock(&reg->lock);
	idx = mana_mr_find(reg, addr, len);
	if (idx >= 0)
		e = reg->tab[idx];
	rte_rwlock_read_unlock(&reg->lock);

	if (idx < 0) {
		rte_rwlock_write_lock(&reg->lock);
		idx = mana_mr_find(reg, addr, len);
		if (idx < 0) {
			ret = mana_mr_register_owner(priv, m, addr, len);
			if (ret == 0)
				idx = mana_mr_find(reg, addr, len);
		}
		if (idx >= 0)
			e = reg->tab[idx];
		rte_rwlock_write_unlock(&reg->lock);
		if (idx < 0)
			return ret ? ret : -ENOENT;
	}
	if (c->gen != reg->gen)
		mana_mr_qcache_flush(c, reg->gen);
	c->e[c->next].start = e.start;
	c->e[c->next].end = e.end;
	c->e[c->next].lkey = e.lkey;
	c->next = (c->next + 1) % MANA_MR_QCACHE_N;
	*lkey = e.lkey;
	return 0;
}

/*
 * DPDK memory event: memory [addr, addr + len) goes back to the system;
 * every MR overlapping it is deregistered (pinned pages of freed memory
 * must not stay reachable through a stale lkey) and the queue caches are
 * invalidated through the generation counter.
 */
static void
mana_mr_mem_event_cb(enum rte_mem_event type, const void *addr, size_t len,
		     void *arg __rte_unused)
{
	uintptr_t start = (uintptr_t)addr, end = start + len;
	struct mana_priv *priv;

	if (type != RTE_MEM_EVENT_FREE)
		return;
	rte_spinlock_lock(&mana_mr_ports_lock);
	TAILQ_FOREACH(priv, &mana_mr_ports, next) {
		struct mana_mr_registry *reg = &priv->mr;
		uint32_t i = 0;
		bool changed = false;

		rte_rwlock_write_lock(&reg->lock);
		while (i < reg->n) {
			if (reg->tab[i].start < end && start < reg->tab[i].end) {
				ibv_dereg_mr(reg->tab[i].ibv_mr);
				reg->tab[i] = reg->tab[--reg->n];
				changed = true;
				continue;
			}
			i++;
		}
		if (changed)
			reg->gen++;
		rte_rwlock_write_unlock(&reg->lock);
	}
	rte_spinlock_unlock(&mana_mr_ports_lock);
}

/*
 * Add the port to the memory-event list; the DPDK callback is registered
 * with the first port.  Legacy memory mode (e.g. --no-huge) has no
 * memory events and never frees memory: that is not an error.
 */
int
mana_mr_mem_event_register(struct mana_priv *priv)
{
	rte_spinlock_lock(&mana_mr_ports_lock);
	if (!mana_mr_event_cb_registered) {
		if (rte_mem_event_callback_register(MANA_MR_EVENT_CB_NAME,
						    mana_mr_mem_event_cb,
						    NULL) == 0)
			mana_mr_event_cb_registered = true;
		else if (rte_errno != ENOTSUP)
			DRV_LOG(WARNING, "cannot register the memory event callback: %s",
				rte_strerror(rte_errno));
	}
	TAILQ_INSERT_TAIL(&mana_mr_ports, priv, next);
	rte_spinlock_unlock(&mana_mr_ports_lock);
	return 0;
}

/* Remove the port from the list; the last port drops the callback. */
void
mana_mr_mem_event_unregister(struct mana_priv *priv)
{
	struct mana_priv *p;
	bool registered;

	rte_spinlock_lock(&mana_mr_ports_lock);
	registered = false;
	TAILQ_FOREACH(p, &mana_mr_ports, next) {
		if (p == priv) {
			registered = true;
			break;
		}
	}
	if (registered)
		TAILQ_REMOVE(&mana_mr_ports, priv, next);
	if (TAILQ_EMPTY(&mana_mr_ports) && mana_mr_event_cb_registered) {
		rte_mem_event_callback_unregister(MANA_MR_EVENT_CB_NAME, NULL);
		mana_mr_event_cb_registered = false;
	}
	rte_spinlock_unlock(&mana_mr_ports_lock);
}
