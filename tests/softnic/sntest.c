/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Helper library of the soft-NIC conformance tests; see sntest.h.
 */
#include <arpa/inet.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <sched.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include <CUnit/Basic.h>

#include <rte_byteorder.h>
#include <rte_ether.h>
#include <rte_ip.h>
#include <rte_tcp.h>
#include <rte_udp.h>
#include <rte_thash.h>

#include "cunit_run.h"
#include "sntest.h"

/* §7.4 key. */
const uint8_t snt_rss_key_ms[MANA_RSS_KEY_SIZE] = {
	0x6d, 0x5a, 0x56, 0xda, 0x25, 0x5b, 0x0e, 0xc2, 0x41, 0x67,
	0x25, 0x3d, 0x43, 0xa3, 0x8f, 0xb0, 0xd0, 0xca, 0x2b, 0xcb,
	0xae, 0x7b, 0x30, 0xb4, 0x77, 0xcb, 0x2d, 0xa3, 0x80, 0x30,
	0xf2, 0x0c, 0x6a, 0x42, 0xb7, 0x3b, 0xbe, 0xac, 0x01, 0xfa,
};

/* ------------------------------------------------------------------ */
/* Time                                                                */
/* ------------------------------------------------------------------ */

uint64_t
snt_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

void
snt_backoff(unsigned int iteration)
{
	struct timespec ts = { 0, 20000 };	/* 20 us */

	if (iteration < 64)
		__builtin_ia32_pause();
	else if (iteration < 256)
		sched_yield();
	else
		nanosleep(&ts, NULL);
}

/* ------------------------------------------------------------------ */
/* Control socket                                                      */
/* ------------------------------------------------------------------ */

int
snt_ctl(const char *cmd, char *out, size_t outlen)
{
	const char *path = getenv("SOFTNIC_CTL");
	struct sockaddr_un sa;
	size_t used = 0;
	uint64_t deadline;
	int fd, ret = 0;
	char line[512];
	int n;

	if (outlen)
		out[0] = '\0';
	if (path == NULL || path[0] == '\0') {
		fprintf(stderr, "snt_ctl: SOFTNIC_CTL is not set (run under softnic-run)\n");
		return -ENOENT;
	}
	memset(&sa, 0, sizeof(sa));
	sa.sun_family = AF_UNIX;
	if (strlen(path) >= sizeof(sa.sun_path))
		return -ENAMETOOLONG;
	strcpy(sa.sun_path, path);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
		ret = -errno;
		fprintf(stderr, "snt_ctl: connect %s: %s\n", path, strerror(errno));
		close(fd);
		return ret;
	}
	n = snprintf(line, sizeof(line), "%s\n", cmd);
	if (n < 0 || (size_t)n >= sizeof(line) || write(fd, line, (size_t)n) != n) {
		close(fd);
		return -EIO;
	}
	shutdown(fd, SHUT_WR);
	deadline = snt_now_ms() + SNT_TIMEOUT_MS;
	for (;;) {
		struct pollfd pfd = { .fd = fd, .events = POLLIN };
		char tmp[4096];
		ssize_t r;
		int left = (int)(deadline - snt_now_ms());

		if (left <= 0) {
			fprintf(stderr, "snt_ctl: no answer to '%s' within %u ms\n",
				cmd, SNT_TIMEOUT_MS);
			ret = -ETIMEDOUT;
			break;
		}
		if (poll(&pfd, 1, left) < 0) {
			if (errno == EINTR)
				continue;
			ret = -errno;
			break;
		}
		r = read(fd, tmp, sizeof(tmp));
		if (r < 0) {
			if (errno == EINTR || errno == EAGAIN)
				continue;
			ret = -errno;
			break;
		}
		if (r == 0)
			break;
		if (outlen > 1 && used < outlen - 1) {
			size_t c = (size_t)r < outlen - 1 - used ? (size_t)r : outlen - 1 - used;

			memcpy(out + used, tmp, c);
			used += c;
			out[used] = '\0';
		}
	}
	close(fd);
	if (ret == 0 && outlen && strncmp(out, "error", 5) == 0) {
		fprintf(stderr, "snt_ctl: '%s' -> %s", cmd, out);
		ret = -EIO;
	}
	return ret;
}

int
snt_ctlf(const char *fmt, ...)
{
	char cmd[256], out[4096];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(cmd, sizeof(cmd), fmt, ap);
	va_end(ap);
	return snt_ctl(cmd, out, sizeof(out));
}

static char ctl_answer[65536];

static int
counters_fetch(unsigned int adapter, int port)
{
	char cmd[64];

	if (port >= 0)
		snprintf(cmd, sizeof(cmd), "counters %u %d", adapter, port);
	else
		snprintf(cmd, sizeof(cmd), "counters %u", adapter);
	return snt_ctl(cmd, ctl_answer, sizeof(ctl_answer));
}

/* Value of the line "<name>=<value>" in the fetched answer. */
static int
answer_value(const char *name, uint64_t *val)
{
	size_t n = strlen(name);
	const char *p = ctl_answer;

	while (*p) {
		const char *eol = strchr(p, '\n');

		if (strncmp(p, name, n) == 0 && p[n] == '=') {
			*val = strtoull(p + n + 1, NULL, 0);
			return 0;
		}
		if (!eol)
			break;
		p = eol + 1;
	}
	return -ENOENT;
}

/* Counter key of port `port` ("port<P>.<key>", the soft-NIC's naming in
 * device/ctl.c), or the key itself (adapter counters such as "cq_overflow"
 * and full queue keys such as "sq5.cq_overflow"). */
static int
counter_find(int port, const char *key, uint64_t *val)
{
	char name[160];

	if (port >= 0) {
		snprintf(name, sizeof(name), "port%d.%s", port, key);
		if (answer_value(name, val) == 0)
			return 0;
	}
	return answer_value(key, val);
}

int
snt_counter(unsigned int adapter, int port, const char *key, uint64_t *val)
{
	int ret = counters_fetch(adapter, port);

	if (ret)
		return ret;
	return counter_find(port, key, val);
}

int
snt_counter_any(unsigned int adapter, int port, const char *const *keys,
		uint64_t *val, const char **used)
{
	int ret = counters_fetch(adapter, port);
	unsigned int i;

	if (ret)
		return ret;
	for (i = 0; keys[i]; i++) {
		if (counter_find(port, keys[i], val) == 0) {
			if (used)
				*used = keys[i];
			return 0;
		}
	}
	fprintf(stderr, "snt_counter: none of");
	for (i = 0; keys[i]; i++)
		fprintf(stderr, " '%s'", keys[i]);
	fprintf(stderr, " in 'counters %u %d':\n%s\n", adapter, port, ctl_answer);
	return -ENOENT;
}

