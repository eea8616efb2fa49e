#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
"""Benchmark driver behind bench/bench.sh (issue 4, and issue 2's device-model
benchmark).  See `bench/bench.sh --help` and doc/performance.md.

Sections
  throughput  Debian's dpdk-testpmd, one forwarding core, modes io/mac/txonly/
              rxonly x frames 64/128/512/1518 B x 1/2 queues, on the net_mana
              PMD over the soft-NIC (loop wire) and on the reference PMDs
              net_null, net_ring and net_memif (two testpmd processes, copy
              mode), runs interleaved so every ratio compares figures taken at
              the same moment.  net_mana rxonly is fed by the soft-NIC's
              traffic-generator wire (gen:<len>:<flows>, endless).
  scaling     io, 64 B, 1 queue: burst 8/32/64 x ring 64/256.
  icount      callgrind instruction counts of a fixed io-forwarding workload
              (bench/mana_icount.c): instructions per packet inside the PMD's
              RX and TX burst functions, and the soft-NIC device thread's own;
              net_memif with a dpdk-testpmd peer (not under valgrind)
              forwarding between the two memif interfaces.
  device      soft-NIC device model alone (bench/sn_rawbench.c): 64-byte
              frames over a loop wire, raw-verbs poller on the other core,
              coalescing on and off.

Nothing here passes or fails on time.  --smoke checks only that a short run
produces a well-formed table with non-zero figures.
"""

import argparse
import csv
import datetime
import json
import os
import platform
import re
import shlex
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

TOP = Path(__file__).resolve().parent.parent
TESTPMD = shutil.which("dpdk-testpmd") or "/usr/bin/dpdk-testpmd"
PROMPT = "testpmd> "

ALL_PMDS = ["mana", "null", "ring", "memif"]
REF_PMDS = ["null", "ring", "memif"]
ALL_MODES = ["io", "mac", "txonly", "rxonly"]
ALL_SIZES = [64, 128, 512, 1518]
ALL_QUEUES = [1, 2]
SCALE_BURSTS = [8, 32, 64]
SCALE_RINGS = [64, 256]
FCS = 4

PMD_LABEL = {
    "mana": "net_mana (soft-NIC)",
    "null": "net_null",
    "ring": "net_ring",
    "memif": "net_memif (copy)",
}

# Published figures, not measured here (issue 4, item 5).
PUBLISHED = [
    ("MANA hardware, 1 receive core", "~9.8 Mpps", "64-byte packets, dpdk-testpmd, DPDK 25.11"),
    ("MANA hardware, 8 queues", "~48 Mpps", "64-byte packets, dpdk-testpmd, DPDK 25.11"),
]


class BenchError(Exception):
    """A run that produced no usable figure (the message says why)."""


def log(msg):
    print(f"[bench] {msg}", flush=True)


# --------------------------------------------------------------------------
# Environment: build products, machine description
# --------------------------------------------------------------------------

class Build:
    """Paths of the project's build products used by the benchmarks."""

    def __init__(self, bdir):
        self.dir = Path(bdir).resolve()
        self.pmd = self.dir / "drivers/net/mana/librte_net_mana.so"
        self.softnic_run = self.dir / "softnic/tools/softnic-run"
        self.softnic_ctl = self.dir / "softnic/tools/softnic-ctl"
        self.icount = self.dir / "bench/mana-bench-icount"
        self.rawbench = self.dir / "bench/softnic-rawbench"

    def have_mana(self):
        return self.pmd.is_file() and os.access(self.softnic_run, os.X_OK)

    def have_softnic(self):
        return os.access(self.softnic_run, os.X_OK)

    def missing_mana(self):
        miss = [str(p) for p in (self.pmd, self.softnic_run) if not p.exists()]
        return ", ".join(miss)

    def gen_wire_error(self):
        """None if softnic-run accepts the traffic-generator wire
        (`--wire gen:<len>[:<flows>[:<count>]]`), else why not (cached)."""
        if not hasattr(self, "_gen_err"):
            self._gen_err = None
            try:
                cp = subprocess.run([str(self.softnic_run), "--ports", "2", "--wire", "gen:60:2",
                                     "--", "true"], capture_output=True, text=True, timeout=30)
                if cp.returncode != 0:
                    last = (cp.stderr.strip().splitlines() or [f"exit {cp.returncode}"])[-1]
                    self._gen_err = f"softnic-run has no gen: wire ({last})"
            except (OSError, subprocess.SubprocessError) as e:
                self._gen_err = f"softnic-run --wire gen: check failed: {e}"
        return self._gen_err


def _cmd_out(argv):
    try:
        return subprocess.run(argv, capture_output=True, text=True, timeout=20).stdout.strip()
    except (OSError, subprocess.SubprocessError):
        return ""


def _dpkg_version(pkg):
    return _cmd_out(["dpkg-query", "-W", "-f=${Version}", pkg]) or "unknown"


def machine_description():
    """Return [(key, value)] describing the machine and software versions."""
    model = "unknown"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    hyper = ""
    for line in _cmd_out(["lscpu"]).splitlines():
        if line.startswith("Hypervisor vendor"):
            hyper = line.split(":", 1)[1].strip()
    try:
        if not hyper and re.search(r"^flags\s*:.*\bhypervisor\b",
                                   Path("/proc/cpuinfo").read_text(), re.M):
            hyper = "hypervisor not named"
    except OSError:
        pass
    mem_gib = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30
    commit = _cmd_out(["git", "-C", str(TOP), "rev-parse", "--short", "HEAD"]) or "unknown"
    dirty = _cmd_out(["git", "-C", str(TOP), "status", "--porcelain", "--untracked-files=no"])
    if dirty:
        commit += " (with uncommitted changes)"
    return [
        ("CPU", model + (f" (virtualised: {hyper})" if hyper else "")),
        ("Cores", str(os.cpu_count())),
        ("Memory", f"{mem_gib:.1f} GiB"),
        ("Kernel", platform.release()),
        ("OS", _cmd_out(["sh", "-c", ". /etc/os-release && echo $PRETTY_NAME"]) or "unknown"),
        ("DPDK", _dpkg_version("libdpdk-dev") + " (Debian dpdk-testpmd)"),
        ("rdma-core", _dpkg_version("rdma-core")),
        ("Valgrind", _cmd_out(["valgrind", "--version"]) or "not installed"),
        ("Compiler", (_cmd_out(["cc", "--version"]).splitlines() or ["unknown"])[0]),
        ("Project commit", commit),
        ("Load average at start", " ".join(Path("/proc/loadavg").read_text().split()[:3])),
    ]


# --------------------------------------------------------------------------
# Processes
# --------------------------------------------------------------------------

