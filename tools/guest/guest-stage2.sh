#!/bin/bash
# Guest stage 2: PID 1 in the overlay root (copied here by /init as
# /run/lite-guest-stage2). Finishes mounts, runs /run/lite-out/cmd.sh (written
# by run-in-guest.sh) with output on the virtio port "lite.out", then records
# rc + dmesg in the out share and powers off. Its own messages go to the
# kernel console (ttyS0 -> console.log), never into the command's stream.
# Uses bash builtins and the static busybox copied into /run where it can:
# every exec of a dynamic binary over 9p costs ~50-100 ms under TCG.
export PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
OUT=/run/lite-out
BB=/run/lite-bin/busybox

log() { echo "lite-stage2: $*" >/dev/kmsg; }
off() {
    $BB sync
    $BB poweroff -f
    echo o >/proc/sysrq-trigger   # fallback
    $BB sleep 60
}

$BB mkdir -p /dev/pts /dev/shm
$BB mount -t devpts -o gid=5,mode=620,ptmxmode=666 devpts /dev/pts
$BB mount -t tmpfs -o mode=1777,nosuid,nodev tmpfs /dev/shm
# devtmpfs lacks these; bash process substitution needs /dev/fd.
$BB ln -sfn /proc/self/fd /dev/fd
$BB ln -sfn /proc/self/fd/0 /dev/stdin
$BB ln -sfn /proc/self/fd/1 /dev/stdout
$BB ln -sfn /proc/self/fd/2 /dev/stderr
# Fresh /tmp, unless the work directory lives under the host's /tmp (then
# the overlay's /tmp, already writable, must stay visible).
cwd=$(<"$OUT/cwd")
case $cwd/ in
    /tmp/*) log "cwd under /tmp: keeping the overlay's /tmp" ;;
    *) $BB mount -t tmpfs -o mode=1777,nosuid,nodev tmpfs /tmp ;;
esac
[[ -d /sys/kernel/debug ]] && $BB mount -t debugfs debugfs /sys/kernel/debug
[[ -d /sys/kernel/tracing ]] && $BB mount -t tracefs tracefs /sys/kernel/tracing 2>/dev/null
echo lite-guest >/proc/sys/kernel/hostname
$BB ip link set lo up

# The output port: /dev/vportNpM whose sysfs name is lite.out. Ports are
# announced asynchronously by the host, so wait for it a little.
port=
for _ in {1..100}; do
    for n in /sys/class/virtio-ports/*/name; do
        [[ -r $n && $(<"$n") == lite.out ]] || continue
        d=${n%/name}; port=/dev/${d##*/}
    done
    [[ -n $port && -c $port ]] && break
    port=; $BB sleep 0.05
done
if [[ -z $port ]]; then
    log "WARNING: virtio port lite.out not found; command output goes to the console"
    port=/dev/console
fi
[[ -r $OUT/cmd.sh ]] || { log "FATAL: $OUT/cmd.sh missing"; off; }

# The command writes into a pipe relayed to the port by cat: a virtio port
# can be open only once, so a direct fd would break "echo x >/dev/stderr".
$BB mkfifo /run/lite-pipe
$BB cat /run/lite-pipe >"$port" &
relay=$!
read -r up _ </proc/uptime
log "starting command (uptime ${up}s)"
env -i PATH="$PATH" HOME=/root USER=root LOGNAME=root SHELL=/bin/bash TERM=dumb \
    PYTHONUNBUFFERED=1 LITE_GUEST_OUT="$OUT" /bin/bash "$OUT/cmd.sh" </dev/null >/run/lite-pipe 2>&1
rc=$?
read -r up _ </proc/uptime
log "command exited rc=$rc (uptime ${up}s)"
# Let the relay drain; leftover background jobs holding the pipe get killed.
for _ in {1..40}; do kill -0 $relay 2>/dev/null || break; $BB sleep 0.05; done
if kill -0 $relay 2>/dev/null; then
    log "background processes still hold stdout after the command; killing them"
    kill -9 -1
fi
wait $relay

$BB dmesg >"$OUT/dmesg.txt" 2>&1
echo "$rc" >"$OUT/rc.tmp" && $BB mv -f "$OUT/rc.tmp" "$OUT/rc"
off
