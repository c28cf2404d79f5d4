# Proof the net works: a test-only module reads memory after kfree(); the
# debug kernel's KASAN must report it.
# expect-kernel: BUG: KASAN: .*use-after-free in lite_bad_uaf|Call Trace:
source "$LITE_ROOT/tests/guest/lib.sh"

insmod "$KO_BAD" what=uaf
dmesg | grep -q "BUG: KASAN: .*use-after-free in lite_bad_uaf" ||
	fail "KASAN did not report the use-after-free"
log "KASAN reported the use-after-free in lite_bad_uaf"
rmmod lite_bad
