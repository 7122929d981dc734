"""``osc-build-sim``: serve, ls, stop, reset."""

from __future__ import annotations

import argparse
import importlib
import json
import logging
import os
import signal
import sys
from pathlib import Path

from . import profiles
from .backend import BackendError
from .config import ConfigError

log = logging.getLogger(__name__)
DEFAULT_DATA_DIR = Path(os.environ.get("OSC_BUILD_SIM_DATA", "~/.local/share/osc-build-sim"))


def _backend(name: str, data_dir: Path, host_vm: str | None = None,
             host_vm_region: str = "eu-west-2"):
    if name == "null":
        if host_vm:
            raise ConfigError("--host-vm needs --backend machine")
        return None
    module, _, attr = "osc_build_sim.machine:MachineBackend".partition(":")
    if host_vm:  # this machine as a VM, for the chroot builder (see host_record)
        from .host_record import host_vm_id
        return getattr(importlib.import_module(module), attr)(
            data_dir, host_vm_id=host_vm_id(data_dir, host_vm), region=host_vm_region)
    return getattr(importlib.import_module(module), attr)(data_dir)


def without_secrets(state: dict, state_file: Path) -> dict:
    """The connection info minus every secret key, which names where to read them."""
    accounts = {name: {k: v for k, v in entry.items() if k != "secret_key"}
                for name, entry in state.get("region_accounts", {}).items()}
    public = {k: v for k, v in state.items() if k != "secret_key"}
    return {**public, "region_accounts": accounts, "secret_keys_in": str(state_file)}


def _state_file(data_dir: Path) -> Path:
    return data_dir / "state.json"


def write_profile(path: Path, name: str, endpoint: str, region: str, access_key: str,
                  secret_key: str, region_accounts: dict[str, dict] | None = None,
                  oos_endpoints: dict[str, str] | None = None) -> None:
    """Add or replace profile ``name`` in an osc ``config.json`` (``endpoints.oos`` too).

    Plus one profile per Region of ``region_accounts``, named ``NAME-REGION``
    (e.g. ``osc-build-sim-us-east-2``): each Region has its own account and keys.
    """
    oos_endpoints = oos_endpoints or {}

    def endpoints(api: str, region_name: str) -> dict[str, str]:
        oos = oos_endpoints.get(region_name)
        return {"api": api, **({"oos": oos} if oos else {})}

    profiles = json.loads(path.read_text()) if path.exists() else {}
    profiles[name] = {"access_key": access_key, "secret_key": secret_key, "region": region,
                      "endpoints": endpoints(endpoint, region)}
    for region_name, entry in (region_accounts or {}).items():
        profiles[f"{name}-{region_name}"] = {
            "access_key": entry["access_key"], "secret_key": entry["secret_key"],
            "region": region_name, "endpoints": endpoints(entry["endpoint"], region_name)}
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(profiles, indent=2) + "\n")
    path.chmod(0o600)


def serve(args) -> int:
    from .admin import info, region_accounts
    from .server import SimServer
    data_dir = args.data_dir.expanduser()
    backend = _backend(args.backend, data_dir, args.host_vm, args.host_vm_region)
    if args.ssh_delay is not None and backend is None:
        raise ConfigError("--ssh-delay needs --backend machine (the null backend serves no SSH)")
    server = SimServer(data_dir, config_path=args.config, backend=backend,
                       port=args.port, tls_port=args.tls_port)
    if backend is None and (args.archive_proxy or args.stand_in_image):
        raise ConfigError("--archive-proxy and --stand-in-image need --backend machine")
    if backend is not None:  # before start(): VMs resumed at start refuse SSH as well
        backend.ssh_delay = (args.ssh_delay if args.ssh_delay is not None
                             else server.config.ssh_delay)
        backend.configure_guests(args.archive_proxy or server.config.archive_proxy,
                                 server.config.archive_hosts,
                                 args.stand_in_image or server.config.stand_in_image)
    host_vm = getattr(backend, "host_vm", None)
    if host_vm is not None:
        from .host_record import ensure_record
        ensure_record(server, host_vm.vm_id, host_vm.region, host_vm.subregion)
    if args.profile:
        server.sim.timings = profiles.timings(args.profile, server.config.timings)
    if args.read_lag is not None:  # milliseconds; overrides timings.read_lag
        server.sim.timings = {**server.sim.timings, "read_lag": args.read_lag / 1000}
    server.start()
    account = server.config.default_account
    key = account.access_keys[0]
    state = {**info(server), "pid": os.getpid(), "access_key": key.access_key,
             "secret_key": key.secret_key, "data_dir": str(data_dir),
             "region_accounts": region_accounts(server)}
    if host_vm is not None:
        state.update(host_vm_id=host_vm.vm_id, metadata_url=host_vm.metadata_url)
    tmp = _state_file(data_dir).with_suffix(".tmp")
    tmp.write_text(json.dumps(state, indent=2))
    tmp.chmod(0o600)
    tmp.replace(_state_file(data_dir))
    if args.write_profile:
        write_profile(args.write_profile, args.profile_name, server.endpoint,
                      state["region"], key.access_key, key.secret_key,
                      state["region_accounts"], state["oos_endpoints"])
    if server.tls_created:
        print(f"created a CA for HTTPS: {server.tls_files.ca} (trust it, e.g. "
              f"REQUESTS_CA_BUNDLE={server.tls_files.ca})")
    if args.json:
        # Logged by `osc-build build --local`: secret keys stay in the 0600 state file.
        print(json.dumps(without_secrets(state, _state_file(data_dir))), flush=True)
    else:
        print(f"endpoint:     {server.endpoint}\nhttps:        {server.tls_endpoint}\n"
              f"region:       {state['region']}\n"
              f"oos:          {state['oos_endpoints'].get(state['region'])}\n"
              f"account id:   {account.account_id}\n"
              f"access key:   {key.access_key}\nsecret key:   {key.secret_key}\n"
              + "".join(f"{name}: account {entry['account_id']}, access key "
                        f"{entry['access_key']}, endpoint {entry['endpoint']}\n"
                        for name, entry in state["region_accounts"].items()
                        if name != state["region"])
              + f"profile:      {args.write_profile or '(not written; use --write-profile)'}\n"
              f"osc-build-sim ready (pid {os.getpid()})", flush=True)
    for signum in (signal.SIGTERM, signal.SIGINT):
        signal.signal(signum, lambda *_: server.request_shutdown())
    while not server.shutdown_requested.wait(0.5):
        pass
    server.stop()
    _state_file(data_dir).unlink(missing_ok=True)
    return 0


