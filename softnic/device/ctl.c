/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Control commands (softnic-ctl protocol) and counters.
 *
 * Commands (one line, words separated by blanks; answer "ok ..." or
 * "error: ...", counters as "key=value" lines):
 *   status                              adapters, ports, queues
 *   revoke <a> | restore <a>            spec §9 (adapter.c)
 *   link <a> <p> up|down                port link state
 *   mtu <a> <p> <bytes>                 port MTU (68..9000)
 *   counters <a> [<p>]                  adapter, port and queue counters
 *   reset-counters <a>
 *   fault <a> <p> tx-error <n> <type>   next n TX WQEs of port p complete
 *                                       with CQE type <type> (number 32..41
 *                                       or name, e.g. CQE_TX_INVALID_OOB);
 *                                       the frame is not sent
 *   fault <a> <p> owner-corrupt [<n>]   the next n (1) CQEs written on the
 *                                       port's CQs get a wrong owner value
 *                                       (expected + 1): the driver sees an
 *                                       overflow
 *   fault <a> <p> drop <n>              drop the next n frames arriving at p
 *   fault <a> <p> delay <usec>          SQ WQEs of p are processed (and thus
 *                                       completed) no earlier than usec
 *                                       microseconds after their doorbell;
 *                                       0 = off
 *   fault <a> <p> clear                 cancel the port's faults
 *   coalesce on|off                     RX CQE coalescing (all adapters)
 *
 * Counter names (sn_counter_get and "counters"):
 *   adapter: doorbells, doorbells_ignored, cq_overflow, revokes, restores,
 *     doorbell_traps, doorbell_trap_unknown, doorbell_trap_timeouts
 *     (the last three process-wide, device/dbtrap.c; not reset)
 *   port<P>.{tx_frames, tx_bytes, rx_frames, rx_bytes, tx_err_cqes,
 *     tx_drop_link_down, tx_drop_mtu, tx_drop_fault, tx_drop_dma_error,
 *     tx_drop_invalid, tx_drop_wire, rx_drop_no_wqe, rx_drop_no_rq,
 *     rx_drop_link_down, rx_drop_fault, rx_drop_truncated,
 *     rx_drop_dma_error, rx_cqes, rx_coalesced_cqes, cq_overflow, doorbells}
 *   sq<ID>.* / rq<ID>.* (ID = SQ/RQ id): doorbells, wqes, cqes,
 *     coalesced_cqes, coalesced_pkts, cq_overflow, cq_doorbells, cq_events,
 *     cq_id, port, and one cqe_<type> per CQE type of the queue's direction
 *     (cqe_tx_okay, cqe_tx_mtu_drop, ..., cqe_rx_okay, cqe_rx_coalesced_4,
 *     cqe_rx_truncated, ...).
 * Queue counters disappear with their queue; adapter and port counters stay
 * until reset-counters.
 */
#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "sn_dev.h"

static const char *const sn_port_ctr_names[SN_PC_MAX] = {
	[SN_PC_TX_FRAMES] = "tx_frames",
	[SN_PC_TX_BYTES] = "tx_bytes",
	[SN_PC_RX_FRAMES] = "rx_frames",
	[SN_PC_RX_BYTES] = "rx_bytes",
	[SN_PC_TX_ERR_CQES] = "tx_err_cqes",
	[SN_PC_TX_DROP_LINK_DOWN] = "tx_drop_link_down",
	[SN_PC_TX_DROP_MTU] = "tx_drop_mtu",
	[SN_PC_TX_DROP_FAULT] = "tx_drop_fault",
	[SN_PC_TX_DROP_DMA_ERROR] = "tx_drop_dma_error",
	[SN_PC_TX_DROP_INVALID] = "tx_drop_invalid",
	[SN_PC_TX_DROP_WIRE] = "tx_drop_wire",
	[SN_PC_RX_DROP_NO_WQE] = "rx_drop_no_wqe",
	[SN_PC_RX_DROP_NO_RQ] = "rx_drop_no_rq",
	[SN_PC_RX_DROP_LINK_DOWN] = "rx_drop_link_down",
	[SN_PC_RX_DROP_FAULT] = "rx_drop_fault",
	[SN_PC_RX_DROP_TRUNCATED] = "rx_drop_truncated",
	[SN_PC_RX_DROP_DMA_ERROR] = "rx_drop_dma_error",
	[SN_PC_RX_CQES] = "rx_cqes",
	[SN_PC_RX_COALESCED_CQES] = "rx_coalesced_cqes",
	[SN_PC_CQ_OVERFLOW] = "cq_overflow",
	[SN_PC_DOORBELLS] = "doorbells",
};

