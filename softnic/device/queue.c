/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Queue objects: send queues with their CQ (spec §1.9) and the RX side of a
 * vPort, one RQ + CQ per WQ of an RSS indirection table (spec §1.8).
 *
 * vPort ownership: the first SQ created for a PD on a port configures the
 * vPort for that PD; an SQ of another PD on the same port fails with -ENODEV
 * (spec §1.9: mana_ib turns the busy vPort into ENODEV).  The vPort is
 * released when the PD's last SQ is destroyed and no RX steering remains.
 * Each port has a fixed TX vPort offset: tx_vp_offset = port index + 1
 * (never 0, so a driver that forgets to fill it is caught).
 *
 * RX steering requires the vPort to be configured for the same PD by an SQ
 * first (spec §1.9 order); otherwise the hardware refuses the WQ objects and
 * creation fails with -EPROTO [inferred].  One RX steering per vPort: a
 * second RSS object on a port fails with -EPROTO [inferred].
 *
 * Queue ids (SQ, RQ and CQ share one id space) are 1..4095 so that 32-bit
 * short doorbells can address them; they are allocated round-robin, so ids
 * change when queues are re-created and after a restore.  Rings must be
 * powers of two >= 4096 bytes, 4 KiB aligned (the zero-offset DMA region of
 * K6.9+, -EINVAL otherwise) and mapped (-EFAULT).  A CQ ring that is not
 * zero-filled is accepted with an error log (its owner bits would confuse
 * the driver, spec §1.4).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <rte_thash.h>

#include "sn_dev.h"

static int
check_ring(void *ring, uint32_t size)
{
	if (size < MANA_MIN_RING_SIZE || (size & (size - 1)) != 0 ||
	    ((uintptr_t)ring & (MANA_PAGE_SIZE - 1)) != 0) {
		sn_log(SN_LOG_ERR, "queue ring %p of %u bytes: must be a power of two "
		       ">= 4096 bytes starting on a 4 KiB boundary", ring, size);
		return -EINVAL;
	}
	if (!sn_mem_mapped(ring, size))
		return -EFAULT;
	return 0;
}

static int
check_cq(const struct sn_cq_desc *cq)
{
	size_t len = (size_t)cq->count * MANA_CQE_SIZE, i;
	const uint64_t *w = cq->buf;

	if (cq->count == 0 || cq->buf == NULL ||
	    ((uintptr_t)cq->buf & (MANA_PAGE_SIZE - 1)) != 0) {
		sn_log(SN_LOG_ERR, "CQ ring %p of %u entries: must be non-empty and "
		       "start on a 4 KiB boundary", cq->buf, cq->count);
		return -EINVAL;
	}
	if (!sn_mem_mapped(cq->buf, len))
		return -EFAULT;
	for (i = 0; i < len / 8; i++)
		if (w[i] != 0) {
			sn_log(SN_LOG_ERR, "CQ ring %p is not zero-filled (byte %zu): "
			       "stale owner bits will look like completions (spec §1.4)",
			       cq->buf, i * 8);
			break;
		}
	return 0;
}

/* Free one WQ and its CQ (lock held); caller rebuilds the poll lists. */
void
sn_wq_free(struct sn_adapter *a, struct sn_wq *wq)
{
	unsigned int i;

	for (i = 0; i < a->n_open; i++)
		if (a->open_rqs[i] == wq) {
			a->open_rqs[i] = a->open_rqs[--a->n_open];
			break;
		}
	if (wq->id)
		sn_id_free(a, wq->id);
	if (wq->cq.id)
		sn_id_free(a, wq->cq.id);
	if (wq->page && wq->dbr)
		sn_dbr_page_free(wq->dbr, wq->page);
	sn_cq_fini(&wq->cq);
	free(wq);
}

static struct sn_wq *
wq_new(struct sn_adapter *a, struct sn_dbr *r, enum sn_wq_type t, struct sn_port *p,
       uint32_t pdn, void *ring, uint32_t size, const struct sn_cq_desc *cqd)
{
	struct sn_wq *wq = calloc(1, sizeof(*wq));
	uint32_t cq_id;

	if (wq == NULL)
		return NULL;
	wq->type = t;
	wq->ring = ring;
	wq->size = size;
	wq->mask = size - 1;
	wq->pdn = pdn;
	wq->port = p;
	wq->dbr = r;
	wq->max_wr = cqd->wq_max_wr;
	wq->id = sn_id_alloc(a);
	if (wq->id)
		a->wq_by_id[wq->id] = wq;
	cq_id = sn_id_alloc(a);
	sn_cq_init(&wq->cq, cqd, cq_id, wq);
	if (cq_id)
		a->cq_by_id[cq_id] = &wq->cq;
	wq->page = sn_dbr_page_alloc(r);
	if (!wq->id || !cq_id || !wq->page || wq->cq.rec == NULL) {
		sn_log(SN_LOG_ERR, "adapter %u: out of queue ids or doorbell pages", a->idx);
		sn_wq_free(a, wq);
		return NULL;
	}
	sn_dbr_page_own(r, wq->page, t, wq->id, cq_id);
	return wq;
}

