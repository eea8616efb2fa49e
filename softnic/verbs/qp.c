/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Drop-in libibverbs: receive WQs (spec §1.6), RWQ indirection tables
 * (§1.7), RSS receive QPs (§1.8), RAW send QPs (§1.9), manadv_init_obj
 * (§1.10) and the errno table of §1.12 for the configured profile.
 *
 * Checks are applied in the order rdma-core 44's libmana and then mana_ib
 * apply them: libmana (parent domain, allocators, rc44 WR/SGE caps, key
 * length) before the ring is allocated, the kernel's (WR/SGE limits of the
 * profile, port range, table size, hash function, vPort) after.  A ring
 * allocated before a failing kernel check is freed again.
 */
#include <stdlib.h>
#include <string.h>

#include "sn_verbs.h"

static uint32_t
align32(uint32_t x)
{
	return (x + 31u) & ~31u;
}

static int
dead(struct sn_vctx *c)
{
	return sn_ctx_dead(c);
}

static void *
fail(int e)
{
	errno = e;
	return NULL;
}

/* ------------------------------------------------------------------ */
/* Receive WQ (§1.6)                                                   */
/* ------------------------------------------------------------------ */

/*
 * Create a receive WQ: ring of align4K(roundup_pow2(max_wr *
 * align32(16 * max_sge + 16))) bytes from the allocator hooks.  The
 * hardware RQ is created with the RSS QP.  errno: EIO, EINVAL (type not RQ,
 * no CQ/PD, max_wr or max_sge 0, rc44: max_wr > 256 or max_sge > 15, no
 * allocator), ENOMEM, EFAULT.
 */
struct ibv_wq *
sn_create_wq(struct ibv_context *ctx, struct ibv_wq_init_attr *attr)
{
	struct sn_vctx *c = sn_ctx(ctx);
	uint32_t wqe, size;
	struct sn_vwq *wq;
	int ret = dead(c);

	if (ret)
		return fail(ret);
	if (attr->wq_type != IBV_WQT_RQ || attr->cq == NULL || attr->pd == NULL ||
	    attr->max_wr == 0 || attr->max_sge == 0)
		return fail(EINVAL);
	wqe = align32(16u * attr->max_sge + 16u);
	if (c->lim->libmana_rc44_checks &&
	    (attr->max_wr > MANA_LEGACY_MAX_QP_WR || wqe > MANA_MAX_RQ_WQE_SIZE)) {
		sn_log(SN_LOG_ERR, "WQ max_wr %u max_sge %u: rdma-core 44 allows 256 WRs "
		       "and 15 SGEs", attr->max_wr, attr->max_sge);
		return fail(EINVAL);
	}
	if ((uint64_t)attr->max_wr * wqe > 0x80000000ull)
		return fail(EINVAL);
	size = (uint32_t)sn_ring_size((size_t)attr->max_wr * wqe);
	wq = calloc(1, sizeof(*wq));
	if (wq == NULL)
		return fail(ENOMEM);
	wq->buf = sn_ring_alloc(c, &wq->alloc, size);
	if (wq->buf == NULL) {
		free(wq);
		return NULL;
	}
	if (((uintptr_t)wq->buf & (MANA_PAGE_SIZE - 1)) != 0 || !sn_mem_mapped(wq->buf, size)) {
		ret = ((uintptr_t)wq->buf & (MANA_PAGE_SIZE - 1)) ? EINVAL : EFAULT;
		sn_log(SN_LOG_ERR, "WQ ring %p: %s", wq->buf,
		       ret == EINVAL ? "not 4 KiB aligned" : "not mapped");
		sn_ring_free(&wq->alloc, wq->buf);
		free(wq);
		return fail(ret);
	}
	wq->c = c;
	wq->size = size;
	wq->count = attr->max_wr;
	wq->max_sge = attr->max_sge;
	wq->cq = sn_container_of(attr->cq, struct sn_vcq, cq);
	wq->wq.context = ctx;
	wq->wq.pd = attr->pd;
	wq->wq.cq = attr->cq;
	wq->wq.state = IBV_WQS_RESET;
	wq->wq.wq_type = IBV_WQT_RQ;
	return &wq->wq;
}

