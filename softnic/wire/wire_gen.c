/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Traffic-generator wire: "gen:<len>[:<flows>[:<count>]]".  A source of
 * IPv4/UDP frames for receive-only tests and benchmarks (testpmd
 * --forward-mode=rxonly): RX hands out a new frame every time the device
 * asks, TX discards (frames count as sent, like "null").
 *
 *   <len>    Ethernet frame length without FCS, 60..SN_MAX_FRAME bytes
 *            (60 = a 64-byte frame on the wire).
 *   <flows>  distinct flows, 1..65536 (default 1).  Flow i (0-based) differs
 *            from flow 0 only in its UDP source port, 1024 + i modulo 65536
 *            (flows 64512..65535 wrap to ports 0..1023, so all 65536 stay
 *            distinct).  Frames go round-robin over the flows: flow 0, 1, ...,
 *            flows-1, 0, ... so RSS spreads them over the RX queues.
 *   <count>  frames to deliver in total, then nothing more (like a finished
 *            pcap replay); 0 (default) = endless, as fast as the device polls.
 * Numbers are decimal; anything else in the spec is -EINVAL.
 *
 * Frame layout (byte offsets; multi-byte fields big-endian):
 *    0  Ethernet destination = the MAC of the port the wire sits behind
 *    6  Ethernet source      = 02:00:00:00:00:01 (locally administered)
 *   12  EtherType            = 0x0800 (IPv4)
 *   14  IPv4: version 4, IHL 5 (0x45), TOS 0, total length = len - 14,
 *       identification 0, flags/fragment offset 0 (DF clear), TTL 64,
 *       protocol 17 (UDP), header checksum (rte_ipv4_cksum),
 *       source 198.18.0.1, destination 198.18.0.2 (RFC 2544 benchmark range)
 *   34  UDP: source port 1024 + flow, destination port 9 (discard),
 *       length = len - 34, checksum over the pseudo-header (the same sum as
 *       rte_ipv4_udptcp_cksum; never 0, RFC 768)
 *   42  payload: byte k (0-based within the UDP payload) = (uint8_t)k
 *
 * Implementation: one frame template built at open plus a table of each
 * flow's source port and UDP checksum (computed at open from the template's
 * one's-complement sum, so opening costs one pass over the frame whatever
 * the flow count); per frame the RX path copies the template and stores the
 * two 16-bit fields — the benchmarks measure the driver, not the generator.
 *
 * The device polls a port's wire only once the port receives (RSS QP and
 * a first RQ doorbell, device/adapter.c; doc/softnic.md "Device model"), so
 * the stream starts with the application's RX queues; frames finding no
 * posted RX WQE are dropped by the device (rx_drop_no_wqe) and still count
 * as handed out by the wire (rx_frames/rx_bytes of sn_wire_stats).
 * sn_wire_fd() is -1: a generator is always ready.
 */
#include <errno.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include <rte_byteorder.h>
#include <rte_ether.h>
#include <rte_ip.h>
#include <rte_udp.h>

#include "wire_priv.h"

#define GEN_MIN_LEN		60u
#define GEN_MAX_FLOWS		65536u
#define GEN_BASE_PORT		1024u
#define GEN_DST_PORT		9u		/* discard */
#define GEN_TTL			64u
#define GEN_L3_OFF		RTE_ETHER_HDR_LEN			/* 14 */
#define GEN_L4_OFF		(GEN_L3_OFF + sizeof(struct rte_ipv4_hdr))	/* 34 */
#define GEN_PAYLOAD_OFF		(GEN_L4_OFF + sizeof(struct rte_udp_hdr))	/* 42 */
#define GEN_SPORT_OFF		(GEN_L4_OFF + offsetof(struct rte_udp_hdr, src_port))
#define GEN_CKSUM_OFF		(GEN_L4_OFF + offsetof(struct rte_udp_hdr, dgram_cksum))

static const uint8_t gen_src_mac[RTE_ETHER_ADDR_LEN] = { 0x02, 0, 0, 0, 0, 0x01 };
static const uint8_t gen_src_ip[4] = { 198, 18, 0, 1 };
static const uint8_t gen_dst_ip[4] = { 198, 18, 0, 2 };

/* The two per-flow fields, as stored in the frame (network order). */
struct gen_flow {
	rte_be16_t sport;
	rte_be16_t cksum;
};

struct gen_wire {
	uint32_t len;			/* frame length, bytes */
	uint32_t flows;
	uint32_t next;			/* flow of the next frame */
	uint64_t count;			/* 0 = endless */
	uint64_t sent;			/* frames handed out */
	struct gen_flow *flow;		/* flows entries */
	uint8_t *tmpl;			/* len bytes; flow fields of flow 0 */
};

