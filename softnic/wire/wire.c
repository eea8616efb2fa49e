/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Wire dispatcher: parses a wire spec, opens the matching backend, checks
 * frame lengths and keeps the per-wire counters (softnic.h "Wires").
 *
 * Spec grammar (one wire per port):
 *   loop:<peer port>        frames sent arrive at <peer port> of the same
 *                           adapter (may be the port itself)
 *   loop                    shorthand for loop:<port ^ 1> (ports 0<->1, ...)
 *   tap:<ifname>            a Linux TAP interface, created if missing
 *   tapfd:<fd>:<ifname>     a TAP already opened by softnic-run (inherited fd)
 *   pcap:<in>[:<out>]       RX replays <in> once, TX appends to <out>; "-" = none
 *   null                    TX discarded (counted as sent), nothing received
 *   gen:<len>[:<flows>[:<count>]]
 *                           traffic generator (wire_gen.c): RX delivers IPv4/
 *                           UDP frames of <len> bytes (60..SN_MAX_FRAME) to
 *                           the port's MAC, round-robin over <flows> UDP
 *                           source ports (1..65536, default 1), <count>
 *                           frames in total (default 0 = endless); TX
 *                           discarded (counted as sent)
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "wire_priv.h"

static inline void
stat_add(uint64_t *ctr, uint64_t v)
{
	/* Single writer (the device thread): a relaxed load + store is enough
	 * and lets readers on other threads see whole values. */
	__atomic_store_n(ctr, __atomic_load_n(ctr, __ATOMIC_RELAXED) + v,
			 __ATOMIC_RELAXED);
}

static const struct {
	const char *kind;
	int (*open)(struct sn_wire *w, const char *arg);
} wire_kinds[] = {
	{ "loop", sn_wire_loop_open },
	{ "tap", sn_wire_tap_open },
	{ "tapfd", sn_wire_tapfd_open },
	{ "pcap", sn_wire_pcap_open },
	{ "null", sn_wire_null_open },
	{ "gen", sn_wire_gen_open },
};

/*
 * Open the wire described by spec behind port `port` (0-based) of adapter
 * `adapter`, whose MAC is mac (6 bytes, stored in the wire before the
 * backend opens; the gen wire addresses its frames to it).  Returns 0 and
 * *out, or -EINVAL (malformed spec, unknown kind, index out of range, NULL
 * argument), -ENOMEM, or the backend's error (e.g. -EBUSY when a loop port
 * is already open, -EPERM/-ENOENT for TAP or pcap files).
 */
int
sn_wire_open(const char *spec, unsigned int adapter, unsigned int port,
	     const uint8_t mac[6], struct sn_wire **out)
{
	struct sn_wire *w;
	const char *colon;
	size_t kind_len;
	unsigned int i;
	int ret;

	if (spec == NULL || mac == NULL || out == NULL)
		return -EINVAL;
	if (adapter >= SN_MAX_ADAPTERS || port >= SN_MAX_PORTS) {
		sn_log(SN_LOG_ERR, "wire: adapter %u port %u out of range (max %u adapters, %u ports)\n",
		       adapter, port, SN_MAX_ADAPTERS, SN_MAX_PORTS);
		return -EINVAL;
	}
	if (strnlen(spec, SN_MAX_WIRE_SPEC) >= SN_MAX_WIRE_SPEC) {
		sn_log(SN_LOG_ERR, "wire: spec longer than %u bytes\n",
		       SN_MAX_WIRE_SPEC - 1);
		return -EINVAL;
	}
	colon = strchr(spec, ':');
	kind_len = colon ? (size_t)(colon - spec) : strlen(spec);

	w = calloc(1, sizeof(*w));
	if (w == NULL)
		return -ENOMEM;
	w->adapter = adapter;
	w->port = port;
	memcpy(w->mac, mac, sizeof(w->mac));
	w->fd = -1;
	strcpy(w->spec, spec);

	for (i = 0; i < sizeof(wire_kinds) / sizeof(wire_kinds[0]); i++) {
		if (strlen(wire_kinds[i].kind) == kind_len &&
		    strncmp(wire_kinds[i].kind, spec, kind_len) == 0)
			break;
	}
	if (i == sizeof(wire_kinds) / sizeof(wire_kinds[0])) {
		sn_log(SN_LOG_ERR, "wire: unknown wire \"%s\" for adapter %u port %u "
		       "(expected loop:<port>, tap:<ifname>, tapfd:<fd>:<ifname>, "
		       "pcap:<in>[:<out>], null or gen:<len>[:<flows>[:<count>]])\n",
		       spec, adapter, port);
		free(w);
		return -EINVAL;
	}
	ret = wire_kinds[i].open(w, colon ? colon + 1 : NULL);
	if (ret < 0) {
		free(w);
		return ret;
	}
	sn_log(SN_LOG_INFO, "wire: adapter %u port %u: %s\n", adapter, port, spec);
	*out = w;
	return 0;
}

