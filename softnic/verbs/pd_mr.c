/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Drop-in libibverbs: protection domains, parent domains (spec §1.3),
 * memory regions, and the queue-memory allocator helpers (spec §1.4).
 */
#include <stdlib.h>
#include <string.h>

#include "sn_verbs.h"

#undef ibv_reg_mr
#undef ibv_reg_mr_iova

/* Ring bytes libmana requests: align4K(roundup_pow2(bytes)) (§1.5-§1.9). */
size_t
sn_ring_size(size_t bytes)
{
	size_t s = MANA_PAGE_SIZE;

	while (s < bytes)
		s <<= 1;
	return s;
}

/*
 * Allocate a ring through the context's allocator hooks (§1.4) and save the
 * hooks in *saved (they are read at creation time; free uses the saved
 * ones).  NULL with errno EINVAL when no allocator is set (rc44: mandatory),
 * ENOMEM when the hook returns NULL.
 */
void *
sn_ring_alloc(struct sn_vctx *c, struct manadv_ctx_allocators *saved, size_t size)
{
	void *p;

	pthread_mutex_lock(&c->lock);
	if (!c->alloc_set || c->alloc.alloc == NULL || c->alloc.free == NULL) {
		pthread_mutex_unlock(&c->lock);
		sn_log(SN_LOG_ERR, "queue buffer needs to be allocated through "
		       "manadv_set_context_attr(MANADV_CTX_ATTR_BUF_ALLOCATORS)");
		errno = EINVAL;
		return NULL;
	}
	*saved = c->alloc;
	pthread_mutex_unlock(&c->lock);
	p = saved->alloc(size, saved->data);
	if (p == NULL) {
		sn_log(SN_LOG_ERR, "allocator hook returned NULL for %zu bytes", size);
		errno = ENOMEM;
	}
	return p;
}

void
sn_ring_free(struct manadv_ctx_allocators *saved, void *buf)
{
	if (buf != NULL && saved->free != NULL)
		saved->free(buf, saved->data);
}

/* Allocate a protection domain.  NULL with errno EIO (revoked) / ENOMEM. */
SN_EXPORT struct ibv_pd *
ibv_alloc_pd(struct ibv_context *ctx)
{
	struct sn_vctx *c = sn_ctx(ctx);
	struct sn_vpd *pd;
	int ret = sn_ctx_dead(c);

	if (ret) {
		errno = ret;
		return NULL;
	}
	pd = calloc(1, sizeof(*pd));
	if (pd == NULL) {
		errno = ENOMEM;
		return NULL;
	}
	pd->c = c;
	pd->pdn = sn_pd_alloc(c->a);
	pd->pd.context = ctx;
	pd->pd.handle = pd->pdn;
	return &pd->pd;
}

/* Free a PD or a parent domain.  Returns 0. */
SN_EXPORT int
ibv_dealloc_pd(struct ibv_pd *ibpd)
{
	struct sn_vpd *pd = sn_container_of(ibpd, struct sn_vpd, pd);

	if (!pd->parent && sn_ctx_dead(pd->c) == 0)
		sn_pd_free(pd->c->a, pd->pdn);
	free(pd);
	return 0;
}

/*
 * Parent domain (spec §1.3): comp_mask may hold only
 * IBV_PARENT_DOMAIN_INIT_ATTR_PD_CONTEXT (rc44: anything else EINVAL;
 * rcHEAD: EOPNOTSUPP, used in the "current" profile); pd_context carries
 * the 1-based IB port.  attr->pd must be a plain PD of this context.
 */
