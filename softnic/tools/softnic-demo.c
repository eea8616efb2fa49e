/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * softnic-demo: send frames from one MANA port and receive them on another
 * with nothing but raw verbs + manadv, writing WQEs and reading CQEs in the
 * GDMA formats of spec/mana-hw.md (structs of mana_hw.h).
 *
 * It is the reference example of driving a MANA adapter from userspace:
 *   1. find the IB device, open it, install the queue-memory allocator
 *      (manadv_set_context_attr, mandatory with rdma-core 44, §1.4);
 *   2. PD, one parent domain per port carrying the IB port (§1.3), one MR
 *      over the frame buffers;
 *   3. per port a send QP with its CQ (§1.9) -- the send QP is what binds
 *      the vPort to this PD, so the receiving port needs one too, created
 *      before its RSS QP;
 *   4. on the receiving port a CQ, a WQ, a one-entry indirection table and
 *      the RSS QP (§1.5-§1.8); manadv_init_obj for ring addresses and ids;
 *   5. post RX WQEs (§5.1) and ring the RQ doorbell (§2.2); post TX WQEs with
 *      a short OOB (§4.1, §4.2) and ring the SQ doorbell; poll both CQs with
 *      the owner-bit algorithm (§6.3), checking every CQE and every byte.
 *
 * Built against the real rdma-core headers and libraries; softnic-run puts
 * the soft-NIC's drop-ins in front of them (on an Azure VM with a MANA VF
 * whose two vPorts are wired together it would run on the hardware).
 *
 *   softnic-run --ports 2 --wire loop -- softnic-demo [--count N]
 *
 * Exit status: 0 when every frame arrived intact, 1 otherwise.
 */
#include <dirent.h>
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <poll.h>
#include <sched.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/socket.h>
#include <sys/un.h>

#include <infiniband/verbs.h>
#include <infiniband/manadv.h>

#include "mana_hw.h"

#define DEMO_BUF_SIZE		2048u	/* bytes per frame buffer */
#define DEMO_MIN_FRAME		64u
#define DEMO_MAX_FRAME		1514u	/* MTU 1500 + Ethernet header */
#define DEMO_MAX_DEPTH		256u	/* WQEs per queue (DPDK's default) */
#define DEMO_TX_BURST		32u

/* DPDK's default RSS key (spec §7). */
static const uint8_t rss_key[MANA_RSS_KEY_SIZE] = {
	0x2c, 0xc6, 0x81, 0xd1, 0x5b, 0xdb, 0xf4, 0xf7, 0xfc, 0xa2,
	0x83, 0x19, 0xdb, 0x1a, 0x3e, 0x94, 0x6b, 0x9e, 0x38, 0xd9,
	0x2c, 0x9c, 0x03, 0xd1, 0xad, 0x99, 0x44, 0xa7, 0xd9, 0x56,
	0x3d, 0x59, 0x06, 0x3c, 0x25, 0xf3, 0xfc, 0x1f, 0xdc, 0x2a,
};

/* A CQ as the driver sees it: ring, ids, consumer index (§6). */
struct demo_cq {
	struct ibv_cq *ibcq;
	struct mana_cqe *ring;
	uint32_t count;		/* entries N */
	uint32_t id;
	uint32_t head;		/* consumer index, starts at N (§6.3) */
	uint8_t *db_page;	/* page of the queue this CQ serves */
};

/* A send queue: ring and producer position in BUs (§3.1). */
struct demo_sq {
	struct ibv_qp *qp;
	uint8_t *ring;
	uint32_t size;		/* bytes, power of two */
	uint32_t depth;		/* WQEs that may be outstanding */
	uint32_t id;
	uint32_t vp_offset;
	uint32_t head_bu;
	uint8_t *db_page;
	struct demo_cq cq;
};

/* A receive queue with its RSS QP (§1.6-§1.8). */
struct demo_rq {
	struct ibv_wq *wq;
	struct ibv_rwq_ind_table *ind_tbl;
	struct ibv_qp *rss_qp;
	uint8_t *ring;
	uint32_t size;
	uint32_t depth;
	uint32_t id;
	uint32_t head_bu;
	uint8_t *db_page;
	struct demo_cq cq;
};

struct demo {
	unsigned int count;		/* frames to send */
	unsigned int tx_port, rx_port;	/* 0-based Ethernet ports */
	unsigned int timeout_s;
	const char *dev_name;

	struct ibv_device **dev_list;
	struct ibv_context *ctx;
	struct ibv_pd *pd;
	struct ibv_pd *pdom[2];		/* parent domains: [0] TX port, [1] RX port */
	struct ibv_mr *mr;
	uint8_t *bufs;			/* TX buffers, then RX buffers */
	struct demo_sq sq;		/* sends on tx_port */
	struct demo_sq rx_port_sq;	/* binds rx_port's vPort (unused for TX) */
	struct demo_rq rq;
	uint8_t mac[2][6];		/* [0] TX port, [1] RX port */

