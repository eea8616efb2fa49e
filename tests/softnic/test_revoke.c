/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Soft-NIC conformance: revocation and restore (spec §9).
 * Run under: softnic-run --ports 2 --wire loop -- test_revoke
 *
 * "revoke 0" on the control socket behaves like the VF going away:
 * IBV_EVENT_DEVICE_FATAL on the context's async fd, every later verbs
 * command on that context fails with EIO (destroy calls still free the
 * userspace memory), doorbells have no effect, the IB device and the PCI
 * device leave the (fake) system.  "restore 0" brings a new device: new
 * contexts work, with new queue ids; old contexts stay dead.
 */
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <limits.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/stat.h>
#include <unistd.h>

#include <CUnit/Basic.h>

#include "sntest.h"

static struct snt_dev dev;
static struct snt_sq sq0, sq1;
static struct snt_rss rss1;
static char pci_addr[64];
static uint32_t old_ids[16];
static unsigned int n_old_ids;

static uint32_t
make_frame(uint8_t *buf, uint8_t seed)
{
	struct snt_flow f;

	snt_flow_init(&f, IPPROTO_UDP, "192.0.2.1", 5000, "192.0.2.2", (uint16_t)(6000 + seed), 30,
		      seed, dev.mac[0], dev.mac[1]);
	return snt_build_frame(buf, 256, &f, NULL, NULL);
}

/* Send a frame port 0 -> port 1 on the given queues and check it. */
static void
check_traffic(struct snt_sq *s, struct snt_rss *r, uint8_t seed)
{
	uint8_t frame[256];
	struct snt_pkt p;
	uint32_t len = make_frame(frame, seed);

	CU_ASSERT_EQUAL_FATAL(snt_sq_send(s, frame, len, NULL, false, NULL), MANA_CQE_TX_OKAY);
	CU_ASSERT_EQUAL_FATAL(snt_rss_recv(r, &p, SNT_TIMEOUT_MS), 1);
	CU_ASSERT_EQUAL(p.len, len);
	CU_ASSERT_EQUAL(memcmp(p.data, frame, len), 0);
	CU_ASSERT_EQUAL(snt_rq_post(&r->rq[p.wq], 1, false), 1);
}

static bool
pci_dir_exists(void)
{
	const char *root = getenv("SYSFS_PCI_DEVICES");
	char path[PATH_MAX];
	struct stat st;

	if (root == NULL)
		return false;
	snprintf(path, sizeof(path), "%s/%s", root, pci_addr);
	return stat(path, &st) == 0;
}

static int
count_devices(void)
{
	struct ibv_device **l;
	int n = -1;

	l = ibv_get_device_list(&n);
	if (l)
		ibv_free_device_list(l);
	return l ? n : -1;
}

static int
suite_init(void)
{
	char path[600], link[PATH_MAX];
	ssize_t n;

	if (snt_open(&dev, NULL) != 0 || dev.nports < 2)
		return -1;
	snprintf(path, sizeof(path), "%s/device", dev.ibdev_path);
	n = readlink(path, link, sizeof(link) - 1);
	if (n > 0) {
		link[n] = '\0';
		snprintf(pci_addr, sizeof(pci_addr), "%s", basename(link));
	}
	if (snt_sq_create(&dev, &sq0, 0, 64, 1, 64) != 0 ||
	    snt_sq_create(&dev, &sq1, 1, 64, 1, 64) != 0 ||
	    snt_rss_create(&dev, &rss1, 1, 2, 64, 64, NULL, 2048, 64) != 0)
		return -1;
	return 0;
}

static int
suite_clean(void)
{
	return snt_rings_freed();
}

/* The ids of two SQs, their CQs and the WQs and CQs of an RSS QP (at most
 * 16): stored in ids, their number returned. */
static unsigned int
queue_ids(uint32_t *ids, const struct snt_sq *s0, const struct snt_sq *s1,
	  const struct snt_rss *r)
{
	unsigned int n = 0, i;

	ids[n++] = s0->dv.sq_id;
	ids[n++] = s1->dv.sq_id;
	ids[n++] = s0->cq.dv.cq_id;
	ids[n++] = s1->cq.dv.cq_id;
	for (i = 0; i < r->n; i++) {
		ids[n++] = r->rq[i].dv.wq_id;
		ids[n++] = r->rq[i].cq.dv.cq_id;
	}
	return n;
}

