#!/usr/bin/env bash
# Set up a Debian 12 machine (as root) to build and run everything in this
# repository, then build it.  Idempotent: a second run only rebuilds.
#
#  1. Debian packages: DPDK 22.11 (libdpdk-dev, dpdk, dpdk-dev, dpdk-doc),
#     rdma-core 44 (libibverbs-dev, ibverbs-providers with libmana), meson,
#     ninja, CUnit, libpcap, iproute2, iperf3, clang runtime for sanitizers.
#  2. DPDK driver SDK headers (ethdev_driver.h, bus_pci_driver.h, ...), which
#     Debian does not install: taken from Debian's source package of exactly
#     the installed libdpdk-dev version (a deb-src entry is added for it) into
#     a cache outside git ($MANA_DPDK_SRC_CACHE, default /var/cache/mana-dpdk-src).
#  3. meson setup + ninja for build/ (and build-asan/ with --asan).
set -euo pipefail

top=$(cd "$(dirname "$0")/.." && pwd)
cache=${MANA_DPDK_SRC_CACHE:-/var/cache/mana-dpdk-src}
want_asan=0
for a in "$@"; do
	case "$a" in
	--asan) want_asan=1 ;;
	-h|--help) sed -n '2,13p' "$0"; exit 0 ;;
	*) echo "setup.sh: unknown option $a" >&2; exit 2 ;;
	esac
done

log() { printf '[setup] %s\n' "$*"; }
as_root() { if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo "$@"; fi; }

packages=(libdpdk-dev dpdk dpdk-dev dpdk-doc libibverbs-dev ibverbs-providers
	rdma-core meson ninja-build pkg-config gcc libc6-dev dpkg-dev
	libcunit1-dev libpcap-dev libjansson-dev iproute2 iperf3 iputils-ping procps
	libclang-rt-14-dev clang python3 valgrind)

missing=()
for p in "${packages[@]}"; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
	log "installing: ${missing[*]}"
	as_root apt-get update -qq
	as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq \
		--no-install-recommends "${missing[@]}" >/dev/null
fi

# --- DPDK driver SDK headers from Debian's source package -----------------
dpdk_ver=$(dpkg-query -W -f='${Version}' libdpdk-dev)
sdk="$cache/$dpdk_ver/sdk-include"
sdk_headers=(lib/ethdev/ethdev_driver.h lib/ethdev/ethdev_pci.h
	lib/ethdev/ethdev_vdev.h lib/eal/include/dev_driver.h
	lib/eal/include/bus_driver.h drivers/bus/pci/bus_pci_driver.h
	drivers/bus/vdev/bus_vdev_driver.h)
if [ ! -f "$sdk/.complete" ]; then
	log "fetching Debian source of dpdk $dpdk_ver for the driver SDK headers"
	src_list=/etc/apt/sources.list.d/mana-dpdk-src.sources
	if ! grep -rqs '^Types:.*deb-src\|^deb-src' /etc/apt/sources.list /etc/apt/sources.list.d/; then
		as_root tee "$src_list" >/dev/null <<'EOF'
Types: deb-src
URIs: http://deb.debian.org/debian
Suites: bookworm bookworm-updates
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg

Types: deb-src
URIs: http://deb.debian.org/debian-security
Suites: bookworm-security
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg
EOF
		as_root apt-get update -qq
	fi
	as_root mkdir -p "$cache/$dpdk_ver"
	(cd "$cache/$dpdk_ver" && as_root apt-get source -qq --download-only "dpdk=$dpdk_ver" >/dev/null 2>&1) || {
		as_root apt-get update -qq
		(cd "$cache/$dpdk_ver" && as_root apt-get source -qq --download-only "dpdk=$dpdk_ver" >/dev/null)
	}
	orig=$(ls "$cache/$dpdk_ver"/dpdk_*.orig.tar.* | head -n 1)
	as_root rm -rf "$cache/$dpdk_ver/src"
	as_root mkdir -p "$cache/$dpdk_ver/src"
	as_root tar -xf "$orig" -C "$cache/$dpdk_ver/src" --strip-components=1
	as_root mkdir -p "$sdk"
	for h in "${sdk_headers[@]}"; do
		as_root cp "$cache/$dpdk_ver/src/$h" "$sdk/"
	done
	as_root touch "$sdk/.complete"
fi
ln -sfn "$cache/$dpdk_ver" "$cache/current"

# --- build ---------------------------------------------------------------
cd "$top"
build_one() {
	local dir=$1; shift
	if [ ! -f "$dir/build.ninja" ]; then
		log "meson setup $dir $*"
		meson setup "$dir" -Ddpdk_sdk="$sdk" -Ddpdk_src="$cache/$dpdk_ver/src" "$@" >/dev/null
	fi
	log "building $dir"
	ninja -C "$dir" >"$dir/ninja.log" 2>&1 || { cat "$dir/ninja.log"; exit 1; }
}
build_one build -Dwerror=true
if [ "$want_asan" = 1 ]; then
	build_one build-asan -Dwerror=true -Db_sanitize=address,undefined \
		-Db_lundef=false -Dasan_only=true
fi
log "ready"
