#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
#
# The main job: real Linux TCP traffic crossing the net_mana PMD.
#
#   host A (netns)            soft-NIC (softnic-run)              host B (netns)
#   TAP A 10.77.0.1  <-tap->  port 0 == dpdk-testpmd (net_mana) == port 1  <-tap->  TAP B 10.77.0.2
#                                     mac forwarding 0 <-> 1
#
# softnic-run creates the two TAP wires before it runs this script again
# (--inner) as its COMMAND; the inner part moves each TAP into its own network
# namespace, starts Debian's dpdk-testpmd with the PMD (loaded with EAL -d)
# forwarding between the two soft-NIC ports, runs a ping and an iperf3 TCP
# transfer from A to B, prints the transfer rate and testpmd's port counters,
# and removes the namespaces even on failure.
#
# Usage: scripts/main-job.sh [--build DIR] [--duration SEC] [--fwd mac|io] [--ci] [--hw]
#   --build DIR     build directory holding softnic/tools/softnic-run and
#                   drivers/net/mana/librte_net_mana.so (default: build/)
#   --softnic-run P, --pmd P   the two paths directly (used by meson test)
#   --duration SEC  iperf3 time (default 10; --ci: 3)
#   --fwd MODE      testpmd forwarding mode: mac (default; hosts address the
#                   soft-NIC ports' MACs as their next hop, like an NVA) or io
#   --ci            CI variant: short transfer, assertions, "N passed, N failed"
#   --hw            only print how the same job runs on a real MANA device
#                   (also what happens when one is present)
set -uo pipefail

top=$(cd "$(dirname "$0")/.." && pwd)
self="$top/scripts/$(basename "$0")"

build="$top/build"
softnic_run=""
pmd=""
duration=""
fwd=mac
ci=0
hw=0

usage() { sed -n '3,26p' "$self" | sed 's/^# \{0,1\}//'; }

while [ $# -gt 0 ]; do
	case "$1" in
	--build) build=$2; shift 2 ;;
	--softnic-run) softnic_run=$2; shift 2 ;;
	--pmd) pmd=$2; shift 2 ;;
	--duration) duration=$2; shift 2 ;;
	--fwd) fwd=$2; shift 2 ;;
	--ci) ci=1; shift ;;
	--hw) hw=1; shift ;;
	--inner) shift; break ;;
	-h|--help) usage; exit 0 ;;
	*) echo "main-job: unknown option $1" >&2; usage >&2; exit 2 ;;
	esac
done
[ -n "$softnic_run" ] || softnic_run="$build/softnic/tools/softnic-run"
[ -n "$pmd" ] || pmd="$build/drivers/net/mana/librte_net_mana.so"
[ -n "$duration" ] || { if [ $ci = 1 ]; then duration=3; else duration=10; fi; }
case "$fwd" in mac|io) ;; *) echo "main-job: --fwd must be mac or io" >&2; exit 2 ;; esac

# Soft-NIC port MACs (softnic-run --mac) and the hosts' TAP MACs.
MAC0=00:15:5d:00:00:01
MAC1=00:15:5d:00:00:02
MAC_A=02:00:0a:4d:00:01
MAC_B=02:00:0a:4d:00:02
IP_A=10.77.0.1
IP_B=10.77.0.2