static const char *const sn_queue_ctr_names[SN_QC_MAX] = {
	[SN_QC_DOORBELLS] = "doorbells",
	[SN_QC_WQES] = "wqes",
	[SN_QC_CQES] = "cqes",
	[SN_QC_COALESCED_CQES] = "coalesced_cqes",
	[SN_QC_COALESCED_PKTS] = "coalesced_pkts",
	[SN_QC_CQ_OVERFLOW] = "cq_overflow",
	[SN_QC_CQ_DOORBELLS] = "cq_doorbells",
	[SN_QC_CQ_EVENTS] = "cq_events",
};

static const char *const sn_adapter_ctr_names[SN_AC_MAX] = {
	[SN_AC_DOORBELLS] = "doorbells",
	[SN_AC_DOORBELLS_IGNORED] = "doorbells_ignored",
	[SN_AC_CQ_OVERFLOW] = "cq_overflow",
	[SN_AC_REVOKES] = "revokes",
	[SN_AC_RESTORES] = "restores",
};

/* Lower-case name of a CQE type (spec §4.4, §5.3), NULL if undefined. */
const char *
sn_cqe_type_name(unsigned int type)
{
	switch (type) {
	case MANA_CQE_INVALID: return "cqe_invalid";
	case MANA_CQE_RX_OKAY: return "cqe_rx_okay";
	case MANA_CQE_RX_COALESCED_4: return "cqe_rx_coalesced_4";
	case MANA_CQE_RX_OBJECT_FENCE: return "cqe_rx_object_fence";
	case MANA_CQE_RX_TRUNCATED: return "cqe_rx_truncated";
	case MANA_CQE_TX_OKAY: return "cqe_tx_okay";
	case MANA_CQE_TX_SA_DROP: return "cqe_tx_sa_drop";
	case MANA_CQE_TX_MTU_DROP: return "cqe_tx_mtu_drop";
	case MANA_CQE_TX_INVALID_OOB: return "cqe_tx_invalid_oob";
	case MANA_CQE_TX_INVALID_ETH_TYPE: return "cqe_tx_invalid_eth_type";
	case MANA_CQE_TX_HDR_PROCESSING_ERROR: return "cqe_tx_hdr_processing_error";
	case MANA_CQE_TX_VF_DISABLED: return "cqe_tx_vf_disabled";
	case MANA_CQE_TX_VPORT_IDX_OUT_OF_RANGE: return "cqe_tx_vport_idx_out_of_range";
	case MANA_CQE_TX_VPORT_DISABLED: return "cqe_tx_vport_disabled";
	case MANA_CQE_TX_VLAN_TAGGING_VIOLATION: return "cqe_tx_vlan_tagging_violation";
	default: return NULL;
	}
}

struct outbuf {
	char *p;
	size_t len, used;
	bool full;
};

static void __attribute__((format(printf, 2, 3)))
out(struct outbuf *o, const char *fmt, ...)
{
	va_list ap;
	int n;

	if (o->full || o->len == 0)
		return;
	va_start(ap, fmt);
	n = vsnprintf(o->p + o->used, o->len - o->used, fmt, ap);
	va_end(ap);
	if (n < 0 || (size_t)n >= o->len - o->used) {
		o->full = true;
		o->p[o->len - 1] = '\0';
		return;
	}
	o->used += (size_t)n;
}