	/* what the demo saw */
	uint64_t tx_bytes, rx_bytes;
	unsigned int sent, tx_done, received, rx_cqes, rx_coalesced;
};

/* ------------------------------------------------------------------ */
/* Queue memory: libmana asks the application for every ring (§1.4).   */
/* ------------------------------------------------------------------ */

static void *
ring_alloc(size_t size, void *data)
{
	void *p = NULL;

	(void)data;
	/* Rings start on a page boundary and CQs must be zero (§1.4, §6.3). */
	if (posix_memalign(&p, 4096, size) != 0)
		return NULL;
	memset(p, 0, size);
	return p;
}

static void
ring_free(void *ptr, void *data)
{
	(void)data;
	free(ptr);
}

/* ------------------------------------------------------------------ */
/* Doorbells (§2.2, §2.4) and the CQE owner-bit algorithm (§6.3)       */
/* ------------------------------------------------------------------ */

static void
ring_doorbell(uint8_t *db_page, uint32_t offset, uint64_t value)
{
	/* WQE writes before the doorbell: a release store; then flush. */
	__atomic_store_n((uint64_t *)(db_page + offset), value, __ATOMIC_RELEASE);
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
}

static void
sq_doorbell(struct demo_sq *sq)
{
	union mana_db_sq db = { .as_uint64 = 0 };

	db.id = sq->id;
	db.tail_ptr = sq->head_bu * MANA_BU_SIZE;	/* bytes, mod 2^32 */
	ring_doorbell(sq->db_page, MANA_DB_SQ, db.as_uint64);
}

static void
rq_doorbell(struct demo_rq *rq)
{
	union mana_db_rq db = { .as_uint64 = 0 };

	db.id = rq->id;
	db.wqe_cnt = 0;		/* Ethernet RQs write 0 (§2.2) */
	db.tail_ptr = rq->head_bu * MANA_BU_SIZE;
	ring_doorbell(rq->db_page, MANA_DB_RQ, db.as_uint64);
}

/* Report the consumer index, unarmed (§6.4: at least every 4N CQEs). */
static void
cq_doorbell(struct demo_cq *cq)
{
	union mana_db_cq db = { .as_uint64 = 0 };

	db.id = cq->id;
	db.tail_ptr = cq->head % (cq->count * 8u);
	db.arm = 0;
	ring_doorbell(cq->db_page, MANA_DB_CQ, db.as_uint64);
}

/* Take the next CQE: 1 and *out, 0 if none, -1 on overflow (§6.3). */
static int
cq_poll(struct demo_cq *cq, struct mana_cqe *out)
{
	struct mana_cqe *slot = &cq->ring[cq->head % cq->count];
	uint32_t new_owner = (cq->head / cq->count) & MANA_CQE_OWNER_MASK;
	uint32_t old_owner = (cq->head / cq->count - 1) & MANA_CQE_OWNER_MASK;
	union mana_cqe_info info;

	info.as_uint32 = __atomic_load_n(&slot->info.as_uint32, __ATOMIC_ACQUIRE);
	if (info.owner_bits == old_owner)
		return 0;
	if (info.owner_bits != new_owner) {
		fprintf(stderr, "softnic-demo: CQ %u overflowed (owner %u, expected %u)\n",
			cq->id, info.owner_bits, new_owner);
		return -1;
	}
	memcpy(out, slot, sizeof(*out));
	cq->head++;
	return 1;
}

/* ------------------------------------------------------------------ */
/* WQEs (§3.2, §4.1, §5.1)                                             */
/* ------------------------------------------------------------------ */

/* One TX WQE: header, short OOB, one SGE = 32 bytes (1 BU). */
static void
sq_post(struct demo_sq *sq, const void *frame, uint32_t len, uint32_t lkey)
{
	uint8_t *wqe = sq->ring + ((sq->head_bu * MANA_BU_SIZE) & (sq->size - 1));
	struct mana_wqe_header hdr = { .dw0 = 0, .dw1 = 0 };
	struct mana_tx_short_oob oob = { .dw0 = 0, .dw1 = 0 };
	struct mana_sge sge = {
		.address = (uint64_t)(uintptr_t)frame,
		.mem_key = lkey,
		.size = len,
	};

	hdr.num_sgl_entries = 1;
	hdr.inline_client_oob_size = MANA_OOB_DWORDS_SHORT;
	oob.pkt_fmt = MANA_TX_PKT_FMT_SHORT;
	oob.vcq_num = sq->cq.id;
	oob.vsq_frame = sq->id >> 10;
	oob.short_vp_offset = sq->vp_offset;	/* <= 255 here */
	memcpy(wqe, &hdr, sizeof(hdr));
	memcpy(wqe + sizeof(hdr), &oob, sizeof(oob));
	memcpy(wqe + sizeof(hdr) + sizeof(oob), &sge, sizeof(sge));
	sq->head_bu += mana_wqe_size(MANA_TX_SHORT_OOB_SIZE, 1) / MANA_BU_SIZE;
}

