/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Drop-in libibverbs: device list, context open/close, device and port
 * queries, async events, string helpers (spec §1.1, §1.2, §8, §9).
 *
 * Devices come from the soft-NIC configuration ($SOFTNIC_CONF): one IB
 * device per adapter, named as configured (mana_0 ...), ibdev_path in the
 * fake sysfs.  A revoked adapter is not listed (its IB device unregistered)
 * and cannot be opened (ENODEV).
 *
 * Context: the command fd is the context's doorbell-region memfd (spec
 * §1.2: libmana maps offset 0, 4096 bytes; DPDK secondaries map it again);
 * the async fd is a pipe (O_CLOEXEC; the application may set O_NONBLOCK, then
 * ibv_get_async_event fails with EAGAIN when no event is queued; epoll-able).
 * struct verbs_context is complete (abi_compat, sz, ops), so the inline verbs
 * of infiniband/verbs.h reach this library.
 */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <infiniband/verbs.h>

#include "sn_verbs.h"

static pthread_mutex_t sn_dev_lock = PTHREAD_MUTEX_INITIALIZER;
static struct sn_vdev *sn_devs;		/* one per adapter, never freed */
static unsigned int sn_ndevs;

/* EIO once the adapter was revoked after the context was opened. */
int
sn_ctx_dead(struct sn_vctx *c)
{
	return sn_adapter_generation(c->a) != c->generation ? EIO : 0;
}

static int
sn_devs_init(const struct sn_config *cfg)
{
	unsigned int i;

	if (sn_devs != NULL)
		return 0;
	sn_devs = calloc(cfg->num_adapters, sizeof(*sn_devs));
	if (sn_devs == NULL)
		return ENOMEM;
	for (i = 0; i < cfg->num_adapters; i++) {
		struct ibv_device *d = &sn_devs[i].dev;

		sn_devs[i].adapter = i;
		d->node_type = IBV_NODE_CA;
		d->transport_type = IBV_TRANSPORT_IB;
		snprintf(d->name, sizeof(d->name), "%s", cfg->adapter[i].ibdev);
		snprintf(d->dev_name, sizeof(d->dev_name), "uverbs%u", i);
		if ((size_t)snprintf(d->dev_path, sizeof(d->dev_path), "%.200s/class/"
				     "infiniband_verbs/uverbs%u", cfg->sysfs_root, i) >=
		    sizeof(d->dev_path))
			d->dev_path[0] = '\0';
		sn_sysfs_ibdev_path(cfg, i, d->ibdev_path, sizeof(d->ibdev_path));
	}
	sn_ndevs = cfg->num_adapters;
	return 0;
}

/*
 * List the soft-NIC's IB devices (spec §1.1).  Returns a NULL-terminated
 * array (free with ibv_free_device_list) and the count in *num_devices;
 * NULL with errno ENOMEM.  Without a configuration the list is empty.
 */
SN_EXPORT struct ibv_device **
ibv_get_device_list(int *num_devices)
{
	const struct sn_config *cfg = sn_config_get();
	struct ibv_device **list;
	unsigned int i, n = 0;

	pthread_mutex_lock(&sn_dev_lock);
	if (cfg != NULL && sn_devs_init(cfg) != 0) {
		pthread_mutex_unlock(&sn_dev_lock);
		errno = ENOMEM;
		return NULL;
	}
	list = calloc(sn_ndevs + 1, sizeof(*list));
	if (list == NULL) {
		pthread_mutex_unlock(&sn_dev_lock);
		errno = ENOMEM;
		return NULL;
	}
	for (i = 0; i < sn_ndevs; i++) {
		struct sn_adapter *a = sn_adapter_peek(i);

		if (a != NULL && sn_adapter_revoked(a))
			continue;
		list[n++] = &sn_devs[i].dev;
	}
	pthread_mutex_unlock(&sn_dev_lock);
	if (num_devices)
		*num_devices = (int)n;
	return list;
}

/* Free a list from ibv_get_device_list (the devices stay valid). */
SN_EXPORT void
ibv_free_device_list(struct ibv_device **list)
{
	free(list);
}

/* Name of the IB device (configured, e.g. mana_0). */
SN_EXPORT const char *
ibv_get_device_name(struct ibv_device *device)
{
	return device->name;
}

/* Index of the device (the adapter index), -1 if not ours. */
SN_EXPORT int
ibv_get_device_index(struct ibv_device *device)
{
	struct sn_vdev *d = sn_container_of(device, struct sn_vdev, dev);

	return sn_devs && d >= sn_devs && d < sn_devs + sn_ndevs ? (int)d->adapter : -1;
}

