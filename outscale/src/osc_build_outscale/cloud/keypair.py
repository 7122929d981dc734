"""Step: the SSH key the build logs in with (temporary, generated here, or the user's)."""

from __future__ import annotations

import base64
from pathlib import Path

from osc_build.communicators.keys import register_key_secret
from osc_build.context import BuildContext
from osc_build.errors import ConfigError
from osc_build_outscale.cloud import intents
from osc_build_outscale.cloud import tags as tagging
from osc_build_outscale.cloud.state import VmBuildState


def generate_key(kind: str, bits: int = 4096) -> tuple[str, str]:
    """A new private key (OpenSSH PEM) and its OpenSSH public line."""
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import ed25519, rsa

    key = ed25519.Ed25519PrivateKey.generate() if kind == "ed25519" else \
        rsa.generate_private_key(public_exponent=65537, key_size=bits)
    private = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.OpenSSH,
                                serialization.NoEncryption()).decode()
    public = key.public_key().public_bytes(serialization.Encoding.OpenSSH,
                                           serialization.PublicFormat.OpenSSH).decode()
    return private, public


def setup_keypair(ctx: BuildContext, state: VmBuildState) -> None:
    config = ctx.config
    if config.communicator == "none":
        return
    state.keypair_name = config.ssh_keypair_name or None
    if config.ssh_private_key_file:
        path = Path(config.ssh_private_key_file).expanduser()
        try:
            state.private_key = path.read_text()
        except OSError as err:
            raise ConfigError(f"ssh_private_key_file: cannot read {str(path)!r}: "
                              f"{err.strerror}; give a readable private key file") from None
        register_key_secret(state.private_key)
        return
    if config.ssh_agent_auth or config.ssh_password or state.keypair_name:
        return
    kind = config.temporary_key_pair_type or "rsa"
    ctx.ui.say(f"Creating temporary keypair ({kind})...")
    private, public = generate_key(kind, int(config.temporary_key_pair_bits or 4096))
    register_key_secret(private)
    name = config.temporary_key_pair_name or ctx.temporary_name
    client = state.api
    intents.name_intent(ctx, client, "keypair", name)
    keypair = client.call("CreateKeypair", KeypairName=name,
                          PublicKey=base64.b64encode(public.encode()).decode()).get("Keypair")
    ctx.resources.track("keypair", name, lambda: client.call("DeleteKeypair", KeypairName=name),
                        region=client.region)
    if (keypair or {}).get("KeypairId"):  # keypairs take tags by their id (recent OAPI)
        tagging.mark_temporary(ctx, client, [keypair["KeypairId"]])
    state.keypair_name, state.private_key = name, private
    if ctx.debug:
        path = Path.cwd() / f"osc_{ctx.name.replace('.', '_')}.pem"
        path.touch(mode=0o600)
        path.write_text(private)
        ctx.ui.message(f"-debug: saved the temporary private key to {path}")
