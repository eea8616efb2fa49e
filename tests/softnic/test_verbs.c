/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Soft-NIC conformance: verbs objects, limits and errors (spec §1).
 * Run under: softnic-run --ports 2 --wire loop [--profile current] --
 *            test_verbs [--profile default|current]
 *
 *  - every errno of the §1.12 table that the selected profile models
 *    (table driven; the default profile is rdma-core 44 + first mana_ib
 *    kernels, "current" has the K6.16+ limits of 2048 WRs/CQEs);
 *  - device and port attributes (§1.1, §1.12, §8), the fake sysfs view (§1.1);
 *  - object semantics: ring sizes requested from the allocator hooks
 *    (§1.4-§1.9), manadv_init_obj fields (§1.10), doorbell pages, command
 *    fd mapping (§1.2), vPort exclusivity (§1.9), everything freed.
 * Cases that hand the soft-NIC an unmapped ring run in a child process
 * (this program re-executed with --child CASE) so that a crash is reported
 * instead of killing the suite.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <CUnit/Basic.h>

#include "sntest.h"

extern char **environ;

static struct snt_dev dev;
static struct snt_sq hold0;	/* SQ of dev.pd on port 0: holds vPort 0 */
static bool prof_current;
static uint32_t lim_wr;		/* 256 (default) or 2048 (current) */

#define NA	(-1)		/* case not modelled by this profile */
#define OK	0

/* ------------------------------------------------------------------ */
/* Object helpers returning 0 or the errno of the failure               */
/* ------------------------------------------------------------------ */

static int
err_of(const void *obj)
{
	return obj != NULL ? 0 : (errno ? errno : EIO);
}

static int
try_cq(struct ibv_context *ctx, int n)
{
	struct ibv_cq *cq;
	int e;

	errno = 0;
	cq = ibv_create_cq(ctx, n, NULL, NULL, 0);
	e = err_of(cq);
	if (cq)
		ibv_destroy_cq(cq);
	return e;
}

/* A send QP of the given type on pd (wr WRs of sge SGEs, send and receive
 * CQ cq); NULL with errno on failure. */
static struct ibv_qp *
create_qp(struct ibv_pd *pd, struct ibv_cq *cq, uint32_t wr, uint32_t sge,
	  enum ibv_qp_type type)
{
	struct ibv_qp_init_attr qa;

	memset(&qa, 0, sizeof(qa));
	qa.send_cq = cq;
	qa.recv_cq = cq;
	qa.cap.max_send_wr = wr;
	qa.cap.max_send_sge = sge;
	qa.qp_type = type;
	return ibv_create_qp(pd, &qa);
}

/* A receive WQ of dev on pd (wr WRs of sge SGEs, CQ cq); NULL with errno on
 * failure. */
static struct ibv_wq *
create_wq(struct ibv_pd *pd, struct ibv_cq *cq, uint32_t wr, uint32_t sge)
{
	struct ibv_wq_init_attr wa;

	memset(&wa, 0, sizeof(wa));
	wa.wq_type = IBV_WQT_RQ;
	wa.max_wr = wr;
	wa.max_sge = sge;
	wa.pd = pd;
	wa.cq = cq;
	return ibv_create_wq(dev.ctx, &wa);
}

/* Send QP on pd with its own CQ. */
static int
try_sq_on(struct ibv_context *ctx, struct ibv_pd *pd, uint32_t wr, uint32_t sge,
	  enum ibv_qp_type type)
{
	struct ibv_cq *cq;
	struct ibv_qp *qp;
	int e;

	cq = ibv_create_cq(ctx, 64, NULL, NULL, 0);
	if (cq == NULL)
		return 1000 + errno;
	errno = 0;
	qp = create_qp(pd, cq, wr, sge, type);
	e = err_of(qp);
	if (qp)
		ibv_destroy_qp(qp);
	ibv_destroy_cq(cq);
	return e;
}

static int
try_sq(unsigned int port, uint32_t wr, uint32_t sge)
{
	return try_sq_on(dev.ctx, dev.pdom[port], wr, sge, IBV_QPT_RAW_PACKET);
}

static int
try_wq(uint32_t wr, uint32_t sge)
{
	struct ibv_cq *cq;
	struct ibv_wq *wq;
	int e;

	cq = ibv_create_cq(dev.ctx, 64, NULL, NULL, 0);
	if (cq == NULL)
		return 1000 + errno;
	errno = 0;
	wq = create_wq(dev.pdom[0], cq, wr, sge);
	e = err_of(wq);
	if (wq)
		ibv_destroy_wq(wq);
	ibv_destroy_cq(cq);
	return e;
}

/* RSS QP parameters for try_rss. */
struct rss_args {
	struct ibv_pd *pd;		/* NULL: parent domain of port */
	unsigned int port;
	unsigned int log_size;		/* 2^log WQs */
	uint8_t hash_fn;
	uint32_t key_len;
	uint32_t cap_wr, cap_sge;
};