/* RAW WQs cannot be modified (spec §1.6). */
int
sn_modify_wq(struct ibv_wq *wq, struct ibv_wq_attr *attr)
{
	(void)wq;
	(void)attr;
	return EOPNOTSUPP;
}

/* Destroy a WQ: EBUSY while an RSS QP uses it.  Returns 0 or EBUSY. */
int
sn_destroy_wq(struct ibv_wq *ibwq)
{
	struct sn_vwq *wq = sn_container_of(ibwq, struct sn_vwq, wq);

	if (wq->bound && dead(wq->c) == 0)
		return EBUSY;
	sn_ring_free(&wq->alloc, wq->buf);
	pthread_mutex_destroy(&ibwq->mutex);
	pthread_cond_destroy(&ibwq->cond);
	free(wq);
	return 0;
}

/* ------------------------------------------------------------------ */
/* Indirection table (§1.7)                                            */
/* ------------------------------------------------------------------ */

/*
 * Keep the list of 2^log_ind_tbl_size WQs (the kernel stores nothing; sizes
 * above 64 are refused at RSS QP creation).  errno: EIO, EINVAL (NULL table
 * or entry, comp_mask, log size > 13 as uverbs), ENOMEM.
 */
struct ibv_rwq_ind_table *
sn_create_rwq_ind_table(struct ibv_context *ctx, struct ibv_rwq_ind_table_init_attr *attr)
{
	struct sn_vctx *c = sn_ctx(ctx);
	struct sn_vind *t;
	uint32_t n, i;
	int ret = dead(c);

	if (ret)
		return fail(ret);
	if (attr->ind_tbl == NULL || attr->comp_mask != 0 || attr->log_ind_tbl_size > 13)
		return fail(EINVAL);
	n = 1u << attr->log_ind_tbl_size;
	for (i = 0; i < n; i++)
		if (attr->ind_tbl[i] == NULL || attr->ind_tbl[i]->context != ctx)
			return fail(EINVAL);
	t = calloc(1, sizeof(*t));
	if (t == NULL)
		return fail(ENOMEM);
	t->wqs = calloc(n, sizeof(*t->wqs));
	if (t->wqs == NULL) {
		free(t);
		return fail(ENOMEM);
	}
	for (i = 0; i < n; i++)
		t->wqs[i] = sn_container_of(attr->ind_tbl[i], struct sn_vwq, wq);
	t->c = c;
	t->log_size = attr->log_ind_tbl_size;
	t->t.context = ctx;
	t->t.ind_tbl_handle = 0;
	t->t.ind_tbl_num = (int)n;
	return &t->t;
}

/* Destroy a table: EBUSY while an RSS QP uses it. */
int
sn_destroy_rwq_ind_table(struct ibv_rwq_ind_table *it)
{
	struct sn_vind *t = sn_container_of(it, struct sn_vind, t);

	if (t->bound && dead(t->c) == 0)
		return EBUSY;
	free(t->wqs);
	free(t);
	return 0;
}

/* ------------------------------------------------------------------ */
/* QPs (§1.8, §1.9)                                                    */
/* ------------------------------------------------------------------ */

static struct sn_vqp *
qp_new(struct sn_vctx *c, struct ibv_qp_init_attr_ex *attr)
{
	struct sn_vqp *qp = calloc(1, sizeof(*qp));

	if (qp == NULL)
		return NULL;
	qp->c = c;
	qp->qp.context = &c->vctx.context;
	qp->qp.qp_context = attr->qp_context;
	qp->qp.pd = attr->pd;
	qp->qp.send_cq = attr->send_cq;
	qp->qp.recv_cq = attr->recv_cq;
	qp->qp.srq = NULL;
	qp->qp.state = IBV_QPS_RESET;
	qp->qp.qp_type = attr->qp_type;
	pthread_mutex_init(&qp->qp.mutex, NULL);
	pthread_cond_init(&qp->qp.cond, NULL);
	return qp;
}

