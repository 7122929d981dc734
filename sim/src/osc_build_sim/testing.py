"""Test fixtures: a real simulator in a subprocess, on a free loopback port.

``running_simulator(data_dir)`` starts ``osc-build-sim serve`` (so tests can
``kill -9`` it), waits for its ``state.json``, and yields a :class:`SimHandle`.
Import it directly: ``from osc_build_sim.testing import running_simulator``;
the pytest fixtures ``simulator`` and ``simulator_session`` are in
``osc_build_sim.pytest_plugin``, which pytest loads by entry point.
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from urllib.parse import urlsplit

import requests

from .signing import signature
from .spec import default_spec, load_spec, spec_cache_name

STARTUP_TIMEOUT = 30.0


def guest_image_cache() -> Path:
    """Where test simulators keep real guest images: one bootstrap per machine, not per test
    (``OSC_BUILD_SIM_IMAGE_CACHE`` if set, else ``~/.cache/osc-build-sim/guest-images``;
    not under ``$XDG_CACHE_HOME``, which the test suite points at a temporary directory)."""
    if os.environ.get("OSC_BUILD_SIM_IMAGE_CACHE"):
        return Path(os.environ["OSC_BUILD_SIM_IMAGE_CACHE"])
    return Path.home() / ".cache" / "osc-build-sim" / "guest-images"


def spec_cache() -> Path:
    """Where test simulators get the parsed OAPI spec: parsed once per machine and SDK
    version here, then copied into each new data directory's ``cache/``, the simulator's own
    spec cache, which a fresh data directory lacks (parsing the 1 MB YAML takes seconds)."""
    return Path.home() / ".cache" / "osc-build-sim" / "spec"


def _seed_spec_cache(data_dir: Path) -> None:
    target = data_dir / "cache" / spec_cache_name()
    if target.exists():
        return
    shared = spec_cache() / target.name
    if not shared.exists():
        load_spec(spec_cache())  # parses the YAML and writes the cache file
    target.parent.mkdir(parents=True, exist_ok=True)
    partial = target.with_suffix(f".{os.getpid()}.tmp")
    shutil.copyfile(shared, partial)
    partial.replace(target)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@dataclass
class SimHandle:
    endpoint: str
    region: str
    access_key: str
    secret_key: str
    account_id: str
    data_dir: Path
    pid: int
    tls_endpoint: str = ""
    ca_file: str = ""
    client_cert_file: str = ""
    admin: str = ""
    regions: dict = field(default_factory=dict)  # Region -> endpoint
    region_accounts: dict = field(default_factory=dict)  # Region -> endpoint, account, keys
    oos_endpoints: dict = field(default_factory=dict)  # Region -> its OOS (S3) base URL
    _args: list[str] = field(default_factory=list, repr=False)
    _process: subprocess.Popen | None = field(default=None, repr=False)

    def _get(self, route: str) -> dict:
        with urllib.request.urlopen(f"{self.admin}/{route}", timeout=10) as response:
            return json.loads(response.read())

    def _post(self, route: str, doc: dict) -> dict:
        request = urllib.request.Request(f"{self.admin}/{route}", json.dumps(doc).encode(),
                                         {"Content-Type": "application/json"})
        with urllib.request.urlopen(request, timeout=10) as response:
            return json.loads(response.read())

    def requests(self) -> list[dict]:
        """The request log: operation, account, status, latency_ms, ... per call."""
        return self._get("requests")["requests"]

    def resources(self, kind: str) -> list[dict]:
        """Resources of ``kind`` (vm, image, volume, ...), as ``ls KIND --json``."""
        return self._get(f"resources/{kind}")["resources"]

    def set_faults(self, rules: list[dict], seed: int = 0) -> dict:
        return self._post("faults", {"rules": rules, "seed": seed})

    def credentials(self, region: str | None = None) -> dict[str, str]:
        """``region``'s endpoint, account_id, access_key and secret_key (its own account)."""
        if region in (None, self.region):
            return {"endpoint": self.endpoint, "account_id": self.account_id,
                    "access_key": self.access_key, "secret_key": self.secret_key}
        return self.region_accounts[region]

    def env(self, region: str | None = None) -> dict[str, str]:
        """``OSC_*`` variables pointing osc-sdk-python at ``region`` (default: the default)."""
        creds = self.credentials(region)
        return {"OSC_ACCESS_KEY": creds["access_key"], "OSC_SECRET_KEY": creds["secret_key"],
                "OSC_REGION": region or self.region, "OSC_ENDPOINT_API": creds["endpoint"]}

    def gateway(self, **kwargs):
        """An osc-sdk-python Gateway for this simulator (no retries, no client-side limit).

        ``region=`` picks that Region's endpoint and account keys unless given too.
        """
        from osc_sdk_python import Gateway
        from osc_sdk_python.credentials import Endpoint
        region = kwargs.get("region") or self.region
        creds = self.credentials(region)
        options = {"access_key": creds["access_key"], "secret_key": creds["secret_key"],
                   "region": region, "endpoints": Endpoint(api=creds["endpoint"]),
                   "max_retries": 0, "limiter_max_requests": 10000, **kwargs}
        return Gateway(**options)

    def stop(self) -> None:
        if self._process and self._process.poll() is None:
            self._process.send_signal(signal.SIGTERM)
            try:
                self._process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self._process.kill()
                self._process.wait()

    def kill(self) -> None:
        """SIGKILL, as a crash would."""
        if self._process and self._process.poll() is None:
            self._process.kill()
            self._process.wait()
        (self.data_dir / "state.json").unlink(missing_ok=True)

    def restart(self) -> None:
        """Start again on the same data directory and ports."""
        self.stop()
        fresh = _start(self._args, self.data_dir)
        self.pid, self._process = fresh.pid, fresh._process


