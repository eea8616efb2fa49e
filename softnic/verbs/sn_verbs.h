/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Drop-in libibverbs/libmana: internal objects.  Every verbs object the
 * library hands out is embedded in one of these structs; the device is
 * reached only through softnic.h.
 *
 * Errors follow rdma-core 44: calls returning a pointer set errno and return
 * NULL; calls returning int return 0 or a positive errno value (destroy,
 * dealloc, dereg, modify, query) as libibverbs does.
 *
 * Revocation (spec §9): a context remembers the adapter generation it was
 * opened under.  Once the adapter is revoked (generation changed), every
 * call on the context or its objects fails with EIO, except the destroy /
 * dealloc / dereg / close calls, which only free the library's memory (the
 * device already dropped its objects).
 */
#ifndef SN_VERBS_H
#define SN_VERBS_H

#include <errno.h>
#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <infiniband/verbs.h>
#include <infiniband/manadv.h>

#include "softnic.h"

#define SN_EXPORT __attribute__((visibility("default")))

#define sn_container_of(ptr, type, member) \
	((type *)((char *)(ptr) - offsetof(type, member)))

struct sn_vdev {
	struct ibv_device dev;
	unsigned int adapter;
};

struct sn_vctx {
	struct sn_adapter *a;
	unsigned int adapter_idx;
	struct sn_dbr *dbr;
	uint32_t generation;
	int async_wr;			/* write end of the async pipe */
	pthread_mutex_t lock;
	bool alloc_set;
	struct manadv_ctx_allocators alloc;
	const struct sn_limits *lim;
	enum sn_profile profile;
	unsigned int num_ports;
	struct verbs_context vctx;	/* holds struct ibv_context last */
};

struct sn_vpd {
	struct ibv_pd pd;
	struct sn_vctx *c;
	bool parent;
	struct sn_vpd *base;		/* parent domain: its protection domain */
	void *pd_context;		/* parent domain: the 1-based port */
	uint32_t pdn;
};

struct sn_vmr {
	struct ibv_mr mr;
	struct sn_vctx *c;
};

struct sn_vchan {
	struct ibv_comp_channel ch;
	int wfd;
};

struct sn_vcq {
	struct ibv_cq cq;
	struct sn_vctx *c;
	void *buf;
	size_t buf_size;
	uint32_t count;
	struct manadv_ctx_allocators alloc;
	uint32_t cq_id;			/* valid once bound */
	bool bound;
	bool arm_pending;
	struct sn_vchan *chan;
	uint32_t events_reported;
};

struct sn_vrss;

struct sn_vwq {
	struct ibv_wq wq;
	struct sn_vctx *c;
	void *buf;
	uint32_t size;
	uint32_t count;			/* max_wr */
	uint32_t max_sge;
	struct manadv_ctx_allocators alloc;
	struct sn_vcq *cq;
	uint32_t wq_id;
	void *db_page;
	bool bound;
};

struct sn_vind {
	struct ibv_rwq_ind_table t;
	struct sn_vctx *c;
	uint32_t log_size;
	struct sn_vwq **wqs;
	bool bound;
};

struct sn_vqp {
	struct ibv_qp qp;
	struct sn_vctx *c;
	bool is_rss;
	/* send QP */
	void *buf;
	uint32_t size;
	uint32_t count;
	struct manadv_ctx_allocators alloc;
	struct sn_vcq *scq;
	uint32_t sq_id;
	uint32_t tx_vp_offset;
	void *db_page;
	/* RSS QP */
	struct sn_vind *ind;
	/* device handle (SQ or RSS) */
	uint32_t handle;
};

static inline struct sn_vctx *
sn_ctx(struct ibv_context *ctx)
{
	return sn_container_of(ctx, struct sn_vctx, vctx.context);
}

/* EIO when the context's adapter was revoked since it was opened. */
int sn_ctx_dead(struct sn_vctx *c);

/* allocator helpers (pd_mr.c / qp.c) */
void *sn_ring_alloc(struct sn_vctx *c, struct manadv_ctx_allocators *saved, size_t size);
void sn_ring_free(struct manadv_ctx_allocators *saved, void *buf);
size_t sn_ring_size(size_t bytes);

/* CQ binding (cq.c) */
void sn_vcq_fill_desc(struct sn_vcq *cq, struct sn_cq_desc *d, uint32_t wq_max_wr);
void sn_vcq_bind(struct sn_vcq *cq, uint32_t cq_id);
void sn_vcq_unbind(struct sn_vcq *cq);

/* verbs_context ops (qp.c, pd_mr.c, device.c) */
struct ibv_pd *sn_alloc_parent_domain(struct ibv_context *ctx,
				      struct ibv_parent_domain_init_attr *attr);
struct ibv_qp *sn_create_qp_ex(struct ibv_context *ctx, struct ibv_qp_init_attr_ex *attr);
struct ibv_wq *sn_create_wq(struct ibv_context *ctx, struct ibv_wq_init_attr *attr);
int sn_modify_wq(struct ibv_wq *wq, struct ibv_wq_attr *attr);
int sn_destroy_wq(struct ibv_wq *wq);
struct ibv_rwq_ind_table *sn_create_rwq_ind_table(struct ibv_context *ctx,
						  struct ibv_rwq_ind_table_init_attr *attr);
int sn_destroy_rwq_ind_table(struct ibv_rwq_ind_table *t);
int sn_req_notify_cq(struct ibv_cq *cq, int solicited_only);

/* libmana back end (mana.c calls these through SOFTNIC_PRIVATE) */
SN_EXPORT int sn_verbs_set_context_attr(struct ibv_context *ctx, int type, void *attr);
SN_EXPORT int sn_verbs_init_obj(struct manadv_obj *obj, uint64_t obj_type);

#endif /* SN_VERBS_H */