static void
qp_free(struct sn_vqp *qp)
{
	pthread_mutex_destroy(&qp->qp.mutex);
	pthread_cond_destroy(&qp->qp.cond);
	free(qp);
}

static struct sn_vpd *
parent_of(struct ibv_pd *pd)
{
	struct sn_vpd *p;

	if (pd == NULL)
		return NULL;
	p = sn_container_of(pd, struct sn_vpd, pd);
	return p->parent ? p : NULL;
}

static uint32_t
pd_port(struct sn_vpd *pd)
{
	return (uint32_t)(uintptr_t)pd->pd_context;
}

/* RAW send QP (§1.9). */
static struct ibv_qp *
create_send_qp(struct sn_vctx *c, struct ibv_qp_init_attr_ex *attr)
{
	const struct sn_limits *lim = c->lim;
	struct sn_vpd *pd = parent_of(attr->pd);
	uint32_t w = attr->cap.max_send_wr, s = attr->cap.max_send_sge;
	uint32_t wqe = align32(16u * s + 16u), port, size;
	struct sn_cq_desc cqd;
	struct sn_sq_info info;
	struct sn_vcq *cq;
	struct sn_vqp *qp;
	int ret;

	/* libmana */
	if (pd == NULL) {
		sn_log(SN_LOG_ERR, "RAW QP should use parent domain");
		return fail(EINVAL);
	}
	if (lim->libmana_rc44_checks && (w > MANA_LEGACY_MAX_QP_WR || wqe > MANA_MAX_SQ_WQE_SIZE)) {
		sn_log(SN_LOG_ERR, "send QP max_send_wr %u max_send_sge %u: rdma-core 44 "
		       "allows 256 WRs and 30 SGEs", w, s);
		return fail(EINVAL);
	}
	if (attr->send_cq == NULL || w == 0 || (uint64_t)w * wqe > 0x80000000ull)
		return fail(EINVAL);
	cq = sn_container_of(attr->send_cq, struct sn_vcq, cq);
	qp = qp_new(c, attr);
	if (qp == NULL)
		return fail(ENOMEM);
	size = (uint32_t)sn_ring_size((size_t)w * wqe);
	qp->buf = sn_ring_alloc(c, &qp->alloc, size);
	if (qp->buf == NULL) {
		ret = errno;
		qp_free(qp);
		return fail(ret);
	}
	/* kernel */
	port = pd_port(pd);
	if (w > lim->max_qp_wr || s > lim->max_send_sge) {
		sn_log(SN_LOG_ERR, "send QP max_send_wr %u max_send_sge %u: the kernel allows "
		       "%u WRs and %u SGEs", w, s, lim->max_qp_wr, lim->max_send_sge);
		ret = EINVAL;
	} else if (port < 1 || port > c->num_ports) {
		sn_log(SN_LOG_ERR, "send QP on port %u: the device has %u ports", port,
		       c->num_ports);
		ret = EINVAL;
	} else if (cq->bound) {
		sn_log(SN_LOG_ERR, "send QP: the CQ already serves another queue");
		ret = EINVAL;
	} else if (((uintptr_t)qp->buf & (MANA_PAGE_SIZE - 1)) != 0) {
		sn_log(SN_LOG_ERR, "SQ ring %p is not 4 KiB aligned", qp->buf);
		ret = EINVAL;
	} else {
		sn_vcq_fill_desc(cq, &cqd, w);
		ret = -sn_sq_create(c->a, c->dbr, port - 1, pd->pdn, qp->buf, size, &cqd,
				    &info, &qp->handle);
		if (ret == EIO && dead(c) == 0)
			ret = ENODEV;
	}
	if (ret) {
		sn_ring_free(&qp->alloc, qp->buf);
		qp_free(qp);
		return fail(ret);
	}
	sn_vcq_bind(cq, info.cq_id);
	qp->scq = cq;
	qp->size = size;
	qp->count = w;
	qp->sq_id = info.sq_id;
	qp->tx_vp_offset = info.tx_vp_offset;
	qp->db_page = info.db_page;
	qp->qp.qp_num = info.sq_id;
	qp->qp.handle = info.sq_id;
	return &qp->qp;
}

