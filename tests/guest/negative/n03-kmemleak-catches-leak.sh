# Proof the net works: a test-only module drops its only pointer to an
# allocation; a kmemleak scan must report it.
# expect-kernel: suspected memory leak
source "$LITE_ROOT/tests/guest/lib.sh"

K=/sys/kernel/debug/kmemleak
[[ -e $K ]] || fail "this kernel has no kmemleak"
echo clear > $K
insmod "$KO_BAD" what=leak
# kmemleak ignores objects younger than 5 s and needs two scans to be sure.
sleep 6
echo scan > $K
echo scan > $K
grep -q "lite_bad_leak" $K || { cat $K | head -40; fail "kmemleak did not report the leak"; }
log "kmemleak reported the allocation from lite_bad_leak"
rmmod lite_bad