/* One RX WQE: header, 8 reserved OOB bytes, one SGE = 1 BU (§5.1). */
static void
rq_post(struct demo_rq *rq, void *buf, uint32_t cap, uint32_t lkey)
{
	uint8_t *wqe = rq->ring + ((rq->head_bu * MANA_BU_SIZE) & (rq->size - 1));
	struct mana_wqe_header hdr = { .dw0 = 0, .dw1 = 0 };
	struct mana_sge sge = {
		.address = (uint64_t)(uintptr_t)buf,
		.mem_key = lkey,
		.size = cap,
	};

	hdr.num_sgl_entries = 1;
	hdr.inline_client_oob_size = MANA_OOB_DWORDS_SHORT;
	memcpy(wqe, &hdr, sizeof(hdr));
	memset(wqe + sizeof(hdr), 0, MANA_RX_OOB_SIZE);
	memcpy(wqe + sizeof(hdr) + MANA_RX_OOB_SIZE, &sge, sizeof(sge));
	rq->head_bu += mana_wqe_size(MANA_RX_OOB_SIZE, 1) / MANA_BU_SIZE;
}

/* ------------------------------------------------------------------ */
/* Frames                                                              */
/* ------------------------------------------------------------------ */

static uint32_t
frame_len(const struct demo *d, unsigned int i)
{
	if (d->count == 1)
		return DEMO_MIN_FRAME;
	return DEMO_MIN_FRAME +
	       (uint32_t)((uint64_t)(DEMO_MAX_FRAME - DEMO_MIN_FRAME) * (i % d->count) /
			  (d->count - 1));
}

static uint16_t
ipv4_hdr_cksum(const uint8_t *h)
{
	uint32_t sum = 0;
	int i;

	for (i = 0; i < 20; i += 2)
		sum += (uint32_t)(h[i] << 8 | h[i + 1]);
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return (uint16_t)~sum;
}

/* Frame i: Ethernet + IPv4 + UDP (checksum 0) + a payload pattern that
 * depends on i, len = frame_len(i) bytes. */
static void
build_frame(const struct demo *d, unsigned int i, uint8_t *f)
{
	uint32_t len = frame_len(d, i);
	uint16_t ip_len = (uint16_t)(len - 14), udp_len = (uint16_t)(len - 34);
	uint8_t *ip = f + 14, *udp = f + 34;
	uint16_t ck;
	uint32_t k;

	memcpy(f, d->mac[1], 6);
	memcpy(f + 6, d->mac[0], 6);
	f[12] = 0x08;
	f[13] = 0x00;
	memset(ip, 0, 20);
	ip[0] = 0x45;
	ip[2] = (uint8_t)(ip_len >> 8);
	ip[3] = (uint8_t)ip_len;
	ip[4] = (uint8_t)(i >> 8);
	ip[5] = (uint8_t)i;
	ip[8] = 64;
	ip[9] = 17;			/* UDP */
	ip[12] = 10; ip[13] = 0; ip[14] = 0; ip[15] = 1;
	ip[16] = 10; ip[17] = 0; ip[18] = 0; ip[19] = 2;
	ck = ipv4_hdr_cksum(ip);
	ip[10] = (uint8_t)(ck >> 8);
	ip[11] = (uint8_t)ck;
	udp[0] = 0x30; udp[1] = 0x39;	/* 12345 */
	udp[2] = 0x01; udp[3] = 0xbb;	/* 443 */
	udp[4] = (uint8_t)(udp_len >> 8);
	udp[5] = (uint8_t)udp_len;
	udp[6] = 0;
	udp[7] = 0;
	for (k = 42; k < len; k++)
		f[k] = (uint8_t)(i * 13 + k);
}

static int
check_frame(const struct demo *d, unsigned int i, const uint8_t *got, uint32_t len)
{
	uint8_t want[DEMO_BUF_SIZE];
	uint32_t want_len = frame_len(d, i), k;

	build_frame(d, i, want);
	if (len != want_len) {
		fprintf(stderr, "softnic-demo: frame %u: received %u bytes, sent %u\n",
			i, len, want_len);
		return -1;
	}
	for (k = 0; k < len; k++) {
		if (got[k] != want[k]) {
			fprintf(stderr, "softnic-demo: frame %u: byte %u is 0x%02x, sent 0x%02x\n",
				i, k, got[k], want[k]);
			return -1;
		}
	}
	return 0;
}

static uint8_t *
tx_buf(struct demo *d, unsigned int slot)
{
	return d->bufs + (size_t)slot * DEMO_BUF_SIZE;
}

static uint8_t *
rx_buf(struct demo *d, unsigned int slot)
{
	return d->bufs + (size_t)(d->sq.depth + slot) * DEMO_BUF_SIZE;
}

/* ------------------------------------------------------------------ */
/* Setup                                                               */
/* ------------------------------------------------------------------ */