static int
try_rss(const struct rss_args *a)
{
	unsigned int n = 1u << a->log_size, i;
	struct ibv_rwq_ind_table_init_attr ia;
	struct ibv_qp_init_attr_ex qa;
	struct ibv_rwq_ind_table *tbl;
	struct ibv_wq **wqs;
	struct ibv_cq **cqs;
	struct ibv_qp *qp;
	uint8_t key[64];
	int e = 0;

	wqs = calloc(n, sizeof(*wqs));
	cqs = calloc(n, sizeof(*cqs));
	if (wqs == NULL || cqs == NULL) {
		free(wqs);
		free(cqs);
		return ENOMEM + 1000;
	}
	for (i = 0; i < n; i++) {
		cqs[i] = ibv_create_cq(dev.ctx, 8, NULL, NULL, 0);
		if (cqs[i] == NULL) {
			fprintf(stderr, "try_rss: CQ %u: %s\n", i, strerror(errno));
			e = 1000 + errno;
			goto out;
		}
		wqs[i] = create_wq(dev.pdom[a->port < dev.nports ? a->port : 0], cqs[i], 8, 1);
		if (wqs[i] == NULL) {
			fprintf(stderr, "try_rss: WQ %u: %s\n", i, strerror(errno));
			e = 1000 + errno;
			goto out;
		}
	}
	memset(&ia, 0, sizeof(ia));
	ia.log_ind_tbl_size = a->log_size;
	ia.ind_tbl = wqs;
	tbl = ibv_create_rwq_ind_table(dev.ctx, &ia);
	if (tbl == NULL) {
		fprintf(stderr, "try_rss: ind table (log %u): %s\n", a->log_size, strerror(errno));
		e = 1000 + errno;
		goto out;
	}
	memset(key, 0x6b, sizeof(key));
	memset(&qa, 0, sizeof(qa));
	qa.qp_type = IBV_QPT_RAW_PACKET;
	qa.comp_mask = IBV_QP_INIT_ATTR_PD | IBV_QP_INIT_ATTR_IND_TABLE |
		       IBV_QP_INIT_ATTR_RX_HASH;
	qa.pd = a->pd ? a->pd : dev.pdom[a->port];
	qa.rwq_ind_tbl = tbl;
	qa.cap.max_recv_wr = a->cap_wr;
	qa.cap.max_recv_sge = a->cap_sge;
	qa.rx_hash_conf.rx_hash_function = a->hash_fn;
	qa.rx_hash_conf.rx_hash_key_len = (uint8_t)a->key_len;
	qa.rx_hash_conf.rx_hash_key = key;
	qa.rx_hash_conf.rx_hash_fields_mask = IBV_RX_HASH_SRC_IPV4 | IBV_RX_HASH_DST_IPV4;
	errno = 0;
	qp = ibv_create_qp_ex(dev.ctx, &qa);
	e = err_of(qp);
	if (qp)
		ibv_destroy_qp(qp);
	ibv_destroy_rwq_ind_table(tbl);
out:
	for (i = 0; i < n; i++) {
		if (wqs[i])
			ibv_destroy_wq(wqs[i]);
		if (cqs[i])
			ibv_destroy_cq(cqs[i]);
	}
	free(wqs);
	free(cqs);
	return e;
}

static struct rss_args
rss_ok(unsigned int port)
{
	struct rss_args a = {
		.pd = NULL, .port = port, .log_size = 1,
		.hash_fn = IBV_RX_HASH_FUNC_TOEPLITZ, .key_len = 40,
		.cap_wr = 0, .cap_sge = 0,
	};
	return a;
}

/* ------------------------------------------------------------------ */
/* Allocator variants                                                  */
/* ------------------------------------------------------------------ */

static void *
alloc_null(size_t size, void *data)
{
	(void)size;
	(void)data;
	return NULL;
}

/* Page-aligned address of an unmapped range (mapped, then unmapped). */
static void *
alloc_unmapped(size_t size, void *data)
{
	void *p = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	(void)data;
	if (p == MAP_FAILED)
		return NULL;
	munmap(p, size);
	return p;
}

static void
free_nothing(void *ptr, void *data)
{
	(void)ptr;
	(void)data;
}

/* Zeroed memory at a 64-byte offset into a page (non-zero DMA offset).
 * Kept in a small list so it can be freed. */
static void *offset_blocks[64];
static unsigned int n_offset_blocks;

static void *
alloc_offset(size_t size, void *data)
{
	void *p = NULL;

	(void)data;
	if (n_offset_blocks == 64 || posix_memalign(&p, 4096, size + 4096) != 0)
		return NULL;
	memset(p, 0, size + 4096);
	offset_blocks[n_offset_blocks++] = p;
	return (uint8_t *)p + 64;
}

static void
free_offset_blocks(void)
{
	while (n_offset_blocks)
		free(offset_blocks[--n_offset_blocks]);
}

static int
set_alloc(struct ibv_context *ctx, void *(*a)(size_t, void *), void (*f)(void *, void *))
{
	struct manadv_ctx_allocators al = { .alloc = a, .free = f, .data = NULL };

	return manadv_set_context_attr(ctx, MANADV_CTX_ATTR_BUF_ALLOCATORS, &al);
}

/* Back to the normal hooks (no CUnit assertion: also used in the child). */
static void
restore_alloc(void)
{
	if (set_alloc(dev.ctx, snt_alloc_fn, snt_free_fn) != 0) {
		fprintf(stderr, "cannot restore the allocator hooks\n");
		abort();
	}
}

/* ------------------------------------------------------------------ */
/* The table                                                           */
/* ------------------------------------------------------------------ */

static int c_cq_limit(void) { return try_cq(dev.ctx, (int)lim_wr); }
static int c_cq_limit1(void) { return try_cq(dev.ctx, (int)lim_wr + 1); }
static int c_cq_2048(void) { return try_cq(dev.ctx, 2048); }

static int
c_cq_no_alloc(void)
{
	struct snt_dev d2;
	int e;

	if (snt_open_ex(&d2, dev.name, true) != 0)
		return 1000;
	e = try_cq(d2.ctx, 64);
	snt_close(&d2);
	return e;
}

/* try_cq of 64 entries with the allocator hooks a/f, then the normal ones. */
static int
try_cq_alloc(void *(*a)(size_t, void *), void (*f)(void *, void *))
{
	int e;

	if (set_alloc(dev.ctx, a, f) != 0)
		return 1000;
	e = try_cq(dev.ctx, 64);
	restore_alloc();
	return e;
}

