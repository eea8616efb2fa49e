#!/usr/bin/env bash
# Set up the machine (scripts/setup.sh), build, and run the main job on the
# soft-NIC (or on MANA hardware when present): see README.md.
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
"$top/scripts/setup.sh"
exec "$top/scripts/main-job.sh" "$@"
