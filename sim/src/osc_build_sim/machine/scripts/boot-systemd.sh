# Runs from the guest's own root, as PID 1, with the guest's own binaries: detaches the
# host's filesystem, does cloud-init's first-boot work (firstboot.sh), points apt at the
# simulator's archive proxy when it is on, then becomes systemd with a reduced capability
# bounding set (no mknod, module loading, raw I/O...; reboot stays: it only ends this PID
# namespace).
SEED=/run/osc-build-sim
umount -l "$SEED/host" && rmdir "$SEED/host"
export PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
/bin/sh "$SEED/firstboot.sh"
PROXY_CONF=/etc/apt/apt.conf.d/90osc-build-sim-proxy
if [ -s "$SEED/archive-proxy" ]; then
    proxy=$(cat "$SEED/archive-proxy")
    printf 'Acquire::http::Proxy "%s";\nAcquire::https::Proxy "%s";\n' "$proxy" "$proxy" \
        > "$PROXY_CONF"
else
    rm -f "$PROXY_CONF"
fi
DROP=-mknod,-dac_read_search,-sys_module,-sys_time,-sys_rawio,-mac_admin,-mac_override,-syslog,-wake_alarm
export container=osc-build-sim
exec setpriv --bounding-set "$DROP" /sbin/init