/* An allocator structure with NULL functions is no allocator. */
static int c_cq_alloc_null_fns(void) { return try_cq_alloc(NULL, NULL); }

static int c_sq_limit(void) { return try_sq(0, lim_wr, 1); }
static int c_sq_limit1(void) { return try_sq(0, lim_wr + 1, 1); }
static int c_sq_sge30(void) { return try_sq(0, 64, 30); }
static int c_sq_sge31(void) { return try_sq(0, 64, 31); }
static int c_sq_sge32(void) { return try_sq(0, 64, 32); }
static int c_wq_limit(void) { return try_wq(lim_wr, 1); }
static int c_wq_257(void) { return try_wq(257, 1); }
static int c_wq_sge15(void) { return try_wq(64, 15); }
static int c_wq_sge16(void) { return try_wq(64, 16); }

static int
c_sq_plain_pd(void)
{
	return try_sq_on(dev.ctx, dev.pd, 64, 1, IBV_QPT_RAW_PACKET);
}

static int
c_sq_type_ud(void)
{
	return try_sq_on(dev.ctx, dev.pdom[0], 64, 1, IBV_QPT_UD);
}

static int
c_rss_plain_pd(void)
{
	struct rss_args a = rss_ok(0);

	a.pd = dev.pd;
	return try_rss(&a);
}

/* The field of the valid RSS QP (rss_ok(0)) that a case changes. */
enum rss_field { RSS_KEY_LEN, RSS_HASH_FN, RSS_LOG_SIZE, RSS_CAP_WR, RSS_CAP_SGE };

/* try_rss of the valid RSS QP of port 0 with one field set to v. */
static int
try_rss_with(enum rss_field field, uint32_t v)
{
	struct rss_args a = rss_ok(0);

	switch (field) {
	case RSS_KEY_LEN:
		a.key_len = v;
		break;
	case RSS_HASH_FN:
		a.hash_fn = (uint8_t)v;
		break;
	case RSS_LOG_SIZE:
		a.log_size = v;
		break;
	case RSS_CAP_WR:
		a.cap_wr = v;
		break;
	case RSS_CAP_SGE:
		a.cap_sge = v;
		break;
	}
	return try_rss(&a);
}

static int c_rss_key0(void) { return try_rss_with(RSS_KEY_LEN, 0); }
static int c_rss_key32(void) { return try_rss_with(RSS_KEY_LEN, 32); }
static int c_rss_key52(void) { return try_rss_with(RSS_KEY_LEN, 52); }
static int c_rss_ok(void) { struct rss_args a = rss_ok(0); return try_rss(&a); }
static int c_rss_hash_fn(void) { return try_rss_with(RSS_HASH_FN, 2); }
static int c_rss_128(void) { return try_rss_with(RSS_LOG_SIZE, 7); }
static int c_rss_64(void) { return try_rss_with(RSS_LOG_SIZE, 6); }
static int c_rss_cap_wr(void) { return try_rss_with(RSS_CAP_WR, lim_wr + 1); }
static int c_rss_cap_sge(void) { return try_rss_with(RSS_CAP_SGE, 16); }

/* A parent domain for IB port ib_port (may be invalid). */
static struct ibv_pd *
pdom_for(unsigned int ib_port, uint32_t comp_mask)
{
	struct ibv_parent_domain_init_attr pa = {
		.pd = dev.pd,
		.comp_mask = comp_mask,
		.pd_context = (void *)(uintptr_t)ib_port,
	};

	return ibv_alloc_parent_domain(dev.ctx, &pa);
}

static int
c_sq_port(unsigned int ib_port)
{
	struct ibv_pd *pd = pdom_for(ib_port, IBV_PARENT_DOMAIN_INIT_ATTR_PD_CONTEXT);
	int e;

	if (pd == NULL)
		return 1000 + errno;
	e = try_sq_on(dev.ctx, pd, 64, 1, IBV_QPT_RAW_PACKET);
	ibv_dealloc_pd(pd);
	return e;
}

static int c_sq_port0(void) { return c_sq_port(0); }
static int c_sq_port_high(void) { return c_sq_port(dev.nports + 1); }

static int
c_rss_port0(void)
{
	struct ibv_pd *pd = pdom_for(0, IBV_PARENT_DOMAIN_INIT_ATTR_PD_CONTEXT);
	struct rss_args a = rss_ok(0);
	int e;

	if (pd == NULL)
		return 1000 + errno;
	a.pd = pd;
	e = try_rss(&a);
	ibv_dealloc_pd(pd);
	return e;
}

static int
c_pdom_comp_mask(void)
{
	struct ibv_pd *pd;

	errno = 0;
	pd = pdom_for(1, IBV_PARENT_DOMAIN_INIT_ATTR_PD_CONTEXT |
			 IBV_PARENT_DOMAIN_INIT_ATTR_ALLOCATORS);
	if (pd) {
		ibv_dealloc_pd(pd);
		return 0;
	}
	return errno ? errno : EIO;
}

/* vPort 0 is held by dev.pd (hold0): another PD of this context... */
static int
c_vport_other_pd(void)
{
	struct ibv_pd *pd2 = ibv_alloc_pd(dev.ctx), *pdom2;
	struct ibv_parent_domain_init_attr pa;
	int e;

	if (pd2 == NULL)
		return 1000 + errno;
	memset(&pa, 0, sizeof(pa));
	pa.pd = pd2;
	pa.comp_mask = IBV_PARENT_DOMAIN_INIT_ATTR_PD_CONTEXT;
	pa.pd_context = (void *)(uintptr_t)1;
	pdom2 = ibv_alloc_parent_domain(dev.ctx, &pa);
	if (pdom2 == NULL) {
		ibv_dealloc_pd(pd2);
		return 1000 + errno;
	}
	e = try_sq_on(dev.ctx, pdom2, 64, 1, IBV_QPT_RAW_PACKET);
	ibv_dealloc_pd(pdom2);
	ibv_dealloc_pd(pd2);
	return e;
}

