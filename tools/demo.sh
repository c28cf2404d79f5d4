#!/bin/bash
# make demo: boot Debian's kernel in QEMU and walk through what
# ib_core_lite does today (see README "Status"). Output streams live.
set -euo pipefail
cd "$(dirname "$0")/.."
exec tools/guest/run-in-guest.sh --timeout 600 --out build/demo-out -- tools/demo-guest.sh
