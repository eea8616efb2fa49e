#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
"""testpmd-driven end-to-end tests of the net_mana PMD on the soft-NIC.

Debian's unmodified dpdk-testpmd loads the PMD with EAL -d and runs under
softnic-run with a loop wire between soft-NIC ports 0 and 1.  The script
drives testpmd's interactive command line through a pseudo-terminal and reads
two independent sets of counters:

  * testpmd's (the PMD's rte_eth_stats through "show port stats all" and the
    forward statistics printed by "stop", which add testpmd's own count of
    packets it had to drop, TX-dropped);
  * the soft-NIC's (frames the device put on the wire / delivered to an RX
    queue / dropped, read from the control socket, "counters 0").

Modes and the exact relations asserted (T = TX-packets, R = RX-packets,
D = TX-dropped, per port p; dev.* = soft-NIC counters; "quiescent" = polled
until every frame the PMD handed to the device was put on the wire and every
frame on the wire was delivered or counted as dropped, bounded by 5 s):

  rxonly  "start tx_first 4": each port sends 4 bursts of 32, the other port
          only receives.  Quiescent: R(1) == T(0) == 128 and R(0) == T(1) ==
          128 exactly; dev.tx_frames(p) == T(p); no device drops.
  txonly  both ports transmit for ~1 s while RX is not polled, so each RX ring
          fills and the device drops the rest for lack of RX WQEs.  Then
          "set fwd rxonly" and "start" drains the rings.  Quiescent:
          dev.tx_frames(p) == T(p), and
          R(1) + dev.rx_drop_no_wqe(1) == T(0)  (and 0 <-> 1),
          i.e. every frame sent on port 0 was received on port 1 or counted
          as dropped for lack of an RX descriptor; R(1) <= RX ring size
          (testpmd's default 256 descriptors, the rdma-core 44 maximum).
  rxonly-gen
          no testpmd TX at all: both ports sit on generator wires
          (gen:60:16:N, doc/softnic.md "Wires"), testpmd runs rxonly with 2
          RX queues per port (--rxd=256, --rss-udp so the 16 UDP flows spread
          over both queues).  A generator starts when the PMD rings the
          port's first RQ doorbell at port start, long before testpmd polls
          ("start"): frames beyond the posted descriptors, and those hashed
          to queue 1 before its doorbell (the PMD rings queue 0 first; on 2
          cores the device took between 10^5 and 10^6 frames in that gap),
          are dropped by the device for lack of RX WQEs.  So R == N cannot be
          asserted with this start sequence; what is provable and asserted:
          the device takes exactly N frames from each generator before
          "start" (bounded wait), then per port dev.rx_frames +
          dev.rx_drop_no_wqe == N, no other device RX drop, R ==
          dev.rx_frames (testpmd received every delivered frame, also in the
          forward stats), RX-bytes == 60 * R, RX-errors, RX-nombuf,
          RX-missed 0, no TX; per RX queue (device RQ counters, summing to
          R): at most 256 frames (its posted descriptors, no refill before
          "start") and the queue rung first exactly 256 (each queue's flows
          bring thousands of frames); mempool: mbufs in use == 2 ports x 2
          queues x 256 posted descriptors before and after forwarding, 0
          after "port stop all".  (Both queues receiving is checked by the
          soft-NIC test softnic-genwire's RSS test.)
  io, mac, csum
          "start tx_first" injects 32 packets per port, which then circulate
          port 0 -> 1 -> 0 ...  After "stop": T(0)+T(1) + D(0)+D(1) -
          R(0)-R(1) == 64 exactly (every received packet was forwarded or
          dropped by testpmd; oerrors == 0).  Quiescent: the packets in flight
          at stop are exactly those sitting in the RX rings:
          sum_p(dev.rx_frames(p) - R_cum(p)) == 64 - D_total; no device drops.
          Phase 2 ("start" again without tx_first, testpmd runs with
          --no-flush-rx): the parked packets circulate again (R grows), and
          T + D - R == 0 for that phase.  mac sets --eth-peer so frames carry
          the peer port's MAC; csum additionally enables IP/UDP/TCP checksum
          offload on both ports and asserts Bad-ipcsum == Bad-l4csum == 0 on
          every port (the receiving port validates what the sending port's
          offload computed).

Output: one "PASS: ..."/"FAIL: ..." line per check and a final
"N passed, N failed" line; exit status 0 only without failures.
"""

import argparse
import os
import pty
import re
import select
import signal
import socket
import subprocess
import sys
import tempfile
import time