/* ...and a PD of another context. */
static int
c_vport_other_ctx(void)
{
	struct snt_dev d2;
	int e;

	if (snt_open(&d2, dev.name) != 0)
		return 1000;
	e = try_sq_on(d2.ctx, d2.pdom[0], 64, 1, IBV_QPT_RAW_PACKET);
	snt_close(&d2);
	return e;
}

/* RSS QP on a vPort no SQ has configured (port 1 is free here). */
static int
c_rss_before_sq(void)
{
	struct rss_args a = rss_ok(1);

	return try_rss(&a);
}

/* ibv_modify_qp of a RAW send QP (qp) or ibv_modify_wq of a WQ on port 0:
 * its return value, or 1000 + errno if the objects cannot be created. */
static int
modify_case(bool qp)
{
	struct ibv_cq *cq = ibv_create_cq(dev.ctx, 64, NULL, NULL, 0);
	struct ibv_qp *q = NULL;
	struct ibv_wq *w = NULL;
	int e;

	if (cq == NULL)
		return 1000 + errno;
	if (qp)
		q = create_qp(dev.pdom[0], cq, 64, 1, IBV_QPT_RAW_PACKET);
	else
		w = create_wq(dev.pdom[0], cq, 64, 1);
	if (q == NULL && w == NULL) {
		ibv_destroy_cq(cq);
		return 1000 + errno;
	}
	if (q != NULL) {
		struct ibv_qp_attr attr = { .qp_state = IBV_QPS_RTS };

		e = ibv_modify_qp(q, &attr, IBV_QP_STATE);
		ibv_destroy_qp(q);
	} else {
		struct ibv_wq_attr attr = { .attr_mask = IBV_WQ_ATTR_STATE,
					    .wq_state = IBV_WQS_RDY };

		e = ibv_modify_wq(w, &attr);
		ibv_destroy_wq(w);
	}
	ibv_destroy_cq(cq);
	return e;
}

static int c_modify_qp(void) { return modify_case(true); }
static int c_modify_wq(void) { return modify_case(false); }

static int c_alloc_null_cq(void) { return try_cq_alloc(alloc_null, free_nothing); }

/* Object (SQ or WQ) whose ring allocation fails; its CQ is allocated
 * normally. */
static int
ring_alloc_case(bool sq, void *(*a)(size_t, void *), void (*f)(void *, void *))
{
	struct ibv_cq *cq = ibv_create_cq(dev.ctx, 64, NULL, NULL, 0);
	int e;

	if (cq == NULL)
		return 1000 + errno;
	if (set_alloc(dev.ctx, a, f) != 0) {
		ibv_destroy_cq(cq);
		return 1000;
	}
	errno = 0;
	if (sq) {
		struct ibv_qp *qp = create_qp(dev.pdom[0], cq, 64, 1, IBV_QPT_RAW_PACKET);

		e = err_of(qp);
		if (qp)
			ibv_destroy_qp(qp);
	} else {
		struct ibv_wq *wq = create_wq(dev.pdom[0], cq, 64, 1);

		e = err_of(wq);
		if (wq)
			ibv_destroy_wq(wq);
	}
	restore_alloc();
	ibv_destroy_cq(cq);
	return e;
}

static int c_alloc_null_sq(void) { return ring_alloc_case(true, alloc_null, free_nothing); }
static int c_alloc_null_wq(void) { return ring_alloc_case(false, alloc_null, free_nothing); }

static int
c_offset_wq(void)
{
	int e = ring_alloc_case(false, alloc_offset, free_nothing);

	free_offset_blocks();
	return e;
}

static int
c_offset_cq(void)
{
	int e = try_cq_alloc(alloc_offset, free_nothing);

	free_offset_blocks();
	return e;
}

static int
c_set_ctx_attr_type(void)
{
	struct manadv_ctx_allocators al = { snt_alloc_fn, snt_free_fn, NULL };

	return manadv_set_context_attr(dev.ctx, (enum manadv_set_ctx_attr_type)1, &al);
}

static int
c_init_obj_bits(void)
{
	struct manadv_obj obj;
	struct manadv_qp q;

	memset(&obj, 0, sizeof(obj));
	obj.qp.in = hold0.qp;
	obj.qp.out = &q;
	return manadv_init_obj(&obj, MANADV_OBJ_QP | (1u << 3));
}

/* Run one child case (this program with --child NAME) and return the errno
 * it observed, or a value > 1000 describing how it died. */
static int
child_case(const char *name)
{
	char self[PATH_MAX];
	char *argv[6];
	uint64_t deadline;
	ssize_t n;
	pid_t pid;
	int st = 0, ret;

	n = readlink("/proc/self/exe", self, sizeof(self) - 1);
	if (n <= 0)
		return 1000;
	self[n] = '\0';
	argv[0] = self;
	argv[1] = (char *)"--child";
	argv[2] = (char *)name;
	argv[3] = (char *)"--profile";
	argv[4] = (char *)(prof_current ? "current" : "default");
	argv[5] = NULL;
	ret = posix_spawn(&pid, self, NULL, NULL, argv, environ);
	if (ret != 0)
		return 1000 + ret;
	deadline = snt_now_ms() + 10000;
	for (;;) {
		pid_t w = waitpid(pid, &st, WNOHANG);

		if (w == pid)
			break;
		if (snt_now_ms() > deadline) {
			kill(pid, SIGKILL);
			waitpid(pid, &st, 0);
			fprintf(stderr, "child case %s hung (killed after 10 s)\n", name);
			return 3000;
		}
		snt_backoff(1000);
	}
	if (WIFSIGNALED(st)) {
		fprintf(stderr, "child case %s died with signal %d (%s)\n", name,
			WTERMSIG(st), strsignal(WTERMSIG(st)));
		return 2000 + WTERMSIG(st);
	}
	return WEXITSTATUS(st) == 255 ? 1000 : WEXITSTATUS(st);
}

