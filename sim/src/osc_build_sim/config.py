"""The simulator's configuration file: accounts, regions, timing profile, faults, machine.

A JSON file (``config.json`` in the data directory unless ``--config`` names
another). On first start the simulator writes one with one account per Region
(OUTSCALE accounts, keys and endpoints are per Region), each with a random
access key and secret key, so they stay the same across restarts. A Region
without an account gets one, written back to the file, so older files keep working.
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
    region: str = ""  # the one Region it lives in: OUTSCALE accounts are per Region


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
    clock_offset: float = 0.0  # seconds the API's clock is ahead: clients seem that far behind
    # machine backend guests: package archive proxy ("auto", "on", "off"), archives allowed
    # besides the host's apt sources, and what images that cannot boot here boot instead
    archive_proxy: str = "auto"
    archive_hosts: tuple[str, ...] = ()
    stand_in_image: str = ""

    def find_key(self, access_key: str) -> tuple[Account, AccessKey] | None:
        """The account (of any Region) that owns ``access_key``, with the key."""
        for account in self.accounts:
            for key in account.access_keys:
                if key.access_key == access_key:
                    return account, key
        return None

    def region_account(self, region: str) -> Account:
        """The first account of ``region``: the one ``serve`` prints for it."""
        for account in self.accounts:
            if account.region == region:
                return account
        raise ConfigError(f"region {region!r} has no account; this simulator serves "
                          f"{sorted(self.regions)}")

    @property
    def default_account(self) -> Account:
        return self.region_account(self.default_region)


def _random_key(length: int) -> str:
    alphabet = string.ascii_uppercase + string.digits
    return "".join(secrets.choice(alphabet) for _ in range(length))


def _new_account(region: str, account_id: str | None = None) -> dict:
    return {
        "account_id": account_id or str(secrets.randbelow(9 * 10**11) + 10**11),
        "email": f"local-{region}@osc-build-sim.invalid",
        "region": region,
        "access_keys": [{"access_key": _random_key(20), "secret_key": _random_key(40)}],
    }


def add_region_accounts(document: dict) -> bool:
    """Give every Region of ``document`` without an account one; True if any was added.

    Accounts without ``region`` belong to the default Region (files written before
    accounts were per Region).
    """
    default = document.get("default_region", "eu-west-2")
    accounts = document.setdefault("accounts", [])
    covered = {a.get("region") or default for a in accounts if isinstance(a, dict)}
    missing = [r for r in document.get("regions", DEFAULT_REGIONS) if r not in covered]
    used = {str(a.get("account_id")) for a in accounts if isinstance(a, dict)}
    for region in missing:
        account = _new_account(region)
        while account["account_id"] in used:
            account = _new_account(region)
        used.add(account["account_id"])
        accounts.append(account)
    return bool(missing)


def default_document() -> dict:
    return {
        "default_region": "eu-west-2",
        "profile": "fast",
        "accounts": [_new_account("eu-west-2", "123456789012"),
                     *(_new_account(region) for region in DEFAULT_REGIONS
                       if region != "eu-west-2")],
        "regions": DEFAULT_REGIONS,
        "timings": {},
        "faults": [],
        "seed": 0,
        "machine": {"ssh_delay": 0},
    }


def parse(document: dict, source: str = "config") -> SimConfig:
    try:
        default_region = document.get("default_region", "eu-west-2")
        accounts = [
            Account(account_id=str(a["account_id"]), email=a.get("email", ""),
                    alias=a.get("alias", ""), password=a.get("password", ""),
                    access_keys=tuple(AccessKey(k["access_key"], k["secret_key"])
                                      for k in a.get("access_keys", [])),
                    region=a.get("region") or default_region)
            for a in document["accounts"]
        ]
        regions = {name: Region(name, tuple(r.get("subregions", ["a"])),
                                bool(r.get("require_client_cert", False)))
                   for name, r in document.get("regions", DEFAULT_REGIONS).items()}
        config = SimConfig(
            accounts=accounts, regions=regions,
            default_region=default_region,
            profile=document.get("profile", "fast"),
            timings={k: float(v) for k, v in document.get("timings", {}).items()},
            faults=list(document.get("faults", [])), seed=int(document.get("seed", 0)),
            client_ca=document.get("client_ca"),
            ssh_delay=float(document.get("machine", {}).get("ssh_delay", 0)),
            clock_offset=float(document.get("clock_offset", 0)),
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
    for account in accounts:
        if account.region not in regions:
            raise ConfigError(f"{source}: account {account.account_id} is in region "
                              f"{account.region!r}, which is not among regions {sorted(regions)}")
    for region in regions:
        if not any(a.region == region and a.access_keys for a in accounts):
            raise ConfigError(f"{source}: region {region!r} has no account with an access "
                              "key; accounts are per Region: add one with \"region\": "
                              f"\"{region}\"")
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
    if isinstance(document, dict) and add_region_accounts(document):
        tmp = path.with_suffix(".tmp")
        tmp.write_text(json.dumps(document, indent=2) + "\n")
        tmp.chmod(0o600)
        tmp.replace(path)
    return parse(document, str(path))
