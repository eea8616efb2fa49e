/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * mana-check: the system interface (what is not a file under --root).
 *
 * Real: ethtool statistics through SIOCETHTOOL (ETHTOOL_GSSET_INFO,
 * ETHTOOL_GSTRINGS, ETHTOOL_GSTATS, the calls `ethtool -S` makes),
 * interface counters through getifaddrs(3) (an RTM_GETLINK dump; the
 * AF_PACKET entries carry struct rtnl_link_stats), and a real sleep.
 *
 * Fixture: the same data from key=value files under <root>/fixture/, with a
 * "before" and an "after" snapshot (see mc.h).
 */
#include <errno.h>
#include <ifaddrs.h>
#include <linux/ethtool.h>
#include <linux/if_link.h>
#include <linux/sockios.h>
#include <netpacket/packet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "mc.h"

/* ---------------------------------------------------------------- real */

static int
ethtool_ioctl(int fd, const char *ifname, void *data)
{
	struct ifreq ifr;

	memset(&ifr, 0, sizeof(ifr));
	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", ifname);
	ifr.ifr_data = data;
	if (ioctl(fd, SIOCETHTOOL, &ifr) < 0)
		return -errno;
	return 0;
}

static int
real_ethtool_stats(struct mc_sys *sys, const char *ifname,
		   struct mc_stat **out, size_t *n)
{
	struct ethtool_sset_info *sset = NULL;
	struct ethtool_gstrings *strs = NULL;
	struct ethtool_stats *st = NULL;
	struct mc_stat *v = NULL;
	uint32_t count, i;
	int fd, ret;

	(void)sys;
	*out = NULL;
	*n = 0;
	if (strlen(ifname) >= IF_NAMESIZE)
		return -ENODEV;
	fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;

	/* Number of ETH_SS_STATS strings. */
	sset = calloc(1, sizeof(*sset) + sizeof(uint32_t));
	if (sset == NULL) {
		ret = -ENOMEM;
		goto out;
	}
	sset->cmd = ETHTOOL_GSSET_INFO;
	sset->sset_mask = 1ULL << ETH_SS_STATS;
	ret = ethtool_ioctl(fd, ifname, sset);
	if (ret < 0)
		goto out;
	if (!(sset->sset_mask & (1ULL << ETH_SS_STATS))) {
		ret = -EOPNOTSUPP;
		goto out;
	}
	count = sset->data[0];
	if (count == 0 || count > 1u << 20) {
		ret = count == 0 ? -EOPNOTSUPP : -E2BIG;
		goto out;
	}

	strs = calloc(1, sizeof(*strs) + (size_t)count * ETH_GSTRING_LEN);
	st = calloc(1, sizeof(*st) + (size_t)count * sizeof(uint64_t));
	v = calloc(count, sizeof(*v));
	if (strs == NULL || st == NULL || v == NULL) {
		ret = -ENOMEM;
		goto out;
	}
	strs->cmd = ETHTOOL_GSTRINGS;
	strs->string_set = ETH_SS_STATS;
	strs->len = count;
	ret = ethtool_ioctl(fd, ifname, strs);
	if (ret < 0)
		goto out;
	st->cmd = ETHTOOL_GSTATS;
	st->n_stats = count;
	ret = ethtool_ioctl(fd, ifname, st);
	if (ret < 0)
		goto out;
	/* The set can change size between the calls (queues added). */
	if (strs->len != count || st->n_stats != count) {
		ret = -EAGAIN;
		goto out;
	}
	for (i = 0; i < count; i++) {
		memcpy(v[i].name, strs->data + (size_t)i * ETH_GSTRING_LEN,
		       ETH_GSTRING_LEN);
		v[i].name[sizeof(v[i].name) - 1] = '\0';
		v[i].value = st->data[i];
	}
	*out = v;
	*n = count;
	v = NULL;
	ret = 0;
out:
	free(v);
	free(st);
	free(strs);
	free(sset);
	close(fd);
	return ret;
}

static int
real_link_stats(struct mc_sys *sys, const char *ifname,
		uint64_t *rx_packets, uint64_t *tx_packets)
{
	struct ifaddrs *ifa_list, *ifa;
	int ret = -ENODEV;

	(void)sys;
	if (getifaddrs(&ifa_list) < 0)
		return -errno;
	for (ifa = ifa_list; ifa != NULL; ifa = ifa->ifa_next) {
		const struct rtnl_link_stats *ls = ifa->ifa_data;

		if (ifa->ifa_addr == NULL || ifa->ifa_addr->sa_family != AF_PACKET ||
		    strcmp(ifa->ifa_name, ifname) != 0)
			continue;
		if (ls == NULL) {
			ret = -EOPNOTSUPP;
			break;
		}
		*rx_packets = ls->rx_packets;
		*tx_packets = ls->tx_packets;
		ret = 0;
		break;
	}
	freeifaddrs(ifa_list);
	return ret;
}