int
snt_counter_wait_ge(unsigned int adapter, int port, const char *const *keys,
		    uint64_t target, unsigned int timeout_ms, uint64_t *last)
{
	uint64_t deadline = snt_now_ms() + timeout_ms, v = 0;
	const char *used = NULL;
	unsigned int it = 0;
	int ret;

	for (;;) {
		ret = snt_counter_any(adapter, port, keys, &v, &used);
		if (ret)
			return ret;
		if (last)
			*last = v;
		if (v >= target)
			return 0;
		if (snt_now_ms() > deadline) {
			fprintf(stderr, "counter %s (port %d) = %llu, expected >= %llu within %u ms\n",
				used, port, (unsigned long long)v,
				(unsigned long long)target, timeout_ms);
			return -ETIMEDOUT;
		}
		snt_backoff(256 + it++);
	}
}

/* ------------------------------------------------------------------ */
/* Allocator hooks                                                     */
/* ------------------------------------------------------------------ */

struct snt_alloc_stats snt_alloc_stats;

void *
snt_alloc_fn(size_t size, void *data)
{
	void *p = NULL;

	(void)data;
	snt_alloc_stats.last_size = size;
	if (size < MANA_MIN_RING_SIZE || (size & (size - 1)) != 0) {
		fprintf(stderr, "allocator: ring size %zu is not a power of two >= 4096 (spec §1.4)\n",
			size);
		snt_alloc_stats.bad_sizes++;
	}
	if (posix_memalign(&p, 4096, size ? size : 1) != 0)
		return NULL;
	memset(p, 0, size);
	snt_alloc_stats.allocs++;
	snt_alloc_stats.live++;
	return p;
}

void
snt_free_fn(void *ptr, void *data)
{
	(void)data;
	if (ptr == NULL)
		return;
	snt_alloc_stats.frees++;
	snt_alloc_stats.live--;
	free(ptr);
}

/* ------------------------------------------------------------------ */
/* Device                                                              */
/* ------------------------------------------------------------------ */

static int
read_small_file(const char *path, char *buf, size_t len)
{
	ssize_t r;
	int fd = open(path, O_RDONLY | O_CLOEXEC);

	if (fd < 0)
		return -errno;
	r = read(fd, buf, len - 1);
	close(fd);
	if (r < 0)
		return -errno;
	buf[r] = '\0';
	while (r > 0 && (buf[r - 1] == '\n' || buf[r - 1] == ' '))
		buf[--r] = '\0';
	return 0;
}

/* Read the port MACs and netdev names from the fake sysfs (§1.1). */
static void
read_port_macs(struct snt_dev *d)
{
	char path[1024], val[64];
	struct dirent *de;
	unsigned int i;
	DIR *dir;

	for (i = 0; i < SNT_MAX_PORTS; i++) {
		/* Locally administered fallback, overwritten below. */
		static const uint8_t fb[6] = { 0x02, 0x00, 0x5e, 0x00, 0x53, 0x00 };

		memcpy(d->mac[i], fb, 6);
		d->mac[i][5] = (uint8_t)i;
	}
	snprintf(path, sizeof(path), "%s/device/net", d->ibdev_path);
	dir = opendir(path);
	if (dir == NULL) {
		fprintf(stderr, "snt_open: %s: %s (spec §1.1 sysfs view missing)\n",
			path, strerror(errno));
		return;
	}
	while ((de = readdir(dir)) != NULL) {
		unsigned int port, m[6];

		if (de->d_name[0] == '.')
			continue;
		snprintf(path, sizeof(path), "%s/device/net/%s/dev_port",
			 d->ibdev_path, de->d_name);
		if (read_small_file(path, val, sizeof(val)) != 0)
			continue;
		port = (unsigned int)strtoul(val, NULL, 0);
		if (port >= SNT_MAX_PORTS)
			continue;
		snprintf(path, sizeof(path), "%s/device/net/%s/address",
			 d->ibdev_path, de->d_name);
		if (read_small_file(path, val, sizeof(val)) != 0 ||
		    sscanf(val, "%x:%x:%x:%x:%x:%x", &m[0], &m[1], &m[2], &m[3],
			   &m[4], &m[5]) != 6)
			continue;
		for (i = 0; i < 6; i++)
			d->mac[port][i] = (uint8_t)m[i];
		if (strlen(de->d_name) < sizeof(d->ifname[port]))
			memcpy(d->ifname[port], de->d_name, strlen(de->d_name) + 1);
	}
	closedir(dir);
}

int
snt_open_ex(struct snt_dev *d, const char *name, bool no_alloc)
{
	struct ibv_device **list;
	struct ibv_device_attr attr;
	struct manadv_ctx_allocators al = {
		.alloc = snt_alloc_fn, .free = snt_free_fn, .data = NULL,
	};
	int num = 0, i, ret = 0;
	unsigned int p;

	memset(d, 0, sizeof(*d));
	list = ibv_get_device_list(&num);
	if (list == NULL) {
		ret = -errno;
		fprintf(stderr, "ibv_get_device_list: %s\n", strerror(errno));
		return ret ? ret : -ENODEV;
	}
	for (i = 0; i < num; i++)
		if (name == NULL || strcmp(ibv_get_device_name(list[i]), name) == 0)
			break;
	if (i == num) {
		fprintf(stderr, "snt_open: device %s not found (%d devices)\n",
			name ? name : "(any)", num);
		ibv_free_device_list(list);
		return -ENODEV;
	}
	snprintf(d->name, sizeof(d->name), "%s", ibv_get_device_name(list[i]));
	snprintf(d->ibdev_path, sizeof(d->ibdev_path), "%s", list[i]->ibdev_path);
	d->ctx = ibv_open_device(list[i]);
	ret = d->ctx ? 0 : -errno;
	ibv_free_device_list(list);
	if (d->ctx == NULL) {
		fprintf(stderr, "ibv_open_device(%s): %s\n", d->name, strerror(-ret));
		return ret ? ret : -EIO;
	}
	if (ibv_query_device(d->ctx, &attr) != 0) {
		fprintf(stderr, "ibv_query_device failed\n");
		ret = -EIO;
		goto fail;
	}
	d->nports = attr.phys_port_cnt;
	if (d->nports > SNT_MAX_PORTS)
		d->nports = SNT_MAX_PORTS;
	if (!no_alloc) {
		ret = manadv_set_context_attr(d->ctx, MANADV_CTX_ATTR_BUF_ALLOCATORS, &al);
		if (ret) {
			fprintf(stderr, "manadv_set_context_attr: %d\n", ret);
			ret = -EIO;
			goto fail;
		}
	}
	d->pd = ibv_alloc_pd(d->ctx);
	if (d->pd == NULL) {
		ret = -errno;
		fprintf(stderr, "ibv_alloc_pd: %s\n", strerror(errno));
		goto fail;
	}
	for (p = 0; p < d->nports; p++) {
		struct ibv_parent_domain_init_attr pa = {
			.pd = d->pd,
			.comp_mask = IBV_PARENT_DOMAIN_INIT_ATTR_PD_CONTEXT,
			.pd_context = (void *)(uintptr_t)(p + 1),
		};

		d->pdom[p] = ibv_alloc_parent_domain(d->ctx, &pa);
		if (d->pdom[p] == NULL) {
			ret = -errno;
			fprintf(stderr, "ibv_alloc_parent_domain(port %u): %s\n",
				p + 1, strerror(errno));
			goto fail;
		}
	}
	read_port_macs(d);
	return 0;
fail:
	snt_close(d);
	return ret ? ret : -EIO;
}

