"""The simulator's configuration file: accounts, regions, timing profile, faults, machine.

A JSON file (``config.json`` in the data directory unless ``--config`` names
another). On first start the simulator writes one with a default account whose
access key and secret key are random, so they stay the same across restarts.
"""

from __future__ import annotations

import json
import secrets
import string
from dataclasses import dataclass, field
from pathlib import Path

from .profiles import PROFILES

DEFAULT_REGIONS = {
    "eu-west-2": {"subregions": ["a", "b", "c"]},
    "us-east-2": {"subregions": ["a", "b"]},
    "cloudgouv-eu-west-1": {"subregions": ["a", "b", "c"], "require_client_cert": True},
}


class ConfigError(Exception):
    """The configuration file is unusable; the message says what to fix."""


@dataclass(frozen=True)
class AccessKey:
    access_key: str
    secret_key: str


@dataclass(frozen=True)
class Account:
    account_id: str
    email: str
    alias: str = ""
    password: str = ""  # for CheckAuthentication (login = email)
    access_keys: tuple[AccessKey, ...] = ()


@dataclass(frozen=True)
class Region:
    name: str
    subregions: tuple[str, ...]
    require_client_cert: bool = False


@dataclass
class SimConfig:
    accounts: list[Account]
    regions: dict[str, Region]
    default_region: str = "eu-west-2"
    profile: str = "fast"
    timings: dict[str, float] = field(default_factory=dict)
    faults: list[dict] = field(default_factory=list)
    seed: int = 0
    client_ca: str | None = None  # PEM file of the CA that signs client certificates
    ssh_delay: float = 0.0  # machine backend: seconds a started VM refuses SSH, as it boots
    # machine backend guests: package archive proxy ("auto", "on", "off"), archives allowed
    # besides the host's apt sources, and what images that cannot boot here boot instead
    archive_proxy: str = "auto"
    archive_hosts: tuple[str, ...] = ()
    stand_in_image: str = ""

    def find_key(self, access_key: str) -> tuple[Account, AccessKey] | None:
        for account in self.accounts:
            for key in account.access_keys:
                if key.access_key == access_key:
                    return account, key
        return None


def _random_key(length: int) -> str:
    alphabet = string.ascii_uppercase + string.digits
    return "".join(secrets.choice(alphabet) for _ in range(length))


def default_document() -> dict:
    return {
        "default_region": "eu-west-2",
        "profile": "fast",
        "accounts": [{
            "account_id": "123456789012",
            "email": "local@osc-build-sim.invalid",
            "access_keys": [{"access_key": _random_key(20), "secret_key": _random_key(40)}],
        }],
        "regions": DEFAULT_REGIONS,
        "timings": {},
        "faults": [],
        "seed": 0,
        "machine": {"ssh_delay": 0},
    }


def parse(document: dict, source: str = "config") -> SimConfig:
    try:
        accounts = [
            Account(account_id=str(a["account_id"]), email=a.get("email", ""),
                    alias=a.get("alias", ""), password=a.get("password", ""),
                    access_keys=tuple(AccessKey(k["access_key"], k["secret_key"])
                                      for k in a.get("access_keys", [])))
            for a in document["accounts"]
        ]
        regions = {name: Region(name, tuple(r.get("subregions", ["a"])),
                                bool(r.get("require_client_cert", False)))
                   for name, r in document.get("regions", DEFAULT_REGIONS).items()}
        config = SimConfig(
            accounts=accounts, regions=regions,
            default_region=document.get("default_region", "eu-west-2"),
            profile=document.get("profile", "fast"),
            timings={k: float(v) for k, v in document.get("timings", {}).items()},
            faults=list(document.get("faults", [])), seed=int(document.get("seed", 0)),
            client_ca=document.get("client_ca"),
            ssh_delay=float(document.get("machine", {}).get("ssh_delay", 0)),
            archive_proxy=str(document.get("machine", {}).get("archive_proxy", "auto")),
            archive_hosts=tuple(str(h) for h in document.get("machine", {}).get(
                "archive_hosts", [])),
            stand_in_image=str(document.get("machine", {}).get("stand_in_image", "")))
    except (AttributeError, KeyError, TypeError, ValueError) as exc:
        raise ConfigError(f"{source}: invalid configuration ({exc!r}); see sim/README.md "
                          "for the format") from None
    if not accounts or not accounts[0].access_keys:
        raise ConfigError(f"{source}: needs at least one account with one access key")
    if config.default_region not in regions:
        raise ConfigError(f"{source}: default_region {config.default_region!r} is not "
                          f"among regions {sorted(regions)}")
    if not 0 <= config.ssh_delay < float("inf"):
        raise ConfigError(f"{source}: machine.ssh_delay must be a number of seconds >= 0, "
                          f"not {config.ssh_delay:g}")
    if config.archive_proxy not in ("auto", "on", "off"):
        raise ConfigError(f"{source}: machine.archive_proxy must be \"auto\", \"on\" or "
                          f"\"off\", not {config.archive_proxy!r}")
    if config.profile not in PROFILES:
        raise ConfigError(f"{source}: profile {config.profile!r} is not one of {sorted(PROFILES)}")
    return config


def load_or_create(path: Path) -> SimConfig:
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_suffix(".tmp")
        tmp.write_text(json.dumps(default_document(), indent=2) + "\n")
        tmp.chmod(0o600)
        tmp.replace(path)
    try:
        document = json.loads(path.read_text())
    except ValueError as exc:
        raise ConfigError(f"{path}: not valid JSON ({exc})") from None
    return parse(document, str(path))