/* All counters of adapter a (port < 0: every port) as key=value lines;
 * lock held. */
static void
dump_counters(struct sn_adapter *a, int port, struct outbuf *o)
{
	unsigned int i, j, t;

	uint64_t traps, unknown, timeouts;

	for (i = 0; i < SN_AC_MAX; i++)
		out(o, "%s=%llu\n", sn_adapter_ctr_names[i], (unsigned long long)a->ctr[i]);
	/* process-wide (device/dbtrap.c): doorbell stores emulated on trapped
	 * pages, stores not decoded, values stored without waiting */
	sn_dbtrap_stats(&traps, &unknown, &timeouts);
	out(o, "doorbell_traps=%llu\ndoorbell_trap_unknown=%llu\ndoorbell_trap_timeouts=%llu\n",
	    (unsigned long long)traps, (unsigned long long)unknown,
	    (unsigned long long)timeouts);
	for (i = 0; i < a->num_ports; i++) {
		if (port >= 0 && (unsigned int)port != i)
			continue;
		for (j = 0; j < SN_PC_MAX; j++)
			out(o, "port%u.%s=%llu\n", i, sn_port_ctr_names[j],
			    (unsigned long long)a->port[i].ctr[j]);
	}
	for (i = 1; i < SN_MAX_QUEUE_ID; i++) {
		struct sn_wq *wq = a->wq_by_id[i];
		const char *pre;

		if (wq == NULL || (port >= 0 && wq->port->idx != (unsigned int)port))
			continue;
		pre = wq->type == SN_WQ_SQ ? "sq" : "rq";
		out(o, "%s%u.port=%u\n%s%u.cq_id=%u\n", pre, wq->id, wq->port->idx,
		    pre, wq->id, wq->cq.id);
		for (j = 0; j < SN_QC_MAX; j++)
			out(o, "%s%u.%s=%llu\n", pre, wq->id, sn_queue_ctr_names[j],
			    (unsigned long long)wq->ctr[j]);
		for (t = 0; t < SN_CQE_TYPES; t++) {
			const char *n = sn_cqe_type_name(t);

			if (n == NULL || t == MANA_CQE_INVALID ||
			    (wq->type == SN_WQ_SQ) != (t >= MANA_CQE_TX_FIRST))
				continue;
			out(o, "%s%u.%s=%llu\n", pre, wq->id, n,
			    (unsigned long long)wq->cqe_type_ctr[t]);
		}
	}
}

static void
reset_counters(struct sn_adapter *a)
{
	unsigned int i;

	memset(a->ctr, 0, sizeof(a->ctr));
	for (i = 0; i < a->num_ports; i++)
		memset(a->port[i].ctr, 0, sizeof(a->port[i].ctr));
	for (i = 1; i < SN_MAX_QUEUE_ID; i++)
		if (a->wq_by_id[i] != NULL) {
			memset(a->wq_by_id[i]->ctr, 0, sizeof(a->wq_by_id[i]->ctr));
			memset(a->wq_by_id[i]->cqe_type_ctr, 0,
			       sizeof(a->wq_by_id[i]->cqe_type_ctr));
		}
}