/* RSS receive QP (§1.8). */
static struct ibv_qp *
create_rss_qp(struct sn_vctx *c, struct ibv_qp_init_attr_ex *attr)
{
	const struct sn_limits *lim = c->lim;
	struct sn_vpd *pd = parent_of(attr->pd);
	struct sn_rq_desc rq[MANA_RSS_IND_TABLE_SIZE];
	struct sn_rq_info info[MANA_RSS_IND_TABLE_SIZE];
	struct sn_vind *t;
	struct sn_vqp *qp;
	uint32_t port, n, i, j;
	int ret;

	if (pd == NULL) {
		sn_log(SN_LOG_ERR, "RAW QP should use parent domain");
		return fail(EINVAL);
	}
	if (attr->rx_hash_conf.rx_hash_key_len != MANA_RSS_KEY_SIZE ||
	    attr->rx_hash_conf.rx_hash_key == NULL) {
		sn_log(SN_LOG_ERR, "RSS key length %u: must be %u",
		       attr->rx_hash_conf.rx_hash_key_len, MANA_RSS_KEY_SIZE);
		return fail(EINVAL);
	}
	if (attr->rwq_ind_tbl == NULL)
		return fail(EINVAL);
	t = sn_container_of(attr->rwq_ind_tbl, struct sn_vind, t);
	/* kernel */
	port = pd_port(pd);
	if (attr->cap.max_recv_wr > lim->max_qp_wr || attr->cap.max_recv_sge > lim->max_recv_sge) {
		sn_log(SN_LOG_ERR, "RSS QP max_recv_wr %u max_recv_sge %u: the kernel allows "
		       "%u WRs and %u SGEs", attr->cap.max_recv_wr, attr->cap.max_recv_sge,
		       lim->max_qp_wr, lim->max_recv_sge);
		return fail(EINVAL);
	}
	if (t->log_size > MANA_RSS_MAX_LOG_IND_TBL) {
		sn_log(SN_LOG_ERR, "indirection table of %u entries: at most %u",
		       1u << t->log_size, MANA_RSS_IND_TABLE_SIZE);
		return fail(EINVAL);
	}
	if (attr->rx_hash_conf.rx_hash_function != IBV_RX_HASH_FUNC_TOEPLITZ) {
		sn_log(SN_LOG_ERR, "RSS hash function %u: only Toeplitz",
		       attr->rx_hash_conf.rx_hash_function);
		return fail(EINVAL);
	}
	if (port < 1 || port > c->num_ports) {
		sn_log(SN_LOG_ERR, "RSS QP on port %u: the device has %u ports", port,
		       c->num_ports);
		return fail(EINVAL);
	}
	if (t->bound)
		return fail(EINVAL);
	n = 1u << t->log_size;
	for (i = 0; i < n; i++) {
		struct sn_vwq *wq = t->wqs[i];

		for (j = 0; j < i; j++)
			if (t->wqs[j] == wq || t->wqs[j]->cq == wq->cq)
				return fail(EINVAL);
		if (wq->bound || wq->cq == NULL || wq->cq->bound) {
			sn_log(SN_LOG_ERR, "RSS QP: WQ %u or its CQ already in use", i);
			return fail(EINVAL);
		}
		rq[i].ring = wq->buf;
		rq[i].size = wq->size;
		sn_vcq_fill_desc(wq->cq, &rq[i].cq, wq->count);
	}
	qp = qp_new(c, attr);
	if (qp == NULL)
		return fail(ENOMEM);
	ret = -sn_rss_create(c->a, c->dbr, port - 1, pd->pdn, n, rq,
			     attr->rx_hash_conf.rx_hash_key, info, &qp->handle);
	if (ret) {
		if (ret == EIO && dead(c) == 0)
			ret = ENODEV;
		qp_free(qp);
		return fail(ret);
	}
	for (i = 0; i < n; i++) {
		struct sn_vwq *wq = t->wqs[i];

		wq->bound = true;
		wq->wq_id = info[i].rq_id;
		wq->db_page = info[i].db_page;
		wq->wq.wq_num = info[i].rq_id;
		sn_vcq_bind(wq->cq, info[i].cq_id);
	}
	t->bound = true;
	qp->is_rss = true;
	qp->ind = t;
	qp->qp.qp_num = info[0].rq_id;
	qp->qp.handle = info[0].rq_id;
	return &qp->qp;
}