PROMPT = "testpmd> "
BURST = 32          # testpmd's default burst (DEF_PKT_BURST)
GEN_LEN = 60        # rxonly-gen: frame length of the generator wires (64 B with FCS)
GEN_FLOWS = 16      # rxonly-gen: UDP flows per generator
GEN_RXQ = 2         # rxonly-gen: RX queues per port
GEN_RXD = 256       # rxonly-gen: RX descriptors per queue (the rdma-core 44 maximum)
WAIT = 5.0          # bound of every quiescence wait, seconds


class Fail(Exception):
    """A step could not be carried out (testpmd died, timeout, ...)."""


class Results:
    def __init__(self):
        self.passed = 0
        self.failed = 0

    def check(self, cond, what):
        if cond:
            self.passed += 1
            print("PASS: " + what, flush=True)
        else:
            self.failed += 1
            print("FAIL: " + what, flush=True)
        return cond


class Testpmd:
    """dpdk-testpmd (under softnic-run) driven through a pseudo-terminal."""

    def __init__(self, argv, log):
        self.log = log
        self.master, slave = pty.openpty()
        self.proc = subprocess.Popen(argv, stdin=slave, stdout=slave, stderr=slave,
                                     start_new_session=True, close_fds=True)
        os.close(slave)
        self.buf = ""
        self.eof = False

    def _read(self, timeout):
        if self.eof:
            return False
        r, _, _ = select.select([self.master], [], [], max(0.0, timeout))
        if not r:
            return False
        try:
            data = os.read(self.master, 65536)
        except OSError:
            data = b""
        if not data:
            self.eof = True
            return False
        text = data.decode(errors="replace").replace("\r", "")
        self.log.write(text)
        self.log.flush()
        self.buf += text
        return True

    def pump(self, seconds):
        """Keep reading output for a duration (traffic run time)."""
        end = time.monotonic() + seconds
        while time.monotonic() < end:
            self._read(end - time.monotonic())

    def expect(self, regex, timeout):
        pat = re.compile(regex)
        end = time.monotonic() + timeout
        while True:
            m = pat.search(self.buf)
            if m:
                out = self.buf[:m.end()]
                self.buf = self.buf[m.end():]
                return out
            if self.eof or (self.proc.poll() is not None and not self._read(0.1)):
                raise Fail("testpmd exited (status %s) while waiting for %r"
                           % (self.proc.poll(), regex))
            left = end - time.monotonic()
            if left <= 0:
                raise Fail("timeout (%.0f s) waiting for %r" % (timeout, regex))
            self._read(min(left, 0.5))

    def cmd(self, line, timeout=30):
        self.log.write("\n[e2e] >>> %s\n" % line)
        os.write(self.master, (line + "\n").encode())
        return self.expect(re.escape(PROMPT), timeout)

    def quit(self, timeout=60):
        try:
            os.write(self.master, b"quit\n")
        except OSError:
            pass
        end = time.monotonic() + timeout
        while self.proc.poll() is None and time.monotonic() < end:
            self._read(0.2)
        if self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGKILL)
            self.proc.wait()
            raise Fail("testpmd did not exit within %d s after quit" % timeout)
        while self._read(0.05):
            pass
        return self.proc.returncode

    def kill(self):
        if self.proc.poll() is None:
            try:
                os.killpg(self.proc.pid, signal.SIGTERM)
                self.proc.wait(timeout=10)
            except (subprocess.TimeoutExpired, ProcessLookupError):
                os.killpg(self.proc.pid, signal.SIGKILL)
                self.proc.wait()


def _counters(text, labels):
    """{key: int} of every 'Label: N' of text, labels being (key, Label) pairs."""
    d = {}
    for key, label in labels:
        m = re.search(label + r":\s*(\d+)", text)
        if m:
            d[key] = int(m.group(1))
    return d


def parse_port_stats(text):
    """'show port stats all' -> {port: {rx_packets, rx_missed, ...}}."""
    stats = {}
    for blk in re.split(r"NIC statistics for port\s+", text)[1:]:
        port = int(re.match(r"(\d+)", blk).group(1))
        stats[port] = _counters(blk, (("rx_packets", "RX-packets"),
                                      ("rx_missed", "RX-missed"),
                                      ("rx_bytes", "RX-bytes"),
                                      ("rx_errors", "RX-errors"),
                                      ("rx_nombuf", "RX-nombuf"),
                                      ("tx_packets", "TX-packets"),
                                      ("tx_errors", "TX-errors"),
                                      ("tx_bytes", "TX-bytes")))
    return stats