static int c_unmapped_sq(void) { return child_case("unmapped-sq"); }
static int c_unmapped_wq(void) { return child_case("unmapped-wq"); }
static int c_unmapped_cq(void) { return child_case("unmapped-cq"); }

/* In the child: open the device, run the case, exit with the errno. */
static int
child_main(const char *name)
{
	int e = 255;

	if (snt_open(&dev, NULL) != 0)
		return 255;
	if (strcmp(name, "unmapped-sq") == 0) {
		e = ring_alloc_case(true, alloc_unmapped, free_nothing);
	} else if (strcmp(name, "unmapped-wq") == 0) {
		e = ring_alloc_case(false, alloc_unmapped, free_nothing);
	} else if (strcmp(name, "unmapped-cq") == 0) {
		if (set_alloc(dev.ctx, alloc_unmapped, free_nothing) == 0)
			e = try_cq(dev.ctx, 64);
	}
	snt_close(&dev);
	return e > 254 ? 255 : e;
}

struct ecase {
	const char *name;
	int (*fn)(void);
	int want[2];		/* [default, current]; NA = not modelled */
	int alt[2];		/* also acceptable (0 = none) */
};

static const struct ecase cases[] = {
	/* §1.5 / §1.12 CQ */
	{ "CQ cqe = limit", c_cq_limit, { OK, OK }, { 0, 0 } },
	{ "CQ cqe = limit + 1", c_cq_limit1, { EINVAL, EINVAL }, { 0, 0 } },
	{ "CQ cqe = 2048", c_cq_2048, { EINVAL, OK }, { 0, 0 } },
	{ "CQ without allocators (rc44)", c_cq_no_alloc, { EINVAL, NA }, { 0, 0 } },
	{ "CQ with NULL allocator functions", c_cq_alloc_null_fns, { EINVAL, NA }, { 0, 0 } },
	/* §1.9 send QP */
	{ "SQ max_send_wr = limit", c_sq_limit, { OK, OK }, { 0, 0 } },
	{ "SQ max_send_wr = limit + 1", c_sq_limit1, { EINVAL, EINVAL }, { 0, 0 } },
	{ "SQ max_send_sge = 30", c_sq_sge30, { OK, OK }, { 0, 0 } },
	{ "SQ max_send_sge = 31 (kernel > 30)", c_sq_sge31, { EINVAL, EINVAL }, { 0, 0 } },
	{ "SQ max_send_sge = 32 (libmana WQE > 512)", c_sq_sge32, { EINVAL, EINVAL }, { 0, 0 } },
	{ "RAW QP on a plain PD", c_sq_plain_pd, { EINVAL, EINVAL }, { 0, 0 } },
	{ "QP type UD", c_sq_type_ud, { EINVAL, EOPNOTSUPP }, { 0, EINVAL } },
	{ "parent domain port 0", c_sq_port0, { EINVAL, EINVAL }, { 0, 0 } },
	{ "parent domain port > port count", c_sq_port_high, { EINVAL, EINVAL }, { 0, 0 } },
	{ "parent domain comp_mask other bit", c_pdom_comp_mask, { EINVAL, EOPNOTSUPP },
	  { 0, EINVAL } },
	{ "ibv_modify_qp on a RAW QP", c_modify_qp, { EOPNOTSUPP, EOPNOTSUPP }, { 0, 0 } },
	/* §1.6 WQ */
	{ "WQ max_wr = limit", c_wq_limit, { OK, OK }, { 0, 0 } },
	{ "WQ max_wr = 257 (rc44 libmana)", c_wq_257, { EINVAL, OK }, { 0, 0 } },
	{ "WQ max_sge = 15", c_wq_sge15, { OK, OK }, { 0, 0 } },
	{ "WQ max_sge = 16 (rc44 WQE > 256)", c_wq_sge16, { EINVAL, OK }, { 0, 0 } },
	{ "ibv_modify_wq", c_modify_wq, { EOPNOTSUPP, EOPNOTSUPP }, { 0, 0 } },
	/* §1.8 RSS QP */
	{ "RSS QP valid (2 WQs)", c_rss_ok, { OK, OK }, { 0, 0 } },
	{ "RSS QP 64 WQs", c_rss_64, { OK, OK }, { 0, 0 } },
	{ "RSS QP on a plain PD", c_rss_plain_pd, { EINVAL, EINVAL }, { 0, 0 } },
	{ "RSS key length 0", c_rss_key0, { EINVAL, EINVAL }, { 0, 0 } },
	{ "RSS key length 32", c_rss_key32, { EINVAL, EINVAL }, { 0, 0 } },
	{ "RSS key length 52", c_rss_key52, { EINVAL, EINVAL }, { 0, 0 } },
	{ "RSS hash function not Toeplitz", c_rss_hash_fn, { EINVAL, EINVAL }, { 0, 0 } },
	{ "RSS table of 128 WQs", c_rss_128, { EINVAL, EINVAL }, { 0, 0 } },
	{ "RSS cap.max_recv_wr = limit + 1", c_rss_cap_wr, { EINVAL, EINVAL }, { 0, 0 } },
	{ "RSS cap.max_recv_sge = 16", c_rss_cap_sge, { EINVAL, EINVAL }, { 0, 0 } },
	{ "RSS QP port 0", c_rss_port0, { EINVAL, EINVAL }, { 0, 0 } },
	{ "RSS QP before any SQ configured the vPort", c_rss_before_sq, { EPROTO, EPROTO },
	  { 0, 0 } },
	/* §1.9 vPort exclusivity */
	{ "SQ of another PD on a held vPort", c_vport_other_pd, { ENODEV, ENODEV }, { 0, 0 } },
	{ "SQ of another context on a held vPort", c_vport_other_ctx, { ENODEV, ENODEV },
	  { 0, 0 } },
	/* §1.4 / §1.12 ring memory */
	{ "CQ allocator returns NULL", c_alloc_null_cq, { ENOMEM, ENOMEM }, { 0, 0 } },
	{ "SQ allocator returns NULL", c_alloc_null_sq, { ENOMEM, ENOMEM }, { 0, 0 } },
	{ "WQ allocator returns NULL", c_alloc_null_wq, { ENOMEM, ENOMEM }, { 0, 0 } },
	{ "SQ ring not pinnable (unmapped)", c_unmapped_sq, { EFAULT, EFAULT }, { ENOMEM, ENOMEM } },
	{ "WQ ring not pinnable (unmapped)", c_unmapped_wq, { EFAULT, EFAULT }, { ENOMEM, ENOMEM } },
	{ "CQ ring not pinnable (unmapped)", c_unmapped_cq, { EFAULT, EFAULT }, { ENOMEM, ENOMEM } },
	{ "WQ ring at a non-zero page offset (K6.9+)", c_offset_wq, { NA, EINVAL }, { 0, 0 } },
	{ "CQ ring at a non-zero page offset (K6.9+)", c_offset_cq, { NA, EINVAL }, { 0, 0 } },
	/* §1.4 / §1.10 manadv */
	{ "manadv_set_context_attr unknown type", c_set_ctx_attr_type,
	  { EOPNOTSUPP, EOPNOTSUPP }, { 0, 0 } },
	{ "manadv_init_obj unknown bit", c_init_obj_bits, { EINVAL, EINVAL }, { 0, 0 } },
};