/*
 * ibv_create_qp_ex (context op): RAW_PACKET only (default profile: other
 * types EINVAL as rc44; current: EOPNOTSUPP as rcHEAD).  With RX_HASH +
 * IND_TABLE in comp_mask an RSS QP, else a send QP.
 */
struct ibv_qp *
sn_create_qp_ex(struct ibv_context *ctx, struct ibv_qp_init_attr_ex *attr)
{
	struct sn_vctx *c = sn_ctx(ctx);
	int ret = dead(c);

	if (ret)
		return fail(ret);
	if (attr->qp_type != IBV_QPT_RAW_PACKET) {
		sn_log(SN_LOG_ERR, "QP type %d is not supported", attr->qp_type);
		return fail(c->profile == SN_PROFILE_CURRENT ? EOPNOTSUPP : EINVAL);
	}
	if ((attr->comp_mask & IBV_QP_INIT_ATTR_RX_HASH) &&
	    (attr->comp_mask & IBV_QP_INIT_ATTR_IND_TABLE))
		return create_rss_qp(c, attr);
	if (!(attr->comp_mask & IBV_QP_INIT_ATTR_PD))
		return fail(EINVAL);
	return create_send_qp(c, attr);
}

/* ibv_create_qp: a send QP on a parent domain (see sn_create_qp_ex). */
SN_EXPORT struct ibv_qp *
ibv_create_qp(struct ibv_pd *pd, struct ibv_qp_init_attr *attr)
{
	struct ibv_qp_init_attr_ex ex;

	memset(&ex, 0, sizeof(ex));
	memcpy(&ex, attr, sizeof(*attr));
	ex.comp_mask = IBV_QP_INIT_ATTR_PD;
	ex.pd = pd;
	return sn_create_qp_ex(pd->context, &ex);
}

/* Destroy a QP (send: its SQ, releasing the vPort with the PD's last SQ;
 * RSS: the RX steering and its RQs).  Returns 0. */
SN_EXPORT int
ibv_destroy_qp(struct ibv_qp *ibqp)
{
	struct sn_vqp *qp = sn_container_of(ibqp, struct sn_vqp, qp);
	bool live = dead(qp->c) == 0;
	uint32_t i;

	if (qp->is_rss) {
		if (live)
			sn_rss_destroy(qp->c->a, qp->handle);
		for (i = 0; i < (1u << qp->ind->log_size); i++) {
			qp->ind->wqs[i]->bound = false;
			sn_vcq_unbind(qp->ind->wqs[i]->cq);
		}
		qp->ind->bound = false;
	} else {
		if (live)
			sn_sq_destroy(qp->c->a, qp->handle);
		sn_vcq_unbind(qp->scq);
		sn_ring_free(&qp->alloc, qp->buf);
	}
	qp_free(qp);
	return 0;
}

/* RAW QPs cannot be modified (spec §1.8). */
SN_EXPORT int
ibv_modify_qp(struct ibv_qp *qp, struct ibv_qp_attr *attr, int attr_mask)
{
	(void)qp;
	(void)attr;
	(void)attr_mask;
	return EOPNOTSUPP;
}

