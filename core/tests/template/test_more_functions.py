"""Functions Packer templates use that osc-build lacked: results as Packer (cty) gives them."""

from __future__ import annotations

import base64
import re

import pytest

from osc_build.template.functions import make_functions


@pytest.fixture
def fn(tmp_path):
    return make_functions(tmp_path)


def test_setproduct_and_setsubtract(fn):
    assert fn["setproduct"](["a", "b"], [1, 2]) == [["a", 1], ["a", 2], ["b", 1], ["b", 2]]
    assert fn["setproduct"](["a"], []) == []
    assert fn["setsubtract"](["a", "b", "c", "a"], ["b"]) == ["a", "c"]


def test_one(fn):
    assert fn["one"]([]) is None
    assert fn["one"](["x"]) == "x"
    with pytest.raises(ValueError, match="zero or one elements; got 2"):
        fn["one"](["x", "y"])


def test_cidrsubnets_are_consecutive_and_aligned(fn):
    # Terraform's documented example.
    assert fn["cidrsubnets"]("10.1.0.0/16", 4, 4, 8, 4) == [
        "10.1.0.0/20", "10.1.16.0/20", "10.1.32.0/24", "10.1.48.0/20"]
    assert fn["cidrsubnets"]("fd00:fd12:3456:7890::/56", 16, 16) == [
        "fd00:fd12:3456:7800::/72", "fd00:fd12:3456:7800:100::/72"]
    with pytest.raises(ValueError, match="not enough remaining address space"):
        fn["cidrsubnets"]("10.0.0.0/30", 1, 1, 1)


def test_fileset_matches_doublestar_patterns(fn, tmp_path):
    for name in ("a.txt", "b.sh", "conf/x.txt", "conf/deep/y.txt", "conf/deep/z.cfg"):
        (tmp_path / "files" / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / "files" / name).write_text(name)
    assert fn["fileset"]("files", "*.txt") == ["a.txt"]
    assert fn["fileset"]("files", "**/*.txt") == ["a.txt", "conf/deep/y.txt", "conf/x.txt"]
    assert fn["fileset"]("files", "conf/*/{y.txt,z.cfg}") == ["conf/deep/y.txt",
                                                            "conf/deep/z.cfg"]
    assert fn["fileset"]("files", "[ab].*") == ["a.txt", "b.sh"]
    assert fn["fileset"]("missing", "*") == []


def test_text_encodings_round_trip(fn):
    encoded = fn["textencodebase64"]("Hello é", "UTF-16LE")
    assert base64.b64decode(encoded) == "Hello é".encode("utf-16-le")
    assert fn["textdecodebase64"](encoded, "UTF-16LE") == "Hello é"
    with pytest.raises(ValueError, match="not a supported IANA encoding"):
        fn["textencodebase64"]("x", "klingon")


def test_bcrypt_is_local_and_verifiable(fn):
    import bcrypt

    hashed = fn["bcrypt"]("s3cret", 5)
    assert hashed.startswith("$2a$05$")
    assert bcrypt.checkpw(b"s3cret", hashed.encode())
    assert fn["bcrypt"]("s3cret", 5) != hashed  # a fresh salt each time


def test_rsadecrypt_reverses_pkcs1v15(fn):
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import padding, rsa

    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    pem = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                            serialization.NoEncryption()).decode()
    secret = base64.b64encode(key.public_key().encrypt(b"P@ss", padding.PKCS1v15())).decode()
    assert fn["rsadecrypt"](secret, pem) == "P@ss"
    with pytest.raises(ValueError, match="failed to decrypt"):
        fn["rsadecrypt"]("bm90IGVuY3J5cHRlZA==", pem)


def test_legacy_isotime_and_strftime_use_the_run_start(fn):
    from osc_build.template.legacy import INIT_TIME

    assert fn["legacy_isotime"]("2006-01-02") == INIT_TIME.strftime("%Y-%m-%d")
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", fn["legacy_isotime"]())
    assert fn["legacy_strftime"]("%Y%m%d") == INIT_TIME.strftime("%Y%m%d")
