# Runs with the host's binaries, already inside the VM's new mount, PID, UTS, IPC and
# network namespaces: mounts the root volume, builds a minimal /dev, then makes the
# volume the root (pivot_root) and hands over to init.sh from the image.
# Arguments: ROOT_MOUNTPOINT ROOT_DEVICE SEED_DIR VM_ID [NAME:MAJOR:MINOR ...]
# Reports "pid N" (its pid on the host) then errors on fd 3.
set -eu
read -r host_pid _ < /proc/self/stat
echo "pid $host_pid" >&3
R=$1 ROOTDEV=$2 SEED=$3 VMID=$4
shift 4
mount --make-rprivate /
mount "$ROOTDEV" "$R"
mkdir -p "$R/proc" "$R/dev" "$R/tmp" "$R/run"
mount -t proc -o nosuid,nodev,noexec proc "$R/proc"
for p in sys sysrq-trigger irq bus fs; do
    if [ -e "$R/proc/$p" ]; then
        mount --bind "$R/proc/$p" "$R/proc/$p"
        mount -o remount,bind,ro "$R/proc/$p"
    fi
done
mount -t tmpfs -o nosuid,mode=755,size=4m dev "$R/dev"
mknod -m 666 "$R/dev/null" c 1 3
mknod -m 666 "$R/dev/zero" c 1 5
mknod -m 666 "$R/dev/full" c 1 7
mknod -m 666 "$R/dev/random" c 1 8
mknod -m 666 "$R/dev/urandom" c 1 9
mknod -m 666 "$R/dev/tty" c 5 0
mkdir "$R/dev/pts" "$R/dev/shm"
mount -t devpts -o newinstance,ptmxmode=0666,mode=620,gid=5 devpts "$R/dev/pts"
ln -s pts/ptmx "$R/dev/ptmx"
ln -s /proc/self/fd "$R/dev/fd"
ln -s /proc/self/fd/0 "$R/dev/stdin"
ln -s /proc/self/fd/1 "$R/dev/stdout"
ln -s /proc/self/fd/2 "$R/dev/stderr"
for spec in "$@"; do
    name=${spec%%:*} rest=${spec#*:}
    mkdir -p "$(dirname "$R/dev/$name")"
    mknod -m 660 "$R/dev/$name" b "${rest%%:*}" "${rest#*:}"
    chgrp 6 "$R/dev/$name"
done
mount -t tmpfs -o nosuid,nodev,mode=1777 tmp "$R/tmp"
mount -t tmpfs -o nosuid,nodev,mode=755,size=16m run "$R/run"
mkdir -p "$R/run/osc-build-sim/host"
cp -r "$SEED/." "$R/run/osc-build-sim/"
mkfifo "$R/run/osc-build-sim/idle"
hostname "$VMID"
ip link set lo up
# Without these, root inside could load modules, reboot or write raw to host devices.
DROP=-mknod,-dac_read_search,-sys_module,-sys_boot,-sys_time,-sys_rawio,-mac_admin,-mac_override,-syslog,-wake_alarm
HAS_SETPRIV=no
if [ -x "$R/usr/bin/setpriv" ]; then HAS_SETPRIV=yes; fi
cd "$R"
pivot_root . run/osc-build-sim/host
if [ $HAS_SETPRIV = yes ]; then
    exec /usr/bin/setpriv --bounding-set "$DROP" /bin/sh /run/osc-build-sim/init.sh
fi
exec /bin/sh /run/osc-build-sim/init.sh
