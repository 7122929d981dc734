"""Provisioners end to end: run_provisioners over a real SSH connection on loopback."""

from __future__ import annotations

import time

import pytest

from osc_build.communicators import connect_ssh
from osc_build.errors import BuildError
from osc_build.log import register_secret
from osc_build.provision import ProvisionerCall, prepare_provisioners, run_provisioners


@pytest.fixture
def comm(build, server, options_for, client_pem):
    communicator = connect_ssh(build.ctx, "127.0.0.1", options_for(server),
                               private_key_pem=client_pem)
    yield communicator
    communicator.close()


def provision(build, comm, *blocks, **call_options) -> None:
    calls = [ProvisionerCall(type_, config, **call_options) for type_, config in blocks]
    run_provisioners(build.ctx, comm, prepare_provisioners(calls))


def test_shell_script_runs_with_variables_and_is_cleaned(build, comm, server, tmp_path):
    script = tmp_path / "setup.sh"
    script.write_text('#!/bin/sh\necho "hello $WHO from $PACKER_BUILD_NAME in $(pwd)"\n')
    folder = server.state.workdir / "scripts"
    folder.mkdir()
    provision(build, comm, ("shell", {"script": str(script), "remote_folder": str(folder),
                                      "environment_vars": ["WHO=it's me"]}))
    assert f"    outscale-bsu.main: hello it's me from main in {server.state.workdir}" in \
        build.output
    assert list(folder.iterdir()) == []  # the uploaded script was removed


def test_shell_failure_and_valid_exit_codes(build, comm, server):
    folder = str(server.state.workdir)
    with pytest.raises(BuildError, match=r"non-zero exit status: 7\. Allowed exit codes"):
        provision(build, comm, ("shell", {"inline": ["echo before", "exit 7"],
                                          "remote_folder": folder}))
    assert "    outscale-bsu.main: before" in build.output
    provision(build, comm, ("shell", {"inline": ["exit 7"], "valid_exit_codes": [7],
                                      "remote_folder": folder}))


def test_execute_command_with_inline_shebang(build, comm, server):
    provision(build, comm, ("shell", {
        "inline": ["echo shell=$0 flag=$FLAG"], "remote_folder": str(server.state.workdir),
        "inline_shebang": "/bin/bash -e", "env": {"FLAG": "on"},
        "execute_command": "{{.Vars}} bash {{.Path}} && echo via-custom-command"}))
    assert "flag=on" in build.output and "via-custom-command" in build.output


def test_expect_disconnect_then_the_next_provisioner_reconnects(build, comm, server):
    folder = str(server.state.workdir)
    provision(build, comm,
              ("shell", {"inline": ["osc-build-test-disconnect"], "expect_disconnect": True,
                         "remote_folder": folder, "skip_clean": True}),
              ("shell", {"inline": ["echo after the reboot"], "remote_folder": folder}))
    assert "after the reboot" in build.output
    assert server.state.logins == 2


def test_unexpected_disconnect_fails(build, comm, server):
    with pytest.raises(BuildError, match="disconnected unexpectedly"):
        provision(build, comm, ("shell", {"inline": ["osc-build-test-disconnect"],
                                          "remote_folder": str(server.state.workdir)}))


def test_max_retries_over_ssh(build, comm, server, monkeypatch):
    counter = server.state.workdir / "tries"
    provision(build, comm, ("shell", {
        "inline": [f"echo x >> {counter}", f'[ "$(wc -l < {counter})" -ge 2 ]'],
        "remote_folder": str(server.state.workdir)}), max_retries=3)
    assert counter.read_text() == "x\nx\n"
    assert "retrying with 3 trie(s) left" in build.output


def test_timeout_stops_a_remote_script(build, comm, server):
    started = time.monotonic()
    with pytest.raises(BuildError, match=r"timed out after 0\.5s"):
        provision(build, comm, ("shell", {"inline": ["sleep 30"],
                                          "remote_folder": str(server.state.workdir)}),
                  timeout=0.5)
    assert time.monotonic() - started < 5
    assert "Cancelling provisioner after a timeout..." in build.output


def test_secrets_in_remote_output_are_redacted(build, comm, server):
    register_secret("tok-9f8e7d6c5b4a")
    provision(build, comm, ("shell", {"inline": ["echo token is $TOKEN"],
                                      "env": {"TOKEN": "tok-9f8e7d6c5b4a"},
                                      "remote_folder": str(server.state.workdir)}))
    assert "token is <redacted>" in build.output
    assert "tok-9f8e7d6c5b4a" not in build.output


def test_file_provisioner_directories_both_ways(build, comm, server, tmp_path):
    site = tmp_path / "site"
    (site / "css").mkdir(parents=True)
    (site / "index.html").write_text("<p>hi</p>")
    (site / "css" / "main.css").write_text("p{}")
    remote = server.state.workdir / "srv"
    provision(build, comm,
              ("file", {"source": str(site), "destination": str(remote)}),
              ("file", {"source": f"{site}/", "destination": str(remote / "flat")}),
              ("file", {"content": "motd\n", "destination": str(remote / "motd")}))
    assert (remote / "site" / "css" / "main.css").read_text() == "p{}"
    assert (remote / "flat" / "index.html").read_text() == "<p>hi</p>"
    assert (remote / "motd").read_text() == "motd\n"
    back = tmp_path / "back"
    provision(build, comm,
              ("file", {"source": f"{remote}/site/", "destination": str(back / "tree"),
                        "direction": "download"}),
              ("file", {"source": str(remote / "motd"), "destination": f"{back}/",
                        "direction": "download"}))
    assert (back / "tree" / "css" / "main.css").read_text() == "p{}"
    assert (back / "motd").read_text() == "motd\n"