int
snt_open(struct snt_dev *d, const char *name)
{
	return snt_open_ex(d, name, false);
}

void
snt_close(struct snt_dev *d)
{
	unsigned int p;

	for (p = 0; p < SNT_MAX_PORTS; p++) {
		if (d->pdom[p])
			ibv_dealloc_pd(d->pdom[p]);
		d->pdom[p] = NULL;
	}
	if (d->pd)
		ibv_dealloc_pd(d->pd);
	d->pd = NULL;
	if (d->ctx)
		ibv_close_device(d->ctx);
	d->ctx = NULL;
}

int
snt_mem_alloc(struct snt_dev *d, struct snt_mem *m, size_t size)
{
	void *p = NULL;

	memset(m, 0, sizeof(*m));
	if (posix_memalign(&p, 4096, size) != 0)
		return -ENOMEM;
	memset(p, 0, size);
	m->buf = p;
	m->size = size;
	m->mr = ibv_reg_mr(d->pd, p, size, IBV_ACCESS_LOCAL_WRITE);
	if (m->mr == NULL) {
		int ret = -errno;

		fprintf(stderr, "ibv_reg_mr(%zu bytes): %s\n", size, strerror(errno));
		free(p);
		m->buf = NULL;
		return ret ? ret : -EIO;
	}
	return 0;
}

void
snt_mem_free(struct snt_mem *m)
{
	if (m->mr)
		ibv_dereg_mr(m->mr);
	free(m->buf);
	memset(m, 0, sizeof(*m));
}

/* ------------------------------------------------------------------ */
/* CQ                                                                  */
/* ------------------------------------------------------------------ */

int
snt_cq_refresh(struct snt_cq *c)
{
	struct manadv_obj obj;
	int ret;

	memset(&obj, 0, sizeof(obj));
	obj.cq.in = c->cq;
	obj.cq.out = &c->dv;
	ret = manadv_init_obj(&obj, MANADV_OBJ_CQ);
	if (ret) {
		fprintf(stderr, "manadv_init_obj(CQ): %d\n", ret);
		return ret > 0 ? -ret : (ret ? ret : -EIO);
	}
	return 0;
}

int
snt_cq_create(struct snt_dev *d, struct snt_cq *c, uint32_t n,
	      struct ibv_comp_channel *ch, void *cq_context)
{
	memset(c, 0, sizeof(*c));
	c->cq = ibv_create_cq(d->ctx, (int)n, cq_context, ch, 0);
	if (c->cq == NULL) {
		int ret = -errno;

		fprintf(stderr, "ibv_create_cq(%u): %s\n", n, strerror(errno));
		return ret ? ret : -EIO;
	}
	if (snt_cq_refresh(c) != 0) {
		ibv_destroy_cq(c->cq);
		c->cq = NULL;
		return -EIO;
	}
	c->head = c->dv.count;
	c->rung_head = c->head;
	c->ring_db = true;
	return 0;
}

void
snt_cq_destroy(struct snt_cq *c)
{
	if (c->cq && ibv_destroy_cq(c->cq) != 0)
		fprintf(stderr, "ibv_destroy_cq: %s\n", strerror(errno));
	c->cq = NULL;
}

int
snt_cq_poll(struct snt_cq *c, struct mana_cqe *out)
{
	uint32_t n = c->dv.count;
	uint32_t slot = c->head % n;
	uint32_t new_owner = (c->head / n) & MANA_CQE_OWNER_MASK;
	uint32_t old_owner = (c->head / n - 1) & MANA_CQE_OWNER_MASK;
	struct mana_cqe *e = (struct mana_cqe *)c->dv.buf + slot;
	union mana_cqe_info info;

	info.as_uint32 = __atomic_load_n(&e->info.as_uint32, __ATOMIC_ACQUIRE);
	if (info.owner_bits == old_owner)
		return 0;
	if (info.owner_bits != new_owner) {
		fprintf(stderr, "CQ %u overflow: slot %u owner %u, expected %u (old %u), head %u\n",
			c->dv.cq_id, slot, info.owner_bits, new_owner, old_owner, c->head);
		return -EOVERFLOW;
	}
	__atomic_thread_fence(__ATOMIC_ACQUIRE);
	memcpy(out, e, sizeof(*out));
	out->info.as_uint32 = info.as_uint32;
	c->head++;
	c->consumed++;
	return 1;
}

void
snt_cq_doorbell(struct snt_cq *c, bool arm)
{
	union mana_db_cq db;

	if (c->db_page == NULL)
		return;
	db.as_uint64 = 0;
	db.id = c->dv.cq_id;
	db.tail_ptr = c->head % (c->dv.count << 3);
	db.arm = arm ? 1 : 0;
	c->rung_head = c->head;
	__atomic_thread_fence(__ATOMIC_RELEASE);
	__atomic_store_n((uint64_t *)(c->db_page + MANA_DB_CQ), db.as_uint64,
			 __ATOMIC_RELEASE);
}

int
snt_cq_doorbell_short(struct snt_cq *c, bool arm)
{
	union mana_db_short_cq db;
	uint32_t incr = c->head - c->rung_head;

	if (c->db_page == NULL || c->dv.cq_id > MANA_SHORT_DB_QUEUE_ID_MAX || incr > 0xFFFF)
		return -ERANGE;
	db.as_uint32 = 0;
	db.tail_ptr_incr = incr;
	db.id = c->dv.cq_id;
	db.arm = arm ? 1 : 0;
	c->rung_head = c->head;
	__atomic_thread_fence(__ATOMIC_RELEASE);
	__atomic_store_n((uint32_t *)(c->db_page + MANA_DB_CQ_SHORT), db.as_uint32,
			 __ATOMIC_RELEASE);
	return 0;
}

int
snt_cq_wait(struct snt_cq *c, struct mana_cqe *out, unsigned int timeout_ms)
{
	uint64_t deadline = snt_now_ms() + timeout_ms;
	unsigned int it = 0;
	int ret;

	for (;;) {
		ret = snt_cq_poll(c, out);
		if (ret != 0) {
			if (ret > 0 && c->ring_db)
				snt_cq_doorbell(c, false);
			return ret;
		}
		if ((it & 63) == 0 && snt_now_ms() > deadline)
			return 0;
		snt_backoff(it++);
	}
}

/* ------------------------------------------------------------------ */
/* SQ                                                                  */
/* ------------------------------------------------------------------ */

#define SNT_STAGE_SIZE	(1u << 20)

int
snt_sq_create(struct snt_dev *d, struct snt_sq *s, unsigned int port,
	      uint32_t max_wr, uint32_t max_sge, uint32_t cq_n)
{
	return snt_sq_create_ex(d, s, port, max_wr, max_sge, cq_n, NULL, NULL);
}

int
snt_sq_create_ex(struct snt_dev *d, struct snt_sq *s, unsigned int port,
		 uint32_t max_wr, uint32_t max_sge, uint32_t cq_n,
		 struct ibv_comp_channel *ch, void *cq_context)
{
	struct ibv_qp_init_attr qa;
	struct manadv_obj obj;
	int ret;

