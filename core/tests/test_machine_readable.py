"""``-machine-readable``: Packer's ``timestamp,target,type,data...`` records.

Scripts written for Packer read the artifact ids, the errors and the version
from these lines; a changed field or a stray comma breaks them.
"""

from __future__ import annotations

import io
import re

import pytest

from osc_build.artifact import Artifact
from osc_build.log import register_secret
from osc_build.ui import MachineUi, Ui, escape_field, machine_line

RECORD = re.compile(r"^(\d+),([^,]*),([^,]+)(?:,(.*))?$")


def records(text: str) -> list[tuple[str, ...]]:
    """The lines as (target, type, *data), every line checked to be a record."""
    found = []
    for line in text.splitlines():
        match = RECORD.match(line)
        assert match, f"not a machine-readable line: {line!r}"
        data = match.group(4)
        found.append((match.group(2), match.group(3),
                      *(data.split(",") if data is not None else [])))
    return found


@pytest.mark.parametrize(("raw", "escaped"), [
    ("a,b", "a%!(PACKER_COMMA)b"),
    ("one\ntwo\r\n", "one\\ntwo\\r\\n"),
    ("", ""),
    ("eu-west-2: ami-1,eu-west-2: ami-2", "eu-west-2: ami-1%!(PACKER_COMMA)eu-west-2: ami-2"),
])
def test_fields_are_escaped_as_packer_does(raw, escaped):
    assert escape_field(raw) == escaped
    line = machine_line("outscale-bsu.main", "artifact", "0", "string", raw)
    assert line.split(",", 1)[1] == f"outscale-bsu.main,artifact,0,string,{escaped}"


def test_secrets_are_hidden_in_every_field():
    register_secret("s3cr3t-token-value", shown_as="<sensitive>")
    line = machine_line("b", "error", "token s3cr3t-token-value, again s3cr3t-token-value")
    assert "s3cr3t" not in line
    assert line.endswith(",b,error,token <sensitive>%!(PACKER_COMMA) again <sensitive>")


def test_build_ui_lines_have_no_target_and_keep_the_prefix_in_one_record():
    stream = io.StringIO()
    ui = Ui("outscale-bsu.main", stream=stream, machine_readable=True)
    ui.say("Creating temporary keypair, then\nwaiting")
    ui.message("detail")
    ui.error("failed")
    assert records(stream.getvalue()) == [
        ("", "ui", "say", "==> outscale-bsu.main: Creating temporary keypair%!(PACKER_COMMA) "
         "then\\n==> outscale-bsu.main: waiting"),
        ("", "ui", "message", "    outscale-bsu.main: detail"),
        ("", "ui", "error", "==> outscale-bsu.main: failed"),
    ]


def test_timestamp_ui_prefixes_the_data_with_rfc3339():
    stream = io.StringIO()
    Ui("b", stream=stream, machine_readable=True, timestamps=True).say("hello")
    [(_, _, _, data)] = records(stream.getvalue())
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(Z|[+-]\d\d:\d\d): ==> b: hello", data)


def test_machine_records_are_written_only_in_machine_readable_mode():
    plain, machine = io.StringIO(), io.StringIO()
    for out in (MachineUi(False, plain), MachineUi(True, machine)):
        out.machine("b", "artifact-count", "1")
        out.say("\n==> Builds finished.")
    assert plain.getvalue() == "\n==> Builds finished.\n"
    assert records(machine.getvalue()) == [("b", "artifact-count", "1"),
                                           ("", "ui", "say", "\\n==> Builds finished.")]


def outcome(results, machine_readable=True) -> str:
    import contextlib

    from osc_build.cli.build_report import print_outcome

    stream = io.StringIO()
    with contextlib.redirect_stdout(stream):
        print_outcome(results, 61.5, machine_readable=machine_readable)
    return stream.getvalue()


