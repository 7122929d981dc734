"""The WinRM communicator against a fake guest: streaming, exit codes, copies, reconnects."""

from __future__ import annotations

import base64
import math
import os
import time

import pytest
import requests
from winrm.exceptions import InvalidCredentialsError

from osc_build.errors import BuildError
from osc_build.provision import DISCONNECTED
from osc_build_windows import commands
from osc_build_windows import communicator as winrm_comm
from osc_build_windows.communicator import WinRMCommunicator, WinRMSettings

SECRET = "Wr0ng-Pa55-sentinel"


def make(build, guest, **settings):
    values = {"host": "127.0.0.9", "port": 5985, "username": "Administrator",
              "password": SECRET, "timeout": 0.3, **settings}
    factory_calls = []

    def factory():
        factory_calls.append(1)
        return guest

    comm = WinRMCommunicator(build.ctx, WinRMSettings(**values), protocol_factory=factory)
    return comm, factory_calls


@pytest.fixture(autouse=True)
def fast_retries(monkeypatch):
    monkeypatch.setattr(winrm_comm, "RETRY_EVERY", 0.05)


def test_output_is_streamed_line_by_line_and_the_exit_code_returned(build, guest):
    guest.output = [(b"first line\r\nsecond ", b""), (b"half\r\n", b"an error\r\n")]
    guest.status = 3
    comm, _ = make(build, guest)
    comm.wait_until_ready()
    assert comm.run("type C:\\x.txt") == 3
    assert guest.commands == ["type C:\\x.txt"]
    lines = build.output.splitlines()
    assert "    outscale-bsu.main: first line" in lines
    assert "    outscale-bsu.main: second half" in lines
    assert "    outscale-bsu.main: an error" in lines


def test_variables_are_set_for_cmd(build, guest):
    comm, _ = make(build, guest)
    comm.run("echo %GREETING%", env={"GREETING": "hi there"})
    assert guest.commands == ['set "GREETING=hi there" && echo %GREETING%']


@pytest.mark.parametrize("size", [0, 11, 25_000])
def test_upload_and_download_round_trip(build, guest, tmp_path, size):
    content = os.urandom(size)
    comm, _ = make(build, guest)
    comm.upload_content(content, "C:/ProgramData/app/blob.bin")
    assert guest.files["c:\\programdata\\app\\blob.bin"] == content
    assert not [k for k in guest.files if "winrmcp" in k]  # the temporary file is gone
    echoes = [c for c in guest.commands if c.startswith("echo ")]
    encoded = len(base64.b64encode(content))
    assert len(echoes) == math.ceil(encoded / commands.chunk_size(echoes[0].split('"')[1])) \
        if size else not echoes
    comm.download("C:/ProgramData/app/blob.bin", tmp_path / "back.bin")
    assert (tmp_path / "back.bin").read_bytes() == content


def test_a_directory_is_uploaded_file_by_file_into_the_destination(build, guest, tmp_path):
    (tmp_path / "site" / "css").mkdir(parents=True)
    (tmp_path / "site" / "index.html").write_text("<p>hi</p>")
    (tmp_path / "site" / "css" / "a.css").write_text("p {}")
    comm, _ = make(build, guest)
    comm.upload(tmp_path / "site", "C:/inetpub/wwwroot")
    assert guest.files["c:\\inetpub\\wwwroot\\index.html"] == b"<p>hi</p>"
    assert guest.files["c:\\inetpub\\wwwroot\\css\\a.css"] == b"p {}"
    comm.upload(tmp_path / "site" / "index.html", "C:/copies/")
    assert guest.files["c:\\copies\\index.html"] == b"<p>hi</p>"


def test_a_refused_upload_says_why_in_plain_text(build, guest):
    comm, _ = make(build, guest)
    with pytest.raises(BuildError, match=r"upload to C:/readonly/x.txt failed: exit code 1"):
        comm.upload_content(b"data", "C:/readonly/x.txt")
    assert "    outscale-bsu.main: Access to the path is denied." in build.output
    assert "CLIXML" not in build.output


def test_download_of_a_missing_file_fails_clearly(build, guest, tmp_path):
    comm, _ = make(build, guest)
    with pytest.raises(BuildError, match=r"download of C:/nope.txt failed: exit code 1"):
        comm.download("C:/nope.txt", tmp_path / "x")


