"""osc-build component outscale-chroot."""

NAME = "outscale-chroot"
"""The component name templates use: source "outscale-chroot" "name" {}."""
BUILDER_ID = "oapi.outscale.chroot"
"""Packer's builder id of the artifact, as the Go plugin reports it."""
