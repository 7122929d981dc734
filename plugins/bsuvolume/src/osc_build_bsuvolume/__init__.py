"""osc-build component outscale-bsuvolume."""

NAME = "outscale-bsuvolume"
"""The component name templates use: source "outscale-bsuvolume" "name" {}."""
BUILDER_ID = "oapi.outscale.bsuvolume"
"""Packer's builder id of the artifact, as the Go plugin reports it."""
