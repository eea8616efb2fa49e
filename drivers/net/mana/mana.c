/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * net_mana: PCI probe/remove, device discovery (spec §1.1), devargs and
 * the ethdev control path (dev_ops).  The datapath lives in rx.c/tx.c, the
 * memory registration in mr.c.
 *
 * One ethdev port per MANA vPort: each port opens its own verbs context
 * (own doorbell page, own async event fd), its own PD and parent domain
 * (spec §1.2, §1.3).  Queue objects exist only while the port is started
 * (spec §1.9 order: send QPs, then the RSS QP).
 */
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <sys/ioctl.h>
#include <sys/socket.h>

#include <rte_cycles.h>
#include <rte_eal.h>
#include <rte_ether.h>
#include <rte_interrupts.h>
#include <rte_kvargs.h>
#include <rte_malloc.h>
#include <bus_pci_driver.h>
#include <ethdev_driver.h>
#include <ethdev_pci.h>

#include <infiniband/verbs.h>
#include <infiniband/manadv.h>

#include "mana.h"

RTE_LOG_REGISTER(mana_logtype_init, pmd.net.mana.init, NOTICE);
RTE_LOG_REGISTER(mana_logtype_driver, pmd.net.mana.driver, NOTICE);

#define MANA_DEVARG_MAC		"mac"

static const char *const mana_valid_args[] = {
	MANA_DEVARG_MAC,
	NULL,
};

/* Default Toeplitz key (spec §7). */
static const uint8_t mana_default_rss_key[MANA_RSS_KEY_SIZE] = {
	0x2c, 0xc6, 0x81, 0xd1, 0x5b, 0xdb, 0xf4, 0xf7,
	0xfc, 0xa2, 0x83, 0x19, 0xdb, 0x1a, 0x3e, 0x94,
	0x6b, 0x9e, 0x38, 0xd9, 0x2c, 0x9c, 0x03, 0xd1,
	0xad, 0x99, 0x44, 0xa7, 0xd9, 0x56, 0x3d, 0x59,
	0x06, 0x3c, 0x25, 0xf3, 0xfc, 0x1f, 0xdc, 0x2a,
};

static const struct eth_dev_ops mana_dev_ops;
static const struct eth_dev_ops mana_dev_secondary_ops;

/* ------------------------------------------------------------------ */
/* Queue memory through the manadv allocator hooks (spec §1.4)         */
/* ------------------------------------------------------------------ */

/*
 * manadv alloc hook: size bytes (libmana asks for a power of two
 * >= 4096) of zeroed DPDK memory, aligned to the system page size (the
 * kernel needs a zero-offset DMA region, K6.9), on the NUMA socket passed
 * in data (SOCKET_ID_ANY allowed).  Returns NULL on failure.
 */
void *
mana_alloc_verbs_buf(size_t size, void *data)
{
	int socket = (int)(intptr_t)data;
	size_t align = (size_t)sysconf(_SC_PAGESIZE);
	void *p;

	if (align == (size_t)-1 || align < MANA_PAGE_SIZE)
		align = MANA_PAGE_SIZE;
	p = rte_zmalloc_socket("mana_queue_ring", size, align, socket);
	if (p == NULL && socket != SOCKET_ID_ANY)
		p = rte_zmalloc_socket("mana_queue_ring", size, align,
				       SOCKET_ID_ANY);
	if (p == NULL)
		DRV_LOG(ERR, "cannot allocate %zu bytes of queue memory on socket %d",
			size, socket);
	return p;
}

/* manadv free hook: release memory of mana_alloc_verbs_buf(). */
void
mana_free_verbs_buf(void *ptr, void *data __rte_unused)
{
	rte_free(ptr);
}

/*
 * Point the context's allocator hooks at DPDK memory of NUMA socket
 * `socket` (spec §1.4: read at object creation, so set before each
 * queue).  Returns 0 or a negative errno.
 */
int
mana_set_allocator(struct mana_priv *priv, int socket)
{
	struct manadv_ctx_allocators a = {
		.alloc = mana_alloc_verbs_buf,
		.free = mana_free_verbs_buf,
		.data = (void *)(intptr_t)socket,
	};
	int ret;

	ret = manadv_set_context_attr(priv->ib_ctx,
				      MANADV_CTX_ATTR_BUF_ALLOCATORS, &a);
	if (ret) {
		DRV_LOG(ERR, "manadv_set_context_attr(BUF_ALLOCATORS) failed: %s",
			strerror(ret > 0 ? ret : -ret));
		return ret > 0 ? -ret : (ret ? ret : -EINVAL);
	}
	return 0;
}

/* ------------------------------------------------------------------ */
/* sysfs helpers (spec §1.1)                                           */
/* ------------------------------------------------------------------ */

/* Read the first line of a sysfs file into buf (newline stripped).
 * Returns 0 or a negative errno. */
static int
mana_read_sysfs(const char *path, char *buf, size_t len)
{
	FILE *f = fopen(path, "r");
	size_t n;

	if (f == NULL)
		return -errno;
	if (fgets(buf, (int)len, f) == NULL) {
		fclose(f);
		return -EIO;
	}
	fclose(f);
	n = strlen(buf);
	while (n > 0 && isspace((unsigned char)buf[n - 1]))
		buf[--n] = '\0';
	return 0;
}

/*
 * Does IB device dev sit on PCI function addr?  Reads
 * <ibdev_path>/device/uevent and compares PCI_SLOT_NAME (spec §1.1).
 */
static bool
mana_ibdev_on_pci(const struct ibv_device *dev, const struct rte_pci_addr *addr)
{
	char path[PATH_MAX];
	char line[256];
	struct rte_pci_addr found;
	bool match = false;
	FILE *f;

	if (snprintf(path, sizeof(path), "%s/device/uevent",
		     dev->ibdev_path) >= (int)sizeof(path))
		return false;
	f = fopen(path, "r");
	if (f == NULL)
		return false;
	while (fgets(line, sizeof(line), f) != NULL) {
		char *v;
		size_t n;

		if (strncmp(line, "PCI_SLOT_NAME=", 14) != 0)
			continue;
		v = line + 14;
		n = strlen(v);
		while (n > 0 && isspace((unsigned char)v[n - 1]))
			v[--n] = '\0';
		if (rte_pci_addr_parse(v, &found) == 0 &&
		    rte_pci_addr_cmp(&found, addr) == 0)
			match = true;
		break;
	}
	fclose(f);
	return match;
}

/*
 * Find the kernel netdev of IB port ib_port (1-based) of an IB device:
 * the entry of <ibdev_path>/device/net/ whose dev_port equals
 * ib_port - 1; its address file gives the MAC (spec §1.1).
 * Returns 0 and fills netdev/mac, or a negative errno.
 */
static int
mana_port_netdev(const char *ibdev_path, unsigned int ib_port,
		 char netdev[IF_NAMESIZE], struct rte_ether_addr *mac)
{
	char dir[PATH_MAX];
	char path[PATH_MAX + 2 * NAME_MAX];
	char buf[64];
	struct dirent *de;
	DIR *d;
	int ret = -ENOENT;

	snprintf(dir, sizeof(dir), "%s/device/net", ibdev_path);
	d = opendir(dir);
	if (d == NULL)
		return -errno;
	while ((de = readdir(d)) != NULL) {
		unsigned long dev_port;
		char *end;

		if (de->d_name[0] == '.')
			continue;
		snprintf(path, sizeof(path), "%s/%s/dev_port", dir, de->d_name);
		if (mana_read_sysfs(path, buf, sizeof(buf)) != 0)
			continue;
		errno = 0;
		dev_port = strtoul(buf, &end, 0);
		if (errno != 0 || end == buf || dev_port != ib_port - 1)
			continue;
		snprintf(path, sizeof(path), "%s/%s/address", dir, de->d_name);
		if (mana_read_sysfs(path, buf, sizeof(buf)) != 0 ||
		    rte_ether_unformat_addr(buf, mac) != 0) {
			PMD_INIT_LOG(ERR, "%s: no valid MAC in %s", de->d_name,
				     path);
			ret = -EINVAL;
			break;
		}
		if (strlen(de->d_name) >= IF_NAMESIZE) {
			ret = -ENAMETOOLONG;
			break;
		}
		strcpy(netdev, de->d_name);
		ret = 0;
		break;
	}
	closedir(d);
	return ret;
}

/* ------------------------------------------------------------------ */
/* MTU through the kernel netdev (spec §8)                             */
/* ------------------------------------------------------------------ */

/* Path of an attribute of the port's netdev in the IB device's sysfs. */
static void
mana_netdev_attr_path(const struct mana_priv *priv, const char *attr,
		      char *path, size_t len)
{
	snprintf(path, len, "%s/device/net/%s/%s", priv->ibdev_path,
		 priv->netdev, attr);
}

/* Current MTU of the port's netdev (bytes), from sysfs.  0 or -errno. */
static int
mana_netdev_mtu_get(const struct mana_priv *priv, uint16_t *mtu)
{
	char path[PATH_MAX];
	char buf[32];
	unsigned long v;
	char *end;
	int ret;

	mana_netdev_attr_path(priv, "mtu", path, sizeof(path));
	ret = mana_read_sysfs(path, buf, sizeof(buf));
	if (ret)
		return ret;
	errno = 0;
	v = strtoul(buf, &end, 10);
	if (errno || end == buf || v == 0 || v > UINT16_MAX)
		return -EINVAL;
	*mtu = (uint16_t)v;
	return 0;
}

/*
 * Set the MTU of the vPort through its kernel netdev (spec §8).
 * 1. The netdev named in sysfs exists in this network namespace with the
 *    port's MAC: SIOCSIFMTU on it (the Azure case).
 * 2. Otherwise write the netdev's sysfs "mtu" attribute (the kernel
 *    implements that file with the same dev_set_mtu() as SIOCSIFMTU; the
 *    soft-NIC's fake sysfs exposes it too, so this is how the MTU reaches
 *    a device that has no kernel netdev in our namespace).
 * Returns 0, -ENODEV when neither exists, or the kernel's -errno.
 */