/* MAC of an Ethernet port as DPDK finds it: <ibdev_path>/device/net/<if>/
 * with dev_port == port (§1.1). */
static int
read_port_mac(struct ibv_device *dev, unsigned int port, uint8_t mac[6])
{
	char path[PATH_MAX * 2], line[64];
	struct dirent *e;
	int ret = -1;
	DIR *dir;

	snprintf(path, sizeof(path), "%s/device/net", dev->ibdev_path);
	dir = opendir(path);
	if (dir == NULL)
		return -1;
	while (ret < 0 && (e = readdir(dir)) != NULL) {
		unsigned int dev_port, b[6];
		FILE *f;

		if (e->d_name[0] == '.')
			continue;
		snprintf(path, sizeof(path), "%s/device/net/%s/dev_port",
			 dev->ibdev_path, e->d_name);
		f = fopen(path, "r");
		if (f == NULL)
			continue;
		if (fscanf(f, "%u", &dev_port) != 1 || dev_port != port) {
			fclose(f);
			continue;
		}
		fclose(f);
		snprintf(path, sizeof(path), "%s/device/net/%s/address",
			 dev->ibdev_path, e->d_name);
		f = fopen(path, "r");
		if (f == NULL)
			continue;
		if (fgets(line, sizeof(line), f) != NULL &&
		    sscanf(line, "%x:%x:%x:%x:%x:%x", &b[0], &b[1], &b[2], &b[3],
			   &b[4], &b[5]) == 6) {
			for (int k = 0; k < 6; k++)
				mac[k] = (uint8_t)b[k];
			ret = 0;
		}
		fclose(f);
	}
	closedir(dir);
	return ret;
}

static struct ibv_pd *
parent_domain(struct demo *d, unsigned int port)
{
	struct ibv_parent_domain_init_attr attr = {
		.pd = d->pd,
		.comp_mask = IBV_PARENT_DOMAIN_INIT_ATTR_PD_CONTEXT,
		.pd_context = (void *)(uintptr_t)(port + 1),	/* IB port */
	};

	return ibv_alloc_parent_domain(d->ctx, &attr);
}

static int
create_sq(struct demo *d, struct ibv_pd *pdom, uint32_t depth, struct demo_sq *sq)
{
	struct ibv_qp_init_attr qa;
	struct manadv_qp dv_qp;
	struct manadv_cq dv_cq;
	struct manadv_obj obj;

	sq->cq.ibcq = ibv_create_cq(d->ctx, (int)depth, NULL, NULL, 0);
	if (sq->cq.ibcq == NULL) {
		perror("softnic-demo: ibv_create_cq (TX)");
		return -1;
	}
	memset(&qa, 0, sizeof(qa));
	qa.send_cq = sq->cq.ibcq;
	qa.recv_cq = sq->cq.ibcq;
	qa.qp_type = IBV_QPT_RAW_PACKET;
	qa.cap.max_send_wr = depth;
	qa.cap.max_send_sge = 1;
	sq->qp = ibv_create_qp(pdom, &qa);
	if (sq->qp == NULL) {
		perror("softnic-demo: ibv_create_qp (send QP)");
		return -1;
	}
	memset(&obj, 0, sizeof(obj));
	obj.qp.in = sq->qp;
	obj.qp.out = &dv_qp;
	obj.cq.in = sq->cq.ibcq;
	obj.cq.out = &dv_cq;
	if (manadv_init_obj(&obj, MANADV_OBJ_QP | MANADV_OBJ_CQ) != 0) {
		perror("softnic-demo: manadv_init_obj (send QP)");
		return -1;
	}
	sq->ring = dv_qp.sq_buf;
	sq->size = dv_qp.sq_size;
	sq->depth = depth;
	sq->id = dv_qp.sq_id;
	sq->vp_offset = dv_qp.tx_vp_offset;
	sq->db_page = dv_qp.db_page;
	sq->cq.ring = dv_cq.buf;
	sq->cq.count = dv_cq.count;
	sq->cq.id = dv_cq.cq_id;
	sq->cq.head = dv_cq.count;
	sq->cq.db_page = dv_qp.db_page;
	if (sq->vp_offset > MANA_SHORT_VPORT_OFFSET_MAX) {
		fprintf(stderr, "softnic-demo: tx_vp_offset %u needs the long OOB, not shown here\n",
			sq->vp_offset);
		return -1;
	}
	return 0;
}

