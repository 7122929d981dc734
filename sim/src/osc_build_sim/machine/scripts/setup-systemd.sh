# Runs with the host's binaries, already inside the VM's new mount, PID, UTS, IPC, network
# and cgroup namespaces, for a guest whose own init is systemd: mounts the root volume, the
# API file systems systemd expects in a container (read-only /sys, a cgroup2 hierarchy of
# its own, a private /dev with the console), then pivots into the volume and hands over to
# boot-systemd.sh from the seed.
# Arguments: ROOT_MOUNTPOINT ROOT_DEVICE SEED_DIR VM_ID CONSOLE_PTY [NAME:MAJOR:MINOR ...]
# Reports "pid N" (its pid on the host), then "systemd" once it hands over, on fd 3.
set -eu
read -r host_pid _ < /proc/self/stat
echo "pid $host_pid" >&3
R=$1 ROOTDEV=$2 SEED=$3 VMID=$4 CONSOLE=$5
shift 5
mount --make-rprivate /
mount "$ROOTDEV" "$R"
mkdir -p "$R/proc" "$R/dev" "$R/tmp" "$R/run" "$R/sys"
mount -t proc -o nosuid,nodev,noexec proc "$R/proc"
for p in sys sysrq-trigger irq bus fs; do
    if [ -e "$R/proc/$p" ]; then
        mount --bind "$R/proc/$p" "$R/proc/$p"
        mount -o remount,bind,ro "$R/proc/$p"
    fi
done
# Each boot its own boot id (journalctl --boot), not this machine's.
mount --bind "$SEED/boot_id" "$R/proc/sys/kernel/random/boot_id"
mount -t sysfs -o ro,nosuid,nodev,noexec sysfs "$R/sys"
# The cgroup namespace's root is the cgroup the simulator made for this VM.
mount -t cgroup2 -o nosuid,nodev,noexec cgroup2 "$R/sys/fs/cgroup"
mount -t tmpfs -o nosuid,mode=755,size=4m dev "$R/dev"
mknod -m 666 "$R/dev/null" c 1 3
mknod -m 666 "$R/dev/zero" c 1 5
mknod -m 666 "$R/dev/full" c 1 7
mknod -m 666 "$R/dev/random" c 1 8
mknod -m 666 "$R/dev/urandom" c 1 9
mknod -m 666 "$R/dev/tty" c 5 0
# The console is a pty the simulator holds open (closing it would stall shutdown).
: > "$R/dev/console"
mount --bind "$CONSOLE" "$R/dev/console"
mkdir "$R/dev/pts" "$R/dev/shm"
mount -t devpts -o newinstance,ptmxmode=0666,mode=620,gid=5 devpts "$R/dev/pts"
mount -t tmpfs -o nosuid,nodev,mode=1777 shm "$R/dev/shm"
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
mount -t tmpfs -o nosuid,nodev,mode=755,size=64m run "$R/run"
mkdir -p "$R/run/osc-build-sim/host"
cp -r "$SEED/." "$R/run/osc-build-sim/"
hostname "$VMID"
ip link set lo up
echo "systemd" >&3
exec 3>&-
cd "$R"
pivot_root . run/osc-build-sim/host
exec /bin/sh /run/osc-build-sim/boot-systemd.sh