static void
status(struct outbuf *o)
{
	unsigned int n = sn_adapter_count(), i, j;

	out(o, "ok adapters=%u coalesce=%s\n", n,
	    atomic_load(&sn_coalesce_on) ? "on" : "off");
	for (i = 0; i < n; i++) {
		struct sn_adapter *a = sn_adapter_peek(i);

		if (a == NULL) {
			out(o, "adapter%u active=0\n", i);
			continue;
		}
		sn_adapter_lock(a);
		sn_mtu_watch_sync(a);
		out(o, "adapter%u active=1 pci=%s ibdev=%s revoked=%d generation=%u ports=%u\n",
		    i, a->acfg->pci_addr, a->acfg->ibdev, a->revoked, a->generation,
		    a->num_ports);
		for (j = 0; j < a->num_ports; j++) {
			struct sn_port *p = &a->port[j];

			out(o, "adapter%u.port%u link=%s mtu=%u wire=%s tx_vp_offset=%u "
			    "vport_pdn=%u sqs=%u rqs=%u\n", i, j, p->link_up ? "up" : "down",
			    p->mtu, a->acfg->port[j].wire, p->tx_vp_offset, p->vport_pdn,
			    p->vport_sqs, p->rss ? p->rss->n_wq : 0);
		}
		for (j = 1; j < SN_MAX_QUEUE_ID; j++) {
			struct sn_wq *wq = a->wq_by_id[j];

			if (wq == NULL)
				continue;
			out(o, "adapter%u.%s%u port=%u cq=%u entries=%u ring=%u hw=%u tail=%u "
			    "cqes=%llu\n", i, wq->type == SN_WQ_SQ ? "sq" : "rq", wq->id,
			    wq->port->idx, wq->cq.id, wq->cq.n, wq->size, wq->hw, wq->tail,
			    (unsigned long long)wq->cq.k);
		}
		sn_adapter_unlock(a);
	}
}

static int
parse_u(const char *s, unsigned long max, unsigned long *v)
{
	char *end;

	if (s == NULL || !isdigit((unsigned char)s[0]))
		return -EINVAL;
	errno = 0;
	*v = strtoul(s, &end, 0);
	if (errno || *end != '\0' || *v > max)
		return -EINVAL;
	return 0;
}

static int
parse_cqe_type(const char *s, uint32_t *type)
{
	unsigned long v;
	unsigned int t;

	if (parse_u(s, 63, &v) == 0) {
		*type = (uint32_t)v;
		return 0;
	}
	for (t = MANA_CQE_TX_FIRST; t <= MANA_CQE_TX_LAST; t++) {
		const char *n = sn_cqe_type_name(t);

		if (strcasecmp(s, n) == 0 || strcasecmp(s, n + 4) == 0) {
			*type = t;
			return 0;
		}
	}
	return -EINVAL;
}

static int
get_port(struct outbuf *o, char **w, int nw, struct sn_adapter **pa, unsigned int *pp)
{
	unsigned long ai, pi;

	if (nw < 3 || parse_u(w[1], SN_MAX_ADAPTERS - 1, &ai) || parse_u(w[2], 255, &pi)) {
		out(o, "error: expected <adapter> <port>\n");
		return -EINVAL;
	}
	*pa = sn_adapter_get((unsigned int)ai);
	if (*pa == NULL) {
		out(o, "error: no adapter %lu\n", ai);
		return -ENODEV;
	}
	if (pi >= (*pa)->num_ports) {
		out(o, "error: adapter %lu has %u ports\n", ai, (*pa)->num_ports);
		return -ENODEV;
	}
	*pp = (unsigned int)pi;
	return 0;
}

static int
get_adapter(struct outbuf *o, char **w, int nw, struct sn_adapter **pa)
{
	unsigned long ai;

	if (nw < 2 || parse_u(w[1], SN_MAX_ADAPTERS - 1, &ai)) {
		out(o, "error: expected <adapter>\n");
		return -EINVAL;
	}
	*pa = sn_adapter_get((unsigned int)ai);
	if (*pa == NULL) {
		out(o, "error: no adapter %lu\n", ai);
		return -ENODEV;
	}
	return 0;
}