def parse_fwd_stats(text):
    """The per-port 'Forward statistics' blocks printed by 'stop'."""
    stats = {}
    for blk in re.split(r"Forward statistics for port\s+", text)[1:]:
        lines = blk.split("\n")
        port = int(re.match(r"(\d+)", lines[0]).group(1))
        body = []
        for ln in lines[1:]:
            if re.match(r"^\s*[-+]{10,}", ln):
                break
            body.append(ln)
        stats[port] = _counters("\n".join(body), (("rx_packets", "RX-packets"),
                                                  ("rx_dropped", "RX-dropped"),
                                                  ("tx_packets", "TX-packets"),
                                                  ("tx_dropped", "TX-dropped"),
                                                  ("bad_ipcsum", "Bad-ipcsum"),
                                                  ("bad_l4csum", "Bad-l4csum"),
                                                  ("rx_error", "RX-error")))
    return stats


def ctl(path, line):
    """One soft-NIC control command; returns the answer text."""
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s.settimeout(WAIT)
    try:
        s.connect(path)
        s.sendall((line + "\n").encode())
        s.shutdown(socket.SHUT_WR)
        out = b""
        while True:
            d = s.recv(65536)
            if not d:
                break
            out += d
    finally:
        s.close()
    return out.decode(errors="replace")


def counters(path):
    vals = {}
    for ln in ctl(path, "counters 0").splitlines():
        k, sep, v = ln.strip().partition("=")
        if sep:
            try:
                vals[k] = int(v, 0)
            except ValueError:
                pass
    return vals


RX_DROPS = ("rx_drop_no_wqe", "rx_drop_no_rq", "rx_drop_link_down", "rx_drop_fault",
            "rx_drop_truncated", "rx_drop_dma_error")
TX_DROPS = ("tx_drop_link_down", "tx_drop_mtu", "tx_drop_fault", "tx_drop_dma_error",
            "tx_drop_invalid", "tx_drop_wire")


def dev(c, port, name):
    return c.get("port%d.%s" % (port, name), 0)


def quiesce(tp, ctl_path, ports=(0, 1)):
    """Poll until the device has put every frame the PMD posted on the wire
    and every frame on the wire was delivered or dropped at the peer (loop
    0 <-> 1).  Returns (port stats, device counters)."""
    end = time.monotonic() + WAIT
    while True:
        ps = parse_port_stats(tp.cmd("show port stats all"))
        c = counters(ctl_path)
        ok = True
        for p in ports:
            peer = 1 - p
            if dev(c, p, "tx_frames") != ps[p]["tx_packets"]:
                ok = False
            arrived = dev(c, peer, "rx_frames") + sum(dev(c, peer, k) for k in RX_DROPS)
            if arrived != dev(c, p, "tx_frames"):
                ok = False
        if ok:
            return ps, c
        if time.monotonic() > end:
            print("  not quiescent after %.0f s: port stats %s" % (WAIT, ps))
            print("  device: " + ", ".join("%s=%d" % (k, v) for k, v in sorted(c.items())
                                          if k.startswith("port") and v))
            return ps, c
        time.sleep(0.05)


def wait_rx(tp, need, timeout=10.0):
    """Poll port stats until every port p has rx_packets >= need[p]."""
    end = time.monotonic() + timeout
    while True:
        ps = parse_port_stats(tp.cmd("show port stats all"))
        if all(ps.get(p, {}).get("rx_packets", 0) >= n for p, n in need.items()):
            return ps
        if time.monotonic() > end:
            return ps
        tp.pump(0.1)


def check_device_tx(res, ps, c, what):
    for p in (0, 1):
        res.check(dev(c, p, "tx_frames") == ps[p]["tx_packets"],
                  "%s: port %d: PMD TX-packets %d == frames the device put on the wire %d"
                  % (what, p, ps[p]["tx_packets"], dev(c, p, "tx_frames")))
        res.check(ps[p].get("tx_errors", 0) == 0 and dev(c, p, "tx_err_cqes") == 0,
                  "%s: port %d: no TX errors (PMD %d, device error CQEs %d)"
                  % (what, p, ps[p].get("tx_errors", 0), dev(c, p, "tx_err_cqes")))
        drops = {k: dev(c, p, k) for k in TX_DROPS if dev(c, p, k)}
        res.check(not drops, "%s: port %d: no device TX drops %s" % (what, p, drops))