class Proc:
    """One interactive dpdk-testpmd (possibly behind softnic-run), fed commands
    on stdin; its merged stdout/stderr go to a log file."""

    def __init__(self, name, argv, logpath, env=None):
        self.name = name
        self.argv = argv
        self.logpath = logpath
        self.logf = open(logpath, "wb")
        self.p = subprocess.Popen(argv, stdin=subprocess.PIPE, stdout=self.logf,
                                  stderr=subprocess.STDOUT, start_new_session=True,
                                  env=env)

    def text(self):
        try:
            return Path(self.logpath).read_text(errors="replace")
        except OSError:
            return ""

    def prompts(self):
        return self.text().count(PROMPT)

    def wait_prompts(self, n, timeout):
        """Wait until the log holds at least n prompts (bounded)."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.prompts() >= n:
                return
            if self.p.poll() is not None:
                raise BenchError(f"{self.name} exited with status {self.p.returncode} "
                                 f"(log {self.logpath}): {self.tail()}")
            time.sleep(0.05)
        raise BenchError(f"{self.name}: no prompt within {timeout:.0f} s (log {self.logpath}): "
                         f"{self.tail()}")

    def cmd(self, line, timeout=30.0):
        """Send one command and wait for the next prompt."""
        n = self.prompts()
        try:
            self.p.stdin.write((line + "\n").encode())
            self.p.stdin.flush()
        except (BrokenPipeError, OSError) as e:
            raise BenchError(f"{self.name}: cannot send '{line}': {e}; {self.tail()}")
        self.wait_prompts(n + 1, timeout)

    def threads(self):
        """[(pid, tid, comm, cpus)] of every thread of this process tree."""
        out, todo, seen = [], [self.p.pid], set()
        while todo:
            pid = todo.pop()
            if pid in seen:
                continue
            seen.add(pid)
            tdir = Path(f"/proc/{pid}/task")
            try:
                tids = sorted(int(t.name) for t in tdir.iterdir())
            except OSError:
                continue
            for tid in tids:
                try:
                    comm = (tdir / str(tid) / "comm").read_text().strip()
                    st = (tdir / str(tid) / "status").read_text()
                    cpus = re.search(r"Cpus_allowed_list:\s*(\S+)", st).group(1)
                    kids = (tdir / str(tid) / "children").read_text().split()
                except (OSError, AttributeError):
                    continue
                out.append((pid, tid, comm, cpus))
                todo.extend(int(k) for k in kids)
        return out

    def tail(self, lines=6):
        t = [ln for ln in self.text().splitlines() if ln.strip() and ln.strip() != PROMPT.strip()]
        return " | ".join(t[-lines:])

    def finish(self, timeout=30.0):
        """Quit (if still running) and reap; kill our own process group on
        timeout.  Returns the exit status."""
        if self.p.poll() is None:
            try:
                self.p.stdin.write(b"quit\n")
                self.p.stdin.flush()
            except (BrokenPipeError, OSError):
                pass
        try:
            self.p.stdin.close()
        except (BrokenPipeError, OSError):
            pass
        try:
            self.p.wait(timeout)
        except subprocess.TimeoutExpired:
            for sig in (signal.SIGTERM, signal.SIGKILL):
                try:
                    os.killpg(self.p.pid, sig)
                except ProcessLookupError:
                    break
                try:
                    self.p.wait(5)
                    break
                except subprocess.TimeoutExpired:
                    continue
        self.logf.close()
        return self.p.returncode


def run_capture(argv, timeout):
    """Run argv in a process group of its own and return CompletedProcess;
    on timeout (subprocess.TimeoutExpired re-raised) or interruption the
    whole group (e.g. softnic-run and the program it runs) is terminated."""
    p = subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                         start_new_session=True)
    try:
        out, err = p.communicate(timeout=timeout)
    except BaseException:
        _kill_group(p)
        p.communicate()
        raise
    return subprocess.CompletedProcess(argv, p.returncode, out, err)


# --------------------------------------------------------------------------
# testpmd runs
# --------------------------------------------------------------------------

class Cfg:
    """One testpmd configuration: forwarding mode, frame size (with FCS),
    queues per port, burst, descriptors per ring."""

    def __init__(self, mode, size, queues, burst=32, ring=256, section="throughput"):
        self.mode, self.size, self.queues = mode, size, queues
        self.burst, self.ring, self.section = burst, ring, section

    @property
    def pkt_len(self):
        return self.size - FCS

    def key(self):
        return (self.section, self.mode, self.size, self.queues, self.burst, self.ring)

    def __str__(self):
        return (f"{self.section}: {self.mode} {self.size}B q{self.queues} "
                f"burst {self.burst} ring {self.ring}")


def pmd_applicable(pmd, cfg, build):
    """None if the PMD can run cfg, else the reason it cannot."""
    if pmd == "ring" and cfg.mode in ("txonly", "rxonly"):
        return ("net_ring has no consumer for txonly and no producer for rxonly "
                "(its TX ring is its own RX ring)")
    if pmd == "mana":
        if not build.have_mana():
            return f"not built ({build.missing_mana()})"
        if cfg.mode == "rxonly" and build.gen_wire_error():
            return build.gen_wire_error()
    return None


# Row notes that explain how a figure is to be read (mode, pmd) -> text.
ROW_NOTES = {
    ("rxonly", "mana"): ("source: soft-NIC gen wire (gen:<len>:{flows}, {flows} UDP flows, "
                         "endless, --rss-udp with 2 queues); frames the PMD does not take are "
                         "dropped by the device (rx_drop_no_wqe), so Mpps is what the PMD "
                         "consumes and cycles/pkt (busy cycles ÷ frames received) is the PMD's "
                         "RX cost; with RX empty polls near 100 % the device model (CPU 0) sets "
                         "the rate and each busy poll takes only a few frames"),
    ("rxonly", "memif"): "source: peer testpmd txonly",
    ("rxonly", "null"): "source: net_null RX allocates the frames",
}


class Runner:
    def __init__(self, args, build, outdir):
        self.args = args
        self.build = build
        self.outdir = outdir
        self.logdir = outdir / "logs"
        self.logdir.mkdir(parents=True, exist_ok=True)
        self.seq = 0
        self.prefixes = []      # EAL --file-prefix values to clean up
        self.sockdir = Path(tempfile.mkdtemp(prefix="bench-memif-"))

    # -- command lines ----------------------------------------------------

    def _eal(self, prefix, main_lcore):
        self.prefixes.append(prefix)
        return ["-l", "0,1", "--main-lcore", str(main_lcore), "--no-huge",
                "-m", str(self.args.mem), "--file-prefix", prefix,
                "--log-level=lib.eal:error"]

    def _app(self, cfg, mode):
        a = ["-i", "--nb-cores=1", f"--rxq={cfg.queues}", f"--txq={cfg.queues}",
             f"--rxd={cfg.ring}", f"--txd={cfg.ring}", f"--burst={cfg.burst}",
             f"--txpkts={cfg.pkt_len}", f"--forward-mode={mode}",
             f"--total-num-mbufs={self.args.mbufs}",
             "--record-core-cycles", "--record-burst-stats"]
        if cfg.queues > 1:
            a.append("--txonly-multi-flow")
            if cfg.mode == "rxonly":
                # The soft-NIC generator's flows differ only in the UDP
                # source port: hash on it (testpmd's default, RSS_IP, is
                # the 2-tuple and would put them all on one queue).
                a.append("--rss-udp")
        return a

    def _testpmd(self):
        return ["stdbuf", "-oL", TESTPMD] if shutil.which("stdbuf") else [TESTPMD]

    def _procs(self, pmd, cfg, tag):
        """Return [(name, argv, role)] in start order; role main or peer."""
        pfx = f"bench{os.getpid()}-{tag}"
        if pmd == "null":
            vdev = [f"--vdev=net_null{i},size={cfg.pkt_len}" for i in range(2)]
            return [("main", self._testpmd() + self._eal(pfx, 0) + ["--no-pci"] + vdev +
                     ["--"] + self._app(cfg, cfg.mode), "main")]
        if pmd == "ring":
            vdev = [f"--vdev=net_ring{i}" for i in range(2)]
            return [("main", self._testpmd() + self._eal(pfx, 0) + ["--no-pci"] + vdev +
                     ["--"] + self._app(cfg, cfg.mode), "main")]
        if pmd == "memif":
            sock = str(self.sockdir / f"memif-{tag}.sock")
            rsize = max(1, (cfg.ring - 1).bit_length())
            def vdevs(role):
                return [f"--vdev=net_memif{i},role={role},id={i},socket={sock},"
                        f"rsize={rsize},zero-copy=no" for i in range(2)]
            peer_mode = {"io": "io", "mac": "io", "txonly": "rxonly", "rxonly": "txonly"}[cfg.mode]
            main = self._testpmd() + self._eal(pfx + "a", 0) + ["--no-pci"] + vdevs("server") + \
                ["--"] + self._app(cfg, cfg.mode)
            peer = self._testpmd() + self._eal(pfx + "b", 1) + ["--no-pci"] + vdevs("client") + \
                ["--"] + self._app(cfg, peer_mode)
            return [("main", main, "main"), ("peer", peer, "peer")]
        if pmd == "mana":
            # txonly: the device discards TX frames; rxonly: an endless
            # generator (gen:<len>:<flows>) per port, frames addressed to the
            # port's MAC, several flows so that RSS feeds every queue.
            wire = {"txonly": "null",
                    "rxonly": f"gen:{cfg.pkt_len}:{self.args.gen_flows}"}.get(cfg.mode, "loop")
            macs = [f"00:15:5d:00:00:0{i + 1}" for i in range(2)]
            dev = "7870:00:00.0," + ",".join(f"mac={m}" for m in macs)
            run = [str(self.build.softnic_run), "--ports", "2", "--wire", wire,
                   "--coalesce", self.args.coalesce]
            for m in macs:
                run += ["--mac", m]
            eal = self._eal(pfx, 0) + ["-d", str(self.build.pmd), "--iova-mode=va", "-a", dev]
            return [("main", run + ["--"] + self._testpmd() + eal + ["--"] +
                     self._app(cfg, cfg.mode), "main")]
        raise ValueError(pmd)

    # -- one run ------------------------------------------------------------

    def run_testpmd(self, pmd, cfg, run_idx):
        """Run cfg once on pmd; return a dict of figures or raise BenchError."""
        self.seq += 1
        tag = f"{self.seq:04d}"
        base = f"{tag}-{pmd}-{cfg.section}-{cfg.mode}-{cfg.size}-q{cfg.queues}-b{cfg.burst}-r{cfg.ring}-run{run_idx}"
        specs = self._procs(pmd, cfg, tag)
        procs = []
        a = self.args
        try:
            for name, argv, role in specs:
                p = Proc(f"{pmd}/{name}", argv, self.logdir / f"{base}-{name}.log")
                procs.append((p, role))
                p.wait_prompts(1, a.start_timeout)
            main = next(p for p, r in procs if r == "main")
            peers = [p for p, r in procs if r == "peer"]
            with open(self.logdir / f"{base}-threads.txt", "w") as tf:
                for p, _ in procs:
                    for pid, tid, comm, cpus in p.threads():
                        tf.write(f"{p.name} pid {pid} tid {tid} {comm} cpus {cpus}\n")
            if peers:
                time.sleep(a.link_wait)       # memif: let the control channel connect
            for p in peers:
                p.cmd("start")
            seeded = cfg.mode in ("io", "mac") and pmd != "null"
            main.cmd(f"start tx_first {a.seed_bursts}" if seeded else "start")
            time.sleep(a.warmup)
            main.cmd("clear fwd stats all")
            main.cmd("show port stats all")
            t0 = time.monotonic()
            time.sleep(a.duration)
            main.cmd("show port stats all")
            window = time.monotonic() - t0
            main.cmd("stop", timeout=60)
            for p in peers:
                p.cmd("stop", timeout=60)
        except BaseException:
            # BenchError, or SIGINT/SIGTERM: never leave a testpmd behind.
            for p, _ in procs:
                p.finish(timeout=10)
            raise
        statuses = [p.finish(timeout=60) for p, _ in reversed(procs)]
        text = main.text()
        res = parse_testpmd(text, cfg)
        res["window_s"] = window
        res["log"] = str(main.logpath)
        if any(s not in (0, None) for s in statuses):
            log(f"  note: {pmd} exit statuses {statuses} (log {main.logpath})")
        return res

    def cleanup(self):
        for pfx in self.prefixes:
            d = Path("/var/run/dpdk") / pfx
            if d.is_dir():
                shutil.rmtree(d, ignore_errors=True)
        self.prefixes = []


_num = r"([0-9]+(?:\.[0-9]+)?)"


def parse_testpmd(text, cfg):
    """Figures of one testpmd session log.

    Rates come from the last `show port stats all` (testpmd's own TSC-timed
    "Throughput (since last show)"); CPU cycles/packet from the forward
    statistics printed by `stop` (--record-core-cycles: cycles of busy
    iterations of the forwarding core / packets received, or sent for txonly);
    burst spread from --record-burst-stats.
    """
    blocks = re.findall(r"NIC statistics for port\s+(\d+)\s+#+[ \t]*\n(.*?)\n[ \t]*#{20,}", text, re.S)
    if len(blocks) < 2:
        raise BenchError("no 'show port stats' output")
    ports = {}
    for port, body in blocks:           # later blocks overwrite earlier ones
        rx = re.search(r"Rx-pps:\s+(\d+)", body)
        tx = re.search(r"Tx-pps:\s+(\d+)", body)
        if rx and tx:
            ports[int(port)] = (int(rx.group(1)), int(tx.group(1)))
    if not ports:
        raise BenchError("no Rx-pps/Tx-pps figures")
    rx_pps = sum(v[0] for v in ports.values())
    tx_pps = sum(v[1] for v in ports.values())
    cyc = re.findall(r"CPU cycles/packet=" + _num + r" \(total cycles=(\d+) / total \w+ packets=(\d+)\) at (\d+) MHz", text)
    if not cyc:
        raise BenchError("no 'CPU cycles/packet' line (did the forwarding core see packets?)")
    cpp, cycles, pkts, mhz = cyc[-1]
    stop_part = text[text.rfind("Telling cores to stop"):] if "Telling cores to stop" in text else text
    acc = re.search(r"Accumulated forward statistics.*?RX-packets:\s+(\d+)\s+RX-dropped:\s+(\d+).*?"
                    r"TX-packets:\s+(\d+)\s+TX-dropped:\s+(\d+)", stop_part, re.S)
    bursts_total = bursts_empty = 0.0
    for line in re.findall(r"RX-bursts : (\d+) \[([^\]]*)\]", stop_part):
        total = int(line[0])
        bursts_total += total
        m = re.search(r"(\d+)% of 0 pkts", line[1])
        if m:
            bursts_empty += total * int(m.group(1)) / 100.0
    mpps = (tx_pps if cfg.mode == "txonly" else rx_pps) / 1e6
    res = {
        "mpps": mpps,
        "gbps": mpps * cfg.size * 8 / 1000.0,
        "cpp": float(cpp),
        "busy_cycles": int(cycles),
        "cycle_pkts": int(pkts),
        "tsc_mhz": int(mhz),
        "rx_pps": rx_pps,
        "tx_pps": tx_pps,
        "rx_pkts": int(acc.group(1)) if acc else 0,
        "rx_dropped": int(acc.group(2)) if acc else 0,
        "tx_pkts": int(acc.group(3)) if acc else 0,
        "tx_dropped": int(acc.group(4)) if acc else 0,
        "rx_empty_pct": 100.0 * bursts_empty / bursts_total if bursts_total else 0.0,
    }
    if res["mpps"] <= 0 or res["cpp"] <= 0:
        raise BenchError(f"zero figure (Mpps {res['mpps']:.3f}, cycles/packet {res['cpp']:.2f})")
    return res


# --------------------------------------------------------------------------
# Statistics and tables
# --------------------------------------------------------------------------

def summary(values):
    """(median, min, max, n) of a list of floats, or None if empty."""
    if not values:
        return None
    return (statistics.median(values), min(values), max(values), len(values))


def fmt(s, digits=2):
    if s is None:
        return "n/a"
    med, lo, hi, _ = s
    return f"{med:.{digits}f} [{lo:.{digits}f}–{hi:.{digits}f}]"


def md_table(header, rows):
    out = ["| " + " | ".join(header) + " |",
           "|" + "|".join("---" for _ in header) + "|"]
    for r in rows:
        # A "|" inside a cell (e.g. a log tail in a note) would split it.
        out.append("| " + " | ".join(str(c).replace("|", "\\|") for c in r) + " |")
    return "\n".join(out)


CSV_FIELDS = ["section", "mode", "frame_bytes", "queues", "burst", "ring", "pmd", "runs",
              "mpps_median", "mpps_min", "mpps_max", "gbps_median",
              "cycles_per_pkt_median", "cycles_per_pkt_min", "cycles_per_pkt_max",
              "rx_empty_poll_pct_median", "ratio_mana_over_pmd_cpp_median",
              "ratio_mana_over_pmd_cpp_min", "ratio_mana_over_pmd_cpp_max", "note"]


class Results:
    def __init__(self):
        self.runs = {}       # (cfg.key(), pmd) -> [result or None per run]
        self.cfgs = {}       # cfg.key() -> cfg
        self.skipped = {}    # (cfg.key(), pmd) -> reason
        self.errors = {}     # (cfg.key(), pmd) -> [messages]
        self.icount = []     # dicts
        self.device = []     # dicts
        self.notes = []
        self.row_notes = {}  # (mode, pmd) -> note shown with that PMD's figures

    def set_row_notes(self, args):
        """Fill row_notes from ROW_NOTES for this run's options."""
        self.row_notes = {k: v.format(flows=args.gen_flows) for k, v in ROW_NOTES.items()}

    def add(self, cfg, pmd, run_idx, res):
        self.cfgs[cfg.key()] = cfg
        self.runs.setdefault((cfg.key(), pmd), []).append(res)

    def figures(self, key, pmd, field):
        return [r[field] for r in self.runs.get((key, pmd), []) if r is not None]

    def ratio_runs(self, key, pmd, field="cpp"):
        """mana/pmd ratio per run index (both measured in the same round)."""
        a = self.runs.get((key, "mana"), [])
        b = self.runs.get((key, pmd), [])
        return [x[field] / y[field] for x, y in zip(a, b)
                if x is not None and y is not None and y[field] > 0]

    def rows(self, section, pmds):
        """[(cfg, pmd, reason skipped or None)] of a section, in run order."""
        rows = []
        for key, cfg in self.cfgs.items():
            if cfg.section != section:
                continue
            for pmd in pmds:
                k = (key, pmd)
                if k in self.skipped:
                    rows.append((cfg, pmd, self.skipped[k]))
                elif k in self.runs:
                    rows.append((cfg, pmd, None))
        return rows

    def csv_rows(self, pmds):
        out = []
        for section in ("throughput", "scaling"):
            for cfg, pmd, skip in self.rows(section, pmds):
                key = cfg.key()
                mp = summary(self.figures(key, pmd, "mpps"))
                cp = summary(self.figures(key, pmd, "cpp"))
                gb = summary(self.figures(key, pmd, "gbps"))
                em = summary(self.figures(key, pmd, "rx_empty_pct"))
                rt = summary(self.ratio_runs(key, pmd)) if pmd != "mana" else None
                errs = self.errors.get((key, pmd), [])
                note = skip or "; ".join(
                    x for x in [self.row_notes.get((cfg.mode, pmd), "") if mp else "",
                                f"{len(errs)} failed run(s): {errs[0]}" if errs else ""] if x)
                out.append({
                    "section": section, "mode": cfg.mode, "frame_bytes": cfg.size,
                    "queues": cfg.queues, "burst": cfg.burst, "ring": cfg.ring, "pmd": pmd,
                    "runs": mp[3] if mp else 0,
                    "mpps_median": f"{mp[0]:.3f}" if mp else "",
                    "mpps_min": f"{mp[1]:.3f}" if mp else "",
                    "mpps_max": f"{mp[2]:.3f}" if mp else "",
                    "gbps_median": f"{gb[0]:.3f}" if gb else "",
                    "cycles_per_pkt_median": f"{cp[0]:.2f}" if cp else "",
                    "cycles_per_pkt_min": f"{cp[1]:.2f}" if cp else "",
                    "cycles_per_pkt_max": f"{cp[2]:.2f}" if cp else "",
                    "rx_empty_poll_pct_median": f"{em[0]:.1f}" if em else "",
                    "ratio_mana_over_pmd_cpp_median": f"{rt[0]:.3f}" if rt else "",
                    "ratio_mana_over_pmd_cpp_min": f"{rt[1]:.3f}" if rt else "",
                    "ratio_mana_over_pmd_cpp_max": f"{rt[2]:.3f}" if rt else "",
                    "note": note,
                })
        return out