	memset(s, 0, sizeof(*s));
	s->dev = d;
	s->port = port;
	if (port >= d->nports)
		return -EINVAL;
	ret = snt_cq_create(d, &s->cq, cq_n, ch, cq_context);
	if (ret)
		return ret;
	memset(&qa, 0, sizeof(qa));
	qa.send_cq = s->cq.cq;
	qa.recv_cq = s->cq.cq;
	qa.cap.max_send_wr = max_wr;
	qa.cap.max_send_sge = max_sge;
	qa.qp_type = IBV_QPT_RAW_PACKET;
	s->qp = ibv_create_qp(d->pdom[port], &qa);
	if (s->qp == NULL) {
		ret = -errno;
		fprintf(stderr, "ibv_create_qp(port %u, wr %u, sge %u): %s\n",
			port + 1, max_wr, max_sge, strerror(errno));
		snt_cq_destroy(&s->cq);
		return ret ? ret : -EIO;
	}
	memset(&obj, 0, sizeof(obj));
	obj.qp.in = s->qp;
	obj.qp.out = &s->dv;
	obj.cq.in = s->cq.cq;
	obj.cq.out = &s->cq.dv;
	ret = manadv_init_obj(&obj, MANADV_OBJ_QP | MANADV_OBJ_CQ);
	if (ret) {
		fprintf(stderr, "manadv_init_obj(QP|CQ): %d\n", ret);
		snt_sq_destroy(s);
		return -EIO;
	}
	s->cq.db_page = s->dv.db_page;
	ret = snt_mem_alloc(d, &s->buf, SNT_STAGE_SIZE);
	if (ret) {
		snt_sq_destroy(s);
		return ret;
	}
	return 0;
}

void
snt_sq_destroy(struct snt_sq *s)
{
	if (s->qp && ibv_destroy_qp(s->qp) != 0)
		fprintf(stderr, "ibv_destroy_qp: %s\n", strerror(errno));
	s->qp = NULL;
	snt_cq_destroy(&s->cq);
	if (s->buf.buf)
		snt_mem_free(&s->buf);
}

void
snt_tx_oob_init(const struct snt_sq *s, struct mana_tx_oob *oob, bool long_fmt)
{
	memset(oob, 0, sizeof(*oob));
	oob->s.pkt_fmt = long_fmt ? MANA_TX_PKT_FMT_LONG : MANA_TX_PKT_FMT_SHORT;
	oob->s.vcq_num = s->cq.dv.cq_id;
	oob->s.vsq_frame = (s->dv.sq_id >> 10) & 0x3FFF;
	if (s->dv.tx_vp_offset <= MANA_SHORT_VPORT_OFFSET_MAX)
		oob->s.short_vp_offset = s->dv.tx_vp_offset;
	else if (long_fmt)
		oob->l.long_vp_offset = s->dv.tx_vp_offset;
}

uint8_t *
snt_sq_stage(struct snt_sq *s, const void *data, uint32_t len)
{
	uint8_t *p;

	if (s->buf_off + len > s->buf.size)
		s->buf_off = 0;
	p = s->buf.buf + s->buf_off;
	memcpy(p, data, len);
	s->buf_off = (s->buf_off + len + 63) & ~(size_t)63;
	return p;
}

struct mana_sge
snt_sq_sge(struct snt_sq *s, const void *data, uint32_t len)
{
	struct mana_sge sge;

	sge.address = (uintptr_t)snt_sq_stage(s, data, len);
	sge.mem_key = s->buf.mr->lkey;
	sge.size = len;
	return sge;
}

int
snt_sq_post_frame(struct snt_sq *s, const void *frame, uint32_t len)
{
	struct mana_tx_oob oob;
	struct mana_sge sge = snt_sq_sge(s, frame, len);

	snt_tx_oob_init(s, &oob, false);
	return snt_sq_post(s, &oob, MANA_OOB_DWORDS_SHORT, &sge, 1);
}

void
snt_sq_flush(struct snt_sq *s, unsigned int n)
{
	struct mana_cqe c;
	unsigned int i;

	snt_sq_doorbell(s);
	for (i = 0; i < n; i++) {
		CU_ASSERT_EQUAL_FATAL(snt_cq_wait(&s->cq, &c, SNT_TIMEOUT_MS), 1);
		CU_ASSERT_EQUAL(c.hdr.cqe_type, MANA_CQE_TX_OKAY);
	}
	snt_sq_all_done(s);
}

/* Copy len bytes into a ring of size bytes at byte position pos, wrapping. */
static void
ring_write(uint8_t *ring, uint32_t size, uint32_t pos, const void *src, uint32_t len)
{
	uint32_t off = pos & (size - 1);
	uint32_t first = len < size - off ? len : size - off;

	memcpy(ring + off, src, first);
	if (first < len)
		memcpy(ring, (const uint8_t *)src + first, len - first);
}

int
snt_sq_post(struct snt_sq *s, const void *oob, uint32_t oob_dwords,
	    const struct mana_sge *sge, uint32_t n_sge)
{
	uint32_t size = s->dv.sq_size;
	uint32_t wqe = mana_wqe_size(oob_dwords * 4, n_sge);
	uint32_t pos = s->head * MANA_BU_SIZE;
	struct mana_wqe_header hdr;
	uint8_t bytes[MANA_MAX_SQ_WQE_SIZE * 2];

	if ((s->head - s->tail) * MANA_BU_SIZE + wqe > size) {
		fprintf(stderr, "snt_sq_post: SQ ring full (head %u tail %u BUs)\n",
			s->head, s->tail);
		return -ENOSPC;
	}
	if (wqe > sizeof(bytes))
		return -EINVAL;
	memset(&hdr, 0, sizeof(hdr));
	hdr.num_sgl_entries = n_sge;
	hdr.inline_client_oob_size = oob_dwords;
	memset(bytes, 0, wqe);
	memcpy(bytes, &hdr, sizeof(hdr));
	memcpy(bytes + sizeof(hdr), oob, oob_dwords * 4);
	memcpy(bytes + sizeof(hdr) + oob_dwords * 4, sge, n_sge * sizeof(*sge));
	/* Padding bytes are not written (§3.3): only header, OOB, SGL. */
	ring_write(s->dv.sq_buf, size, pos, bytes,
		   (uint32_t)sizeof(hdr) + oob_dwords * 4 + n_sge * (uint32_t)sizeof(*sge));
	s->head += wqe / MANA_BU_SIZE;
	return (int)(pos & (size - 1));
}

void
snt_sq_doorbell(struct snt_sq *s)
{
	union mana_db_sq db;

	db.as_uint64 = 0;
	db.id = s->dv.sq_id;
	db.tail_ptr = s->head * MANA_BU_SIZE;
	s->rung = s->head * MANA_BU_SIZE;
	__atomic_thread_fence(__ATOMIC_RELEASE);
	__atomic_store_n((uint64_t *)((uint8_t *)s->dv.db_page + MANA_DB_SQ),
			 db.as_uint64, __ATOMIC_RELEASE);
}

