"""Sentinel secrets never reach stdout, stderr, log files, manifests or other artifacts.

Sentinels: the secret key, the account password, a sensitive variable, and the
contents of an x509 client key (osc-build passes its path to the TLS library and
never reads it; the test makes sure nothing prints or logs it).
"""

from __future__ import annotations

import stat
import subprocess
import sys
from pathlib import Path

import pytest

from osc_build_sim.config import default_document
from osc_build_sim.testing import leftovers, running_simulator

from .conftest import clean_env, cli_build
from .templates import template

SECRET_KEY = "SKSENTINEL0SECRET0KEY0000000000000000000"
PASSWORD = "pw-sentinel-Zq81"
SENSITIVE = "var-sentinel-Hx42"
SENTINELS = (SECRET_KEY, PASSWORD, SENSITIVE)

VARIABLES = f"""
variable "token" {{
  type      = string
  default   = "{SENSITIVE}"
  sensitive = true
}}
"""
PROVISION = """
  provisioner "shell-local" {
    environment_vars = ["TOKEN=${var.token}"]
    inline           = ["echo token is $TOKEN", "echo again ${var.token}"]
  }
  post-processor "manifest" {
    output = "manifest.json"
  }
"""
# Each verbosity: CLI flags before "build", flags after it, environment.
VERBOSITY = {
    "default": ((), (), {}),
    "debug-flag": (("--debug",), (), {}),
    "debug-log-file": ((), (), {"OSC_BUILD_LOG": "debug", "OSC_BUILD_LOG_PATH": "debug.log"}),
    "machine-readable": (("--debug",), ("-machine-readable", "-timestamp-ui"), {}),
}


@pytest.fixture(scope="module")
def secret_sim(tmp_path_factory):
    document = default_document()
    document["accounts"][0]["access_keys"] = [{"access_key": "AKSENTINELACCESSKEY0",
                                               "secret_key": SECRET_KEY}]
    for account in document["accounts"][1:]:  # each Region's account: the same sentinel
        account["access_keys"][0]["secret_key"] = SECRET_KEY
    document["accounts"][0]["password"] = PASSWORD
    with running_simulator(tmp_path_factory.mktemp("secret-sim"), profile="instant",
                           config=document) as handle:
        yield handle


def files_text(directory) -> dict[str, str]:
    return {str(p): p.read_text(errors="replace") for p in directory.rglob("*")
            if p.is_file() and p.name != "build.pkr.hcl"}


def leaks(texts: dict[str, str], sentinels) -> list[str]:
    return [f"{secret[:12]}... in {where}" for where, text in texts.items()
            for secret in sentinels if secret in text]


@pytest.mark.parametrize("verbosity", VERBOSITY)
def test_no_secret_in_any_output(secret_sim, tmp_path, verbosity, tally):
    before, after, env = VERBOSITY[verbosity]
    text = VARIABLES + template("outscale-bsu", extra=f'  ssh_password = "{PASSWORD}"\n',
                                build_body=PROVISION)
    result = cli_build(secret_sim, tmp_path, text, *after, env=env, before=before)
    assert result.returncode == 0, result.output
    assert "token is <sensitive>" in result.output  # the provisioner ran, its output redacted
    if "OSC_BUILD_LOG_PATH" in env:
        assert "DEBUG" in (tmp_path / "debug.log").read_text()
    assert (tmp_path / "manifest.json").exists()
    found = leaks({"stdout": result.stdout, "stderr": result.stderr, **files_text(tmp_path)},
                  SENTINELS)
    tally["secrets"]["builds"] += 1
    tally["secrets"]["secrets_found"] += len(found)
    assert found == []
    assert leftovers(secret_sim) == {}


SSH_TEMPLATE = template("outscale-bsu").replace('communicator                = "none"',
                                                'ssh_username = "outscale"\n'
                                                '  ssh_timeout = "2s"')