ICOUNT_FIELDS = ["pmd", "rx_instr_per_pkt", "tx_instr_per_pkt", "instr_per_empty_rx_poll",
                 "ratio_mana_over_pmd_rx", "ratio_mana_over_pmd_tx", "device_instr_per_pkt",
                 "identical_repeats", "note"]
DEVICE_FIELDS = ["coalesce", "runs", "mpps_median", "mpps_min", "mpps_max",
                 "frames_per_rx_cqe_median", "frames_lost_median", "note"]


def icount_csv_rows(res):
    return [{"pmd": r["pmd"], "rx_instr_per_pkt": r.get("rx_ipp", ""),
             "tx_instr_per_pkt": r.get("tx_ipp", ""), "instr_per_empty_rx_poll": r.get("empty_ipc", ""),
             "ratio_mana_over_pmd_rx": r.get("rx_ratio", ""), "ratio_mana_over_pmd_tx": r.get("tx_ratio", ""),
             "device_instr_per_pkt": r.get("device_ipp", ""), "identical_repeats": r.get("repeatable", ""),
             "note": r.get("note", "")} for r in res.icount]


def device_csv_rows(res):
    out = []
    for r in res.device:
        m, c = r.get("mpps_s"), r.get("ppc_s")
        out.append({"coalesce": r["coalesce"], "runs": m[3] if m else 0,
                    "mpps_median": f"{m[0]:.3f}" if m else "", "mpps_min": f"{m[1]:.3f}" if m else "",
                    "mpps_max": f"{m[2]:.3f}" if m else "",
                    "frames_per_rx_cqe_median": f"{c[0]:.2f}" if c else "",
                    "frames_lost_median": r.get("lost", ""), "note": r.get("note", "")})
    return out


