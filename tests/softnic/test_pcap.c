/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Soft-NIC conformance: pcap wire.
 * Run: softnic-run --ports 1 --wire pcap:IN:OUT -- test_pcap --in IN --out OUT
 *
 * Before the device is opened this program writes the capture IN with
 * libpcap; the device replays it into port 0's RQ (exact bytes, VLAN tag
 * stripped and reported).  Frames sent on port 0's SQ (plain, multi-SGE,
 * checksum offload, VLAN insertion) are read back from OUT with libpcap and
 * compared byte for byte — including the 802.1Q tag the device inserted
 * (TPID 0x8100 after the source MAC, PCP/DEI/VID from the long OOB, §4.2),
 * which a loop wire cannot show because the receiving port strips it.
 */
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <CUnit/Basic.h>
#include <pcap/pcap.h>

#include <rte_ether.h>
#include <rte_ip.h>

#include "sntest.h"

#define N_IN	6

static const char *in_path, *out_path;
static struct snt_dev dev;
static struct snt_sq sq;
static struct snt_rss rss;
static uint8_t in_frames[N_IN][1600];
static uint32_t in_len[N_IN];
static bool in_vlan[N_IN];

static void
flow(struct snt_flow *f, bool ipv6, uint8_t proto, uint32_t payload, uint8_t seed)
{
	static const uint8_t smac[6] = { 0x02, 0, 0, 0, 0, 0x99 };
	static const uint8_t dmac[6] = { 0x00, 0x15, 0x5d, 0, 0, 0x01 };

	snt_flow_init(f, proto, ipv6 ? "fd00::1" : "172.16.0.1", (uint16_t)(7000 + seed),
		      ipv6 ? "fd00::2" : "172.16.0.2", 8000, payload, seed, smac, dmac);
}

/* Write IN with libpcap (before the device exists). */
static int
write_input(void)
{
	pcap_t *dead = pcap_open_dead(DLT_EN10MB, 65535);
	pcap_dumper_t *d;
	unsigned int i;

	if (dead == NULL)
		return -1;
	d = pcap_dump_open(dead, in_path);
	if (d == NULL) {
		fprintf(stderr, "pcap_dump_open %s: %s\n", in_path, pcap_geterr(dead));
		pcap_close(dead);
		return -1;
	}
	for (i = 0; i < N_IN; i++) {
		struct pcap_pkthdr h;
		struct snt_flow f;

		switch (i) {
		case 0: flow(&f, false, IPPROTO_TCP, 10, 0); break;
		case 1: flow(&f, true, IPPROTO_UDP, 100, 1); break;
		case 2: flow(&f, false, IPPROTO_UDP, 30, 2); f.vlan = true; f.vlan_tci = 0x2064; break;
		case 3: flow(&f, false, 0, 46, 3); f.ethertype = RTE_ETHER_TYPE_ARP; break;
		case 4: flow(&f, false, IPPROTO_TCP, 1460, 4); break;
		default: flow(&f, true, IPPROTO_TCP, 0, 5); break;
		}
		in_vlan[i] = f.vlan;
		in_len[i] = snt_build_frame(in_frames[i], sizeof(in_frames[i]), &f, NULL, NULL);
		memset(&h, 0, sizeof(h));
		h.ts.tv_sec = 1700000000 + i;
		h.caplen = h.len = in_len[i];
		pcap_dump((u_char *)d, &h, in_frames[i]);
	}
	pcap_dump_close(d);
	pcap_close(dead);
	return 0;
}

static int
suite_init(void)
{
	if (snt_open(&dev, NULL) != 0 || snt_endpoint_create(&dev, &sq, &rss, 0, 64, 4, 64) != 0)
		return -1;
	return 0;
}

static int
suite_clean(void)
{
	snt_endpoint_destroy(&sq, &rss);
	snt_close(&dev);
	return snt_rings_freed();
}

static void
test_rx_replay(void)
{
	unsigned int i;

	for (i = 0; i < N_IN; i++) {
		static const char *const no_wqe[] = { "rx_drop_no_wqe", NULL };
		struct snt_pkt p;
		uint64_t drops = 0;

		if (snt_rq_recv(&rss.rq[0], &p, SNT_TIMEOUT_MS) != 1) {
			if (snt_counter_any(0, 0, no_wqe, &drops, NULL) == 0)
				fprintf(stderr, "frame %u of the capture not received; port 0 "
					"rx_drop_no_wqe = %llu (the replay started before the RQ "
					"doorbell could be rung)\n", i, (unsigned long long)drops);
			CU_FAIL_FATAL("replayed frame not received");
		}
		if (in_vlan[i]) {
			/* Stripped: the frame without the 4 tag bytes. */
			CU_ASSERT_EQUAL(p.len, in_len[i] - 4);
			CU_ASSERT_EQUAL(memcmp(p.data, in_frames[i], 12), 0);
			CU_ASSERT_EQUAL(memcmp(p.data + 12, in_frames[i] + 16, in_len[i] - 16), 0);
			CU_ASSERT_EQUAL(p.cqe.rx.rx_vlantag_present, 1);
			CU_ASSERT_EQUAL(p.cqe.rx.rx_vlan_id, 0x064);
		} else {
			CU_ASSERT_EQUAL(p.len, in_len[i]);
			CU_ASSERT_EQUAL(memcmp(p.data, in_frames[i], in_len[i]), 0);
			CU_ASSERT_EQUAL(p.cqe.rx.rx_vlantag_present, 0);
		}
		CU_ASSERT_EQUAL(snt_rq_post(&rss.rq[0], 1, false), 1);
	}
	/* Replayed once: nothing more arrives. */
	{
		struct snt_pkt p;

		CU_ASSERT_EQUAL(snt_rq_recv(&rss.rq[0], &p, 200), 0);
	}
}

