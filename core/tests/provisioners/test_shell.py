"""The shell provisioner's commands, variables, exit codes and options."""

from __future__ import annotations

import pytest

from osc_build.errors import BuildError, ConfigError
from osc_build.provision import DISCONNECTED, run_provisioners
from osc_build.provisioners.shell import ShellProvisioner


def provision(build, comm, config) -> None:
    ShellProvisioner().provision(build.ctx, comm, config)


def test_inline_becomes_a_script_run_with_packer_defaults(build, comm, loaded):
    config = loaded("shell", inline=["echo one", "echo two"], remote_file="s.sh")
    provision(build, comm, config)
    assert comm.files == {"/tmp/s.sh": (b"#!/bin/sh -e\necho one\necho two\n", 0o755)}
    assert comm.commands == [
        "chmod +x /tmp/s.sh; PACKER_BUILDER_TYPE='outscale-bsu' PACKER_BUILD_NAME='main'  "
        "/tmp/s.sh",
        "rm -f /tmp/s.sh"]
    assert "==> outscale-bsu.main: Provisioning with shell script: inline script" in build.output


def test_variables_sorted_quoted_and_env_wins(build, comm, loaded):
    config = loaded("shell", inline=["true"], remote_path="/opt/x.sh",
                    environment_vars=["B=it's", "A=1", "C=from-list"], env={"C": "from-env"},
                    execute_command="sudo -E sh -c '{{ .Vars }} {{.Path}}'", skip_clean=True)
    provision(build, comm, config)
    assert comm.commands == [
        "sudo -E sh -c 'A='1' B='it'\"'\"'s' C='from-env' PACKER_BUILDER_TYPE='outscale-bsu' "
        "PACKER_BUILD_NAME='main'  /opt/x.sh'"]


def test_first_line_shebang_is_kept_and_custom_shebang_added(build, comm, loaded):
    provision(build, comm, loaded("shell", inline=["#!/bin/bash", "echo"], remote_file="a"))
    assert comm.files["/tmp/a"][0] == b"#!/bin/bash\necho\n"
    provision(build, comm, loaded("shell", inline=["echo"], remote_file="b",
                                  inline_shebang="/bin/bash -eux"))
    assert comm.files["/tmp/b"][0] == b"#!/bin/bash -eux\necho\n"


def test_scripts_are_uploaded_in_order_with_crlf_fixed(build, comm, loaded, tmp_path):
    first, second = tmp_path / "first.sh", tmp_path / "second.sh"
    first.write_bytes(b"echo 1\r\n")
    second.write_bytes(b"echo 2\n")
    provision(build, comm, loaded("shell", scripts=[str(first), str(second)],
                                  remote_file="s.sh", skip_clean=True))
    assert comm.commands == [comm.commands[0]] * 2
    assert comm.files["/tmp/s.sh"][0] == b"echo 2\n"
    assert f"Provisioning with shell script: {first}" in build.output
    assert build.output.index(str(first)) < build.output.index(str(second))


def test_binary_scripts_are_not_converted(build, comm, loaded, tmp_path):
    script = tmp_path / "s.sh"
    script.write_bytes(b"echo 1\r\n")
    provision(build, comm, loaded("shell", script=str(script), binary=True, remote_file="s"))
    assert comm.files["/tmp/s"][0] == b"echo 1\r\n"


def test_exit_code_outside_valid_codes_fails(build, comm, loaded):
    comm.statuses = [3]
    with pytest.raises(BuildError, match=r"exited with non-zero exit status: 3\. Allowed exit "
                                         r"codes are: \[0\]"):
        provision(build, comm, loaded("shell", inline=["exit 3"]))
    comm.statuses = [3]
    provision(build, comm, loaded("shell", inline=["exit 3"], valid_exit_codes=[0, 3]))


def test_disconnect_fails_unless_expected(build, comm, loaded):
    comm.statuses = [DISCONNECTED]
    with pytest.raises(BuildError, match="expect_disconnect = true"):
        provision(build, comm, loaded("shell", inline=["reboot"]))
    comm.statuses = [DISCONNECTED, 0]
    provision(build, comm, loaded("shell", inline=["reboot"], expect_disconnect=True))
    assert comm.commands[-1].startswith("rm -f ")


@pytest.mark.parametrize(("options", "message"), [
    ({}, "either a script file or inline script must be specified"),
    ({"inline": ["x"], "script": __file__}, "only one of inline, script or scripts"),
    ({"script": "/nonexistent.sh"}, "script: bad script '/nonexistent.sh': no such file"),
    ({"inline": ["x"], "environment_vars": ["NOEQUALS"]}, "not in format 'key=value'"),
    ({"inline": ["x"], "env": {"1BAD": "x"}}, "environment variable name '1BAD' is invalid"),
    ({"inline": ["x"], "expect_disconect": True}, "did you mean 'expect_disconnect'"),
])
def test_bad_options_are_reported_before_the_build(loaded, options, message):
    with pytest.raises(ConfigError, match=message):
        loaded("shell", **options)


def test_runs_through_run_provisioners(build, comm, prepared):
    run_provisioners(build.ctx, comm, prepared(("shell", {"inline": ["echo hi"]})))
    assert "==> outscale-bsu.main: Provisioning with shell..." in build.output
    assert len(comm.commands) == 2
