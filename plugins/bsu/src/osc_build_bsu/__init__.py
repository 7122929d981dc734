"""osc-build component outscale-bsu."""

NAME = "outscale-bsu"
"""The component name templates use: source "outscale-bsu" "name" {}."""
BUILDER_ID = "oapi.outscale.bsu"
"""Packer's builder id of the artifact, as the Go plugin reports it."""