struct ibv_pd *
sn_alloc_parent_domain(struct ibv_context *ctx, struct ibv_parent_domain_init_attr *attr)
{
	struct sn_vctx *c = sn_ctx(ctx);
	struct sn_vpd *base, *pd;
	int ret = sn_ctx_dead(c);

	if (ret) {
		errno = ret;
		return NULL;
	}
	if (attr == NULL || attr->pd == NULL || attr->pd->context != ctx ||
	    (attr->td != NULL && attr->td->context != ctx)) {
		errno = EINVAL;
		return NULL;
	}
	if (attr->comp_mask & ~(uint32_t)IBV_PARENT_DOMAIN_INIT_ATTR_PD_CONTEXT) {
		sn_log(SN_LOG_ERR, "parent domain: unsupported comp_mask 0x%x", attr->comp_mask);
		errno = c->profile == SN_PROFILE_CURRENT ? EOPNOTSUPP : EINVAL;
		return NULL;
	}
	base = sn_container_of(attr->pd, struct sn_vpd, pd);
	if (base->parent) {
		errno = EINVAL;
		return NULL;
	}
	pd = calloc(1, sizeof(*pd));
	if (pd == NULL) {
		errno = ENOMEM;
		return NULL;
	}
	pd->c = c;
	pd->parent = true;
	pd->base = base;
	pd->pdn = base->pdn;
	if (attr->comp_mask & IBV_PARENT_DOMAIN_INIT_ATTR_PD_CONTEXT)
		pd->pd_context = attr->pd_context;
	pd->pd.context = ctx;
	pd->pd.handle = base->pd.handle;
	return &pd->pd;
}

/*
 * Register memory (spec §1.3).  iova is the start of the MR's address space
 * (SGE addresses).  NULL with errno EIO (revoked), EINVAL (length 0, bad
 * access combination), EFAULT (memory not mapped), ENOMEM.
 */
static struct ibv_mr *
sn_reg_mr(struct ibv_pd *ibpd, void *addr, size_t length, uint64_t iova, unsigned int access)
{
	struct sn_vpd *pd = sn_container_of(ibpd, struct sn_vpd, pd);
	struct sn_vctx *c = pd->c;
	struct sn_vmr *mr;
	uint32_t lkey;
	int ret = sn_ctx_dead(c);

	if (ret) {
		errno = ret;
		return NULL;
	}
	/* remote write / atomic need local write (verbs rule) */
	if ((access & (IBV_ACCESS_REMOTE_WRITE | IBV_ACCESS_REMOTE_ATOMIC)) &&
	    !(access & IBV_ACCESS_LOCAL_WRITE)) {
		errno = EINVAL;
		return NULL;
	}
	mr = calloc(1, sizeof(*mr));
	if (mr == NULL) {
		errno = ENOMEM;
		return NULL;
	}
	ret = sn_mr_register_iova(c->a, pd->pdn, addr, length, iova, (int)access, &lkey);
	if (ret) {
		free(mr);
		errno = -ret;
		return NULL;
	}
	mr->c = c;
	mr->mr.context = ibpd->context;
	mr->mr.pd = ibpd;
	mr->mr.addr = addr;
	mr->mr.length = length;
	mr->mr.handle = lkey;
	mr->mr.lkey = lkey;
	mr->mr.rkey = lkey;
	return &mr->mr;
}

SN_EXPORT struct ibv_mr *
ibv_reg_mr(struct ibv_pd *pd, void *addr, size_t length, int access)
{
	return sn_reg_mr(pd, addr, length, (uintptr_t)addr, (unsigned int)access);
}

SN_EXPORT struct ibv_mr *
ibv_reg_mr_iova(struct ibv_pd *pd, void *addr, size_t length, uint64_t iova, int access)
{
	return sn_reg_mr(pd, addr, length, iova, (unsigned int)access);
}

SN_EXPORT struct ibv_mr *
ibv_reg_mr_iova2(struct ibv_pd *pd, void *addr, size_t length, uint64_t iova,
		 unsigned int access)
{
	return sn_reg_mr(pd, addr, length, iova, access);
}

/* Deregister an MR: later SGEs with its lkey fail the DMA check.  0. */
SN_EXPORT int
ibv_dereg_mr(struct ibv_mr *ibmr)
{
	struct sn_vmr *mr = sn_container_of(ibmr, struct sn_vmr, mr);

	if (sn_ctx_dead(mr->c) == 0)
		sn_mr_deregister(mr->c->a, ibmr->lkey);
	free(mr);
	return 0;
}
