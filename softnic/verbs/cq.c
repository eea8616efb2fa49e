/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Drop-in libibverbs: completion channels and completion queues (spec §1.5,
 * §6.5).
 *
 * A CQ is memory only until the QP / RSS QP that uses it is created (the
 * hardware CQ is created with its WQ; its id is known from then on, spec
 * §1.5).  Completion channel: a pipe whose read end is ibv_comp_channel.fd
 * (O_CLOEXEC, epoll-able; with O_NONBLOCK set by the application,
 * ibv_get_cq_event fails with EAGAIN when empty).  An armed CQ (CQ doorbell
 * with arm = 1, or ibv_req_notify_cq) queues one event when it fires.
 * ibv_destroy_cq does not wait for unacknowledged events.
 */
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "sn_verbs.h"

/* Create a completion channel.  NULL with errno EIO / ENOMEM / pipe error. */
SN_EXPORT struct ibv_comp_channel *
ibv_create_comp_channel(struct ibv_context *ctx)
{
	struct sn_vctx *c = sn_ctx(ctx);
	struct sn_vchan *ch;
	int pfd[2], ret = sn_ctx_dead(c);

	if (ret) {
		errno = ret;
		return NULL;
	}
	ch = calloc(1, sizeof(*ch));
	if (ch == NULL) {
		errno = ENOMEM;
		return NULL;
	}
	if (pipe2(pfd, O_CLOEXEC) != 0) {
		ret = errno;
		free(ch);
		errno = ret;
		return NULL;
	}
	fcntl(pfd[1], F_SETFL, O_NONBLOCK);
	ch->ch.context = ctx;
	ch->ch.fd = pfd[0];
	ch->ch.refcnt = 0;
	ch->wfd = pfd[1];
	return &ch->ch;
}

/* Destroy a channel; EBUSY while CQs still use it. */
SN_EXPORT int
ibv_destroy_comp_channel(struct ibv_comp_channel *channel)
{
	struct sn_vchan *ch = sn_container_of(channel, struct sn_vchan, ch);

	if (channel->refcnt)
		return EBUSY;
	close(ch->ch.fd);
	close(ch->wfd);
	free(ch);
	return 0;
}

/* Device thread: the armed CQ fired (spec §6.5). */
static void
sn_cq_event(void *arg)
{
	struct sn_vcq *cq = arg;
	ssize_t r;

	if (cq->chan == NULL)
		return;
	__atomic_fetch_add(&cq->events_reported, 1, __ATOMIC_RELAXED);
	r = write(cq->chan->wfd, &cq, sizeof(cq));
	if (r != (ssize_t)sizeof(cq))
		sn_log(SN_LOG_ERR, "completion event lost (channel full)");
}

/*
 * Create a CQ of cqe entries (spec §1.5): ring of
 * align4K(roundup_pow2(cqe * 64)) bytes from the allocator hooks.
 * Errors (errno): EIO (revoked); EINVAL: cqe < 1, rc44 cqe > 256, no
 * allocator (rc44), cqe > max_cqe of the profile, comp_vector >=
 * num_comp_vectors, ring not 4 KiB aligned; ENOMEM (allocator returned
 * NULL); EFAULT (ring not mapped).
 */
SN_EXPORT struct ibv_cq *
ibv_create_cq(struct ibv_context *ctx, int cqe, void *cq_context,
	      struct ibv_comp_channel *channel, int comp_vector)
{
	struct sn_vctx *c = sn_ctx(ctx);
	struct sn_vcq *cq;
	size_t size;
	int ret = sn_ctx_dead(c);