static void
vport_release(struct sn_port *p)
{
	if (p->vport_sqs == 0 && p->rss == NULL)
		p->vport_pdn = 0;
}

/*
 * Create a hardware SQ and its CQ on a vPort (spec §1.9).  See softnic.h.
 * Returns 0, -EINVAL (port, ring), -EFAULT (ring not mapped), -ENODEV
 * (vPort held by another PD), -EPROTO (more than max_qp SQs on the port),
 * -ENOMEM (ids/pages), -EIO (revoked or dead context).
 */
int
sn_sq_create(struct sn_adapter *a, struct sn_dbr *r, unsigned int port, uint32_t pdn,
	     void *ring, uint32_t size, const struct sn_cq_desc *cq,
	     struct sn_sq_info *out, uint32_t *handle)
{
	const struct sn_limits *lim = sn_profile_limits(a->cfg->profile);
	struct sn_port *p;
	struct sn_wq *sq;
	int ret;

	if (port >= a->num_ports)
		return -EINVAL;
	ret = check_ring(ring, size);
	if (ret == 0)
		ret = check_cq(cq);
	if (ret)
		return ret;
	sn_adapter_lock(a);
	p = &a->port[port];
	if (a->revoked || r->dead) {
		ret = -EIO;
		goto out;
	}
	if (p->vport_pdn != 0 && p->vport_pdn != pdn) {
		sn_log(SN_LOG_ERR, "port %u: vPort in use by PD %u, SQ for PD %u refused",
		       port, p->vport_pdn, pdn);
		ret = -ENODEV;
		goto out;
	}
	if (p->vport_pdn == pdn && p->vport_sqs >= lim->max_qp) {
		sn_log(SN_LOG_ERR, "port %u: more than %u SQs", port, lim->max_qp);
		ret = -EPROTO;
		goto out;
	}
	sq = wq_new(a, r, SN_WQ_SQ, p, pdn, ring, size, cq);
	if (sq == NULL) {
		ret = -ENOMEM;
		goto out;
	}
	p->vport_pdn = pdn;
	p->vport_sqs++;
	sn_adapter_rebuild_lists(a);
	out->sq_id = sq->id;
	out->cq_id = sq->cq.id;
	out->tx_vp_offset = p->tx_vp_offset;
	out->db_page = r->base + (size_t)sq->page * MANA_PAGE_SIZE;
	*handle = sq->id;
	sn_log(SN_LOG_DEBUG, "port %u: SQ %u (%u bytes) CQ %u (%u entries) page %u",
	       port, sq->id, size, sq->cq.id, sq->cq.n, sq->page);
out:
	sn_adapter_unlock(a);
	return ret;
}

/* Destroy an SQ and its CQ; releases the vPort with the PD's last SQ.
 * Returns 0 or -ENOENT. */
int
sn_sq_destroy(struct sn_adapter *a, uint32_t handle)
{
	struct sn_wq *sq;
	struct sn_port *p;
	int ret = -ENOENT;

	sn_adapter_lock(a);
	sq = handle < SN_MAX_QUEUE_ID ? a->wq_by_id[handle] : NULL;
	if (sq != NULL && sq->type == SN_WQ_SQ) {
		p = sq->port;
		sn_wq_free(a, sq);
		if (p->vport_sqs)
			p->vport_sqs--;
		vport_release(p);
		sn_adapter_rebuild_lists(a);
		ret = 0;
	}
	sn_adapter_unlock(a);
	return ret;
}

static void
rss_free(struct sn_adapter *a, struct sn_rss *rss)
{
	unsigned int i;

	for (i = 0; i < rss->n_wq; i++)
		if (rss->wq[i] != NULL)
			sn_wq_free(a, rss->wq[i]);
	free(rss);
}

/*
 * Create the RX side of a vPort (spec §1.8).  See softnic.h.  Returns 0,
 * -EINVAL (port, table size not a power of two in 1..64, rings), -EFAULT,
 * -EPROTO (vPort not configured for pdn by an SQ, or already steered),
 * -ENOMEM, -EIO (revoked).
 */
