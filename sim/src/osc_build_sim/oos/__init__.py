"""OOS, OUTSCALE's S3-compatible object storage: one moto S3 server per Region on loopback.

moto keeps its state in memory, and its S3 bucket names are global to one process:
each Region gets its own process (``moto_app``), which maps access keys to accounts,
refuses unknown keys and mirrors every object to ``DATA_DIR/oos/<region>/`` so that
objects survive a simulator restart (``mirror``). ``servers`` starts and stops them.
"""
