#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
# Benchmarks of the net_mana PMD on the soft-NIC, side by side with the
# reference software PMDs (net_null, net_ring, net_memif), callgrind
# instruction counts and the soft-NIC device model alone.  The work is done
# by bench/bench.py; this wrapper brings the build up to date first.
# `bench/bench.sh --help` for the options, doc/performance.md for the method
# and the results.  Never a pass/fail on time: --smoke (CI) only checks that a
# short run yields a well-formed table with non-zero figures.
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
build=${BENCH_BUILD:-$top/build}
no_build=0
args=()
# The command as typed, recorded with the results.
BENCH_CMDLINE=bench/bench.sh
if [ $# -gt 0 ]; then
	BENCH_CMDLINE+=$(printf ' %q' "$@")
fi
export BENCH_CMDLINE
while [ $# -gt 0 ]; do
	case "$1" in
	--build) build=$2; shift 2; continue ;;
	--build=*) build=${1#--build=} ;;
	--no-build) no_build=1 ;;
	-h|--help)
		python3 "$top/bench/bench.py" --help
		echo
		echo "bench.sh only: --no-build   do not run ninja on the build directory first"
		exit 0 ;;
	*) args+=("$1") ;;
	esac
	shift
done
case "$build" in /*) ;; *) build=$top/$build ;; esac
if [ "$no_build" = 0 ] && [ -f "$build/build.ninja" ]; then
	# Bring the PMD, the soft-NIC and the bench helpers up to date; a broken
	# build elsewhere in the tree only removes the rows that need it.
	if ! ninja -C "$build" >"$build/bench-ninja.log" 2>&1; then
		echo "[bench] warning: ninja -C $build failed (see $build/bench-ninja.log); using what is built" >&2
	fi
fi
cd "$top"
exec python3 "$top/bench/bench.py" --build "$build" "${args[@]}"
