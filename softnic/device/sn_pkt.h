/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Frame parsing shared by TX offloads (tx.c) and RX classification (rx.c).
 * Bounds are always checked against the frame length: a header whose length
 * fields point beyond the frame is reported as such, never read past.
 */
#ifndef SN_PKT_H
#define SN_PKT_H

#include <stdbool.h>
#include <stdint.h>
#include <string.h>
#include <netinet/in.h>

#include <rte_byteorder.h>
#include <rte_ether.h>
#include <rte_ip.h>

#define SN_ETH_HLEN	14u
#define SN_VLAN_HLEN	4u

struct sn_l3l4 {
	uint32_t l3_off;	/* IP header offset, 0 = no IP */
	uint8_t l3;		/* 0, 4 or 6 */
	bool len_ok;		/* IP length fields consistent with the frame */
	bool frag;		/* IPv4 MF/offset, or an IPv6 fragment header */
	uint8_t l4proto;	/* IPPROTO_* of the transport header */
	uint32_t l4_off;
	uint32_t l4_len;	/* transport header + payload, from IP lengths */
};

static inline uint16_t
sn_get_be16(const uint8_t *p)
{
	return (uint16_t)((p[0] << 8) | p[1]);
}

/* Parse Ethernet (one optional 802.1Q tag) / IPv4 / IPv6 (+ hop-by-hop,
 * routing, destination-options and fragment extension headers). */
static inline void
sn_parse(const uint8_t *f, uint32_t len, struct sn_l3l4 *o)
{
	uint32_t off = 12;
	uint16_t et;

	memset(o, 0, sizeof(*o));
	if (len < SN_ETH_HLEN)
		return;
	et = sn_get_be16(f + off);
	if (et == RTE_ETHER_TYPE_VLAN) {
		if (len < SN_ETH_HLEN + SN_VLAN_HLEN)
			return;
		off += SN_VLAN_HLEN;
		et = sn_get_be16(f + off);
	}
	off += 2;
	if (et == RTE_ETHER_TYPE_IPV4) {
		const struct rte_ipv4_hdr *ip = (const void *)(f + off);
		uint32_t ihl, tot;

		if (len < off + sizeof(*ip) || (ip->version_ihl >> 4) != 4)
			return;
		ihl = (uint32_t)(ip->version_ihl & 0xf) * 4;
		if (ihl < sizeof(*ip) || off + ihl > len)
			return;
		o->l3 = 4;
		o->l3_off = off;
		tot = rte_be_to_cpu_16(ip->total_length);
		o->frag = (rte_be_to_cpu_16(ip->fragment_offset) &
			   (RTE_IPV4_HDR_MF_FLAG | RTE_IPV4_HDR_OFFSET_MASK)) != 0;
		o->l4proto = ip->next_proto_id;
		o->l4_off = off + ihl;
		if (tot >= ihl && off + tot <= len) {
			o->len_ok = true;
			o->l4_len = tot - ihl;
		}
	} else if (et == RTE_ETHER_TYPE_IPV6) {
		const struct rte_ipv6_hdr *ip = (const void *)(f + off);
		uint32_t pl, p, end;
		uint8_t nh;

		if (len < off + sizeof(*ip) || (f[off] >> 4) != 6)
			return;
		o->l3 = 6;
		o->l3_off = off;
		pl = rte_be_to_cpu_16(ip->payload_len);
		end = off + (uint32_t)sizeof(*ip) + pl;
		if (end > len)
			return;
		nh = ip->proto;
		p = off + (uint32_t)sizeof(*ip);
		for (;;) {
			if (nh == IPPROTO_HOPOPTS || nh == IPPROTO_ROUTING ||
			    nh == IPPROTO_DSTOPTS) {
				if (p + 8 > end)
					return;
				nh = f[p];
				p += ((uint32_t)f[p + 1] + 1) * 8;
			} else if (nh == IPPROTO_FRAGMENT) {
				if (p + 8 > end)
					return;
				o->frag = true;
				nh = f[p];
				p += 8;
			} else {
				break;
			}
		}
		if (p > end)
			return;
		o->len_ok = true;
		o->l4proto = nh;
		o->l4_off = p;
		o->l4_len = end - p;
	}
}

/* One's complement sum of the TCP/UDP pseudo header + segment; 0xffff when
 * the segment's checksum is correct (caller checked the lengths). */
static inline uint16_t
sn_l4_sum(const uint8_t *f, const struct sn_l3l4 *o)
{
	uint32_t sum;

	/* The pseudo header is summed straight from the frame (addresses) and
	 * as 16-bit words in memory order (protocol, length), which is what
	 * __rte_raw_cksum does with the memory of a pseudo-header struct. */
	if (o->l3 == 4) {
		const struct rte_ipv4_hdr *ip = (const void *)(f + o->l3_off);

		sum = __rte_raw_cksum(&ip->src_addr, 8, 0);
	} else {
		const struct rte_ipv6_hdr *ip = (const void *)(f + o->l3_off);

		sum = __rte_raw_cksum(ip->src_addr, 32, 0);
		sum += rte_cpu_to_be_16((uint16_t)(o->l4_len >> 16));
	}
	sum += rte_cpu_to_be_16((uint16_t)o->l4proto);
	sum += rte_cpu_to_be_16((uint16_t)o->l4_len);
	sum = __rte_raw_cksum(f + o->l4_off, o->l4_len, sum);
	return __rte_raw_cksum_reduce(sum);
}

#endif /* SN_PKT_H */
