#!/bin/sh
# SPDX-License-Identifier: BSD-3-Clause
# Run the TAP-wire test in a fresh network namespace with a unique name and
# delete that namespace on every exit path (the test deletes it too).
# usage: run-tap.sh SOFTNIC_RUN TEST_TAP
set -u
if [ "$(id -u)" != 0 ] || [ ! -c /dev/net/tun ] || ! command -v ip >/dev/null; then
	echo "SKIP: needs root, /dev/net/tun and iproute2"
	exit 77
fi
ns="sntns$$"
cleanup() {
	ip netns del "$ns" 2>/dev/null
	return 0
}
trap 'cleanup; exit 130' INT TERM
"$1" --ports 1 --wire tap -- "$2" --netns "$ns"
rc=$?
cleanup
exit $rc