static int
create_rq(struct demo *d, struct ibv_pd *pdom, uint32_t depth, struct demo_rq *rq)
{
	struct ibv_wq_init_attr wa;
	struct ibv_rwq_ind_table_init_attr ta;
	struct ibv_qp_init_attr_ex qa;
	struct manadv_rwq dv_wq;
	struct manadv_cq dv_cq;
	struct manadv_obj obj;

	rq->cq.ibcq = ibv_create_cq(d->ctx, (int)depth, NULL, NULL, 0);
	if (rq->cq.ibcq == NULL) {
		perror("softnic-demo: ibv_create_cq (RX)");
		return -1;
	}
	memset(&wa, 0, sizeof(wa));
	wa.wq_type = IBV_WQT_RQ;
	wa.max_wr = depth;
	wa.max_sge = 1;
	wa.pd = pdom;
	wa.cq = rq->cq.ibcq;
	rq->wq = ibv_create_wq(d->ctx, &wa);
	if (rq->wq == NULL) {
		perror("softnic-demo: ibv_create_wq");
		return -1;
	}
	memset(&ta, 0, sizeof(ta));
	ta.log_ind_tbl_size = 0;	/* one WQ: everything goes to it */
	ta.ind_tbl = &rq->wq;
	rq->ind_tbl = ibv_create_rwq_ind_table(d->ctx, &ta);
	if (rq->ind_tbl == NULL) {
		perror("softnic-demo: ibv_create_rwq_ind_table");
		return -1;
	}
	memset(&qa, 0, sizeof(qa));
	qa.qp_type = IBV_QPT_RAW_PACKET;
	qa.comp_mask = IBV_QP_INIT_ATTR_PD | IBV_QP_INIT_ATTR_IND_TABLE |
		       IBV_QP_INIT_ATTR_RX_HASH;
	qa.pd = pdom;
	qa.rwq_ind_tbl = rq->ind_tbl;
	qa.rx_hash_conf.rx_hash_function = IBV_RX_HASH_FUNC_TOEPLITZ;
	qa.rx_hash_conf.rx_hash_key_len = MANA_RSS_KEY_SIZE;
	qa.rx_hash_conf.rx_hash_key = (uint8_t *)rss_key;
	qa.rx_hash_conf.rx_hash_fields_mask =
		IBV_RX_HASH_SRC_IPV4 | IBV_RX_HASH_DST_IPV4 |
		IBV_RX_HASH_SRC_PORT_UDP | IBV_RX_HASH_DST_PORT_UDP;
	rq->rss_qp = ibv_create_qp_ex(d->ctx, &qa);
	if (rq->rss_qp == NULL) {
		perror("softnic-demo: ibv_create_qp_ex (RSS QP)");
		return -1;
	}
	/* WQ and CQ ids exist only now (§1.5, §1.10). */
	memset(&obj, 0, sizeof(obj));
	obj.rwq.in = rq->wq;
	obj.rwq.out = &dv_wq;
	obj.cq.in = rq->cq.ibcq;
	obj.cq.out = &dv_cq;
	if (manadv_init_obj(&obj, MANADV_OBJ_RWQ | MANADV_OBJ_CQ) != 0) {
		perror("softnic-demo: manadv_init_obj (RWQ)");
		return -1;
	}
	rq->ring = dv_wq.buf;
	rq->size = dv_wq.size;
	rq->depth = depth;
	rq->id = dv_wq.wq_id;
	rq->db_page = dv_wq.db_page;
	rq->cq.ring = dv_cq.buf;
	rq->cq.count = dv_cq.count;
	rq->cq.id = dv_cq.cq_id;
	rq->cq.head = dv_cq.count;
	rq->cq.db_page = dv_wq.db_page;
	return 0;
}

static struct ibv_device *
pick_device(struct demo *d)
{
	int n, i;

	d->dev_list = ibv_get_device_list(&n);
	if (d->dev_list == NULL || n == 0) {
		fprintf(stderr, "softnic-demo: no RDMA device (run under softnic-run, or on a VM with MANA)\n");
		return NULL;
	}
	for (i = 0; i < n; i++) {
		const char *name = ibv_get_device_name(d->dev_list[i]);

		if (d->dev_name ? strcmp(name, d->dev_name) == 0 :
				  strncmp(name, "mana", 4) == 0)
			return d->dev_list[i];
	}
	fprintf(stderr, "softnic-demo: no device %s\n", d->dev_name ? d->dev_name : "mana*");
	return NULL;
}

