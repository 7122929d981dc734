"""osc-build component example-omi-copy: a tagged copy of an existing OMI."""

NAME = "example-omi-copy"
"""The component name templates use: source "example-omi-copy" "name" {}."""
BUILDER_ID = "example.omi-copy"
"""The builder id of the artifact (manifests, machine-readable output)."""
