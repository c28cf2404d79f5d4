#!/bin/bash
# make demo: boot Debian's kernel in QEMU and walk through what
# ib_core_lite does (see README). Output streams live; the drills' reports
# and PNG timelines land in build/demo-out/drills/
set -euo pipefail
cd "$(dirname "$0")/.."
exec tools/guest/run-in-guest.sh --timeout 600 --out build/demo-out -- tools/demo-guest.sh
