/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Capture-file wire: "pcap:<in>[:<out>]" through libpcap.
 *  - RX replays the Ethernet (DLT_EN10MB) capture <in> once, as fast as the
 *    device asks for frames, then delivers nothing.  Timestamps are ignored.
 *    A record shorter on disk than on the wire (snaplen) is delivered with
 *    its captured length.
 *  - TX appends every frame to <out> (created if missing; an existing file
 *    must be an Ethernet capture) and flushes after each frame, so a reader
 *    sees it at once.  Delete <out> first for a fresh capture.
 * "-" stands for no file.  <in> may not contain ':'; <out> may.
 * sn_wire_fd() is -1: a capture file is always ready, the device finds its
 * frames whenever it polls.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>
#include <pcap/pcap.h>

#include "wire_priv.h"

struct pcap_wire {
	pcap_t *in;			/* NULL when none or replay finished */
	pcap_t *dead;			/* link-type holder for the dumper */
	pcap_dumper_t *out;		/* NULL when none */
	uint64_t replayed;
};

static int
pcap_wire_tx(struct sn_wire *w, const void *frame, uint32_t len)
{
	struct pcap_wire *pw = w->priv;
	struct pcap_pkthdr h;

	if (pw->out == NULL)
		return 0;	/* no output file: discard, like null */
	gettimeofday(&h.ts, NULL);
	h.caplen = len;
	h.len = len;
	pcap_dump((u_char *)pw->out, &h, frame);
	if (pcap_dump_flush(pw->out) != 0)
		return -EIO;
	return 0;
}

static int
pcap_wire_rx(struct sn_wire *w, void *buf, uint32_t cap)
{
	struct pcap_wire *pw = w->priv;
	struct pcap_pkthdr *h;
	const u_char *data;
	int ret;

	while (pw->in != NULL) {
		ret = pcap_next_ex(pw->in, &h, &data);
		if (ret == 1) {
			if (h->caplen == 0)
				continue;
			memcpy(buf, data, h->caplen < cap ? h->caplen : cap);
			pw->replayed++;
			return (int)h->caplen;
		}
		if (ret == PCAP_ERROR)
			sn_log(SN_LOG_ERR, "wire %s: read error after %llu frames: %s\n",
			       w->spec, (unsigned long long)pw->replayed,
			       pcap_geterr(pw->in));
		else
			sn_log(SN_LOG_INFO, "wire %s: replay finished (%llu frames)\n",
			       w->spec, (unsigned long long)pw->replayed);
		pcap_close(pw->in);
		pw->in = NULL;
	}
	return 0;
}

static void
pcap_wire_close(struct sn_wire *w)
{
	struct pcap_wire *pw = w->priv;

	if (pw->in != NULL)
		pcap_close(pw->in);
	if (pw->out != NULL) {
		pcap_dump_flush(pw->out);
		pcap_dump_close(pw->out);
	}
	if (pw->dead != NULL)
		pcap_close(pw->dead);
	free(pw);
}

static const struct sn_wire_ops pcap_ops = {
	.kind = "pcap",
	.tx = pcap_wire_tx,
	.rx = pcap_wire_rx,
	.close = pcap_wire_close,
};

/*
 * Open the input and/or output capture.  -EINVAL for a malformed spec or a
 * capture that is not Ethernet, -ENOENT/-EIO when libpcap cannot open a
 * file (its message is logged), -ENOMEM.
 */
int
sn_wire_pcap_open(struct sn_wire *w, const char *arg)
{
	char errbuf[PCAP_ERRBUF_SIZE];
	char in[SN_MAX_WIRE_SPEC];
	const char *out = "-";
	const char *colon;
	struct pcap_wire *pw;
	size_t in_len;

	if (arg == NULL || *arg == '\0') {
		sn_log(SN_LOG_ERR, "wire: pcap needs files: pcap:<in>[:<out>] (\"-\" = none)\n");
		return -EINVAL;
	}
	colon = strchr(arg, ':');
	in_len = colon ? (size_t)(colon - arg) : strlen(arg);
	if (in_len == 0 || in_len >= sizeof(in) || (colon && colon[1] == '\0')) {
		sn_log(SN_LOG_ERR, "wire: bad pcap spec \"pcap:%s\"\n", arg);
		return -EINVAL;
	}
	memcpy(in, arg, in_len);
	in[in_len] = '\0';
	if (colon)
		out = colon + 1;

	pw = calloc(1, sizeof(*pw));
	if (pw == NULL)
		return -ENOMEM;
	if (strcmp(in, "-") != 0) {
		pw->in = pcap_open_offline(in, errbuf);
		if (pw->in == NULL) {
			sn_log(SN_LOG_ERR, "wire: cannot open capture %s: %s\n", in, errbuf);
			free(pw);
			return -ENOENT;
		}
		if (pcap_datalink(pw->in) != DLT_EN10MB) {
			sn_log(SN_LOG_ERR, "wire: capture %s is not Ethernet (link type %s)\n",
			       in, pcap_datalink_val_to_name(pcap_datalink(pw->in)));
			pcap_close(pw->in);
			free(pw);
			return -EINVAL;
		}
	}
	if (strcmp(out, "-") != 0) {
		pw->dead = pcap_open_dead(DLT_EN10MB, 65535);
		if (pw->dead == NULL)
			goto nomem;
		pw->out = pcap_dump_open_append(pw->dead, out);
		if (pw->out == NULL) {
			sn_log(SN_LOG_ERR, "wire: cannot open capture %s for writing: %s\n",
			       out, pcap_geterr(pw->dead));
			pcap_close(pw->dead);
			if (pw->in != NULL)
				pcap_close(pw->in);
			free(pw);
			return -EIO;
		}
	}
	w->ops = &pcap_ops;
	w->priv = pw;
	w->fd = -1;
	return 0;
nomem:
	if (pw->in != NULL)
		pcap_close(pw->in);
	free(pw);
	return -ENOMEM;
}
