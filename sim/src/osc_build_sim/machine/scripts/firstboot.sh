# cloud-init's work, done with the guest's own tools: on the first boot of a VM (its id is
# new to this disk), the hostname, the default user with passwordless sudo, the keypair in
# its authorized_keys, and the user data queued to run once (a systemd unit runs it).
SEED=/run/osc-build-sim
VMID=$(cat "$SEED/vm-id")
USER_NAME=$(cat "$SEED/default-user")
echo "$VMID" > /etc/hostname
grep -qs " $VMID\$" /etc/hosts || echo "127.0.1.1 $VMID" >> /etc/hosts
[ "$(cat /var/lib/osc-build-sim/instance-id 2>/dev/null)" = "$VMID" ] && exit 0
echo "cloud-init: first boot of $VMID"
if ! id "$USER_NAME" >/dev/null 2>&1; then
    # The groups of Debian cloud images' default user (cloud.cfg of Debian's cloud-init).
    useradd --create-home --shell /bin/bash --user-group \
        --groups adm,audio,cdrom,dialout,dip,floppy,plugdev,sudo,video "$USER_NAME"
    echo "cloud-init: created user $USER_NAME"
fi
echo "$USER_NAME ALL=(ALL) NOPASSWD:ALL" > "/etc/sudoers.d/90-cloud-init-users"
chmod 440 /etc/sudoers.d/90-cloud-init-users
home=$(getent passwd "$USER_NAME" | cut -d: -f6)
mkdir -p "$home/.ssh"
if [ -s "$SEED/authorized_keys" ]; then
    cat "$SEED/authorized_keys" >> "$home/.ssh/authorized_keys"
    echo "cloud-init: installed the keypair for $USER_NAME"
fi
chmod 700 "$home/.ssh"
chown -R "$USER_NAME:" "$home"
mkdir -p /var/lib/osc-build-sim
if [ -s "$SEED/user-data" ]; then
    if head -c 2 "$SEED/user-data" | grep -q '^#!'; then
        cp "$SEED/user-data" /var/lib/osc-build-sim/user-data
        chmod 700 /var/lib/osc-build-sim/user-data
        : > /var/lib/osc-build-sim/user-data-pending
        echo "cloud-init: user data queued"
    else
        echo "cloud-init: user data is not a script, ignored"
    fi
fi
echo "$VMID" > /var/lib/osc-build-sim/instance-id