def run_rxonly(tp, res, ctl_path, args):
    n = 4
    tp.cmd("start tx_first %d" % n)
    ps = wait_rx(tp, {0: n * BURST, 1: n * BURST})
    stop = tp.cmd("stop")
    fs = parse_fwd_stats(stop)
    ps, c = quiesce(tp, ctl_path)
    for p in (0, 1):
        q = 1 - p
        res.check(ps[p]["tx_packets"] == n * BURST,
                  "rxonly: port %d TX-packets %d == %d bursts x %d"
                  % (p, ps[p]["tx_packets"], n, BURST))
        res.check(ps[q]["rx_packets"] == ps[p]["tx_packets"],
                  "rxonly: port %d RX-packets %d == port %d TX-packets %d"
                  % (q, ps[q]["rx_packets"], p, ps[p]["tx_packets"]))
        res.check(fs.get(q, {}).get("rx_packets") == n * BURST,
                  "rxonly: forward stats port %d RX-packets %s == %d"
                  % (q, fs.get(q, {}).get("rx_packets"), n * BURST))
        res.check(ps[q].get("rx_errors", 0) == 0 and ps[q].get("rx_nombuf", 0) == 0,
                  "rxonly: port %d RX-errors 0, RX-nombuf 0" % q)
        res.check(ps[q]["rx_bytes"] == ps[p]["tx_bytes"] and ps[p]["tx_bytes"] > 0,
                  "rxonly: port %d RX-bytes %d == port %d TX-bytes %d"
                  % (q, ps[q]["rx_bytes"], p, ps[p]["tx_bytes"]))
        drops = {k: dev(c, q, k) for k in RX_DROPS if dev(c, q, k)}
        res.check(not drops, "rxonly: port %d: no device RX drops %s" % (q, drops))
    check_device_tx(res, ps, c, "rxonly")


def run_txonly(tp, res, ctl_path, args):
    tp.cmd("start")
    tp.pump(args.duration)
    stop = tp.cmd("stop")
    fs = parse_fwd_stats(stop)
    ps, c = quiesce(tp, ctl_path)
    for p in (0, 1):
        res.check(ps[p]["tx_packets"] > 10 * BURST,
                  "txonly: port %d transmitted %d packets in %.1f s"
                  % (p, ps[p]["tx_packets"], args.duration))
        res.check(fs.get(p, {}).get("tx_packets") == ps[p]["tx_packets"],
                  "txonly: forward stats TX-packets %s == port stats %d (port %d)"
                  % (fs.get(p, {}).get("tx_packets"), ps[p]["tx_packets"], p))
        res.check(ps[p]["rx_packets"] == 0,
                  "txonly: port %d RX-packets %d == 0 (txonly does not poll RX)"
                  % (p, ps[p]["rx_packets"]))
    check_device_tx(res, ps, c, "txonly")
    # drain the parked frames with rxonly
    tp.cmd("set fwd rxonly")
    tp.cmd("start")
    need = {p: dev(c, p, "rx_frames") for p in (0, 1)}
    wait_rx(tp, need)
    tp.cmd("stop")
    ps, c = quiesce(tp, ctl_path)
    rxd = 256
    for p in (0, 1):
        q = 1 - p
        nowqe = dev(c, q, "rx_drop_no_wqe")
        res.check(ps[q]["rx_packets"] + nowqe == ps[p]["tx_packets"],
                  "txonly->rxonly: port %d RX-packets %d + device drops for lack of RX WQEs "
                  "%d == port %d TX-packets %d"
                  % (q, ps[q]["rx_packets"], nowqe, p, ps[p]["tx_packets"]))
        res.check(0 < ps[q]["rx_packets"] <= rxd,
                  "txonly->rxonly: port %d received %d <= %d parked in its RX ring"
                  % (q, ps[q]["rx_packets"], rxd))
        other = {k: dev(c, q, k) for k in RX_DROPS if k != "rx_drop_no_wqe" and dev(c, q, k)}
        res.check(not other, "txonly: port %d: no other device RX drops %s" % (q, other))


def check_rx_reached(res, ps, need, label):
    """RX-packets of ports 0 and 1 (parse_port_stats) reached need[port]; label % port
    names the check."""
    for p in (0, 1):
        res.check(ps[p]["rx_packets"] >= need[p],
                  "%s: RX-packets %d >= %d" % (label % p, ps[p]["rx_packets"], need[p]))


def fwd_totals(fs):
    """TX-packets, TX-dropped and RX-packets of parse_fwd_stats, summed over ports 0 and 1."""
    return tuple(sum(fs[p][k] for p in (0, 1)) for k in ("tx_packets", "tx_dropped", "rx_packets"))