def _start(args: list[str], data_dir: Path) -> SimHandle:
    state_file = data_dir / "state.json"
    state_file.unlink(missing_ok=True)
    _seed_spec_cache(data_dir)
    log = open(data_dir / "serve.log", "ab")  # noqa: SIM115 - lives as long as the process
    env = {**os.environ, "OSC_BUILD_SIM_IMAGE_CACHE": str(guest_image_cache())}
    process = subprocess.Popen([sys.executable, "-m", "osc_build_sim", *args], env=env,
                               stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)
    log.close()
    deadline = time.monotonic() + STARTUP_TIMEOUT
    while not state_file.exists():
        if process.poll() is not None:
            raise RuntimeError(f"osc-build-sim serve exited with {process.returncode}: "
                               f"{(data_dir / 'serve.log').read_text()[-2000:]}")
        if time.monotonic() > deadline:
            process.kill()
            raise RuntimeError(f"osc-build-sim did not start in {STARTUP_TIMEOUT:.0f} s")
        time.sleep(0.05)
    state = json.loads(state_file.read_text())
    return SimHandle(endpoint=state["endpoint"], region=state["region"],
                     access_key=state["access_key"], secret_key=state["secret_key"],
                     account_id=state["account_id"], data_dir=data_dir, pid=process.pid,
                     tls_endpoint=state["tls_endpoint"] or "", ca_file=state["ca_file"],
                     client_cert_file=state["client_cert_file"], admin=state["admin"],
                     regions=state["regions"], region_accounts=state["region_accounts"],
                     oos_endpoints=state.get("oos_endpoints", {}),
                     _args=args, _process=process)


@contextlib.contextmanager
def running_simulator(data_dir: Path, *, profile: str = "fast", backend: str = "null",
                      config: dict | None = None, **options) -> Iterator[SimHandle]:
    """Run ``osc-build-sim serve`` on free loopback ports until the block ends.

    ``config`` (a config-file document) is written to ``DATA_DIR/config.json``
    first; ``options`` become ``--option value`` flags of ``serve``.
    """
    data_dir = Path(data_dir)
    data_dir.mkdir(parents=True, exist_ok=True)
    if config is not None:
        (data_dir / "config.json").write_text(json.dumps(config))
    args = ["--data-dir", str(data_dir), "serve", "--profile", profile, "--backend", backend,
            "--port", str(options.pop("port", free_port())),
            "--tls-port", str(options.pop("tls_port", free_port()))]
    for key, value in options.items():
        args += [f"--{key.replace('_', '-')}", str(value)]
    handle = _start(args, data_dir)
    try:
        yield handle
    finally:
        handle.stop()


def region_credentials(sim: SimHandle, region: str) -> tuple[str, str]:
    """(access key, secret key) of ``region``'s own account."""
    entry = sim.region_accounts[region]
    return entry["access_key"], entry["secret_key"]


def region_gateway(sim: SimHandle, region: str):
    """An osc-sdk-python Gateway on ``region``'s endpoint with that Region's credentials."""
    from .boot import gateway
    return gateway(sim.regions[region], region, *region_credentials(sim, region))


def oos_client(sim: SimHandle, region: str):
    """A boto3 S3 client on ``region``'s OOS, with that Region's credentials."""
    from .oos.client import s3_client
    return s3_client(sim.oos_endpoints[region], region, *region_credentials(sim, region))


# Raw signed calls and spec checks, for tests of the API itself.