static void
test_errno_table(void)
{
	unsigned int i, prof = prof_current ? 1 : 0, ran = 0;

	printf("\n");
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		const struct ecase *c = &cases[i];
		int want = c->want[prof], got;
		bool pass;

		if (want == NA)
			continue;
		got = c->fn();
		pass = got == want || (c->alt[prof] && got == c->alt[prof]);
		printf("    %-48s expected %-10s got %-10s %s\n", c->name,
		       want ? strerrorname_np(want) : "success",
		       got == 0 ? "success" : got < 1000 ? strerrorname_np(got) : "(setup error)",
		       pass ? "ok" : "FAIL");
		if (got >= 1000)
			fprintf(stderr, "      setup of '%s' failed (%d)\n", c->name, got);
		CU_ASSERT(pass);
		ran++;
	}
	CU_ASSERT(ran > 30);
	/* Nothing leaked by the failed creations (rings given back). */
	CU_ASSERT_EQUAL(snt_alloc_stats.bad_sizes, 0);
}

/* ------------------------------------------------------------------ */
/* Device and port attributes                                          */
/* ------------------------------------------------------------------ */

static void
test_query(void)
{
	struct ibv_device_attr_ex ax;
	struct ibv_device_attr a;
	struct ibv_port_attr pa;
	unsigned int p;

	CU_ASSERT_EQUAL_FATAL(ibv_query_device(dev.ctx, &a), 0);
	CU_ASSERT_EQUAL(a.phys_port_cnt, 2);
	CU_ASSERT_EQUAL(a.max_qp_wr, (int)lim_wr);
	CU_ASSERT_EQUAL(a.max_cqe, (int)lim_wr);
	CU_ASSERT_EQUAL(a.max_sge, 30);
	if (!prof_current)
		CU_ASSERT_EQUAL(a.max_qp, 64);
	CU_ASSERT(a.max_qp >= 1);
	CU_ASSERT_EQUAL(a.vendor_part_id, prof_current ? MANA_VENDOR_PART_ID_ETH :
							 MANA_VENDOR_PART_ID_LEGACY);
	memset(&ax, 0, sizeof(ax));
	CU_ASSERT_EQUAL_FATAL(ibv_query_device_ex(dev.ctx, NULL, &ax), 0);
	CU_ASSERT_EQUAL(ax.orig_attr.max_qp_wr, (int)lim_wr);
	CU_ASSERT_EQUAL(ax.orig_attr.phys_port_cnt, 2);
	CU_ASSERT_EQUAL(ax.raw_packet_caps, prof_current ? IBV_RAW_PACKET_CAP_IP_CSUM : 0);
	for (p = 1; p <= 2; p++) {
		memset(&pa, 0, sizeof(pa));
		CU_ASSERT_EQUAL_FATAL(ibv_query_port(dev.ctx, (uint8_t)p, &pa), 0);
		CU_ASSERT_EQUAL(pa.state, IBV_PORT_ACTIVE);
		CU_ASSERT_EQUAL(pa.link_layer, IBV_LINK_LAYER_ETHERNET);
		CU_ASSERT_EQUAL(pa.max_mtu, IBV_MTU_4096);
		CU_ASSERT_EQUAL(pa.active_mtu, IBV_MTU_1024);	/* netdev MTU 1500 */
		CU_ASSERT_EQUAL(pa.active_width, 2);		/* 4X */
		CU_ASSERT_EQUAL(pa.active_speed, 32);		/* EDR */
	}
	CU_ASSERT_NOT_EQUAL(ibv_query_port(dev.ctx, 3, &pa), 0);
}

