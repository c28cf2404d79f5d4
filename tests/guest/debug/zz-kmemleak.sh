# The end of the debug run: no object allocated during the run is leaked.
# (tests/guest/run-suites.sh clears kmemleak's list before the first test.)
source "$LITE_ROOT/tests/guest/lib.sh"

K=/sys/kernel/debug/kmemleak
[[ -e $K ]] || fail "this kernel has no kmemleak"
# Objects younger than 5 s are not reported; two scans settle the rest.
sleep 6
echo scan > $K
echo scan > $K
leaks=$(cat $K)
if [[ -n "$leaks" ]]; then
	echo "$leaks" | head -80
	fail "kmemleak: $(echo "$leaks" | grep -c '^unreferenced object') leak(s)"
fi
log "kmemleak: no leak"
