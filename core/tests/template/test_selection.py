"""-only/-except selection and provisioner only/except/override."""

from __future__ import annotations

from osc_build.template import select_builds

from .corpus import CORPUS, load_case


def names(builds) -> list[str]:
    return [b.build_name(s) for b in builds for s in b.sources]


def test_only_and_except_globs(monkeypatch) -> None:
    monkeypatch.chdir(CORPUS)
    template = load_case(CORPUS / "multi-build.pkr.hcl")
    assert names(select_builds(template)) == [
        "outscale-bsu.a", "outscale-chroot.b", "second.outscale-bsu.a"]
    assert names(select_builds(template, only=["outscale-bsu.*"])) == ["outscale-bsu.a"]
    assert names(select_builds(template, only=["*.outscale-bsu.*"])) == \
        ["second.outscale-bsu.a"]
    assert names(select_builds(template, except_=["*bsu*"])) == ["outscale-chroot.b"]
    assert names(select_builds(template, only=["[s]econd.*"])) == ["second.outscale-bsu.a"]


def test_except_stops_a_post_processor_chain(monkeypatch) -> None:
    monkeypatch.chdir(CORPUS)
    template = load_case(CORPUS / "build-full.pkr.hcl")
    chains = select_builds(template, except_=["notify"])[0].post_processors
    assert [[s.type for s in chain] for chain in chains] == [["manifest"], ["shell-local"]]


def test_provisioner_only_and_override(monkeypatch) -> None:
    monkeypatch.chdir(CORPUS)
    build = load_case(CORPUS / "build-full.pkr.hcl").builds[0]
    debian, second = build.sources
    shell, upload = build.provisioners
    assert not shell.applies_to(debian) and shell.applies_to(second)
    assert shell.config_for(second)["inline"] == ["echo second"]
    assert upload.applies_to(second) and not upload.applies_to(debian)


def test_legacy_json_uses_exact_names(monkeypatch) -> None:
    monkeypatch.chdir(CORPUS)
    template = load_case(CORPUS / "legacy.json")
    assert names(select_builds(template, only=["main"])) == ["main"]
    assert names(select_builds(template, only=["mai*"])) == []
