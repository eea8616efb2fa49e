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
 * Limitation: the device sees memory, not bus writes.  Two doorbells written
 * to the same address between two scans leave only the second.  For 64-bit
 * doorbells of one queue that is harmless (tails are absolute); a driver
 * ringing several queues on one page may delay a queue until its next
 * doorbell.  Short doorbells carry increments: two short doorbells to the
 * same address between two scans lose the first increment (the queue then
 * stalls until a 64-bit doorbell re-synchronises it).  Ring each queue on its
 * own page and, in 32-bit builds, wait for the device between short
 * doorbells of one queue, or use the 64-bit form.
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
	r->fd = memfd_create("softnic-doorbells", MFD_CLOEXEC);
	if (r->fd < 0)
		goto err;
	if (ftruncate(r->fd, (off_t)len) != 0)
		goto err_fd;
	r->base = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_SHARED, r->fd, 0);
	if (r->base == MAP_FAILED)
		goto err_fd;
	r->page_used[0] = 1;
	sn_adapter_lock(a);
	if (a->revoked) {
		sn_adapter_unlock(a);
		munmap(r->base, len);
		close(r->fd);
		free(r);
		errno = EIO;
		return NULL;
	}
	r->next = a->dbrs;
	a->dbrs = r;
	sn_adapter_rebuild_lists(a);
	sn_adapter_unlock(a);
	return r;
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
	r->dead = true;
	sn_adapter_rebuild_lists(a);
	sn_adapter_unlock(a);
	munmap(r->base, (size_t)SN_DBR_PAGES * MANA_PAGE_SIZE);
	close(r->fd);
	free(r);
}

/* The memfd (the context's command fd). */
int
sn_dbr_fd(const struct sn_dbr *r)
{
	return r->fd;
}

/* The device's mapping of page 0. */
void *
sn_dbr_base(const struct sn_dbr *r)
{
	return r->base;
}

/* Allocate a queue page (lock held); 0 when all pages are in use. */
unsigned int
sn_dbr_page_alloc(struct sn_dbr *r)
{
	unsigned int p;

	for (p = 1; p < SN_DBR_PAGES; p++)
		if (!r->page_used[p]) {
			r->page_used[p] = 1;
			memset(r->base + (size_t)p * MANA_PAGE_SIZE, 0, MANA_PAGE_SIZE);
			return p;
		}
	return 0;
}

/* Return a queue page to the region (lock held). */
void
sn_dbr_page_free(struct sn_dbr *r, unsigned int page)
{
	if (page > 0 && page < SN_DBR_PAGES)
		r->page_used[page] = 0;
}

/* Revoke: no region of the adapter is scanned any more (lock held). */
void
sn_dbr_kill_all(struct sn_adapter *a)
{
	struct sn_dbr *r;

	for (r = a->dbrs; r != NULL; r = r->next)
		r->dead = true;
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

static struct sn_wq *
route_wq(struct sn_adapter *a, struct sn_dbr *r, uint32_t id, enum sn_wq_type t)
{
	struct sn_wq *wq = id < SN_MAX_QUEUE_ID ? a->wq_by_id[id] : NULL;

	if (wq == NULL || wq->type != t || wq->dbr != r) {
		a->ctr[SN_AC_DOORBELLS_IGNORED]++;
		sn_log(SN_LOG_DEBUG, "doorbell for unknown %s id %u ignored",
		       t == SN_WQ_SQ ? "SQ" : "RQ", id);
		return NULL;
	}
	a->ctr[SN_AC_DOORBELLS]++;
	wq->ctr[SN_QC_DOORBELLS]++;
	wq->port->ctr[SN_PC_DOORBELLS]++;
	return wq;
}

static struct sn_cq *
route_cq(struct sn_adapter *a, struct sn_dbr *r, uint32_t id)
{
	struct sn_cq *cq = id < SN_MAX_QUEUE_ID ? a->cq_by_id[id] : NULL;

	if (cq == NULL || cq->wq->dbr != r) {
		a->ctr[SN_AC_DOORBELLS_IGNORED]++;
		sn_log(SN_LOG_DEBUG, "doorbell for unknown CQ id %u ignored", id);
		return NULL;
	}
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

/* Scan every doorbell page in use once (lock held); returns doorbells. */
unsigned int
sn_db_scan(struct sn_adapter *a)
{
	unsigned int n = 0, i;

	for (i = 0; i < a->n_pages; i++) {
		uint8_t *pg = a->pages[i];
		struct sn_dbr *r = a->page_dbr[i];
		struct sn_wq *wq;
		struct sn_cq *cq;
		uint64_t v;
		uint32_t s;

		if ((v = take64(pg, MANA_DB_SQ)) != 0) {
			union mana_db_sq d = { .as_uint64 = v };

			n++;
			if ((wq = route_wq(a, r, d.id, SN_WQ_SQ)) != NULL)
				wq_new_tail(a, wq, d.tail_ptr);
		}
		if ((s = take32(pg, MANA_DB_SQ_SHORT)) != 0) {
			union mana_db_short_wq d = { .as_uint32 = s };

			n++;
			if ((wq = route_wq(a, r, d.id, SN_WQ_SQ)) != NULL)
				wq_new_tail(a, wq, wq->tail + d.tail_ptr_incr);
		}
		if ((v = take64(pg, MANA_DB_RQ)) != 0) {
			union mana_db_rq d = { .as_uint64 = v };

			n++;
			if ((wq = route_wq(a, r, d.id, SN_WQ_RQ)) != NULL)
				wq_new_tail(a, wq, d.tail_ptr);
		}
		if ((s = take32(pg, MANA_DB_RQ_SHORT)) != 0) {
			union mana_db_short_wq d = { .as_uint32 = s };

			n++;
			if ((wq = route_wq(a, r, d.id, SN_WQ_RQ)) != NULL)
				wq_new_tail(a, wq, wq->tail + d.tail_ptr_incr);
		}
		if ((v = take64(pg, MANA_DB_CQ)) != 0) {
			union mana_db_cq d = { .as_uint64 = v };

			n++;
			if ((cq = route_cq(a, r, d.id)) != NULL)
				sn_cq_doorbell(a, cq, d.tail_ptr, d.arm);
		}
		if ((s = take32(pg, MANA_DB_CQ_SHORT)) != 0) {
			union mana_db_short_cq d = { .as_uint32 = s };

			n++;
			if ((cq = route_cq(a, r, d.id)) != NULL)
				sn_cq_doorbell_short(a, cq, d.tail_ptr_incr, d.arm);
		}
	}
	return n;
}