# ---------------------------------------------------------------------------
# Inner part: runs as softnic-run's COMMAND (the TAPs exist, the drop-in
# libraries are in LD_LIBRARY_PATH for testpmd only).
# ---------------------------------------------------------------------------
inner() {
	local ns_a=$MJ_NS_A ns_b=$MJ_NS_B tap_a=$MJ_TAP_A tap_b=$MJ_TAP_B
	local work=$MJ_WORK log="$MJ_WORK/testpmd.log" fifo="$MJ_WORK/testpmd.in"
	local passed=0 failed=0 rc=0
	tp_pid="" srv_pid=""	# global: the EXIT trap runs after inner() returned
	# host tools must not see the drop-in rdma-core
	local H="env -u LD_LIBRARY_PATH"

	check() {	# check <status> <what>
		if [ "$1" = 0 ]; then passed=$((passed + 1)); echo "PASS: $2"
		else failed=$((failed + 1)); echo "FAIL: $2"; fi
	}
	cleanup() {
		[ -n "${srv_pid:-}" ] && kill "$srv_pid" 2>/dev/null
		if [ -n "${tp_pid:-}" ] && kill -0 "$tp_pid" 2>/dev/null; then
			kill -TERM "$tp_pid" 2>/dev/null
			for _ in $(seq 1 100); do kill -0 "$tp_pid" 2>/dev/null || break; sleep 0.1; done
			kill -KILL "$tp_pid" 2>/dev/null
		fi
		{ exec 3>&-; } 2>/dev/null
		env -u LD_LIBRARY_PATH ip netns del "$MJ_NS_A" 2>/dev/null
		env -u LD_LIBRARY_PATH ip netns del "$MJ_NS_B" 2>/dev/null
	}
	trap cleanup EXIT

	echo "== hosts: $ns_a ($IP_A on $tap_a) and $ns_b ($IP_B on $tap_b)"
	$H ip netns add "$ns_a" && $H ip netns add "$ns_b" || { echo "FAIL: cannot create namespaces"; return 1; }
	for h in a b; do
		local ns tap mac ip peer_ip next_hop
		if [ $h = a ]; then ns=$ns_a tap=$tap_a mac=$MAC_A ip=$IP_A peer_ip=$IP_B next_hop=$MAC0
		else ns=$ns_b tap=$tap_b mac=$MAC_B ip=$IP_B peer_ip=$IP_A next_hop=$MAC1; fi
		$H ip link set "$tap" netns "$ns" || { echo "FAIL: cannot move $tap into $ns"; return 1; }
		$H ip -n "$ns" link set lo up
		$H ip -n "$ns" link set "$tap" address "$mac" mtu 1500
		$H ip -n "$ns" addr add "$ip/24" dev "$tap"
		$H ip -n "$ns" link set "$tap" up
		if [ "$fwd" = mac ]; then
			# The soft-NIC port in front of this host is its next hop (as an
			# NVA's NIC would be); testpmd rewrites the MACs towards the peer.
			$H ip -n "$ns" neigh replace "$peer_ip" lladdr "$next_hop" dev "$tap" nud permanent
		fi
	done

	echo "== dpdk-testpmd with net_mana ($pmd), $fwd forwarding between soft-NIC ports 0 and 1"
	rm -f "$fifo"; mkfifo "$fifo"
	local lcores="0-1"
	[ "$(nproc)" -ge 2 ] || lcores="0"
	local tp_cmd=(dpdk-testpmd --no-huge -m 1024 --iova-mode=va --no-telemetry
		--file-prefix="mana-main-$$" -l "$lcores" -d "$pmd"
		-a "7870:00:00.0,mac=$MAC0,mac=$MAC1"
		-- -i --forward-mode="$fwd" --nb-cores=1
		--eth-peer=0,"$MAC_A" --eth-peer=1,"$MAC_B")
	echo "   ${tp_cmd[*]}"
	stdbuf -oL "${tp_cmd[@]}" <"$fifo" >"$log" 2>&1 &
	tp_pid=$!
	exec 3>"$fifo"
	local ok=1
	for _ in $(seq 1 600); do
		grep -q "testpmd> " "$log" && { ok=0; break; }
		kill -0 "$tp_pid" 2>/dev/null || break
		sleep 0.1
	done
	check $ok "testpmd started with net_mana on the soft-NIC"
	if [ $ok != 0 ]; then
		echo "---- testpmd output ----"; cat "$log"; return 1
	fi
	grep -E "^Port [01]: " "$log" | sed 's/^/   /'
	echo "start" >&3

	echo "== ping $IP_A -> $IP_B through the PMD"
	$H ip netns exec "$ns_a" ping -c 3 -i 0.2 -W 2 "$IP_B"
	check $? "ping from host A to host B"

	echo "== iperf3 TCP, $duration s, host A -> host B"
	$H ip netns exec "$ns_b" iperf3 -s -1 -B "$IP_B" >"$work/iperf3-server.log" 2>&1 &
	srv_pid=$!
	ok=1
	for _ in $(seq 1 100); do	# wait for the server socket, bounded (10 s)
		$H ip netns exec "$ns_b" ss -Hltn "sport = :5201" 2>/dev/null | grep -q 5201 && { ok=0; break; }
		sleep 0.1
	done
	check $ok "iperf3 server listening in host B"
	$H ip netns exec "$ns_a" iperf3 -c "$IP_B" -t "$duration" -f m >"$work/iperf3.log" 2>&1
	rc=$?
	cat "$work/iperf3.log"
	check $rc "iperf3 TCP transfer completed"
	local rate bytes
	rate=$(awk '/receiver$/ { for (i = 1; i < NF; i++) if ($(i+1) == "Mbits/sec") print $i }' "$work/iperf3.log" | tail -1)
	bytes=$(awk '/receiver$/ { print $5, $6 }' "$work/iperf3.log" | tail -1)
	echo "== TCP transfer rate through net_mana on the soft-NIC: ${rate:-?} Mbits/sec (${bytes:-?} received in $duration s)"
	awk -v r="${rate:-0}" 'BEGIN { exit !(r > 0) }'
	check $? "TCP data received by host B (rate ${rate:-0} Mbits/sec)"
	wait "$srv_pid" 2>/dev/null; srv_pid=""

	echo "== testpmd port counters"
	printf 'show port stats all\nstop\nquit\n' >&3
	exec 3>&-
	ok=1
	for _ in $(seq 1 600); do kill -0 "$tp_pid" 2>/dev/null || { ok=0; break; }; sleep 0.1; done
	wait "$tp_pid"; rc=$?; tp_pid=""
	check $([ $ok = 0 ] && [ $rc = 0 ] && echo 0 || echo 1) "testpmd stopped and closed the ports (exit status $rc)"
	awk '/NIC statistics for port/ { f = 1 } f { print } f && /^ *#+ *$/ { f = 0 }' "$log" |
		grep -v -e Throughput -e '-pps' -e '^ *$'
	awk '/Forward statistics for port/,/Accumulated/' "$log" | grep -E 'Forward statistics|RX-packets|TX-packets'
	for p in 0 1; do
		local rx tx
		rx=$(awk -v p=$p '$0 ~ "NIC statistics for port " p " " { f = 1 } f && /RX-packets:/ { print $2; exit }' "$log")
		tx=$(awk -v p=$p '$0 ~ "NIC statistics for port " p " " { f = 1 } f && /TX-packets:/ { print $2; exit }' "$log")
		[ "${rx:-0}" -gt 0 ] && [ "${tx:-0}" -gt 0 ]
		check $? "testpmd port $p counters moved: RX-packets ${rx:-?}, TX-packets ${tx:-?}"
	done
	echo "$passed passed, $failed failed"
	[ $failed = 0 ]
}

