/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Doorbell regions (spec §2, DESIGN.md "Doorbells").
 *
 * One region per verbs context: a memfd of SN_DBR_PAGES 4 KiB pages mapped
 * MAP_SHARED once by the device.  The memfd is the context's command fd, so
 * a libmana-style mmap(cmd_fd, offset 0, 4096) and DPDK secondary processes
 * see the same memory.  Page 0 is the context page; each SQ and RQ gets a
 * page of its own (its manadv db_page).
 *
 * The device thread scans every page in use and consumes doorbell values by
 * atomically exchanging them with 0 (queue ids are never 0, so 0 means "no
 * doorbell"):
 *   0x000 SQ, 0x400 RQ: 64-bit, tail = producer position in bytes (§2.2);
 *   0x800 CQ: 64-bit, tail = consumer head mod 8N, arm bit 63 (§2.2, §6.5);
 *   0x010 SQ, 0x410 RQ: 32-bit short form, bytes added since the previous
 *        doorbell, 12-bit queue id (§2.3);
 *   0x810 CQ short: entries consumed since the previous doorbell + arm.
 * The value's queue id selects the queue; it must belong to the same region
 * (context) and have the type the offset says, else the doorbell is ignored
 * and counted (doorbells_ignored).  The RQ wqe_cnt field is ignored (§2.2).
 *
 * The memfd is mapped twice: the device view (r->dev), which the device
 * thread scans and consumes, and the driver view (r->base), whose pages are
 * the db_page pointers handed to the driver.  The device polls memory, so
 * two values written to one address between two scans would leave only the
 * second; on hardware every MMIO write arrives.  Pages on which that can
 * happen — page 0 and any page on which a driver rings a queue it was not
 * handed out for (DPDK 22.11's net_mana rings all queues of a port on one
 * page, as §1.2 allows) — are write-protected in the driver view and every
 * store to them is emulated in order (dbtrap.c); pages used only by their
 * own queue are writable and only polled, where a lost intermediate value
 * of the same 64-bit doorbell is harmless (tails are absolute).  Without
 * traps (SOFTNIC_DB_TRAP=0, non-x86-64) two short doorbells to one address
 * between two scans lose the first increment.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "sn_dev.h"

/*
 * Create the doorbell region of a new verbs context (spec §1.2): a memfd of
 * SN_DBR_PAGES pages, mapped shared, with page 0 (context page) in use.
 * Returns NULL with errno set on failure (EIO when the adapter is revoked).
 */
struct sn_dbr *
sn_dbr_create(struct sn_adapter *a)
{
	size_t len = (size_t)SN_DBR_PAGES * MANA_PAGE_SIZE;
	struct sn_dbr *r;

	r = calloc(1, sizeof(*r));
	if (r == NULL)
		return NULL;
	r->a = a;
	r->trap_slot = -1;
	r->fd = memfd_create("softnic-doorbells", MFD_CLOEXEC);
	if (r->fd < 0)
		goto err;
	if (ftruncate(r->fd, (off_t)len) != 0)
		goto err_fd;
	r->dev = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_SHARED, r->fd, 0);
	if (r->dev == MAP_FAILED)
		goto err_fd;
	/* driver view: read-only until a page is known to be fast (dbtrap.c) */
	r->base = mmap(NULL, len, PROT_READ, MAP_SHARED, r->fd, 0);
	if (r->base == MAP_FAILED)
		goto err_dev;
	if (!sn_dbtrap_register(r)) {
		memset(r->page_state, SN_PG_FAST, sizeof(r->page_state));
		if (mprotect(r->base, len, PROT_READ | PROT_WRITE) != 0)
			goto err_base;
	}
	r->page_used[0] = 1;
	sn_adapter_lock(a);
	if (a->revoked) {
		sn_adapter_unlock(a);
		errno = EIO;
		goto err_trap;
	}
	r->next = a->dbrs;
	a->dbrs = r;
	sn_adapter_rebuild_lists(a);
	sn_adapter_unlock(a);
	return r;
err_trap:
	__atomic_store_n(&r->dead, true, __ATOMIC_RELEASE);
	sn_dbtrap_unregister(r);
err_base:
	munmap(r->base, len);
err_dev:
	munmap(r->dev, len);
err_fd:
	close(r->fd);
err:
	free(r);
	return NULL;
}

/*
 * Destroy a region (context close).  Queue objects of the context still
 * alive are destroyed with it (as the kernel does when the uverbs file
 * closes).  The application's own mappings stay valid memory.
 */
void
sn_dbr_destroy(struct sn_dbr *r)
{
	struct sn_adapter *a;
	struct sn_dbr **pp;

	if (r == NULL)
		return;
	a = r->a;
	sn_adapter_lock(a);
	for (pp = &a->dbrs; *pp != NULL; pp = &(*pp)->next)
		if (*pp == r) {
			*pp = r->next;
			break;
		}
	if (!r->dead)
		sn_queue_free_dbr(a, r);
	__atomic_store_n(&r->dead, true, __ATOMIC_RELEASE);
	sn_adapter_rebuild_lists(a);
	sn_adapter_unlock(a);
	sn_dbtrap_unregister(r);
	munmap(r->base, (size_t)SN_DBR_PAGES * MANA_PAGE_SIZE);
	munmap(r->dev, (size_t)SN_DBR_PAGES * MANA_PAGE_SIZE);
	close(r->fd);
	free(r);
}