/* A 32-bit short WQ doorbell value (§2.3), 0 if it cannot be expressed. */
static uint32_t
short_wq_value(uint32_t id, uint32_t incr)
{
	union mana_db_short_wq db;

	if (id > MANA_SHORT_DB_QUEUE_ID_MAX || incr > 0xFFFF)
		return 0;
	db.as_uint32 = 0;
	db.tail_ptr_incr = incr;
	db.id = id;
	return db.as_uint32;
}

/*
 * Ring the 32-bit short doorbell of a WQ (§2.3) at offset reg of its
 * doorbell page: the bytes added since the last doorbell (*rung, updated).
 */
static int
wq_doorbell_short(void *db_page, uint32_t reg, uint32_t id, uint32_t head, uint32_t *rung)
{
	uint32_t v = short_wq_value(id, head * MANA_BU_SIZE - *rung);

	if (v == 0)
		return -ERANGE;
	*rung = head * MANA_BU_SIZE;
	__atomic_thread_fence(__ATOMIC_RELEASE);
	__atomic_store_n((uint32_t *)((uint8_t *)db_page + reg), v, __ATOMIC_RELEASE);
	return 0;
}

int
snt_sq_doorbell_short(struct snt_sq *s)
{
	return wq_doorbell_short(s->dv.db_page, MANA_DB_SQ_SHORT, s->dv.sq_id, s->head, &s->rung);
}

int
snt_sq_send(struct snt_sq *s, const void *frame, uint32_t len,
	    const struct mana_tx_oob *oob, bool long_fmt, struct mana_cqe *cqe)
{
	struct mana_tx_oob o;
	struct mana_sge sge;
	struct mana_cqe c;
	int ret;

	if (oob == NULL) {
		snt_tx_oob_init(s, &o, long_fmt);
		oob = &o;
	}
	sge = snt_sq_sge(s, frame, len);
	ret = snt_sq_post(s, oob, oob->s.pkt_fmt == MANA_TX_PKT_FMT_LONG ?
			  MANA_OOB_DWORDS_LONG : MANA_OOB_DWORDS_SHORT, &sge, 1);
	if (ret < 0)
		return ret;
	snt_sq_doorbell(s);
	ret = snt_cq_wait(&s->cq, &c, SNT_TIMEOUT_MS);
	if (ret == 0) {
		fprintf(stderr, "snt_sq_send: no TX CQE within %u ms (SQ %u)\n",
			SNT_TIMEOUT_MS, s->dv.sq_id);
		return -ETIMEDOUT;
	}
	if (ret < 0)
		return ret;
	snt_sq_all_done(s);
	if (cqe)
		*cqe = c;
	if (!c.info.is_sq || c.info.wq_num != s->dv.sq_id) {
		fprintf(stderr, "snt_sq_send: TX CQE with is_sq %u wq_num %u, SQ id %u\n",
			c.info.is_sq, c.info.wq_num, s->dv.sq_id);
		return -EPROTO;
	}
	return (int)c.hdr.cqe_type;
}

/* ------------------------------------------------------------------ */
/* RQ / RSS                                                            */
/* ------------------------------------------------------------------ */

void
snt_rq_doorbell(struct snt_rq *q)
{
	union mana_db_rq db;

	db.as_uint64 = 0;
	db.id = q->dv.wq_id;
	db.wqe_cnt = 0;
	db.tail_ptr = q->head * MANA_BU_SIZE;
	q->rung = q->head * MANA_BU_SIZE;
	__atomic_thread_fence(__ATOMIC_RELEASE);
	__atomic_store_n((uint64_t *)((uint8_t *)q->dv.db_page + MANA_DB_RQ),
			 db.as_uint64, __ATOMIC_RELEASE);
}

int
snt_rq_doorbell_short(struct snt_rq *q)
{
	return wq_doorbell_short(q->dv.db_page, MANA_DB_RQ_SHORT, q->dv.wq_id, q->head, &q->rung);
}

int
snt_rq_post_sges(struct snt_rq *q, const struct mana_sge *sge, uint32_t n)
{
	uint32_t wqe = mana_wqe_size(MANA_RX_OOB_SIZE, n);
	uint32_t pos = q->head * MANA_BU_SIZE;
	uint32_t outstanding_bus = 0, i, cap = 0;
	struct mana_wqe_header hdr;
	uint8_t bytes[MANA_MAX_RQ_WQE_SIZE];
	struct snt_rx_slot *sl;

	/* Ring space: every outstanding WQE's BUs (tracked via offsets). */
	if (q->s_head != q->s_tail)
		outstanding_bus = q->head - q->slots[q->s_tail % q->nslots].head_bu;
	if (outstanding_bus * MANA_BU_SIZE + wqe > q->dv.size ||
	    q->s_head - q->s_tail >= q->nslots || wqe > sizeof(bytes))
		return -ENOSPC;
	memset(&hdr, 0, sizeof(hdr));
	hdr.num_sgl_entries = n;
	hdr.inline_client_oob_size = MANA_OOB_DWORDS_SHORT;
	memset(bytes, 0, sizeof(bytes));
	memcpy(bytes, &hdr, sizeof(hdr));
	/* Bytes 8-15: the reserved RX OOB, deliberately left stale (§3.2). */
	memset(bytes + 8, 0xA5, 8);
	memcpy(bytes + 16, sge, n * sizeof(*sge));
	ring_write(q->dv.buf, q->dv.size, pos, bytes, 16 + n * (uint32_t)sizeof(*sge));
	for (i = 0; i < n; i++)
		cap += sge[i].size;
	sl = &q->slots[q->s_head % q->nslots];
	sl->wqe_off = pos;
	sl->head_bu = q->head;
	sl->buf = (uint8_t *)(uintptr_t)sge[0].address;
	sl->cap = cap;
	q->s_head++;
	q->head += wqe / MANA_BU_SIZE;
	return (int)(pos & (q->dv.size - 1));
}

int
snt_rq_post(struct snt_rq *q, uint32_t n, bool no_db)
{
	uint32_t i;

	for (i = 0; i < n; i++) {
		struct mana_sge sge;
		int ret;

		sge.address = (uintptr_t)(q->bufs.buf + (size_t)q->next_buf * q->buf_size);
		sge.mem_key = q->bufs.mr->lkey;
		sge.size = q->buf_size;
		ret = snt_rq_post_sges(q, &sge, 1);
		if (ret < 0) {
			fprintf(stderr, "snt_rq_post: RQ %u full after %u WQEs\n",
				q->dv.wq_id, i);
			return ret;
		}
		q->next_buf = (q->next_buf + 1) % q->nslots;
	}
	if (!no_db)
		snt_rq_doorbell(q);
	return (int)n;
}

static int
rq_create(struct snt_dev *d, struct snt_rq *q, unsigned int port,
	  uint32_t max_wr, uint32_t cq_n, uint32_t buf_size,
	  struct ibv_comp_channel *ch)
{
	struct ibv_wq_init_attr wa;
	int ret;

