"""Start-up shortcuts give the same results: lazy e-mail regexes, cache-key hashing."""

from __future__ import annotations

import subprocess
import sys
import textwrap

SCRIPT = textwrap.dedent("""
    from osc_build import lazy_regex
    lazy_regex.install()
    import re
    import marshmallow.validate as validate
    from marshmallow import ValidationError

    assert re.compile is lazy_regex._compile  # restored after the import
    import sys
    assert not any(isinstance(f, lazy_regex._Finder) for f in sys.meta_path)  # hook gone
    assert isinstance(validate.Email.DOMAIN_REGEX, lazy_regex.LazyPattern)
    assert validate.Email.DOMAIN_REGEX._compiled is None  # not compiled by the import
    email = validate.Email()
    for good in ("a@b.example", "x@localhost", "u.v+w@[10.0.0.1]", "é@dömain.example"):
        assert email(good) == good
    for bad in ("", "a", "a@", "@b.example", "a@b", "a b@c.example", "a@-b.example"):
        try:
            email(bad)
        except ValidationError as err:
            assert err.messages == ["Not a valid email address."], err.messages
        else:
            raise AssertionError(bad)
    assert isinstance(validate.Email.DOMAIN_REGEX._compiled, re.Pattern)
    assert validate.Email.DOMAIN_REGEX.pattern == validate.Email.DOMAIN_REGEX._compiled.pattern
    print("ok")
""")


def test_email_regexes_compile_on_first_use_and_validate_the_same():
    done = subprocess.run([sys.executable, "-c", SCRIPT], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    assert done.stdout == "ok\n"


def test_eager_email_validator_agrees():
    from marshmallow import ValidationError, validate

    email = validate.Email()
    assert email("é@dömain.example") == "é@dömain.example"
    for bad in ("a@b", "a@-b.example"):
        try:
            email(bad)
        except ValidationError:
            continue
        raise AssertionError(bad)


def test_cache_keys_hash_as_hashlib():
    import hashlib

    from osc_build.cache import sha256_hex

    for data in (b"", b"abc", "héllo".encode(), bytes(range(256)) * 100):
        assert sha256_hex(data) == hashlib.sha256(data).hexdigest()


def test_validate_loads_no_ssh_library(tmp_path):
    """Checking options needs no paramiko (180 ms of imports): only a build connects."""
    import subprocess
    import sys
    from pathlib import Path

    quickstart = Path(__file__).resolve().parents[2] / "examples" / "quickstart.pkr.hcl"
    code = ("import sys\nfrom osc_build.cli import main\n"
            f"assert main(['validate', {str(quickstart)!r}]) == 0\n"
            "assert 'paramiko' not in sys.modules, 'validate imported paramiko'\n")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                            cwd=tmp_path, timeout=120)
    assert result.returncode == 0, result.stderr
