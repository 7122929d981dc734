from osc_build_sim.testing import simulator, simulator_session  # noqa: F401 - fixtures
