"""The provisioners shipped with the core: ``shell``, ``file``, ``shell-local``, ``breakpoint``.

Each is its own component of the ``osc_build.provisioners`` entry-point group;
see :mod:`osc_build.provision` for how a build runs them.
"""
