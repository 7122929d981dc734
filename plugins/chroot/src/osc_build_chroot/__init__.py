"""osc-build component 'outscale-chroot'."""