static int
mana_netdev_mtu_set(struct mana_priv *priv, uint16_t mtu)
{
	const struct rte_ether_addr *mac = priv->dev_data->mac_addrs;
	char path[PATH_MAX];
	struct ifreq ifr;
	int fd, ret, wfd;
	char buf[16];

	memset(&ifr, 0, sizeof(ifr));
	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", priv->netdev);
	fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (fd >= 0) {
		if (ioctl(fd, SIOCGIFHWADDR, &ifr) == 0 &&
		    memcmp(ifr.ifr_hwaddr.sa_data, mac->addr_bytes,
			   RTE_ETHER_ADDR_LEN) == 0) {
			ifr.ifr_mtu = mtu;
			ret = ioctl(fd, SIOCSIFMTU, &ifr) == 0 ? 0 : -errno;
			close(fd);
			if (ret)
				DRV_LOG(ERR, "port %u: SIOCSIFMTU %u on %s failed: %s",
					priv->port_id, mtu, priv->netdev,
					strerror(-ret));
			else
				DRV_LOG(INFO, "port %u: MTU of %s set to %u",
					priv->port_id, priv->netdev, mtu);
			return ret;
		}
		close(fd);
	}

	mana_netdev_attr_path(priv, "mtu", path, sizeof(path));
	wfd = open(path, O_WRONLY | O_TRUNC | O_CLOEXEC);
	if (wfd < 0) {
		ret = errno == ENOENT ? -ENODEV : -errno;
		DRV_LOG(ERR, "port %u: no kernel netdev %s with the port MAC and %s not writable: %s",
			priv->port_id, priv->netdev, path, strerror(errno));
		return ret;
	}
	snprintf(buf, sizeof(buf), "%u\n", mtu);
	ret = write(wfd, buf, strlen(buf)) == (ssize_t)strlen(buf) ? 0 : -errno;
	close(wfd);
	if (ret)
		DRV_LOG(ERR, "port %u: writing %u to %s failed: %s",
			priv->port_id, mtu, path, strerror(-ret));
	else
		DRV_LOG(INFO, "port %u: MTU %u written to %s", priv->port_id,
			mtu, path);
	return ret;
}

/* ------------------------------------------------------------------ */
/* RSS (spec §1.7, §1.8, §7)                                           */
/* ------------------------------------------------------------------ */

/*
 * The hardware table has 64 entries, entry j = WQ[j mod 2^k] of a user
 * table of 2^k WQs, and the kernel turns every WQ of the user table into
 * its own RQ object (mana_ib consumes the WQ's DMA region on first use,
 * so a WQ cannot appear twice).  A RETA is therefore expressible exactly
 * when it repeats with a period 2^k whose 2^k entries are distinct
 * queues.  Returns k (0..6) or -1.
 */
static int
mana_reta_log2_period(const uint16_t *reta)
{
	unsigned int k, j, i;

	for (k = 0; k <= MANA_RSS_MAX_LOG_IND_TBL; k++) {
		unsigned int p = 1u << k;
		bool periodic = true;

		for (j = p; j < MANA_RSS_IND_TABLE_SIZE && periodic; j++)
			periodic = reta[j] == reta[j & (p - 1)];
		if (!periodic)
			continue;
		for (j = 0; j < p; j++)
			for (i = j + 1; i < p; i++)
				if (reta[i] == reta[j])
					return -1;
		return (int)k;
	}
	return -1;
}

/* Is RSS hashing on for this configuration? */
static bool
mana_rss_enabled(const struct mana_priv *priv)
{
	const struct rte_eth_conf *conf = &priv->dev_data->dev_conf;

	return (conf->rxmode.mq_mode & RTE_ETH_MQ_RX_RSS_FLAG) &&
	       priv->rss_hf != 0 && priv->dev_data->nb_rx_queues > 1;
}

/*
 * The RX queues of the RWQ indirection table, in table order (spec §1.7):
 * fills queues[0 .. 2^k - 1] and returns 2^k (0 when the port has no RX
 * queue).  Without RSS every packet goes to queue 0.  Queues absent from
 * the table get no RQ object and receive nothing.
 */
uint32_t
mana_rss_table(const struct mana_priv *priv, uint16_t *queues)
{
	int k;
	uint32_t i;

	if (priv->dev_data->nb_rx_queues == 0)
		return 0;
	if (!mana_rss_enabled(priv)) {
		queues[0] = 0;
		return 1;
	}
	k = mana_reta_log2_period(priv->reta);
	if (k < 0) {
		/* Validated on every update; cannot happen. */
		queues[0] = 0;
		return 1;
	}
	for (i = 0; i < (1u << k); i++)
		queues[i] = priv->reta[i];
	return 1u << k;
}

/*
 * ibv rx_hash_fields_mask for an ethdev rss_hf (spec §1.8: copied to the
 * kernel, which ignores it; passed correctly anyway).
 */
uint64_t
mana_rss_hf_to_ibv(uint64_t rss_hf)
{
	uint64_t m = 0;

	if (rss_hf & (RTE_ETH_RSS_IPV4 | RTE_ETH_RSS_NONFRAG_IPV4_TCP |
		      RTE_ETH_RSS_NONFRAG_IPV4_UDP))
		m |= IBV_RX_HASH_SRC_IPV4 | IBV_RX_HASH_DST_IPV4;
	if (rss_hf & (RTE_ETH_RSS_IPV6 | RTE_ETH_RSS_NONFRAG_IPV6_TCP |
		      RTE_ETH_RSS_NONFRAG_IPV6_UDP))
		m |= IBV_RX_HASH_SRC_IPV6 | IBV_RX_HASH_DST_IPV6;
	if (rss_hf & (RTE_ETH_RSS_NONFRAG_IPV4_TCP |
		      RTE_ETH_RSS_NONFRAG_IPV6_TCP))
		m |= IBV_RX_HASH_SRC_PORT_TCP | IBV_RX_HASH_DST_PORT_TCP;
	if (rss_hf & (RTE_ETH_RSS_NONFRAG_IPV4_UDP |
		      RTE_ETH_RSS_NONFRAG_IPV6_UDP))
		m |= IBV_RX_HASH_SRC_PORT_UDP | IBV_RX_HASH_DST_PORT_UDP;
	return m;
}

/* Default RETA: j -> j mod n for a power-of-two n, else everything to 0. */
static void
mana_reta_default(struct mana_priv *priv, uint16_t nb_rx)
{
	unsigned int j;

	for (j = 0; j < MANA_RSS_IND_TABLE_SIZE; j++)
		priv->reta[j] = (nb_rx > 0 && rte_is_power_of_2(nb_rx)) ?
				j % nb_rx : 0;
}

static int
mana_rss_hash_update(struct rte_eth_dev *dev, struct rte_eth_rss_conf *conf)
{
	struct mana_priv *priv = dev->data->dev_private;

	if (dev->data->dev_started) {
		DRV_LOG(ERR, "port %u: RSS configuration can change only while the port is stopped",
			dev->data->port_id);
		return -EBUSY;
	}
	if (conf->rss_hf & ~MANA_RSS_HF) {
		DRV_LOG(ERR, "port %u: unsupported rss_hf 0x%" PRIx64 " (supported 0x%" PRIx64 ")",
			dev->data->port_id, conf->rss_hf, (uint64_t)MANA_RSS_HF);
		return -EINVAL;
	}
	if (conf->rss_key != NULL && conf->rss_key_len != 0) {
		if (conf->rss_key_len != MANA_RSS_KEY_SIZE) {
			DRV_LOG(ERR, "port %u: RSS key must be %u bytes, not %u",
				dev->data->port_id, MANA_RSS_KEY_SIZE,
				conf->rss_key_len);
			return -EINVAL;
		}
		memcpy(priv->rss_key, conf->rss_key, MANA_RSS_KEY_SIZE);
	}
	priv->rss_hf = conf->rss_hf;
	dev->data->dev_conf.rx_adv_conf.rss_conf.rss_hf = conf->rss_hf;
	return 0;
}

static int
mana_rss_hash_conf_get(struct rte_eth_dev *dev, struct rte_eth_rss_conf *conf)
{
	struct mana_priv *priv = dev->data->dev_private;

	if (conf->rss_key != NULL) {
		if (conf->rss_key_len < MANA_RSS_KEY_SIZE)
			return -EINVAL;
		memcpy(conf->rss_key, priv->rss_key, MANA_RSS_KEY_SIZE);
	}
	conf->rss_key_len = MANA_RSS_KEY_SIZE;
	conf->rss_hf = priv->rss_hf;
	return 0;
}

static int
mana_reta_update(struct rte_eth_dev *dev,
		 struct rte_eth_rss_reta_entry64 *reta_conf, uint16_t reta_size)
{
	struct mana_priv *priv = dev->data->dev_private;
	uint16_t reta[MANA_RSS_IND_TABLE_SIZE];
	unsigned int j;

	if (reta_size != MANA_RSS_IND_TABLE_SIZE) {
		DRV_LOG(ERR, "port %u: RETA size must be %u, not %u",
			dev->data->port_id, MANA_RSS_IND_TABLE_SIZE, reta_size);
		return -EINVAL;
	}
	if (dev->data->dev_started) {
		DRV_LOG(ERR, "port %u: RETA can change only while the port is stopped",
			dev->data->port_id);
		return -EBUSY;
	}
	memcpy(reta, priv->reta, sizeof(reta));
	for (j = 0; j < MANA_RSS_IND_TABLE_SIZE; j++) {
		unsigned int g = j / RTE_ETH_RETA_GROUP_SIZE;
		unsigned int s = j % RTE_ETH_RETA_GROUP_SIZE;

		if (!(reta_conf[g].mask & (1ULL << s)))
			continue;
		if (reta_conf[g].reta[s] >= dev->data->nb_rx_queues) {
			DRV_LOG(ERR, "port %u: RETA entry %u names queue %u of %u",
				dev->data->port_id, j, reta_conf[g].reta[s],
				dev->data->nb_rx_queues);
			return -EINVAL;
		}
		reta[j] = reta_conf[g].reta[s];
	}
	if (mana_reta_log2_period(reta) < 0) {
		DRV_LOG(ERR, "port %u: RETA not expressible: MANA repeats a table of 2^k distinct queues (k <= 6) over its 64 entries",
			dev->data->port_id);
		return -EINVAL;
	}
	memcpy(priv->reta, reta, sizeof(reta));
	return 0;
}

