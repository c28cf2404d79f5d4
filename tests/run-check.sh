#!/bin/bash
# make check: host-side checks, then every guest suite in one QEMU boot of
# Debian's kernel, then a scan of the whole guest console. Prints one line
# per test and ends with "N passed, N failed".
set -uo pipefail

repo=$(cd "$(dirname "$0")/.." && pwd)
cd "$repo"
out=$repo/build/guest-out
results=$repo/build/check-results.txt
mkdir -p build
: > "$results"
pass=0 fail=0

record() {	# record PASS|FAIL name [why]
	if [[ $1 == PASS ]]; then
		pass=$((pass + 1))
		echo "PASS $2"
	else
		fail=$((fail + 1))
		echo "FAIL $2: $3"
	fi
}

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
grc=${PIPESTATUS[0]}
while read -r verdict name rest; do
	case $verdict in
	PASS) pass=$((pass + 1)) ;;
	FAIL) fail=$((fail + 1)) ;;
	esac
done < <(grep -E '^(PASS|FAIL) ' "$guest_log")
if ! grep -q '^guest summary: ' "$guest_log"; then
	record FAIL guest-run "the guest did not finish (status $grc); see $out/console.log"
fi

# --- the whole guest console: no bad kernel line anywhere ----------------
# Per-test checks attribute a line to a test; this one also covers boot,
# module unload at the end and anything between tests.
patterns=$(grep -v '^#' tests/guest/kernel-log-patterns | grep .)
allow=$(sed -n 's/^# expect-kernel: //p' tests/guest/tests/*.sh)
if [[ -f $out/console.log ]]; then
	bad=$(grep -E -- "$patterns" "$out/console.log" |
		{ if [[ -n "$allow" ]]; then grep -Ev -- "$allow"; else cat; fi; } || true)
	if [[ -z "$bad" ]]; then
		record PASS kernel-log-clean
	else
		echo "$bad" | head -n 20
		record FAIL kernel-log-clean "bad lines in $out/console.log"
	fi
else
	record FAIL kernel-log-clean "no console log"
fi

echo "$pass passed, $fail failed"
[[ $fail -eq 0 ]]
