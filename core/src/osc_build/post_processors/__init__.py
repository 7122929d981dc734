"""The post-processors shipped with the core: ``manifest``, ``checksum``, ``shell-local``.

Each is its own component of the ``osc_build.post_processors`` entry-point
group; see :mod:`osc_build.postprocess` for how a build runs their chains.
"""