static int
mana_reta_query(struct rte_eth_dev *dev,
		struct rte_eth_rss_reta_entry64 *reta_conf, uint16_t reta_size)
{
	struct mana_priv *priv = dev->data->dev_private;
	unsigned int j;

	if (reta_size != MANA_RSS_IND_TABLE_SIZE)
		return -EINVAL;
	for (j = 0; j < MANA_RSS_IND_TABLE_SIZE; j++) {
		unsigned int g = j / RTE_ETH_RETA_GROUP_SIZE;
		unsigned int s = j % RTE_ETH_RETA_GROUP_SIZE;

		if (reta_conf[g].mask & (1ULL << s))
			reta_conf[g].reta[s] = priv->reta[j];
	}
	return 0;
}

/* ------------------------------------------------------------------ */
/* dev_ops: configuration                                              */
/* ------------------------------------------------------------------ */

/* Largest frame (bytes) for an MTU, with a VLAN tag. */
static inline uint32_t
mana_frame_size(uint32_t mtu)
{
	return mtu + MANA_FRAME_OVERHEAD;
}

/* Check that every RX queue's buffers hold a frame of `mtu`. */
static int
mana_check_rx_buffers(struct rte_eth_dev *dev, uint16_t mtu)
{
	uint16_t i;

	for (i = 0; i < dev->data->nb_rx_queues; i++) {
		struct mana_rxq *rxq = dev->data->rx_queues[i];

		if (rxq == NULL)
			continue;
		if (rxq->buf_size < mana_frame_size(mtu)) {
			DRV_LOG(ERR, "port %u: RX queue %u buffers hold %u bytes, MTU %u needs %u (no RX scatter)",
				dev->data->port_id, i, rxq->buf_size, mtu,
				mana_frame_size(mtu));
			return -EINVAL;
		}
	}
	return 0;
}

static int
mana_dev_configure(struct rte_eth_dev *dev)
{
	struct mana_priv *priv = dev->data->dev_private;
	struct rte_eth_conf *conf = &dev->data->dev_conf;
	uint16_t nb_rx = dev->data->nb_rx_queues;
	uint16_t nb_tx = dev->data->nb_tx_queues;
	struct rte_eth_rss_conf *rss = &conf->rx_adv_conf.rss_conf;
	uint16_t cur_mtu;
	int ret;

	if (priv->removed) {
		DRV_LOG(ERR, "port %u: device was removed", dev->data->port_id);
		return -ENODEV;
	}
	if (nb_rx > 0 && nb_tx == 0) {
		DRV_LOG(ERR, "port %u: receiving needs at least one TX queue (the send QP configures the vPort, spec §1.9)",
			dev->data->port_id);
		return -EINVAL;
	}
	if (nb_rx > MANA_MAX_RX_QUEUES || nb_rx > priv->lim.max_qp) {
		DRV_LOG(ERR, "port %u: %u RX queues, limit %u",
			dev->data->port_id, nb_rx,
			RTE_MIN((uint32_t)MANA_MAX_RX_QUEUES, priv->lim.max_qp));
		return -EINVAL;
	}
	if (nb_tx > priv->lim.max_qp) {
		DRV_LOG(ERR, "port %u: %u TX queues, limit %u",
			dev->data->port_id, nb_tx, priv->lim.max_qp);
		return -EINVAL;
	}
	if (conf->rxmode.mq_mode != RTE_ETH_MQ_RX_NONE &&
	    conf->rxmode.mq_mode != RTE_ETH_MQ_RX_RSS) {
		DRV_LOG(ERR, "port %u: RX mq_mode %d not supported (NONE or RSS)",
			dev->data->port_id, conf->rxmode.mq_mode);
		return -ENOTSUP;
	}
	if (conf->txmode.mq_mode != RTE_ETH_MQ_TX_NONE) {
		DRV_LOG(ERR, "port %u: TX mq_mode %d not supported",
			dev->data->port_id, conf->txmode.mq_mode);
		return -ENOTSUP;
	}
	if ((conf->rxmode.mq_mode & RTE_ETH_MQ_RX_RSS_FLAG) && nb_rx > 1 &&
	    !rte_is_power_of_2(nb_rx)) {
		DRV_LOG(ERR, "port %u: with RSS the RX queue count must be a power of two (MANA's table repeats 2^k distinct queues), not %u",
			dev->data->port_id, nb_rx);
		return -EINVAL;
	}
	if (conf->intr_conf.rxq) {
		DRV_LOG(ERR, "port %u: RX queue interrupts are not supported",
			dev->data->port_id);
		return -ENOTSUP;
	}
	if (conf->intr_conf.lsc) {
		DRV_LOG(ERR, "port %u: link state interrupts are not supported",
			dev->data->port_id);
		return -ENOTSUP;
	}
	if (rss->rss_key != NULL && rss->rss_key_len != 0) {
		if (rss->rss_key_len != MANA_RSS_KEY_SIZE) {
			DRV_LOG(ERR, "port %u: RSS key must be %u bytes, not %u",
				dev->data->port_id, MANA_RSS_KEY_SIZE,
				rss->rss_key_len);
			return -EINVAL;
		}
		memcpy(priv->rss_key, rss->rss_key, MANA_RSS_KEY_SIZE);
	}
	if (rss->rss_hf & ~MANA_RSS_HF) {
		DRV_LOG(ERR, "port %u: unsupported rss_hf 0x%" PRIx64,
			dev->data->port_id, rss->rss_hf);
		return -EINVAL;
	}
	priv->rss_hf = rss->rss_hf;
	if ((conf->rxmode.mq_mode & RTE_ETH_MQ_RX_RSS_FLAG) == 0 && nb_rx > 1)
		DRV_LOG(NOTICE, "port %u: %u RX queues without RSS: every packet goes to queue 0",
			dev->data->port_id, nb_rx);
	/* A RETA set for another queue count is reset to the default. */
	if (priv->reta_nb_rx != nb_rx) {
		mana_reta_default(priv, nb_rx);
		priv->reta_nb_rx = nb_rx;
	}

	/* Bring the vPort MTU (the kernel netdev's) to the configured one. */
	ret = mana_netdev_mtu_get(priv, &cur_mtu);
	if (ret == 0 && cur_mtu != dev->data->mtu) {
		ret = mana_netdev_mtu_set(priv, dev->data->mtu);
		if (ret) {
			DRV_LOG(ERR, "port %u: cannot set MTU %u on netdev %s (now %u)",
				dev->data->port_id, dev->data->mtu,
				priv->netdev, cur_mtu);
			return ret;
		}
	} else if (ret) {
		DRV_LOG(WARNING, "port %u: cannot read the MTU of netdev %s: %s",
			dev->data->port_id, priv->netdev, strerror(-ret));
	}
	return 0;
}

static int
mana_dev_info_get(struct rte_eth_dev *dev, struct rte_eth_dev_info *info)
{
	struct mana_priv *priv = dev->data->dev_private;
	uint16_t max_desc = (uint16_t)RTE_MIN(priv->lim.max_desc,
					      (uint32_t)UINT16_MAX);

	info->min_mtu = MANA_MIN_MTU;
	info->max_mtu = MANA_MAX_MTU;
	info->min_rx_bufsize = MANA_MIN_RX_BUF_SIZE;
	info->max_rx_pktlen = MANA_MAX_MTU + MANA_FRAME_OVERHEAD;
	info->max_rx_queues = (uint16_t)RTE_MIN(priv->lim.max_qp,
						(uint32_t)MANA_MAX_RX_QUEUES);
	info->max_tx_queues = (uint16_t)RTE_MIN(priv->lim.max_qp,
						(uint32_t)RTE_MAX_QUEUES_PER_PORT);
	info->max_mac_addrs = 1;
	info->max_hash_mac_addrs = 0;
	info->max_vfs = 0;
	info->rx_offload_capa = MANA_RX_OFFLOADS;
	info->tx_offload_capa = MANA_TX_OFFLOADS;
	info->rx_queue_offload_capa = 0;
	info->tx_queue_offload_capa = 0;
	info->reta_size = MANA_RSS_IND_TABLE_SIZE;
	info->hash_key_size = MANA_RSS_KEY_SIZE;
	info->flow_type_rss_offloads = MANA_RSS_HF;

	info->default_rxconf = (struct rte_eth_rxconf){
		.rx_drop_en = 1,	/* no WQE posted: the device drops */
	};
	info->default_txconf = (struct rte_eth_txconf){ 0 };

	info->rx_desc_lim = (struct rte_eth_desc_lim){
		.nb_max = max_desc,
		.nb_min = RTE_MIN((uint16_t)MANA_MIN_RX_DESC, max_desc),
		.nb_align = 1,
		.nb_seg_max = 1,
		.nb_mtu_seg_max = 1,
	};
	info->tx_desc_lim = (struct rte_eth_desc_lim){
		.nb_max = max_desc,
		.nb_min = RTE_MIN((uint16_t)MANA_MIN_TX_DESC, max_desc),
		.nb_align = 1,
		.nb_seg_max = (uint16_t)priv->lim.max_send_sge,
		.nb_mtu_seg_max = (uint16_t)priv->lim.max_send_sge,
	};
	info->default_rxportconf = (struct rte_eth_dev_portconf){
		.burst_size = MANA_DEFAULT_BURST,
		.ring_size = RTE_MIN((uint16_t)MANA_DEFAULT_RING_SIZE, max_desc),
		.nb_queues = 1,
	};
	info->default_txportconf = info->default_rxportconf;
	info->speed_capa = RTE_ETH_LINK_SPEED_100G;
	info->dev_capa = 0;
	return 0;
}

/*
 * Link: MANA has no carrier state visible to userspace (the kernel netdev
 * is down while DPDK owns the vPort, spec §1.9/§8), so the link is up while
 * the port is started and the device present.  Speed: the adapter's
 * nominal 100 Gb/s; the VM size caps the real rate.
 */