def test_outcome_records_of_artifacts_files_nil_and_errors():
    from osc_build.errors import BuildError
    from osc_build.runner import BuildResult

    omi = Artifact(builder="outscale-bsu", builder_id="oapi.outscale.bsu",
                   ids=(("eu-west-2", "ami-0123abcd"),),
                   description="OMIs were created:\neu-west-2: ami-0123abcd")
    sums = Artifact(builder="checksum", builder_id="packer.post-processor.checksum", ids=omi.ids,
                    files=("/tmp/a,b.md5", "/tmp/c.sha1"),
                    description="Created artifact from files: /tmp/a,b.md5, /tmp/c.sha1")
    skipped = Artifact(builder="outscale-bsu", ids=(),
                       description="No OMI was created (skip_create_omi).")
    results = [
        BuildResult("outscale-bsu.web", artifact=omi, post_artifacts=[sums]),
        BuildResult("outscale-bsu.skip", artifact=skipped),
        BuildResult("outscale-bsu.bad", error=BuildError("step 'x' failed: a, b\nmore")),
    ]
    lines = records(outcome(results))
    machine = [line for line in lines if line[1] != "ui"]
    assert machine == [
        ("", "error-count", "1"),
        ("outscale-bsu.bad", "error", "step 'x' failed: a%!(PACKER_COMMA) b\\nmore"),
        ("outscale-bsu.web", "artifact-count", "2"),
        ("outscale-bsu.web", "artifact", "0", "builder-id", "oapi.outscale.bsu"),
        ("outscale-bsu.web", "artifact", "0", "id", "eu-west-2:ami-0123abcd"),
        ("outscale-bsu.web", "artifact", "0", "string",
         "OMIs were created:\\neu-west-2: ami-0123abcd"),
        ("outscale-bsu.web", "artifact", "0", "files-count", "0"),
        ("outscale-bsu.web", "artifact", "0", "end"),
        ("outscale-bsu.web", "artifact", "1", "builder-id", "packer.post-processor.checksum"),
        ("outscale-bsu.web", "artifact", "1", "id", "eu-west-2:ami-0123abcd"),
        ("outscale-bsu.web", "artifact", "1", "string",
         "Created artifact from files: /tmp/a%!(PACKER_COMMA)b.md5%!(PACKER_COMMA) /tmp/c.sha1"),
        ("outscale-bsu.web", "artifact", "1", "files-count", "2"),
        ("outscale-bsu.web", "artifact", "1", "file", "0", "/tmp/a%!(PACKER_COMMA)b.md5"),
        ("outscale-bsu.web", "artifact", "1", "file", "1", "/tmp/c.sha1"),
        ("outscale-bsu.web", "artifact", "1", "end"),
        ("outscale-bsu.skip", "artifact-count", "1"),
        ("outscale-bsu.skip", "artifact", "0", "nil"),
        ("outscale-bsu.skip", "artifact", "0", "end"),
    ]
    ui = [line[2:] for line in lines if line[1] == "ui"]
    assert ui[0] == ("say", "==> Wait completed after 1 minutes 1 seconds 500 milliseconds")
    assert ("error", "--> outscale-bsu.bad: step 'x' failed: a%!(PACKER_COMMA) b") in ui
    assert ("say", "--> outscale-bsu.web: OMIs were created:\\neu-west-2: ami-0123abcd") in ui


def test_outcome_without_machine_readable_has_no_records():
    from osc_build.runner import BuildResult

    omi = Artifact(builder="outscale-bsu", builder_id="oapi.outscale.bsu",
                   ids=(("eu-west-2", "ami-0123abcd"),),
                   description="OMIs were created:\neu-west-2: ami-0123abcd")
    text = outcome([BuildResult("outscale-bsu.web", artifact=omi)], machine_readable=False)
    assert text.endswith("==> Builds finished. The artifacts of successful builds are:\n"
                         "--> outscale-bsu.web: OMIs were created:\neu-west-2: ami-0123abcd\n")
    assert "artifact-count" not in text


def test_version_records(run_cli):
    from importlib.metadata import version

    result = run_cli("version", "-machine-readable")
    assert result.returncode == 0, result.stderr
    lines = records(result.stdout)
    assert [line[:2] for line in lines] == [("", "version"), ("", "version-prelease"),
                                            ("", "version-commit"), ("", "ui")]
    assert lines[0][2] == version("osc-build-core")
    assert re.fullmatch(r"[0-9a-f]{40}|", lines[2][2] if len(lines[2]) > 2 else "")
    assert lines[3][2:] == ("say", f"osc-build {version('osc-build-core')}")


@pytest.mark.parametrize(("version", "parts"), [
    ("1.2.0", ("1.2.0", "")), ("1.2.0rc1", ("1.2.0", "rc1")),
    ("0.1.0.dev3", ("0.1.0", "dev3")), ("2.0-beta", ("2.0", "beta")),
])
def test_version_splits_the_prerelease(version, parts):
    from osc_build.cli.version import split_version

    assert split_version(version) == parts