/* §1.1: the view a driver uses to find the adapter. */
static void
test_sysfs_view(void)
{
	char path[1200], val[256], pci[64] = "";
	const char *pcidevs = getenv("SYSFS_PCI_DEVICES");
	unsigned int p;
	FILE *f;

	snprintf(path, sizeof(path), "%s/device/uevent", dev.ibdev_path);
	f = fopen(path, "r");
	CU_ASSERT_PTR_NOT_NULL_FATAL(f);
	while (fgets(val, sizeof(val), f))
		if (strncmp(val, "PCI_SLOT_NAME=", 14) == 0)
			sscanf(val + 14, "%63s", pci);
	fclose(f);
	CU_ASSERT_NOT_EQUAL(pci[0], '\0');
	for (p = 0; p < 2; p++) {
		CU_ASSERT_NOT_EQUAL(dev.ifname[p][0], '\0');
		CU_ASSERT_EQUAL(dev.mac[p][0] & 1, 0);	/* unicast MAC read */
	}
	CU_ASSERT(memcmp(dev.mac[0], dev.mac[1], 6) != 0);
	CU_ASSERT_PTR_NOT_NULL_FATAL(pcidevs);
	{
		static const char *const files[3][2] = {
			{ "vendor", "0x1414" }, { "device", "0x00ba" }, { "class", "0x020000" },
		};
		unsigned int i;

		for (i = 0; i < 3; i++) {
			snprintf(path, sizeof(path), "%s/%s/%s", pcidevs, pci, files[i][0]);
			f = fopen(path, "r");
			CU_ASSERT_PTR_NOT_NULL_FATAL(f);
			CU_ASSERT_PTR_NOT_NULL(fgets(val, sizeof(val), f));
			fclose(f);
			val[strcspn(val, "\n")] = '\0';
			CU_ASSERT_STRING_EQUAL(val, files[i][1]);
		}
	}
}

/* ------------------------------------------------------------------ */
/* Object semantics                                                    */
/* ------------------------------------------------------------------ */

static void
test_ring_sizes(void)
{
	struct { int n; size_t want; } cqs[] = {
		{ 4, 4096 }, { 64, 4096 }, { 65, 8192 }, { 100, 8192 }, { 256, 16384 },
	};
	unsigned int i;

	for (i = 0; i < sizeof(cqs) / sizeof(cqs[0]); i++) {
		struct snt_cq c;

		snt_alloc_stats.last_size = 0;
		CU_ASSERT_EQUAL_FATAL(snt_cq_create(&dev, &c, (uint32_t)cqs[i].n, NULL, NULL), 0);
		/* align4K(roundup_pow2(N * 64)) (§1.5); exactly N entries. */
		CU_ASSERT_EQUAL(snt_alloc_stats.last_size, cqs[i].want);
		CU_ASSERT_EQUAL(c.dv.count, (uint32_t)cqs[i].n);
		CU_ASSERT_PTR_NOT_NULL(c.dv.buf);
		CU_ASSERT_EQUAL((uintptr_t)c.dv.buf & 4095, 0);
		snt_cq_destroy(&c);
	}
	/* SQ: align4K(roundup_pow2(W * align32(16 S + 16))) (§1.9). */
	{
		struct { uint32_t w, s; size_t want; } sqs[] = {
			{ 10, 2, 4096 }, { 64, 30, 32768 }, { 256, 1, 8192 }, { 100, 3, 8192 },
		};

		for (i = 0; i < sizeof(sqs) / sizeof(sqs[0]); i++) {
			struct snt_sq s;
			unsigned int before = snt_alloc_stats.allocs;

			CU_ASSERT_EQUAL_FATAL(snt_sq_create(&dev, &s, 0, sqs[i].w, sqs[i].s, 64), 0);
			CU_ASSERT_EQUAL(snt_alloc_stats.allocs, before + 2);	/* CQ + SQ */
			CU_ASSERT_EQUAL(snt_alloc_stats.last_size, sqs[i].want);
			CU_ASSERT_EQUAL(s.dv.sq_size, sqs[i].want);
			CU_ASSERT_EQUAL(s.dv.sq_count, sqs[i].w);
			CU_ASSERT_EQUAL((uintptr_t)s.dv.sq_buf & 4095, 0);
			CU_ASSERT_EQUAL(s.dv.tx_vp_offset, hold0.dv.tx_vp_offset);
			CU_ASSERT_NOT_EQUAL(s.dv.sq_id, 0);
			CU_ASSERT_NOT_EQUAL(s.dv.sq_id, hold0.dv.sq_id);
			CU_ASSERT_NOT_EQUAL(s.cq.dv.cq_id, hold0.cq.dv.cq_id);
			snt_sq_destroy(&s);
		}
	}
	/* WQ: align4K(roundup_pow2(W * align32(16 S + 16))) (§1.6). */
	{
		struct { uint32_t w, s; size_t want; } wqs[] = {
			{ 256, 1, 8192 }, { 100, 3, 8192 }, { 8, 15, 4096 }, { 64, 2, 4096 },
		};

		for (i = 0; i < sizeof(wqs) / sizeof(wqs[0]); i++) {
			struct manadv_obj obj;
			struct manadv_rwq rwq;
			struct ibv_cq *cq = ibv_create_cq(dev.ctx, 64, NULL, NULL, 0);
			struct ibv_wq *wq;

			CU_ASSERT_PTR_NOT_NULL_FATAL(cq);
			wq = create_wq(dev.pdom[0], cq, wqs[i].w, wqs[i].s);
			CU_ASSERT_PTR_NOT_NULL_FATAL(wq);
			CU_ASSERT_EQUAL(snt_alloc_stats.last_size, wqs[i].want);
			memset(&obj, 0, sizeof(obj));
			obj.rwq.in = wq;
			obj.rwq.out = &rwq;
			CU_ASSERT_EQUAL(manadv_init_obj(&obj, MANADV_OBJ_RWQ), 0);
			CU_ASSERT_EQUAL(rwq.size, wqs[i].want);
			CU_ASSERT_EQUAL(rwq.count, wqs[i].w);
			CU_ASSERT_EQUAL(ibv_destroy_wq(wq), 0);
			CU_ASSERT_EQUAL(ibv_destroy_cq(cq), 0);
		}
	}
}