/* The memfd (the context's command fd). */
int
sn_dbr_fd(const struct sn_dbr *r)
{
	return r->fd;
}

/* The driver's view of page 0 (the context page a libmana-style mmap of the
 * command fd at offset 0 would give). */
void *
sn_dbr_base(const struct sn_dbr *r)
{
	return r->base;
}

/* Allocate a queue page (lock held); 0 when all pages are in use.  The
 * page is zeroed and learning (dbtrap.c) until sn_dbr_page_own names its
 * queues. */
unsigned int
sn_dbr_page_alloc(struct sn_dbr *r)
{
	unsigned int p;

	for (p = 1; p < SN_DBR_PAGES; p++)
		if (!r->page_used[p]) {
			r->page_used[p] = 1;
			memset(r->dev + (size_t)p * MANA_PAGE_SIZE, 0, MANA_PAGE_SIZE);
			sn_dbtrap_set(r, p, SN_PG_LEARN);
			return p;
		}
	return 0;
}

/* Name the queues a page was handed out for (lock held): stores of their
 * doorbells on it do not make it shared (dbtrap.c). */
void
sn_dbr_page_own(struct sn_dbr *r, unsigned int page, enum sn_wq_type t,
		uint32_t wq_id, uint32_t cq_id)
{
	if (page == 0 || page >= SN_DBR_PAGES)
		return;
	__atomic_store_n(&r->owner_type[page], (uint8_t)t, __ATOMIC_RELEASE);
	__atomic_store_n(&r->owner_cq[page], cq_id, __ATOMIC_RELEASE);
	__atomic_store_n(&r->owner_wq[page], wq_id, __ATOMIC_RELEASE);
}

/* Return a queue page to the region (lock held). */
void
sn_dbr_page_free(struct sn_dbr *r, unsigned int page)
{
	if (page > 0 && page < SN_DBR_PAGES) {
		r->page_used[page] = 0;
		__atomic_store_n(&r->owner_wq[page], 0, __ATOMIC_RELEASE);
		__atomic_store_n(&r->owner_cq[page], 0, __ATOMIC_RELEASE);
		__atomic_store_n(&r->owner_type[page], 0, __ATOMIC_RELEASE);
		sn_dbtrap_set(r, page, SN_PG_LEARN);
	}
}

/* Revoke: no region of the adapter is scanned any more, trapped stores
 * have no effect (lock held). */
void
sn_dbr_kill_all(struct sn_adapter *a)
{
	struct sn_dbr *r;

	for (r = a->dbrs; r != NULL; r = r->next)
		__atomic_store_n(&r->dead, true, __ATOMIC_RELEASE);
}

static inline uint64_t
take64(uint8_t *page, uint32_t off)
{
	uint64_t *p = (uint64_t *)(page + off);

	if (__atomic_load_n(p, __ATOMIC_RELAXED) == 0)
		return 0;
	return __atomic_exchange_n(p, 0, __ATOMIC_ACQUIRE);
}

static inline uint32_t
take32(uint8_t *page, uint32_t off)
{
	uint32_t *p = (uint32_t *)(page + off);

	if (__atomic_load_n(p, __ATOMIC_RELAXED) == 0)
		return 0;
	return __atomic_exchange_n(p, 0, __ATOMIC_ACQUIRE);
}

/* A doorbell seen on page pidx of r for a queue whose own page is `own`
 * (0 = unknown queue): a fast page used for another queue's doorbells
 * becomes shared, so that its later stores are emulated (dbtrap.c). */
static inline void
db_check_page(struct sn_dbr *r, unsigned int pidx, unsigned int own)
{
	if (own != pidx && r->page_state[pidx] == SN_PG_FAST && r->trap_slot >= 0) {
		sn_log(SN_LOG_INFO, "doorbell page %u also rings queues of page %u: every "
		       "store to it is emulated from now on", pidx, own);
		sn_dbtrap_set(r, pidx, SN_PG_SHARED);
	}
}

static struct sn_wq *
route_wq(struct sn_adapter *a, struct sn_dbr *r, unsigned int pidx, uint32_t id,
	 enum sn_wq_type t)
{
	struct sn_wq *wq = id < SN_MAX_QUEUE_ID ? a->wq_by_id[id] : NULL;

