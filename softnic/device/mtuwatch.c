/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Port MTU from the fake sysfs (spec §8).
 *
 * On Azure a driver sets a port's MTU through the port's kernel netdev
 * (SIOCSIFMTU, or a write to /sys/class/net/<if>/mtu, which is the same
 * operation); the kernel driver then reconfigures the vPort.  The soft-NIC
 * has no kernel netdev, so it models that path with the fake sysfs
 * attribute <sysfs>/bus/pci/devices/<pci>/net/<if>/mtu: a write there
 * becomes the port's MTU, as seen by the TX MTU check (CQE_TX_MTU_DROP)
 * and ibv_query_port.  The device learns of writes through inotify: the
 * device thread drains the inotify fd every SN_MTU_WATCH_PERIOD iterations
 * and whenever it wakes from an idle sleep (the fd is in its poll set), and
 * the control command "status" syncs before it answers.  Like the kernel
 * path it models, the change is asynchronous: a driver (or test) that
 * needs to see it waits for it.  Values outside 68..9000 are ignored with
 * a warning (the kernel would refuse the write with EINVAL).
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/inotify.h>
#include <unistd.h>

#include "sn_dev.h"

static int
sn_mtu_attr_dir(const struct sn_adapter *a, unsigned int port, char *buf, size_t len)
{
	int n = snprintf(buf, len, "%s/bus/pci/devices/%s/net/%s", a->cfg->sysfs_root,
			 a->acfg->pci_addr, a->acfg->port[port].ifname);

	return n < 0 || (size_t)n >= len ? -ENAMETOOLONG : 0;
}

/*
 * Watch every port's netdev directory of the fake sysfs (again after a
 * restore re-created it).  Needs a->mtu_watch_fd >= 0; failures only log:
 * the MTU then changes through "softnic-ctl mtu" alone.
 */
void
sn_mtu_watch_arm(struct sn_adapter *a)
{
	char dir[PATH_MAX];
	unsigned int i;

	if (a->mtu_watch_fd < 0)
		return;
	for (i = 0; i < a->num_ports; i++) {
		if (sn_mtu_attr_dir(a, i, dir, sizeof(dir)) != 0 ||
		    inotify_add_watch(a->mtu_watch_fd, dir,
				      IN_CLOSE_WRITE | IN_MOVED_TO) < 0)
			sn_log(SN_LOG_WARN, "adapter %u port %u: cannot watch %s: MTU writes there are not seen",
			       a->idx, i, dir);
	}
}

/* Create the inotify fd (a->mtu_watch_fd, -1 without a fake sysfs). */
void
sn_mtu_watch_open(struct sn_adapter *a)
{
	a->mtu_watch_fd = -1;
	if (a->cfg->sysfs_root[0] == '\0')
		return;
	a->mtu_watch_fd = inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
	if (a->mtu_watch_fd < 0) {
		sn_log(SN_LOG_WARN, "adapter %u: inotify: %s: MTU writes in sysfs are not seen",
		       a->idx, strerror(errno));
		return;
	}
	sn_mtu_watch_arm(a);
}

void
sn_mtu_watch_close(struct sn_adapter *a)
{
	if (a->mtu_watch_fd >= 0)
		close(a->mtu_watch_fd);
	a->mtu_watch_fd = -1;
}

/* Read one port's mtu attribute; 0 if unreadable. */
static uint32_t
sn_mtu_attr_read(const struct sn_adapter *a, unsigned int port)
{
	char path[PATH_MAX + 8], dir[PATH_MAX], buf[32];
	ssize_t n;
	int fd;

	if (sn_mtu_attr_dir(a, port, dir, sizeof(dir)) != 0)
		return 0;
	snprintf(path, sizeof(path), "%s/mtu", dir);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return 0;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return 0;
	buf[n] = '\0';
	return (uint32_t)strtoul(buf, NULL, 10);
}

/*
 * Apply MTU writes seen since the last call.  The caller holds the adapter
 * lock.  Cheap when nothing happened: one non-blocking read().
 */
void
sn_mtu_watch_sync(struct sn_adapter *a)
{
	char ev[4096] __attribute__((aligned(__alignof__(struct inotify_event))));
	bool any = false;
	unsigned int i;

	if (a->mtu_watch_fd < 0)
		return;
	while (read(a->mtu_watch_fd, ev, sizeof(ev)) > 0)
		any = true;
	if (!any || a->revoked)
		return;
	for (i = 0; i < a->num_ports; i++) {
		uint32_t mtu = sn_mtu_attr_read(a, i);

		if (mtu == 0 || mtu == a->port[i].mtu)
			continue;
		if (mtu < MANA_MIN_MTU || mtu > MANA_MAX_MTU) {
			sn_log(SN_LOG_WARN, "adapter %u port %u: MTU %u written in sysfs is outside %u..%u: ignored",
			       a->idx, i, mtu, MANA_MIN_MTU, MANA_MAX_MTU);
			continue;
		}
		__atomic_store_n(&a->port[i].mtu, mtu, __ATOMIC_RELAXED);
		sn_log(SN_LOG_INFO, "adapter %u port %u: MTU %u (from sysfs)", a->idx, i, mtu);
	}
}
