"""artifice and compress, chained as Packer users chain them (artifice -> compress -> checksum)."""

from __future__ import annotations

import gzip
import io
import tarfile
import zipfile

import pytest

from osc_build.artifact import Artifact
from osc_build.context import BuildContext
from osc_build.errors import BuildError
from osc_build.postprocess import PostProcessorCall, prepare_post_processors, run_post_processors
from osc_build.ui import Ui

OMI = Artifact(builder="outscale-bsu", ids=(("eu-west-2", "ami-0123abcd"),))


def run_chain(*chain) -> Artifact:
    ctx = BuildContext(name="outscale-bsu.web", builder="outscale-bsu", config={},
                       ui=Ui("outscale-bsu.web", stream=io.StringIO(), color=False))
    chains = prepare_post_processors([[PostProcessorCall(t, c) for t, c in chain]])
    [last] = run_post_processors(ctx, OMI, chains)
    return last


@pytest.fixture
def made(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "sbom.json").write_text('{"packages": []}')
    (tmp_path / "report.txt").write_text("hardening: ok\n" * 100)
    return tmp_path


def test_artifice_then_tar_gz_holds_both_files(made):
    artifact = run_chain(("artifice", {"files": ["sbom.json", "report.txt"]}),
                         ("compress", {}))
    assert artifact.builder_id == "packer.post-processor.compress"
    [archive] = artifact.files
    assert archive == "packer_web_outscale-bsu.tar.gz"
    with tarfile.open(made / archive) as tar:
        assert sorted(tar.getnames()) == ["report.txt", "sbom.json"]
        assert tar.extractfile("report.txt").read() == b"hardening: ok\n" * 100


def test_the_extension_chooses_the_format(made):
    zipped = run_chain(("artifice", {"files": ["sbom.json", "report.txt"]}),
                       ("compress", {"output": "out/{{.BuildName}}.zip"}))
    assert zipped.files == ("out/web.zip",)
    assert sorted(zipfile.ZipFile(made / "out/web.zip").namelist()) == ["report.txt",
                                                                        "sbom.json"]
    single = run_chain(("artifice", {"files": ["report.txt"]}),
                       ("compress", {"output": "report.txt.gz", "compression_level": 9}))
    assert gzip.decompress((made / single.files[0]).read_bytes()) == b"hardening: ok\n" * 100


def test_checksum_after_compress_sums_the_archive(made):
    artifact = run_chain(("artifice", {"files": ["sbom.json"]}),
                         ("compress", {"output": "a.tar.xz"}),
                         ("checksum", {"checksum_types": ["sha256"], "output": "sums"}))
    assert "a.tar.xz" in (made / "sums").read_text()
    assert artifact.files == ("sums",)


def test_errors_say_what_to_do(made):
    with pytest.raises(BuildError, match=r"files not found: nope\.bin"):
        run_chain(("artifice", {"files": ["nope.bin"]}))
    with pytest.raises(BuildError, match=r"has no files to compress .* chain artifice first"):
        run_chain(("compress", {}))
    with pytest.raises(BuildError, match=r"a \.gz file holds one file, and the artifact has 2"):
        run_chain(("artifice", {"files": ["sbom.json", "report.txt"]}),
                  ("compress", {"output": "x.gz"}))
    with pytest.raises(BuildError, match="lz4 and bgzf archives are not supported"):
        run_chain(("artifice", {"files": ["sbom.json"]}), ("compress", {"output": "x.lz4"}))