static int
cmd_fault(struct outbuf *o, char **w, int nw)
{
	struct sn_adapter *a;
	unsigned long n = 1;
	unsigned int pi;
	struct sn_port *p;
	uint32_t type = 0;
	int ret;

	ret = get_port(o, w, nw, &a, &pi);
	if (ret)
		return ret;
	if (nw < 4)
		goto usage;
	if (strcmp(w[3], "tx-error") == 0) {
		if (nw != 6 || parse_u(w[4], 0xffffffffu, &n) || parse_cqe_type(w[5], &type))
			goto usage;
	} else if (strcmp(w[3], "owner-corrupt") == 0) {
		if (nw > 5 || (nw == 5 && parse_u(w[4], 0xffffffffu, &n)))
			goto usage;
	} else if (strcmp(w[3], "drop") == 0 || strcmp(w[3], "delay") == 0) {
		if (nw != 5 || parse_u(w[4], 0xffffffffu, &n))
			goto usage;
	} else if (strcmp(w[3], "clear") != 0 || nw != 4) {
		goto usage;
	}
	sn_adapter_lock(a);
	p = &a->port[pi];
	if (w[3][0] == 't') {
		p->fault_tx_err_n = (uint32_t)n;
		p->fault_tx_err_type = type;
	} else if (w[3][0] == 'o') {
		p->fault_owner_corrupt = (uint32_t)n;
	} else if (w[3][1] == 'r') {
		p->fault_rx_drop_n = (uint32_t)n;
	} else if (w[3][0] == 'd') {
		p->fault_delay_us = (uint32_t)n;
	} else {
		p->fault_tx_err_n = 0;
		p->fault_owner_corrupt = 0;
		p->fault_rx_drop_n = 0;
		p->fault_delay_us = 0;
	}
	sn_adapter_unlock(a);
	out(o, "ok\n");
	return 0;
usage:
	out(o, "error: usage: fault <a> <p> tx-error <n> <type> | owner-corrupt [<n>] | "
	    "drop <n> | delay <usec> | clear\n");
	return -EINVAL;
}

/* Split cmd into at most 8 blank-separated words (in place). */
static int
split(char *s, char **w, int max)
{
	int n = 0;

	while (*s) {
		while (isspace((unsigned char)*s))
			*s++ = '\0';
		if (!*s)
			break;
		if (n == max)
			return -1;
		w[n++] = s;
		while (*s && !isspace((unsigned char)*s))
			s++;
	}
	return n;
}

/*
 * Execute one control command (see the comment at the top of this file).
 * The answer goes to out (NUL terminated, truncated to outlen).  Returns 0
 * or -errno (the answer then starts with "error:").
 */
