/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Null wire: "null".  TX frames are accepted and discarded (they count as
 * sent in tx_frames/tx_bytes, like writing to /dev/null); nothing is ever
 * received.
 */
#include <errno.h>

#include "wire_priv.h"

static int
null_tx(struct sn_wire *w, const void *frame, uint32_t len)
{
	(void)w;
	(void)frame;
	(void)len;
	return 0;
}

static int
null_rx(struct sn_wire *w, void *buf, uint32_t cap)
{
	(void)w;
	(void)buf;
	(void)cap;
	return 0;
}

static void
null_close(struct sn_wire *w)
{
	(void)w;
}

static const struct sn_wire_ops null_ops = {
	.kind = "null",
	.tx = null_tx,
	.rx = null_rx,
	.close = null_close,
};

/* "null" takes no argument: -EINVAL for "null:<anything>". */
int
sn_wire_null_open(struct sn_wire *w, const char *arg)
{
	if (arg != NULL) {
		sn_log(SN_LOG_ERR, "wire: \"null\" takes no argument (got \"%s\")\n", arg);
		return -EINVAL;
	}
	w->ops = &null_ops;
	w->priv = NULL;
	w->fd = -1;
	return 0;
}
