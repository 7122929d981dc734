"""The Windows administrator password: polled, decrypted with the build's key, kept secret."""

from __future__ import annotations

import base64
from types import SimpleNamespace
from typing import Any

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import padding

from osc_build.context import BuildContext
from osc_build.errors import BuildError
from osc_build.log import redact
from osc_build.ui import Ui
from osc_build_outscale.cloud import password as step
from osc_build_outscale.cloud.keypair import generate_key
from osc_build_outscale.cloud.state import VmBuildState

SENTINEL = "Pw-sentinel-7f3a!"


def encrypt_for(private_pem: str, text: str) -> str:
    """What OUTSCALE returns: base64 of RSA PKCS#1 v1.5 with the keypair's public key."""
    key = serialization.load_ssh_private_key(private_pem.encode(), password=None)
    return base64.b64encode(key.public_key().encrypt(text.encode(),
                                                     padding.PKCS1v15())).decode()


class Api:
    def __init__(self, answers: list[str]) -> None:
        self.answers = answers
        self.calls: list[dict[str, Any]] = []

    def call(self, operation: str, **params: Any) -> dict[str, Any]:
        assert operation == "ReadAdminPassword"
        self.calls.append(params)
        return {"VmId": params["VmId"],
                "AdminPassword": self.answers.pop(0) if self.answers else ""}


def build(**config: Any) -> BuildContext:
    options = {"communicator": "winrm", "winrm_password": None,
               "windows_password_timeout": "20m", **config}
    return BuildContext(name="outscale-bsu.w", builder="outscale-bsu",
                        config=SimpleNamespace(**options), ui=Ui("outscale-bsu.w"))


def state_with(api: Api, private_key: str | None) -> VmBuildState:
    state = VmBuildState(client=api, vm={"VmId": "i-12345678"}, private_key=private_key)
    return state


@pytest.fixture(scope="module")
def key() -> str:
    return generate_key("rsa", 2048)[0]


def test_the_password_is_polled_until_the_vm_has_one_then_decrypted(key, monkeypatch):
    monkeypatch.setattr(step, "POLL_EVERY", 0.01)
    api = Api(["", "", encrypt_for(key, SENTINEL)])
    state = state_with(api, key)
    step.get_password(build(), state)
    assert state.winrm_password == SENTINEL
    assert api.calls == [{"VmId": "i-12345678"}] * 3
    assert redact(f"login {SENTINEL}") == "login <redacted>"


def test_a_pem_key_file_decrypts_too(key):
    private = serialization.load_ssh_private_key(key.encode(), password=None)
    pem = private.private_bytes(serialization.Encoding.PEM,
                                serialization.PrivateFormat.TraditionalOpenSSL,
                                serialization.NoEncryption()).decode()
    assert step.decrypt_password(encrypt_for(key, "abc"), pem, vm_id="i-1") == "abc"


def test_no_password_within_the_timeout_is_one_clear_error(key, monkeypatch):
    monkeypatch.setattr(step, "POLL_EVERY", 0.01)
    with pytest.raises(BuildError, match=r"VM i-12345678 returned no Windows password within "
                                         r"windows_password_timeout \(0\.05s\); .* raise "
                                         r"windows_password_timeout, or set winrm_password"):
        step.get_password(build(windows_password_timeout="0.05s"), state_with(Api([]), key))


def test_another_key_is_a_clear_error(key):
    other = generate_key("rsa", 2048)[0]
    with pytest.raises(BuildError, match="the VM was launched with another keypair"):
        step.decrypt_password(encrypt_for(other, SENTINEL), key, vm_id="i-1")


def test_nothing_is_asked_when_the_password_is_given_or_the_communicator_is_ssh(key):
    api = Api([])
    step.get_password(build(winrm_password="given"), state_with(api, key))
    step.get_password(build(communicator="ssh"), state_with(api, key))
    assert api.calls == []
    assert not step.password_wanted(build(winrm_password="given"))


def test_build_data_and_the_opened_port_follow_the_communicator():
    from osc_build_outscale.cloud.security_group import communicator_port
    from osc_build_outscale.cloud.vm import generated_data

    winrm = SimpleNamespace(communicator="winrm", winrm_port=None, winrm_use_ssl=True,
                            winrm_username="Administrator", winrm_password=None,
                            winrm_host=None, ssh_port=22)
    state = VmBuildState(vm={"VmId": "i-1"}, ssh_host="127.0.0.4", winrm_password=SENTINEL,
                         private_key="PEM")
    assert generated_data(winrm, state) == {
        "ID": "i-1", "Host": "127.0.0.4", "Port": "5986", "User": "Administrator",
        "Password": SENTINEL, "ConnType": "winrm", "SSHPrivateKey": "",
        "WinRMPassword": SENTINEL}
    assert communicator_port(winrm) == 5986
    winrm.winrm_use_ssl = False
    assert communicator_port(winrm) == 5985
    ssh = SimpleNamespace(communicator="ssh", ssh_port=2222, ssh_username="outscale",
                          ssh_password=None, ssh_host=None)
    data = generated_data(ssh, state)
    assert (data["Port"], data["User"], data["SSHPrivateKey"]) == ("2222", "outscale", "PEM")
    assert "WinRMPassword" not in data and communicator_port(ssh) == 2222