def write_csv(path, fields, rows):
    with open(path, "w", newline="") as f:
        w = csv.DictWriter(f, fieldnames=fields)
        w.writeheader()
        for r in rows:
            w.writerow(r)


def render_markdown(res, args, machine, pmds, command, started, elapsed):
    L = []
    L.append(f"## Results of {started:%Y-%m-%d %H:%M} UTC"
             + (" (smoke run: too short to quote)" if args.smoke else ""))
    L.append("")
    L.append("Command (from the repository root):")
    L.append("")
    L.append("```")
    L.append(command)
    L.append("```")
    L.append("")
    L.append(md_table(["Machine", ""], machine))
    L.append("")
    L.append(f"Each figure: median [min–max] of {args.runs} runs (separate testpmd processes, "
             f"the PMDs interleaved run by run), {args.duration:g} s measurement window after "
             f"{args.warmup:g} s warm-up. Frame sizes include the 4-byte FCS (testpmd "
             f"`--txpkts` = size − 4); Gbit/s = Mpps × frame size × 8. "
             f"Cycles/packet: testpmd `--record-core-cycles` (TSC cycles of the forwarding "
             f"core's busy iterations ÷ packets received, or sent for txonly). "
             f"Ratio = net_mana cycles/packet ÷ that PMD's, computed per run round "
             f"(> 1: net_mana on the soft-NIC costs more per packet). Wall time {elapsed/60:.1f} min.")
    L.append("")
    summary_rows = []
    by_key = {}
    for r in res.csv_rows(pmds):
        if r["section"] == "throughput":
            by_key.setdefault((r["mode"], r["frame_bytes"], r["queues"]), {})[r["pmd"]] = r
    for (mode, size, q), d in by_key.items():
        m = d.get("mana")
        if m is None or m["runs"] == 0:
            continue
        row = [mode, size, q, m["mpps_median"], m["cycles_per_pkt_median"]]
        for ref in REF_PMDS:
            if ref not in pmds:
                continue
            x = d.get(ref)
            row.append(f"{x['ratio_mana_over_pmd_cpp_median']} ({x['cycles_per_pkt_median']})"
                       if x and x["ratio_mana_over_pmd_cpp_median"] else "n/a")
        summary_rows.append(row)
    if summary_rows:
        L.append("### At a glance: net_mana cycles/packet ÷ reference PMD (reference's cycles/packet)")
        L.append("")
        L.append(md_table(["Mode", "Frame B", "Queues", "net_mana Mpps", "net_mana cycles/pkt"] +
                          [f"÷ {PMD_LABEL[p]}" for p in REF_PMDS if p in pmds], summary_rows))
        L.append("")
    for section, title in (("throughput", "testpmd throughput, one forwarding core"),
                           ("scaling", "Scaling: io, 64 B, 1 queue, burst × ring")):
        rows = []
        for r in res.csv_rows(pmds):
            if r["section"] != section:
                continue
            if r["runs"] == 0:
                mpps = cpp = gbps = empty = "n/a"
            else:
                mpps = f"{r['mpps_median']} [{r['mpps_min']}–{r['mpps_max']}]"
                cpp = f"{r['cycles_per_pkt_median']} [{r['cycles_per_pkt_min']}–{r['cycles_per_pkt_max']}]"
                gbps = r["gbps_median"]
                empty = r["rx_empty_poll_pct_median"]
            ratio = (f"{r['ratio_mana_over_pmd_cpp_median']} [{r['ratio_mana_over_pmd_cpp_min']}–"
                     f"{r['ratio_mana_over_pmd_cpp_max']}]"
                     if r["ratio_mana_over_pmd_cpp_median"] else ("—" if r["pmd"] == "mana" else "n/a"))
            lead = ([r["mode"], r["frame_bytes"], r["queues"]] if section == "throughput"
                    else [r["burst"], r["ring"]])
            rows.append(lead + [PMD_LABEL[r["pmd"]], mpps, gbps, cpp, empty, ratio, r["note"]])
        if not rows:
            continue
        lead_h = ["Mode", "Frame B", "Queues"] if section == "throughput" else ["Burst", "Ring"]
        L.append(f"### {title}")
        L.append("")
        L.append(md_table(lead_h + ["PMD", "Mpps", "Gbit/s", "cycles/pkt", "RX empty polls %",
                                    "mana ÷ PMD cycles/pkt", "Note"], rows))
        L.append("")
    if res.icount:
        L.append("### Instruction counts (callgrind, exact for a given binary)")
        L.append("")
        L.append(f"Workload: bench/mana_icount.c io-forwarding {args.icount_packets} frames of "
                 f"64 B (60 + FCS) in bursts of 32 between ports 0 and 1, 256 descriptors; "
                 f"`valgrind --tool=callgrind --collect-atstart=no --toggle-collect=bench_*`; "
                 f"inclusive instructions of the PMD burst functions (+ ~10 instructions of "
                 f"DPDK's inline ethdev wrapper) ÷ frames. Repeated "
                 f"{args.icount_repeats}× to show they are exact.")
        L.append("")
        rows = []
        for r in res.icount:
            rows.append([PMD_LABEL.get(r["pmd"], r["pmd"]), r.get("rx_ipp", "n/a"),
                         r.get("tx_ipp", "n/a"), r.get("empty_ipc", "n/a"),
                         r.get("rx_ratio", "—"), r.get("tx_ratio", "—"),
                         r.get("device_ipp", "—"), r.get("repeatable", ""), r.get("note", "")])
        L.append(md_table(["PMD", "RX instr/pkt", "TX instr/pkt", "instr per empty RX poll",
                           "mana ÷ PMD (RX)", "mana ÷ PMD (TX)", "soft-NIC device instr/pkt",
                           "identical repeats", "Note"], rows))
        L.append("")
        funcs = [r for r in res.icount if r.get("functions")]
        for r in funcs:
            L.append(f"Inclusive instructions per frame in {PMD_LABEL.get(r['pmd'], r['pmd'])} "
                     f"functions (callgrind inclusive cost ÷ frames, empty polls not subtracted; "
                     f"refill is part of the RX burst, reap of the TX burst): "
                     + ", ".join(f"`{f}` {v}" for f, v in r["functions"]))
            L.append("")
    if res.device:
        L.append("### Soft-NIC device model alone (raw-verbs poller, issue 2)")
        L.append("")
        L.append("bench/sn_rawbench.c under softnic-run: 64-byte frames (60 + FCS) from port 1 "
                 "to port 2 over the loop wire; the poller (posting TX WQEs, polling CQEs, "
                 "re-posting RX WQEs) pinned to CPU 1, every other thread (the device thread) "
                 "to CPU 0. Mpps = frames received per second. Target ≥ 10 Mpps.")
        L.append("")
        rows = []
        for r in res.device:
            rows.append([r["coalesce"], fmt(r.get("mpps_s"), 3), fmt(r.get("ppc_s"), 2),
                         r.get("lost", ""), r.get("note", "")])
        L.append(md_table(["Coalescing", "Mpps", "frames per RX CQE", "frames lost (median)", "Note"], rows))
        L.append("")
    L.append("### Published reference figures (NOT measured here)")
    L.append("")
    L.append("Reported elsewhere for real MANA hardware; shown only as a point of reference, not "
             "comparable with the soft-NIC figures above (different machine, device, DPDK).")
    L.append("")
    L.append(md_table(["Setup", "Figure", "Conditions"], PUBLISHED))
    L.append("")
    if res.notes:
        L.append("Notes: " + " ".join(res.notes))
        L.append("")
    return "\n".join(L)


# --------------------------------------------------------------------------
# Sections
# --------------------------------------------------------------------------

def section_testpmd(runner, res, cfgs, pmds, args, build):
    total = len(cfgs) * args.runs
    done = 0
    for cfg in cfgs:
        active = []
        for pmd in pmds:
            why = pmd_applicable(pmd, cfg, build)
            if why:
                res.skipped[(cfg.key(), pmd)] = why
                res.cfgs[cfg.key()] = cfg
            else:
                active.append(pmd)
        for i in range(args.runs):
            done += 1
            log(f"[{done}/{total}] {cfg} run {i + 1}/{args.runs}: {', '.join(active)}")
            for pmd in active:
                r = None
                for attempt in range(2):
                    try:
                        r = runner.run_testpmd(pmd, cfg, i)
                        break
                    except BenchError as e:
                        msg = str(e)
                        log(f"  {pmd}: run failed ({'retrying' if attempt == 0 else 'giving up'}): {msg}")
                        if attempt == 1:
                            res.errors.setdefault((cfg.key(), pmd), []).append(msg[:200])
                    finally:
                        runner.cleanup()
                res.add(cfg, pmd, i, r)
                if r:
                    log(f"  {pmd:6s} {r['mpps']:8.3f} Mpps  {r['cpp']:8.2f} cycles/pkt  "
                        f"empty polls {r['rx_empty_pct']:.0f}%")