static int
gen_tx(struct sn_wire *w, const void *frame, uint32_t len)
{
	(void)w;
	(void)frame;
	(void)len;
	return 0;	/* discarded, counted as sent by the dispatcher */
}

static int
gen_rx(struct sn_wire *w, void *buf, uint32_t cap)
{
	struct gen_wire *g = w->priv;
	const struct gen_flow *f;
	uint8_t *b = buf;

	if (g->count != 0 && g->sent == g->count)
		return 0;
	f = &g->flow[g->next];
	if (likely(cap >= g->len)) {
		memcpy(b, g->tmpl, g->len);
		memcpy(b + GEN_SPORT_OFF, &f->sport, sizeof(f->sport));
		memcpy(b + GEN_CKSUM_OFF, &f->cksum, sizeof(f->cksum));
	} else {
		/* Truncated to cap (sn_wire_rx contract): the same bytes. */
		uint8_t hdr[GEN_PAYLOAD_OFF];

		memcpy(hdr, g->tmpl, sizeof(hdr));
		memcpy(hdr + GEN_SPORT_OFF, &f->sport, sizeof(f->sport));
		memcpy(hdr + GEN_CKSUM_OFF, &f->cksum, sizeof(f->cksum));
		if (cap <= sizeof(hdr)) {
			memcpy(b, hdr, cap);
		} else {
			memcpy(b, hdr, sizeof(hdr));
			memcpy(b + sizeof(hdr), g->tmpl + sizeof(hdr), cap - sizeof(hdr));
		}
	}
	if (++g->next == g->flows)
		g->next = 0;
	if (++g->sent == g->count)
		sn_log(SN_LOG_INFO, "wire %s: generator finished (%llu frames)\n",
		       w->spec, (unsigned long long)g->sent);
	return (int)g->len;
}

static void
gen_close(struct sn_wire *w)
{
	struct gen_wire *g = w->priv;

	free(g->flow);
	free(g->tmpl);
	free(g);
}

static const struct sn_wire_ops gen_ops = {
	.kind = "gen",
	.tx = gen_tx,
	.rx = gen_rx,
	.close = gen_close,
};

/*
 * Parse one decimal field of the spec: digits only, up to the next ':' or
 * the end.  Returns the position after the field (at ':' or NUL), or NULL
 * when the field is empty, has a non-digit or exceeds max.
 */
static const char *
gen_parse_field(const char *s, uint64_t max, uint64_t *out)
{
	uint64_t v = 0;
	const char *p;

	for (p = s; *p != '\0' && *p != ':'; p++) {
		unsigned int d = (unsigned int)(*p - '0');

		if (d > 9 || v > (max - d) / 10)
			return NULL;
		v = v * 10 + d;
	}
	if (p == s)
		return NULL;
	*out = v;
	return p;
}

/* One's-complement fold of a 32-bit sum of 16-bit words to 16 bits. */
static uint16_t
gen_fold(uint32_t sum)
{
	sum = (sum >> 16) + (sum & 0xffff);
	sum = (sum >> 16) + (sum & 0xffff);
	return (uint16_t)sum;
}

/* Build the template (flow 0's fields zero: source port, UDP checksum) and
 * the per-flow table. */
