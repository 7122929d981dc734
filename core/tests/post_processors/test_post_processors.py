"""manifest, checksum and shell-local post-processors, run as a build runs them."""

from __future__ import annotations

import hashlib
import io
import json

import pytest

from osc_build.artifact import Artifact
from osc_build.context import BuildContext
from osc_build.errors import BuildError
from osc_build.postprocess import PostProcessorCall, prepare_post_processors, run_post_processors
from osc_build.ui import Ui

OMI = Artifact(builder="outscale-bsu", ids=(("eu-west-2", "ami-0123abcd"),
                                            ("us-east-2", "ami-4567ef01")))


def new_ctx(run_id: str = "run00000001") -> BuildContext:
    return BuildContext(name="outscale-bsu.main", builder="outscale-bsu", config={},
                        ui=Ui("outscale-bsu.main", stream=io.StringIO(), color=False),
                        run_id=run_id)


def post_process(ctx, artifact, *chain) -> list[Artifact]:
    chains = prepare_post_processors([[PostProcessorCall(t, c) for t, c in chain]])
    return run_post_processors(ctx, artifact, chains)


def test_manifest_appends_across_runs(tmp_path):
    output = tmp_path / "out" / "manifest.json"
    post_process(new_ctx("run-1"), OMI, ("manifest", {"output": str(output)}))
    post_process(new_ctx("run-2"), OMI, ("manifest", {"output": str(output),
                                                      "custom_data": {"team": "infra"}}))
    manifest = json.loads(output.read_text())
    assert manifest["last_run_uuid"] == "run-2"
    first, second = manifest["builds"]
    assert list(first) == ["name", "builder_type", "build_time", "files", "artifact_id",
                           "packer_run_uuid", "custom_data"]
    assert first["name"] == "main" and first["builder_type"] == "outscale-bsu"
    assert first["artifact_id"] == "eu-west-2:ami-0123abcd,us-east-2:ami-4567ef01"
    assert first["files"] is None and first["custom_data"] is None
    assert first["packer_run_uuid"] == "run-1" and isinstance(first["build_time"], int)
    assert second["custom_data"] == {"team": "infra"} and second["packer_run_uuid"] == "run-2"
    assert output.stat().st_mode & 0o777 == 0o664
    assert not output.with_name("manifest.json.lock").exists()


def test_manifest_files_strip_path_and_strip_time(tmp_path):
    disk = tmp_path / "disk.raw"
    disk.write_bytes(b"x" * 10)
    output = tmp_path / "m.json"
    artifact = Artifact(builder="local", ids=(("", "vol-1"),), files=(str(disk),))
    post_process(new_ctx(), artifact, ("manifest", {"output": str(output), "strip_path": True,
                                                    "strip_time": True}))
    [entry] = json.loads(output.read_text())["builds"]
    assert entry["files"] == [{"name": "disk.raw", "size": 10}]
    assert "build_time" not in entry


def test_manifest_keeps_the_artifact_and_reports_a_broken_file(tmp_path):
    output = tmp_path / "m.json"
    assert post_process(new_ctx(), OMI, ("manifest", {"output": str(output)})) == []
    output.write_text("{not json")
    with pytest.raises(BuildError, match=r"is not valid JSON .*fix or remove it"):
        post_process(new_ctx(), OMI, ("manifest", {"output": str(output)}))


def test_checksum_files_for_each_type(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    data = tmp_path / "image.raw"
    data.write_bytes(b"osc-build" * 1000)
    artifact = Artifact(builder="local", ids=(("", "img"),), files=(str(data),))
    types = ["md5", "sha1", "sha256", "sha512"]
    [result] = post_process(new_ctx(), artifact, ("checksum", {"checksum_types": types}))
    for kind in types:
        path = tmp_path / f"packer_main_outscale-bsu_{kind}.checksum"
        expected = hashlib.new(kind, data.read_bytes()).hexdigest()
        assert path.read_text() == f"{expected}\timage.raw\n"
    assert result.files == tuple(f"packer_main_outscale-bsu_{k}.checksum" for k in types)
    post_process(new_ctx(), artifact, ("checksum", {}))
    assert len((tmp_path / "packer_main_outscale-bsu_md5.checksum").read_text().splitlines()) == 2


def test_checksum_of_an_omi_writes_nothing(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    post_process(new_ctx(), OMI, ("checksum", {"checksum_types": ["sha256"]}))
    assert list(tmp_path.iterdir()) == []


def test_shell_local_gets_the_build_environment(tmp_path):
    out = tmp_path / "env.txt"
    ctx = new_ctx()
    post_process(ctx, OMI, ("shell-local", {"inline": [
        f'echo "$PACKER_BUILD_NAME $PACKER_BUILDER_TYPE $OSC_BUILD_ARTIFACT_ID $EXTRA" > {out}',
        "echo done"], "environment_vars": ["EXTRA=yes"]}))
    assert out.read_text() == ("main outscale-bsu eu-west-2:ami-0123abcd,us-east-2:ami-4567ef01 "
                               "yes\n")
    assert "    outscale-bsu.main: done" in ctx.ui.stream.getvalue()


def test_shell_local_failure_names_the_post_processor():
    with pytest.raises(BuildError, match=r"post-processor 'shell-local' failed: .*status: 2"):
        post_process(new_ctx(), OMI, ("shell-local", {"inline": ["exit 2"]}))