def circulate(tp, res, ctl_path, args, mode):
    inject = 2 * BURST
    tp.cmd("start tx_first")
    ps0 = parse_port_stats(tp.cmd("show port stats all"))
    need = {p: ps0[p]["rx_packets"] + args.min_pkts for p in (0, 1)}
    ps = wait_rx(tp, need, timeout=max(10.0, args.duration * 5))
    tp.pump(args.duration)
    fs = parse_fwd_stats(tp.cmd("stop"))
    check_rx_reached(res, ps, need, "%s: port %%d forwarded traffic" % mode)
    t, d, r = fwd_totals(fs)
    res.check(t + d - r == inject,
              "%s phase 1: TX %d + TX-dropped %d - RX %d == %d injected by tx_first"
              % (mode, t, d, r, inject))
    ps, c = quiesce(tp, ctl_path)
    check_device_tx(res, ps, c, mode + " phase 1")
    parked = sum(dev(c, p, "rx_frames") - ps[p]["rx_packets"] for p in (0, 1))
    res.check(parked == inject - d,
              "%s phase 1: packets in flight at stop == packets parked in the RX rings: "
              "device delivered - PMD received = %d == %d - %d dropped"
              % (mode, parked, inject, d))
    drops = {k: dev(c, p, k) for p in (0, 1) for k in RX_DROPS if dev(c, p, k)}
    res.check(not drops, "%s: no device RX drops %s" % (mode, drops))
    if mode == "csum":
        for p in (0, 1):
            res.check(fs[p].get("bad_ipcsum") == 0 and fs[p].get("bad_l4csum") == 0,
                      "csum phase 1: port %d Bad-ipcsum %s Bad-l4csum %s == 0"
                      % (p, fs[p].get("bad_ipcsum"), fs[p].get("bad_l4csum")))

    # phase 2: the parked packets circulate again
    d1 = d
    base = parse_port_stats(tp.cmd("show port stats all"))
    tp.cmd("start")
    need = {p: base[p]["rx_packets"] + args.min_pkts for p in (0, 1)}
    ps = wait_rx(tp, need, timeout=max(10.0, args.duration * 5))
    fs = parse_fwd_stats(tp.cmd("stop"))
    check_rx_reached(res, ps, need,
                     "%s phase 2: parked packets circulate again on port %%d" % mode)
    t, d, r = fwd_totals(fs)
    res.check(t + d - r == 0,
              "%s phase 2: TX %d + TX-dropped %d - RX %d == 0" % (mode, t, d, r))
    ps, c = quiesce(tp, ctl_path)
    check_device_tx(res, ps, c, mode + " phase 2")
    parked = sum(dev(c, p, "rx_frames") - ps[p]["rx_packets"] for p in (0, 1))
    res.check(parked == inject - d1 - d,
              "%s phase 2: parked %d == %d - %d - %d dropped" % (mode, parked, inject, d1, d))
    if mode == "csum":
        for p in (0, 1):
            res.check(fs[p].get("bad_ipcsum") == 0 and fs[p].get("bad_l4csum") == 0,
                      "csum phase 2: port %d Bad-ipcsum %s Bad-l4csum %s == 0"
                      % (p, fs[p].get("bad_ipcsum"), fs[p].get("bad_l4csum")))
    for p in (0, 1):
        res.check(ps[p].get("rx_errors", 0) == 0 and ps[p].get("rx_nombuf", 0) == 0,
                  "%s: port %d RX-errors %d RX-nombuf %d == 0"
                  % (mode, p, ps[p].get("rx_errors", 0), ps[p].get("rx_nombuf", 0)))


def setup_csum(tp, res):
    tp.cmd("port stop all")
    for p in (0, 1):
        for proto in ("ip", "udp", "tcp"):
            tp.cmd("csum set %s hw %d" % (proto, p))
        out = tp.cmd("csum show %d" % p)
        for proto in ("IP", "UDP", "TCP"):
            res.check(re.search(r"%s checksum offload is hw" % proto, out) is not None,
                      "csum: port %d %s checksum offload is hw" % (p, proto))
    tp.cmd("port start all")
    tp.cmd("set fwd csum")