def ls(args) -> int:
    from .admin import KINDS
    data_dir = args.data_dir.expanduser()
    kinds = [args.kind] if args.kind else list(KINDS)
    if args.kind and args.kind not in KINDS:
        print(f"unknown kind {args.kind!r}; known: {', '.join(KINDS)}", file=sys.stderr)
        return 2
    from .store import Store, public
    store = Store(data_dir / "state.sqlite3")
    rows = []
    with store.read() as tx:
        for kind in kinds:
            rows += [{"kind": kind, "id": d["_id"], "region": d["_region"],
                      "account": d["_owner"], **public(d)} for d in tx.list(kind)]
    if args.json:
        print(json.dumps([{k: v for k, v in r.items() if k != "kind" or not args.kind}
                          for r in rows], indent=2))
        return 0
    print(f"{'KIND':<15} {'ID':<22} {'REGION':<20} {'STATE':<14} NAME")
    for r in rows:
        name = r.get("ImageName") or r.get("KeypairName") or r.get("SecurityGroupName") or \
            r.get("PublicIp") or r.get("IpRange") or ""
        print(f"{r['kind']:<15} {r['id']:<22} {r['region']:<20} {r.get('State', ''):<14} {name}")
    return 0


def stop(args) -> int:
    data_dir = args.data_dir.expanduser()
    if not _state_file(data_dir).exists():
        print(f"no simulator running for {data_dir}")
        return 0
    state = json.loads(_state_file(data_dir).read_text())
    try:
        os.kill(state["pid"], signal.SIGTERM)
    except ProcessLookupError:
        _state_file(data_dir).unlink(missing_ok=True)
    print(f"stopping simulator pid {state['pid']}")
    return 0


def reset(args) -> int:
    data_dir = args.data_dir.expanduser()
    if _state_file(data_dir).exists():
        print(f"a simulator may be running for {data_dir}; run `osc-build-sim stop` first",
              file=sys.stderr)
        return 1
    for name in ("state.sqlite3", "state.sqlite3-wal", "state.sqlite3-shm"):
        (data_dir / name).unlink(missing_ok=True)
    from .oos.servers import wipe_objects
    wipe_objects(data_dir)
    print(f"wiped the resources and OOS objects in {data_dir} (config and CA kept)")
    return 0


def ssh(args) -> int:
    """Boot an image on the running simulator, open an SSH session, delete the VM after."""
    import shutil
    import subprocess
    import tempfile

    from .boot import booted, gateway
    data_dir = args.data_dir.expanduser()
    if not _state_file(data_dir).exists():
        print(f"no simulator running for {data_dir}; start one with `osc-build-sim serve "
              "--backend machine` or run a build with `osc-build build --local`", file=sys.stderr)
        return 1
    if shutil.which("ssh") is None:
        print("the ssh client is missing; install the Debian package openssh-client",
              file=sys.stderr)
        return 1
    state = json.loads(_state_file(data_dir).read_text())
    region = args.region or state["region"]
    endpoint = state["regions"].get(region)
    if endpoint is None:
        print(f"unknown region {region!r}; the simulator serves {sorted(state['regions'])}",
              file=sys.stderr)
        return 1
    entry = state.get("region_accounts", {}).get(region, state)  # each Region, its own keys
    gw = gateway(endpoint, region, entry["access_key"], entry["secret_key"])
    print(f"booting {args.image_id} in {region}...", file=sys.stderr)
    with booted(gw, args.image_id) as vm, tempfile.TemporaryDirectory() as tmp:
        key = Path(tmp) / "key"
        key.write_text(vm.private_key)
        key.chmod(0o600)
        print(f"{vm.vm_id} is running at {vm.host}; the VM is deleted when you log out",
              file=sys.stderr)
        command = ["ssh", "-i", str(key), "-o", "StrictHostKeyChecking=no", "-o",
                   "UserKnownHostsFile=/dev/null", "-o", "LogLevel=ERROR", "-o",
                   "ConnectionAttempts=30", f"{args.user}@{vm.host}", *args.command]
        return subprocess.call(command)


