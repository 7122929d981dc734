# Runs with the host's binaries, already inside the VM's new mount, PID, UTS, IPC and
# network namespaces: mounts the root volume, builds a minimal /dev, then makes the
# volume the root (pivot_root) and hands over to init.sh from the image.
# Arguments: ROOT_MOUNTPOINT ROOT_DEVICE SEED_DIR VM_ID [NAME:MAJOR:MINOR ...]
# Reports "pid N" (its pid on the host) then errors on fd 3.
set -eu
. "${0%/*}/setup-common.sh"
report_host_pid
R=$1 ROOTDEV=$2 SEED=$3 VMID=$4
shift 4
mount_root "$R" "$ROOTDEV"
make_dev "$R"
mount_pts "$R"
link_dev_and_add_disks "$R" "$@"
mount -t tmpfs -o nosuid,nodev,mode=1777 tmp "$R/tmp"
mount -t tmpfs -o nosuid,nodev,mode=755,size=16m run "$R/run"
copy_seed "$R" "$SEED"
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
