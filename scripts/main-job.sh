#!/usr/bin/env bash
# The main job (already built): a soft-NIC with two ports on a loop wire;
# frames sent on port 0 arrive on port 1; counters printed.
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
b="$top/build"
exec "$b/softnic/tools/softnic-run" --ports 2 --wire loop -- "$b/softnic/tools/softnic-demo" "$@"
