"""ansible-playbook's environment and ssh arguments, from the options."""

from __future__ import annotations

from pathlib import Path

from osc_build.config import load_options
from osc_build.testing import captured_build
from osc_build_ansible.options import AnsibleOptionsSchema
from osc_build_ansible.remote import ansible_environment, ssh_extra_args
from osc_build_ansible.workspace import PrivateDir


def options(tmp_path: Path, **extra):
    (tmp_path / "play.yml").write_text("- hosts: all\n")
    return load_options(AnsibleOptionsSchema, {"playbook_file": str(tmp_path / "play.yml"),
                                               **extra}, where="test")


def test_packer_variables_private_temporary_files_then_the_users_variables(tmp_path):
    ctx = captured_build(tmp_path).ctx
    config = options(tmp_path, roles_path="r", collections_path="c", use_sftp=True,
                     ansible_env_vars=["ANSIBLE_SSH_ARGS=-o ControlMaster=auto", "X=a=b"])
    with PrivateDir() as work:
        env = ansible_environment(ctx, config, work)
        assert env["ANSIBLE_LOCAL_TEMP"].startswith(str(work.path))
        assert env["ANSIBLE_SSH_CONTROL_PATH_DIR"].startswith(str(work.path))
    assert env["PACKER_BUILD_NAME"] == "main" and env["PACKER_BUILDER_TYPE"] == "outscale-bsu"
    assert env["ANSIBLE_ROLES_PATH"] == "r" and env["ANSIBLE_COLLECTIONS_PATH"] == "c"
    assert env["ANSIBLE_SSH_TRANSFER_METHOD"] == "sftp"
    assert env["ANSIBLE_SSH_ARGS"] == "-o ControlMaster=auto"  # the user's value wins
    assert env["X"] == "a=b"


def test_identities_only_by_default_with_a_key_and_the_users_arguments_otherwise(tmp_path):
    assert ssh_extra_args(options(tmp_path), "/k") == ["-o IdentitiesOnly=yes"]
    assert ssh_extra_args(options(tmp_path), None) == []  # agent: every agent key may be tried
    assert ssh_extra_args(options(tmp_path, ansible_ssh_extra_args=["-4"]), "/k") == ["-4"]


def test_use_sftp_false_means_the_scp_protocol_as_in_packer(tmp_path):
    ctx = captured_build(tmp_path).ctx
    with PrivateDir() as work:
        env = ansible_environment(ctx, options(tmp_path), work)
        sftp = ansible_environment(ctx, options(tmp_path, use_sftp=True), work)
    assert env["ANSIBLE_SSH_TRANSFER_METHOD"] == "scp"
    # This machine's OpenSSH (9.x) scp speaks SFTP unless told -O: the VM's `scp -t` then
    # receives the files, through the proxy too.
    assert env["ANSIBLE_SCP_EXTRA_ARGS"] == "-O"
    assert sftp["ANSIBLE_SSH_TRANSFER_METHOD"] == "sftp" and "ANSIBLE_SCP_EXTRA_ARGS" not in sftp