def setup(args) -> int:
    """Install the Debian packages the project needs from this machine (one declared list)."""
    from . import host_requirements
    try:
        installed = host_requirements.ensure(why="osc-build")
    except host_requirements.HostSetupError as error:
        print(f"osc-build-sim: {error}", file=sys.stderr)
        return 1
    print(f"installed {' '.join(installed)}" if installed
          else "this machine has every host package osc-build needs")
    return 0


def _duration(unit: str):
    def parse(text: str) -> float:
        try:
            value = float(text)
        except ValueError:
            value = -1.0
        if not 0 <= value < float("inf"):
            raise argparse.ArgumentTypeError(f"{text!r} is not a number of {unit} >= 0")
        return value
    return parse


_seconds = _duration("seconds")
_milliseconds = _duration("milliseconds")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="osc-build-sim",
                                     description="A local OUTSCALE API simulator.")
    parser.add_argument("--data-dir", type=Path, default=DEFAULT_DATA_DIR)
    parser.add_argument("-v", "--verbose", action="store_true")
    sub = parser.add_subparsers(dest="command", required=True)
    p = sub.add_parser("serve", help="run the simulator")
    p.add_argument("--config", type=Path, help="config file (default DATA_DIR/config.json)")
    p.add_argument("--port", type=int, default=0, help="HTTP port (default: a free one)")
    p.add_argument("--tls-port", type=int, default=0, help="HTTPS port (default: a free one)")
    p.add_argument("--profile", choices=("instant", "fast", "realistic"),
                   help="timing profile (overrides the config file)")
    p.add_argument("--backend", choices=("null", "machine"), default="null")
    p.add_argument("--host-vm", nargs="?", const="auto", metavar="VM_ID",
                   help="machine backend: this machine is a running VM (metadata service, "
                        "volumes linked to it appear here), for the chroot builder")
    p.add_argument("--host-vm-region", default="eu-west-2",
                   help="region of the --host-vm VM (its subregion is REGIONa)")
    p.add_argument("--ssh-delay", type=_seconds, metavar="SECONDS",
                   help="machine backend: a started VM refuses SSH (TCP reset) for this long, "
                        "as while it boots (overrides machine.ssh_delay of the config file)")
    p.add_argument("--read-lag", type=_milliseconds, metavar="MS",
                   help="read-after-write lag: API reads see writes only MS milliseconds "
                        "later, as an eventually consistent cloud (overrides timings.read_lag)")
    p.add_argument("--archive-proxy", choices=("auto", "on", "off"),
                   help="machine backend: guests reach the package archives of this machine's "
                        "apt sources through a proxy (auto: guests that boot systemd, i.e. "
                        "real images; overrides machine.archive_proxy of the config file)")
    p.add_argument("--stand-in-image", metavar="NAME",
                   help="machine backend: images that cannot boot here (no reachable archive) "
                        "boot this image instead, e.g. Minimal-Host-Userland (default: they "
                        "fail, saying why; overrides machine.stand_in_image)")
    p.add_argument("--write-profile", type=Path, metavar="FILE",
                   help="write the credentials as profiles to this osc config.json: "
                        "PROFILE_NAME (the default Region) and PROFILE_NAME-REGION per Region")
    p.add_argument("--profile-name", default="osc-build-sim")
    p.add_argument("--json", action="store_true", help="print the connection info as JSON")
    p.set_defaults(func=serve)
    p = sub.add_parser("ls", help="list resources")
    p.add_argument("kind", nargs="?")
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=ls)
    sub.add_parser("stop", help="stop the running simulator").set_defaults(func=stop)
    sub.add_parser("reset", help="wipe all resources").set_defaults(func=reset)
    sub.add_parser("setup", help="install the host packages the simulator, the chroot builder "
                   "and the examples need (apt-get; root on Debian/Ubuntu)"
                   ).set_defaults(func=setup)
    p = sub.add_parser("ssh", help="boot an OMI on the running simulator and log in to it")
    p.add_argument("image_id", help="the OMI to boot, e.g. ami-12345678")
    p.add_argument("command", nargs="*", help="a command to run instead of a shell")
    p.add_argument("--user", default="outscale", help="user to log in as (default: outscale)")
    p.add_argument("--region", help="region of the OMI (default: the simulator's)")
    p.set_defaults(func=ssh)
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.DEBUG if args.verbose else logging.WARNING,
                        format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    try:
        return args.func(args)
    except ConfigError as exc:
        print(f"osc-build-sim: {exc}", file=sys.stderr)
        return 2
    except BackendError as exc:  # e.g. the machine backend without root: one line, exit 1
        print(f"osc-build-sim: {exc}", file=sys.stderr)
        return 1