static void
test_before(void)
{
	check_traffic(&sq0, &rss1, 1);
	CU_ASSERT_NOT_EQUAL(pci_addr[0], '\0');
	CU_ASSERT_TRUE(pci_dir_exists());
	CU_ASSERT_EQUAL(count_devices(), 1);
	n_old_ids = queue_ids(old_ids, &sq0, &sq1, &rss1);
}

/* Next async event within the bounded wait (async_fd is non-blocking). */
static int
next_async_event(struct ibv_async_event *ev)
{
	uint64_t deadline = snt_now_ms() + SNT_TIMEOUT_MS;
	unsigned int it = 0;

	for (;;) {
		if (ibv_get_async_event(dev.ctx, ev) == 0)
			return 0;
		if (errno != EAGAIN || snt_now_ms() > deadline)
			return -1;
		snt_backoff(256 + it++);
	}
}

/* "link 0 0 <state>" on the control socket raises the async event type for
 * IB port 1, which then reports port state st. */
static void
link_event(const char *state, enum ibv_event_type type, enum ibv_port_state st)
{
	struct ibv_async_event ev;
	struct ibv_port_attr pa;

	CU_ASSERT_EQUAL_FATAL(snt_ctlf("link 0 0 %s", state), 0);
	CU_ASSERT_EQUAL_FATAL(next_async_event(&ev), 0);
	CU_ASSERT_EQUAL(ev.event_type, type);
	CU_ASSERT_EQUAL(ev.element.port_num, 1);
	ibv_ack_async_event(&ev);
	CU_ASSERT_EQUAL(ibv_query_port(dev.ctx, 1, &pa), 0);
	CU_ASSERT_EQUAL(pa.state, st);
}

/* Link down/up on the control socket: PORT_ERR / PORT_ACTIVE events,
 * ibv_query_port state, TX dropped with a counter while down. */
static void
test_link_state(void)
{
	static const char *const ctr_link[] = { "tx_drop_link_down", NULL };
	struct ibv_port_attr pa;
	uint64_t before = 0, after = 0;
	uint8_t frame[256];
	uint32_t len;
	int fl;

	fl = fcntl(dev.ctx->async_fd, F_GETFL);
	CU_ASSERT_FATAL(fl >= 0 && fcntl(dev.ctx->async_fd, F_SETFL, fl | O_NONBLOCK) == 0);
	CU_ASSERT_EQUAL_FATAL(snt_counter_any(0, 0, ctr_link, &before, NULL), 0);
	link_event("down", IBV_EVENT_PORT_ERR, IBV_PORT_DOWN);
	CU_ASSERT_EQUAL(ibv_query_port(dev.ctx, 2, &pa), 0);
	CU_ASSERT_EQUAL(pa.state, IBV_PORT_ACTIVE);
	/* A frame sent while down completes but never reaches the wire. */
	len = make_frame(frame, 9);
	CU_ASSERT_EQUAL(snt_sq_send(&sq0, frame, len, NULL, false, NULL), MANA_CQE_TX_OKAY);
	CU_ASSERT_EQUAL(snt_counter_any(0, 0, ctr_link, &after, NULL), 0);
	CU_ASSERT_EQUAL(after, before + 1);
	link_event("up", IBV_EVENT_PORT_ACTIVE, IBV_PORT_ACTIVE);
	/* The next frame on the wire is this one, not the dropped one. */
	check_traffic(&sq0, &rss1, 10);
}