static int
mana_dev_link_update(struct rte_eth_dev *dev, int wait __rte_unused)
{
	struct mana_priv *priv = dev->data->dev_private;
	struct rte_eth_link link = {
		.link_speed = MANA_LINK_SPEED,
		.link_duplex = RTE_ETH_LINK_FULL_DUPLEX,
		.link_autoneg = RTE_ETH_LINK_FIXED,
		.link_status = RTE_ETH_LINK_UP,
	};

	if (priv->removed || !dev->data->dev_started) {
		link.link_status = RTE_ETH_LINK_DOWN;
		link.link_speed = RTE_ETH_SPEED_NUM_NONE;
	}
	return rte_eth_linkstatus_set(dev, &link);
}

static int
mana_dev_mtu_set(struct rte_eth_dev *dev, uint16_t mtu)
{
	struct mana_priv *priv = dev->data->dev_private;
	int ret;

	if (priv->removed)
		return -ENODEV;
	if (mtu < MANA_MIN_MTU || mtu > MANA_MAX_MTU) {
		DRV_LOG(ERR, "port %u: MTU %u out of range %u..%u",
			dev->data->port_id, mtu, MANA_MIN_MTU, MANA_MAX_MTU);
		return -EINVAL;
	}
	ret = mana_check_rx_buffers(dev, mtu);
	if (ret)
		return ret;
	return mana_netdev_mtu_set(priv, mtu);
}

/* The hardware has no promiscuous or multicast filter control. */
static int
mana_promiscuous_enable(struct rte_eth_dev *dev __rte_unused)
{
	return -ENOTSUP;
}

static int
mana_promiscuous_disable(struct rte_eth_dev *dev __rte_unused)
{
	return 0;	/* never promiscuous */
}

static int
mana_allmulticast_enable(struct rte_eth_dev *dev __rte_unused)
{
	return -ENOTSUP;
}

static int
mana_allmulticast_disable(struct rte_eth_dev *dev __rte_unused)
{
	return 0;
}

/* The vPort MAC is assigned by the platform; it cannot change. */
static int
mana_mac_addr_set(struct rte_eth_dev *dev __rte_unused,
		  struct rte_ether_addr *mac __rte_unused)
{
	return -ENOTSUP;
}

static int
mana_mac_addr_add(struct rte_eth_dev *dev __rte_unused,
		  struct rte_ether_addr *mac __rte_unused,
		  uint32_t index __rte_unused, uint32_t vmdq __rte_unused)
{
	return -ENOTSUP;
}

/* VLAN strip can be toggled at run time: the device always strips and the
 * driver re-inserts the tag when stripping is off (spec §5.6). */
static int
mana_vlan_offload_set(struct rte_eth_dev *dev, int mask)
{
	bool strip = !!(dev->data->dev_conf.rxmode.offloads &
			RTE_ETH_RX_OFFLOAD_VLAN_STRIP);
	uint16_t i;

	if (mask & RTE_ETH_VLAN_STRIP_MASK) {
		for (i = 0; i < dev->data->nb_rx_queues; i++) {
			struct mana_rxq *rxq = dev->data->rx_queues[i];

			if (rxq != NULL)
				rxq->vlan_strip = strip;
		}
	}
	return 0;
}

static const uint32_t *
mana_supported_ptypes(struct rte_eth_dev *dev __rte_unused)
{
	static const uint32_t ptypes[] = {
		RTE_PTYPE_L2_ETHER,
		RTE_PTYPE_L2_ETHER_VLAN,
		RTE_PTYPE_L3_IPV4_EXT_UNKNOWN,
		RTE_PTYPE_L3_IPV6_EXT_UNKNOWN,
		RTE_PTYPE_L4_TCP,
		RTE_PTYPE_L4_UDP,
		RTE_PTYPE_UNKNOWN
	};

	return ptypes;
}

/* ------------------------------------------------------------------ */
/* dev_ops: queues                                                     */
/* ------------------------------------------------------------------ */

static void
mana_tx_queue_release(struct rte_eth_dev *dev, uint16_t qid)
{
	struct mana_txq *txq = dev->data->tx_queues[qid];

	if (txq == NULL)
		return;
	rte_free(txq->sw_ring);
	rte_free(txq);
	dev->data->tx_queues[qid] = NULL;
}

static int
mana_tx_queue_setup(struct rte_eth_dev *dev, uint16_t qid, uint16_t nb_desc,
		    unsigned int socket, const struct rte_eth_txconf *conf)
{
	struct mana_priv *priv = dev->data->dev_private;
	struct mana_txq *txq;
	uint32_t ring;

	if (priv->removed)
		return -ENODEV;
	if (nb_desc < MANA_MIN_TX_DESC || nb_desc > priv->lim.max_desc) {
		DRV_LOG(ERR, "port %u TX queue %u: %u descriptors, must be %u..%u%s",
			dev->data->port_id, qid, nb_desc, MANA_MIN_TX_DESC,
			priv->lim.max_desc, priv->lim.libmana_wr_cap ?
			" (rdma-core 44 libmana caps queues at 256)" : "");
		return -EINVAL;
	}
	if (conf != NULL && conf->tx_deferred_start) {
		DRV_LOG(ERR, "port %u TX queue %u: deferred start not supported",
			dev->data->port_id, qid);
		return -EINVAL;
	}
	if (socket == (unsigned int)SOCKET_ID_ANY)
		socket = dev->device->numa_node < 0 ? 0 : dev->device->numa_node;
	mana_tx_queue_release(dev, qid);

	txq = rte_zmalloc_socket("mana_txq", sizeof(*txq), RTE_CACHE_LINE_SIZE,
				 (int)socket);
	if (txq == NULL)
		return -ENOMEM;
	ring = rte_align32pow2(nb_desc);
	txq->sw_ring = rte_zmalloc_socket("mana_txq_sw_ring",
					  sizeof(*txq->sw_ring) * ring,
					  RTE_CACHE_LINE_SIZE, (int)socket);
	if (txq->sw_ring == NULL) {
		rte_free(txq);
		return -ENOMEM;
	}
	txq->nb_desc = nb_desc;
	txq->desc_mask = ring - 1;
	txq->max_sge = (uint16_t)priv->lim.max_send_sge;
	txq->priv = priv;
	txq->port_id = dev->data->port_id;
	txq->queue_id = qid;
	txq->socket = (int)socket;
	txq->offloads = dev->data->dev_conf.txmode.offloads |
			(conf ? conf->offloads : 0);
	dev->data->tx_queues[qid] = txq;
	return 0;
}

static void
mana_rx_queue_release(struct rte_eth_dev *dev, uint16_t qid)
{
	struct mana_rxq *rxq = dev->data->rx_queues[qid];

	if (rxq == NULL)
		return;
	rte_free(rxq->spare);
	rte_free(rxq->sw_ring);
	rte_free(rxq);
	dev->data->rx_queues[qid] = NULL;
}

static int
mana_rx_queue_setup(struct rte_eth_dev *dev, uint16_t qid, uint16_t nb_desc,
		    unsigned int socket, const struct rte_eth_rxconf *conf,
		    struct rte_mempool *mp)
{
	struct mana_priv *priv = dev->data->dev_private;
	struct mana_rxq *rxq;
	uint32_t room, ring;

	if (priv->removed)
		return -ENODEV;
	if (nb_desc < MANA_MIN_RX_DESC || nb_desc > priv->lim.max_desc) {
		DRV_LOG(ERR, "port %u RX queue %u: %u descriptors, must be %u..%u%s",
			dev->data->port_id, qid, nb_desc, MANA_MIN_RX_DESC,
			priv->lim.max_desc, priv->lim.libmana_wr_cap ?
			" (rdma-core 44 libmana caps queues at 256)" : "");
		return -EINVAL;
	}
	if (conf != NULL && conf->rx_deferred_start) {
		DRV_LOG(ERR, "port %u RX queue %u: deferred start not supported",
			dev->data->port_id, qid);
		return -EINVAL;
	}
	if (conf != NULL && (conf->rx_nseg != 0 || conf->rx_nmempool != 0)) {
		DRV_LOG(ERR, "port %u RX queue %u: buffer split / multiple pools not supported",
			dev->data->port_id, qid);
		return -ENOTSUP;
	}
	if (mp == NULL)
		return -EINVAL;
	room = rte_pktmbuf_data_room_size(mp);
	if (room <= RTE_PKTMBUF_HEADROOM ||
	    room - RTE_PKTMBUF_HEADROOM < mana_frame_size(dev->data->mtu)) {
		DRV_LOG(ERR, "port %u RX queue %u: mbuf data room %u - headroom %u < %u bytes for MTU %u (no RX scatter)",
			dev->data->port_id, qid, room, RTE_PKTMBUF_HEADROOM,
			mana_frame_size(dev->data->mtu), dev->data->mtu);
		return -EINVAL;
	}
	if (socket == (unsigned int)SOCKET_ID_ANY)
		socket = dev->device->numa_node < 0 ? 0 : dev->device->numa_node;
	mana_rx_queue_release(dev, qid);

	rxq = rte_zmalloc_socket("mana_rxq", sizeof(*rxq), RTE_CACHE_LINE_SIZE,
				 (int)socket);
	if (rxq == NULL)
		return -ENOMEM;
	ring = rte_align32pow2(nb_desc);
	rxq->sw_ring = rte_zmalloc_socket("mana_rxq_sw_ring",
					  sizeof(*rxq->sw_ring) * ring,
					  RTE_CACHE_LINE_SIZE, (int)socket);
	rxq->spare = rte_zmalloc_socket("mana_rxq_spare",
					sizeof(*rxq->spare) * nb_desc,
					RTE_CACHE_LINE_SIZE, (int)socket);
	if (rxq->sw_ring == NULL || rxq->spare == NULL) {
		rte_free(rxq->sw_ring);
		rte_free(rxq->spare);
		rte_free(rxq);
		return -ENOMEM;
	}
	rxq->nb_desc = nb_desc;
	rxq->desc_mask = ring - 1;
	rxq->mp = mp;
	rxq->buf_size = RTE_MIN(room - RTE_PKTMBUF_HEADROOM,
				(uint32_t)UINT16_MAX);
	rxq->priv = priv;
	rxq->port_id = dev->data->port_id;
	rxq->queue_id = qid;
	rxq->socket = (int)socket;
	rxq->vlan_strip = !!((dev->data->dev_conf.rxmode.offloads |
			      (conf ? conf->offloads : 0)) &
			     RTE_ETH_RX_OFFLOAD_VLAN_STRIP);
	dev->data->rx_queues[qid] = rxq;
	return 0;
}

