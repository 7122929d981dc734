"""A private key registers each of its lines as a secret: the redaction pattern is compiled
once for the lot, when next needed, not once per line (quadratic: 30 s of CPU for 8 builds)."""

from __future__ import annotations

import re

from osc_build import log as logsetup


def test_many_secrets_are_compiled_once_and_all_hidden(monkeypatch):
    compiled: list[str] = []
    original = re.compile

    def counting_compile(pattern, *args):
        compiled.append(pattern)
        return original(pattern, *args)

    monkeypatch.setattr(logsetup.re, "compile", counting_compile)
    lines = [f"key-line-{index:03d}-AbCdEfGhIjKlMnOp" for index in range(50)]
    for line in lines:
        logsetup.register_secret(line)
    assert compiled == []
    text = logsetup.redact(f"first {lines[0]} last {lines[-1]}")
    assert text == "first <redacted> last <redacted>"
    assert len(compiled) == 1
    logsetup.redact("nothing new was registered")
    assert len(compiled) == 1


def test_a_secret_containing_another_is_hidden_whole():
    logsetup.register_secret("inner-secret-xyz")
    logsetup.register_secret("outer-inner-secret-xyz-outer")
    assert logsetup.redact("see outer-inner-secret-xyz-outer") == "see <redacted>"
