"""``python -m osc_build`` runs the ``osc-build`` command."""

from osc_build.cli import run

run()
