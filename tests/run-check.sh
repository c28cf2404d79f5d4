#!/bin/bash
# make check: host-side checks, then every guest suite in one QEMU boot of
# Debian's kernel, then a scan of the whole guest console. Prints one line
# per test and ends with "N passed, N failed".
set -uo pipefail

repo=$(cd "$(dirname "$0")/.." && pwd)
cd "$repo"
out=$repo/build/guest-out
mkdir -p build
source tests/host-lib.sh

# --- host: the modules build without warnings at W=1 ---------------------
kver=$(tools/guest/kver.sh)
kdir=/lib/modules/$kver/build
w1log=build/w1-build.log
if make -C "$kdir" M="$repo/kernel" clean > /dev/null 2>&1 &&
   make -C "$kdir" M="$repo/kernel" W=1 modules > "$w1log" 2>&1; then
	if grep -E 'warning:|error:' "$w1log"; then
		record FAIL build-w1-clean "warnings in $w1log"
	else
		record PASS build-w1-clean
	fi
else
	tail -n 30 "$w1log"
	record FAIL build-w1-clean "build failed, see $w1log"
fi

# --- guest: every suite, one boot -----------------------------------------
guest_log=build/guest-run.log
tools/guest/run-in-guest.sh --timeout "${LITE_GUEST_TIMEOUT:-2700}" --out "$out" \
	-- tests/guest/run-suites.sh | tee "$guest_log"
tally_guest "$guest_log" guest-run "$out"

# --- the whole guest console: no bad kernel line anywhere ----------------
scan_console kernel-log-clean "$out/console.log" tests

# --- two guests: rxe_lite against Linux's own rdma_rxe over the wire ------
# (tools/guest/run-interop.sh, tests/interop/). Skipped when LITE_TESTS
# selects guest tests and does not name "interop".
if [[ -z ${LITE_TESTS:-} || " $LITE_TESTS " == *" interop "* ]]; then
	interop_out=build/interop-out
	interop_log=build/interop-run.log
	tools/guest/run-interop.sh --out "$interop_out" 2>&1 | sed -u 's/^/    /' |
		tee "$interop_log"
	interop_rc=${PIPESTATUS[0]}
	if [[ $interop_rc == 0 ]]; then
		record PASS interop-linux-rxe
	else
		why=$(grep -m1 -E '\] FAIL |FAIL: ' "$interop_log" | sed 's/^ *//')
		[[ $interop_rc == 125 ]] && why="a guest gave no exit status (see $interop_out/{a,b}/console.log)"
		record FAIL interop-linux-rxe "${why:-exit status $interop_rc}; see $interop_log"
	fi
	scan_console interop-kernel-log-clean-a "$interop_out/a/console.log"
	scan_console interop-kernel-log-clean-b "$interop_out/b/console.log"
fi

echo "$pass passed, $fail failed"
[[ $fail -eq 0 ]]