static int
demo_setup(struct demo *d)
{
	struct manadv_ctx_allocators alloc = {
		.alloc = ring_alloc, .free = ring_free, .data = NULL,
	};
	struct ibv_device_attr dattr;
	struct ibv_port_attr pattr;
	struct ibv_device *dev;
	uint32_t depth;
	size_t len;
	unsigned int p;

	dev = pick_device(d);
	if (dev == NULL)
		return -1;
	d->ctx = ibv_open_device(dev);
	if (d->ctx == NULL) {
		perror("softnic-demo: ibv_open_device");
		return -1;
	}
	if (ibv_query_device(d->ctx, &dattr) != 0) {
		perror("softnic-demo: ibv_query_device");
		return -1;
	}
	if (d->tx_port >= dattr.phys_port_cnt || d->rx_port >= dattr.phys_port_cnt) {
		fprintf(stderr, "softnic-demo: %s has %u ports; need ports %u and %u\n",
			ibv_get_device_name(dev), dattr.phys_port_cnt, d->tx_port, d->rx_port);
		return -1;
	}
	for (p = 0; p < 2; p++) {
		unsigned int port = p == 0 ? d->tx_port : d->rx_port;

		if (ibv_query_port(d->ctx, (uint8_t)(port + 1), &pattr) == 0 &&
		    pattr.state != IBV_PORT_ACTIVE)
			fprintf(stderr, "softnic-demo: warning: port %u is not active\n", port);
		if (read_port_mac(dev, port, d->mac[p]) < 0) {
			fprintf(stderr, "softnic-demo: no MAC for port %u under %s/device/net\n",
				port, dev->ibdev_path);
			return -1;
		}
	}
	depth = DEMO_MAX_DEPTH;
	if ((uint32_t)dattr.max_qp_wr < depth)
		depth = (uint32_t)dattr.max_qp_wr;
	if ((uint32_t)dattr.max_cqe < depth)
		depth = (uint32_t)dattr.max_cqe;

	if (manadv_set_context_attr(d->ctx, MANADV_CTX_ATTR_BUF_ALLOCATORS, &alloc) != 0) {
		perror("softnic-demo: manadv_set_context_attr");
		return -1;
	}
	d->pd = ibv_alloc_pd(d->ctx);
	if (d->pd == NULL) {
		perror("softnic-demo: ibv_alloc_pd");
		return -1;
	}
	d->pdom[0] = parent_domain(d, d->tx_port);
	d->pdom[1] = d->rx_port == d->tx_port ? d->pdom[0] : parent_domain(d, d->rx_port);
	if (d->pdom[0] == NULL || d->pdom[1] == NULL) {
		perror("softnic-demo: ibv_alloc_parent_domain");
		return -1;
	}
	/* Send QPs first: they bind each vPort to this PD (§1.9). */
	if (create_sq(d, d->pdom[0], depth, &d->sq) < 0)
		return -1;
	if (d->rx_port != d->tx_port &&
	    create_sq(d, d->pdom[1], depth, &d->rx_port_sq) < 0)
		return -1;
	if (create_rq(d, d->pdom[1], depth, &d->rq) < 0)
		return -1;

	len = (size_t)(d->sq.depth + d->rq.depth) * DEMO_BUF_SIZE;
	if (posix_memalign((void **)&d->bufs, 4096, len) != 0) {
		fprintf(stderr, "softnic-demo: out of memory\n");
		return -1;
	}
	memset(d->bufs, 0, len);
	/* MRs are registered on the plain PD (§1.3). */
	d->mr = ibv_reg_mr(d->pd, d->bufs, len, IBV_ACCESS_LOCAL_WRITE);
	if (d->mr == NULL) {
		perror("softnic-demo: ibv_reg_mr");
		return -1;
	}
	printf("softnic-demo: %s, port %u (SQ %u, CQ %u, vPort offset %u) -> port %u "
	       "(RQ %u, CQ %u), %u WQEs per queue\n",
	       ibv_get_device_name(dev), d->tx_port, d->sq.id, d->sq.cq.id,
	       d->sq.vp_offset, d->rx_port, d->rq.id, d->rq.cq.id, depth);
	return 0;
}

/* Destruction in DPDK's order (§1.11); every pointer may be NULL. */
static void
demo_teardown(struct demo *d)
{
	struct demo_sq *sqs[2] = { &d->rx_port_sq, &d->sq };
	unsigned int i;

	if (d->rq.rss_qp)
		ibv_destroy_qp(d->rq.rss_qp);
	if (d->rq.ind_tbl)
		ibv_destroy_rwq_ind_table(d->rq.ind_tbl);
	if (d->rq.wq)
		ibv_destroy_wq(d->rq.wq);
	if (d->rq.cq.ibcq)
		ibv_destroy_cq(d->rq.cq.ibcq);
	for (i = 0; i < 2; i++) {
		if (sqs[i]->qp)
			ibv_destroy_qp(sqs[i]->qp);
		if (sqs[i]->cq.ibcq)
			ibv_destroy_cq(sqs[i]->cq.ibcq);
	}
	if (d->mr)
		ibv_dereg_mr(d->mr);
	if (d->pdom[1] && d->pdom[1] != d->pdom[0])
		ibv_dealloc_pd(d->pdom[1]);
	if (d->pdom[0])
		ibv_dealloc_pd(d->pdom[0]);
	if (d->pd)
		ibv_dealloc_pd(d->pd);
	if (d->ctx)
		ibv_close_device(d->ctx);
	if (d->dev_list)
		ibv_free_device_list(d->dev_list);
	free(d->bufs);
}

/* ------------------------------------------------------------------ */
/* Traffic                                                             */
/* ------------------------------------------------------------------ */

