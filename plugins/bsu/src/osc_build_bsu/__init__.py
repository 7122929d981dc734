"""osc-build component 'outscale-bsu'."""
