/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * TAP wire: "tap:<ifname>" opens (and, if missing, creates) the Linux TAP
 * interface <ifname> (IFF_TAP | IFF_NO_PI, nonblocking); a TAP created here
 * is not persistent and disappears when the last fd closes.
 * "tapfd:<fd>:<ifname>" uses a TAP fd inherited from softnic-run, which
 * creates the interfaces before the application starts so that a script can
 * move them into network namespaces; the wire works on a duplicate of that
 * fd and leaves the inherited one open (so the port can be re-opened).
 *
 * The administrative state and addresses of the kernel side are left to
 * the user (ip link set <ifname> up, ip addr ...).  Frames the kernel sends
 * are read with readv() into the caller's buffer plus a scratch tail, so a
 * frame longer than the caller's buffer still reports its full length.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/ioctl.h>
#include <sys/uio.h>
#include <linux/if_tun.h>

#include "wire_priv.h"

#define TAP_SCRATCH	(64u * 1024u)	/* > any frame a TAP can deliver */

struct tap_wire {
	char ifname[IF_NAMESIZE];
	uint8_t scratch[TAP_SCRATCH];
};

static int
tap_tx(struct sn_wire *w, const void *frame, uint32_t len)
{
	ssize_t n = write(w->fd, frame, len);

	if (n < 0)
		return errno == EAGAIN ? -ENOBUFS : -errno;
	if ((uint32_t)n != len)
		return -EIO;
	return 0;
}

static int
tap_rx(struct sn_wire *w, void *buf, uint32_t cap)
{
	struct tap_wire *tw = w->priv;
	struct iovec iov[2] = {
		{ .iov_base = buf, .iov_len = cap },
		{ .iov_base = tw->scratch, .iov_len = sizeof(tw->scratch) },
	};
	ssize_t n = readv(w->fd, iov, 2);

	if (n < 0) {
		if (errno == EAGAIN || errno == EINTR)
			return 0;
		return -errno;
	}
	return (int)n;
}

static void
tap_close(struct sn_wire *w)
{
	close(w->fd);
	free(w->priv);
}

static const struct sn_wire_ops tap_ops = {
	.kind = "tap",
	.tx = tap_tx,
	.rx = tap_rx,
	.close = tap_close,
};

static int
tap_name_ok(const char *name)
{
	size_t len = name ? strlen(name) : 0;

	return len > 0 && len < IF_NAMESIZE && strchr(name, '/') == NULL &&
	       strchr(name, ':') == NULL;
}

static int
tap_setup(struct sn_wire *w, int fd, const char *ifname)
{
	struct tap_wire *tw = calloc(1, sizeof(*tw));

	if (tw == NULL) {
		close(fd);
		return -ENOMEM;
	}
	strcpy(tw->ifname, ifname);
	w->ops = &tap_ops;
	w->priv = tw;
	w->fd = fd;
	return 0;
}

/*
 * "tap:<ifname>": open /dev/net/tun and attach to (or create) <ifname>.
 * Errors: -EINVAL (bad name), -ENOENT (no /dev/net/tun), -EPERM (no
 * CAP_NET_ADMIN to create it), -EBUSY (the TAP is attached elsewhere or is
 * not a TAP), -ENOMEM.
 */
int
sn_wire_tap_open(struct sn_wire *w, const char *arg)
{
	struct ifreq ifr;
	int fd, err;

	if (!tap_name_ok(arg)) {
		sn_log(SN_LOG_ERR, "wire: bad TAP interface name \"%s\" (1..%u characters, no '/' or ':')\n",
		       arg ? arg : "", IF_NAMESIZE - 1);
		return -EINVAL;
	}
	fd = open("/dev/net/tun", O_RDWR | O_NONBLOCK | O_CLOEXEC);
	if (fd < 0) {
		err = -errno;
		sn_log(SN_LOG_ERR, "wire: cannot open /dev/net/tun: %s\n", strerror(errno));
		return err;
	}
	memset(&ifr, 0, sizeof(ifr));
	ifr.ifr_flags = IFF_TAP | IFF_NO_PI;
	strcpy(ifr.ifr_name, arg);
	if (ioctl(fd, TUNSETIFF, &ifr) < 0) {
		err = -errno;
		sn_log(SN_LOG_ERR, "wire: cannot attach TAP %s: %s\n", arg, strerror(errno));
		close(fd);
		return err;
	}
	return tap_setup(w, fd, arg);
}

/*
 * "tapfd:<fd>:<ifname>": use inherited TAP fd <fd>.  The fd must be an open
 * TAP (checked with TUNGETIFF); -EINVAL for a malformed argument, -EBADF if
 * fd is not open, -ENOTTY if it is not a TAP, -EMFILE/-ENOMEM.
 */
int
sn_wire_tapfd_open(struct sn_wire *w, const char *arg)
{
	const char *ifname;
	struct ifreq ifr;
	unsigned long fdnum;
	char *end;
	int fd, fl, err;

	if (arg == NULL)
		goto bad;
	errno = 0;
	fdnum = strtoul(arg, &end, 10);
	if (errno != 0 || end == arg || *end != ':' || fdnum > INT32_MAX)
		goto bad;
	ifname = end + 1;
	if (!tap_name_ok(ifname))
		goto bad;

	memset(&ifr, 0, sizeof(ifr));
	if (ioctl((int)fdnum, TUNGETIFF, &ifr) < 0) {
		err = -errno;
		sn_log(SN_LOG_ERR, "wire: inherited fd %lu is not a TAP: %s\n",
		       fdnum, strerror(errno));
		return err;
	}
	if (!(ifr.ifr_flags & IFF_TAP)) {
		sn_log(SN_LOG_ERR, "wire: inherited fd %lu is a TUN, not a TAP\n", fdnum);
		return -ENOTTY;
	}
	if (strncmp(ifr.ifr_name, ifname, IF_NAMESIZE) != 0)
		sn_log(SN_LOG_INFO, "wire: TAP fd %lu is now named %s (was %s)\n",
		       fdnum, ifr.ifr_name, ifname);
	fd = fcntl((int)fdnum, F_DUPFD_CLOEXEC, 3);
	if (fd < 0)
		return -errno;
	fl = fcntl(fd, F_GETFL);
	if (fl < 0 || fcntl(fd, F_SETFL, fl | O_NONBLOCK) < 0) {
		err = -errno;
		close(fd);
		return err;
	}
	return tap_setup(w, fd, ifname);
bad:
	sn_log(SN_LOG_ERR, "wire: bad tapfd spec \"tapfd:%s\" (expected tapfd:<fd>:<ifname>)\n",
	       arg ? arg : "");
	return -EINVAL;
}
