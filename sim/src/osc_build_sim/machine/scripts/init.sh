# PID 1 of a VM, run by the image's own shell once its volume is the root.
# Detaches the host's filesystem, does cloud-init's first-boot work (default user,
# authorized keys, user data), reports "ready" on fd 3 and then reaps children.
SEED=/run/osc-build-sim
umount -l "$SEED/host" && rmdir "$SEED/host"
export PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
VMID=$(cat "$SEED/vm-id")
USER_NAME=$(cat "$SEED/default-user")
echo "[    0.000000] Linux version $(uname -r) (osc-build-sim sandbox)"
echo "[    0.000001] Hostname: $VMID"
grep -qs " $VMID\$" /etc/hosts || echo "127.0.1.1 $VMID" >> /etc/hosts
first_boot=no
if [ "$(cat /var/lib/osc-build-sim/instance-id 2>/dev/null)" != "$VMID" ]; then
    first_boot=yes
fi
if [ $first_boot = yes ]; then
    echo "cloud-init: first boot of $VMID"
    if ! grep -q "^$USER_NAME:" /etc/passwd; then
        uid=1000
        while cut -d: -f3 /etc/passwd | grep -qx "$uid"; do uid=$((uid + 1)); done
        echo "$USER_NAME:x:$uid:$uid:$USER_NAME:/home/$USER_NAME:/bin/bash" >> /etc/passwd
        echo "$USER_NAME:x:$uid:" >> /etc/group
        echo "$USER_NAME:*:20000:0:99999:7:::" >> /etc/shadow
        echo "$USER_NAME ALL=(ALL:ALL) NOPASSWD: ALL" > "/etc/sudoers.d/90-$USER_NAME" 2>/dev/null \
            || echo "$USER_NAME ALL=(ALL:ALL) NOPASSWD: ALL" >> /etc/sudoers
        echo "cloud-init: created user $USER_NAME"
    fi
    home=$(grep "^$USER_NAME:" /etc/passwd | cut -d: -f6)
    ids=$(grep "^$USER_NAME:" /etc/passwd | cut -d: -f3,4)
    mkdir -p "$home/.ssh"
    if [ -s "$SEED/authorized_keys" ]; then
        cat "$SEED/authorized_keys" >> "$home/.ssh/authorized_keys"
        echo "cloud-init: installed the keypair for $USER_NAME"
    fi
    chmod 700 "$home/.ssh"
    chown -R "$ids" "$home"
    mkdir -p /var/lib/osc-build-sim
    echo "$VMID" > /var/lib/osc-build-sim/instance-id
fi
echo "ready" >&3
exec 3>&-
if [ $first_boot = yes ] && [ -s "$SEED/user-data" ]; then
    if head -c 2 "$SEED/user-data" | grep -q '^#!'; then
        echo "cloud-init: running user data"
        cp "$SEED/user-data" /var/lib/osc-build-sim/user-data
        chmod 700 /var/lib/osc-build-sim/user-data
        ( /var/lib/osc-build-sim/user-data; echo "cloud-init: user data exited with $?" ) &
    else
        echo "cloud-init: user data is not a script, ignored"
    fi
fi
echo "$VMID login: (osc-build-sim: SSH is served by the simulator)"
trap 'sync; exit 0' TERM INT  # the simulator stopping the VM
# The image's power commands (poweroff, halt, reboot, shutdown) signal PID 1. A reboot ends
# with the status a shell gives for SIGHUP: the simulator boots the VM again.
trap 'echo "reboot: Power down"; sync; exit 0' USR1 USR2
trap 'echo "reboot: Restarting system"; sync; exit 129' HUP
exec 4<>"$SEED/idle"  # held open: still there if the VM deletes everything
while :; do
    sleep 3600 &
    wait $! && continue
    # No sleep binary any more (the VM deleted it): block on a FIFO nobody writes.
    [ -x /usr/bin/sleep ] || read -r _ <&4
done