int
sn_rss_create(struct sn_adapter *a, struct sn_dbr *r, unsigned int port, uint32_t pdn,
	      unsigned int n_wq, const struct sn_rq_desc *rq,
	      const uint8_t key[MANA_RSS_KEY_SIZE], struct sn_rq_info *out,
	      uint32_t *handle)
{
	struct sn_rss *rss;
	struct sn_port *p;
	unsigned int i;
	int ret = 0;

	if (port >= a->num_ports || n_wq == 0 || n_wq > MANA_RSS_IND_TABLE_SIZE ||
	    (n_wq & (n_wq - 1)) != 0)
		return -EINVAL;
	for (i = 0; i < n_wq; i++) {
		ret = check_ring(rq[i].ring, rq[i].size);
		if (ret == 0)
			ret = check_cq(&rq[i].cq);
		if (ret)
			return ret;
	}
	rss = calloc(1, sizeof(*rss));
	if (rss == NULL)
		return -ENOMEM;
	sn_adapter_lock(a);
	p = &a->port[port];
	if (a->revoked || r->dead) {
		ret = -EIO;
		goto err;
	}
	if (p->vport_pdn != pdn) {
		sn_log(SN_LOG_ERR, "port %u: RX steering for PD %u refused: the vPort is %s "
		       "(create the send QPs first, spec §1.9)", port, pdn,
		       p->vport_pdn ? "configured for another PD" : "not configured");
		ret = -EPROTO;
		goto err;
	}
	if (p->rss != NULL) {
		sn_log(SN_LOG_ERR, "port %u: RX steering already configured", port);
		ret = -EPROTO;
		goto err;
	}
	rss->port = p;
	rss->pdn = pdn;
	rss->n_wq = n_wq;
	rss->rss_enable = n_wq > 1;
	memcpy(rss->key, key, MANA_RSS_KEY_SIZE);
	rte_convert_rss_key((const uint32_t *)rss->key, rss->key_be, MANA_RSS_KEY_SIZE);
	for (i = 0; i < n_wq; i++) {
		rss->wq[i] = wq_new(a, r, SN_WQ_RQ, p, pdn, rq[i].ring, rq[i].size, &rq[i].cq);
		if (rss->wq[i] == NULL) {
			ret = -ENOMEM;
			goto err;
		}
		rss->wq[i]->rss = rss;
	}
	for (i = 0; i < MANA_RSS_IND_TABLE_SIZE; i++)
		rss->table[i] = rss->wq[i % n_wq];
	rss->def = rss->wq[n_wq - 1];
	for (i = 0; i < n_wq; i++) {
		out[i].rq_id = rss->wq[i]->id;
		out[i].cq_id = rss->wq[i]->cq.id;
		out[i].db_page = r->base + (size_t)rss->wq[i]->page * MANA_PAGE_SIZE;
	}
	p->rss = rss;
	p->rx_started = false;
	*handle = rss->wq[0]->id;
	sn_adapter_rebuild_lists(a);
	sn_log(SN_LOG_DEBUG, "port %u: RX steering with %u RQs (first RQ %u)", port,
	       n_wq, rss->wq[0]->id);
	sn_adapter_unlock(a);
	return 0;
err:
	rss_free(a, rss);
	sn_adapter_unlock(a);
	return ret;
}

/* Destroy the RX side created by sn_rss_create.  Returns 0 or -ENOENT. */
int
sn_rss_destroy(struct sn_adapter *a, uint32_t handle)
{
	struct sn_wq *rq;
	struct sn_port *p;
	int ret = -ENOENT;

	sn_adapter_lock(a);
	rq = handle < SN_MAX_QUEUE_ID ? a->wq_by_id[handle] : NULL;
	if (rq != NULL && rq->type == SN_WQ_RQ && rq->rss != NULL &&
	    rq->rss->wq[0] == rq) {
		p = rq->port;
		p->rss = NULL;
		rss_free(a, rq->rss);
		vport_release(p);
		sn_adapter_rebuild_lists(a);
		ret = 0;
	}
	sn_adapter_unlock(a);
	return ret;
}

/* Free every queue object of the adapter (revoke; lock held). */
void
sn_queue_free_all(struct sn_adapter *a)
{
	unsigned int i;

	for (i = 0; i < a->num_ports; i++) {
		struct sn_port *p = &a->port[i];

		if (p->rss != NULL) {
			rss_free(a, p->rss);
			p->rss = NULL;
		}
		p->vport_sqs = 0;
		p->vport_pdn = 0;
	}
	for (i = 1; i < SN_MAX_QUEUE_ID; i++)
		if (a->wq_by_id[i] != NULL)
			sn_wq_free(a, a->wq_by_id[i]);
	a->n_open = 0;
}

/* Free the queue objects of one doorbell region (context closed with live
 * objects, as the kernel does when the uverbs file closes; lock held). */
void
sn_queue_free_dbr(struct sn_adapter *a, struct sn_dbr *r)
{
	unsigned int i;

	for (i = 0; i < a->num_ports; i++) {
		struct sn_port *p = &a->port[i];

		if (p->rss != NULL && p->rss->wq[0]->dbr == r) {
			rss_free(a, p->rss);
			p->rss = NULL;
			vport_release(p);
		}
	}
	for (i = 1; i < SN_MAX_QUEUE_ID; i++) {
		struct sn_wq *wq = a->wq_by_id[i];

		if (wq != NULL && wq->dbr == r && wq->type == SN_WQ_SQ) {
			struct sn_port *p = wq->port;

			sn_wq_free(a, wq);
			if (p->vport_sqs)
				p->vport_sqs--;
			vport_release(p);
		}
	}
}