/* Query a QP: its type, state and capabilities.  0 or EIO. */
SN_EXPORT int
ibv_query_qp(struct ibv_qp *ibqp, struct ibv_qp_attr *attr, int attr_mask,
	     struct ibv_qp_init_attr *init_attr)
{
	struct sn_vqp *qp = sn_container_of(ibqp, struct sn_vqp, qp);
	int ret = dead(qp->c);

	(void)attr_mask;
	if (ret)
		return ret;
	memset(attr, 0, sizeof(*attr));
	memset(init_attr, 0, sizeof(*init_attr));
	attr->qp_state = ibqp->state;
	attr->cap.max_send_wr = qp->count;
	init_attr->qp_context = ibqp->qp_context;
	init_attr->send_cq = ibqp->send_cq;
	init_attr->recv_cq = ibqp->recv_cq;
	init_attr->qp_type = ibqp->qp_type;
	init_attr->cap = attr->cap;
	return 0;
}

/* ------------------------------------------------------------------ */
/* libmana back end (§1.4, §1.10)                                      */
/* ------------------------------------------------------------------ */

/*
 * manadv_set_context_attr: MANADV_CTX_ATTR_BUF_ALLOCATORS stores the hooks
 * (used by later objects only).  Returns 0, EOPNOTSUPP (other type), EIO.
 */
SN_EXPORT int
sn_verbs_set_context_attr(struct ibv_context *ctx, int type, void *attr)
{
	struct sn_vctx *c = sn_ctx(ctx);
	int ret = dead(c);

	if (ret)
		return ret;
	if (type != MANADV_CTX_ATTR_BUF_ALLOCATORS || attr == NULL)
		return EOPNOTSUPP;
	pthread_mutex_lock(&c->lock);
	c->alloc = *(struct manadv_ctx_allocators *)attr;
	c->alloc_set = true;
	pthread_mutex_unlock(&c->lock);
	return 0;
}

/*
 * manadv_init_obj: copy cached values (no device access).  CQ ids are valid
 * only once the owning QP / RSS QP exists; WQ ids after the RSS QP.
 * Returns 0 or EINVAL (unknown type bit, NULL in/out).
 */
SN_EXPORT int
sn_verbs_init_obj(struct manadv_obj *obj, uint64_t obj_type)
{
	if (obj_type & ~(uint64_t)(MANADV_OBJ_QP | MANADV_OBJ_CQ | MANADV_OBJ_RWQ))
		return EINVAL;
	if (obj_type & MANADV_OBJ_QP) {
		struct sn_vqp *qp;

		if (obj->qp.in == NULL || obj->qp.out == NULL)
			return EINVAL;
		qp = sn_container_of(obj->qp.in, struct sn_vqp, qp);
		obj->qp.out->sq_buf = qp->buf;
		obj->qp.out->sq_count = qp->count;
		obj->qp.out->sq_size = qp->size;
		obj->qp.out->sq_id = qp->sq_id;
		obj->qp.out->tx_vp_offset = qp->tx_vp_offset;
		obj->qp.out->db_page = qp->db_page;
	}
	if (obj_type & MANADV_OBJ_CQ) {
		struct sn_vcq *cq;

		if (obj->cq.in == NULL || obj->cq.out == NULL)
			return EINVAL;
		cq = sn_container_of(obj->cq.in, struct sn_vcq, cq);
		obj->cq.out->buf = cq->buf;
		obj->cq.out->count = cq->count;
		obj->cq.out->cq_id = cq->cq_id;
	}
	if (obj_type & MANADV_OBJ_RWQ) {
		struct sn_vwq *wq;

		if (obj->rwq.in == NULL || obj->rwq.out == NULL)
			return EINVAL;
		wq = sn_container_of(obj->rwq.in, struct sn_vwq, wq);
		obj->rwq.out->buf = wq->buf;
		obj->rwq.out->count = wq->count;
		obj->rwq.out->size = wq->size;
		obj->rwq.out->wq_id = wq->wq_id;
		obj->rwq.out->db_page = wq->db_page;
	}
	return 0;
}
