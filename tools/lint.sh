#!/bin/bash
# Kernel style and static checks for the kernel C code ("make lint"):
#
#  1. scripts/checkpatch.pl --strict on every .c/.h under kernel/ and
#     tests/kmod/ (checkpatch comes from Debian's linux-source-X.Y, of
#     which only the few files checkpatch reads are extracted, into
#     build/linux-source/);
#  2. a sparse build (C=2, W=1) of kernel/ and then of tests/kmod/.
#
# Exits non-zero if checkpatch reports any ERROR, WARNING or CHECK that is
# not a listed false positive (see waivers below), or if the sparse builds
# fail or print any warning or error. Installs sparse and the kernel source
# package when they are missing, like tools/install-deps.sh. KVER and KDIR
# are honoured as by the top-level Makefile.
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."
top=$PWD

KVER=$(tools/guest/kver.sh)
KDIR=${KDIR:-/lib/modules/$KVER/build}
# 6.1.0-56-amd64 -> linux-source-6.1, the source of the running checkpatch
# matches the headers the modules are built against.
srcpkg=linux-source-$(cut -d. -f1,2 <<<"$KVER")

# ---- dependencies ---------------------------------------------------------

# perl: checkpatch needs modules (Term::ANSIColor) that perl-base lacks;
# xz-utils: to unpack the source tarball.
tools/install-deps.sh perl xz-utils sparse "$srcpkg"

# Only what checkpatch reads (it finds them next to itself); re-extracted
# when the package version changes.
src=build/linux-source
tarball=/usr/src/$srcpkg.tar.xz
members=(scripts/checkpatch.pl scripts/spelling.txt
	 scripts/const_structs.checkpatch)
want="$srcpkg $(dpkg-query -W -f='${Version}' "$srcpkg")"
have=$(cat "$src/.version" 2>/dev/null || true)
for m in "${members[@]}"; do
	[[ -f "$src/$m" ]] || have=""
done
if [[ "$have" != "$want" ]]; then
	echo "lint: extracting checkpatch from $tarball"
	rm -rf "$src" "$src.tmp"
	mkdir -p "$src.tmp"
	tar -xJf "$tarball" -C "$src.tmp" --strip-components=1 \
		"${members[@]/#/$srcpkg/}"
	echo "$want" >"$src.tmp/.version"
	mv "$src.tmp" "$src"
fi

status=0

# ---- checkpatch -----------------------------------------------------------

mapfile -t files < <(find kernel tests/kmod -type f \
	\( -name '*.c' -o -name '*.h' \) ! -name '*.mod.c' | LC_ALL=C sort)

# No check is ignored: with -f, the checks that only make sense for
# patches against the kernel tree (FILE_PATH_CHANGES, MAINTAINERS, commit
# message checks) never run, and every file carries its SPDX tag on line 1.
#
# Waivers: single reports that are false positives and cannot be fixed by
# a style change. Each is "file|TYPE|ERE", where the ERE must match the
# source line checkpatch reports, so a waiver covers that one construct
# and nothing added later.
waivers=(
	# lite_alloc_device(drv_struct, member): the arguments are a struct
	# tag and a member name, which have no side effects; the reuse is what
	# lets container_of() check the member's type. Same as upstream's
	# ib_alloc_device(), which draws the same CHECK.
	'kernel/include/rdma_lite/ib_core_lite.h|MACRO_ARG_REUSE|^#define lite_alloc_device\(drv_struct, member\)'
	# LITE_QP_ARGS(req): req is always a local request structure; the
	# macro reads the same-named fields of two uapi structures.
	'kernel/ib_core_lite/lite_uverbs_cmd_qp.c|MACRO_ARG_REUSE|^#define LITE_QP_ARGS\(req\)'
)

waived() {	# file line type
	local w wfile wtype wre
	for w in "${waivers[@]}"; do
		IFS='|' read -r wfile wtype wre <<<"$w"
		[[ "$1" == "$wfile" && "$3" == "$wtype" ]] || continue
		sed -n "${2}p" "$1" | grep -Eq -- "$wre" && return 0
	done
	return 1
}

cp_out=$(perl "$src/scripts/checkpatch.pl" --strict --no-tree -f \
	--terse --show-types --no-summary --color=never "${files[@]}" 2>&1) ||
	true
reports=0
waived_n=0
re='^([^:]+):([0-9]+): (ERROR|WARNING|CHECK):([A-Z0-9_]+):'
while IFS= read -r l; do
	[[ -n "$l" ]] || continue
	if [[ "$l" =~ $re ]] &&
	   waived "${BASH_REMATCH[1]}" "${BASH_REMATCH[2]}" "${BASH_REMATCH[4]}"
	then
		waived_n=$((waived_n + 1))
		continue
	fi
	# Anything else checkpatch prints, parsed or not, is a failure.
	echo "$l"
	reports=$((reports + 1))
done <<<"$cp_out"
if [[ $reports -gt 0 ]]; then
	echo "lint: checkpatch: $reports report(s) in ${#files[@]} files"
	status=1
else
	echo "lint: checkpatch: ${#files[@]} files clean ($waived_n waived)"
fi

# ---- sparse ---------------------------------------------------------------

sparse_build() {	# dir [make args...]
	local dir=$1 out rc=0
	shift
	out=$(make -C "$KDIR" M="$top/$dir" C=2 W=1 "$@" modules 2>&1) ||
		rc=$?
	if [[ $rc -ne 0 ]] ||
	   grep -Eiq '(warning|error):' <<<"$out"; then
		echo "$out"
		echo "lint: sparse: $dir: build failed or warned"
		return 1
	fi
	echo "lint: sparse: $dir clean"
}

# kernel/ first: it writes the Module.symvers the test module links to.
sparse_build kernel || status=1
sparse_build tests/kmod \
	KBUILD_EXTRA_SYMBOLS="$top/kernel/Module.symvers" || status=1

exit $status