/* GUID: EUI-64 of port 0's MAC (FF:FE inserted, U/L bit flipped), network
 * byte order. */
static __be64
sn_guid(unsigned int adapter)
{
	const struct sn_config *cfg = sn_config_get();
	const uint8_t *m;
	uint8_t g[8];
	__be64 v;

	if (cfg == NULL || adapter >= cfg->num_adapters)
		return 0;
	m = cfg->adapter[adapter].port[0].mac;
	g[0] = m[0] ^ 0x02;
	g[1] = m[1];
	g[2] = m[2];
	g[3] = 0xff;
	g[4] = 0xfe;
	g[5] = m[3];
	g[6] = m[4];
	g[7] = m[5];
	memcpy(&v, g, 8);
	return v;
}

/* Node GUID of the device (EUI-64 of port 0's MAC, network order). */
SN_EXPORT __be64
ibv_get_device_guid(struct ibv_device *device)
{
	return sn_guid(sn_container_of(device, struct sn_vdev, dev)->adapter);
}

static void
sn_async_cb(void *arg, enum sn_async_event ev, uint32_t port)
{
	struct sn_vctx *c = arg;
	uint32_t msg[2] = { (uint32_t)ev, port };
	ssize_t r;

	r = write(c->async_wr, msg, sizeof(msg));
	if (r != (ssize_t)sizeof(msg))
		sn_log(SN_LOG_ERR, "async event %d lost (queue full)", (int)ev);
}

static int
sn_poll_cq(struct ibv_cq *cq, int num_entries, struct ibv_wc *wc)
{
	(void)cq;
	(void)num_entries;
	(void)wc;
	/* RAW Ethernet CQs are polled from the ring (manadv_cq), not here */
	return -EOPNOTSUPP;
}

static int
sn_post_send(struct ibv_qp *qp, struct ibv_send_wr *wr, struct ibv_send_wr **bad)
{
	(void)qp;
	*bad = wr;
	return EOPNOTSUPP;
}

static int
sn_post_recv(struct ibv_qp *qp, struct ibv_recv_wr *wr, struct ibv_recv_wr **bad)
{
	(void)qp;
	*bad = wr;
	return EOPNOTSUPP;
}

static int
sn_post_srq_recv(struct ibv_srq *srq, struct ibv_recv_wr *wr, struct ibv_recv_wr **bad)
{
	(void)srq;
	*bad = wr;
	return EOPNOTSUPP;
}

static int sn_query_port_op(struct ibv_context *ctx, uint8_t port, struct ibv_port_attr *attr,
			    size_t len);
static int sn_query_device_ex_op(struct ibv_context *ctx,
				 const struct ibv_query_device_ex_input *in,
				 struct ibv_device_attr_ex *attr, size_t len);

/*
 * Open the device: creates the adapter (and its device thread) on first
 * use, a doorbell region (the command fd) and the async event pipe.
 * Returns NULL with errno ENODEV (not ours, revoked), ENOMEM, or the error
 * of memfd/pipe creation.
 */