static void
real_wait(struct mc_sys *sys, unsigned int seconds)
{
	struct timespec ts = { .tv_sec = seconds, .tv_nsec = 0 };

	sys->phase++;
	while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
		;
}

const struct mc_sys_ops mc_sys_real_ops = {
	.name = "real",
	.ethtool_stats = real_ethtool_stats,
	.link_stats = real_link_stats,
	.wait = real_wait,
};

/* ------------------------------------------------------------- fixture */

/* Path of the fixture file <root>/fixture/<kind>/<ifname>[.after]. */
static int
fixture_file(const struct mc_sys *sys, const char *kind, const char *ifname,
	     char *path, size_t len)
{
	int ret;

	if (strchr(ifname, '/') != NULL)
		return -ENODEV;
	if (sys->phase > 0) {
		ret = mc_path(sys->root, path, len, "/fixture/%s/%s.after",
			      kind, ifname);
		if (ret == 0 && mc_exists(path))
			return 0;
	}
	ret = mc_path(sys->root, path, len, "/fixture/%s/%s", kind, ifname);
	if (ret < 0)
		return ret;
	return mc_exists(path) ? 0 : -ENODEV;
}

static int
fixture_ethtool_stats(struct mc_sys *sys, const char *ifname,
		      struct mc_stat **out, size_t *n)
{
	char path[PATH_MAX], *line = NULL;
	struct mc_stat *v = NULL, *nv;
	size_t llen = 0, cnt = 0, cap = 0;
	int ret;
	FILE *f;

	*out = NULL;
	*n = 0;
	ret = fixture_file(sys, "ethtool", ifname, path, sizeof(path));
	if (ret < 0)
		return ret;
	f = fopen(path, "re");
	if (f == NULL)
		return -errno;
	while (getline(&line, &llen, f) != -1) {
		char name[64];
		unsigned long long val;

		if (sscanf(line, " %63[^= \t] = %llu", name, &val) != 2)
			continue;
		if (cnt == cap) {
			cap = cap ? cap * 2 : 16;
			nv = realloc(v, cap * sizeof(*v));
			if (nv == NULL) {
				ret = -ENOMEM;
				goto out;
			}
			v = nv;
		}
		snprintf(v[cnt].name, sizeof(v[cnt].name), "%.31s", name);
		v[cnt].value = val;
		cnt++;
	}
	if (cnt == 0) {
		ret = -EOPNOTSUPP;
		goto out;
	}
	*out = v;
	*n = cnt;
	v = NULL;
	ret = 0;
out:
	free(v);
	free(line);
	fclose(f);
	return ret;
}

static int
fixture_link_stats(struct mc_sys *sys, const char *ifname,
		   uint64_t *rx_packets, uint64_t *tx_packets)
{
	char path[PATH_MAX], val[32];
	int ret;

	ret = fixture_file(sys, "link", ifname, path, sizeof(path));
	if (ret < 0)
		return ret;
	ret = mc_file_key(path, "rx_packets", '=', val, sizeof(val));
	if (ret < 0)
		return ret == -ENOENT ? -EINVAL : ret;
	*rx_packets = strtoull(val, NULL, 10);
	ret = mc_file_key(path, "tx_packets", '=', val, sizeof(val));
	if (ret < 0)
		return ret == -ENOENT ? -EINVAL : ret;
	*tx_packets = strtoull(val, NULL, 10);
	return 0;
}

static void
fixture_wait(struct mc_sys *sys, unsigned int seconds)
{
	(void)seconds;
	sys->phase++;
}

const struct mc_sys_ops mc_sys_fixture_ops = {
	.name = "fixture",
	.ethtool_stats = fixture_ethtool_stats,
	.link_stats = fixture_link_stats,
	.wait = fixture_wait,
};

void
mc_sys_init(struct mc_sys *sys, const char *root)
{
	memset(sys, 0, sizeof(*sys));
	if (root == NULL || root[0] == '\0' || strcmp(root, "/") == 0) {
		sys->ops = &mc_sys_real_ops;
		sys->root[0] = '\0';
	} else {
		sys->ops = &mc_sys_fixture_ops;
		snprintf(sys->root, sizeof(sys->root), "%s", root);
	}
}