def parse_callgrind(path):
    """Inclusive Ir per function name from callgrind_annotate --inclusive=yes."""
    out = subprocess.run(["callgrind_annotate", "--inclusive=yes", "--threshold=100", str(path)],
                         capture_output=True, text=True, timeout=300).stdout
    funcs = {}
    for m in re.finditer(r"^\s*([\d,]+)\s+\([^)]*\)\s+(\S+?):(\w+) \[", out, re.M):
        ir = int(m.group(1).replace(",", ""))
        name = m.group(3)
        funcs[name] = max(funcs.get(name, 0), ir)
    total = re.search(r"^\s*([\d,]+)\s+\([^)]*\)\s+PROGRAM TOTALS", out, re.M)
    return funcs, int(total.group(1).replace(",", "")) if total else 0


def callgrind_calls(path):
    """{(caller, callee): calls} from a raw callgrind output file (calls are
    recorded only where collection was on, i.e. inside toggled functions)."""
    names, calls = {}, {}
    fn = cfn = None
    with open(path, errors="replace") as f:
        for line in f:
            if line.startswith(("fn=", "cfn=")):
                key, val = line.rstrip("\n").split("=", 1)
                m = re.match(r"\((\d+)\)(?: (.*))?$", val)
                if m:
                    if m.group(2):
                        names[m.group(1)] = m.group(2)
                    name = names.get(m.group(1), m.group(1))
                else:
                    name = val
                if key == "fn":
                    fn = name
                else:
                    cfn = name
            elif line.startswith("calls=") and cfn is not None:
                n = int(line[6:].split()[0])
                calls[(fn, cfn)] = calls.get((fn, cfn), 0) + n
    return calls


# Soft-NIC device-thread functions collected by callgrind (not nested in one
# another: --toggle-collect flips collection at every entry and exit).
# sn_tx_process: SQ WQEs -> frames -> wire, TX CQEs; sn_rx_poll: wire -> RSS
# -> RQ WQE -> scatter -> CQE (the per-frame code is inlined into it); it is
# also called once per device iteration while idle, which is subtracted;
# sn_rx_flush_all: writes the open (coalesced) RX CQEs.
DEVICE_FUNCS = "sn_tx_process,sn_rx_poll,sn_rx_flush_all"


ICOUNT_RING = 256     # descriptors per ring of the icount workload (memif rsize 8)


def memif_vdevs(role, sock, ring):
    """--vdev arguments of net_memif0/1 (ids 0 and 1 on one socket), copy
    mode, rsize = log2(ring)."""
    rsize = max(1, (ring - 1).bit_length())
    return [f"--vdev=net_memif{i},role={role},id={i},socket={sock},rsize={rsize},zero-copy=no"
            for i in range(2)]


def memif_peer_argv(runner, args, prefix, sock):
    """The memif client peer of the icount workload: Debian's dpdk-testpmd,
    not under valgrind, io-forwarding its net_memif0 <-> net_memif1 (a cable
    loop: what the measured process sends on its port 0 comes back on its
    port 1 and vice versa).  Forwarding lcore CPU 1 (the measured process
    runs on CPU 0); --auto-start, so it forwards once its prompt is shown."""
    return runner._testpmd() + runner._eal(prefix, 0) + ["--no-pci"] + \
        memif_vdevs("client", sock, ICOUNT_RING) + \
        ["--", "-i", "--auto-start", "--nb-cores=1", "--rxq=1", "--txq=1",
         f"--rxd={ICOUNT_RING}", f"--txd={ICOUNT_RING}", "--burst=32", "--forward-mode=io",
         f"--total-num-mbufs={args.mbufs}"]


def icount_argv(pmd, build, args, prefix, outfile, packets, memif=None):
    vg = ["valgrind", "--tool=callgrind", "--collect-atstart=no",
          "--toggle-collect=bench_rx", "--toggle-collect=bench_tx",
          "--toggle-collect=bench_rx_empty", "--separate-threads=yes",
          f"--callgrind-out-file={outfile}"]
    eal = ["--no-huge", "-m", "256", "--file-prefix", prefix, "-l", "0", "--log-level=lib.eal:error"]
    app = ["--", "--packets", str(packets), "--burst", "32", "--size", "60",
           "--ring", str(ICOUNT_RING)]
    if pmd == "null":
        return vg + [str(build.icount)] + eal + ["--no-pci", "--vdev=net_null0,size=60",
                                                  "--vdev=net_null1,size=60"] + app
    if pmd == "ring":
        return vg + [str(build.icount)] + eal + ["--no-pci", "--vdev=net_ring0", "--vdev=net_ring1"] + app
    if pmd == "memif":
        # The measured side is the memif server; --ready-file tells
        # icount_once when its ports are started (the client peer must not
        # connect earlier), --loop-probe waits until the peer forwards.
        sock, ready = memif
        return vg + [str(build.icount)] + eal + ["--no-pci"] + \
            memif_vdevs("server", sock, ICOUNT_RING) + app + \
            ["--ready-file", str(ready), "--loop-probe"]
    if pmd == "mana":
        vg += [f"--toggle-collect={f}" for f in args.device_funcs.split(",") if f]
        macs = [f"00:15:5d:00:00:0{i + 1}" for i in range(2)]
        dev = "7870:00:00.0," + ",".join(f"mac={m}" for m in macs)
        run = [str(build.softnic_run), "--ports", "2", "--wire", "loop", "--coalesce", args.coalesce]
        for m in macs:
            run += ["--mac", m]
        return run + ["--"] + vg + [str(build.icount)] + eal + \
            ["-d", str(build.pmd), "--iova-mode=va", "-a", dev] + app
    raise ValueError(pmd)


def _kill_group(p):
    """Terminate the process group of Popen p (its own session), then reap."""
    for sig in (signal.SIGTERM, signal.SIGKILL):
        try:
            os.killpg(p.pid, sig)
        except ProcessLookupError:
            break
        try:
            p.wait(5)
            break
        except subprocess.TimeoutExpired:
            continue
    try:
        p.wait(5)
    except subprocess.TimeoutExpired:
        pass


def run_with_memif_peer(argv, peer_argv, ready, cgdir, args):
    """Run the measured program argv (under valgrind) with a dpdk-testpmd
    memif client peer: start argv, wait (bounded by --start-timeout) until it
    creates the file ready (its memif server ports are started), start the
    peer, wait for the peer's prompt (it is forwarding by then), then wait
    for argv to finish (bounded by --icount-timeout).  The peer is always
    stopped and reaped (quit, then SIGTERM/SIGKILL of its process group),
    also on errors, timeouts and SIGINT/SIGTERM of bench.py; so is argv.
    Returns a CompletedProcess with argv's stdout/stderr; raises BenchError."""
    out_path, err_path = cgdir / "stdout.txt", cgdir / "stderr.txt"
    peer = None
    with open(out_path, "w") as fo, open(err_path, "w") as fe:
        p = subprocess.Popen(argv, stdout=fo, stderr=fe, stdin=subprocess.DEVNULL,
                             start_new_session=True)
    try:
        deadline = time.monotonic() + args.start_timeout
        while not ready.exists():
            if p.poll() is not None:
                raise BenchError(f"exited with status {p.returncode} before starting its "
                                 f"ports: {_last_err(err_path.read_text(errors='replace'))}")
            if time.monotonic() > deadline:
                raise BenchError(f"ports not started within {args.start_timeout:.0f} s "
                                 f"(no {ready})")
            time.sleep(0.05)
        peer = Proc("memif-peer", peer_argv, cgdir / "peer.log")
        peer.wait_prompts(1, args.start_timeout)
        try:
            p.wait(args.icount_timeout)
        except subprocess.TimeoutExpired:
            raise BenchError(f"timeout after {args.icount_timeout:.0f} s")
    finally:
        if p.poll() is None:
            _kill_group(p)
        if peer is not None:
            status = peer.finish(timeout=10)
            if status not in (0, None):
                log(f"  note: memif peer exit status {status} (log {peer.logpath})")
    return subprocess.CompletedProcess(argv, p.returncode, out_path.read_text(errors="replace"),
                                       err_path.read_text(errors="replace"))


def _last_err(stderr):
    """The last line of a program's stderr that is not valgrind's."""
    lines = [ln for ln in stderr.splitlines() if ln and not ln.startswith("==")]
    return lines[-1] if lines else ""


