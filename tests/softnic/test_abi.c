/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * ABI check of the drop-in libibverbs.so.1 / libmana.so.1.
 * Run: softnic-run --ports 2 --wire loop -- test_abi --dropin-dir DIR
 *
 * Built against the real rdma-core 44 headers and linked against the real
 * libraries (-libverbs -lmana), it runs on the drop-ins (softnic-run puts
 * them first in LD_LIBRARY_PATH) and uses the inline verbs of
 * infiniband/verbs.h, which reach the provider only through struct
 * verbs_context (abi_compat, sz, ops): ibv_alloc_parent_domain,
 * ibv_query_device_ex, ibv_query_port, ibv_create_wq,
 * ibv_create_rwq_ind_table, ibv_create_qp_ex, ibv_req_notify_cq,
 * ibv_destroy_wq, ibv_destroy_rwq_ind_table.  An inline verb whose op is
 * missing returns EOPNOTSUPP (or NULL with errno EOPNOTSUPP), so every
 * success below proves the context layout.  It also checks with dladdr()
 * that the symbols resolved to the drop-ins, not to the real rdma-core.
 * No helper library: plain verbs only.
 */
#include <dlfcn.h>
#include <errno.h>
#include <limits.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <CUnit/Basic.h>

#include "cunit_run.h"
#include <infiniband/verbs.h>
#include <infiniband/manadv.h>

static const char *dropin_dir;
static struct ibv_context *ctx;
static struct ibv_pd *pd, *pdom;

static void *
alloc_ring(size_t size, void *data)
{
	void *p = NULL;

	(void)data;
	if (posix_memalign(&p, 4096, size) != 0)
		return NULL;
	memset(p, 0, size);
	return p;
}

static void
free_ring(void *p, void *data)
{
	(void)data;
	free(p);
}

/* Directory of the object that defines addr. */
static bool
from_dropin(const void *addr, const char *what)
{
	char real[PATH_MAX], dir[PATH_MAX];
	Dl_info info;

	if (dladdr(addr, &info) == 0 || info.dli_fname == NULL) {
		fprintf(stderr, "%s: dladdr failed\n", what);
		return false;
	}
	if (realpath(info.dli_fname, real) == NULL || realpath(dropin_dir, dir) == NULL)
		return false;
	if (strncmp(real, dir, strlen(dir)) != 0 || real[strlen(dir)] != '/') {
		fprintf(stderr, "%s comes from %s, not from the drop-in directory %s\n",
			what, real, dir);
		return false;
	}
	return true;
}

static void
test_resolution(void)
{
	CU_ASSERT_TRUE(from_dropin((void *)(uintptr_t)ibv_get_device_list, "ibv_get_device_list"));
	CU_ASSERT_TRUE(from_dropin((void *)(uintptr_t)ibv_open_device, "ibv_open_device"));
	CU_ASSERT_TRUE(from_dropin((void *)(uintptr_t)ibv_create_cq, "ibv_create_cq"));
	CU_ASSERT_TRUE(from_dropin((void *)(uintptr_t)manadv_init_obj, "manadv_init_obj"));
	CU_ASSERT_TRUE(from_dropin((void *)(uintptr_t)manadv_set_context_attr,
				   "manadv_set_context_attr"));
}

static void
test_open(void)
{
	struct manadv_ctx_allocators al = { alloc_ring, free_ring, NULL };
	struct ibv_parent_domain_init_attr pa;
	struct ibv_device **list;
	int n = 0;

	list = ibv_get_device_list(&n);
	CU_ASSERT_PTR_NOT_NULL_FATAL(list);
	CU_ASSERT_FATAL(n >= 1);
	CU_ASSERT_STRING_EQUAL(ibv_get_device_name(list[0]), "mana_0");
	ctx = ibv_open_device(list[0]);
	ibv_free_device_list(list);
	CU_ASSERT_PTR_NOT_NULL_FATAL(ctx);
	CU_ASSERT_EQUAL(manadv_set_context_attr(ctx, MANADV_CTX_ATTR_BUF_ALLOCATORS, &al), 0);
	pd = ibv_alloc_pd(ctx);
	CU_ASSERT_PTR_NOT_NULL_FATAL(pd);
	memset(&pa, 0, sizeof(pa));
	pa.pd = pd;
	pa.comp_mask = IBV_PARENT_DOMAIN_INIT_ATTR_PD_CONTEXT;
	pa.pd_context = (void *)(uintptr_t)1;
	pdom = ibv_alloc_parent_domain(ctx, &pa);	/* inline verb */
	CU_ASSERT_PTR_NOT_NULL_FATAL(pdom);
	CU_ASSERT_PTR_EQUAL(pdom->context, ctx);
}