static void
mana_rxq_info_get(struct rte_eth_dev *dev, uint16_t qid,
		  struct rte_eth_rxq_info *qinfo)
{
	struct mana_rxq *rxq = dev->data->rx_queues[qid];

	qinfo->mp = rxq->mp;
	qinfo->nb_desc = (uint16_t)rxq->nb_desc;
	qinfo->scattered_rx = 0;
	qinfo->rx_buf_size = (uint16_t)rxq->buf_size;
	qinfo->conf.rx_drop_en = 1;
	qinfo->conf.offloads = dev->data->dev_conf.rxmode.offloads;
}

static void
mana_txq_info_get(struct rte_eth_dev *dev, uint16_t qid,
		  struct rte_eth_txq_info *qinfo)
{
	struct mana_txq *txq = dev->data->tx_queues[qid];

	qinfo->nb_desc = (uint16_t)txq->nb_desc;
	qinfo->conf.offloads = txq->offloads;
}

static int
mana_burst_mode_get(struct rte_eth_dev *dev __rte_unused,
		    uint16_t qid __rte_unused, struct rte_eth_burst_mode *mode)
{
	snprintf(mode->info, sizeof(mode->info), "Scalar");
	return 0;
}

/* ------------------------------------------------------------------ */
/* dev_ops: start / stop / close                                       */
/* ------------------------------------------------------------------ */

/*
 * Burst functions of a port that is stopped, being probed or removed:
 * they take nothing and touch no queue state.  Return 0.
 */
uint16_t
mana_rx_burst_stopped(void *rxq __rte_unused, struct rte_mbuf **pkts __rte_unused,
		      uint16_t n __rte_unused)
{
	return 0;
}

uint16_t
mana_tx_burst_stopped(void *txq __rte_unused, struct rte_mbuf **pkts __rte_unused,
		      uint16_t n __rte_unused)
{
	return 0;
}

static int
mana_dev_start(struct rte_eth_dev *dev)
{
	struct mana_priv *priv = dev->data->dev_private;
	uint16_t i;
	int ret;

	if (priv->removed) {
		DRV_LOG(ERR, "port %u: device was removed", dev->data->port_id);
		return -ENODEV;
	}
	for (i = 0; i < dev->data->nb_tx_queues; i++) {
		if (dev->data->tx_queues[i] == NULL) {
			DRV_LOG(ERR, "port %u: TX queue %u not set up",
				dev->data->port_id, i);
			return -EINVAL;
		}
	}
	for (i = 0; i < dev->data->nb_rx_queues; i++) {
		if (dev->data->rx_queues[i] == NULL) {
			DRV_LOG(ERR, "port %u: RX queue %u not set up",
				dev->data->port_id, i);
			return -EINVAL;
		}
	}
	ret = mana_check_rx_buffers(dev, dev->data->mtu);
	if (ret)
		return ret;

	/* Spec §1.9: the send QPs configure the vPort; create them first. */
	ret = mana_start_tx_queues(dev);
	if (ret)
		return ret;
	ret = mana_start_rx_queues(dev);
	if (ret) {
		mana_stop_tx_queues(dev);
		mana_mr_release_all(priv);
		return ret;
	}
	priv->queues_created = true;

	for (i = 0; i < dev->data->nb_tx_queues; i++)
		dev->data->tx_queue_state[i] = RTE_ETH_QUEUE_STATE_STARTED;
	for (i = 0; i < dev->data->nb_rx_queues; i++)
		dev->data->rx_queue_state[i] = RTE_ETH_QUEUE_STATE_STARTED;
	dev->rx_pkt_burst = mana_rx_burst;
	dev->tx_pkt_burst = mana_tx_burst;
	dev->tx_pkt_prepare = mana_tx_prepare;
	rte_wmb();
	/* dev_started is set by ethdev after this returns. */
	{
		struct rte_eth_link link = {
			.link_speed = MANA_LINK_SPEED,
			.link_duplex = RTE_ETH_LINK_FULL_DUPLEX,
			.link_autoneg = RTE_ETH_LINK_FIXED,
			.link_status = RTE_ETH_LINK_UP,
		};
		rte_eth_linkstatus_set(dev, &link);
	}
	DRV_LOG(INFO, "port %u started: %u RX / %u TX queues",
		dev->data->port_id, dev->data->nb_rx_queues,
		dev->data->nb_tx_queues);
	return 0;
}

/* Release every queue object, mbuf and MR of a started port. */
static void
mana_release_queues(struct rte_eth_dev *dev)
{
	struct mana_priv *priv = dev->data->dev_private;

	if (priv->queues_created) {
		/* Reverse order of creation: RSS QP side, then send QPs. */
		mana_stop_rx_queues(dev);
		mana_stop_tx_queues(dev);
		priv->queues_created = false;
	}
	mana_mr_release_all(priv);
}

static int
mana_dev_stop(struct rte_eth_dev *dev)
{
	struct rte_eth_link link = {
		.link_speed = RTE_ETH_SPEED_NUM_NONE,
		.link_duplex = RTE_ETH_LINK_FULL_DUPLEX,
		.link_autoneg = RTE_ETH_LINK_FIXED,
		.link_status = RTE_ETH_LINK_DOWN,
	};
	uint16_t i;

	dev->rx_pkt_burst = mana_rx_burst_stopped;
	dev->tx_pkt_burst = mana_tx_burst_stopped;
	rte_wmb();
	mana_release_queues(dev);
	for (i = 0; i < dev->data->nb_tx_queues; i++)
		dev->data->tx_queue_state[i] = RTE_ETH_QUEUE_STATE_STOPPED;
	for (i = 0; i < dev->data->nb_rx_queues; i++)
		dev->data->rx_queue_state[i] = RTE_ETH_QUEUE_STATE_STOPPED;
	rte_eth_linkstatus_set(dev, &link);
	DRV_LOG(INFO, "port %u stopped", dev->data->port_id);
	return 0;
}

static void mana_intr_uninstall(struct mana_priv *priv);

/* Free every resource of a port except the ethdev data (ethdev frees
 * dev_private and mac_addrs when it releases the port). */
static void
mana_port_free(struct rte_eth_dev *dev)
{
	struct mana_priv *priv = dev->data->dev_private;
	uint16_t i;

	mana_release_queues(dev);
	for (i = 0; i < dev->data->nb_rx_queues; i++)
		mana_rx_queue_release(dev, i);
	for (i = 0; i < dev->data->nb_tx_queues; i++)
		mana_tx_queue_release(dev, i);
	mana_mr_mem_event_unregister(priv);
	mana_mr_registry_free(&priv->mr);
	mana_intr_uninstall(priv);
	if (priv->ib_parent_pd != NULL && ibv_dealloc_pd(priv->ib_parent_pd))
		DRV_LOG(WARNING, "port %u: parent domain dealloc failed",
			dev->data->port_id);
	priv->ib_parent_pd = NULL;
	if (priv->ib_pd != NULL && ibv_dealloc_pd(priv->ib_pd))
		DRV_LOG(WARNING, "port %u: PD dealloc failed",
			dev->data->port_id);
	priv->ib_pd = NULL;
	if (priv->ib_ctx != NULL && ibv_close_device(priv->ib_ctx))
		DRV_LOG(WARNING, "port %u: ibv_close_device failed",
			dev->data->port_id);
	priv->ib_ctx = NULL;
}

static int
mana_dev_close(struct rte_eth_dev *dev)
{
	if (rte_eal_process_type() != RTE_PROC_PRIMARY)
		return 0;
	mana_port_free(dev);
	DRV_LOG(INFO, "port %u closed", dev->data->port_id);
	return 0;
}

/* ------------------------------------------------------------------ */
/* dev_ops: statistics                                                 */
/* ------------------------------------------------------------------ */

static int
mana_stats_get(struct rte_eth_dev *dev, struct rte_eth_stats *st)
{
	uint64_t nombuf = 0;
	uint16_t i;

	for (i = 0; i < dev->data->nb_rx_queues; i++) {
		const struct mana_rxq *rxq = dev->data->rx_queues[i];

		if (rxq == NULL)
			continue;
		st->ipackets += rxq->stats.packets;
		st->ibytes += rxq->stats.bytes;
		st->ierrors += rxq->stats.errors;
		nombuf += rxq->stats.nombuf;
		if (i < RTE_ETHDEV_QUEUE_STAT_CNTRS) {
			st->q_ipackets[i] = rxq->stats.packets;
			st->q_ibytes[i] = rxq->stats.bytes;
			st->q_errors[i] = rxq->stats.errors;
		}
	}
	st->rx_nombuf = nombuf;
	for (i = 0; i < dev->data->nb_tx_queues; i++) {
		const struct mana_txq *txq = dev->data->tx_queues[i];

		if (txq == NULL)
			continue;
		st->opackets += txq->stats.packets;
		st->obytes += txq->stats.bytes;
		st->oerrors += txq->stats.errors;
		if (i < RTE_ETHDEV_QUEUE_STAT_CNTRS) {
			st->q_opackets[i] = txq->stats.packets;
			st->q_obytes[i] = txq->stats.bytes;
		}
	}
	return 0;
}

static int
mana_stats_reset(struct rte_eth_dev *dev)
{
	uint16_t i;

	for (i = 0; i < dev->data->nb_rx_queues; i++) {
		struct mana_rxq *rxq = dev->data->rx_queues[i];

		if (rxq != NULL)
			memset(&rxq->stats, 0, sizeof(rxq->stats));
	}
	for (i = 0; i < dev->data->nb_tx_queues; i++) {
		struct mana_txq *txq = dev->data->tx_queues[i];

		if (txq != NULL)
			memset(&txq->stats, 0, sizeof(txq->stats));
	}
	return 0;
}

struct mana_xstat_name {
	const char *name;
	size_t offset;
};