def test_a_vm_going_away_mid_command_is_disconnected_then_reconnected(build, guest):
    comm, factory_calls = make(build, guest)
    comm.wait_until_ready()
    # run_command succeeds, then the receive fails: the restart cut the command short
    original = guest.get_command_output_raw

    def receive_fails_once(shell_id, command_id):
        guest.get_command_output_raw = original
        raise requests.exceptions.ConnectionError("reset by peer")

    guest.get_command_output_raw = receive_fails_once
    assert comm.run('shutdown /r /f /t 0 /c "packer restart"') == DISCONNECTED
    assert comm.run("echo back") == 0
    assert len(factory_calls) == 2 and guest.shells == 2


def test_wrong_password_is_one_clear_error_without_the_password(build):
    class Refusing:
        def open_shell(self, codepage=None):
            raise InvalidCredentialsError("the specified credentials were rejected by the server")

    comm = WinRMCommunicator(build.ctx, WinRMSettings("127.0.0.9", 5985, "Administrator",
                                                      SECRET, timeout=0.2),
                             protocol_factory=Refusing)
    with pytest.raises(BuildError) as info:
        comm.wait_until_ready()
    message = str(info.value)
    assert message.startswith("timeout waiting for WinRM at http://127.0.0.9:5985/wsman (user "
                              "'Administrator', Basic authentication) after winrm_timeout "
                              "(0.2s): last attempt: the credentials were refused (HTTP 401); "
                              "check winrm_username and winrm_password")
    assert SECRET not in message and SECRET not in build.output


def test_winrm_never_answering_names_the_port_and_what_to_check(build):
    comm = WinRMCommunicator(build.ctx, WinRMSettings("127.0.0.9", 5999, "Administrator", SECRET,
                                                      use_ssl=True, timeout=0.2),
                             protocol_factory=lambda: (_ for _ in ()).throw(
                                 requests.exceptions.ConnectionError("refused")))
    with pytest.raises(BuildError, match=r"timeout waiting for WinRM at "
                       r"https://127\.0\.0\.9:5999/wsman .* the connection was refused or lost; "
                       r"check that the user data configures WinRM .* winrm_port and "
                       r"winrm_use_ssl, or raise winrm_timeout"):
        comm.wait_until_ready()


def test_settings_follow_the_options():
    class Options:
        winrm_host = None
        winrm_port = None
        winrm_username = "Administrator"
        winrm_password = None
        winrm_use_ssl = True
        winrm_insecure = True
        winrm_use_ntlm = True
        winrm_no_proxy = True
        winrm_timeout = "2m"

    settings = winrm_comm.settings_of("127.0.0.5", Options, password="from-the-cloud")
    assert settings.endpoint == "https://127.0.0.5:5986/wsman"
    assert (settings.password, settings.timeout, settings.auth) == ("from-the-cloud", 120, "NTLM")
    assert SECRET not in repr(settings) and "from-the-cloud" not in repr(settings)
    protocol = settings.protocol()
    assert protocol.transport.server_cert_validation == "ignore"
    assert protocol.transport.proxy is None
    Options.winrm_password, Options.winrm_use_ssl, Options.winrm_port = "given", False, 15985
    settings = winrm_comm.settings_of("127.0.0.5", Options, password="from-the-cloud")
    assert (settings.endpoint, settings.password) == ("http://127.0.0.5:15985/wsman", "given")


def test_try_run_fails_at_once_when_winrm_is_down_and_reconnects_when_it_is_back(build, guest):
    comm, factory_calls = make(build, guest, timeout=30)
    comm.wait_until_ready()
    guest.fail_next = requests.exceptions.ConnectionError("refused")
    started = time.monotonic()
    with pytest.raises(BuildError, match=r"WinRM at http://127\.0\.0\.9:5985/wsman does not "
                                         r"answer: the connection was refused or lost"):
        comm.try_run('shutdown /r /f /t 60 /c "packer restart test"')
    assert time.monotonic() - started < 1  # not winrm_timeout (30s)
    guest.status = 1115
    assert comm.try_run('shutdown /r /f /t 60 /c "packer restart test"') == 1115
    assert len(factory_calls) == 2