/* Expected output frames, filled while sending. */
static uint8_t want[4][1600];
static uint32_t want_len[4];

static void
test_tx_capture(void)
{
	char errbuf[PCAP_ERRBUF_SIZE];
	struct pcap_pkthdr *h;
	const u_char *data;
	struct mana_tx_oob oob;
	struct snt_flow f;
	uint8_t frame[1600];
	uint32_t len, l4;
	pcap_t *pc;
	unsigned int n = 0;
	int ret;

	/* 0: plain IPv4/TCP. */
	flow(&f, false, IPPROTO_TCP, 33, 10);
	want_len[0] = snt_build_frame(want[0], sizeof(want[0]), &f, NULL, NULL);
	CU_ASSERT_EQUAL(snt_sq_send(&sq, want[0], want_len[0], NULL, false, NULL),
			MANA_CQE_TX_OKAY);
	/* 1: IPv6/UDP with the UDP checksum offloaded. */
	flow(&f, true, IPPROTO_UDP, 301, 11);
	want_len[1] = snt_build_frame(want[1], sizeof(want[1]), &f, NULL, &l4);
	memcpy(frame, want[1], want_len[1]);
	snt_seed_offload(frame, &f, false, true);
	snt_tx_oob_init(&sq, &oob, false);
	oob.s.is_outer_ipv6 = 1;
	oob.s.comp_udp_csum = 1;
	oob.s.trans_off = l4;
	CU_ASSERT_EQUAL(snt_sq_send(&sq, frame, want_len[1], &oob, false, NULL),
			MANA_CQE_TX_OKAY);
	/* 2: VLAN insertion: PCP 6, DEI 1, VID 0x345. */
	flow(&f, false, IPPROTO_UDP, 50, 12);
	len = snt_build_frame(frame, sizeof(frame), &f, NULL, NULL);
	memcpy(want[2], frame, 12);
	want[2][12] = 0x81;
	want[2][13] = 0x00;
	want[2][14] = (uint8_t)((6 << 5) | (1 << 4) | 0x3);
	want[2][15] = 0x45;
	memcpy(want[2] + 16, frame + 12, len - 12);
	want_len[2] = len + 4;
	snt_tx_oob_init(&sq, &oob, true);
	oob.l.inject_vlan_pri_tag = 1;
	oob.l.pcp = 6;
	oob.l.dei = 1;
	oob.l.vlan_id = 0x345;
	CU_ASSERT_EQUAL(snt_sq_send(&sq, frame, len, &oob, true, NULL), MANA_CQE_TX_OKAY);
	/* 3: a frame gathered from 3 SGEs. */
	flow(&f, false, IPPROTO_TCP, 500, 13);
	want_len[3] = snt_build_frame(want[3], sizeof(want[3]), &f, NULL, NULL);
	{
		struct mana_sge sge[3];
		struct mana_cqe c;
		uint32_t cut[3] = { 14, 100, want_len[3] - 114 }, pos = 0, i;

		for (i = 0; i < 3; i++) {
			sge[i] = snt_sq_sge(&sq, want[3] + pos, cut[i]);
			pos += cut[i];
		}
		snt_tx_oob_init(&sq, &oob, false);
		CU_ASSERT_FATAL(snt_sq_post(&sq, &oob, MANA_OOB_DWORDS_SHORT, sge, 3) >= 0);
		snt_sq_doorbell(&sq);
		CU_ASSERT_EQUAL_FATAL(snt_cq_wait(&sq.cq, &c, SNT_TIMEOUT_MS), 1);
		snt_sq_all_done(&sq);
		CU_ASSERT_EQUAL(c.hdr.cqe_type, MANA_CQE_TX_OKAY);
	}

	/* Read OUT back: exactly these 4 frames, exact bytes. */
	pc = pcap_open_offline(out_path, errbuf);
	CU_ASSERT_PTR_NOT_NULL_FATAL(pc);
	CU_ASSERT_EQUAL(pcap_datalink(pc), DLT_EN10MB);
	while ((ret = pcap_next_ex(pc, &h, &data)) == 1) {
		if (n < 4) {
			if (h->caplen != want_len[n] || memcmp(data, want[n], want_len[n]) != 0) {
				snt_dump_diff("captured frame", data, h->caplen, want[n], want_len[n]);
				CU_FAIL("captured frame differs");
			}
			CU_ASSERT_EQUAL(h->len, want_len[n]);
		}
		n++;
	}
	CU_ASSERT_EQUAL(ret, PCAP_ERROR_BREAK);
	CU_ASSERT_EQUAL(n, 4);
	pcap_close(pc);
}

static CU_TestInfo tests[] = {
	{ "pcap wire: RX replays a capture", test_rx_replay },
	{ "pcap wire: TX capture, exact bytes (VLAN insert)", test_tx_capture },
	CU_TEST_INFO_NULL,
};

int
main(int argc, char **argv)
{
	in_path = snt_arg(argc, argv, "--in", NULL);
	out_path = snt_arg(argc, argv, "--out", NULL);
	if (in_path == NULL || out_path == NULL) {
		fprintf(stderr, "usage: test_pcap --in IN.pcap --out OUT.pcap\n");
		return 2;
	}
	/* Fresh files before the device opens the wire. */
	unlink(out_path);
	if (write_input() != 0)
		return 1;
	return snt_run_suite("softnic-pcap", suite_init, suite_clean, tests);
}
