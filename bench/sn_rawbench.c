/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * softnic-rawbench: device-model throughput of the soft-NIC (issue 2,
 * "Benchmark (not a test)").
 *
 * A minimal raw-verbs poller, built against the real rdma-core 44 headers
 * (libibverbs + libmana/manadv) and run on the soft-NIC's drop-in
 * libraries by softnic-run.  No DPDK, no PMD: it writes the GDMA formats of
 * spec/mana-hw.md itself, so the figure is the cost of the device model
 * (SQ processing, wire, RQ delivery, CQE writes) with as little driver cost
 * as possible on the other core.
 *
 * Set-up (spec §1): one PD; per port a parent domain (pd_context = IB port);
 * on the TX port a send QP (§1.9) with its CQ; on the RX port a send QP too
 * (only the send-QP path configures a vPort, §1.9) and one RQ behind an RSS
 * QP with a one-entry indirection table (§1.6-§1.8).  Ring memory comes from
 * the manadv allocator hooks (§1.4), page aligned and zeroed.
 *
 * Datapath:
 *  - TX: one WQE per frame = DMA header + short OOB + 1 SGE = 32 bytes
 *    (§3.2, §4.1, §4.2); one SQ doorbell per batch (§2.2, §2.4).  By
 *    default every WQE of a batch but the last sets suppress_txcqe_gen
 *    (§4.2), so the device writes one TX CQE per batch and the SQ space of
 *    the whole batch is reclaimed on it (completions arrive in SQ order; an
 *    error CQE, which the device always writes, stops the benchmark).
 *    --tx-cqe-per-wqe asks for a CQE per frame instead.
 *  - RX: one WQE per buffer = header + 8 reserved OOB bytes + 1 SGE
 *    (§3.2); consumed WQEs re-posted after each CQ poll, one RQ doorbell.
 *  - CQs polled with the owner-bit algorithm of §6.3; CQE_RX_OKAY,
 *    CQE_RX_COALESCED_4 (§5.4, packets counted from the ppi slots) and
 *    CQE_RX_TRUNCATED handled; an unarmed CQ doorbell (§6.4) every N/2
 *    consumed CQEs.
 *
 * The frames (Ethernet/IPv4/UDP, --size bytes without FCS) are addressed to
 * the RX port's MAC read from the fake sysfs (§1.1: <ibdev>/device/net/<if>/
 * {dev_port,address}).  The poller pins itself to --cpu and every other
 * thread of the process (the soft-NIC's device thread among them) to
 * --dev-cpu, then runs for --warmup + --seconds seconds.
 *
 * Output (stdout, key=value lines, parsed by bench/bench.py): mpps, seconds,
 * rx_pkts, tx_pkts, rx_cqes, pkts_per_rx_cqe, tx_cqes, tx_err_cqes,
 * rx_trunc_cqes, lost, other_threads_pinned.  Exit 0 on success, 1 on error.
 */
#include <dirent.h>
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <sched.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include <infiniband/verbs.h>
#include <infiniband/manadv.h>

#include <rte_byteorder.h>
#include <rte_ether.h>
#include <rte_ip.h>
#include <rte_udp.h>

#include "mana_hw.h"

#define RB_BUF_STRIDE	2048u	/* bytes per RX buffer and per TX frame slot */

struct rb_opts {
	const char *ibdev;	/* NULL: first device */
	unsigned int tx_port;	/* IB port, 1-based */
	unsigned int rx_port;
	uint32_t ring;		/* WQEs per SQ/RQ and CQEs per CQ */
	uint32_t burst;		/* WQEs posted per SQ doorbell */
	uint32_t size;		/* frame bytes without FCS */
	double seconds;
	double warmup;
	int cpu;		/* poller CPU, -1 = leave */
	int dev_cpu;		/* CPU for every other thread, -1 = leave */
	bool cqe_per_wqe;	/* a TX CQE for every WQE (else one per burst) */
};

/* Consumer state of one CQ (§6.3). */
struct rb_cq {
	struct ibv_cq *ibcq;
	struct mana_cqe *ring;
	uint32_t count;		/* N */
	uint32_t id;
	uint32_t head;		/* starts at N */
	uint32_t since_db;	/* CQEs consumed since the last CQ doorbell */
	void *db_page;
};

struct rb_port {
	unsigned int ib_port;
	uint8_t mac[6];
	struct ibv_pd *parent;
	/* send side */
	struct rb_cq txcq;
	struct ibv_qp *qp;
	struct manadv_qp dvqp;
	uint32_t sq_head;	/* BUs posted */
	uint32_t sq_tail;	/* BUs completed */
	/* receive side (RX port only) */
	struct rb_cq rxcq;
	struct ibv_wq *wq;
	struct ibv_rwq_ind_table *ind;
	struct ibv_qp *rss;
	struct manadv_rwq dvwq;
	uint32_t rq_head;	/* WQEs (= BUs) posted */
	uint32_t rq_tail;	/* WQEs consumed */
};

struct rb_stats {
	uint64_t tx_pkts, tx_cqes, tx_err_cqes;
	uint64_t rx_pkts, rx_cqes, rx_trunc_cqes;
};

static struct rb_stats st;

/* Zeroed, page-aligned ring memory for libmana (§1.4). */
static void *
rb_alloc(size_t size, void *data)
{
	void *p = NULL;

	(void)data;
	if (posix_memalign(&p, MANA_PAGE_SIZE, size) != 0)
		return NULL;
	memset(p, 0, size);
	return p;
}

static void
rb_free(void *ptr, void *data)
{
	(void)data;
	free(ptr);
}

static double
now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static int
pin_tid(pid_t tid, int cpu)
{
	cpu_set_t set;

	CPU_ZERO(&set);
	CPU_SET(cpu, &set);
	return sched_setaffinity(tid, sizeof(set), &set);
}

/*
 * Pin the calling thread to cpu and every other thread of the process to
 * dev_cpu.  Returns the number of other threads pinned, or -errno.
 */
static int
pin_threads(int cpu, int dev_cpu)
{
	pid_t self = (pid_t)syscall(SYS_gettid);
	struct dirent *de;
	DIR *d;
	int n = 0;

	if (cpu >= 0 && pin_tid(self, cpu) != 0)
		return -errno;
	if (dev_cpu < 0)
		return 0;
	d = opendir("/proc/self/task");
	if (d == NULL)
		return -errno;
	while ((de = readdir(d)) != NULL) {
		pid_t tid = (pid_t)atoi(de->d_name);

		if (tid <= 0 || tid == self)
			continue;
		if (pin_tid(tid, dev_cpu) == 0)
			n++;
	}
	closedir(d);
	return n;
}

/*
 * MAC of IB port ib_port (1-based) of dev from its sysfs view (§1.1):
 * <ibdev_path>/device/net/<if>/dev_port == ib_port - 1, then .../address.
 */
static int
port_mac(struct ibv_device *dev, unsigned int ib_port, uint8_t mac[6])
{
	char path[PATH_MAX + 64], buf[64];
	struct dirent *de;
	DIR *d;
	FILE *f;
	int ret = -ENOENT;

	snprintf(path, sizeof(path), "%s/device/net", dev->ibdev_path);
	d = opendir(path);
	if (d == NULL)
		return -errno;
	while ((de = readdir(d)) != NULL && ret != 0) {
		unsigned int dp;

		if (de->d_name[0] == '.')
			continue;
		snprintf(path, sizeof(path), "%s/device/net/%s/dev_port",
			 dev->ibdev_path, de->d_name);
		f = fopen(path, "r");
		if (f == NULL)
			continue;
		if (fscanf(f, "%u", &dp) != 1 || dp != ib_port - 1) {
			fclose(f);
			continue;
		}
		fclose(f);
		snprintf(path, sizeof(path), "%s/device/net/%s/address",
			 dev->ibdev_path, de->d_name);
		f = fopen(path, "r");
		if (f == NULL)
			continue;
		if (fgets(buf, sizeof(buf), f) != NULL &&
		    sscanf(buf, "%hhx:%hhx:%hhx:%hhx:%hhx:%hhx", &mac[0], &mac[1],
			   &mac[2], &mac[3], &mac[4], &mac[5]) == 6)
			ret = 0;
		fclose(f);
	}
	closedir(d);
	return ret;
}

static inline void
wmb_db(void)
{
	__atomic_thread_fence(__ATOMIC_RELEASE);
}

static inline void
flush_db(void)
{
#if defined(__x86_64__)
	__builtin_ia32_sfence();
#else
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
#endif
}

static inline void
write_db64(void *page, uint32_t off, uint64_t v)
{
	wmb_db();
	*(volatile uint64_t *)((uint8_t *)page + off) = v;
	flush_db();
}

/* Unarmed CQ doorbell: tail = head mod 8N (§2.2, §6.4). */
static void
cq_ring_db(struct rb_cq *cq)
{
	union mana_db_cq db = { .as_uint64 = 0 };

	db.id = cq->id;
	db.tail_ptr = cq->head % (cq->count << 3);
	db.arm = 0;
	write_db64(cq->db_page, MANA_DB_CQ, db.as_uint64);
	cq->since_db = 0;
}

/*
 * Poll one CQE (§6.3).  Returns 1 and copies it to *out, 0 if none,
 * -EOVERFLOW when the owner bits show the device lapped the consumer.
 */
static inline int
cq_poll(struct rb_cq *cq, struct mana_cqe *out)
{
	const struct mana_cqe *c = &cq->ring[cq->head % cq->count];
	uint32_t new_owner = (cq->head / cq->count) & MANA_CQE_OWNER_MASK;
	uint32_t old_owner = (cq->head / cq->count - 1) & MANA_CQE_OWNER_MASK;
	union mana_cqe_info info;

	info.as_uint32 = __atomic_load_n(&c->info.as_uint32, __ATOMIC_ACQUIRE);
	if (info.owner_bits == old_owner)
		return 0;
	if (info.owner_bits != new_owner)
		return -EOVERFLOW;
	memcpy(out, c, sizeof(*out));
	cq->head++;
	if (++cq->since_db >= cq->count / 2)
		cq_ring_db(cq);
	return 1;
}

static int
cq_create(struct ibv_context *ctx, uint32_t n, struct rb_cq *cq)
{
	memset(cq, 0, sizeof(*cq));
	cq->ibcq = ibv_create_cq(ctx, (int)n, NULL, NULL, 0);
	if (cq->ibcq == NULL)
		return -errno;
	return 0;
}

static int
cq_fill(struct rb_cq *cq, void *db_page)
{
	struct manadv_cq dv;
	struct manadv_obj obj;
	int ret;

	memset(&obj, 0, sizeof(obj));
	obj.cq.in = cq->ibcq;
	obj.cq.out = &dv;
	ret = manadv_init_obj(&obj, MANADV_OBJ_CQ);
	if (ret != 0)
		return -ret;
	cq->ring = dv.buf;
	cq->count = dv.count;
	cq->id = dv.cq_id;
	cq->head = dv.count;
	cq->db_page = db_page;
	return 0;
}

/* Send QP of a port (§1.9), with its CQ. */
static int
sq_create(struct ibv_context *ctx, struct rb_port *p, uint32_t ring)
{
	struct ibv_qp_init_attr attr;
	struct manadv_obj obj;
	int ret;

	ret = cq_create(ctx, ring, &p->txcq);
	if (ret != 0)
		return ret;
	memset(&attr, 0, sizeof(attr));
	attr.send_cq = p->txcq.ibcq;
	attr.recv_cq = p->txcq.ibcq;
	attr.cap.max_send_wr = ring;
	attr.cap.max_send_sge = 1;
	attr.qp_type = IBV_QPT_RAW_PACKET;
	p->qp = ibv_create_qp(p->parent, &attr);
	if (p->qp == NULL)
		return -errno;
	memset(&obj, 0, sizeof(obj));
	obj.qp.in = p->qp;
	obj.qp.out = &p->dvqp;
	ret = manadv_init_obj(&obj, MANADV_OBJ_QP);
	if (ret != 0)
		return -ret;
	return cq_fill(&p->txcq, p->dvqp.db_page);
}

/* One RQ behind an RSS QP with a one-entry table (§1.6-§1.8). */
static int
rq_create(struct ibv_context *ctx, struct rb_port *p, uint32_t ring)
{
	static uint8_t key[MANA_RSS_KEY_SIZE] = {
		0x2c, 0xc6, 0x81, 0xd1, 0x5b, 0xdb, 0xf4, 0xf7, 0xfc, 0xa2,
		0x83, 0x19, 0xdb, 0x1a, 0x3e, 0x94, 0x6b, 0x9e, 0x38, 0xd9,
		0x2c, 0x9c, 0x03, 0xd1, 0xad, 0x99, 0x44, 0xa7, 0xd9, 0x56,
		0x3d, 0x59, 0x06, 0x3c, 0x25, 0xf3, 0xfc, 0x1f, 0xdc, 0x2a,
	};
	struct ibv_wq_init_attr wq_attr;
	struct ibv_rwq_ind_table_init_attr ind_attr;
	struct ibv_qp_init_attr_ex qp_attr;
	struct manadv_obj obj;
	struct ibv_wq *tbl[1];
	int ret;

	ret = cq_create(ctx, ring, &p->rxcq);
	if (ret != 0)
		return ret;
	memset(&wq_attr, 0, sizeof(wq_attr));
	wq_attr.wq_type = IBV_WQT_RQ;
	wq_attr.max_wr = ring;
	wq_attr.max_sge = 1;
	wq_attr.pd = p->parent;
	wq_attr.cq = p->rxcq.ibcq;
	p->wq = ibv_create_wq(ctx, &wq_attr);
	if (p->wq == NULL)
		return -errno;
	tbl[0] = p->wq;
	memset(&ind_attr, 0, sizeof(ind_attr));
	ind_attr.log_ind_tbl_size = 0;
	ind_attr.ind_tbl = tbl;
	p->ind = ibv_create_rwq_ind_table(ctx, &ind_attr);
	if (p->ind == NULL)
		return -errno;
	memset(&qp_attr, 0, sizeof(qp_attr));
	qp_attr.comp_mask = IBV_QP_INIT_ATTR_PD | IBV_QP_INIT_ATTR_RX_HASH |
			    IBV_QP_INIT_ATTR_IND_TABLE;
	qp_attr.qp_type = IBV_QPT_RAW_PACKET;
	qp_attr.pd = p->parent;
	qp_attr.rwq_ind_tbl = p->ind;
	qp_attr.rx_hash_conf.rx_hash_function = IBV_RX_HASH_FUNC_TOEPLITZ;
	qp_attr.rx_hash_conf.rx_hash_key_len = sizeof(key);
	qp_attr.rx_hash_conf.rx_hash_key = key;
	qp_attr.rx_hash_conf.rx_hash_fields_mask =
		IBV_RX_HASH_SRC_IPV4 | IBV_RX_HASH_DST_IPV4 |
		IBV_RX_HASH_SRC_PORT_UDP | IBV_RX_HASH_DST_PORT_UDP;
	p->rss = ibv_create_qp_ex(ctx, &qp_attr);
	if (p->rss == NULL)
		return -errno;
	memset(&obj, 0, sizeof(obj));
	obj.rwq.in = p->wq;
	obj.rwq.out = &p->dvwq;
	ret = manadv_init_obj(&obj, MANADV_OBJ_RWQ);
	if (ret != 0)
		return -ret;
	return cq_fill(&p->rxcq, p->dvwq.db_page);
}

/* Write one RX WQE (header, 8 reserved OOB bytes, 1 SGE) at BU rq_head. */
static inline void
rq_post_one(struct rb_port *p, uint8_t *rxbuf, uint32_t lkey)
{
	uint32_t off = (p->rq_head * MANA_BU_SIZE) & (p->dvwq.size - 1);
	uint8_t *w = (uint8_t *)p->dvwq.buf + off;
	struct mana_wqe_header hdr = { .dw0 = 0, .dw1 = 0 };
	struct mana_sge sge;
	uint32_t slot = p->rq_head % p->dvwq.count;

	hdr.num_sgl_entries = 1;
	hdr.inline_client_oob_size = MANA_OOB_DWORDS_SHORT;
	sge.address = (uint64_t)(uintptr_t)(rxbuf + (size_t)slot * RB_BUF_STRIDE);
	sge.mem_key = lkey;
	sge.size = RB_BUF_STRIDE;
	memcpy(w, &hdr, sizeof(hdr));
	memcpy(w + MANA_DMA_HDR_SIZE + MANA_RX_OOB_SIZE, &sge, sizeof(sge));
	p->rq_head++;
}

static inline void
rq_ring_db(struct rb_port *p)
{
	union mana_db_rq db = { .as_uint64 = 0 };

	db.id = p->dvwq.wq_id;
	db.wqe_cnt = 0;		/* §2.2: 0 for Ethernet RQs */
	db.tail_ptr = p->rq_head * MANA_BU_SIZE;
	write_db64(p->dvwq.db_page, MANA_DB_RQ, db.as_uint64);
}

/*
 * Write one TX WQE (header, short OOB, 1 SGE) at BU sq_head (§4.1); with
 * suppress set the device writes no CQE for it unless it fails (§4.2).
 */
static inline void
sq_post_one(struct rb_port *p, uint8_t *txbuf, uint32_t lkey, uint32_t len,
	    bool suppress)
{
	uint32_t off = (p->sq_head * MANA_BU_SIZE) & (p->dvqp.sq_size - 1);
	uint8_t *w = (uint8_t *)p->dvqp.sq_buf + off;
	struct mana_wqe_header hdr = { .dw0 = 0, .dw1 = 0 };
	struct mana_tx_short_oob oob = { .dw0 = 0, .dw1 = 0 };
	struct mana_sge sge;
	uint32_t slot = p->sq_head % p->dvqp.sq_count;

	hdr.num_sgl_entries = 1;
	hdr.inline_client_oob_size = MANA_OOB_DWORDS_SHORT;
	oob.pkt_fmt = MANA_TX_PKT_FMT_SHORT;
	oob.is_outer_ipv4 = 1;
	oob.suppress_txcqe_gen = suppress ? 1 : 0;
	oob.vcq_num = p->txcq.id;
	oob.vsq_frame = p->dvqp.sq_id >> 10;
	oob.short_vp_offset = p->dvqp.tx_vp_offset;
	sge.address = (uint64_t)(uintptr_t)(txbuf + (size_t)slot * RB_BUF_STRIDE);
	sge.mem_key = lkey;
	sge.size = len;
	memcpy(w, &hdr, sizeof(hdr));
	memcpy(w + MANA_DMA_HDR_SIZE, &oob, sizeof(oob));
	memcpy(w + MANA_DMA_HDR_SIZE + MANA_TX_SHORT_OOB_SIZE, &sge, sizeof(sge));
	p->sq_head++;
}

static inline void
sq_ring_db(struct rb_port *p)
{
	union mana_db_sq db = { .as_uint64 = 0 };

	db.id = p->dvqp.sq_id;
	db.tail_ptr = p->sq_head * MANA_BU_SIZE;
	write_db64(p->dvqp.db_page, MANA_DB_SQ, db.as_uint64);
}

static void
build_frame(uint8_t *f, uint32_t len, const uint8_t src[6], const uint8_t dst[6],
	    uint32_t flow)
{
	struct rte_ether_hdr *eth = (struct rte_ether_hdr *)f;
	struct rte_ipv4_hdr *ip = (struct rte_ipv4_hdr *)(eth + 1);
	struct rte_udp_hdr *udp = (struct rte_udp_hdr *)(ip + 1);

	memset(f, 0, len);
	memcpy(eth->dst_addr.addr_bytes, dst, 6);
	memcpy(eth->src_addr.addr_bytes, src, 6);
	eth->ether_type = rte_cpu_to_be_16(RTE_ETHER_TYPE_IPV4);
	ip->version_ihl = RTE_IPV4_VHL_DEF;
	ip->total_length = rte_cpu_to_be_16((uint16_t)(len - sizeof(*eth)));
	ip->time_to_live = 64;
	ip->next_proto_id = IPPROTO_UDP;
	ip->src_addr = rte_cpu_to_be_32(RTE_IPV4(198, 18, 0, 1));
	ip->dst_addr = rte_cpu_to_be_32(RTE_IPV4(198, 19, 0, 1));
	ip->hdr_checksum = rte_ipv4_cksum(ip);
	udp->src_port = rte_cpu_to_be_16((uint16_t)(1024 + flow));
	udp->dst_port = rte_cpu_to_be_16(9);
	udp->dgram_len = rte_cpu_to_be_16((uint16_t)(len - sizeof(*eth) - sizeof(*ip)));
}

static void
usage(const char *prog)
{
	printf("usage: %s [--ibdev NAME] [--tx-port P] [--rx-port P] [--ring N]\n"
	       "          [--burst B] [--size BYTES] [--seconds S] [--warmup S]\n"
	       "          [--cpu C] [--dev-cpu C] [--tx-cqe-per-wqe]\n"
	       "Soft-NIC device-model throughput with a raw-verbs poller (run it\n"
	       "under softnic-run).  Defaults: first device, --tx-port 1 --rx-port 2\n"
	       "--ring 256 --burst 32 --size 60 --seconds 2 --warmup 0.5\n"
	       "--cpu 1 --dev-cpu 0 (-1 = do not pin); one TX CQE per burst\n"
	       "(the other WQEs suppress theirs) unless --tx-cqe-per-wqe.\n", prog);
}

static int
parse_args(int argc, char **argv, struct rb_opts *o)
{
	static const struct option lopts[] = {
		{ "ibdev", required_argument, NULL, 'i' },
		{ "tx-port", required_argument, NULL, 't' },
		{ "rx-port", required_argument, NULL, 'r' },
		{ "ring", required_argument, NULL, 'n' },
		{ "burst", required_argument, NULL, 'b' },
		{ "size", required_argument, NULL, 's' },
		{ "seconds", required_argument, NULL, 'd' },
		{ "warmup", required_argument, NULL, 'w' },
		{ "cpu", required_argument, NULL, 'c' },
		{ "dev-cpu", required_argument, NULL, 'D' },
		{ "tx-cqe-per-wqe", no_argument, NULL, 'Q' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	int c;

	while ((c = getopt_long(argc, argv, "h", lopts, NULL)) != -1) {
		switch (c) {
		case 'i': o->ibdev = optarg; break;
		case 't': o->tx_port = (unsigned int)atoi(optarg); break;
		case 'r': o->rx_port = (unsigned int)atoi(optarg); break;
		case 'n': o->ring = (uint32_t)atoi(optarg); break;
		case 'b': o->burst = (uint32_t)atoi(optarg); break;
		case 's': o->size = (uint32_t)atoi(optarg); break;
		case 'd': o->seconds = atof(optarg); break;
		case 'w': o->warmup = atof(optarg); break;
		case 'c': o->cpu = atoi(optarg); break;
		case 'D': o->dev_cpu = atoi(optarg); break;
		case 'Q': o->cqe_per_wqe = true; break;
		case 'h': usage(argv[0]); exit(0);
		default: usage(argv[0]); return -EINVAL;
		}
	}
	if (o->tx_port < 1 || o->rx_port < 1 || o->ring < 16 ||
	    (o->ring & (o->ring - 1)) != 0 || o->burst < 1 || o->burst > o->ring ||
	    o->ring % o->burst != 0 ||
	    o->size < 60 || o->size > RB_BUF_STRIDE || o->seconds <= 0 ||
	    o->warmup < 0) {
		fprintf(stderr, "softnic-rawbench: invalid options (ring must be a power of two >= 16, "
			"1 <= burst <= ring, burst dividing ring, 60 <= size <= %u)\n", RB_BUF_STRIDE);
		return -EINVAL;
	}
	return 0;
}

static int
fail(const char *what, int err)
{
	fprintf(stderr, "softnic-rawbench: %s: %s\n", what, strerror(err < 0 ? -err : err));
	return 1;
}

/*
 * Poll the RX CQ, count packets and re-post the consumed WQEs.
 * Returns 0 or -EOVERFLOW / -EIO (unexpected CQE).
 */
static int
rx_poll(struct rb_port *rx, uint8_t *rxbuf, uint32_t lkey)
{
	struct mana_cqe cqe;
	uint32_t consumed = 0;
	unsigned int i;
	int ret;

	while ((ret = cq_poll(&rx->rxcq, &cqe)) > 0) {
		st.rx_cqes++;
		switch (cqe.hdr.cqe_type) {
		case MANA_CQE_RX_OKAY:
			st.rx_pkts++;
			consumed++;
			break;
		case MANA_CQE_RX_COALESCED_4:
			for (i = 0; i < MANA_RX_COALESCE_MAX; i++) {
				if (cqe.rx.ppi[i].pkt_len == 0)
					break;
				st.rx_pkts++;
				consumed++;
			}
			break;
		case MANA_CQE_RX_TRUNCATED:
			st.rx_trunc_cqes++;
			consumed++;
			break;
		default:
			fprintf(stderr, "softnic-rawbench: unexpected RX CQE type %u\n",
				cqe.hdr.cqe_type);
			return -EIO;
		}
		if (consumed >= 32)
			break;
	}
	if (ret < 0)
		return ret;
	if (consumed > 0) {
		rx->rq_tail += consumed;
		while (rx->rq_head - rx->rq_tail < rx->dvwq.count)
			rq_post_one(rx, rxbuf, lkey);
		rq_ring_db(rx);
	}
	return 0;
}

/*
 * Poll the TX CQ; each CQE completes wqes_per_cqe WQEs of 1 BU each.
 * Returns 0, -EOVERFLOW, or -EIO on an error CQE.
 */
static int
tx_poll(struct rb_port *tx, uint32_t wqes_per_cqe)
{
	struct mana_cqe cqe;
	int ret;

	while ((ret = cq_poll(&tx->txcq, &cqe)) > 0) {
		st.tx_cqes++;
		if (cqe.hdr.cqe_type != MANA_CQE_TX_OKAY) {
			st.tx_err_cqes++;
			fprintf(stderr, "softnic-rawbench: TX error CQE type %u\n",
				cqe.hdr.cqe_type);
			return -EIO;
		}
		tx->sq_tail += wqes_per_cqe;
	}
	return ret;
}

int
main(int argc, char **argv)
{
	struct rb_opts o = {
		.ibdev = NULL, .tx_port = 1, .rx_port = 2, .ring = 256,
		.burst = 32, .size = 60, .seconds = 2.0, .warmup = 0.5,
		.cpu = 1, .dev_cpu = 0, .cqe_per_wqe = false,
	};
	struct manadv_ctx_allocators alloc = {
		.alloc = rb_alloc, .free = rb_free, .data = NULL,
	};
	struct ibv_parent_domain_init_attr pda;
	struct ibv_device **list, *dev = NULL;
	struct ibv_context *ctx;
	struct ibv_pd *pd;
	struct ibv_mr *mr;
	struct rb_port ports[2], *tx, *rx;
	uint8_t *mem, *txbuf, *rxbuf;
	size_t memlen;
	double t0, t_end, t_start = 0;
	uint64_t iter = 0;
	bool measuring = false;
	struct rb_stats base;
	int i, n, ret, pinned;

	if (parse_args(argc, argv, &o) < 0)
		return 1;
	list = ibv_get_device_list(&n);
	if (list == NULL || n == 0) {
		fprintf(stderr, "softnic-rawbench: no RDMA device (run under softnic-run)\n");
		return 1;
	}
	for (i = 0; i < n; i++)
		if (o.ibdev == NULL || strcmp(ibv_get_device_name(list[i]), o.ibdev) == 0) {
			dev = list[i];
			break;
		}
	if (dev == NULL) {
		fprintf(stderr, "softnic-rawbench: device %s not found\n", o.ibdev);
		return 1;
	}
	ctx = ibv_open_device(dev);
	if (ctx == NULL)
		return fail("ibv_open_device", errno);
	ret = manadv_set_context_attr(ctx, MANADV_CTX_ATTR_BUF_ALLOCATORS, &alloc);
	if (ret != 0)
		return fail("manadv_set_context_attr", ret);
	pd = ibv_alloc_pd(ctx);
	if (pd == NULL)
		return fail("ibv_alloc_pd", errno);

	memset(ports, 0, sizeof(ports));
	tx = &ports[0];
	rx = o.rx_port == o.tx_port ? &ports[0] : &ports[1];
	tx->ib_port = o.tx_port;
	rx->ib_port = o.rx_port;
	for (i = 0; i < (rx == tx ? 1 : 2); i++) {
		struct rb_port *p = &ports[i];

		ret = port_mac(dev, p->ib_port, p->mac);
		if (ret != 0)
			return fail("reading the port MAC from sysfs", ret);
		memset(&pda, 0, sizeof(pda));
		pda.pd = pd;
		pda.comp_mask = IBV_PARENT_DOMAIN_INIT_ATTR_PD_CONTEXT;
		pda.pd_context = (void *)(uintptr_t)p->ib_port;
		p->parent = ibv_alloc_parent_domain(ctx, &pda);
		if (p->parent == NULL)
			return fail("ibv_alloc_parent_domain", errno);
		/* Send QPs first: they configure the vPort (§1.9). */
		ret = sq_create(ctx, p, o.ring);
		if (ret != 0)
			return fail("send QP", ret);
	}
	ret = rq_create(ctx, rx, o.ring);
	if (ret != 0)
		return fail("RSS QP / RQ", ret);

	memlen = (size_t)2 * o.ring * RB_BUF_STRIDE;
	mem = rb_alloc(memlen, NULL);
	if (mem == NULL)
		return fail("buffer memory", ENOMEM);
	txbuf = mem;
	rxbuf = mem + (size_t)o.ring * RB_BUF_STRIDE;
	mr = ibv_reg_mr(pd, mem, memlen, IBV_ACCESS_LOCAL_WRITE);
	if (mr == NULL)
		return fail("ibv_reg_mr", errno);
	for (i = 0; i < (int)o.ring; i++)
		build_frame(txbuf + (size_t)i * RB_BUF_STRIDE, o.size, tx->mac, rx->mac,
			    (uint32_t)i);
	while (rx->rq_head < rx->dvwq.count)
		rq_post_one(rx, rxbuf, mr->lkey);
	rq_ring_db(rx);

	pinned = pin_threads(o.cpu, o.dev_cpu);
	if (pinned < 0)
		return fail("pinning threads", pinned);

	memset(&base, 0, sizeof(base));
	t0 = now_s();
	t_end = t0 + o.warmup + o.seconds;
	for (;;) {
		uint32_t free_wqe, k;

		ret = tx_poll(tx, o.cqe_per_wqe ? 1 : o.burst);
		if (ret < 0)
			return fail("TX CQ", ret);
		free_wqe = tx->dvqp.sq_count - (tx->sq_head - tx->sq_tail);
		if (free_wqe >= o.burst) {
			for (k = 0; k < o.burst; k++)
				sq_post_one(tx, txbuf, mr->lkey, o.size,
					    !o.cqe_per_wqe && k + 1 < o.burst);
			st.tx_pkts += o.burst;
			sq_ring_db(tx);
		}
		ret = rx_poll(rx, rxbuf, mr->lkey);
		if (ret < 0)
			return fail("RX CQ", ret);
		if ((++iter & 255) == 0) {
			double t = now_s();

			if (!measuring && t >= t0 + o.warmup) {
				measuring = true;
				base = st;
				t_start = t;
			}
			if (t >= t_end)
				break;
		}
	}
	{
		double secs = now_s() - t_start;
		uint64_t rxp = st.rx_pkts - base.rx_pkts;
		uint64_t txp = st.tx_pkts - base.tx_pkts;
		uint64_t rxc = st.rx_cqes - base.rx_cqes;

		printf("mpps=%.4f\nseconds=%.4f\nrx_pkts=%" PRIu64 "\ntx_pkts=%" PRIu64 "\n",
		       (double)rxp / secs / 1e6, secs, rxp, txp);
		printf("rx_cqes=%" PRIu64 "\npkts_per_rx_cqe=%.3f\n", rxc,
		       rxc ? (double)rxp / (double)rxc : 0.0);
		printf("tx_cqes=%" PRIu64 "\ntx_err_cqes=%" PRIu64 "\nrx_trunc_cqes=%" PRIu64 "\n",
		       st.tx_cqes - base.tx_cqes, st.tx_err_cqes - base.tx_err_cqes,
		       st.rx_trunc_cqes - base.rx_trunc_cqes);
		printf("lost=%" PRId64 "\nother_threads_pinned=%d\n",
		       (int64_t)(txp - rxp), pinned);
	}

	/* Tear down in DPDK's order (§1.11). */
	ibv_destroy_qp(rx->rss);
	ibv_destroy_rwq_ind_table(rx->ind);
	ibv_destroy_wq(rx->wq);
	ibv_destroy_cq(rx->rxcq.ibcq);
	for (i = 0; i < (rx == tx ? 1 : 2); i++) {
		ibv_destroy_qp(ports[i].qp);
		ibv_destroy_cq(ports[i].txcq.ibcq);
	}
	ibv_dereg_mr(mr);
	free(mem);
	for (i = 0; i < (rx == tx ? 1 : 2); i++)
		ibv_dealloc_pd(ports[i].parent);
	ibv_dealloc_pd(pd);
	ibv_close_device(ctx);
	ibv_free_device_list(list);
	return 0;
}
