#!/bin/sh
# SPDX-License-Identifier: BSD-3-Clause
# ABI check of the soft-NIC drop-ins (issue 2, item 1):
#  1. every symbol the drop-in libibverbs.so.1 / libmana.so.1 export (except
#     the private SOFTNIC_PRIVATE node the two drop-ins share) exists in the
#     real rdma-core library with the same version node, the same default /
#     non-default binding (@@ / @) and the same type (FUNC / OBJECT);
#  2. every versioned ibv_* / manadv_* symbol imported by the given
#     executables (built against the real rdma-core) is exported by a drop-in
#     with exactly that version.
# usage: check_symbols.sh DROPIN_DIR REAL_LIB_DIR [EXECUTABLE...]
set -u
dropin=$1
real=$2
shift 2
fail=0
tmp=$(mktemp -d) || exit 1
trap 'rm -rf "$tmp"' EXIT

# "name@ver TYPE" (or "name@@ver TYPE") of every defined dynamic symbol.
defs() {
	readelf --dyn-syms -W "$1" |
		awk 'NR > 3 && $7 != "UND" && $8 != "" { print $8, $4 }' | sort -u
}

for lib in libibverbs.so.1 libmana.so.1; do
	if [ ! -e "$dropin/$lib" ] || [ ! -e "$real/$lib" ]; then
		echo "FAIL: $dropin/$lib or $real/$lib missing"
		fail=1
		continue
	fi
	defs "$dropin/$lib" | grep -v 'SOFTNIC_PRIVATE' > "$tmp/d"
	defs "$real/$lib" > "$tmp/r"
	n=$(wc -l < "$tmp/d")
	bad=$(grep -vxF -f "$tmp/r" "$tmp/d")
	if [ -n "$bad" ]; then
		echo "FAIL: $lib: exported by the drop-in but not (so) by rdma-core:"
		echo "$bad" | while read -r s t; do
			name=${s%%@*}
			have=$(awk -v n="$name" '{ split($1, a, "@"); if (a[1] == n) print $0 }' "$tmp/r" | tr '\n' ' ')
			echo "    $s $t    (rdma-core: ${have:-none})"
		done
		fail=1
	else
		echo "ok: $lib: $n exported symbols, all with rdma-core's version node"
	fi
	priv=$(defs "$dropin/$lib" | grep -c 'SOFTNIC_PRIVATE')
	echo "    ($priv private SOFTNIC_PRIVATE symbols not compared)"
done

# Exports of both drop-ins as "name@ver" (default marker removed).
{ defs "$dropin/libibverbs.so.1"; defs "$dropin/libmana.so.1"; } 2>/dev/null |
	awk '{ sub("@@", "@", $1); print $1 }' | sort -u > "$tmp/exports"
for exe in "$@"; do
	readelf --dyn-syms -W "$exe" |
		awk '$7 == "UND" && $8 ~ /^(ibv_|manadv_|_?_?ibv_|verbs_)/ && $8 ~ /@/ { print $8 }' |
		sort -u > "$tmp/imports"
	n=$(wc -l < "$tmp/imports")
	bad=$(grep -vxF -f "$tmp/exports" "$tmp/imports")
	if [ -n "$bad" ]; then
		echo "FAIL: $(basename "$exe") imports symbols no drop-in exports:"
		echo "$bad" | sed 's/^/    /'
		fail=1
	else
		echo "ok: $(basename "$exe"): $n imported ibv/manadv symbols all provided"
	fi
done
exit $fail