	if (ret) {
		errno = ret;
		return NULL;
	}
	if (cqe < 1) {
		errno = EINVAL;
		return NULL;
	}
	if (c->lim->libmana_rc44_checks && (uint32_t)cqe > MANA_LEGACY_MAX_QP_WR) {
		sn_log(SN_LOG_ERR, "CQ of %d entries: rdma-core 44 allows at most %u",
		       cqe, MANA_LEGACY_MAX_QP_WR);
		errno = EINVAL;
		return NULL;
	}
	cq = calloc(1, sizeof(*cq));
	if (cq == NULL) {
		errno = ENOMEM;
		return NULL;
	}
	size = sn_ring_size((size_t)cqe * MANA_CQE_SIZE);
	if (!c->lim->libmana_rc44_checks && !c->alloc_set) {
		/* rcHEAD: a CQ without allocators is an RNIC CQ, which the
		 * Ethernet device does not offer */
		sn_log(SN_LOG_ERR, "CQ without allocators (RNIC CQ) is not supported");
		free(cq);
		errno = EOPNOTSUPP;
		return NULL;
	}
	cq->buf = sn_ring_alloc(c, &cq->alloc, size);
	if (cq->buf == NULL) {
		free(cq);
		return NULL;
	}
	ret = 0;
	if ((uint32_t)cqe > c->lim->max_cqe) {
		sn_log(SN_LOG_ERR, "CQ of %d entries: the kernel allows at most %u",
		       cqe, c->lim->max_cqe);
		ret = EINVAL;
	} else if (comp_vector < 0 || comp_vector >= ctx->num_comp_vectors) {
		sn_log(SN_LOG_ERR, "CQ comp_vector %d: the device has %d", comp_vector,
		       ctx->num_comp_vectors);
		ret = EINVAL;
	} else if (((uintptr_t)cq->buf & (MANA_PAGE_SIZE - 1)) != 0) {
		sn_log(SN_LOG_ERR, "CQ ring %p is not 4 KiB aligned (zero-offset DMA region)",
		       cq->buf);
		ret = EINVAL;
	} else if (!sn_mem_mapped(cq->buf, (size_t)cqe * MANA_CQE_SIZE)) {
		ret = EFAULT;
	}
	if (ret) {
		sn_ring_free(&cq->alloc, cq->buf);
		free(cq);
		errno = ret;
		return NULL;
	}
	cq->c = c;
	cq->buf_size = size;
	cq->count = (uint32_t)cqe;
	cq->cq_id = c->profile == SN_PROFILE_CURRENT ? 0xffffffffu : 0;
	cq->chan = channel ? sn_container_of(channel, struct sn_vchan, ch) : NULL;
	cq->cq.context = ctx;
	cq->cq.channel = channel;
	cq->cq.cq_context = cq_context;
	cq->cq.cqe = cqe;
	pthread_mutex_init(&cq->cq.mutex, NULL);
	pthread_cond_init(&cq->cq.cond, NULL);
	if (channel != NULL)
		__atomic_fetch_add(&channel->refcnt, 1, __ATOMIC_RELAXED);
	return &cq->cq;
}

/* Destroy a CQ: EBUSY while a live QP / RSS QP uses it; else frees the
 * ring through the saved allocator hook.  Returns 0 or EBUSY. */
SN_EXPORT int
ibv_destroy_cq(struct ibv_cq *ibcq)
{
	struct sn_vcq *cq = sn_container_of(ibcq, struct sn_vcq, cq);

	if (cq->bound && sn_ctx_dead(cq->c) == 0)
		return EBUSY;
	if (ibcq->channel != NULL)
		__atomic_fetch_sub(&ibcq->channel->refcnt, 1, __ATOMIC_RELAXED);
	sn_ring_free(&cq->alloc, cq->buf);
	pthread_mutex_destroy(&ibcq->mutex);
	pthread_cond_destroy(&ibcq->cond);
	free(cq);
	return 0;
}

/* Fill the device's CQ description (binding to a WQ). */
void
sn_vcq_fill_desc(struct sn_vcq *cq, struct sn_cq_desc *d, uint32_t wq_max_wr)
{
	memset(d, 0, sizeof(*d));
	d->buf = cq->buf;
	d->count = cq->count;
	d->event_arg = cq;
	d->event_fn = cq->chan ? sn_cq_event : NULL;
	d->wq_max_wr = wq_max_wr;
	d->armed = cq->arm_pending;
}

void
sn_vcq_bind(struct sn_vcq *cq, uint32_t cq_id)
{
	cq->bound = true;
	cq->cq_id = cq_id;
	cq->arm_pending = false;
}

void
sn_vcq_unbind(struct sn_vcq *cq)
{
	cq->bound = false;
}

/*
 * ibv_req_notify_cq (context op): one event on the next CQE written
 * (spec §6.5).  solicited_only is ignored (Ethernet CQEs are all equal).
 * Returns 0 or EIO.
 */
int
sn_req_notify_cq(struct ibv_cq *ibcq, int solicited_only)
{
	struct sn_vcq *cq = sn_container_of(ibcq, struct sn_vcq, cq);
	int ret = sn_ctx_dead(cq->c);

	(void)solicited_only;
	if (ret)
		return ret;
	if (!cq->bound) {
		cq->arm_pending = true;
		return 0;
	}
	ret = sn_cq_arm(cq->c->a, cq->cq_id);
	return ret < 0 ? -ret : 0;
}

/*
 * Wait for the next completion event on a channel (blocking unless the
 * application made the fd non-blocking).  Returns 0 with *cq and
 * *cq_context, or -1 with errno (EAGAIN).
 */
SN_EXPORT int
ibv_get_cq_event(struct ibv_comp_channel *channel, struct ibv_cq **cq, void **cq_context)
{
	struct sn_vcq *vcq;
	ssize_t r;

	do {
		r = read(channel->fd, &vcq, sizeof(vcq));
	} while (r < 0 && errno == EINTR);
	if (r != (ssize_t)sizeof(vcq)) {
		if (r >= 0)
			errno = EIO;
		return -1;
	}
	*cq = &vcq->cq;
	*cq_context = vcq->cq.cq_context;
	return 0;
}

/* Acknowledge nevents events of a CQ. */
SN_EXPORT void
ibv_ack_cq_events(struct ibv_cq *cq, unsigned int nevents)
{
	pthread_mutex_lock(&cq->mutex);
	cq->comp_events_completed += nevents;
	pthread_cond_signal(&cq->cond);
	pthread_mutex_unlock(&cq->mutex);
}
