#!/bin/bash
# Upgrade drill: replace the rxe_lite module with another build while
# rcstream traffic runs on its device, and back, N times (rmmod, which
# revokes the open contexts, then insmod of the other build; the core
# re-adds the soft devices it knows for the new driver). Each cycle checks
# that the version in /sys/module/rxe_lite/version is the new build's.
# Report and PNG timeline as for tools/drill-unbind.sh (tools/drill-lib.sh).
#
#   drill-upgrade.sh [-n CYCLES] [-d IBDEV] [-o OUTDIR] [-a OTHER.ko] [-b THIS.ko]
#
# Defaults: -b kernel/drivers/rxe_lite/rxe_lite.ko (the loaded build) and
# -a build/alt/drivers/rxe_lite/rxe_lite.ko (make alt-module: the same
# sources, version 0.1-alt). Even cycles load -a, odd ones -b, so an even
# count ends on the build it started with.
set -uo pipefail
source "$(dirname "$0")/drill-lib.sh"

cycles=10 dev=rxe0
ko_b=$DRILL_ROOT/kernel/drivers/rxe_lite/rxe_lite.ko
ko_a=$DRILL_ROOT/build/alt/drivers/rxe_lite/rxe_lite.ko
while getopts n:d:o:a:b: o; do
	case $o in
	n) cycles=$OPTARG ;;
	d) dev=$OPTARG ;;
	o) DRILL_OUT=$OPTARG ;;
	a) ko_a=$OPTARG ;;
	b) ko_b=$OPTARG ;;
	*) sed -n 's/^#   //p' "$0" >&2; exit 2 ;;
	esac
done
for ko in "$ko_a" "$ko_b"; do
	[[ -r $ko ]] || drill_die "no module $ko (make alt-module)"
done
ver_a=$(modinfo -F version "$ko_a") ver_b=$(modinfo -F version "$ko_b")
[[ $ver_a != "$ver_b" ]] || drill_die "both builds say version $ver_a"
[[ $(cat /sys/module/rxe_lite/version 2>/dev/null) == "$ver_b" ]] ||
	drill_die "the loaded rxe_lite is not $ko_b (version $ver_b)"

# upgrade_to KO VERSION: load KO and check it is the one running.
upgrade_to() {
	insmod "$1" || return 1
	[[ $(cat /sys/module/rxe_lite/version) == "$2" ]] ||
		drill_die "loaded $1 but /sys/module/rxe_lite/version says $(cat /sys/module/rxe_lite/version)"
}

drill_start upgrade "$dev"
for ((c = 1; c <= cycles; c++)); do
	if (( c % 2 )); then ko=$ko_a ver=$ver_a; else ko=$ko_b ver=$ver_b; fi
	DRILL_VERSION="-> $ver"
	drill_cycle "$c" rmmod "rmmod rxe_lite" "upgrade_to $ko $ver"
done
drill_finish
