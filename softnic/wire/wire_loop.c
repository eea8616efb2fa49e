/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Loop wire: "loop:<peer port>".  A frame sent by this port is queued for
 * the peer port of the same adapter (the peer may be the port itself) and
 * received there in order.
 *
 * Each loop wire owns the FIFO of frames *arriving* at its port.  TX looks
 * the peer up in a registry indexed by (adapter, port) and appends to the
 * peer's FIFO; a frame for a peer that is not open as a loop wire is
 * dropped (-ENOTCONN).  Both ends belong to the same adapter, so only that
 * adapter's device thread touches the FIFOs: no locks, no syscalls and no
 * allocation per frame.  Open/close run under the adapter lock (softnic.h),
 * the registry mutex only orders registrations of different adapters.
 *
 * FIFO: at most LOOP_FIFO_FRAMES frames and LOOP_FIFO_BYTES bytes of frame
 * data (records padded to LOOP_ALIGN bytes, never split at the end of the
 * data ring), whichever limit is reached first; a frame that does not fit
 * is dropped (-ENOBUFS, counted in tx_drops of the sending wire).  With
 * 1514-byte frames the frame limit applies; with 9018-byte jumbo frames
 * about 900 frames fit.  The data ring is an anonymous mapping, so only the
 * pages actually used cost memory.
 */
#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include "wire_priv.h"

#define LOOP_FIFO_FRAMES	4096u		/* power of two */
#define LOOP_FIFO_BYTES		(8u << 20)	/* frame data ring */
#define LOOP_ALIGN		16u

struct loop_desc {
	uint64_t pos;		/* free-running byte position of the record */
	uint32_t len;		/* frame length, bytes */
};

struct loop_wire {
	unsigned int peer;		/* port whose FIFO receives our TX */
	uint32_t head;			/* frames enqueued (free-running) */
	uint32_t tail;			/* frames dequeued (free-running) */
	uint64_t wpos;			/* byte position of the next record */
	uint8_t *data;			/* LOOP_FIFO_BYTES */
	struct loop_desc desc[LOOP_FIFO_FRAMES];
};

static pthread_mutex_t loop_reg_lock = PTHREAD_MUTEX_INITIALIZER;
static struct sn_wire *loop_reg[SN_MAX_ADAPTERS][SN_MAX_PORTS];

/* Append one frame to the FIFO of the receiving wire.  0 or -ENOBUFS. */
static int
loop_fifo_put(struct loop_wire *lw, const void *frame, uint32_t len)
{
	uint32_t need = (len + LOOP_ALIGN - 1) & ~(LOOP_ALIGN - 1);
	uint64_t pos = lw->wpos;
	uint64_t oldest;
	uint32_t off;
	struct loop_desc *d;

	if (lw->head - lw->tail == LOOP_FIFO_FRAMES)
		return -ENOBUFS;
	/* A record never wraps: skip the rest of the ring if it is too short. */
	off = (uint32_t)(pos % LOOP_FIFO_BYTES);
	if (off + need > LOOP_FIFO_BYTES)
		pos += LOOP_FIFO_BYTES - off;
	oldest = lw->head != lw->tail ?
		 lw->desc[lw->tail & (LOOP_FIFO_FRAMES - 1)].pos : pos;
	if (pos + need - oldest > LOOP_FIFO_BYTES)
		return -ENOBUFS;
	memcpy(lw->data + pos % LOOP_FIFO_BYTES, frame, len);
	d = &lw->desc[lw->head & (LOOP_FIFO_FRAMES - 1)];
	d->pos = pos;
	d->len = len;
	lw->head++;
	lw->wpos = pos + need;
	return 0;
}

static int
loop_tx(struct sn_wire *w, const void *frame, uint32_t len)
{
	struct loop_wire *lw = w->priv;
	struct sn_wire *peer;

	peer = __atomic_load_n(&loop_reg[w->adapter][lw->peer], __ATOMIC_ACQUIRE);
	if (peer == NULL)
		return -ENOTCONN;
	return loop_fifo_put(peer->priv, frame, len);
}

