"""scp, the default ssh_file_transfer_method, against an SSH server without SFTP: scp alone
carries files; and the error when the VM has no scp program."""

from __future__ import annotations

import pytest

from osc_build.communicators import connect_ssh
from osc_build.errors import BuildError

from .test_ssh import (  # the SFTP tests, run again here over scp  # noqa: F401
    test_upload_and_download_directories,
    test_upload_and_download_files_keep_mode,
)


@pytest.fixture
def scp_only(make_server):
    return make_server("no-sftp", sftp=False)


@pytest.fixture
def server(scp_only):
    """What the imported tests call ``server``: here, one without SFTP."""
    return scp_only


@pytest.fixture
def comm(build, scp_only, options_for, client_pem):
    """No ssh_file_transfer_method: scp is the default, as in Packer."""
    communicator = connect_ssh(build.ctx, "127.0.0.1", options_for(scp_only),
                               private_key_pem=client_pem)
    assert communicator.settings.file_transfer == "scp"
    yield communicator
    communicator.close()


def test_directories_go_by_their_contents_into_existing_ones(comm, scp_only, tmp_path):
    tree = tmp_path / "tree"
    (tree / "a" / "b").mkdir(parents=True)
    (tree / "top.txt").write_text("top")
    (tree / "a" / "b" / "leaf.txt").write_text("leaf")
    remote = scp_only.state.workdir / "copied"
    remote.mkdir()
    comm.upload(tree, str(remote))
    assert (remote / "a" / "b" / "leaf.txt").read_text() == "leaf"
    assert (remote / "top.txt").read_text() == "top"
    assert not (remote / "tree").exists()
    local = tmp_path / "downloaded"
    local.mkdir()
    comm.download(f"{remote}/", local)
    assert (local / "a" / "b" / "leaf.txt").read_text() == "leaf"
    assert not (local / "copied").exists()


def test_content_and_a_missing_file(comm, scp_only, tmp_path):
    target = scp_only.state.workdir / "etc" / "motd"
    comm.upload_content("welcome\n", str(target), mode=0o600)
    assert target.read_text() == "welcome\n"
    assert target.stat().st_mode & 0o777 == 0o600
    with pytest.raises(BuildError, match=r"download of /nonexistent/x .* failed"):
        comm.download("/nonexistent/x", tmp_path / "x")


def test_sftp_is_what_fails_on_that_server(build, scp_only, options_for, client_pem, tmp_path):
    """The server really lacks SFTP: the sftp method cannot upload there."""
    communicator = connect_ssh(build.ctx, "127.0.0.1",
                               options_for(scp_only, ssh_file_transfer_method="sftp"),
                               private_key_pem=client_pem)
    local = tmp_path / "f"
    local.write_text("x")
    with communicator, pytest.raises(BuildError, match="upload of"):
        communicator.upload(local, str(scp_only.state.workdir / "f"))


@pytest.mark.parametrize("operation", ["upload", "upload_content", "download"])
def test_a_vm_without_scp_names_the_fix(operation, build, make_server, options_for, client_pem,
                                        tmp_path):
    no_scp = make_server("no-scp", scp=False)
    local = tmp_path / "f"
    local.write_text("x")
    remote = no_scp.state.workdir / "f"
    remote.write_text("y")
    communicator = connect_ssh(build.ctx, "127.0.0.1", options_for(no_scp),
                               private_key_pem=client_pem)
    with communicator, pytest.raises(BuildError) as caught:
        if operation == "upload":
            communicator.upload(local, str(remote))
        elif operation == "upload_content":
            communicator.upload_content("x", str(remote))
        else:
            communicator.download(str(remote), tmp_path / "back")
    message = str(caught.value)
    assert "has no scp program" in message
    assert 'ssh_file_transfer_method = "sftp"' in message
    assert remote.read_text() == "y"
    sftp = connect_ssh(build.ctx, "127.0.0.1",
                       options_for(no_scp, ssh_file_transfer_method="sftp"),
                       private_key_pem=client_pem)
    with sftp:  # what the message suggests works on that server
        sftp.upload(local, str(remote))
    assert remote.read_text() == "x"
