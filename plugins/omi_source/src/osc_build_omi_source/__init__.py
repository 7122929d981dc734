"""osc-build component 'outscale-omi'."""