SN_EXPORT struct ibv_context *
ibv_open_device(struct ibv_device *device)
{
	struct sn_vdev *d = sn_container_of(device, struct sn_vdev, dev);
	const struct sn_config *cfg = sn_config_get();
	struct ibv_context *ctx;
	struct sn_vctx *c;
	int pfd[2];

	if (cfg == NULL || sn_devs == NULL || d < sn_devs || d >= sn_devs + sn_ndevs) {
		errno = ENODEV;
		return NULL;
	}
	c = calloc(1, sizeof(*c));
	if (c == NULL) {
		errno = ENOMEM;
		return NULL;
	}
	c->adapter_idx = d->adapter;
	c->a = sn_adapter_get(d->adapter);
	if (c->a == NULL || sn_adapter_revoked(c->a)) {
		free(c);
		errno = ENODEV;
		return NULL;
	}
	c->generation = sn_adapter_generation(c->a);
	c->profile = cfg->profile;
	c->lim = sn_profile_limits(cfg->profile);
	c->num_ports = sn_adapter_config(c->a)->num_ports;
	c->dbr = sn_dbr_create(c->a);
	if (c->dbr == NULL) {
		int e = errno == EIO ? ENODEV : errno;

		free(c);
		errno = e;
		return NULL;
	}
	if (pipe2(pfd, O_CLOEXEC) != 0) {
		int e = errno;

		sn_dbr_destroy(c->dbr);
		free(c);
		errno = e;
		return NULL;
	}
	fcntl(pfd[1], F_SETFL, O_NONBLOCK);
	c->async_wr = pfd[1];
	pthread_mutex_init(&c->lock, NULL);

	ctx = &c->vctx.context;
	ctx->device = device;
	ctx->cmd_fd = sn_dbr_fd(c->dbr);
	ctx->async_fd = pfd[0];
	ctx->num_comp_vectors = c->profile == SN_PROFILE_CURRENT ? (int)c->lim->max_qp : 1;
	pthread_mutex_init(&ctx->mutex, NULL);
	ctx->abi_compat = __VERBS_ABI_IS_EXTENDED;
	ctx->ops.poll_cq = sn_poll_cq;
	ctx->ops.req_notify_cq = sn_req_notify_cq;
	ctx->ops.post_send = sn_post_send;
	ctx->ops.post_recv = sn_post_recv;
	ctx->ops.post_srq_recv = sn_post_srq_recv;
	c->vctx.sz = sizeof(struct verbs_context);
	c->vctx.query_port = sn_query_port_op;
	c->vctx.query_device_ex = sn_query_device_ex_op;
	c->vctx.alloc_parent_domain = sn_alloc_parent_domain;
	c->vctx.create_qp_ex = sn_create_qp_ex;
	c->vctx.create_wq = sn_create_wq;
	c->vctx.modify_wq = sn_modify_wq;
	c->vctx.destroy_wq = sn_destroy_wq;
	c->vctx.create_rwq_ind_table = sn_create_rwq_ind_table;
	c->vctx.destroy_rwq_ind_table = sn_destroy_rwq_ind_table;

	if (sn_adapter_add_listener(c->a, sn_async_cb, c) != 0) {
		close(pfd[0]);
		close(pfd[1]);
		sn_dbr_destroy(c->dbr);
		free(c);
		errno = ENOMEM;
		return NULL;
	}
	sn_log(SN_LOG_DEBUG, "opened %s: cmd_fd %d async_fd %d", device->name,
	       ctx->cmd_fd, ctx->async_fd);
	return ctx;
}

/*
 * Close a context: device objects still alive are destroyed with the
 * doorbell region (as the kernel does), the fds are closed.  Returns 0.
 */
SN_EXPORT int
ibv_close_device(struct ibv_context *ctx)
{
	struct sn_vctx *c = sn_ctx(ctx);

	sn_adapter_del_listener(c->a, sn_async_cb, c);
	sn_dbr_destroy(c->dbr);
	close(ctx->async_fd);
	close(c->async_wr);
	pthread_mutex_destroy(&ctx->mutex);
	pthread_mutex_destroy(&c->lock);
	free(c);
	return 0;
}

static void
sn_fill_device_attr(struct sn_vctx *c, struct ibv_device_attr *a)
{
	const struct sn_limits *l = c->lim;

	memset(a, 0, sizeof(*a));
	snprintf(a->fw_ver, sizeof(a->fw_ver), "softnic-0.1");
	a->node_guid = sn_guid(c->adapter_idx);
	a->sys_image_guid = a->node_guid;
	a->max_mr_size = UINT64_MAX;
	a->page_size_cap = c->profile == SN_PROFILE_CURRENT ? 0x1ff000 : 0x1000;
	a->vendor_id = MANA_PCI_VENDOR_ID;
	a->vendor_part_id = l->vendor_part_id;
	a->hw_ver = 0;
	a->max_qp = (int)l->max_qp;
	a->max_qp_wr = (int)l->max_qp_wr;
	a->max_sge = (int)l->max_send_sge;
	a->max_cq = (int)(l->max_qp * 2 * c->num_ports);
	a->max_cqe = (int)l->max_cqe;
	a->max_mr = 0xffffff;
	a->max_pd = 0xffff;
	a->max_raw_ethy_qp = (int)l->max_qp;
	a->phys_port_cnt = (uint8_t)c->num_ports;
}

/* Device attributes (spec §1.12 limits of the profile).  0 or EIO. */
SN_EXPORT int
ibv_query_device(struct ibv_context *ctx, struct ibv_device_attr *attr)
{
	struct sn_vctx *c = sn_ctx(ctx);
	int ret = sn_ctx_dead(c);

	if (ret)
		return ret;
	sn_fill_device_attr(c, attr);
	return 0;
}

static int
sn_query_device_ex_op(struct ibv_context *ctx, const struct ibv_query_device_ex_input *in,
		      struct ibv_device_attr_ex *attr, size_t len)
{
	struct sn_vctx *c = sn_ctx(ctx);
	struct ibv_device_attr_ex full;
	int ret = sn_ctx_dead(c);