#define RXS(n, f) { n, offsetof(struct mana_rxq_stats, f) }
#define TXS(n, f) { n, offsetof(struct mana_txq_stats, f) }
#define TXC(n, t) { n, offsetof(struct mana_txq_stats, cqe) + \
		    sizeof(uint64_t) * ((t) - MANA_CQE_TX_FIRST) }

static const struct mana_xstat_name mana_rxq_xstats[] = {
	RXS("cqe_rx_okay", cqe_okay),
	RXS("cqe_rx_coalesced", cqe_coalesced),
	RXS("coalesced_packets", coalesced_pkts),
	RXS("cqe_rx_truncated", cqe_truncated),
	RXS("cqe_rx_object_fence", cqe_fence),
	RXS("cqe_unknown", cqe_unknown),
	RXS("length_errors", len_err),
	RXS("nombuf", nombuf),
	RXS("refill_failures", refill_fail),
	RXS("mr_failures", mr_fail),
	RXS("doorbells", doorbells),
	RXS("cq_doorbells", cq_doorbells),
	RXS("cq_overflows", cq_overflow),
	RXS("vlan_reinserted", vlan_reinsert),
};

static const struct mana_xstat_name mana_txq_xstats[] = {
	TXC("cqe_tx_okay", MANA_CQE_TX_OKAY),
	TXC("cqe_tx_sa_drop", MANA_CQE_TX_SA_DROP),
	TXC("cqe_tx_mtu_drop", MANA_CQE_TX_MTU_DROP),
	TXC("cqe_tx_invalid_oob", MANA_CQE_TX_INVALID_OOB),
	TXC("cqe_tx_invalid_eth_type", MANA_CQE_TX_INVALID_ETH_TYPE),
	TXC("cqe_tx_hdr_processing_error", MANA_CQE_TX_HDR_PROCESSING_ERROR),
	TXC("cqe_tx_vf_disabled", MANA_CQE_TX_VF_DISABLED),
	TXC("cqe_tx_vport_idx_out_of_range", MANA_CQE_TX_VPORT_IDX_OUT_OF_RANGE),
	TXC("cqe_tx_vport_disabled", MANA_CQE_TX_VPORT_DISABLED),
	TXC("cqe_tx_vlan_tagging_violation", MANA_CQE_TX_VLAN_TAGGING_VIOLATION),
	TXS("cqe_unknown", cqe_unknown),
	TXS("doorbells", doorbells),
	TXS("cq_doorbells", cq_doorbells),
	TXS("cq_overflows", cq_overflow),
	TXS("ring_full", ring_full),
	TXS("mr_failures", mr_fail),
	TXS("bad_packets", bad_pkt),
	TXS("flushed_at_stop", flushed),
	TXS("error_cqe_unattributed", cqe_attrib_guess),
};

#define MANA_N_RXQ_XSTATS RTE_DIM(mana_rxq_xstats)
#define MANA_N_TXQ_XSTATS RTE_DIM(mana_txq_xstats)

static unsigned int
mana_xstats_count(struct rte_eth_dev *dev)
{
	return dev->data->nb_rx_queues * MANA_N_RXQ_XSTATS +
	       dev->data->nb_tx_queues * MANA_N_TXQ_XSTATS;
}

static int
mana_xstats_get_names(struct rte_eth_dev *dev,
		      struct rte_eth_xstat_name *names, unsigned int size)
{
	unsigned int count = mana_xstats_count(dev);
	unsigned int q, i, k = 0;

	if (names == NULL || size < count)
		return (int)count;
	for (q = 0; q < dev->data->nb_rx_queues; q++)
		for (i = 0; i < MANA_N_RXQ_XSTATS; i++)
			snprintf(names[k++].name, sizeof(names[0].name),
				 "rx_q%u_%s", q, mana_rxq_xstats[i].name);
	for (q = 0; q < dev->data->nb_tx_queues; q++)
		for (i = 0; i < MANA_N_TXQ_XSTATS; i++)
			snprintf(names[k++].name, sizeof(names[0].name),
				 "tx_q%u_%s", q, mana_txq_xstats[i].name);
	return (int)count;
}

static int
mana_xstats_get(struct rte_eth_dev *dev, struct rte_eth_xstat *xs,
		unsigned int n)
{
	unsigned int count = mana_xstats_count(dev);
	unsigned int q, i, k = 0;

	if (xs == NULL || n < count)
		return (int)count;
	for (q = 0; q < dev->data->nb_rx_queues; q++) {
		const struct mana_rxq *rxq = dev->data->rx_queues[q];

		for (i = 0; i < MANA_N_RXQ_XSTATS; i++, k++) {
			xs[k].id = k;
			xs[k].value = rxq == NULL ? 0 :
				*(const uint64_t *)((const char *)&rxq->stats +
						    mana_rxq_xstats[i].offset);
		}
	}
	for (q = 0; q < dev->data->nb_tx_queues; q++) {
		const struct mana_txq *txq = dev->data->tx_queues[q];

		for (i = 0; i < MANA_N_TXQ_XSTATS; i++, k++) {
			xs[k].id = k;
			xs[k].value = txq == NULL ? 0 :
				*(const uint64_t *)((const char *)&txq->stats +
						    mana_txq_xstats[i].offset);
		}
	}
	return (int)count;
}

/* ------------------------------------------------------------------ */
/* Removal: async events (spec §9)                                     */
/* ------------------------------------------------------------------ */

/* Make every burst of the port a no-op that touches nothing. */
static void
mana_mark_removed(struct rte_eth_dev *dev)
{
	struct mana_priv *priv = dev->data->dev_private;
	uint16_t i;

	priv->removed = 1;
	for (i = 0; i < dev->data->nb_rx_queues; i++) {
		struct mana_rxq *rxq = dev->data->rx_queues[i];

		if (rxq != NULL)
			rxq->removed = 1;
	}
	for (i = 0; i < dev->data->nb_tx_queues; i++) {
		struct mana_txq *txq = dev->data->tx_queues[i];

		if (txq != NULL)
			txq->removed = 1;
	}
	rte_wmb();
}

static void
mana_intr_unregistered(struct rte_intr_handle *h __rte_unused,
		       void *arg __rte_unused)
{
}

/*
 * Async event handler (EAL interrupt thread): reads every pending event
 * of the port's context.  IBV_EVENT_DEVICE_FATAL (the device was removed
 * or revoked, spec §9) stops all device access and raises
 * RTE_ETH_EVENT_INTR_RMV when intr_conf.rmv is set; the handler then
 * unregisters itself (the fd may stay readable).
 */
static void
mana_intr_handler(void *arg)
{
	struct mana_priv *priv = arg;
	struct rte_eth_dev *dev = &rte_eth_devices[priv->port_id];
	struct ibv_async_event ev;
	bool fatal = false;

	while (ibv_get_async_event(priv->ib_ctx, &ev) == 0) {
		switch (ev.event_type) {
		case IBV_EVENT_DEVICE_FATAL:
			DRV_LOG(ERR, "port %u: device fatal event (removed or revoked)",
				priv->port_id);
			fatal = true;
			break;
		case IBV_EVENT_PORT_ERR:
		case IBV_EVENT_PORT_ACTIVE:
			DRV_LOG(INFO, "port %u: IB port %d event %s",
				priv->port_id, ev.element.port_num,
				ibv_event_type_str(ev.event_type));
			break;
		default:
			DRV_LOG(INFO, "port %u: async event %s",
				priv->port_id, ibv_event_type_str(ev.event_type));
			break;
		}
		ibv_ack_async_event(&ev);
		if (fatal)
			break;
	}
	if (!fatal || priv->removed)
		return;
	mana_mark_removed(dev);
	if (rte_intr_callback_unregister_pending(priv->intr_handle,
						 mana_intr_handler, priv,
						 mana_intr_unregistered) == 0)
		priv->intr_pending = true;
	if (dev->data->dev_conf.intr_conf.rmv)
		rte_eth_dev_callback_process(dev, RTE_ETH_EVENT_INTR_RMV, NULL);
}

static int
mana_intr_install(struct rte_eth_dev *dev, struct mana_priv *priv)
{
	int fd = priv->ib_ctx->async_fd;
	int flags, ret;

	flags = fcntl(fd, F_GETFL);
	if (flags < 0 || fcntl(fd, F_SETFL, flags | O_NONBLOCK) < 0) {
		PMD_INIT_LOG(ERR, "cannot make the async fd non-blocking: %s",
			     strerror(errno));
		return -errno;
	}
	priv->intr_handle = rte_intr_instance_alloc(RTE_INTR_INSTANCE_F_SHARED);
	if (priv->intr_handle == NULL)
		return -ENOMEM;
	if (rte_intr_fd_set(priv->intr_handle, fd) ||
	    rte_intr_type_set(priv->intr_handle, RTE_INTR_HANDLE_EXT)) {
		ret = -rte_errno;
		goto fail;
	}
	ret = rte_intr_callback_register(priv->intr_handle, mana_intr_handler,
					 priv);
	if (ret) {
		PMD_INIT_LOG(ERR, "cannot register the async event handler: %d",
			     ret);
		goto fail;
	}
	dev->intr_handle = priv->intr_handle;
	return 0;
fail:
	rte_intr_instance_free(priv->intr_handle);
	priv->intr_handle = NULL;
	return ret;
}

static void
mana_intr_uninstall(struct mana_priv *priv)
{
	int tries;

	if (priv->intr_handle == NULL)
		return;
	/*
	 * EAL keeps its own copy of the handle, so ours can always be freed.
	 * After a device-fatal event the handler already asked EAL to drop
	 * it (possibly we run inside that very callback); otherwise retry
	 * -EAGAIN while the handler runs on the interrupt thread.
	 */
	for (tries = 0; !priv->intr_pending && tries < 1000; tries++) {
		int ret = rte_intr_callback_unregister(priv->intr_handle,
						       mana_intr_handler, priv);

		if (ret != -EAGAIN)
			break;
		rte_delay_ms(1);
	}
	rte_intr_instance_free(priv->intr_handle);
	priv->intr_handle = NULL;
}

/* ------------------------------------------------------------------ */
/* dev_ops tables                                                      */
/* ------------------------------------------------------------------ */

