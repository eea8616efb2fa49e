#!/usr/bin/env bash
# Set up the machine (scripts/setup.sh), build everything including the
# AddressSanitizer + UndefinedBehaviorSanitizer build of the soft-NIC, and run
# every test suite.  Each suite prints its CUnit summary.  Exit code 0 only if
# every suite passed.
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
"$top/scripts/setup.sh" --asan
cd "$top"
rc=0
echo "=== tests (build/) ==="
meson test -C build --print-errorlogs -v --num-processes 2 || rc=1
echo "=== sanitizer tests (build-asan/: soft-NIC and its tests) ==="
ASAN_OPTIONS=detect_leaks=1:abort_on_error=0 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
	meson test -C build-asan --print-errorlogs -v --num-processes 2 || rc=1
if [ -x "$top/bench/bench.sh" ]; then
	echo "=== benchmark smoke run ==="
	"$top/bench/bench.sh" --smoke || rc=1
fi
if [ $rc -eq 0 ]; then echo "ALL TEST SUITES PASSED"; else echo "SOME TEST SUITES FAILED"; fi
exit $rc
