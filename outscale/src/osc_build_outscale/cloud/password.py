"""Step: the Windows administrator password, for ``communicator = "winrm"``.

As the Go plugin's StepGetPassword: when winrm_password is not set, poll
``ReadAdminPassword`` until the VM has generated its password (it answers "" until
then), up to ``windows_password_timeout``, and decrypt it with the build's private
key (RSA PKCS#1 v1.5, as OUTSCALE encrypts it with the VM's keypair). The password
is a secret from the moment it is known: never printed, never logged.
"""

from __future__ import annotations

import base64
import binascii
import logging
import time

from osc_build.context import BuildContext
from osc_build.durations import seconds
from osc_build.errors import BuildError
from osc_build.log import register_secret
from osc_build_outscale.cloud.state import VmBuildState

log = logging.getLogger(__name__)

POLL_EVERY = 5.0  # seconds between two ReadAdminPassword calls (the Go plugin: 15)


def password_wanted(ctx: BuildContext) -> bool:
    config = ctx.config
    return config.communicator == "winrm" and not config.winrm_password


def get_password(ctx: BuildContext, state: VmBuildState) -> None:
    """Wait for the VM's administrator password; keep it in ``state.winrm_password``."""
    if not password_wanted(ctx):
        return
    vm_id = state.vm["VmId"]
    timeout_text = ctx.config.windows_password_timeout or "20m"
    timeout = seconds(timeout_text)
    if not state.private_key:
        raise BuildError(f"cannot decrypt the Windows password of VM {vm_id}: the build has "
                         "no private key; set winrm_password, or ssh_private_key_file with "
                         "ssh_keypair_name")
    ctx.ui.say(f"Waiting for the Windows password of VM {vm_id} "
               f"(windows_password_timeout = {timeout_text})...")
    started = time.monotonic()
    deadline = started + timeout
    while True:
        ctx.check_cancelled()
        encrypted = state.api.call("ReadAdminPassword", VmId=vm_id).get("AdminPassword") or ""
        if encrypted:
            break
        if time.monotonic() + POLL_EVERY > deadline:
            raise BuildError(
                f"VM {vm_id} returned no Windows password within windows_password_timeout "
                f"({timeout_text}); the image may not generate one (check that it is a "
                "Windows image that sets a random administrator password at first boot), or "
                "raise windows_password_timeout, or set winrm_password")
        ctx.cancelled.wait(POLL_EVERY)
    password = decrypt_password(encrypted, state.private_key, vm_id=vm_id)
    register_secret(password)
    state.winrm_password = password
    ctx.ui.message(f"Windows password of VM {vm_id} retrieved "
                   f"({time.monotonic() - started:.0f}s)")
    if ctx.debug:  # as Packer's -debug, which prints it; ours stays masked in every output
        ctx.ui.message("-debug: the password is available to provisioners as build.Password")


def decrypt_password(encrypted: str, private_key: str, *, vm_id: str) -> str:
    """Base64 of RSA PKCS#1 v1.5 ciphertext -> the password, with the build's private key."""
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import padding, rsa

    try:
        data = base64.b64decode(encrypted, validate=False)
    except (binascii.Error, ValueError):
        raise BuildError(f"the Windows password of VM {vm_id} is not base64; report this to "
                         "OUTSCALE support") from None
    raw = private_key.encode()
    try:
        key = (serialization.load_ssh_private_key(raw, password=None)
               if b"OPENSSH PRIVATE KEY" in raw
               else serialization.load_pem_private_key(raw, password=None))
    except (ValueError, TypeError) as err:
        raise BuildError(f"cannot read the private key to decrypt the Windows password of VM "
                         f"{vm_id}: {err}; give an unencrypted RSA key (ssh_private_key_file) "
                         "or set winrm_password") from None
    if not isinstance(key, rsa.RSAPrivateKey):
        raise BuildError(f"the Windows password of VM {vm_id} needs an RSA key to decrypt; "
                         "the key is not RSA: use temporary_key_pair_type = \"rsa\" or set "
                         "winrm_password")
    wrong_key = BuildError(f"cannot decrypt the Windows password of VM {vm_id} with the "
                           "build's private key: the VM was launched with another keypair; "
                           "check ssh_keypair_name and ssh_private_key_file, or set "
                           "winrm_password")
    try:
        plain = key.decrypt(data, padding.PKCS1v15()).decode("utf-8")
    except (ValueError, UnicodeDecodeError):
        raise wrong_key from None
    # OpenSSL's implicit rejection answers a wrong key with random bytes, not an error:
    # a password is printable text.
    if not plain or not plain.isprintable():
        raise wrong_key
    return plain
