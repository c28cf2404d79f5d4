#!/bin/bash
# Run a command as root inside a throwaway QEMU guest booting the stock
# Debian kernel (or --kernel), in the caller's working directory (host root
# seen through 9p read-only + tmpfs overlay: guest writes never reach the
# host, except in the out dir, mounted at /run/lite-out in the guest).
#
#   run-in-guest.sh [--timeout SECONDS] [--mem MB] [--smp N] [--out DIR] [--kernel PATH] -- COMMAND [ARGS...]
#
# --kernel boots a kernel with the guest's drivers built in (virtio-pci,
# virtio-console, 9p, overlayfs), e.g. the debug kernel: an ELF vmlinux
# (needs CONFIG_PVH), a bzImage, or a kbuild output directory (its vmlinux
# if built with CONFIG_PVH, else its bzImage), with a module-less initramfs.
# The command's stdout+stderr stream live to stdout (and OUT/output.log);
# kernel messages go to OUT/console.log only; OUT/dmesg.txt is saved at the
# end. In the guest, OUT is writable at $LITE_GUEST_OUT (/run/lite-out).
# Exits with the command's status, or 125 if the guest gave none
# (panic, hang, timeout). Env vars LITE_*, CI and KVER are passed through.
# Extra kernel command line: $LITE_GUEST_APPEND; extra QEMU args (split on
# spaces): $LITE_GUEST_QEMU_ARGS.
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
repo=$(cd "$here/../.." && pwd)
timeout=1500 mem=2048 smp=2 out=$repo/build/guest-out kernel=

usage() { sed -n 's/^#   //p' "${BASH_SOURCE[0]}" >&2; exit 2; }
die() { echo "run-in-guest: $*" >&2; exit 125; }
while [[ $# -gt 0 ]]; do
    case $1 in
        --timeout) timeout=${2:?}; shift 2 ;;
        --mem) mem=${2:?}; shift 2 ;;
        --smp) smp=${2:?}; shift 2 ;;
        --out) out=${2:?}; shift 2 ;;
        --kernel) kernel=${2:?}; shift 2 ;;
        --) shift; break ;;
        *) usage ;;
    esac