static void
test_revoke(void)
{
	struct ibv_async_event ev;
	struct epoll_event eev;
	struct ibv_device_attr a;
	struct ibv_port_attr pa;
	uint8_t frame[256];
	uint32_t len;
	int ep, fl, n;

	fl = fcntl(dev.ctx->async_fd, F_GETFL);
	CU_ASSERT_FATAL(fl >= 0 && fcntl(dev.ctx->async_fd, F_SETFL, fl | O_NONBLOCK) == 0);
	ep = epoll_create1(EPOLL_CLOEXEC);
	CU_ASSERT_FATAL(ep >= 0);
	memset(&eev, 0, sizeof(eev));
	eev.events = EPOLLIN;
	CU_ASSERT_FATAL(epoll_ctl(ep, EPOLL_CTL_ADD, dev.ctx->async_fd, &eev) == 0);
	/* Nothing queued before. */
	CU_ASSERT_EQUAL(epoll_wait(ep, &eev, 1, 0), 0);
	CU_ASSERT_EQUAL(ibv_get_async_event(dev.ctx, &ev), -1);
	CU_ASSERT_EQUAL(errno, EAGAIN);

	CU_ASSERT_EQUAL_FATAL(snt_ctlf("revoke 0"), 0);
	do {
		n = epoll_wait(ep, &eev, 1, SNT_TIMEOUT_MS);
	} while (n < 0 && errno == EINTR);
	CU_ASSERT_EQUAL_FATAL(n, 1);
	CU_ASSERT_EQUAL_FATAL(ibv_get_async_event(dev.ctx, &ev), 0);
	CU_ASSERT_EQUAL(ev.event_type, IBV_EVENT_DEVICE_FATAL);
	ibv_ack_async_event(&ev);
	close(ep);

	/* Later verbs commands fail with EIO. */
	errno = 0;
	CU_ASSERT_PTR_NULL(ibv_alloc_pd(dev.ctx));
	CU_ASSERT_EQUAL(errno, EIO);
	errno = 0;
	CU_ASSERT_PTR_NULL(ibv_create_cq(dev.ctx, 64, NULL, NULL, 0));
	CU_ASSERT_EQUAL(errno, EIO);
	{
		static uint8_t buf[4096];

		errno = 0;
		CU_ASSERT_PTR_NULL(ibv_reg_mr(dev.pd, buf, sizeof(buf), IBV_ACCESS_LOCAL_WRITE));
		CU_ASSERT_EQUAL(errno, EIO);
	}
	CU_ASSERT_EQUAL(ibv_query_device(dev.ctx, &a), EIO);
	CU_ASSERT_EQUAL(ibv_query_port(dev.ctx, 1, &pa), EIO);
	errno = 0;
	CU_ASSERT_PTR_NULL(ibv_create_comp_channel(dev.ctx));
	CU_ASSERT_EQUAL(errno, EIO);
	{
		struct ibv_qp_init_attr qa;
		struct ibv_wq_init_attr wa;

		memset(&qa, 0, sizeof(qa));
		qa.send_cq = sq0.cq.cq;
		qa.recv_cq = sq0.cq.cq;
		qa.cap.max_send_wr = 64;
		qa.cap.max_send_sge = 1;
		qa.qp_type = IBV_QPT_RAW_PACKET;
		errno = 0;
		CU_ASSERT_PTR_NULL(ibv_create_qp(dev.pdom[0], &qa));
		CU_ASSERT_EQUAL(errno, EIO);
		memset(&wa, 0, sizeof(wa));
		wa.wq_type = IBV_WQT_RQ;
		wa.max_wr = 64;
		wa.max_sge = 1;
		wa.pd = dev.pdom[1];
		wa.cq = sq0.cq.cq;
		errno = 0;
		CU_ASSERT_PTR_NULL(ibv_create_wq(dev.ctx, &wa));
		CU_ASSERT_EQUAL(errno, EIO);
	}

	/* The IB device and the PCI device left the system. */
	CU_ASSERT_EQUAL(count_devices(), 0);
	CU_ASSERT_FALSE(pci_dir_exists());

	/* A doorbell on the dead queues: must have no effect (checked after
	 * restore: this frame never reaches the wire, no CQE appears). */
	len = make_frame(frame, 2);
	CU_ASSERT(snt_sq_post_frame(&sq0, frame, len) >= 0);
	snt_sq_doorbell(&sq0);
	snt_rq_doorbell(&rss1.rq[0]);
	snt_cq_doorbell(&sq0.cq, true);
}