def icount_once(runner, pmd, build, args, packets, label):
    """One callgrind run: returns (kv, threads) where threads is a list of
    (inclusive Ir per function, calls per (caller, callee)) per thread file;
    raises BenchError.  net_memif runs with a dpdk-testpmd peer
    (run_with_memif_peer)."""
    runner.seq += 1
    tag = f"{runner.seq:04d}"
    prefix = f"bench{os.getpid()}-ic{tag}"
    runner.prefixes.append(prefix)
    cgdir = runner.logdir / f"{tag}-callgrind-{pmd}-{label}"
    cgdir.mkdir(parents=True, exist_ok=True)
    peer_argv = None
    if pmd == "memif":
        sock = runner.sockdir / f"memif-ic{tag}.sock"
        ready = runner.sockdir / f"memif-ic{tag}.ready"
        argv = icount_argv(pmd, build, args, prefix, cgdir / "cg.out", packets, (sock, ready))
        peer_argv = memif_peer_argv(runner, args, prefix + "p", sock)
    else:
        argv = icount_argv(pmd, build, args, prefix, cgdir / "cg.out", packets)
    (cgdir / "command.txt").write_text(
        " ".join(shlex.quote(a) for a in argv) + "\n" +
        ("peer: " + " ".join(shlex.quote(a) for a in peer_argv) + "\n" if peer_argv else ""))
    try:
        if peer_argv:
            cp = run_with_memif_peer(argv, peer_argv, ready, cgdir, args)
        else:
            try:
                cp = run_capture(argv, args.icount_timeout)
            except subprocess.TimeoutExpired:
                raise BenchError(f"timeout after {args.icount_timeout:.0f} s")
            (cgdir / "stdout.txt").write_text(cp.stdout)
            (cgdir / "stderr.txt").write_text(cp.stderr)
    finally:
        runner.cleanup()
        if peer_argv:
            for f in (sock, ready):
                try:
                    f.unlink()
                except OSError:
                    pass
    kv = dict(re.findall(r"^(\w+)=(\S+)$", cp.stdout, re.M))
    if cp.returncode != 0 or "rx_pkts" not in kv:
        raise BenchError(f"exit {cp.returncode}: {_last_err(cp.stderr)}")
    threads = []
    for f in sorted(cgdir.glob("cg.out-*")):
        funcs, _ = parse_callgrind(f)
        threads.append((funcs, callgrind_calls(f)))
    return kv, threads


def section_icount(runner, res, pmds, args, build):
    if not shutil.which("valgrind") or not shutil.which("callgrind_annotate"):
        res.notes.append("Instruction counts skipped: valgrind not installed "
                         "(apt-get install valgrind).")
        return
    if not build.icount.exists():
        res.notes.append(f"Instruction counts skipped: {build.icount} not built.")
        return
    dev_funcs = [f for f in args.device_funcs.split(",") if f]
    per_pmd = {}
    for pmd in pmds:
        if pmd == "memif" and not Path(TESTPMD).exists():
            res.icount.append({"pmd": pmd, "note": "needs dpdk-testpmd as the memif peer"})
            continue
        if pmd == "mana" and not build.have_mana():
            res.icount.append({"pmd": pmd, "note": f"not built ({build.missing_mana()})"})
            continue
        reps, errors = [], []
        idle_e = None
        if pmd == "mana" and "sn_rx_poll" in dev_funcs:
            # Cost of one idle sn_rx_poll call (empty wire), from a run
            # without traffic: subtracted once per call in the traffic runs.
            log(f"icount {pmd}: idle device calibration")
            try:
                _, threads = icount_once(runner, pmd, build, args, 0, "idle")
                for funcs, calls in threads:
                    n = calls.get(("sn_rx_poll", "sn_wire_rx"), 0)
                    if n and "sn_rx_poll" in funcs:
                        idle_e = funcs["sn_rx_poll"] / n
            except BenchError as e:
                errors.append(f"idle calibration: {e}")
        for rep in range(args.icount_repeats):
            log(f"icount {pmd} repeat {rep + 1}/{args.icount_repeats}")
            try:
                kv, threads = icount_once(runner, pmd, build, args, args.icount_packets, f"run{rep}")
            except BenchError as e:
                errors.append(str(e))
                continue
            main = {}
            for funcs, _ in threads:
                for fn in ("bench_rx", "bench_tx", "bench_rx_empty"):
                    if fn in funcs:
                        main[fn] = main.get(fn, 0) + funcs[fn]
            rx_pkts, tx_pkts = int(kv["rx_pkts"]), int(kv["tx_pkts"])
            empty_calls, empty_pkts = int(kv["empty_calls"]), int(kv["empty_pkts"])
            rx_empty_calls = int(kv["rx_empty_calls"])
            e_ipc = (main.get("bench_rx_empty", 0) / empty_calls
                     if empty_calls and empty_pkts == 0 else None)
            rx_ir = main.get("bench_rx", 0)
            subtracted = 0
            if rx_empty_calls and e_ipc is not None:
                rx_ir -= e_ipc * rx_empty_calls
                subtracted = rx_empty_calls
            rec = {"rx_ipp": rx_ir / rx_pkts, "tx_ipp": main.get("bench_tx", 0) / tx_pkts,
                   "empty_ipc": e_ipc, "wait_mode": kv.get("wait_mode"),
                   "subtracted": subtracted, "unsubtracted": rx_empty_calls - subtracted,
                   "rx_nonempty_calls": int(kv["rx_calls"]) - rx_empty_calls,
                   "tx_calls": int(kv["tx_calls"]), "tx_drops": int(kv["tx_drops"]),
                   "functions": {}, "device_ipp": None}
            if pmd == "mana":
                for funcs, calls in threads:
                    if "bench_rx" in funcs:
                        for fn, ir in funcs.items():
                            if fn.startswith(("mana_rx", "mana_tx")):
                                rec["functions"][fn] = ir / rx_pkts
                    elif any(fn in funcs for fn in dev_funcs):
                        dev_ir = sum(funcs.get(fn, 0) for fn in dev_funcs)
                        polls = calls.get(("sn_rx_poll", "sn_wire_rx"), 0) - tx_pkts
                        if idle_e is not None and polls > 0:
                            dev_ir -= idle_e * polls
                            rec["device_polls"] = polls
                        rec["device_ipp"] = dev_ir / tx_pkts
            reps.append(rec)
        if not reps:
            res.icount.append({"pmd": pmd, "note": "; ".join(errors)[:300]})
            continue
        first = reps[0]

        def spread(vals, digits=1):
            med = statistics.median(vals)
            if max(vals) - min(vals) < 0.05:
                return f"{med:.{digits}f}"
            return f"{med:.{digits}f} [{min(vals):.{digits}f}–{max(vals):.{digits}f}]"

        rxs = [r["rx_ipp"] for r in reps]
        txs = [r["tx_ipp"] for r in reps]
        same = max(rxs) - min(rxs) < 1e-9 and max(txs) - min(txs) < 1e-9

        def count_spread(field):
            vals = [r[field] for r in reps]
            if min(vals) == max(vals):
                return f"{vals[0]}"
            return f"{statistics.median(vals):.0f} [{min(vals)}–{max(vals)}]"

        notes = []
        if any(r["subtracted"] for r in reps):
            notes.append(f"{count_spread('subtracted')} empty RX polls subtracted at the "
                         f"calibrated cost")
        if any(r["unsubtracted"] for r in reps):
            notes.append(f"{count_spread('unsubtracted')} empty RX polls NOT subtracted "
                         f"(no clean calibration)")
        notes.append(f"wait mode {first['wait_mode']}")
        if pmd == "memif":
            notes.append("peer: dpdk-testpmd memif client io-forwarding memif0↔memif1 on "
                         "CPU 1, not under valgrind; copy mode, 256-slot rings")
            if any(r["tx_drops"] for r in reps):
                notes.append(f"{count_spread('tx_drops')} frames refused on TX (ring full)")
            if not same:
                notes.append(
                    f"repeats differ: non-empty RX calls {count_spread('rx_nonempty_calls')}, "
                    f"TX calls {count_spread('tx_calls')} (the peer's timing decides how "
                    f"frames group into bursts)")
        notes += errors
        row = {"pmd": pmd, "rx_ipp": spread(rxs), "tx_ipp": spread(txs),
               "empty_ipc": (f"{first['empty_ipc']:.1f}" if first["empty_ipc"] is not None
                             else "n/a (never empty)"),
               "repeatable": f"{'yes' if same else 'no'} ({len(reps)} runs)",
               "note": "; ".join(notes)[:400],
               "rx_raw": statistics.median(rxs), "tx_raw": statistics.median(txs)}
        if pmd == "mana":
            devs = [r["device_ipp"] for r in reps if r["device_ipp"] is not None]
            row["device_ipp"] = spread(devs) if devs else "n/a"
            if devs and idle_e is not None:
                row["note"] = (row["note"] + f"; device: {idle_e:.1f} instr per idle "
                               f"sn_rx_poll call subtracted for "
                               f"{statistics.median([r.get('device_polls', 0) for r in reps]):.0f} calls")
            fn_names = sorted(first["functions"])
            row["functions"] = [(fn, f"{statistics.median([r['functions'].get(fn, 0) for r in reps]):.1f}")
                                for fn in fn_names]
        per_pmd[pmd] = row
        res.icount.append(row)
    if "mana" in per_pmd:
        m = per_pmd["mana"]
        for row in res.icount:
            if row["pmd"] in REF_PMDS and "rx_raw" in row:
                row["rx_ratio"] = f"{m['rx_raw'] / row['rx_raw']:.2f}" if row["rx_raw"] else "n/a"
                row["tx_ratio"] = f"{m['tx_raw'] / row['tx_raw']:.2f}" if row["tx_raw"] else "n/a"