done
[[ $# -gt 0 ]] || usage

# Boot the uncompressed ELF through its PVH entry when possible: this skips
# the kernel's own XZ decompression, which takes ~2 s under TCG. Extracted
# once per kernel; falls back to the bzImage.
extract_vmlinux() {   # $1 = bzImage, $2 = output ELF
    local m pos
    for m in 'xz -dc:\3757zXZ' 'zstd -qdc:(\265/\375' 'gzip -dc:\037\213\010'; do
        # shellcheck disable=SC2059  # the magic is an octal-escaped format
        pos=$(LC_ALL=C grep -aboF "$(printf "${m#*:}")" "$1" | head -n1 | cut -d: -f1) || true
        [[ -n $pos ]] || continue
        tail -c +$((pos + 1)) "$1" | ${m%%:*} >"$2" 2>/dev/null || true  # trailing junk
        [[ $(head -c4 "$2") == $'\177ELF' ]] && return 0
    done
    rm -f "$2"; return 1
}

mkdir -p "$repo/build/guest"
if [[ -n $kernel ]]; then
    if [[ -d $kernel ]]; then
        if grep -qx 'CONFIG_PVH=y' "$kernel/.config" 2>/dev/null; then
            kernel=$kernel/vmlinux
        else
            kernel=$kernel/arch/x86/boot/bzImage
        fi
    fi
    [[ -r $kernel ]] || die "cannot read kernel $kernel"
    initrd=$repo/build/guest/initramfs-builtin.cpio.gz
    "$here/mkinitramfs.sh" "$initrd" none
else
    kver=$("$here/kver.sh")
    kimg=/boot/vmlinuz-$kver
    [[ -r $kimg ]] || die "cannot read $kimg (Debian makes it root-only)"
    initrd=$repo/build/guest/initramfs-$kver.cpio.gz
    "$here/mkinitramfs.sh" "$initrd" "$kver"

    kernel=$kimg
    vmlinux=$repo/build/guest/vmlinux-$kver
    if grep -qx 'CONFIG_PVH=y' "/boot/config-$kver" 2>/dev/null; then
        if [[ ! -s $vmlinux || $vmlinux -ot $kimg ]]; then
            if extract_vmlinux "$kimg" "$vmlinux.tmp.$$"; then
                mv -f "$vmlinux.tmp.$$" "$vmlinux"
            fi
        fi
        [[ -s $vmlinux ]] && kernel=$vmlinux
    fi
fi

# Wipe the out dir, but never one that holds the caller's cwd.
out=$(realpath -m "$out")
case "$(pwd -P)/" in "$out"/*) die "refusing to wipe --out $out: it contains the cwd" ;; esac
rm -rf "$out"
mkdir -p "$out"

# The command file: cd, passed-through env, exec with %q-quoted args.
{
    printf 'cd -- %q || { echo "guest: cannot cd to %q" >&2; exit 125; }\n' "$PWD" "$PWD"
    while IFS= read -r v; do
        case $v in LITE_*|CI|KVER) printf 'export %s=%q\n' "$v" "${!v}" ;; esac
    done < <(compgen -e)
    printf 'exec'; printf ' %q' "$@"; printf '\n'
} >"$out/cmd.sh"
printf '%s\n' "$PWD" >"$out/cwd"
: >"$out/output.log"

qe() { printf '%s' "${1//,/,,}"; }   # escape commas in QEMU option values

append="console=ttyS0 ignore_loglevel printk.devkmsg=on panic=-1 mitigations=off"
append+=" ${LITE_GUEST_APPEND:-}"
# q35 (PCIe/MSI-X) boots ~0.4 s faster than pc under TCG; -cpu max runs
# userspace ~2.5x faster than qemu64. Without ERMS/FSRM: TCG runs
# "rep movsb/stosb" a byte per step, so the kernel's memcpy/memset and
# glibc's large copies, which pick them when advertised, crawl (measured
# in the guest: clear_user 0.9 vs 5.8 GB/s, pipe copy 0.18 vs 0.88 GB/s).
# $LITE_GUEST_QEMU_ARGS can override.
# shellcheck disable=SC2054,SC2206  # commas are QEMU's; QEMU_ARGS is split
qemu=(qemu-system-x86_64 -accel tcg -M q35 -cpu max,-erms,-fsrm -m "$mem" -smp "$smp"
    -nodefaults -no-user-config -display none -no-reboot
    -kernel "$kernel" -initrd "$initrd" -append "$append"
    # ttyS0: kernel console only.
    -chardev "file,id=con,path=$(qe "$out")/console.log" -serial chardev:con
    # Command output: virtio-serial port "lite.out" appended to a file that
    # we tail; file writes never block, so nothing is pending at poweroff.
    -device virtio-serial-pci
    -chardev "file,id=lout,path=$(qe "$out")/output.log,append=on"
    -device virtserialport,chardev=lout,name=lite.out
    -virtfs local,path=/,mount_tag=hostroot,security_model=none,readonly=on,multidevs=remap
    -virtfs "local,path=$(qe "$out"),mount_tag=out,security_model=none"
    ${LITE_GUEST_QEMU_ARGS:-})

start=$(date +%s.%N)
timeout -k 10 "$timeout" "${qemu[@]}" </dev/null >"$out/qemu.log" 2>&1 &
qpid=$!
tail -n +1 -s 0.1 -f --pid="$qpid" "$out/output.log" &
tpid=$!
trap 'kill "$qpid" "$tpid" 2>/dev/null; exit 130' INT TERM
qrc=0
wait "$qpid" || qrc=$?
wait "$tpid" || true   # exits once it has seen the data after qemu's death
trap - INT TERM
wall=$(awk -v s="$start" -v e="$(date +%s.%N)" 'BEGIN { print e - s }')

boot=$(sed -n 's/.*lite-stage2: starting command (uptime \([0-9.]*\)s).*/\1/p' "$out/console.log" | head -n1)
if [[ -f $out/rc ]]; then
    rc=$(cat "$out/rc")
    printf 'guest: rc=%s, command started at guest uptime %ss, wall %.1fs; logs in %s\n' \
        "$rc" "${boot:-?}" "$wall" "$out" >&2
    exit "$rc"
fi
{
    [[ $qrc == 124 ]] && echo "guest: timed out after ${timeout}s, QEMU killed"
    [[ $qrc != 0 && $qrc != 124 ]] && { echo "guest: QEMU exited $qrc:"; tail -n 20 "$out/qemu.log"; }
    echo "guest: no exit status (timeout/panic); see $out/console.log"
    echo "---- last 50 lines of $out/console.log ----"
    tail -n 50 "$out/console.log"
} >&2
exit 125