/* Close a wire opened by sn_wire_open (NULL is ignored). */
void
sn_wire_close(struct sn_wire *w)
{
	if (w == NULL)
		return;
	w->ops->close(w);
	free(w);
}

/*
 * Send one frame (len bytes, whole Ethernet frame without FCS).  Returns 0
 * when the wire took it, or a negative errno when it was dropped (counted in
 * tx_drops): -EMSGSIZE for len 0 or len > SN_MAX_FRAME, -ENOBUFS when the
 * wire is full, other backend errors.  Device thread only.
 */
int
sn_wire_tx(struct sn_wire *w, const void *frame, uint32_t len)
{
	int ret;

	if (len == 0 || len > SN_MAX_FRAME)
		ret = -EMSGSIZE;
	else
		ret = w->ops->tx(w, frame, len);
	if (ret < 0) {
		stat_add(&w->st.tx_drops, 1);
		if (!w->tx_warned) {
			w->tx_warned = true;
			sn_log(SN_LOG_WARN, "wire %s (adapter %u port %u): TX drop of a %u-byte frame: %s "
			       "(further drops only counted)\n", w->spec, w->adapter,
			       w->port, len, strerror(-ret));
		}
		return ret;
	}
	stat_add(&w->st.tx_frames, 1);
	stat_add(&w->st.tx_bytes, len);
	return 0;
}

/*
 * Receive one frame into buf (cap bytes).  Returns the frame's full length
 * (> 0; only min(length, cap) bytes are stored), 0 when nothing is waiting,
 * or a negative errno on a wire failure.  Device thread only.
 */
int
sn_wire_rx(struct sn_wire *w, void *buf, uint32_t cap)
{
	int ret = w->ops->rx(w, buf, cap);

	if (ret > 0) {
		stat_add(&w->st.rx_frames, 1);
		stat_add(&w->st.rx_bytes, (uint32_t)ret);
	}
	return ret;
}

/*
 * (addition) Count frames (bytes in total) that went from tx_w (sent)
 * straight to rx_w (received) without being queued: the device's loop-wire
 * cut-through (device/tx.c).  Device thread only.
 */
void
sn_wire_count_passthrough(struct sn_wire *tx_w, struct sn_wire *rx_w, uint32_t frames,
			  uint64_t bytes)
{
	stat_add(&tx_w->st.tx_frames, frames);
	stat_add(&tx_w->st.tx_bytes, bytes);
	stat_add(&rx_w->st.rx_frames, frames);
	stat_add(&rx_w->st.rx_bytes, bytes);
}

/* File descriptor that polls readable when a frame waits, or -1. */
int
sn_wire_fd(struct sn_wire *w)
{
	return w->fd;
}

/* Snapshot of the wire counters (any thread). */
void
sn_wire_stats(const struct sn_wire *w, struct sn_wire_stats *st)
{
	st->tx_frames = __atomic_load_n(&w->st.tx_frames, __ATOMIC_RELAXED);
	st->tx_bytes = __atomic_load_n(&w->st.tx_bytes, __ATOMIC_RELAXED);
	st->tx_drops = __atomic_load_n(&w->st.tx_drops, __ATOMIC_RELAXED);
	st->rx_frames = __atomic_load_n(&w->st.rx_frames, __ATOMIC_RELAXED);
	st->rx_bytes = __atomic_load_n(&w->st.rx_bytes, __ATOMIC_RELAXED);
}