	memset(q, 0, sizeof(*q));
	ret = snt_cq_create(d, &q->cq, cq_n, ch, q);
	if (ret)
		return ret;
	memset(&wa, 0, sizeof(wa));
	wa.wq_type = IBV_WQT_RQ;
	wa.max_wr = max_wr;
	wa.max_sge = 1;
	wa.pd = d->pdom[port];
	wa.cq = q->cq.cq;
	q->wq = ibv_create_wq(d->ctx, &wa);
	if (q->wq == NULL) {
		ret = -errno;
		fprintf(stderr, "ibv_create_wq(port %u, wr %u): %s\n", port + 1,
			max_wr, strerror(errno));
		snt_cq_destroy(&q->cq);
		return ret ? ret : -EIO;
	}
	q->buf_size = buf_size;
	return 0;
}

static void
rq_destroy(struct snt_rq *q)
{
	if (q->wq && ibv_destroy_wq(q->wq) != 0)
		fprintf(stderr, "ibv_destroy_wq: %s\n", strerror(errno));
	q->wq = NULL;
	snt_cq_destroy(&q->cq);
	if (q->bufs.buf)
		snt_mem_free(&q->bufs);
	free(q->slots);
	q->slots = NULL;
}

int
snt_rss_create(struct snt_dev *d, struct snt_rss *r, unsigned int port,
	       unsigned int n_wq, uint32_t max_wr, uint32_t cq_n,
	       const uint8_t *key, uint32_t buf_size, uint32_t post)
{
	return snt_rss_create_ex(d, r, port, n_wq, max_wr, cq_n, key, buf_size,
				 post, NULL);
}

int
snt_rss_create_ex(struct snt_dev *d, struct snt_rss *r, unsigned int port,
		  unsigned int n_wq, uint32_t max_wr, uint32_t cq_n,
		  const uint8_t *key, uint32_t buf_size, uint32_t post,
		  struct ibv_comp_channel *ch)
{
	struct ibv_wq *wqs[SNT_MAX_WQ];
	struct ibv_rwq_ind_table_init_attr ia;
	struct ibv_qp_init_attr_ex qa;
	unsigned int i, log = 0;
	int ret;

	memset(r, 0, sizeof(*r));
	r->dev = d;
	r->port = port;
	r->n = n_wq;
	memcpy(r->key, key ? key : snt_rss_key_ms, MANA_RSS_KEY_SIZE);
	if (n_wq == 0 || n_wq > SNT_MAX_WQ || (n_wq & (n_wq - 1)) || port >= d->nports)
		return -EINVAL;
	while ((1u << log) < n_wq)
		log++;
	for (i = 0; i < n_wq; i++) {
		ret = rq_create(d, &r->rq[i], port, max_wr, cq_n, buf_size, ch);
		if (ret)
			goto fail;
		wqs[i] = r->rq[i].wq;
	}
	memset(&ia, 0, sizeof(ia));
	ia.log_ind_tbl_size = log;
	ia.ind_tbl = wqs;
	r->tbl = ibv_create_rwq_ind_table(d->ctx, &ia);
	if (r->tbl == NULL) {
		ret = -errno;
		fprintf(stderr, "ibv_create_rwq_ind_table(log %u): %s\n", log, strerror(errno));
		goto fail;
	}
	memset(&qa, 0, sizeof(qa));
	qa.qp_type = IBV_QPT_RAW_PACKET;
	qa.comp_mask = IBV_QP_INIT_ATTR_PD | IBV_QP_INIT_ATTR_IND_TABLE |
		       IBV_QP_INIT_ATTR_RX_HASH;
	qa.pd = d->pdom[port];
	qa.rwq_ind_tbl = r->tbl;
	qa.rx_hash_conf.rx_hash_function = IBV_RX_HASH_FUNC_TOEPLITZ;
	qa.rx_hash_conf.rx_hash_key_len = MANA_RSS_KEY_SIZE;
	qa.rx_hash_conf.rx_hash_key = r->key;
	qa.rx_hash_conf.rx_hash_fields_mask =
		IBV_RX_HASH_SRC_IPV4 | IBV_RX_HASH_DST_IPV4 |
		IBV_RX_HASH_SRC_IPV6 | IBV_RX_HASH_DST_IPV6 |
		IBV_RX_HASH_SRC_PORT_TCP | IBV_RX_HASH_DST_PORT_TCP |
		IBV_RX_HASH_SRC_PORT_UDP | IBV_RX_HASH_DST_PORT_UDP;
	r->qp = ibv_create_qp_ex(d->ctx, &qa);
	if (r->qp == NULL) {
		ret = -errno;
		fprintf(stderr, "ibv_create_qp_ex(RSS, port %u, %u WQs): %s\n",
			port + 1, n_wq, strerror(errno));
		goto fail;
	}
	for (i = 0; i < n_wq; i++) {
		struct snt_rq *q = &r->rq[i];
		struct manadv_obj obj;

		memset(&obj, 0, sizeof(obj));
		obj.rwq.in = q->wq;
		obj.rwq.out = &q->dv;
		obj.cq.in = q->cq.cq;
		obj.cq.out = &q->cq.dv;
		ret = manadv_init_obj(&obj, MANADV_OBJ_RWQ | MANADV_OBJ_CQ);
		if (ret) {
			fprintf(stderr, "manadv_init_obj(RWQ|CQ): %d\n", ret);
			ret = -EIO;
			goto fail;
		}
		q->cq.db_page = q->dv.db_page;
		q->nslots = q->dv.size / MANA_BU_SIZE;
		q->slots = calloc(q->nslots, sizeof(*q->slots));
		if (q->slots == NULL) {
			ret = -ENOMEM;
			goto fail;
		}
		ret = snt_mem_alloc(d, &q->bufs, (size_t)q->nslots * q->buf_size);
		if (ret)
			goto fail;
		if (post) {
			ret = snt_rq_post(q, post, false);
			if (ret < 0)
				goto fail;
		}
	}
	return 0;
fail:
	snt_rss_destroy(r);
	return ret ? ret : -EIO;
}

void
snt_rss_destroy(struct snt_rss *r)
{
	unsigned int i;

	if (r->qp && ibv_destroy_qp(r->qp) != 0)
		fprintf(stderr, "ibv_destroy_qp(RSS): %s\n", strerror(errno));
	r->qp = NULL;
	if (r->tbl && ibv_destroy_rwq_ind_table(r->tbl) != 0)
		fprintf(stderr, "ibv_destroy_rwq_ind_table: %s\n", strerror(errno));
	r->tbl = NULL;
	for (i = 0; i < r->n && i < SNT_MAX_WQ; i++)
		rq_destroy(&r->rq[i]);
}

int
snt_endpoint_create(struct snt_dev *d, struct snt_sq *s, struct snt_rss *r, unsigned int port,
		    uint32_t sq_wr, uint32_t max_sge, uint32_t rq_wr)
{
	int ret = snt_sq_create(d, s, port, sq_wr, max_sge, sq_wr);

	if (ret != 0)
		return ret;
	return snt_rss_create(d, r, port, 1, rq_wr, rq_wr, NULL, 2048, rq_wr);
}

void
snt_endpoint_destroy(struct snt_sq *s, struct snt_rss *r)
{
	snt_rss_destroy(r);
	snt_sq_destroy(s);
}