static void
test_restore(void)
{
	struct snt_dev d2;
	struct snt_sq n0, n1;
	struct snt_rss nr;
	struct mana_cqe c;
	unsigned int i, j;
	uint32_t new_ids[16], n_new = 0;

	CU_ASSERT_EQUAL_FATAL(snt_ctlf("restore 0"), 0);
	CU_ASSERT_TRUE(pci_dir_exists());
	CU_ASSERT_EQUAL(count_devices(), 1);
	/* The old context stays dead. */
	errno = 0;
	CU_ASSERT_PTR_NULL(ibv_alloc_pd(dev.ctx));
	CU_ASSERT_EQUAL(errno, EIO);
	/* A new context works, with new queue ids. */
	CU_ASSERT_EQUAL_FATAL(snt_open(&d2, dev.name), 0);
	CU_ASSERT_EQUAL_FATAL(snt_sq_create(&d2, &n0, 0, 64, 1, 64), 0);
	CU_ASSERT_EQUAL_FATAL(snt_sq_create(&d2, &n1, 1, 64, 1, 64), 0);
	CU_ASSERT_EQUAL_FATAL(snt_rss_create(&d2, &nr, 1, 2, 64, 64, NULL, 2048, 64), 0);
	n_new = queue_ids(new_ids, &n0, &n1, &nr);
	for (i = 0; i < n_new; i++)
		for (j = 0; j < n_old_ids; j++)
			if (new_ids[i] == old_ids[j]) {
				fprintf(stderr, "queue id %u reused after restore\n", new_ids[i]);
				CU_FAIL("queue id reused after restore (§9: new queue ids)");
			}
	/* The first frame on the wire is this marker: the doorbell rung on
	 * the revoked SQ sent nothing. */
	check_traffic(&n0, &nr, 3);
	/* ...and the dead SQ's CQ got nothing either. */
	CU_ASSERT_EQUAL(snt_cq_poll(&sq0.cq, &c), 0);
	/* The new context is fully usable: the async fd is quiet. */
	{
		struct epoll_event eev;
		int ep = epoll_create1(EPOLL_CLOEXEC);

		eev.events = EPOLLIN;
		eev.data.u64 = 0;
		CU_ASSERT_FATAL(epoll_ctl(ep, EPOLL_CTL_ADD, d2.ctx->async_fd, &eev) == 0);
		CU_ASSERT_EQUAL(epoll_wait(ep, &eev, 1, 0), 0);
		close(ep);
	}
	snt_rss_destroy(&nr);
	snt_sq_destroy(&n1);
	snt_sq_destroy(&n0);
	snt_close(&d2);
}

/* Destroy calls on the dead context succeed and free memory (§9). */
static void
test_destroy_dead(void)
{
	unsigned int frees = snt_alloc_stats.frees, i;

	for (i = 0; i < rss1.n; i++)
		rss1.rq[i].cq.ring_db = false;
	CU_ASSERT_EQUAL(ibv_destroy_qp(rss1.qp), 0);
	rss1.qp = NULL;
	CU_ASSERT_EQUAL(ibv_destroy_rwq_ind_table(rss1.tbl), 0);
	rss1.tbl = NULL;
	snt_rss_destroy(&rss1);
	CU_ASSERT_EQUAL(ibv_destroy_qp(sq0.qp), 0);
	sq0.qp = NULL;
	CU_ASSERT_EQUAL(ibv_destroy_cq(sq0.cq.cq), 0);
	sq0.cq.cq = NULL;
	CU_ASSERT_EQUAL(ibv_dereg_mr(sq0.buf.mr), 0);
	sq0.buf.mr = NULL;
	snt_sq_destroy(&sq0);
	snt_sq_destroy(&sq1);
	CU_ASSERT(snt_alloc_stats.frees > frees);
	CU_ASSERT_EQUAL(snt_alloc_stats.live, 0);
	snt_close(&dev);
}

static CU_TestInfo tests[] = {
	{ "traffic before revoke", test_before },
	{ "link down/up: PORT_ERR/PORT_ACTIVE, TX dropped", test_link_state },
	{ "9 revoke: DEVICE_FATAL, EIO, device gone", test_revoke },
	{ "9 restore: new context, new ids, old stays dead", test_restore },
	{ "9 destroy calls on the dead context", test_destroy_dead },
	CU_TEST_INFO_NULL,
};

int
main(void)
{
	return snt_run_suite("softnic-revoke", suite_init, suite_clean, tests);
}
