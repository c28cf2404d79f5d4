#!/bin/bash
# Runs inside the guest: every tests/guest/DIR/*.sh for each DIR in
# $LITE_SUITES (default "tests"; the debug kernel adds "debug", and runs
# "negative" in a boot of its own), or only those matching $LITE_TESTS (a
# space-separated list of names or prefixes), one process each, with a clean
# slate (modules unloaded, no veth) around each. Prints "PASS name (Ns)" or
# "FAIL name (Ns): why" per test, the test's own output indented below it.
# A test also fails when the kernel logged a bad line while it ran
# (kernel-log-patterns), unless its "# expect-kernel: REGEX" lines allow
# that line. The host (tests/run-check.sh) prints the final tally.
set -uo pipefail

export LITE_ROOT=${LITE_ROOT:-$(cd "$(dirname "$0")/../.." && pwd)}
source "$LITE_ROOT/tests/guest/lib.sh"
out=/run/lite-out
mkdir -p "$out/tests"
patterns=$(grep -v '^#' "$LITE_ROOT/tests/guest/kernel-log-patterns" | grep .)
timeout_s=${LITE_TEST_TIMEOUT:-300}

modprobe veth 2>/dev/null || true
modprobe -q udp_tunnel 2>/dev/null || true
ip link set lo up

tests=()
read -ra pats <<< "${LITE_TESTS:-}"
[[ ${#pats[@]} -gt 0 ]] || pats=("")
for dir in ${LITE_SUITES:-tests}; do
	for pat in "${pats[@]}"; do
		for f in "$LITE_ROOT"/tests/guest/$dir/$pat*.sh; do
			[[ -e "$f" ]] && tests+=("$f")
		done
	done
done

# On a kernel with kmemleak, forget what boot allocated: the leak check at
# the end of the debug suite looks at what the tests did.
if [[ -w /sys/kernel/debug/kmemleak ]]; then
	echo scan > /sys/kernel/debug/kmemleak
	echo clear > /sys/kernel/debug/kmemleak
fi

# Kernel log lines since sequence number $1 that match a bad pattern and
# none of the test's own expect-kernel regexps ($2, newline-separated).
bad_kernel_lines() {
	local since=$1 allow=$2
	dmesg -r 2>/dev/null | awk -v s="$since" 'NR > s' |
		grep -E -- "$patterns" |
		{ if [[ -n "$allow" ]]; then grep -Ev -- "$allow"; else cat; fi; } || true
}

pass=0 fail=0
for t in "${tests[@]}"; do
	name=$(basename "$t" .sh)
	allow=$(sed -n 's/^# expect-kernel: //p' "$t")
	echo "lite-test: begin $name" > /dev/kmsg
	since=$(dmesg -r | wc -l)
	start=$(now_ms)
	# A long test names its own bound ("# timeout: SECONDS"); the larger wins.
	t_s=$(sed -n 's/^# timeout: \([0-9]*\)$/\1/p' "$t")
	(( ${t_s:-0} > timeout_s )) || t_s=$timeout_s
	timeout -k 10 "$t_s" bash -euo pipefail "$t" > "$out/tests/$name.log" 2>&1
	rc=$?
	secs=$(( ($(now_ms) - start + 500) / 1000 ))
	why=""
	case $rc in
	0) ;;
	124|137) why="timed out after ${t_s}s" ;;
	*) why=$(grep '^FAIL: ' "$out/tests/$name.log" | tail -n1 | sed 's/^FAIL: //')
	   why=${why:-exit status $rc} ;;
	esac
	# Leave a clean slate; a test that cannot be cleaned up after fails.
	if ! (unload_all && del_all_veth) >> "$out/tests/$name.log" 2>&1; then
		why=${why:-cleanup failed}
	fi
	echo "lite-test: end $name" > /dev/kmsg
	bad=$(bad_kernel_lines "$since" "$allow")
	if [[ -n "$bad" ]]; then
		why="${why:+$why; }kernel log: $(echo "$bad" | head -n1)"
		echo "$bad" >> "$out/tests/$name.log"
	fi
	if [[ -z "$why" ]]; then
		echo "PASS $name (${secs}s)"
		pass=$((pass + 1))
	else
		echo "FAIL $name (${secs}s): $why"
		fail=$((fail + 1))
	fi
	sed 's/^/    /' "$out/tests/$name.log"
done
echo "guest summary: pass=$pass fail=$fail"
[[ $fail -eq 0 ]]