/* Number of packets a valid RX CQE reports; -EPROTO for bad CQEs. */
static int
rx_cqe_packets(const struct snt_rq *q, const struct mana_cqe *c)
{
	unsigned int n = 0;

	if (c->info.is_sq || c->info.wq_num != q->dv.wq_id) {
		fprintf(stderr, "RX CQE: is_sq %u wq_num %u, expected 0 / RQ %u\n",
			c->info.is_sq, c->info.wq_num, q->dv.wq_id);
		return -EPROTO;
	}
	switch (c->hdr.cqe_type) {
	case MANA_CQE_RX_OKAY:
	case MANA_CQE_RX_TRUNCATED:
		n = 1;
		break;
	case MANA_CQE_RX_COALESCED_4:
		while (n < MANA_RX_COALESCE_MAX && c->rx.ppi[n].pkt_len)
			n++;
		break;
	default:
		fprintf(stderr, "RX CQE: unexpected cqe_type %u on RQ %u\n",
			c->hdr.cqe_type, q->dv.wq_id);
		return -EPROTO;
	}
	if (n == 0 || (c->hdr.cqe_type == MANA_CQE_RX_OKAY && c->rx.ppi[0].pkt_len == 0)) {
		fprintf(stderr, "RX CQE type %u reports no packet\n", c->hdr.cqe_type);
		return -EPROTO;
	}
	if (n > q->s_head - q->s_tail) {
		fprintf(stderr, "RX CQE reports %u packets, only %u WQEs posted\n",
			n, q->s_head - q->s_tail);
		return -EPROTO;
	}
	return (int)n;
}

static void
rx_deliver(struct snt_rq *q, struct snt_pkt *p)
{
	struct snt_rx_slot *sl = &q->slots[q->s_tail % q->nslots];
	const struct mana_rx_ppi *ppi = &q->cur.rx.ppi[q->cur_idx];

	memset(p, 0, sizeof(*p));
	p->data = sl->buf;
	p->wqe_off = sl->wqe_off;
	p->len = ppi->pkt_len;
	p->hash = ppi->pkt_hash;
	p->cqe_type = q->cur.hdr.cqe_type;
	p->npkts = q->cur_n;
	p->idx = q->cur_idx;
	p->cqe = q->cur;
	q->s_tail++;
	q->cur_idx++;
}

static int
rq_try(struct snt_rq *q, struct snt_pkt *p)
{
	int ret;

	if (q->cur_idx < q->cur_n) {
		rx_deliver(q, p);
		return 1;
	}
	ret = snt_cq_poll(&q->cq, &q->cur);
	if (ret <= 0)
		return ret;
	if (q->cq.ring_db)
		snt_cq_doorbell(&q->cq, false);
	ret = rx_cqe_packets(q, &q->cur);
	if (ret < 0) {
		q->cur_n = q->cur_idx = 0;
		return ret;
	}
	q->cur_n = (unsigned int)ret;
	q->cur_idx = 0;
	rx_deliver(q, p);
	return 1;
}

/* snt_rq_recv()/snt_rss_recv(): the next packet of any of the n RQs q[],
 * bounded wait; p->wq = the index of its RQ. */
static int
rqs_recv(struct snt_rq *q, unsigned int n, struct snt_pkt *p, unsigned int timeout_ms)
{
	uint64_t deadline = snt_now_ms() + timeout_ms;
	unsigned int it = 0, i;
	int ret;

	for (;;) {
		for (i = 0; i < n; i++) {
			ret = rq_try(&q[i], p);
			if (ret != 0) {
				p->wq = i;
				return ret;
			}
		}
		if ((it & 63) == 0 && snt_now_ms() > deadline)
			return 0;
		snt_backoff(it++);
	}
}

int
snt_rq_recv(struct snt_rq *q, struct snt_pkt *p, unsigned int timeout_ms)
{
	return rqs_recv(q, 1, p, timeout_ms);
}

int
snt_rss_recv(struct snt_rss *r, struct snt_pkt *p, unsigned int timeout_ms)
{
	return rqs_recv(r->rq, r->n, p, timeout_ms);
}

/* ------------------------------------------------------------------ */
/* Frames                                                              */
/* ------------------------------------------------------------------ */

uint32_t
snt_l4_csum_offset(uint8_t proto)
{
	return proto == IPPROTO_TCP ? offsetof(struct rte_tcp_hdr, cksum) :
				      offsetof(struct rte_udp_hdr, dgram_cksum);
}

uint16_t
snt_l4_cksum(const uint8_t *frame, bool ipv6, uint32_t l3, uint32_t l4)
{
	if (ipv6)
		return rte_ipv6_udptcp_cksum((const struct rte_ipv6_hdr *)(frame + l3), frame + l4);
	return rte_ipv4_udptcp_cksum((const struct rte_ipv4_hdr *)(frame + l3), frame + l4);
}

int
snt_flow_init(struct snt_flow *f, uint8_t proto, const char *src, uint16_t sport,
	      const char *dst, uint16_t dport, uint32_t payload, uint8_t seed,
	      const uint8_t *smac, const uint8_t *dmac)
{
	memset(f, 0, sizeof(*f));
	f->proto = proto;
	if (snt_parse_ip(src, f->src, &f->ipv6) != 0 || snt_parse_ip(dst, f->dst, &f->ipv6) != 0)
		return -EINVAL;
	f->sport = sport;
	f->dport = dport;
	f->payload = payload;
	f->seed = seed;
	memcpy(f->smac, smac, 6);
	memcpy(f->dmac, dmac, 6);
	return 0;
}