static int
handle_tx_cqe(struct demo *d, const struct mana_cqe *cqe)
{
	if (cqe->hdr.cqe_type != MANA_CQE_TX_OKAY || !cqe->info.is_sq ||
	    cqe->info.wq_num != d->sq.id) {
		fprintf(stderr, "softnic-demo: TX CQE for WQE %u: type %u vendor_err 0x%x, "
			"is_sq %u, wq %u (expected type %u on SQ %u)\n", d->tx_done,
			cqe->hdr.cqe_type, cqe->hdr.vendor_err, cqe->info.is_sq,
			cqe->info.wq_num, MANA_CQE_TX_OKAY, d->sq.id);
		return -1;
	}
	d->tx_done++;
	return 0;
}

/* One RX CQE: 1 packet (RX_OKAY) or 1..4 (RX_COALESCED_4), each in the
 * next posted WQE (§5.3, §5.4).  Every buffer is checked and re-posted. */
static int
handle_rx_cqe(struct demo *d, const struct mana_cqe *cqe)
{
	const struct mana_rx_comp_oob *rx = &cqe->rx;
	unsigned int n, k;

	if (cqe->info.is_sq || cqe->info.wq_num != d->rq.id) {
		fprintf(stderr, "softnic-demo: RX CQE for queue %u (is_sq %u), expected RQ %u\n",
			cqe->info.wq_num, cqe->info.is_sq, d->rq.id);
		return -1;
	}
	switch (rx->hdr.cqe_type) {
	case MANA_CQE_RX_OKAY:
		n = 1;
		break;
	case MANA_CQE_RX_COALESCED_4:
		for (n = 0; n < MANA_RX_COALESCE_MAX && rx->ppi[n].pkt_len != 0; n++)
			;
		d->rx_coalesced++;
		break;
	default:
		fprintf(stderr, "softnic-demo: RX CQE type %u (vendor_err 0x%x) for frame %u\n",
			rx->hdr.cqe_type, rx->hdr.vendor_err, d->received);
		return -1;
	}
	if (n == 0 || d->received + n > d->sent) {
		fprintf(stderr, "softnic-demo: RX CQE reports %u packets, %u sent and not yet "
			"received\n", n, d->sent - d->received);
		return -1;
	}
	d->rx_cqes++;
	for (k = 0; k < n; k++) {
		unsigned int slot = d->received % d->rq.depth;
		uint32_t len = rx->ppi[k].pkt_len;

		if (check_frame(d, d->received, rx_buf(d, slot), len) < 0)
			return -1;
		d->rx_bytes += len;
		d->received++;
		rq_post(&d->rq, rx_buf(d, slot), DEMO_BUF_SIZE, d->mr->lkey);
	}
	return 0;
}

static uint64_t
now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

static int
demo_run(struct demo *d)
{
	uint64_t last_progress = now_ns();
	struct mana_cqe cqe;
	unsigned int i, burst, posted;
	int r;

	/* Fill the RQ once; every received buffer is posted again. */
	for (i = 0; i < d->rq.depth; i++)
		rq_post(&d->rq, rx_buf(d, i), DEMO_BUF_SIZE, d->mr->lkey);
	rq_doorbell(&d->rq);

	while (d->received < d->count || d->tx_done < d->count) {
		bool progress = false;

		/* TX: never more WQEs outstanding than the SQ/CQ hold, never
		 * more frames in flight than RX buffers posted. */
		for (burst = 0; burst < DEMO_TX_BURST && d->sent < d->count &&
		     d->sent - d->tx_done < d->sq.depth &&
		     d->sent - d->received < d->rq.depth; burst++) {
			unsigned int slot = d->sent % d->sq.depth;

			build_frame(d, d->sent, tx_buf(d, slot));
			sq_post(&d->sq, tx_buf(d, slot), frame_len(d, d->sent), d->mr->lkey);
			d->tx_bytes += frame_len(d, d->sent);
			d->sent++;
		}
		if (burst > 0) {
			sq_doorbell(&d->sq);
			progress = true;
		}

		while ((r = cq_poll(&d->sq.cq, &cqe)) > 0) {
			if (handle_tx_cqe(d, &cqe) < 0)
				return -1;
			progress = true;
		}
		if (r < 0)
			return -1;
		if (progress)
			cq_doorbell(&d->sq.cq);

		posted = d->received;
		while ((r = cq_poll(&d->rq.cq, &cqe)) > 0) {
			if (handle_rx_cqe(d, &cqe) < 0)
				return -1;
		}
		if (r < 0)
			return -1;
		if (d->received != posted) {
			rq_doorbell(&d->rq);
			cq_doorbell(&d->rq.cq);
			progress = true;
		}

		if (progress) {
			last_progress = now_ns();
		} else if (now_ns() - last_progress > (uint64_t)d->timeout_s * 1000000000ull) {
			fprintf(stderr, "softnic-demo: no progress for %u s: sent %u, TX completed %u, "
				"received %u of %u\n", d->timeout_s, d->sent, d->tx_done,
				d->received, d->count);
			return -1;
		} else {
			sched_yield();
		}
	}
	return 0;
}

