# Proof the net works: a test-only module takes two mutexes in both orders;
# the debug kernel's lockdep must report it. (Runs in its own boot: lockdep
# switches itself off after its first report.)
# expect-kernel: possible circular locking dependency detected|Call Trace:
source "$LITE_ROOT/tests/guest/lib.sh"

[[ -e /proc/lockdep ]] || fail "this kernel has no lockdep"
insmod "$KO_BAD" what=lockorder
dmesg | grep -q "WARNING: possible circular locking dependency detected" ||
	fail "lockdep did not report the inversion"
dmesg | grep -A40 "possible circular locking dependency" | grep -q "lite_bad_[ab]" ||
	fail "the report does not name lite_bad's locks"
log "lockdep reported the lite_bad_a/lite_bad_b inversion"
rmmod lite_bad
