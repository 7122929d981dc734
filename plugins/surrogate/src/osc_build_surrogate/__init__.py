"""osc-build component outscale-bsusurrogate."""

NAME = "outscale-bsusurrogate"
"""The component name templates use: source "outscale-bsusurrogate" "name" {}."""
BUILDER_ID = "oapi.outscale.bsusurrogate"
"""Packer's builder id of the artifact, as the Go plugin reports it."""