/* Send one command line to the soft-NIC's control socket ($SOFTNIC_CTL, set
 * by softnic-run; the protocol of softnic-ctl) and read the whole answer
 * into buf.  Returns the answer's length, or -1 (no socket: e.g. hardware). */
static int
ctl_query(const char *cmd, char *buf, size_t cap)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	const char *path = getenv("SOFTNIC_CTL");
	size_t len = 0;
	ssize_t n;
	int fd;

	if (path == NULL || strlen(path) >= sizeof(sa.sun_path))
		return -1;
	strcpy(sa.sun_path, path);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -1;
	if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0 ||
	    write(fd, cmd, strlen(cmd)) != (ssize_t)strlen(cmd)) {
		fprintf(stderr, "softnic-demo: control socket %s: %s\n", path, strerror(errno));
		close(fd);
		return -1;
	}
	shutdown(fd, SHUT_WR);
	while (len < cap - 1 && (n = read(fd, buf + len, cap - 1 - len)) > 0)
		len += (size_t)n;
	buf[len] = '\0';
	close(fd);
	return (int)len;
}

/* Print the soft-NIC's non-zero counters of one port ("counters 0 <p>"). */
static void
print_port_counters(unsigned int port)
{
	char cmd[64], prefix[32], buf[16384];
	char *line, *save;

	snprintf(cmd, sizeof(cmd), "counters 0 %u\n", port);
	if (ctl_query(cmd, buf, sizeof(buf)) < 0)
		return;
	snprintf(prefix, sizeof(prefix), "port%u.", port);
	printf("soft-NIC port %u counters (non-zero; all: softnic-ctl counters 0 %u):",
	       port, port);
	for (line = strtok_r(buf, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		const char *eq = strchr(line, '=');

		if (strncmp(line, prefix, strlen(prefix)) == 0 && eq && strcmp(eq, "=0") != 0)
			printf(" %s", line + strlen(prefix));
	}
	printf("\n");
}

static void
usage(FILE *f)
{
	fprintf(f,
		"Usage: softnic-demo [--count N] [--tx-port P] [--rx-port P] [--device NAME]\n"
		"                    [--timeout SEC]\n"
		"Send N frames (default 8) of 64..1514 bytes from Ethernet port P (default 0)\n"
		"and receive them on port P (default 1) of a MANA adapter with raw verbs +\n"
		"manadv, check every byte and CQE, print counters.  Run it under softnic-run:\n"
		"  softnic-run --ports 2 --wire loop -- softnic-demo\n");
}

int
main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "count", required_argument, NULL, 'n' },
		{ "tx-port", required_argument, NULL, 't' },
		{ "rx-port", required_argument, NULL, 'r' },
		{ "device", required_argument, NULL, 'd' },
		{ "timeout", required_argument, NULL, 'T' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct demo d;
	unsigned long v;
	char *end;
	int c, ret;

	memset(&d, 0, sizeof(d));
	d.count = 8;
	d.tx_port = 0;
	d.rx_port = 1;
	d.timeout_s = 5;
	while ((c = getopt_long(argc, argv, "n:t:r:d:T:h", opts, NULL)) != -1) {
		if (c == 'h') {
			usage(stdout);
			return 0;
		}
		if (c == 'd') {
			d.dev_name = optarg;
			continue;
		}
		if (c == '?') {
			usage(stderr);
			return 2;
		}
		errno = 0;
		v = strtoul(optarg, &end, 10);
		if (errno || *end || optarg[0] == '-' ||
		    (c == 'n' && (v < 1 || v > 100000000)) ||
		    ((c == 't' || c == 'r') && v > 255) ||
		    (c == 'T' && (v < 1 || v > 3600))) {
			fprintf(stderr, "softnic-demo: bad value %s\n", optarg);
			return 2;
		}
		if (c == 'n')
			d.count = (unsigned int)v;
		else if (c == 't')
			d.tx_port = (unsigned int)v;
		else if (c == 'r')
			d.rx_port = (unsigned int)v;
		else
			d.timeout_s = (unsigned int)v;
	}

	ret = demo_setup(&d);
	if (ret == 0)
		ret = demo_run(&d);
	printf("softnic-demo: sent %u frames (%" PRIu64 " bytes) on port %u, %u TX CQEs; "
	       "received %u frames (%" PRIu64 " bytes) on port %u in %u RX CQEs "
	       "(%u coalesced)\n", d.sent, d.tx_bytes, d.tx_port, d.tx_done,
	       d.received, d.rx_bytes, d.rx_port, d.rx_cqes, d.rx_coalesced);
	print_port_counters(d.tx_port);
	if (d.rx_port != d.tx_port)
		print_port_counters(d.rx_port);
	demo_teardown(&d);
	if (ret == 0 && d.received == d.count)
		printf("softnic-demo: PASS: %u frames arrived intact\n", d.count);
	else
		printf("softnic-demo: FAIL\n");
	return ret == 0 && d.received == d.count ? 0 : 1;
}