static const struct eth_dev_ops mana_dev_ops = {
	.dev_configure = mana_dev_configure,
	.dev_start = mana_dev_start,
	.dev_stop = mana_dev_stop,
	.dev_close = mana_dev_close,
	.dev_infos_get = mana_dev_info_get,
	.dev_supported_ptypes_get = mana_supported_ptypes,
	.link_update = mana_dev_link_update,
	.mtu_set = mana_dev_mtu_set,
	.promiscuous_enable = mana_promiscuous_enable,
	.promiscuous_disable = mana_promiscuous_disable,
	.allmulticast_enable = mana_allmulticast_enable,
	.allmulticast_disable = mana_allmulticast_disable,
	.mac_addr_set = mana_mac_addr_set,
	.mac_addr_add = mana_mac_addr_add,
	.vlan_offload_set = mana_vlan_offload_set,
	.stats_get = mana_stats_get,
	.stats_reset = mana_stats_reset,
	.xstats_get = mana_xstats_get,
	.xstats_get_names = mana_xstats_get_names,
	.xstats_reset = mana_stats_reset,
	.rx_queue_setup = mana_rx_queue_setup,
	.rx_queue_release = mana_rx_queue_release,
	.tx_queue_setup = mana_tx_queue_setup,
	.tx_queue_release = mana_tx_queue_release,
	.rxq_info_get = mana_rxq_info_get,
	.txq_info_get = mana_txq_info_get,
	.rx_burst_mode_get = mana_burst_mode_get,
	.tx_burst_mode_get = mana_burst_mode_get,
	.tx_done_cleanup = mana_tx_done_cleanup,
	.rss_hash_update = mana_rss_hash_update,
	.rss_hash_conf_get = mana_rss_hash_conf_get,
	.reta_update = mana_reta_update,
	.reta_query = mana_reta_query,
};

/* Secondary processes: read-only operations on the primary's data. */
static const struct eth_dev_ops mana_dev_secondary_ops = {
	.dev_close = mana_dev_close,
	.dev_infos_get = mana_dev_info_get,
	.stats_get = mana_stats_get,
	.xstats_get = mana_xstats_get,
	.xstats_get_names = mana_xstats_get_names,
};

/* ------------------------------------------------------------------ */
/* Probe                                                               */
/* ------------------------------------------------------------------ */

struct mana_devargs {
	struct rte_ether_addr mac[MANA_MAX_MAC_ARGS];
	bool mac_used[MANA_MAX_MAC_ARGS];
	unsigned int n_mac;
};

static int
mana_devarg_mac(const char *key __rte_unused, const char *val, void *opaque)
{
	struct mana_devargs *da = opaque;

	if (da->n_mac >= MANA_MAX_MAC_ARGS) {
		PMD_INIT_LOG(ERR, "more than %u mac= devargs",
			     MANA_MAX_MAC_ARGS);
		return -EINVAL;
	}
	if (rte_ether_unformat_addr(val, &da->mac[da->n_mac]) != 0) {
		PMD_INIT_LOG(ERR, "invalid MAC address '%s' in mac= devarg", val);
		return -EINVAL;
	}
	da->n_mac++;
	return 0;
}

/* Parse "mac=<addr>" (repeatable, up to 8).  0 or -EINVAL. */
static int
mana_parse_devargs(const struct rte_devargs *devargs, struct mana_devargs *da)
{
	struct rte_kvargs *kv;
	int ret;

	memset(da, 0, sizeof(*da));
	if (devargs == NULL || devargs->args == NULL || devargs->args[0] == '\0')
		return 0;
	kv = rte_kvargs_parse(devargs->args, mana_valid_args);
	if (kv == NULL) {
		PMD_INIT_LOG(ERR, "invalid devargs '%s' (valid: mac=<addr>, up to %u times)",
			     devargs->args, MANA_MAX_MAC_ARGS);
		return -EINVAL;
	}
	ret = rte_kvargs_process(kv, MANA_DEVARG_MAC, mana_devarg_mac, da);
	rte_kvargs_free(kv);
	return ret ? -EINVAL : 0;
}

/*
 * Queue and descriptor limits of an opened device (spec §1.12): the
 * ibv_query_device_ex limits, capped by what the installed libmana
 * accepts.  rdma-core 44-48 libmana refuses CQs/WQs above 256 entries
 * whatever the kernel allows; when the device reports more, a CQ of 257
 * entries is created (and destroyed) to learn whether the library caps.
 */
static int
mana_query_limits(struct ibv_context *ctx, const struct ibv_device_attr_ex *attr,
		  struct mana_limits *lim)
{
	uint32_t max_desc;

	memset(lim, 0, sizeof(*lim));
	lim->max_qp = (uint32_t)RTE_MAX(attr->orig_attr.max_qp, 0);
	max_desc = (uint32_t)RTE_MIN(attr->orig_attr.max_qp_wr,
				     attr->orig_attr.max_cqe);
	if (max_desc > MANA_LIBMANA_RC44_MAX_WR) {
		struct manadv_ctx_allocators a = {
			.alloc = mana_alloc_verbs_buf,
			.free = mana_free_verbs_buf,
			.data = (void *)(intptr_t)SOCKET_ID_ANY,
		};
		struct ibv_cq *cq;

		manadv_set_context_attr(ctx, MANADV_CTX_ATTR_BUF_ALLOCATORS, &a);
		cq = ibv_create_cq(ctx, MANA_LIBMANA_RC44_MAX_WR + 1, NULL,
				   NULL, 0);
		if (cq == NULL) {
			lim->libmana_wr_cap = true;
			max_desc = MANA_LIBMANA_RC44_MAX_WR;
			PMD_INIT_LOG(INFO, "libmana refuses %u-entry CQs (%s): rdma-core < 49, queues capped at %u",
				     MANA_LIBMANA_RC44_MAX_WR + 1,
				     strerror(errno), MANA_LIBMANA_RC44_MAX_WR);
		} else {
			ibv_destroy_cq(cq);
		}
	}
	if (max_desc < MANA_MIN_TX_DESC) {
		PMD_INIT_LOG(ERR, "device allows %u WQEs per queue, MANA needs %u",
			     max_desc, MANA_MIN_TX_DESC);
		return -ENOTSUP;
	}
	lim->max_desc = rte_align32prevpow2(max_desc);
	lim->max_send_sge = RTE_MIN((uint32_t)attr->orig_attr.max_sge,
				    MANA_MAX_TX_SGE);
	lim->max_recv_sge = RTE_MIN((uint32_t)attr->orig_attr.max_sge,
				    MANA_MAX_RX_SGE);
	lim->max_mr_size = attr->orig_attr.max_mr_size;
	if (lim->max_qp == 0 || lim->max_send_sge == 0) {
		PMD_INIT_LOG(ERR, "device reports no queues or SGEs");
		return -ENOTSUP;
	}
	return 0;
}

/* Attach a secondary process to a port the primary created. */
static int
mana_probe_port_secondary(struct rte_pci_device *pci_dev, const char *name)
{
	struct rte_eth_dev *eth_dev = rte_eth_dev_attach_secondary(name);

	if (eth_dev == NULL) {
		PMD_INIT_LOG(ERR, "cannot attach to port %s", name);
		return -ENODEV;
	}
	eth_dev->device = &pci_dev->device;
	eth_dev->dev_ops = &mana_dev_secondary_ops;
	eth_dev->rx_pkt_burst = mana_rx_burst_stopped;
	eth_dev->tx_pkt_burst = mana_tx_burst_stopped;
	rte_eth_dev_probing_finish(eth_dev);
	return 0;
}

/*
 * Create the ethdev of IB port ib_port (1-based) of ibdev (spec §1.1-§1.4):
 * own context, PD, parent domain with the port, allocator hooks,
 * async-event handler.  Returns 0 or a negative errno.
 */