	(void)in;
	if (ret)
		return ret;
	if (len < sizeof(attr->orig_attr))
		return EINVAL;
	memset(&full, 0, sizeof(full));
	sn_fill_device_attr(c, &full.orig_attr);
	full.raw_packet_caps = c->lim->raw_packet_caps;
	full.max_wq_type_rq = c->lim->max_qp;
	full.rss_caps.max_rwq_indirection_tables = c->lim->max_qp;
	full.rss_caps.max_rwq_indirection_table_size = MANA_RSS_IND_TABLE_SIZE;
	full.rss_caps.supported_qpts = 1u << IBV_QPT_RAW_PACKET;
	full.rss_caps.rx_hash_function = IBV_RX_HASH_FUNC_TOEPLITZ;
	full.phys_port_cnt_ex = c->num_ports;
	memcpy(attr, &full, len < sizeof(full) ? len : sizeof(full));
	return 0;
}

static enum ibv_mtu
sn_mtu_enum(uint32_t mtu)
{
	if (mtu >= 4096)
		return IBV_MTU_4096;
	if (mtu >= 2048)
		return IBV_MTU_2048;
	if (mtu >= 1024)
		return IBV_MTU_1024;
	if (mtu >= 512)
		return IBV_MTU_512;
	return IBV_MTU_256;
}

static int
sn_query_port_op(struct ibv_context *ctx, uint8_t port, struct ibv_port_attr *attr, size_t len)
{
	struct sn_vctx *c = sn_ctx(ctx);
	struct ibv_port_attr a;
	bool up;
	int ret = sn_ctx_dead(c);

	if (ret)
		return ret;
	if (port < 1 || port > c->num_ports)
		return EINVAL;
	up = sn_port_link_up(c->a, port - 1u);
	memset(&a, 0, sizeof(a));
	a.state = up ? IBV_PORT_ACTIVE : IBV_PORT_DOWN;
	a.max_mtu = IBV_MTU_4096;
	a.active_mtu = sn_mtu_enum(sn_port_mtu(c->a, port - 1u));
	a.gid_tbl_len = 16;
	a.max_msg_sz = 0x40000000;
	a.pkey_tbl_len = 1;
	a.active_width = 2;		/* 4X */
	a.active_speed = 32;		/* EDR */
	a.phys_state = up ? 5 : 3;	/* LinkUp / Disabled */
	a.link_layer = IBV_LINK_LAYER_ETHERNET;
	memcpy(attr, &a, len < sizeof(a) ? len : sizeof(a));
	return 0;
}

/* The exported (non-inline) ibv_query_port fills the legacy attribute
 * struct, which ends before port_cap_flags2. */
#undef ibv_query_port
SN_EXPORT int
ibv_query_port(struct ibv_context *ctx, uint8_t port, struct _compat_ibv_port_attr *attr)
{
	return sn_query_port_op(ctx, port, (struct ibv_port_attr *)attr,
				offsetof(struct ibv_port_attr, port_cap_flags2));
}

/*
 * Next async event of the context (DEVICE_FATAL after a revoke, PORT_ERR /
 * PORT_ACTIVE on link changes).  Blocks unless the application made async_fd
 * non-blocking.  Returns 0, or -1 with errno (EAGAIN when non-blocking and
 * empty).
 */
SN_EXPORT int
ibv_get_async_event(struct ibv_context *ctx, struct ibv_async_event *event)
{
	uint32_t msg[2];
	ssize_t r;

	do {
		r = read(ctx->async_fd, msg, sizeof(msg));
	} while (r < 0 && errno == EINTR);
	if (r != (ssize_t)sizeof(msg)) {
		if (r >= 0)
			errno = EIO;
		return -1;
	}
	memset(event, 0, sizeof(*event));
	switch (msg[0]) {
	case SN_ASYNC_DEVICE_FATAL:
		event->event_type = IBV_EVENT_DEVICE_FATAL;
		break;
	case SN_ASYNC_PORT_ACTIVE:
		event->event_type = IBV_EVENT_PORT_ACTIVE;
		event->element.port_num = (int)msg[1];
		break;
	case SN_ASYNC_PORT_ERR:
	default:
		event->event_type = IBV_EVENT_PORT_ERR;
		event->element.port_num = (int)msg[1];
		break;
	}
	return 0;
}

/* Events carry no resources here: nothing to release. */
SN_EXPORT void
ibv_ack_async_event(struct ibv_async_event *event)
{
	(void)event;
}