uint32_t
snt_build_frame(uint8_t *buf, uint32_t cap, const struct snt_flow *f,
		uint32_t *l3_off, uint32_t *l4_off)
{
	uint32_t off = 0, l3, l4, l4_len, len, i;
	struct rte_ether_hdr *eth = (struct rte_ether_hdr *)buf;
	uint16_t ethertype;
	uint8_t *payload;

	if (f->proto == 0)
		ethertype = f->ethertype;
	else
		ethertype = f->ipv6 ? RTE_ETHER_TYPE_IPV6 : RTE_ETHER_TYPE_IPV4;
	l4_len = f->payload;
	if (f->proto == IPPROTO_TCP)
		l4_len += sizeof(struct rte_tcp_hdr);
	else if (f->proto == IPPROTO_UDP)
		l4_len += sizeof(struct rte_udp_hdr);
	len = RTE_ETHER_HDR_LEN + (f->vlan ? 4 : 0) +
	      (f->proto == 0 ? 0 : (f->ipv6 ? sizeof(struct rte_ipv6_hdr) :
				     sizeof(struct rte_ipv4_hdr))) + l4_len;
	if (len > cap)
		return 0;
	memset(buf, 0, len);
	memcpy(eth->dst_addr.addr_bytes, f->dmac, 6);
	memcpy(eth->src_addr.addr_bytes, f->smac, 6);
	off = 12;
	if (f->vlan) {
		uint16_t tpid = rte_cpu_to_be_16(RTE_ETHER_TYPE_VLAN);
		uint16_t tci = rte_cpu_to_be_16(f->vlan_tci);

		memcpy(buf + off, &tpid, 2);
		memcpy(buf + off + 2, &tci, 2);
		off += 4;
	}
	ethertype = rte_cpu_to_be_16(ethertype);
	memcpy(buf + off, &ethertype, 2);
	off += 2;
	l3 = off;
	if (f->proto == 0) {
		for (i = off; i < len; i++)
			buf[i] = (uint8_t)(f->seed + i * 7);
		if (l3_off)
			*l3_off = l3;
		if (l4_off)
			*l4_off = l3;
		return len;
	}
	if (f->ipv6) {
		struct rte_ipv6_hdr *ip6 = (struct rte_ipv6_hdr *)(buf + off);

		ip6->vtc_flow = rte_cpu_to_be_32(6u << 28);
		ip6->payload_len = rte_cpu_to_be_16((uint16_t)l4_len);
		ip6->proto = f->proto;
		ip6->hop_limits = 64;
		memcpy(ip6->src_addr, f->src, 16);
		memcpy(ip6->dst_addr, f->dst, 16);
		off += sizeof(*ip6);
	} else {
		struct rte_ipv4_hdr *ip = (struct rte_ipv4_hdr *)(buf + off);

		ip->version_ihl = RTE_IPV4_VHL_DEF;
		ip->total_length = rte_cpu_to_be_16((uint16_t)(sizeof(*ip) + l4_len));
		ip->packet_id = rte_cpu_to_be_16((uint16_t)(0x1234 + f->seed));
		ip->fragment_offset = rte_cpu_to_be_16(RTE_IPV4_HDR_DF_FLAG);
		ip->time_to_live = 64;
		ip->next_proto_id = f->proto;
		memcpy(&ip->src_addr, f->src, 4);
		memcpy(&ip->dst_addr, f->dst, 4);
		ip->hdr_checksum = 0;
		ip->hdr_checksum = rte_ipv4_cksum(ip);
		off += sizeof(*ip);
	}
	l4 = off;
	if (f->proto == IPPROTO_TCP) {
		struct rte_tcp_hdr *t = (struct rte_tcp_hdr *)(buf + off);

		t->src_port = rte_cpu_to_be_16(f->sport);
		t->dst_port = rte_cpu_to_be_16(f->dport);
		t->sent_seq = rte_cpu_to_be_32(0x01020304u + f->seed);
		t->recv_ack = rte_cpu_to_be_32(0x0A0B0C0Du);
		t->data_off = 5 << 4;
		t->tcp_flags = RTE_TCP_ACK_FLAG | RTE_TCP_PSH_FLAG;
		t->rx_win = rte_cpu_to_be_16(65535);
		off += sizeof(*t);
	} else if (f->proto == IPPROTO_UDP) {
		struct rte_udp_hdr *u = (struct rte_udp_hdr *)(buf + off);

		u->src_port = rte_cpu_to_be_16(f->sport);
		u->dst_port = rte_cpu_to_be_16(f->dport);
		u->dgram_len = rte_cpu_to_be_16((uint16_t)l4_len);
		off += sizeof(*u);
	}
	payload = buf + off;
	for (i = 0; i < f->payload; i++)
		payload[i] = (uint8_t)(f->seed + i * 13 + (i >> 8));
	if (f->proto == IPPROTO_TCP || f->proto == IPPROTO_UDP) {
		uint8_t *ck = buf + l4 + snt_l4_csum_offset(f->proto);
		uint16_t v = 0;

		memcpy(ck, &v, 2);
		v = snt_l4_cksum(buf, f->ipv6, l3, l4);
		memcpy(ck, &v, 2);
	}
	if (l3_off)
		*l3_off = l3;
	if (l4_off)
		*l4_off = l4;
	return len;
}

void
snt_seed_offload(uint8_t *frame, const struct snt_flow *f, bool ip_csum, bool l4_csum)
{
	uint32_t l3 = RTE_ETHER_HDR_LEN + (f->vlan ? 4 : 0);
	uint32_t l4 = l3 + (f->ipv6 ? sizeof(struct rte_ipv6_hdr) : sizeof(struct rte_ipv4_hdr));

	if (ip_csum && !f->ipv6)
		((struct rte_ipv4_hdr *)(frame + l3))->hdr_checksum = 0;
	if (l4_csum && (f->proto == IPPROTO_TCP || f->proto == IPPROTO_UDP)) {
		uint16_t v;

		if (f->ipv6)
			v = rte_ipv6_phdr_cksum((struct rte_ipv6_hdr *)(frame + l3), 0);
		else
			v = rte_ipv4_phdr_cksum((struct rte_ipv4_hdr *)(frame + l3), 0);
		memcpy(frame + l4 + snt_l4_csum_offset(f->proto), &v, 2);
	}
}

uint32_t
snt_toeplitz(const uint8_t *key, const struct snt_flow *f, bool with_ports)
{
	uint32_t words[9], n = 0, i, alen = f->ipv6 ? 16 : 4;
	uint32_t w;

	for (i = 0; i < alen; i += 4) {
		memcpy(&w, f->src + i, 4);
		words[n++] = rte_be_to_cpu_32(w);
	}
	for (i = 0; i < alen; i += 4) {
		memcpy(&w, f->dst + i, 4);
		words[n++] = rte_be_to_cpu_32(w);
	}
	if (with_ports)
		words[n++] = ((uint32_t)f->sport << 16) | f->dport;
	return rte_softrss(words, n, key);
}

int
snt_parse_ip(const char *s, uint8_t *dst, bool *v6)
{
	memset(dst, 0, 16);
	if (inet_pton(AF_INET, s, dst) == 1) {
		*v6 = false;
		return 0;
	}
	if (inet_pton(AF_INET6, s, dst) == 1) {
		*v6 = true;
		return 0;
	}
	return -EINVAL;
}

void
snt_dump_diff(const char *what, const uint8_t *got, uint32_t got_len,
	      const uint8_t *want, uint32_t want_len)
{
	uint32_t i, n = got_len < want_len ? got_len : want_len, shown = 0;

	fprintf(stderr, "%s: length %u, expected %u\n", what, got_len, want_len);
	for (i = 0; i < n && shown < 8; i++) {
		if (got[i] != want[i]) {
			fprintf(stderr, "  byte %u: 0x%02x, expected 0x%02x\n",
				i, got[i], want[i]);
			shown++;
		}
	}
}

/* ------------------------------------------------------------------ */
/* Program support                                                     */
/* ------------------------------------------------------------------ */

int
snt_run_suite(const char *name, CU_InitializeFunc init, CU_CleanupFunc clean, CU_TestInfo *tests)
{
	CU_SuiteInfo suites[] = {
		{ name, init, clean, NULL, NULL, tests },
		CU_SUITE_INFO_NULL,
	};

	return tc_run_suites(suites);
}

int
snt_rings_freed(void)
{
	if (snt_alloc_stats.live == 0)
		return 0;
	fprintf(stderr, "allocator: %zu rings not freed after destroy\n", snt_alloc_stats.live);
	return -1;
}

const char *
snt_arg(int argc, char **argv, const char *name, const char *def)
{
	int i;

	for (i = 1; i + 1 < argc; i++)
		if (strcmp(argv[i], name) == 0)
			return argv[i + 1];
	return def;
}