static void
test_queries(void)
{
	struct ibv_device_attr_ex ax;
	struct ibv_port_attr port;

	memset(&ax, 0xA5, sizeof(ax));
	CU_ASSERT_EQUAL(ibv_query_device_ex(ctx, NULL, &ax), 0);	/* inline */
	CU_ASSERT_EQUAL(ax.orig_attr.phys_port_cnt, 2);
	CU_ASSERT(ax.orig_attr.max_qp_wr > 0);
	CU_ASSERT_EQUAL(ax.raw_packet_caps & ~(uint32_t)IBV_RAW_PACKET_CAP_IP_CSUM, 0);
	memset(&port, 0xA5, sizeof(port));
	CU_ASSERT_EQUAL(ibv_query_port(ctx, 1, &port), 0);	/* ___ibv_query_port */
	CU_ASSERT_EQUAL(port.link_layer, IBV_LINK_LAYER_ETHERNET);
	CU_ASSERT_EQUAL(port.max_mtu, IBV_MTU_4096);
}

/* The extended context the inline verbs dereference. */
static void
test_verbs_context(void)
{
	struct verbs_context *v = verbs_get_ctx(ctx);

	CU_ASSERT_PTR_NOT_NULL_FATAL(v);
	CU_ASSERT_PTR_EQUAL(&v->context, ctx);
	CU_ASSERT_PTR_NOT_NULL(verbs_get_ctx_op(ctx, query_port));
	CU_ASSERT_PTR_NOT_NULL(verbs_get_ctx_op(ctx, query_device_ex));
	CU_ASSERT_PTR_NOT_NULL(verbs_get_ctx_op(ctx, alloc_parent_domain));
	CU_ASSERT_PTR_NOT_NULL(verbs_get_ctx_op(ctx, create_wq));
	CU_ASSERT_PTR_NOT_NULL(verbs_get_ctx_op(ctx, modify_wq));
	CU_ASSERT_PTR_NOT_NULL(verbs_get_ctx_op(ctx, destroy_wq));
	CU_ASSERT_PTR_NOT_NULL(verbs_get_ctx_op(ctx, create_rwq_ind_table));
	CU_ASSERT_PTR_NOT_NULL(verbs_get_ctx_op(ctx, destroy_rwq_ind_table));
	CU_ASSERT_PTR_NOT_NULL(verbs_get_ctx_op(ctx, create_qp_ex));
	CU_ASSERT_PTR_NOT_NULL(ctx->ops.req_notify_cq);
	CU_ASSERT_PTR_NOT_NULL(ctx->ops.poll_cq);
}

