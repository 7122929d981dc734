"""osc-build data source outscale-omi."""

NAME = "outscale-omi"
"""The component name templates use: data "outscale-omi" "name" {}."""