def signed_post(sim, operation: str, body: dict | bytes, *, secret_key: str | None = None,
                access_key: str | None = None, skew: timedelta = timedelta(0),
                tamper: bytes | None = None, endpoint: str | None = None,
                region: str | None = None, **kwargs) -> requests.Response:
    region = region or sim.region
    creds = sim.credentials(region) if hasattr(sim, "credentials") else {}
    endpoint = endpoint or creds.get("endpoint") or sim.endpoint
    secret_key = secret_key or creds.get("secret_key")
    access_key = access_key or creds.get("access_key")
    raw = body if isinstance(body, bytes) else json.dumps(body).encode()
    url = urlsplit(f"{endpoint}/{operation}")
    date_iso = (datetime.now(UTC) + skew).strftime("%Y%m%dT%H%M%SZ")
    content_type = "application/json; charset=utf-8"
    headers = [("content-type", content_type), ("host", url.netloc), ("x-osc-date", date_iso)]
    sig = signature(secret_key or sim.secret_key, date_iso=date_iso, region=region,
                    path=url.path, headers=headers, body=raw)
    auth = (f"OSC4-HMAC-SHA256 Credential={access_key or sim.access_key}/{date_iso[:8]}/"
            f"{region}/api/osc4_request, SignedHeaders=content-type;host;x-osc-date, "
            f"Signature={sig}")
    return requests.post(f"{endpoint}/{operation}", data=tamper or raw, timeout=10,
                         headers={"Content-Type": content_type, "X-Osc-Date": date_iso,
                                  "Authorization": auth}, **kwargs)


def assert_valid_response(operation: str, body: dict) -> dict:
    errors = default_spec().response_errors(operation, body)
    assert not errors, f"{operation} response violates the spec: {errors}"
    return body


class CheckedGateway:
    """Wraps an osc-sdk-python Gateway: every response is checked against the spec."""

    def __init__(self, gateway) -> None:
        self._gateway = gateway

    def __getattr__(self, operation: str):
        def call(**kwargs):
            return assert_valid_response(operation, getattr(self._gateway, operation)(**kwargs))
        return call

    def raw(self, operation: str, **kwargs):
        return assert_valid_response(operation, self._gateway.raw(operation, **kwargs))


__all__ = [
    "CheckedGateway",
    "SimHandle",
    "assert_valid_response",
    "free_port",
    "oos_client",
    "region_credentials",
    "region_gateway",
    "running_simulator",
    "signed_post",
]


# What builds leave behind.


def tags_of(resource: dict) -> dict[str, str]:
    """A resource's tags as a plain mapping."""
    return {t["Key"]: t["Value"] for t in resource.get("Tags") or []}


def leftovers(sim: SimHandle) -> dict[str, list[str]]:
    """Temporary resources still alive: what no build may leave behind.

    Live VMs, keypairs, osc-build's security groups, public IPs and volumes (not those
    ``deleting``: a deleted VM's volumes go by themselves); images and snapshots are
    artifacts and are checked by each test.
    """
    found = {
        "vm": [v["VmId"] for v in sim.resources("vm") if v["State"] != "terminated"],
        "keypair": [k["KeypairName"] for k in sim.resources("keypair")],
        "security_group": [g["SecurityGroupId"] for g in sim.resources("security_group")
                           if g["SecurityGroupName"].startswith("osc-build-")],
        "public_ip": [p["PublicIpId"] for p in sim.resources("public_ip")],
        "volume": [v["VolumeId"] for v in sim.resources("volume") if v["State"] != "deleting"],
    }
    return {kind: ids for kind, ids in found.items() if ids}


@contextlib.contextmanager
def booted_vm(sim: SimHandle, image_id: str, *, user: str = "outscale",
              timeout: float = 60.0, gateway=None) -> Iterator:
    """Boot ``image_id`` through the API and yield a fabric Connection to it, as its user.

    Everything it creates (keypair, security group, VM) is deleted afterwards.
    Needs the machine backend. ``gateway``: another Region's or account's (default: sim's).
    """
    import io

    import paramiko
    from fabric import Connection

    from .boot import booted

    with booted(gateway or sim.gateway(), image_id, timeout=timeout) as vm:
        key = _private_key(paramiko, io.StringIO(vm.private_key))
        deadline = time.monotonic() + timeout
        while True:
            connection = Connection(vm.host, user=user, connect_timeout=5,
                                    connect_kwargs={"pkey": key, "look_for_keys": False,
                                                    "allow_agent": False})
            try:
                connection.open()
                break
            except Exception:  # SSH not up yet, as during a real boot
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.2)
        try:
            yield connection
        finally:
            connection.close()


def _private_key(paramiko, stream):
    for cls in (paramiko.RSAKey, paramiko.Ed25519Key, paramiko.ECDSAKey):
        stream.seek(0)
        try:
            return cls.from_private_key(stream)
        except paramiko.SSHException:
            continue
    raise ValueError("unsupported private key type")


def oos_leftovers(sim: SimHandle) -> dict[str, list[str]]:
    """Every bucket of every Region's OOS with its object keys: what an export leaves."""
    found = {}
    for region in sim.oos_endpoints:
        client = oos_client(sim, region)
        for bucket in client.list_buckets().get("Buckets") or []:
            found[f"{region}/{bucket['Name']}"] = [
                o["Key"] for o in client.list_objects_v2(Bucket=bucket["Name"]).get(
                    "Contents") or []]
    return found