def run_csum_wire(tp, res, ctl_path, args, files):
    """csum forwarding of frames replayed from a capture, checked on the wire."""
    n, bad_ip, bad_l4 = files["n"], files["bad_ip"], files["bad_l4"]
    for p in (0, 1):
        for proto in ("ip", "udp", "tcp"):
            tp.cmd("csum set %s hw %d" % (proto, p))
    tp.cmd("port start all")
    tp.cmd("start")
    end = time.monotonic() + 10
    while True:
        ps = parse_port_stats(tp.cmd("show port stats all"))
        if ps[0]["tx_packets"] >= n or time.monotonic() > end:
            break
        tp.pump(0.05)
    fs = parse_fwd_stats(tp.cmd("stop"))
    ps, c = quiesce(tp, ctl_path, ports=(1,))
    res.check(ps[0]["rx_packets"] == n and ps[1]["rx_packets"] == n,
              "csum-wire: %d frames replayed into port 0: RX port 0 %d, port 1 %d"
              % (n, ps[0]["rx_packets"], ps[1]["rx_packets"]))
    res.check(ps[0]["tx_packets"] == n and ps[1]["tx_packets"] == n,
              "csum-wire: TX port 1 %d (to the loop), port 0 %d (to the capture)"
              % (ps[1]["tx_packets"], ps[0]["tx_packets"]))
    res.check(dev(c, 0, "tx_frames") == n,
              "csum-wire: device wrote %d frames to the capture" % dev(c, 0, "tx_frames"))
    res.check(fs[0].get("bad_ipcsum") == bad_ip and fs[0].get("bad_l4csum") == bad_l4,
              "csum-wire: port 0 RX flags the corrupted input exactly: Bad-ipcsum %s == %d, "
              "Bad-l4csum %s == %d" % (fs[0].get("bad_ipcsum"), bad_ip,
                                        fs[0].get("bad_l4csum"), bad_l4))
    res.check(fs[1].get("bad_ipcsum") == 0 and fs[1].get("bad_l4csum") == 0,
              "csum-wire: port 1 RX (after port 1's TX checksum offload): Bad-ipcsum %s "
              "Bad-l4csum %s == 0" % (fs[1].get("bad_ipcsum"), fs[1].get("bad_l4csum")))


def mempool_in_use(tp):
    """Objects in use in testpmd's mbuf pools (mb_pool_*), from 'dump_mempool':
    size - (common pool + per-lcore caches).  None if no pool was found."""
    out = tp.cmd("dump_mempool")
    total = None
    for blk in re.split(r"(?m)^mempool <", out)[1:]:
        if not blk.startswith("mb_pool_"):
            continue
        d = {}
        for key in ("size", "total_cache_count", "common_pool_count"):
            m = re.search(r"(?m)^\s*%s=(\d+)" % key, blk)
            if m:
                d[key] = int(m.group(1))
        if "size" not in d or "common_pool_count" not in d:
            continue
        total = (total or 0) + d["size"] - d["common_pool_count"] - \
            d.get("total_cache_count", 0)
    return total


def rq_frames(c, port):
    """{RQ id: WQEs consumed (= frames delivered)} of the port's RX queues."""
    out = {}
    for k, v in c.items():
        m = re.match(r"rq(\d+)\.port$", k)
        if m and v == port:
            out[int(m.group(1))] = c.get("rq%s.wqes" % m.group(1), 0)
    return out