static int
loop_rx(struct sn_wire *w, void *buf, uint32_t cap)
{
	struct loop_wire *lw = w->priv;
	const struct loop_desc *d;

	if (lw->head == lw->tail)
		return 0;
	d = &lw->desc[lw->tail & (LOOP_FIFO_FRAMES - 1)];
	memcpy(buf, lw->data + d->pos % LOOP_FIFO_BYTES,
	       d->len < cap ? d->len : cap);
	lw->tail++;
	if (lw->head == lw->tail)
		lw->wpos = 0;	/* empty: restart at the ring start */
	return (int)d->len;
}

static void
loop_close(struct sn_wire *w)
{
	struct loop_wire *lw = w->priv;

	pthread_mutex_lock(&loop_reg_lock);
	if (loop_reg[w->adapter][w->port] == w)
		__atomic_store_n(&loop_reg[w->adapter][w->port], NULL,
				 __ATOMIC_RELEASE);
	pthread_mutex_unlock(&loop_reg_lock);
	munmap(lw->data, LOOP_FIFO_BYTES);
	free(lw);
}

static const struct sn_wire_ops loop_ops = {
	.kind = "loop",
	.tx = loop_tx,
	.rx = loop_rx,
	.close = loop_close,
};

/*
 * (addition, for the device's cut-through, softnic.h) The port index whose
 * FIFO receives w's TX frames if w is a loop wire, else -1.
 */
int
sn_wire_loop_peer(const struct sn_wire *w)
{
	if (w == NULL || w->ops != &loop_ops)
		return -1;
	return (int)((const struct loop_wire *)w->priv)->peer;
}

/* (addition) True if w is a loop wire with no frame waiting in its FIFO
 * (device thread only). */
bool
sn_wire_loop_empty(const struct sn_wire *w)
{
	const struct loop_wire *lw;

	if (w == NULL || w->ops != &loop_ops)
		return false;
	lw = w->priv;
	return lw->head == lw->tail;
}

/*
 * "loop:<peer>" (decimal port index < SN_MAX_PORTS) or "loop" (peer =
 * port ^ 1).  -EINVAL for a malformed peer, -EBUSY if this (adapter, port)
 * already has an open loop wire, -ENOMEM.
 */
int
sn_wire_loop_open(struct sn_wire *w, const char *arg)
{
	struct loop_wire *lw;
	unsigned long peer;
	char *end;

	if (arg == NULL) {
		peer = w->port ^ 1u;
	} else {
		errno = 0;
		peer = strtoul(arg, &end, 10);
		if (errno != 0 || end == arg || *end != '\0' ||
		    peer >= SN_MAX_PORTS) {
			sn_log(SN_LOG_ERR, "wire: bad loop peer \"%s\" (expected a port 0..%u)\n",
			       arg, SN_MAX_PORTS - 1);
			return -EINVAL;
		}
	}
	lw = calloc(1, sizeof(*lw));
	if (lw == NULL)
		return -ENOMEM;
	lw->peer = (unsigned int)peer;
	lw->data = mmap(NULL, LOOP_FIFO_BYTES, PROT_READ | PROT_WRITE,
			MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	if (lw->data == MAP_FAILED) {
		free(lw);
		return -ENOMEM;
	}
	w->ops = &loop_ops;
	w->priv = lw;
	w->fd = -1;

	pthread_mutex_lock(&loop_reg_lock);
	if (loop_reg[w->adapter][w->port] != NULL) {
		pthread_mutex_unlock(&loop_reg_lock);
		sn_log(SN_LOG_ERR, "wire: adapter %u port %u already has a loop wire\n",
		       w->adapter, w->port);
		munmap(lw->data, LOOP_FIFO_BYTES);
		free(lw);
		return -EBUSY;
	}
	__atomic_store_n(&loop_reg[w->adapter][w->port], w, __ATOMIC_RELEASE);
	pthread_mutex_unlock(&loop_reg_lock);
	return 0;
}
