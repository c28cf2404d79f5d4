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
tools/guest/run-in-guest.sh --timeout "${LITE_GUEST_TIMEOUT:-1700}" --out "$out" \
	-- tests/guest/run-suites.sh | tee "$guest_log"
tally_guest "$guest_log" guest-run "$out"

# --- the whole guest console: no bad kernel line anywhere ----------------
scan_console kernel-log-clean "$out/console.log" tests

echo "$pass passed, $fail failed"
[[ $fail -eq 0 ]]