/* Fork protection is not needed (no kernel pinning): always succeeds. */
SN_EXPORT int
ibv_fork_init(void)
{
	return 0;
}

/* No fork protection is needed: IBV_FORK_UNNEEDED. */
SN_EXPORT enum ibv_fork_status
ibv_is_fork_initialized(void)
{
	return IBV_FORK_UNNEEDED;
}

/* Human-readable names of async event types, node types, port states and
 * work completion statuses. */
SN_EXPORT const char *
ibv_event_type_str(enum ibv_event_type event)
{
	static const char *const s[] = {
		[IBV_EVENT_CQ_ERR] = "CQ error",
		[IBV_EVENT_QP_FATAL] = "local work queue catastrophic error",
		[IBV_EVENT_QP_REQ_ERR] = "invalid request local work queue error",
		[IBV_EVENT_QP_ACCESS_ERR] = "local access violation work queue error",
		[IBV_EVENT_COMM_EST] = "communication established",
		[IBV_EVENT_SQ_DRAINED] = "send queue drained",
		[IBV_EVENT_PATH_MIG] = "path migrated",
		[IBV_EVENT_PATH_MIG_ERR] = "path migration request error",
		[IBV_EVENT_DEVICE_FATAL] = "local catastrophic error",
		[IBV_EVENT_PORT_ACTIVE] = "port active",
		[IBV_EVENT_PORT_ERR] = "port error",
		[IBV_EVENT_LID_CHANGE] = "LID change",
		[IBV_EVENT_PKEY_CHANGE] = "P_Key change",
		[IBV_EVENT_SM_CHANGE] = "SM change",
		[IBV_EVENT_SRQ_ERR] = "SRQ catastrophic error",
		[IBV_EVENT_SRQ_LIMIT_REACHED] = "SRQ limit reached",
		[IBV_EVENT_QP_LAST_WQE_REACHED] = "last WQE reached",
		[IBV_EVENT_CLIENT_REREGISTER] = "client reregistration",
		[IBV_EVENT_GID_CHANGE] = "GID table change",
		[IBV_EVENT_WQ_FATAL] = "WQ fatal",
	};

	if ((unsigned int)event < sizeof(s) / sizeof(s[0]) && s[event] != NULL)
		return s[event];
	return "unknown";
}

SN_EXPORT const char *
ibv_node_type_str(enum ibv_node_type node_type)
{
	switch (node_type) {
	case IBV_NODE_CA: return "InfiniBand channel adapter";
	case IBV_NODE_SWITCH: return "InfiniBand switch";
	case IBV_NODE_ROUTER: return "InfiniBand router";
	case IBV_NODE_RNIC: return "iWARP NIC";
	case IBV_NODE_USNIC: return "usNIC";
	case IBV_NODE_USNIC_UDP: return "usNIC UDP";
	case IBV_NODE_UNSPECIFIED: return "unspecified";
	default: return "unknown";
	}
}

SN_EXPORT const char *
ibv_port_state_str(enum ibv_port_state port_state)
{
	switch (port_state) {
	case IBV_PORT_NOP: return "PORT_NOP";
	case IBV_PORT_DOWN: return "PORT_DOWN";
	case IBV_PORT_INIT: return "PORT_INIT";
	case IBV_PORT_ARMED: return "PORT_ARMED";
	case IBV_PORT_ACTIVE: return "PORT_ACTIVE";
	case IBV_PORT_ACTIVE_DEFER: return "PORT_ACTIVE_DEFER";
	default: return "invalid state";
	}
}

SN_EXPORT const char *
ibv_wc_status_str(enum ibv_wc_status status)
{
	switch (status) {
	case IBV_WC_SUCCESS: return "success";
	case IBV_WC_LOC_LEN_ERR: return "local length error";
	case IBV_WC_LOC_QP_OP_ERR: return "local QP operation error";
	case IBV_WC_LOC_PROT_ERR: return "local protection error";
	case IBV_WC_WR_FLUSH_ERR: return "Work Request Flushed Error";
	case IBV_WC_GENERAL_ERR: return "general error";
	default: return "unknown";
	}
}

/* Sysfs path of the fake sysfs root's class/infiniband parent dir. */
SN_EXPORT int
ibv_get_sysfs_path(char *buf, size_t size)
{
	const struct sn_config *cfg = sn_config_get();

	if (cfg == NULL || (size_t)snprintf(buf, size, "%s", cfg->sysfs_root) >= size)
		return -1;
	return 0;
}
