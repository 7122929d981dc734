# Runs with the host's binaries, already inside the VM's new mount, PID, UTS, IPC, network
# and cgroup namespaces, for a guest whose own init is systemd: mounts the root volume, the
# API file systems systemd expects in a container (read-only /sys, a cgroup2 hierarchy of
# its own, a private /dev with the console), then pivots into the volume and hands over to
# boot-systemd.sh from the seed.
# Arguments: ROOT_MOUNTPOINT ROOT_DEVICE SEED_DIR VM_ID CONSOLE_PTY [NAME:MAJOR:MINOR ...]
# Reports "pid N" (its pid on the host), then "systemd" once it hands over, on fd 3.
set -eu
. "${0%/*}/setup-common.sh"
report_host_pid
R=$1 ROOTDEV=$2 SEED=$3 VMID=$4 CONSOLE=$5
shift 5
mount_root "$R" "$ROOTDEV"
mkdir -p "$R/sys"
# Each boot its own boot id (journalctl --boot), not this machine's.
mount --bind "$SEED/boot_id" "$R/proc/sys/kernel/random/boot_id"
mount -t sysfs -o ro,nosuid,nodev,noexec sysfs "$R/sys"
# The cgroup namespace's root is the cgroup the simulator made for this VM.
mount -t cgroup2 -o nosuid,nodev,noexec cgroup2 "$R/sys/fs/cgroup"
make_dev "$R"
# The console is a pty the simulator holds open (closing it would stall shutdown).
: > "$R/dev/console"
mount --bind "$CONSOLE" "$R/dev/console"
mount_pts "$R"
mount -t tmpfs -o nosuid,nodev,mode=1777 shm "$R/dev/shm"
link_dev_and_add_disks "$R" "$@"
mount -t tmpfs -o nosuid,nodev,mode=755,size=64m run "$R/run"
copy_seed "$R" "$SEED"
hostname "$VMID"
ip link set lo up
echo "systemd" >&3
exec 3>&-
cd "$R"
pivot_root . run/osc-build-sim/host
exec /bin/sh /run/osc-build-sim/boot-systemd.sh
