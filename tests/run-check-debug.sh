#!/bin/bash
# make check-debug: the suites on a debug kernel (lockdep, KASAN, kmemleak,
# DEBUG_OBJECTS, hung-task detection, fault injection), built from
# Debian's linux-source by tools/debug-kernel/build.sh and cached outside
# the repo. Two boots:
#   1. every suite of make check, plus tests/guest/debug/ (fault injection,
#      a longer churn, the kmemleak scan at the end);
#   2. tests/guest/negative/: deliberate lock inversion, use-after-free and
#      leak from a test-only module, each of which must be reported (proof
#      the net works; its own boot because lockdep switches itself off
#      after a report).
# Prints one line per test and ends with "N passed, N failed".
set -uo pipefail

repo=$(cd "$(dirname "$0")/.." && pwd)
cd "$repo"
source tests/host-lib.sh

# --- the kernel, then our modules built against it -------------------------
kbuild=$(tools/debug-kernel/build.sh | tail -n1)
if [[ ! -f $kbuild/Module.symvers ]]; then
	record FAIL debug-kernel-build "tools/debug-kernel/build.sh failed"
	echo "$pass passed, $fail failed"
	exit 1
fi
echo "debug kernel: $kbuild ($(cat "$kbuild/../build-seconds" 2>/dev/null || echo ?) s to build)"

# kbuild writes into M=, so build from a copy of the sources.
mods=$repo/build/debug-mods
rm -rf "$mods"
mkdir -p "$mods/tests/kmod"
find kernel tests/kmod \( -name '*.[ch]' -o -name Kbuild \) -print0 |
	xargs -0 cp --parents -t "$mods"
log=build/debug-mods-build.log
if make -C "$kbuild" M="$mods/kernel" W=1 modules > "$log" 2>&1 &&
   make -C "$kbuild" M="$mods/tests/kmod" \
	KBUILD_EXTRA_SYMBOLS="$mods/kernel/Module.symvers" modules >> "$log" 2>&1 &&
   # The upgrade drill's second rxe_lite build (make alt-module).
   mkdir -p "$mods/build/alt/drivers" &&
   cp -r "$mods/kernel/drivers/rxe_lite" "$mods/build/alt/drivers/" &&
   ln -sfn "$mods/kernel/include" "$mods/build/alt/include" &&
   make -C "$kbuild" M="$mods/build/alt/drivers/rxe_lite" RXE_LITE_VERSION=0.1-alt \
	KBUILD_EXTRA_SYMBOLS="$mods/kernel/Module.symvers" modules >> "$log" 2>&1 &&
   ! grep -E 'warning:|error:' "$log"; then
	record PASS debug-modules-build
else
	tail -n 30 "$log"
	record FAIL debug-modules-build "see $log"
	echo "$pass passed, $fail failed"
	exit 1
fi

# run_boot NAME SUITES [scan]: one guest boot; tally its PASS/FAIL lines.
# With "scan", the whole console is checked against the bad patterns too.
run_boot() {
	local name=$1 suites=$2 scan=${3:-} out=$repo/build/debug-out-$1 glog
	glog=build/debug-run-$name.log
	LITE_SUITES="$suites" LITE_MOD_ROOT="$mods" \
	LITE_TEST_TIMEOUT=${LITE_TEST_TIMEOUT:-1200} \
	LITE_LIGHT=${LITE_LIGHT:-1} \
	LITE_CHURN_SECS=${LITE_CHURN_SECS:-15} \
	LITE_FUZZ_COUNT=${LITE_FUZZ_COUNT:-300000} \
	LITE_CHURN_ITERS=${LITE_CHURN_ITERS:-300} \
	LITE_REVOKE_CYCLES=${LITE_REVOKE_CYCLES:-6} \
	LITE_REVOKE_ROUNDS=${LITE_REVOKE_ROUNDS:-1} \
	LITE_FAULT_ROUNDS=${LITE_FAULT_ROUNDS:-60} \
	LITE_SLOW_FACTOR=${LITE_SLOW_FACTOR:-5} \
		tools/guest/run-in-guest.sh --kernel "$kbuild" --mem 3072 \
		--timeout "${LITE_GUEST_TIMEOUT:-4500}" --out "$out" \
		-- tests/guest/run-suites.sh | tee "$glog"
	tally_guest "$glog" "$name-boot" "$out"
	[[ -z $scan ]] || scan_console "$name-kernel-log-clean" "$out/console.log" $suites
}

run_boot suites "tests debug" scan
run_boot negative "negative"

echo "$pass passed, $fail failed"
[[ $fail -eq 0 ]]