if [ "${MJ_INNER:-}" = 1 ]; then
	inner
	exit $?
fi

# ---------------------------------------------------------------------------
# Real MANA hardware: say how the same job runs there (nothing is started).
# ---------------------------------------------------------------------------
mana_devs=()
for d in /sys/bus/pci/devices/*; do
	[ "$(cat "$d/vendor" 2>/dev/null)" = 0x1414 ] || continue
	case "$(cat "$d/device" 2>/dev/null)" in 0x00ba|0x00b9) mana_devs+=("${d##*/}") ;; esac
done
if [ $hw = 1 ] || [ ${#mana_devs[@]} -gt 0 ]; then
	if [ ${#mana_devs[@]} -gt 0 ]; then
		pci=${mana_devs[0]}
		echo "MANA device(s) present: ${mana_devs[*]}"
		macs=$(cat /sys/bus/pci/devices/"$pci"/net/*/address 2>/dev/null | tr '\n' ' ')
		echo "Ports (kernel netdevs) of $pci: $(ls /sys/bus/pci/devices/"$pci"/net 2>/dev/null | tr '\n' ' ')MACs: ${macs:-?}"
	else
		pci="<PCI address of the MANA VF, e.g. 7870:00:00.0>"
		macs=""
		echo "--hw: no MANA device (PCI 1414:00ba/00b9) on this machine; this is what would run on one."
	fi
	set -- $macs
	m0=${1:-<MAC of port 0>}; m1=${2:-<MAC of port 1>}
	cat <<EOF
On an Azure VM the PMD drives the adapter itself, so the same testpmd command runs
without softnic-run (and without the namespace hosts, which exist only around the soft-NIC):

  dpdk-testpmd -l 0-1 -d $pmd \\
      -a $pci,mac=$m0,mac=$m1 \\
      -- -i --forward-mode=mac --eth-peer=0,<next hop MAC behind port 0> --eth-peer=1,<next hop MAC behind port 1>

Prerequisites there: kernel >= 6.2 with mana, mana_ib and ib_uverbs loaded and bound,
rdma-core >= 44, hugepages (or --no-huge -m 1024), and the ports' kernel netdevs down (a vPort has one user: the kernel
netdev while it is up, or one DPDK process; spec §1.9). The traffic then comes from the
VMs whose routes point at this VM. This script does not start anything on hardware.
EOF
	exit 0
fi

# ---------------------------------------------------------------------------
# Soft-NIC run.
# ---------------------------------------------------------------------------
for f in "$softnic_run" "$pmd"; do
	if [ ! -e "$f" ]; then
		echo "main-job: $f not found: build first (scripts/setup.sh, or ninja -C $build)" >&2
		exit 1
	fi
done
for t in ip iperf3 ping dpdk-testpmd stdbuf ss; do
	command -v $t >/dev/null || { echo "main-job: $t is not installed" >&2; exit 1; }
done
if [ "$(id -u)" != 0 ]; then
	echo "main-job: network namespaces and TAP interfaces need root" >&2
	exit 1
fi

export MJ_INNER=1
export MJ_NS_A="mana-a-$$" MJ_NS_B="mana-b-$$"
export MJ_TAP_A="mjt$$a" MJ_TAP_B="mjt$$b"
MJ_WORK=$(mktemp -d /tmp/mana-main-job.XXXXXX)
export MJ_WORK
outer_cleanup() {
	ip netns del "$MJ_NS_A" 2>/dev/null
	ip netns del "$MJ_NS_B" 2>/dev/null
	ip link del "$MJ_TAP_A" 2>/dev/null
	ip link del "$MJ_TAP_B" 2>/dev/null
	rm -rf "$MJ_WORK"
}
trap outer_cleanup EXIT
trap 'exit 130' INT TERM

args=(--fwd "$fwd" --duration "$duration" --pmd "$pmd")
[ $ci = 1 ] && args+=(--ci)
echo "== soft-NIC: 2 ports, TAP wires $MJ_TAP_A (port 0) and $MJ_TAP_B (port 1)"
"$softnic_run" --ports 2 --wire "tap:$MJ_TAP_A" --wire "tap:$MJ_TAP_B" \
	--mac "$MAC0" --mac "$MAC1" --ctl "$MJ_WORK/ctl.sock" \
	-- bash "$self" "${args[@]}" --inner
rc=$?
exit $rc