def section_device(runner, res, args, build):
    if not build.have_softnic() or not build.rawbench.exists():
        res.device.append({"coalesce": "—", "note": "not built (softnic-run or softnic-rawbench missing)"})
        return
    for co in ("on", "off"):
        mpps, ppc, lost, errs = [], [], [], []
        for i in range(args.runs):
            runner.seq += 1
            logp = runner.logdir / f"{runner.seq:04d}-device-coalesce-{co}-run{i}.log"
            argv = [str(build.softnic_run), "--ports", "2", "--wire", "loop", "--coalesce", co,
                    "--", str(build.rawbench), "--tx-port", "1", "--rx-port", "2",
                    "--size", "60", "--seconds", str(args.duration), "--warmup", str(args.warmup),
                    "--cpu", "1", "--dev-cpu", "0"]
            try:
                cp = run_capture(argv, args.duration + args.warmup + 60)
            except subprocess.TimeoutExpired:
                errs.append("timeout")
                continue
            logp.write_text(" ".join(shlex.quote(a) for a in argv) + "\n" + cp.stdout + cp.stderr)
            kv = dict(re.findall(r"^(\w+)=(\S+)$", cp.stdout, re.M))
            if cp.returncode != 0 or "mpps" not in kv or float(kv["mpps"]) <= 0:
                errs.append(f"exit {cp.returncode}: {(cp.stderr.strip().splitlines() or [''])[-1]}")
                log(f"  device coalesce {co} run {i + 1}: failed: {errs[-1]}")
                continue
            mpps.append(float(kv["mpps"]))
            ppc.append(float(kv["pkts_per_rx_cqe"]))
            lost.append(int(kv["lost"]))
            log(f"  device coalesce {co} run {i + 1}: {mpps[-1]:.3f} Mpps, "
                f"{ppc[-1]:.2f} frames/CQE")
        res.device.append({"coalesce": co, "mpps_s": summary(mpps), "ppc_s": summary(ppc),
                           "lost": statistics.median(lost) if lost else "",
                           "note": f"{len(errs)} failed run(s): {errs[0]}" if errs else ""})


# --------------------------------------------------------------------------
# Smoke checks
# --------------------------------------------------------------------------

def check_outputs(csv_path, md_text, res, pmds_expected, icount_expected=()):
    """Return a list of problems with the produced table (empty = fine):
    every testpmd row of pmds_expected and every instruction-count row of
    icount_expected must hold non-zero figures."""
    problems = []
    with open(csv_path, newline="") as f:
        rd = csv.DictReader(f)
        if rd.fieldnames != CSV_FIELDS:
            problems.append(f"CSV header {rd.fieldnames} != {CSV_FIELDS}")
        rows = list(rd)
    seen = set()
    for r in rows:
        if r["note"] and r["runs"] == "0":
            problems.append(f"{r['pmd']} {r['mode']} {r['frame_bytes']}B: no figure ({r['note']})")
            continue
        seen.add(r["pmd"])
        for fld in ("mpps_median", "mpps_min", "mpps_max", "gbps_median",
                    "cycles_per_pkt_median", "cycles_per_pkt_min", "cycles_per_pkt_max"):
            try:
                if float(r[fld]) <= 0:
                    problems.append(f"{r['pmd']}: {fld} is {r[fld]}")
            except ValueError:
                problems.append(f"{r['pmd']}: {fld} is not a number ('{r[fld]}')")
        if r["pmd"] != "mana" and "mana" in pmds_expected:
            try:
                if float(r["ratio_mana_over_pmd_cpp_median"]) <= 0:
                    problems.append(f"{r['pmd']}: ratio {r['ratio_mana_over_pmd_cpp_median']}")
            except ValueError:
                problems.append(f"{r['pmd']}: ratio missing")
    for p in pmds_expected:
        if p != "device" and p not in seen:
            problems.append(f"no figures for {p}")
    # Markdown tables: every row has the header's number of cells.
    lines = md_text.splitlines()
    i = 0
    ntables = 0
    while i < len(lines):
        if lines[i].startswith("| ") and i + 1 < len(lines) and lines[i + 1].startswith("|---"):
            ncol = lines[i].count(" | ") + 1
            ntables += 1
            j = i + 2
            while j < len(lines) and lines[j].startswith("| "):
                cells = [c for c in lines[j][2:-2].split(" | ")]
                if len(cells) != ncol:
                    problems.append(f"Markdown row with {len(cells)} cells, header has {ncol}: {lines[j][:80]}")
                j += 1
            i = j
        else:
            i += 1
    if ntables < 3:
        problems.append(f"only {ntables} Markdown tables")
    for pmd in icount_expected:
        rows = [r for r in res.icount if r["pmd"] == pmd]
        if not rows:
            problems.append(f"instruction counts: no row for {pmd}")
        for r in rows:
            if not (r.get("rx_raw", 0) > 0 and r.get("tx_raw", 0) > 0):
                problems.append(f"instruction counts of {pmd}: no figure ({r.get('note')})")
    if "device" in pmds_expected:
        if not res.device:
            problems.append("device model: no rows")
        for d in res.device:
            s = d.get("mpps_s")
            if s is None or s[0] <= 0:
                problems.append(f"device model (coalescing {d['coalesce']}): no figure ({d.get('note')})")
    return problems


# --------------------------------------------------------------------------
# main
# --------------------------------------------------------------------------

HELP_EPILOG = """
Re-render the tables of a finished run (from its runs.json), optionally
appending them to a Markdown file:
  bench/bench.sh --render <build>/bench-results/<stamp> [--append-doc FILE]

Examples (from the repository root):
  bench/bench.sh                      everything, appended to doc/performance.md
  bench/bench.sh --smoke              CI smoke run (< 60 s): well-formed table, non-zero figures
  bench/bench.sh --sections throughput --modes io --sizes 64 --pmds mana,null
  bench/bench.sh --sections icount    instruction counts only

The soft-NIC rows need <build>/drivers/net/mana/librte_net_mana.so and
<build>/softnic/tools/softnic-run; the helpers <build>/bench/mana-bench-icount
and <build>/bench/softnic-rawbench are built by meson (bench/meson.build).
Runs use --no-huge, EAL lcores 0 (main) and 1 (forwarding); the soft-NIC device
thread and the memif peer's forwarding core run on CPU 0.
net_mana rxonly needs softnic-run's generator wire (--wire gen:<len>:<flows>);
without it the row says so.  The net_memif instruction counts run the measured
program (memif server, CPU 0) under valgrind and a dpdk-testpmd memif client
(io forwarding, CPU 1) as its peer; the peer is always stopped and its EAL
--file-prefix directory removed, also on errors and SIGINT/SIGTERM.
"""


def parse_args(argv):
    ap = argparse.ArgumentParser(
        prog="bench/bench.sh",
        description="testpmd throughput and cost per packet of net_mana on the soft-NIC, side "
                    "by side with net_null, net_ring and net_memif; callgrind instruction "
                    "counts; soft-NIC device-model throughput. Never a pass/fail on time.",
        epilog=HELP_EPILOG, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--smoke", action="store_true",
                    help="short CI run: io, 64 B, 1 queue, net_null + net_ring + net_mana, "
                         "3 runs of 0.5 s; rxonly 64 B net_mana (soft-NIC gen wire, if "
                         "softnic-run has it) + net_null; net_memif instruction counts (1 run "
                         "of 10000 frames, if valgrind is installed); device model 1 run per "
                         "coalescing mode; checks the table is well-formed with non-zero "
                         "figures; writes no doc (about 30 s)")
    ap.add_argument("--build", default=os.environ.get("BENCH_BUILD", str(TOP / "build")),
                    help="meson build directory (default: build, or $BENCH_BUILD)")
    ap.add_argument("--sections", default="throughput,scaling,icount,device",
                    help="comma list of throughput,scaling,icount,device")
    ap.add_argument("--pmds", default=",".join(ALL_PMDS), help="comma list of mana,null,ring,memif")
    ap.add_argument("--modes", default=",".join(ALL_MODES))
    ap.add_argument("--sizes", default=",".join(map(str, ALL_SIZES)),
                    help="frame sizes in bytes including FCS")
    ap.add_argument("--queues", default=",".join(map(str, ALL_QUEUES)))
    ap.add_argument("--bursts", default=",".join(map(str, SCALE_BURSTS)), help="scaling section")
    ap.add_argument("--rings", default=",".join(map(str, SCALE_RINGS)), help="scaling section")
    ap.add_argument("--runs", type=int, default=5, help="runs per figure (median, min, max); >= 5 for published figures")
    ap.add_argument("--duration", type=float, default=2.0, help="measurement window, seconds")
    ap.add_argument("--warmup", type=float, default=1.0, help="seconds between start and the window")
    ap.add_argument("--seed-bursts", type=int, default=4, help="bursts per stream injected by 'start tx_first N'")
    ap.add_argument("--mem", type=int, default=512, help="EAL -m (MB, --no-huge)")
    ap.add_argument("--mbufs", type=int, default=16384, help="testpmd --total-num-mbufs")
    ap.add_argument("--gen-flows", type=int, default=64,
                    help="UDP flows of the soft-NIC generator wire in rxonly (RSS spreads them)")
    ap.add_argument("--coalesce", default="on", choices=["on", "off"],
                    help="soft-NIC RX CQE coalescing for the testpmd and icount runs")
    ap.add_argument("--icount-packets", type=int, default=100000)
    ap.add_argument("--icount-repeats", type=int, default=3)
    ap.add_argument("--icount-timeout", type=float, default=900)
    ap.add_argument("--device-funcs", default=DEVICE_FUNCS,
                    help="comma list of soft-NIC device-thread functions whose inclusive cost "
                         "is the device's own cost per packet (callgrind --toggle-collect)")
    ap.add_argument("--start-timeout", type=float, default=60.0)
    ap.add_argument("--link-wait", type=float, default=1.0, help="memif: seconds to let the peers connect")
    ap.add_argument("--out", help="results directory (default <build>/bench-results/<timestamp>)")
    ap.add_argument("--doc", default=str(TOP / "doc/performance.md"),
                    help="Markdown file the results are appended to (full runs only)")
    ap.add_argument("--no-doc", action="store_true", help="do not append to --doc")
    a = ap.parse_args(argv)
    if a.smoke:
        a.runs = 3
        a.duration = 0.5
        a.warmup = 0.3
        a.no_doc = True
        a.icount_packets = 10000
        a.icount_repeats = 1
    if a.runs < 1:
        ap.error("--runs must be >= 1")
    return a