static int
mana_probe_port(struct rte_pci_device *pci_dev, struct ibv_device *ibdev,
		uint8_t ib_port, const struct mana_limits *lim,
		const char *netdev, const struct rte_ether_addr *mac)
{
	struct ibv_parent_domain_init_attr pd_attr = { 0 };
	struct rte_eth_dev *eth_dev = NULL;
	struct mana_priv *priv;
	char name[RTE_ETH_NAME_MAX_LEN];
	char mac_str[RTE_ETHER_ADDR_FMT_SIZE];
	int socket = pci_dev->device.numa_node < 0 ? SOCKET_ID_ANY :
		     pci_dev->device.numa_node;
	int ret;

	snprintf(name, sizeof(name), "%s_port%u", pci_dev->device.name, ib_port);
	if (rte_eal_process_type() != RTE_PROC_PRIMARY)
		return mana_probe_port_secondary(pci_dev, name);
	if (rte_eth_dev_allocated(name) != NULL) {
		PMD_INIT_LOG(ERR, "port %s already exists", name);
		return -EEXIST;
	}

	priv = rte_zmalloc_socket("mana_priv", sizeof(*priv),
				  RTE_CACHE_LINE_SIZE, socket);
	if (priv == NULL)
		return -ENOMEM;
	priv->ib_port = ib_port;
	priv->lim = *lim;
	snprintf(priv->ibdev_name, sizeof(priv->ibdev_name), "%s", ibdev->name);
	snprintf(priv->ibdev_path, sizeof(priv->ibdev_path), "%s",
		 ibdev->ibdev_path);
	snprintf(priv->netdev, sizeof(priv->netdev), "%s", netdev);
	memcpy(priv->rss_key, mana_default_rss_key, MANA_RSS_KEY_SIZE);
	priv->rss_hf = MANA_RSS_HF;

	priv->ib_ctx = ibv_open_device(ibdev);
	if (priv->ib_ctx == NULL) {
		ret = errno ? -errno : -ENODEV;
		PMD_INIT_LOG(ERR, "%s: ibv_open_device failed: %s", ibdev->name,
			     strerror(-ret));
		goto fail;
	}
	priv->ib_pd = ibv_alloc_pd(priv->ib_ctx);
	if (priv->ib_pd == NULL) {
		ret = errno ? -errno : -ENOMEM;
		PMD_INIT_LOG(ERR, "%s: ibv_alloc_pd failed: %s", ibdev->name,
			     strerror(-ret));
		goto fail;
	}
	pd_attr.pd = priv->ib_pd;
	pd_attr.comp_mask = IBV_PARENT_DOMAIN_INIT_ATTR_PD_CONTEXT;
	pd_attr.pd_context = (void *)(uintptr_t)ib_port;
	priv->ib_parent_pd = ibv_alloc_parent_domain(priv->ib_ctx, &pd_attr);
	if (priv->ib_parent_pd == NULL) {
		ret = errno ? -errno : -ENOMEM;
		PMD_INIT_LOG(ERR, "%s: ibv_alloc_parent_domain(port %u) failed: %s",
			     ibdev->name, ib_port, strerror(-ret));
		goto fail;
	}
	ret = mana_set_allocator(priv, socket);
	if (ret)
		goto fail;
	ret = mana_mr_registry_init(&priv->mr, socket);
	if (ret)
		goto fail;

	eth_dev = rte_eth_dev_allocate(name);
	if (eth_dev == NULL) {
		ret = -ENOMEM;
		goto fail;
	}
	eth_dev->data->mac_addrs = rte_zmalloc("mana_mac",
					       sizeof(struct rte_ether_addr), 0);
	if (eth_dev->data->mac_addrs == NULL) {
		ret = -ENOMEM;
		goto fail;
	}
	rte_ether_addr_copy(mac, eth_dev->data->mac_addrs);
	eth_dev->data->dev_private = priv;
	priv->dev_data = eth_dev->data;
	priv->port_id = eth_dev->data->port_id;
	eth_dev->device = &pci_dev->device;
	rte_eth_copy_pci_info(eth_dev, pci_dev);
	eth_dev->data->dev_flags |= RTE_ETH_DEV_AUTOFILL_QUEUE_XSTATS;

	ret = mana_intr_install(eth_dev, priv);
	if (ret)
		goto fail;
	ret = mana_mr_mem_event_register(priv);
	if (ret)
		goto fail;

	mana_reta_default(priv, 0);
	eth_dev->dev_ops = &mana_dev_ops;
	eth_dev->rx_pkt_burst = mana_rx_burst_stopped;
	eth_dev->tx_pkt_burst = mana_tx_burst_stopped;
	eth_dev->tx_pkt_prepare = mana_tx_prepare;
	rte_eth_dev_probing_finish(eth_dev);

	rte_ether_format_addr(mac_str, sizeof(mac_str), mac);
	PMD_INIT_LOG(INFO, "port %u: %s (%s IB port %u, netdev %s, MAC %s), %u queues, %u descriptors, %u TX SGEs",
		     priv->port_id, name, ibdev->name, ib_port, netdev, mac_str,
		     lim->max_qp, lim->max_desc, lim->max_send_sge);
	return 0;

fail:
	if (eth_dev != NULL) {
		/* ethdev frees dev_private (priv) and mac_addrs. */
		eth_dev->data->dev_private = NULL;
		mana_mr_mem_event_unregister(priv);
		mana_intr_uninstall(priv);
		rte_eth_dev_release_port(eth_dev);
	}
	mana_mr_registry_free(&priv->mr);
	if (priv->ib_parent_pd != NULL)
		ibv_dealloc_pd(priv->ib_parent_pd);
	if (priv->ib_pd != NULL)
		ibv_dealloc_pd(priv->ib_pd);
	if (priv->ib_ctx != NULL)
		ibv_close_device(priv->ib_ctx);
	rte_free(priv);
	return ret;
}

/*
 * Probe every port of one IB device on the PCI function.  Returns the
 * number of ports created (>= 0) or a negative errno for a device that
 * could not be queried.
 */
static int
mana_probe_ibdev(struct rte_pci_device *pci_dev, struct ibv_device *ibdev,
		 struct mana_devargs *da)
{
	struct ibv_device_attr_ex attr;
	struct mana_limits lim;
	struct ibv_context *ctx;
	unsigned int port;
	int count = 0, ret;

	ctx = ibv_open_device(ibdev);
	if (ctx == NULL) {
		PMD_INIT_LOG(ERR, "%s: ibv_open_device failed: %s", ibdev->name,
			     strerror(errno));
		return -ENODEV;
	}
	memset(&attr, 0, sizeof(attr));
	ret = ibv_query_device_ex(ctx, NULL, &attr);
	if (ret) {
		PMD_INIT_LOG(ERR, "%s: ibv_query_device_ex failed: %s",
			     ibdev->name, strerror(ret));
		ibv_close_device(ctx);
		return -ENODEV;
	}
	/* Spec §1.1: Ethernet device = part id 0 (old kernels) or 2. */
	if (attr.orig_attr.vendor_part_id != MANA_VENDOR_PART_ID_LEGACY) {
		if (attr.orig_attr.vendor_part_id != MANA_VENDOR_PART_ID_ETH) {
			PMD_INIT_LOG(INFO, "%s: vendor part id %u is not a MANA Ethernet device, skipped",
				     ibdev->name, attr.orig_attr.vendor_part_id);
			ibv_close_device(ctx);
			return 0;
		}
		if (attr.raw_packet_caps == 0) {
			PMD_INIT_LOG(INFO, "%s: no raw packet capabilities, skipped",
				     ibdev->name);
			ibv_close_device(ctx);
			return 0;
		}
	}
	ret = mana_query_limits(ctx, &attr, &lim);
	ibv_close_device(ctx);
	if (ret)
		return ret;

	for (port = 1; port <= attr.orig_attr.phys_port_cnt; port++) {
		char netdev[IF_NAMESIZE];
		struct rte_ether_addr mac;
		bool wanted = da->n_mac == 0;
		unsigned int i;

		ret = mana_port_netdev(ibdev->ibdev_path, port, netdev, &mac);
		if (ret) {
			PMD_INIT_LOG(ERR, "%s: IB port %u has no netdev in %s/device/net: %s",
				     ibdev->name, port, ibdev->ibdev_path,
				     strerror(-ret));
			continue;
		}
		for (i = 0; i < da->n_mac; i++) {
			if (rte_is_same_ether_addr(&mac, &da->mac[i])) {
				wanted = true;
				da->mac_used[i] = true;
			}
		}
		if (!wanted)
			continue;
		ret = mana_probe_port(pci_dev, ibdev, (uint8_t)port, &lim, netdev,
				      &mac);
		if (ret == 0)
			count++;
		else
			PMD_INIT_LOG(ERR, "%s: IB port %u: probe failed: %s",
				     ibdev->name, port, strerror(-ret));
	}
	return count;
}

/*
 * PCI probe of a MANA function (1414:00BA VF, 1414:00B9 PF): the IB
 * device(s) of that PCI address give one ethdev per vPort, filtered by
 * mac= devargs (spec §1.1).  Returns 0 if at least one port was created.
 */
static int
mana_pci_probe(struct rte_pci_driver *drv __rte_unused,
	       struct rte_pci_device *pci_dev)
{
	struct mana_devargs da;
	struct ibv_device **list;
	int num = 0, i, count = 0, ret;
	unsigned int m;

	ret = mana_parse_devargs(pci_dev->device.devargs, &da);
	if (ret)
		return ret;
	list = ibv_get_device_list(&num);
	if (list == NULL) {
		PMD_INIT_LOG(ERR, "%s: ibv_get_device_list failed: %s (are ib_uverbs and mana_ib loaded?)",
			     pci_dev->device.name, strerror(errno));
		return -ENODEV;
	}
	for (i = 0; i < num; i++) {
		if (!mana_ibdev_on_pci(list[i], &pci_dev->addr))
			continue;
		PMD_INIT_LOG(DEBUG, "%s: IB device %s (%s)", pci_dev->device.name,
			     list[i]->name, list[i]->ibdev_path);
		ret = mana_probe_ibdev(pci_dev, list[i], &da);
		if (ret > 0)
			count += ret;
	}
	ibv_free_device_list(list);

	for (m = 0; m < da.n_mac; m++) {
		if (!da.mac_used[m]) {
			char s[RTE_ETHER_ADDR_FMT_SIZE];

			rte_ether_format_addr(s, sizeof(s), &da.mac[m]);
			PMD_INIT_LOG(ERR, "%s: no port with MAC %s",
				     pci_dev->device.name, s);
		}
	}
	if (count == 0) {
		PMD_INIT_LOG(ERR, "%s: no MANA port probed (no IB device with PCI_SLOT_NAME=%s, or no matching MAC)",
			     pci_dev->device.name, pci_dev->device.name);
		return -ENODEV;
	}
	return 0;
}

/* PCI remove: stop and close every port of the function. */
static int
mana_pci_remove(struct rte_pci_device *pci_dev)
{
	uint16_t port_id;
	int ret = 0;

	RTE_ETH_FOREACH_DEV_OF(port_id, &pci_dev->device) {
		if (rte_eal_process_type() == RTE_PROC_PRIMARY &&
		    rte_eth_devices[port_id].data->dev_started)
			rte_eth_dev_stop(port_id);
		if (rte_eth_dev_close(port_id) != 0)
			ret = -EIO;
	}
	return ret;
}

static const struct rte_pci_id mana_pci_ids[] = {
	{ RTE_PCI_DEVICE(MANA_PCI_VENDOR_ID, MANA_PCI_DEVICE_ID_VF) },
	{ RTE_PCI_DEVICE(MANA_PCI_VENDOR_ID, MANA_PCI_DEVICE_ID_PF) },
	{ .vendor_id = 0 },
};

static struct rte_pci_driver mana_pci_driver = {
	.id_table = mana_pci_ids,
	.probe = mana_pci_probe,
	.remove = mana_pci_remove,
	/* No BAR mapping: the kernel drivers stay bound (spec §1.1). */
	.drv_flags = RTE_PCI_DRV_INTR_RMV,
};

RTE_PMD_REGISTER_PCI(net_mana, mana_pci_driver);
RTE_PMD_REGISTER_PCI_TABLE(net_mana, mana_pci_ids);
RTE_PMD_REGISTER_KMOD_DEP(net_mana, "* ib_uverbs & mana_ib");
RTE_PMD_REGISTER_PARAM_STRING(net_mana, MANA_DEVARG_MAC "=<mac address> (up to 8)");