def run_rxonly_gen(tp, res, ctl_path, args):
    """rxonly on generator wires: every generated frame accounted for."""
    n, rxd, nq, flen = args.gen_frames, GEN_RXD, GEN_RXQ, GEN_LEN
    posted = 2 * nq * rxd

    def accounted(c):
        return {p: dev(c, p, "rx_frames") + sum(dev(c, p, k) for k in RX_DROPS)
                for p in (0, 1)}

    # The generators ran when the ports started: wait (bounded) until each
    # has handed its N frames to the device, before testpmd polls at all.
    end = time.monotonic() + WAIT
    while True:
        c = counters(ctl_path)
        if all(v >= n for v in accounted(c).values()) or time.monotonic() > end:
            break
        time.sleep(0.05)
    res.check(all(v == n for v in accounted(c).values()),
              "rxonly-gen: before testpmd polls, the device took exactly %d frames from each "
              "port's generator (delivered + dropped: %s)" % (n, accounted(c)))
    used = mempool_in_use(tp)
    res.check(used == posted,
              "rxonly-gen: mbufs in use %s == %d posted RX descriptors (2 ports x %d queues x "
              "%d) before forwarding" % (used, posted, nq, rxd))

    tp.cmd("start")
    end = time.monotonic() + 2 * WAIT
    while True:
        ps = parse_port_stats(tp.cmd("show port stats all"))
        c = counters(ctl_path)
        if all(ps[p]["rx_packets"] >= dev(c, p, "rx_frames") for p in (0, 1)) or \
                time.monotonic() > end:
            break
        tp.pump(0.05)
    fs = parse_fwd_stats(tp.cmd("stop"))
    ps = parse_port_stats(tp.cmd("show port stats all"))
    c = counters(ctl_path)
    for p in (0, 1):
        rx, nowqe = dev(c, p, "rx_frames"), dev(c, p, "rx_drop_no_wqe")
        res.check(rx + nowqe == n,
                  "rxonly-gen: port %d: device delivered %d + dropped for lack of RX WQEs %d "
                  "== %d generated" % (p, rx, nowqe, n))
        other = {k: dev(c, p, k) for k in RX_DROPS if k != "rx_drop_no_wqe" and dev(c, p, k)}
        res.check(not other, "rxonly-gen: port %d: no other device RX drops %s" % (p, other))
        res.check(ps[p]["rx_packets"] == rx and rx > 0,
                  "rxonly-gen: port %d: RX-packets %d == frames the device delivered %d"
                  % (p, ps[p]["rx_packets"], rx))
        res.check(fs.get(p, {}).get("rx_packets") == rx,
                  "rxonly-gen: forward stats port %d RX-packets %s == %d"
                  % (p, fs.get(p, {}).get("rx_packets"), rx))
        res.check(ps[p]["rx_bytes"] == flen * ps[p]["rx_packets"],
                  "rxonly-gen: port %d: RX-bytes %d == %d x %d-byte frames"
                  % (p, ps[p]["rx_bytes"], ps[p]["rx_packets"], flen))
        res.check(ps[p].get("rx_errors", 0) == 0 and ps[p].get("rx_nombuf", 0) == 0 and
                  ps[p].get("rx_missed", 0) == 0,
                  "rxonly-gen: port %d: RX-errors %d, RX-nombuf %d, RX-missed %d == 0"
                  % (p, ps[p].get("rx_errors", 0), ps[p].get("rx_nombuf", 0),
                     ps[p].get("rx_missed", 0)))
        res.check(ps[p]["tx_packets"] == 0 and dev(c, p, "tx_frames") == 0,
                  "rxonly-gen: port %d: nothing transmitted (TX-packets %d, device %d)"
                  % (p, ps[p]["tx_packets"], dev(c, p, "tx_frames")))
        # Per RX queue: nothing was re-posted before "start" and the generator
        # had finished by then, so a queue holds at most its rxd posted
        # descriptors; the queue whose doorbell came first filled completely
        # (8 of the 16 flows on average, thousands of frames, hash it).
        rqs = rq_frames(c, p)
        res.check(len(rqs) == nq and sum(rqs.values()) == rx and
                  all(v <= rxd for v in rqs.values()) and max(rqs.values()) == rxd,
                  "rxonly-gen: port %d: %d RX queues, frames per queue %s (device RQ "
                  "counters) sum to %d, each <= %d, the first one rung full"
                  % (p, nq, rqs, rx, rxd))
    used = mempool_in_use(tp)
    res.check(used == posted,
              "rxonly-gen: mbufs in use %s == %d posted RX descriptors after forwarding"
              % (used, posted))
    tp.cmd("port stop all")
    used = mempool_in_use(tp)
    res.check(used == 0, "rxonly-gen: mbufs in use %s == 0 after port stop all" % used)
    tp.cmd("port start all")


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--softnic-run", required=True)
    ap.add_argument("--pmd", required=True, help="path of librte_net_mana.so")
    ap.add_argument("--testpmd", default="dpdk-testpmd")
    ap.add_argument("--mode", required=True,
                    choices=("io", "mac", "txonly", "rxonly", "csum", "csum-wire",
                             "rxonly-gen"))
    ap.add_argument("--pcap-tool", help="mana-e2e-pcap (for --mode csum-wire)")
    ap.add_argument("--frames", type=int, default=200, help="csum-wire: frames replayed")
    ap.add_argument("--gen-frames", type=int, default=10000,
                    help="rxonly-gen: frames each port's generator delivers")
    ap.add_argument("--duration", type=float, default=1.0,
                    help="traffic time of a phase, seconds")
    ap.add_argument("--min-pkts", type=int, default=2000,
                    help="packets each port must forward per phase")
    ap.add_argument("--log", help="testpmd transcript (default: <tmp>/testpmd.log)")
    args = ap.parse_args()

    res = Results()
    tmp = tempfile.mkdtemp(prefix="mana-e2e-")
    ctl_path = os.path.join(tmp, "ctl.sock")
    log_path = args.log or os.path.join(tmp, "testpmd.log")
    mac0, mac1 = "00:15:5d:00:00:01", "00:15:5d:00:00:02"
    ncpu = os.cpu_count() or 1
    lcores = "0-1" if ncpu >= 2 else "0@0,1@0"
    fwd = {"csum": "io", "csum-wire": "csum", "rxonly-gen": "rxonly"}.get(args.mode, args.mode)
    wires = ["--wire", "loop"]
    extra = []
    files = {}
    peer0 = mac1
    if args.mode == "csum-wire":
        # port 0: RX replays IN, TX writes OUT; port 1 loops to itself.
        # IN -> port 0 -> csum fwd -> port 1 -> loop -> port 1 -> csum fwd
        # -> port 0 -> OUT
        files = {"in": os.path.join(tmp, "in.pcap"), "out": os.path.join(tmp, "out.pcap"),
                 "n": args.frames}
        out = subprocess.run([args.pcap_tool, "gen", files["in"], str(args.frames)],
                             capture_output=True, text=True, check=True).stdout
        m = re.search(r"bad_ip=(\d+) bad_l4=(\d+)", out)
        files["bad_ip"], files["bad_l4"] = int(m.group(1)), int(m.group(2))
        wires = ["--wire", "pcap:%s:%s" % (files["in"], files["out"]), "--wire", "loop:1"]
        extra = ["--disable-device-start"]
        peer0 = "02:00:00:00:00:bb"
    elif args.mode == "rxonly-gen":
        gen = "gen:%d:%d:%d" % (GEN_LEN, GEN_FLOWS, args.gen_frames)
        wires = ["--wire", gen, "--wire", gen]
        extra = ["--rxq=%d" % GEN_RXQ, "--txq=%d" % GEN_RXQ, "--rxd=%d" % GEN_RXD,
                 "--rss-udp"]
    argv = [args.softnic_run, "--ports", "2"] + wires + ["--mac", mac0, "--mac", mac1,
            "--ctl", ctl_path, "--",
            args.testpmd, "--no-huge", "-m", "1024", "--iova-mode=va", "--no-telemetry",
            "--file-prefix=mana-e2e-%s-%d" % (args.mode, os.getpid()),
            "-l" if ncpu >= 2 else "--lcores", lcores,
            "-d", args.pmd, "-a", "7870:00:00.0,mac=%s,mac=%s" % (mac0, mac1),
            "--", "-i", "--forward-mode=" + fwd, "--nb-cores=1", "--no-flush-rx",
            "--eth-peer=0,%s" % peer0, "--eth-peer=1,%s" % mac0] + extra
    print("e2e %s: %s" % (args.mode, " ".join(argv)), flush=True)
    print("e2e %s: testpmd transcript in %s" % (args.mode, log_path), flush=True)
    with open(log_path, "w") as log:
        tp = Testpmd(argv, log)
        try:
            tp.expect(re.escape(PROMPT), 60)
            res.check(True, "%s: testpmd started with the PMD on the soft-NIC" % args.mode)
            info = tp.cmd("show port info all")
            res.check(info.count("Driver name: net_mana") == 2,
                      "%s: two ports driven by net_mana" % args.mode)
            if args.mode == "csum":
                setup_csum(tp, res)
            if args.mode == "rxonly":
                run_rxonly(tp, res, ctl_path, args)
            elif args.mode == "txonly":
                run_txonly(tp, res, ctl_path, args)
            elif args.mode == "csum-wire":
                run_csum_wire(tp, res, ctl_path, args, files)
            elif args.mode == "rxonly-gen":
                run_rxonly_gen(tp, res, ctl_path, args)
            else:
                circulate(tp, res, ctl_path, args, args.mode)
            xs = tp.cmd("show port xstats 1").replace(PROMPT, "").strip()
            print("\n".join(ln for ln in xs.splitlines()[1:] if not ln.endswith(": 0")))
            rc = tp.quit()
            res.check(rc == 0, "%s: testpmd quit cleanly (exit status %d)" % (args.mode, rc))
        except Fail as e:
            res.check(False, "%s: %s (see %s)" % (args.mode, e, log_path))
            tp.kill()
        except (OSError, KeyError) as e:
            res.check(False, "%s: %r (see %s)" % (args.mode, e, log_path))
            tp.kill()
    if args.mode == "csum-wire" and os.path.exists(files["out"]):
        chk = subprocess.run([args.pcap_tool, "check", files["in"], files["out"], mac0, peer0],
                             capture_output=True, text=True)
        print(chk.stdout.strip())
        res.check(chk.returncode == 0,
                  "csum-wire: every frame on port 0's wire is the input frame with MACs "
                  "rewritten and all checksums computed by the TX offloads, byte for byte")
    elif args.mode == "csum-wire":
        res.check(False, "csum-wire: no capture written by port 0")
    if res.failed:
        with open(log_path) as f:
            tail = f.read()[-6000:]
        print("---- last part of the testpmd transcript ----\n" + tail)
    print("%d passed, %d failed" % (res.passed, res.failed), flush=True)
    return 0 if res.failed == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
