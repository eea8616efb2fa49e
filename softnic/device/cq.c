/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Completion queues (spec §6): CQE writing with owner bits, overflow
 * detection, CQ doorbells and arming.
 *
 * Owner bits (§6.3): the k-th CQE (k = 0, 1, ...) goes to slot k mod N with
 * owner_bits = (k / N + 1) mod 8.  The 60 bytes of client data are written
 * first, then the info dword (wq_num, is_sq, owner) with one release store,
 * so a consumer that sees the new owner value and issues a load barrier sees
 * the whole CQE.
 *
 * Overflow detection (§6.4): the CQ overflows when CQE k is written while
 * CQE k - N is not known to be consumed.  Known-consumed is the maximum of
 *  (a) the consumer count from the latest CQ doorbell (tail = head mod 8N,
 *      reconstructed against the number of CQEs written), and
 *  (b) a lower bound from the WQ producer: a driver re-posts into ring space
 *      only after consuming the completion of the WQE that was there, so a
 *      CQE whose last WQE starts more than one ring size behind the WQ's
 *      doorbell tail is consumed; and a driver keeps at most max_wr WQEs
 *      outstanding (the verbs contract), so a CQE whose last WQE is max_wr
 *      or more WQEs behind the WQE being completed now is consumed.
 * A DPDK-style driver that never rings CQ doorbells and sizes its CQ with at
 * least max_wr entries is therefore never flagged (the N CQEs between CQE
 * k - N and CQE k complete at least N >= max_wr WQEs).  On overflow the
 * device logs an error naming the CQ, counts cq_overflow (adapter, port and
 * queue) and still writes the CQE, as hardware would.
 *
 * Arming (§6.5): a CQ doorbell with arm = 1 and tail T requests one event
 * when a CQE exists at or after consumer position T; if one already exists
 * the event fires at once.  ibv_req_notify_cq (sn_cq_arm) arms for the next
 * CQE written.  The event calls the CQ's event_fn once and disarms.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "sn_dev.h"

/* Initialise a CQ from the verbs layer's description (lock held). */
void
sn_cq_init(struct sn_cq *cq, const struct sn_cq_desc *d, uint32_t id, struct sn_wq *wq)
{
	memset(cq, 0, sizeof(*cq));
	cq->ring = d->buf;
	cq->n = d->count;
	cq->id = id;
	cq->owner = 1;
	cq->event_fn = d->event_fn;
	cq->event_arg = d->event_arg;
	cq->wq = wq;
	cq->armed = d->armed;
	cq->arm_at = 0;
	cq->rec = calloc(d->count ? d->count : 1, sizeof(*cq->rec));
}

/* Release what sn_cq_init() allocated (the ring belongs to the driver). */
void
sn_cq_fini(struct sn_cq *cq)
{
	free(cq->rec);
	cq->rec = NULL;
}

/* An armed CQ fires (§6.5): one event, then disarmed.  Lock held. */
void
sn_cq_fire(struct sn_cq *cq)
{
	cq->armed = false;
	cq->wq->ctr[SN_QC_CQ_EVENTS]++;
	if (cq->event_fn != NULL)
		cq->event_fn(cq->event_arg);
}

/*
 * Overflow (§6.4): CQE k was written while CQE k - N was not known to be
 * consumed (sn_cq_commit() found it).  Logs and counts; lock held.
 */
void
sn_cq_overflow(struct sn_adapter *a, struct sn_wq *wq, uint64_t k)
{
	struct sn_cq *cq = &wq->cq;

	a->ctr[SN_AC_CQ_OVERFLOW]++;
	wq->port->ctr[SN_PC_CQ_OVERFLOW]++;
	wq->ctr[SN_QC_CQ_OVERFLOW]++;
	sn_log(SN_LOG_ERR, "CQ overflow: adapter %u port %u CQ %u (%u entries, "
	       "serving %s %u): CQE %llu written while CQE %llu was not consumed "
	       "(consumer index from CQ doorbells: %llu)", a->idx, wq->port->idx,
	       cq->id, cq->n, wq->type == SN_WQ_SQ ? "SQ" : "RQ", wq->id,
	       (unsigned long long)k, (unsigned long long)(k - cq->n),
	       (unsigned long long)cq->db_consumed);
}

/* "fault ... owner-corrupt": the owner value to write instead of owner. */
uint32_t
sn_cq_owner_fault(struct sn_wq *wq, uint32_t owner)
{
	uint32_t bad = (owner + 1) & MANA_CQE_OWNER_MASK;

	wq->port->fault_owner_corrupt--;
	sn_log(SN_LOG_INFO, "fault: CQ %u CQE %llu written with owner %u instead of %u",
	       wq->cq.id, (unsigned long long)wq->cq.k, bad, owner);
	return bad;
}

/*
 * Write one CQE for wq (lock held, device thread): c holds the 60 bytes of
 * client data, copied into the next slot, then sn_cq_commit().
 */
void
sn_cq_write(struct sn_adapter *a, struct sn_wq *wq, const struct mana_cqe *c,
	    uint64_t last_seq, uint32_t last_pos)
{
	memcpy(sn_cq_slot(&wq->cq)->data, c->data, sizeof(c->data));
	sn_cq_commit(a, wq, c->hdr.cqe_type, last_seq, last_pos);
}

/* Consumer count (head - N) from a 64-bit CQ doorbell tail (head mod 8N):
 * the largest count <= CQEs written that matches the tail. */
static uint64_t
sn_cq_tail_to_count(const struct sn_cq *cq, uint32_t tail)
{
	uint64_t m = (uint64_t)cq->n * 8;
	uint64_t top = cq->k + cq->n;	/* largest possible head */
	uint64_t head;

	tail = (uint32_t)(tail % m);
	head = top - ((top + m - tail) % m);
	return head >= cq->n ? head - cq->n : 0;
}

/* 64-bit CQ doorbell (§2.2, §6.5), lock held. */
void
sn_cq_doorbell(struct sn_adapter *a, struct sn_cq *cq, uint32_t tail, bool arm)
{
	uint64_t consumed = sn_cq_tail_to_count(cq, tail);

	(void)a;
	if (consumed > cq->db_consumed)
		cq->db_consumed = consumed;
	if (arm) {
		cq->armed = true;
		cq->arm_at = consumed;
		if (cq->k > consumed)
			sn_cq_fire(cq);
	}
}

/* 32-bit short CQ doorbell (§2.3): incr entries consumed, lock held. */
void
sn_cq_doorbell_short(struct sn_adapter *a, struct sn_cq *cq, uint32_t incr, bool arm)
{
	(void)a;
	cq->db_consumed += incr;
	if (cq->db_consumed > cq->k)
		cq->db_consumed = cq->k;
	if (arm) {
		cq->armed = true;
		cq->arm_at = cq->db_consumed;
		if (cq->k > cq->db_consumed)
			sn_cq_fire(cq);
	}
}

/*
 * Arm a CQ for one event on the next CQE written (ibv_req_notify_cq).
 * Returns 0, or -ENOENT if cq_id names no CQ of the adapter.
 */
int
sn_cq_arm(struct sn_adapter *a, uint32_t cq_id)
{
	struct sn_cq *cq;
	int ret = -ENOENT;

	sn_adapter_lock(a);
	cq = cq_id < SN_MAX_QUEUE_ID ? a->cq_by_id[cq_id] : NULL;
	if (cq != NULL && !a->revoked) {
		cq->armed = true;
		cq->arm_at = cq->k;
		ret = 0;
	}
	sn_adapter_unlock(a);
	return ret;
}
