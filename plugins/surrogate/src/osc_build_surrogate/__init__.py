"""osc-build component 'outscale-bsusurrogate'."""
