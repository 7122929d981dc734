"""osc-build-sim: a local OUTSCALE API simulator on loopback."""
