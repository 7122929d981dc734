# Sourced by setup.sh and setup-systemd.sh (host binaries, inside the VM's new namespaces):
# the set-up both kinds of guest share, each function a step in the order they run it.

# Tell the simulator the pid of this process on the host, on fd 3.
report_host_pid() {
    read -r host_pid _ < /proc/self/stat
    echo "pid $host_pid" >&3
}

# ROOT_MOUNTPOINT ROOT_DEVICE: the root volume, with a /proc whose kernel knobs are read-only.
mount_root() {
    mount --make-rprivate /
    mount "$2" "$1"
    mkdir -p "$1/proc" "$1/dev" "$1/tmp" "$1/run"
    mount -t proc -o nosuid,nodev,noexec proc "$1/proc"
    for p in sys sysrq-trigger irq bus fs; do
        if [ -e "$1/proc/$p" ]; then
            mount --bind "$1/proc/$p" "$1/proc/$p"
            mount -o remount,bind,ro "$1/proc/$p"
        fi
    done
}

# ROOT_MOUNTPOINT: a private /dev with the character devices every guest uses.
make_dev() {
    mount -t tmpfs -o nosuid,mode=755,size=4m dev "$1/dev"
    mknod -m 666 "$1/dev/null" c 1 3
    mknod -m 666 "$1/dev/zero" c 1 5
    mknod -m 666 "$1/dev/full" c 1 7
    mknod -m 666 "$1/dev/random" c 1 8
    mknod -m 666 "$1/dev/urandom" c 1 9
    mknod -m 666 "$1/dev/tty" c 5 0
}

# ROOT_MOUNTPOINT: the guest's own pseudo-terminals.
mount_pts() {
    mkdir "$1/dev/pts" "$1/dev/shm"
    mount -t devpts -o newinstance,ptmxmode=0666,mode=620,gid=5 devpts "$1/dev/pts"
}

# ROOT_MOUNTPOINT [NAME:MAJOR:MINOR ...]: the usual links, then the VM's block devices.
link_dev_and_add_disks() {
    dev=$1/dev
    shift
    ln -s pts/ptmx "$dev/ptmx"
    ln -s /proc/self/fd "$dev/fd"
    ln -s /proc/self/fd/0 "$dev/stdin"
    ln -s /proc/self/fd/1 "$dev/stdout"
    ln -s /proc/self/fd/2 "$dev/stderr"
    for spec in "$@"; do
        name=${spec%%:*} rest=${spec#*:}
        mkdir -p "$(dirname "$dev/$name")"
        mknod -m 660 "$dev/$name" b "${rest%%:*}" "${rest#*:}"
        chgrp 6 "$dev/$name"
    done
}

# ROOT_MOUNTPOINT SEED_DIR: the seed where the guest's init finds it, and the place the
# host's root goes at pivot_root.
copy_seed() {
    mkdir -p "$1/run/osc-build-sim/host"
    cp -r "$2/." "$1/run/osc-build-sim/"
}
