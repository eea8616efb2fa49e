/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Private interface between the wire dispatcher (wire.c) and the backends
 * (wire_loop.c, wire_tap.c, wire_pcap.c, wire_null.c, wire_gen.c).  The
 * public side is the "Wires" section of softnic.h.
 */
#ifndef SOFTNIC_WIRE_PRIV_H
#define SOFTNIC_WIRE_PRIV_H

#include <stdbool.h>
#include <stdint.h>

#include "softnic.h"

struct sn_wire;

/* Operations of one backend.  tx/rx follow the contract of sn_wire_tx and
 * sn_wire_rx in softnic.h; the dispatcher has already checked the frame
 * length and keeps the counters. */
struct sn_wire_ops {
	const char *kind;		/* "loop", "tap", "pcap", "null", "gen" */
	int (*tx)(struct sn_wire *w, const void *frame, uint32_t len);
	int (*rx)(struct sn_wire *w, void *buf, uint32_t cap);
	void (*close)(struct sn_wire *w);	/* release priv and fd */
};

struct sn_wire {
	const struct sn_wire_ops *ops;
	unsigned int adapter;		/* adapter index (for loop peers, logs) */
	unsigned int port;		/* 0-based port behind which this wire sits */
	uint8_t mac[6];			/* that port's MAC (set before the backend's
					 * open; the gen wire's destination) */
	int fd;				/* see sn_wire_fd(); -1 if none */
	bool tx_warned;			/* first TX drop logged at warning level */
	void *priv;			/* backend state */
	/* Counters: written only by the device thread, read by anyone
	 * (relaxed atomics, so a reader never sees a torn value). */
	struct sn_wire_stats st;
	char spec[SN_MAX_WIRE_SPEC];
};

/*
 * Backend constructors.  arg is the part of the spec after "<kind>:" (NULL
 * if the spec had no ':'); w->adapter, w->port, w->mac and w->spec are
 * already set.  On success they set w->ops, w->priv and w->fd and return 0;
 * on failure they return a negative errno, log why, and leave nothing
 * allocated.
 */
int sn_wire_loop_open(struct sn_wire *w, const char *arg);
int sn_wire_tap_open(struct sn_wire *w, const char *arg);
int sn_wire_tapfd_open(struct sn_wire *w, const char *arg);
int sn_wire_pcap_open(struct sn_wire *w, const char *arg);
int sn_wire_null_open(struct sn_wire *w, const char *arg);
int sn_wire_gen_open(struct sn_wire *w, const char *arg);

#endif /* SOFTNIC_WIRE_PRIV_H */