int
sn_ctl_exec(const char *cmd, char *outp, size_t outlen)
{
	struct outbuf o = { .p = outp, .len = outlen, .used = 0, .full = false };
	struct sn_adapter *a;
	char buf[512], *w[8];
	unsigned int pi;
	unsigned long v;
	int nw, ret = 0;

	if (outlen)
		outp[0] = '\0';
	if (cmd == NULL || strlen(cmd) >= sizeof(buf)) {
		out(&o, "error: command too long\n");
		return -EINVAL;
	}
	strcpy(buf, cmd);
	nw = split(buf, w, 8);
	if (nw <= 0) {
		out(&o, "error: empty or too long command\n");
		return -EINVAL;
	}
	if (sn_config_get() == NULL) {
		out(&o, "error: no soft-NIC configuration\n");
		return -ENODEV;
	}
	if (strcmp(w[0], "status") == 0) {
		status(&o);
	} else if (strcmp(w[0], "revoke") == 0 || strcmp(w[0], "restore") == 0) {
		ret = get_adapter(&o, w, nw, &a);
		if (ret)
			return ret;
		ret = w[0][2] == 'v' ? sn_adapter_revoke(a) : sn_adapter_restore(a);
		if (ret)
			out(&o, "error: adapter already %s\n",
			    w[0][2] == 'v' ? "revoked" : "active");
		else
			out(&o, "ok\n");
	} else if (strcmp(w[0], "link") == 0) {
		ret = get_port(&o, w, nw, &a, &pi);
		if (ret)
			return ret;
		if (nw != 4 || (strcmp(w[3], "up") != 0 && strcmp(w[3], "down") != 0)) {
			out(&o, "error: usage: link <a> <p> up|down\n");
			return -EINVAL;
		}
		ret = sn_port_set_link(a, pi, w[3][0] == 'u');
		out(&o, ret ? "error: link change failed\n" : "ok\n");
	} else if (strcmp(w[0], "mtu") == 0) {
		ret = get_port(&o, w, nw, &a, &pi);
		if (ret)
			return ret;
		if (nw != 4 || parse_u(w[3], MANA_MAX_MTU, &v)) {
			out(&o, "error: usage: mtu <a> <p> <68..9000>\n");
			return -EINVAL;
		}
		ret = sn_port_set_mtu(a, pi, (uint32_t)v);
		out(&o, ret ? "error: MTU out of range 68..9000\n" : "ok\n");
	} else if (strcmp(w[0], "counters") == 0) {
		int port = -1;

		if (nw == 3) {
			ret = get_port(&o, w, nw, &a, &pi);
			port = (int)pi;
		} else if (nw == 2) {
			ret = get_adapter(&o, w, nw, &a);
		} else {
			out(&o, "error: usage: counters <a> [<p>]\n");
			return -EINVAL;
		}
		if (ret)
			return ret;
		sn_adapter_lock(a);
		dump_counters(a, port, &o);
		sn_adapter_unlock(a);
	} else if (strcmp(w[0], "reset-counters") == 0) {
		ret = get_adapter(&o, w, nw, &a);
		if (ret)
			return ret;
		sn_adapter_lock(a);
		reset_counters(a);
		sn_adapter_unlock(a);
		out(&o, "ok\n");
	} else if (strcmp(w[0], "fault") == 0) {
		return cmd_fault(&o, w, nw);
	} else if (strcmp(w[0], "coalesce") == 0) {
		if (nw != 2 || (strcmp(w[1], "on") != 0 && strcmp(w[1], "off") != 0)) {
			out(&o, "error: usage: coalesce on|off\n");
			return -EINVAL;
		}
		atomic_store(&sn_coalesce_on, strcmp(w[1], "on") == 0);
		out(&o, "ok\n");
	} else {
		out(&o, "error: unknown command '%s' (status, revoke, restore, link, mtu, "
		    "counters, reset-counters, fault, coalesce)\n", w[0]);
		return -EINVAL;
	}
	if (o.full)
		return -ENOSPC;
	return ret;
}

/*
 * Read one counter of an adapter by name (see the list at the top of this
 * file), e.g. "port0.rx_frames", "cq_overflow", "sq5.cqe_tx_okay".
 * Returns 0 and *val, or -ENOENT (unknown name, no such queue or adapter).
 */
int
sn_counter_get(unsigned int adapter, const char *name, uint64_t *val)
{
	struct sn_adapter *a = sn_adapter_peek(adapter);
	size_t len = 1 << 20, nl = strlen(name);
	struct outbuf o;
	char *p, *line;
	int ret = -ENOENT;

	if (a == NULL)
		return -ENOENT;
	p = malloc(len);
	if (p == NULL)
		return -ENOMEM;
	o = (struct outbuf){ .p = p, .len = len, .used = 0, .full = false };
	p[0] = '\0';
	sn_adapter_lock(a);
	dump_counters(a, -1, &o);
	sn_adapter_unlock(a);
	for (line = p; *line; ) {
		char *eol = strchr(line, '\n');

		if (strncmp(line, name, nl) == 0 && line[nl] == '=') {
			*val = strtoull(line + nl + 1, NULL, 10);
			ret = 0;
			break;
		}
		if (eol == NULL)
			break;
		line = eol + 1;
	}
	free(p);
	return ret;
}