static void
test_objects(void)
{
	struct snt_sq s1;
	struct snt_rss r;
	unsigned int i, j, allocs0 = snt_alloc_stats.allocs, frees0 = snt_alloc_stats.frees;
	void *m;

	/* §1.2: the command fd maps at offset 0 (libmana, DPDK secondaries). */
	m = mmap(NULL, 4096, PROT_WRITE, MAP_SHARED, dev.ctx->cmd_fd, 0);
	CU_ASSERT_NOT_EQUAL(m, MAP_FAILED);
	if (m != MAP_FAILED)
		munmap(m, 4096);

	/* SQ on port 1 first (§1.9 order), then an RSS QP of 4 WQs. */
	CU_ASSERT_EQUAL_FATAL(snt_sq_create(&dev, &s1, 1, 64, 2, 64), 0);
	CU_ASSERT_EQUAL_FATAL(snt_rss_create(&dev, &r, 1, 4, 64, 64, NULL, 256, 0), 0);
	/* Ids known after the (RSS) QP exists (§1.5, §1.10). */
	for (i = 0; i < 4; i++) {
		CU_ASSERT_NOT_EQUAL(r.rq[i].dv.wq_id, 0);
		CU_ASSERT_NOT_EQUAL(r.rq[i].cq.dv.cq_id, 0);
		CU_ASSERT_NOT_EQUAL(r.rq[i].cq.dv.cq_id, 0xFFFFFFFFu);
		CU_ASSERT_EQUAL(r.rq[i].dv.count, 64);
		CU_ASSERT_PTR_NOT_NULL(r.rq[i].dv.db_page);
		CU_ASSERT_EQUAL((uintptr_t)r.rq[i].dv.db_page & 4095, 0);
		for (j = 0; j < i; j++) {
			CU_ASSERT_NOT_EQUAL(r.rq[i].dv.wq_id, r.rq[j].dv.wq_id);
			CU_ASSERT_NOT_EQUAL(r.rq[i].cq.dv.cq_id, r.rq[j].cq.dv.cq_id);
			/* One doorbell page per queue (DESIGN.md). */
			CU_ASSERT_PTR_NOT_EQUAL(r.rq[i].dv.db_page, r.rq[j].dv.db_page);
		}
		CU_ASSERT_PTR_NOT_EQUAL(r.rq[i].dv.db_page, s1.dv.db_page);
		CU_ASSERT_NOT_EQUAL(r.rq[i].cq.dv.cq_id, s1.cq.dv.cq_id);
	}
	CU_ASSERT_PTR_NOT_EQUAL(s1.dv.db_page, hold0.dv.db_page);
	CU_ASSERT_NOT_EQUAL(s1.dv.sq_id, hold0.dv.sq_id);
	/* Different vPorts have different TX offsets (§8). */
	CU_ASSERT_NOT_EQUAL(s1.dv.tx_vp_offset, hold0.dv.tx_vp_offset);
	snt_rss_destroy(&r);
	snt_sq_destroy(&s1);
	/* Every ring handed back through the free hook (§1.4). */
	CU_ASSERT_EQUAL(snt_alloc_stats.allocs - allocs0, snt_alloc_stats.frees - frees0);

	/* vPort released with the PD's last SQ: another PD may now take it. */
	{
		struct snt_dev d2;
		struct snt_sq s2;

		CU_ASSERT_EQUAL_FATAL(snt_open(&d2, dev.name), 0);
		CU_ASSERT_EQUAL(snt_sq_create(&d2, &s2, 1, 64, 1, 64), 0);
		/* ...and now the first context cannot. */
		CU_ASSERT_EQUAL(try_sq(1, 64, 1), ENODEV);
		snt_sq_destroy(&s2);
		snt_close(&d2);
		CU_ASSERT_EQUAL(try_sq(1, 64, 1), 0);
	}
}

static int
suite_init(void)
{
	if (snt_open(&dev, NULL) != 0)
		return -1;
	return snt_sq_create(&dev, &hold0, 0, 64, 1, 64) == 0 ? 0 : -1;
}

static int
suite_clean(void)
{
	snt_sq_destroy(&hold0);
	snt_close(&dev);
	if (snt_alloc_stats.live != 0)
		fprintf(stderr, "%zu rings not freed\n", snt_alloc_stats.live);
	return snt_alloc_stats.live == 0 ? 0 : -1;
}

static CU_TestInfo tests[] = {
	{ "1.12 errno table", test_errno_table },
	{ "1.1/1.12/8 device and port attributes", test_query },
	{ "1.1 sysfs view", test_sysfs_view },
	{ "1.4-1.9 ring sizes from the allocator", test_ring_sizes },
	{ "1.2/1.9/1.10 objects, ids, doorbell pages, vPort", test_objects },
	CU_TEST_INFO_NULL,
};

int
main(int argc, char **argv)
{
	const char *child = snt_arg(argc, argv, "--child", NULL);

	prof_current = strcmp(snt_arg(argc, argv, "--profile", "default"), "current") == 0;
	lim_wr = prof_current ? MANA_ETH_MAX_QP_WR : MANA_LEGACY_MAX_QP_WR;
	if (child)
		return child_main(child);
	return snt_run_suite(prof_current ? "softnic-verbs (profile current)" :
			     "softnic-verbs (profile default)", suite_init, suite_clean, tests);
}
