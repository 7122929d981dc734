"""The file provisioner: trailing-slash rules, content, download, validation."""

from __future__ import annotations

from pathlib import Path

import pytest

from osc_build.errors import ConfigError
from osc_build.provisioners.file import FileProvisioner


@pytest.fixture
def tree(tmp_path) -> Path:
    (tmp_path / "site" / "css").mkdir(parents=True)
    (tmp_path / "site" / "index.html").write_text("<p>")
    (tmp_path / "app.conf").write_text("x=1")
    return tmp_path


def provision(build, comm, config) -> None:
    FileProvisioner().provision(build.ctx, comm, config)


def test_directory_with_and_without_trailing_slash(build, comm, loaded, tree):
    provision(build, comm, loaded("file", sources=[f"{tree}/site", f"{tree}/site/",
                                                   f"{tree}/app.conf"], destination="/srv"))
    assert comm.uploads == [(tree / "site", "/srv/site"), (tree / "site", "/srv"),
                            (tree / "app.conf", "/srv")]
    assert f"==> outscale-bsu.main: Uploading {tree}/site/ => /srv" in build.output


def test_content_is_uploaded_as_a_file(build, comm, loaded):
    provision(build, comm, loaded("file", content="hello\n", destination="/etc/motd"))
    assert comm.files == {"/etc/motd": (b"hello\n", 0o644)}


def test_download_creates_local_directories(build, comm, loaded, tmp_path):
    provision(build, comm, loaded("file", source="/var/log/syslog", direction="download",
                                  destination=f"{tmp_path}/logs/"))
    provision(build, comm, loaded("file", source="/etc/hostname", direction="download",
                                  destination=f"{tmp_path}/deep/er/hostname"))
    assert comm.downloads == [("/var/log/syslog", tmp_path / "logs"),
                              ("/etc/hostname", tmp_path / "deep" / "er" / "hostname")]
    assert (tmp_path / "logs").is_dir() and (tmp_path / "deep" / "er").is_dir()
    assert "Downloading /var/log/syslog =>" in build.output


@pytest.mark.parametrize(("options", "message"), [
    ({"source": "a", "content": "x", "destination": "/x"}, "source\\(s\\) conflicts with content"),
    ({"destination": "/x"}, "source, sources or content must be specified"),
    ({"source": "/nonexistent", "destination": "/x"}, "bad source '/nonexistent'"),
    ({"source": "a"}, "destination: must be specified"),
    ({"source": "a", "destination": "/x", "direction": "sideways"},
     "direction must be one of: download, upload"),
])
def test_bad_options(loaded, options, message):
    with pytest.raises(ConfigError, match=message):
        loaded("file", **options)


def test_generated_sources_are_not_checked(loaded):
    assert loaded("file", source="/made/later", destination="/x", generated=True)
