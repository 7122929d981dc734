"""What the OUTSCALE builders share: options, typed state and steps by resource kind.

Each module holds the steps for one kind of cloud resource (keypair, security
group, public IP, VM, image); a builder lists the steps it needs, in order.
"""