	if (wq == NULL || wq->type != t || wq->dbr != r) {
		db_check_page(r, pidx, 0);
		a->ctr[SN_AC_DOORBELLS_IGNORED]++;
		sn_log(SN_LOG_DEBUG, "doorbell for unknown %s id %u ignored",
		       t == SN_WQ_SQ ? "SQ" : "RQ", id);
		return NULL;
	}
	db_check_page(r, pidx, wq->page);
	a->ctr[SN_AC_DOORBELLS]++;
	wq->ctr[SN_QC_DOORBELLS]++;
	wq->port->ctr[SN_PC_DOORBELLS]++;
	return wq;
}

static struct sn_cq *
route_cq(struct sn_adapter *a, struct sn_dbr *r, unsigned int pidx, uint32_t id)
{
	struct sn_cq *cq = id < SN_MAX_QUEUE_ID ? a->cq_by_id[id] : NULL;

	if (cq == NULL || cq->wq->dbr != r) {
		db_check_page(r, pidx, 0);
		a->ctr[SN_AC_DOORBELLS_IGNORED]++;
		sn_log(SN_LOG_DEBUG, "doorbell for unknown CQ id %u ignored", id);
		return NULL;
	}
	db_check_page(r, pidx, cq->wq->page);
	a->ctr[SN_AC_DOORBELLS]++;
	cq->wq->ctr[SN_QC_CQ_DOORBELLS]++;
	return cq;
}

static void
wq_new_tail(struct sn_adapter *a, struct sn_wq *wq, uint32_t tail)
{
	wq->tail = tail;
	if (wq->type == SN_WQ_SQ && wq->port->fault_delay_us)
		wq->db_time_ns = sn_now_ns();
	if (wq->type == SN_WQ_RQ)
		wq->port->rx_started = true;
	(void)a;
}

/* Is a doorbell value waiting on any page (lock held)?  Sequentially
 * consistent loads: see sn_idle_sleep(). */
bool
sn_db_pending(struct sn_adapter *a)
{
	static const uint32_t off64[] = { MANA_DB_SQ, MANA_DB_RQ, MANA_DB_CQ };
	static const uint32_t off32[] = { MANA_DB_SQ_SHORT, MANA_DB_RQ_SHORT, MANA_DB_CQ_SHORT };
	unsigned int i, j;

	if (a->revoked)
		return false;
	for (i = 0; i < a->n_pages; i++)
		for (j = 0; j < 3; j++)
			if (__atomic_load_n((uint64_t *)(a->pages[i] + off64[j]), __ATOMIC_SEQ_CST) ||
			    __atomic_load_n((uint32_t *)(a->pages[i] + off32[j]), __ATOMIC_SEQ_CST))
				return true;
	return false;
}

/* Scan every doorbell page in use once (lock held); returns doorbells. */
unsigned int
sn_db_scan(struct sn_adapter *a)
{
	unsigned int n = 0, i;

	for (i = 0; i < a->n_pages; i++) {
		uint8_t *pg = a->pages[i];
		struct sn_dbr *r = a->page_dbr[i];
		unsigned int pidx = a->page_idx[i];
		struct sn_wq *wq;
		struct sn_cq *cq;
		uint64_t v;
		uint32_t s;

		if ((v = take64(pg, MANA_DB_SQ)) != 0) {
			union mana_db_sq d = { .as_uint64 = v };

			n++;
			if ((wq = route_wq(a, r, pidx, d.id, SN_WQ_SQ)) != NULL)
				wq_new_tail(a, wq, d.tail_ptr);
		}
		if ((s = take32(pg, MANA_DB_SQ_SHORT)) != 0) {
			union mana_db_short_wq d = { .as_uint32 = s };

			n++;
			if ((wq = route_wq(a, r, pidx, d.id, SN_WQ_SQ)) != NULL)
				wq_new_tail(a, wq, wq->tail + d.tail_ptr_incr);
		}
		if ((v = take64(pg, MANA_DB_RQ)) != 0) {
			union mana_db_rq d = { .as_uint64 = v };

			n++;
			if ((wq = route_wq(a, r, pidx, d.id, SN_WQ_RQ)) != NULL)
				wq_new_tail(a, wq, d.tail_ptr);
		}
		if ((s = take32(pg, MANA_DB_RQ_SHORT)) != 0) {
			union mana_db_short_wq d = { .as_uint32 = s };

			n++;
			if ((wq = route_wq(a, r, pidx, d.id, SN_WQ_RQ)) != NULL)
				wq_new_tail(a, wq, wq->tail + d.tail_ptr_incr);
		}
		if ((v = take64(pg, MANA_DB_CQ)) != 0) {
			union mana_db_cq d = { .as_uint64 = v };

			n++;
			if ((cq = route_cq(a, r, pidx, d.id)) != NULL)
				sn_cq_doorbell(a, cq, d.tail_ptr, d.arm);
		}
		if ((s = take32(pg, MANA_DB_CQ_SHORT)) != 0) {
			union mana_db_short_cq d = { .as_uint32 = s };

			n++;
			if ((cq = route_cq(a, r, pidx, d.id)) != NULL)
				sn_cq_doorbell_short(a, cq, d.tail_ptr_incr, d.arm);
		}
	}
	return n;
}