@pytest.mark.parametrize("debug", [False, True], ids=["no-debug", "debug"])
def test_temporary_private_key(secret_sim, tmp_path, debug, tally):
    args = ("-debug",) if debug else ()
    # -debug pauses before each step: Enter goes on.
    result = cli_build(secret_sim, tmp_path, SSH_TEMPLATE, *args, input="\n" * 40)
    assert result.returncode == 1, result.output  # the null backend never answers SSH
    assert "Traceback" not in result.output
    keys = list(tmp_path.glob("*.pem"))
    tally["secrets"]["builds"] += 1
    if not debug:
        assert keys == [], "the temporary key was written without -debug"
        assert leaks({"stdout": result.stdout, "stderr": result.stderr, **files_text(tmp_path)},
                     ("PRIVATE KEY",)) == []
        return
    [key] = keys
    assert f"saved the temporary private key to {key}" in result.stdout
    assert stat.S_IMODE(key.stat().st_mode) == 0o600
    body = [line for line in key.read_text().splitlines() if "PRIVATE KEY" not in line]
    texts = {"stdout": result.stdout, "stderr": result.stderr,
             **{k: v for k, v in files_text(tmp_path).items() if k != str(key)}}
    found = leaks(texts, body[1:-1])
    tally["secrets"]["secrets_found"] += len(found)
    assert found == []
    assert leftovers(secret_sim) == {}


X509_SENTINEL = "x509-key-sentinel-Wd93"
X509_REGION = "cloudgouv-eu-west-1"  # the simulator's region that requires a client certificate


def x509_files(sim, directory: Path) -> tuple[Path, Path, list[str]]:
    """A client certificate signed by the simulator's CA, and its key file.

    The key file is a valid PEM whose explanatory text (before ``-----BEGIN``,
    RFC 7468) is the sentinel. Returns the files and the key's secret lines.
    """
    from osc_build_sim.tls import issue_client_cert

    directory.mkdir()
    tls = sim.data_dir / "tls"
    both = issue_client_cert(tls / "ca.pem", tls / "ca.key", directory / "both.pem",
                             "osc-build x509 sentinel").read_text()
    start = both.index("-----BEGIN PRIVATE KEY-----")
    cert, key = directory / "client.crt", directory / "client.key"
    cert.write_text(both[:start])
    key.write_text(f"{X509_SENTINEL}\n{both[start:]}")
    key.chmod(0o600)
    (directory / "both.pem").unlink()
    body = [line for line in both[start:].splitlines() if line and "PRIVATE KEY" not in line]
    return cert, key, [X509_SENTINEL, *body]


@pytest.mark.parametrize("verbosity", VERBOSITY)
def test_no_x509_key_contents_in_any_output(secret_sim, tmp_path, verbosity, tally):
    before, after, env = VERBOSITY[verbosity]
    cert, key, key_secrets = x509_files(secret_sim, tmp_path / "x509")
    endpoint = secret_sim.tls_endpoint.replace("/api/v1", f"/{X509_REGION}/api/v1")
    creds = secret_sim.credentials(X509_REGION)  # each Region, its own account
    options = (f'  region              = "{X509_REGION}"\n'
               f'  custom_endpoint_oapi = "{endpoint}"\n'
               f'  access_key          = "{creds["access_key"]}"\n'
               f'  secret_key          = "{creds["secret_key"]}"\n'
               f'  x509_cert_path      = "{cert}"\n'
               f'  x509_key_path       = "{key}"\n')
    path = tmp_path / "build.pkr.hcl"
    path.write_text(VARIABLES + template("outscale-bsu", extra=options, build_body=PROVISION))
    # Not --local: it would point the build at the simulator without the certificate.
    proc = subprocess.run([sys.executable, "-m", "osc_build", *before, "build", *after,
                           str(path)], capture_output=True, text=True, cwd=tmp_path, timeout=90,
                          env=clean_env(REQUESTS_CA_BUNDLE=secret_sim.ca_file, **env))
    output = proc.stdout + proc.stderr
    assert proc.returncode == 0, output  # the region refuses calls without the certificate
    assert f"region {X509_REGION}" in output
    if "OSC_BUILD_LOG_PATH" in env:
        assert "DEBUG" in (tmp_path / "debug.log").read_text()
    assert (tmp_path / "manifest.json").exists()
    texts = {"stdout": proc.stdout, "stderr": proc.stderr,
             **{where: text for where, text in files_text(tmp_path).items()
                if not where.startswith(str(tmp_path / "x509"))}}
    found = leaks(texts, (*key_secrets, *SENTINELS))
    tally["secrets"]["builds"] += 1
    tally["secrets"]["secrets_found"] += len(found)
    assert found == []
    assert leftovers(secret_sim) == {}