static void
gen_build(struct gen_wire *g, const uint8_t mac[6])
{
	struct rte_ether_hdr *eth = (struct rte_ether_hdr *)g->tmpl;
	struct rte_ipv4_hdr *ip = (struct rte_ipv4_hdr *)(g->tmpl + GEN_L3_OFF);
	struct rte_udp_hdr *udp = (struct rte_udp_hdr *)(g->tmpl + GEN_L4_OFF);
	uint32_t k, base, udp_len = g->len - (uint32_t)GEN_L4_OFF;
	uint8_t *payload = g->tmpl + GEN_PAYLOAD_OFF;

	memset(g->tmpl, 0, g->len);
	memcpy(eth->dst_addr.addr_bytes, mac, RTE_ETHER_ADDR_LEN);
	memcpy(eth->src_addr.addr_bytes, gen_src_mac, RTE_ETHER_ADDR_LEN);
	eth->ether_type = rte_cpu_to_be_16(RTE_ETHER_TYPE_IPV4);
	ip->version_ihl = RTE_IPV4_VHL_DEF;		/* version 4, IHL 5 */
	ip->type_of_service = 0;
	ip->total_length = rte_cpu_to_be_16((uint16_t)(g->len - GEN_L3_OFF));
	ip->packet_id = 0;
	ip->fragment_offset = 0;			/* DF clear */
	ip->time_to_live = GEN_TTL;
	ip->next_proto_id = IPPROTO_UDP;
	memcpy(&ip->src_addr, gen_src_ip, 4);
	memcpy(&ip->dst_addr, gen_dst_ip, 4);
	ip->hdr_checksum = 0;
	ip->hdr_checksum = rte_ipv4_cksum(ip);
	udp->src_port = 0;
	udp->dst_port = rte_cpu_to_be_16(GEN_DST_PORT);
	udp->dgram_len = rte_cpu_to_be_16((uint16_t)udp_len);
	udp->dgram_cksum = 0;
	for (k = 0; k < g->len - GEN_PAYLOAD_OFF; k++)
		payload[k] = (uint8_t)k;

	/*
	 * UDP checksum (RFC 768): the complement of the one's-complement sum
	 * of the pseudo-header and the datagram with the checksum field 0.
	 * With the source port 0 too, that sum is `base`; a flow only adds
	 * its port word.  The words are summed as loaded from memory, like
	 * rte_raw_cksum, so the port is added in network order and the
	 * result is stored as is.  A sum over non-zero words folds to
	 * 1..0xffff, never 0, so the complement 0 (sent as 0xffff per RFC
	 * 768, as rte_ipv4_udptcp_cksum does) only arises from 0xffff.
	 */
	base = (uint32_t)rte_ipv4_phdr_cksum(ip, 0) + rte_raw_cksum(udp, udp_len);
	for (k = 0; k < g->flows; k++) {
		rte_be16_t port = rte_cpu_to_be_16((uint16_t)(GEN_BASE_PORT + k));
		uint16_t c = (uint16_t)~gen_fold(base + port);

		g->flow[k].sport = port;
		g->flow[k].cksum = c == 0 ? 0xffff : c;
	}
}

/*
 * Open a generator (arg: "<len>[:<flows>[:<count>]]", w->mac set by the
 * dispatcher).  Returns 0, -EINVAL for a malformed spec or a value out of
 * range (logged), -ENOMEM.
 */
int
sn_wire_gen_open(struct sn_wire *w, const char *arg)
{
	uint64_t len, flows = 1, count = 0;
	struct gen_wire *g;
	const char *p;

	if (arg == NULL) {
		sn_log(SN_LOG_ERR, "wire: gen needs a frame length: gen:<len>[:<flows>[:<count>]]\n");
		return -EINVAL;
	}
	p = gen_parse_field(arg, SN_MAX_FRAME, &len);
	if (p == NULL || len < GEN_MIN_LEN) {
		sn_log(SN_LOG_ERR, "wire: bad gen spec \"gen:%s\": <len> must be %u..%u\n",
		       arg, GEN_MIN_LEN, SN_MAX_FRAME);
		return -EINVAL;
	}
	if (*p == ':') {
		p = gen_parse_field(p + 1, GEN_MAX_FLOWS, &flows);
		if (p == NULL || flows == 0) {
			sn_log(SN_LOG_ERR, "wire: bad gen spec \"gen:%s\": <flows> must be 1..%u\n",
			       arg, GEN_MAX_FLOWS);
			return -EINVAL;
		}
	}
	if (*p == ':') {
		p = gen_parse_field(p + 1, UINT64_MAX, &count);
		if (p == NULL) {
			sn_log(SN_LOG_ERR, "wire: bad gen spec \"gen:%s\": <count> must be a "
			       "decimal number (0 = endless)\n", arg);
			return -EINVAL;
		}
	}
	if (*p != '\0') {
		sn_log(SN_LOG_ERR, "wire: bad gen spec \"gen:%s\": expected "
		       "gen:<len>[:<flows>[:<count>]]\n", arg);
		return -EINVAL;
	}

	g = calloc(1, sizeof(*g));
	if (g == NULL)
		return -ENOMEM;
	g->len = (uint32_t)len;
	g->flows = (uint32_t)flows;
	g->count = count;
	g->tmpl = malloc(g->len);
	g->flow = calloc(g->flows, sizeof(*g->flow));
	if (g->tmpl == NULL || g->flow == NULL) {
		free(g->tmpl);
		free(g->flow);
		free(g);
		return -ENOMEM;
	}
	gen_build(g, w->mac);
	w->ops = &gen_ops;
	w->priv = g;
	w->fd = -1;
	return 0;
}
