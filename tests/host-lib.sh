# Host-side helpers of tests/run-check.sh and tests/run-check-debug.sh
# (sourced, from the repository's top directory).

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

# tally_guest LOG NAME OUT: count the PASS/FAIL lines a guest run printed
# to LOG; a guest that did not finish fails NAME.
tally_guest() {
	local log=$1 name=$2 out=$3 verdict
	while read -r verdict _; do
		case $verdict in
		PASS) pass=$((pass + 1)) ;;
		FAIL) fail=$((fail + 1)) ;;
		esac
	done < <(grep -E '^(PASS|FAIL) ' "$log")
	grep -q '^guest summary: ' "$log" ||
		record FAIL "$name" "the guest did not finish; see $out/console.log"
}

# scan_console NAME CONSOLE SUITE...: no line of the whole guest console
# matches tests/guest/kernel-log-patterns, except what the tests of the
# given suites (directories of tests/guest/) expect. The per-test check
# attributes a line to a test; this one also covers boot, shutdown and
# everything between tests.
scan_console() {
	local name=$1 console=$2 patterns allow bad d
	shift 2
	if [[ ! -f $console ]]; then
		record FAIL "$name" "no console log"
		return
	fi
	patterns=$(grep -v '^#' tests/guest/kernel-log-patterns | grep .)
	allow=$(for d in "$@"; do sed -n 's/^# expect-kernel: //p' tests/guest/"$d"/*.sh; done)
	bad=$(grep -E -- "$patterns" "$console" |
		{ if [[ -n "$allow" ]]; then grep -Ev -- "$allow"; else cat; fi; } || true)
	if [[ -z "$bad" ]]; then
		record PASS "$name"
	else
		echo "$bad" | head -n 20
		record FAIL "$name" "bad lines in $console"
	fi
}
