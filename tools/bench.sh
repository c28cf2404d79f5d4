#!/bin/bash
# make bench: rxe_lite against Linux's own rxe in the same guest, same
# tools, one run (see tools/bench-guest.sh). Prints a table with both and
# the ratios; the raw outputs are in build/bench-out/.
set -euo pipefail
cd "$(dirname "$0")/.."
exec tools/guest/run-in-guest.sh --timeout 1800 --out build/bench-out -- tools/bench-guest.sh