static void
test_queue_objects(void)
{
	struct ibv_rwq_ind_table_init_attr ia;
	struct ibv_qp_init_attr_ex qx;
	struct ibv_qp_init_attr qa;
	struct ibv_wq_init_attr wa;
	struct ibv_rwq_ind_table *tbl;
	struct ibv_cq *scq, *rcq;
	struct ibv_wq *wq;
	struct ibv_qp *sqp, *rqp;
	struct manadv_obj obj;
	struct manadv_qp dq;
	struct manadv_rwq dw;
	struct manadv_cq dc;
	uint8_t key[40];

	scq = ibv_create_cq(ctx, 64, NULL, NULL, 0);
	rcq = ibv_create_cq(ctx, 64, NULL, NULL, 0);
	CU_ASSERT_PTR_NOT_NULL_FATAL(scq);
	CU_ASSERT_PTR_NOT_NULL_FATAL(rcq);
	memset(&qa, 0, sizeof(qa));
	qa.send_cq = scq;
	qa.recv_cq = scq;
	qa.cap.max_send_wr = 64;
	qa.cap.max_send_sge = 2;
	qa.qp_type = IBV_QPT_RAW_PACKET;
	sqp = ibv_create_qp(pdom, &qa);
	CU_ASSERT_PTR_NOT_NULL_FATAL(sqp);

	memset(&wa, 0, sizeof(wa));
	wa.wq_type = IBV_WQT_RQ;
	wa.max_wr = 64;
	wa.max_sge = 1;
	wa.pd = pdom;
	wa.cq = rcq;
	wq = ibv_create_wq(ctx, &wa);				/* inline */
	CU_ASSERT_PTR_NOT_NULL_FATAL(wq);
	CU_ASSERT_PTR_EQUAL(wq->context, ctx);
	CU_ASSERT_PTR_EQUAL(wq->cq, rcq);
	memset(&ia, 0, sizeof(ia));
	ia.log_ind_tbl_size = 0;
	ia.ind_tbl = &wq;
	tbl = ibv_create_rwq_ind_table(ctx, &ia);		/* inline */
	CU_ASSERT_PTR_NOT_NULL_FATAL(tbl);
	memset(key, 0x3c, sizeof(key));
	memset(&qx, 0, sizeof(qx));
	qx.qp_type = IBV_QPT_RAW_PACKET;
	qx.comp_mask = IBV_QP_INIT_ATTR_PD | IBV_QP_INIT_ATTR_IND_TABLE |
		       IBV_QP_INIT_ATTR_RX_HASH;
	qx.pd = pdom;
	qx.rwq_ind_tbl = tbl;
	qx.rx_hash_conf.rx_hash_function = IBV_RX_HASH_FUNC_TOEPLITZ;
	qx.rx_hash_conf.rx_hash_key_len = sizeof(key);
	qx.rx_hash_conf.rx_hash_key = key;
	qx.rx_hash_conf.rx_hash_fields_mask = IBV_RX_HASH_SRC_IPV4 | IBV_RX_HASH_DST_IPV4;
	rqp = ibv_create_qp_ex(ctx, &qx);			/* inline */
	CU_ASSERT_PTR_NOT_NULL_FATAL(rqp);
	CU_ASSERT_EQUAL(rqp->qp_type, IBV_QPT_RAW_PACKET);

	memset(&obj, 0, sizeof(obj));
	obj.qp.in = sqp;
	obj.qp.out = &dq;
	obj.rwq.in = wq;
	obj.rwq.out = &dw;
	obj.cq.in = rcq;
	obj.cq.out = &dc;
	CU_ASSERT_EQUAL(manadv_init_obj(&obj, MANADV_OBJ_QP | MANADV_OBJ_RWQ | MANADV_OBJ_CQ), 0);
	CU_ASSERT_PTR_NOT_NULL(dq.sq_buf);
	CU_ASSERT_PTR_NOT_NULL(dq.db_page);
	CU_ASSERT_EQUAL(dq.sq_count, 64);
	CU_ASSERT_PTR_NOT_NULL(dw.buf);
	CU_ASSERT_PTR_NOT_NULL(dw.db_page);
	CU_ASSERT_NOT_EQUAL(dw.wq_id, 0);
	CU_ASSERT_EQUAL(dc.count, 64);
	CU_ASSERT_NOT_EQUAL(dc.cq_id, 0);
	CU_ASSERT_EQUAL(ibv_req_notify_cq(rcq, 0), 0);		/* inline */

	CU_ASSERT_EQUAL(ibv_destroy_qp(rqp), 0);
	CU_ASSERT_EQUAL(ibv_destroy_rwq_ind_table(tbl), 0);	/* inline */
	CU_ASSERT_EQUAL(ibv_destroy_wq(wq), 0);			/* inline */
	CU_ASSERT_EQUAL(ibv_destroy_qp(sqp), 0);
	CU_ASSERT_EQUAL(ibv_destroy_cq(rcq), 0);
	CU_ASSERT_EQUAL(ibv_destroy_cq(scq), 0);
}

static void
test_close(void)
{
	CU_ASSERT_EQUAL(ibv_dealloc_pd(pdom), 0);
	CU_ASSERT_EQUAL(ibv_dealloc_pd(pd), 0);
	CU_ASSERT_EQUAL(ibv_close_device(ctx), 0);
}

int
main(int argc, char **argv)
{
	CU_pSuite s;
	int i;

	for (i = 1; i + 1 < argc; i++)
		if (strcmp(argv[i], "--dropin-dir") == 0)
			dropin_dir = argv[i + 1];
	if (dropin_dir == NULL) {
		fprintf(stderr, "usage: test_abi --dropin-dir DIR\n");
		return 2;
	}
	if (CU_initialize_registry() != CUE_SUCCESS)
		return 2;
	s = CU_add_suite("softnic-abi", NULL, NULL);
	if (s == NULL ||
	    !CU_add_test(s, "symbols resolve to the drop-ins", test_resolution) ||
	    !CU_add_test(s, "open, allocators, parent domain (inline)", test_open) ||
	    !CU_add_test(s, "verbs_context ops", test_verbs_context) ||
	    !CU_add_test(s, "ibv_query_device_ex / ibv_query_port (inline)", test_queries) ||
	    !CU_add_test(s, "WQ, ind table, RSS QP, send QP (inline verbs)",
			 test_queue_objects) ||
	    !CU_add_test(s, "close", test_close)) {
		CU_cleanup_registry();
		return 2;
	}
	return tc_run_registered();
}
