"""A test-only osc-build plugin: a local builder, a provisioner and hooks."""