def write_outputs(res, args, machine, pmds, command, started, elapsed, outdir, argv):
    """Write results.md and the CSVs into outdir, print the Markdown.
    Returns (markdown, [csv paths], results.csv first)."""
    md = render_markdown(res, args, machine, pmds, command, started, elapsed)
    csv_path = outdir / "results.csv"
    write_csv(csv_path, CSV_FIELDS, res.csv_rows(pmds))
    csvs = [csv_path]
    if res.icount:
        write_csv(outdir / "icount.csv", ICOUNT_FIELDS, icount_csv_rows(res))
        csvs.append(outdir / "icount.csv")
    if res.device:
        write_csv(outdir / "device.csv", DEVICE_FIELDS, device_csv_rows(res))
        csvs.append(outdir / "device.csv")
    (outdir / "results.md").write_text(md + "\n")
    print()
    print(md)
    print()
    log(f"CSV: {', '.join(str(c) for c in csvs)}")
    log(f"Markdown: {outdir / 'results.md'}")
    return md, csvs


def append_doc(doc, md, csvs):
    """Append the Markdown and, folded, the CSVs to doc."""
    with open(doc, "a") as f:
        f.write("\n" + md + "\n\n<details><summary>CSV of this run</summary>\n")
        for c in csvs:
            f.write(f"\n{c.name}:\n\n```csv\n{c.read_text()}```\n")
        f.write("\n</details>\n")
    log(f"appended to {doc}")


def render_saved(outdir, append_to=None):
    """--render: rebuild the tables of a finished run from its runs.json."""
    d = json.loads((outdir / "runs.json").read_text())
    argv = d.get("argv")
    if argv is None:
        argv = [a for a in shlex.split(d["command"])[1:] if a != "--no-build"]
    args = parse_args(argv)
    res = Results()
    res.set_row_notes(args)
    for item in d["runs"]:
        c = item["cfg"]
        cfg = Cfg(c["mode"], c["frame_bytes"], c["queues"], c["burst"], c["ring"], c["section"])
        res.cfgs.setdefault(cfg.key(), cfg)
        res.runs[(cfg.key(), item["pmd"])] = item["results"]
    for item in d["skipped"]:
        sec, mode, size, q, b, r = item["cfg"]
        cfg = Cfg(mode, size, q, b, r, sec)
        res.cfgs.setdefault(cfg.key(), cfg)
        res.skipped[(cfg.key(), item["pmd"])] = item["reason"]
    for item in d["errors"]:
        sec, mode, size, q, b, r = item["cfg"]
        res.errors[(Cfg(mode, size, q, b, r, sec).key(), item["pmd"])] = item["errors"]
    res.icount = d.get("icount", [])
    res.device = d.get("device", [])
    for r in res.device:
        for k in ("mpps_s", "ppc_s"):
            if r.get(k) is not None:
                r[k] = tuple(r[k])
    pmds = d.get("pmds") or [p for p in ALL_PMDS if any(k[1] == p for k in res.runs)]
    if "started" in d:
        started = datetime.datetime.fromisoformat(d["started"])
    else:
        started = datetime.datetime.strptime(outdir.name[-15:], "%Y%m%d-%H%M%S")
    elapsed = d.get("elapsed") or ((outdir / "runs.json").stat().st_mtime - started.replace(
        tzinfo=datetime.timezone.utc).timestamp())
    machine = [tuple(m) for m in d["machine"]]
    md, csvs = write_outputs(res, args, machine, pmds, d["command"].strip(), started, elapsed,
                             outdir, argv)
    if append_to is not None:
        append_doc(append_to, md, csvs)
    return 0


def _terminate(signum, frame):
    raise SystemExit(128 + signum)


def main(argv):
    if "--render" in argv:
        i = argv.index("--render")
        if i + 1 >= len(argv):
            log("--render DIR [--append-doc FILE]")
            return 2
        doc = None
        if "--append-doc" in argv and argv.index("--append-doc") + 1 < len(argv):
            doc = Path(argv[argv.index("--append-doc") + 1])
        return render_saved(Path(argv[i + 1]), doc)
    args = parse_args(argv)
    # SIGTERM (and SIGINT, also when started in the background) stop the run
    # through the normal clean-up paths: testpmd processes quit, EAL runtime
    # directories and the memif socket directory are removed.
    signal.signal(signal.SIGTERM, _terminate)
    signal.signal(signal.SIGINT, _terminate)
    started = datetime.datetime.utcnow()
    t_start = time.monotonic()
    build = Build(args.build)
    stamp = started.strftime("%Y%m%d-%H%M%S")
    outdir = Path(args.out) if args.out else build.dir / "bench-results" / (("smoke-" if args.smoke else "") + stamp)
    outdir.mkdir(parents=True, exist_ok=True)
    if not Path(TESTPMD).exists():
        log(f"dpdk-testpmd not found ({TESTPMD})")
        return 2
    sections = [s for s in args.sections.split(",") if s]
    pmds = [p for p in args.pmds.split(",") if p]
    for p in pmds:
        if p not in ALL_PMDS:
            log(f"unknown PMD {p}")
            return 2
    if args.runs < 5 and not args.smoke:
        log(f"warning: --runs {args.runs} < 5: figures are not publishable medians")

    runner = Runner(args, build, outdir)
    res = Results()
    res.set_row_notes(args)
    smoke_rx, smoke_icount = [], []
    if args.smoke:
        pmds = [p for p in ("mana", "null", "ring") if p in pmds]
        want_icount = "icount" in sections
        sections = [s for s in sections if s in ("throughput", "device")]
        cfgs = [Cfg("io", 64, 1)]
        if "mana" in pmds and not build.have_mana():
            log(f"smoke: the soft-NIC/PMD are not built ({build.missing_mana()}): this fails the smoke run")
        elif "mana" in pmds and "throughput" in sections:
            why = build.gen_wire_error()
            if why:
                log(f"smoke: net_mana rxonly left out: {why}")
            else:
                smoke_rx = [Cfg("rxonly", 64, 1)]
        if not want_icount:
            pass
        elif shutil.which("valgrind") and shutil.which("callgrind_annotate") and build.icount.exists():
            smoke_icount = ["memif"]
        else:
            log("smoke: net_memif instruction counts left out (valgrind or "
                f"{build.icount} missing)")
    else:
        cfgs = [Cfg(m, s, q) for m in args.modes.split(",") for s in map(int, args.sizes.split(","))
                for q in map(int, args.queues.split(","))]
    scale = [Cfg("io", 64, 1, burst=b, ring=r, section="scaling")
             for b in map(int, args.bursts.split(",")) for r in map(int, args.rings.split(","))]

    machine = machine_description()
    log(f"results in {outdir}")
    try:
        if "throughput" in sections:
            section_testpmd(runner, res, cfgs, pmds, args, build)
        if smoke_rx:
            section_testpmd(runner, res, smoke_rx, [p for p in pmds if p in ("mana", "null")],
                            args, build)
        if "scaling" in sections:
            section_testpmd(runner, res, scale, pmds, args, build)
        if "icount" in sections:
            section_icount(runner, res, pmds, args, build)
        elif smoke_icount:
            section_icount(runner, res, smoke_icount, args, build)
        if "device" in sections:
            dev_args = args
            if args.smoke:
                dev_args = argparse.Namespace(**vars(args))
                dev_args.runs = 1
            section_device(runner, res, dev_args, build)
    finally:
        runner.cleanup()
        shutil.rmtree(runner.sockdir, ignore_errors=True)

    elapsed = time.monotonic() - t_start
    machine.append(("Load average at end", " ".join(Path("/proc/loadavg").read_text().split()[:3])))
    mhz = sorted({r["tsc_mhz"] for runs in res.runs.values() for r in runs if r})
    if mhz:
        machine.insert(1, ("TSC (testpmd)", ", ".join(f"{m} MHz" for m in mhz)))
    command = os.environ.get("BENCH_CMDLINE") or \
        "bench/bench.py " + " ".join(shlex.quote(a) for a in argv)
    md, csvs = write_outputs(res, args, machine, pmds, command.strip(), started, elapsed,
                             outdir, argv)
    csv_path = csvs[0]
    # Every run's figures, for re-analysis and --render.
    with open(outdir / "runs.json", "w") as f:
        json.dump({"machine": machine, "command": command, "argv": argv,
                   "started": started.isoformat(), "elapsed": elapsed, "pmds": pmds,
                   "runs": [{"cfg": dict(zip(["section", "mode", "frame_bytes", "queues", "burst", "ring"], k[0])),
                             "pmd": k[1], "results": v} for k, v in res.runs.items()],
                   "skipped": [{"cfg": list(k[0]), "pmd": k[1], "reason": v} for k, v in res.skipped.items()],
                   "errors": [{"cfg": list(k[0]), "pmd": k[1], "errors": v} for k, v in res.errors.items()],
                   "icount": [{k: v for k, v in r.items()} for r in res.icount],
                   "device": res.device}, f, indent=1, default=str)

    if args.smoke:
        expected = list(pmds) + (["device"] if "device" in sections else [])
        problems = check_outputs(csv_path, md, res, expected, smoke_icount)
        if problems:
            for p in problems:
                log(f"SMOKE FAIL: {p}")
            return 1
        log(f"smoke run OK ({elapsed:.0f} s): well-formed table, non-zero figures")
        return 0

    if not args.no_doc:
        append_doc(Path(args.doc), md, csvs)
    failed = sum(len(v) for v in res.errors.values())
    if failed:
        log(f"{failed} run(s) failed; see the notes in the table and the logs in {runner.logdir}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
