"""osc-build component 'outscale-bsuvolume'."""
