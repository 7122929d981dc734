"""7. The simulator: signed read throughput, VM boot to SSH, sparse snapshot; 6. its memory."""

from __future__ import annotations

import json
import os
import socket
import threading
import time
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import urlsplit

import requests
from common import summary

from osc_build_sim.machine.disks import copy_sparse
from osc_build_sim.signing import signature
from osc_build_sim.testing import running_simulator


def _signed_reader(sim, operation: str, body: dict):
    """A function making one signed call per invocation on a kept-alive session."""
    session = requests.Session()
    url = urlsplit(f"{sim.endpoint}/{operation}")
    raw = json.dumps(body).encode()
    content_type = "application/json; charset=utf-8"

    def call() -> int:
        date_iso = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
        headers = [("content-type", content_type), ("host", url.netloc),
                   ("x-osc-date", date_iso)]
        sig = signature(sim.secret_key, date_iso=date_iso, region=sim.region, path=url.path,
                        headers=headers, body=raw)
        auth = (f"OSC4-HMAC-SHA256 Credential={sim.access_key}/{date_iso[:8]}/{sim.region}/"
                f"api/osc4_request, SignedHeaders=content-type;host;x-osc-date, "
                f"Signature={sig}")
        return session.post(url.geturl(), data=raw, timeout=10, headers={
            "Content-Type": content_type, "X-Osc-Date": date_iso,
            "Authorization": auth}).status_code

    return call


def _hammer(sim, clients: int, seconds: float) -> dict:
    """``clients`` threads calling ReadVms as fast as they can for ``seconds``."""
    done, failed = [0] * clients, [0] * clients
    stop = time.monotonic() + seconds

    def worker(slot: int) -> None:
        call = _signed_reader(sim, "ReadVms", {})
        while time.monotonic() < stop:
            if call() == 200:
                done[slot] += 1
            else:
                failed[slot] += 1

    threads = [threading.Thread(target=worker, args=(slot,)) for slot in range(clients)]
    started = time.monotonic()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    elapsed = time.monotonic() - started
    return {"requests_per_s": round(sum(done) / elapsed, 1), "errors": sum(failed)}


def read_throughput(workdir: Path, seconds: float = 4.0, clients: tuple[int, ...] = (1, 4)):
    """Signed ReadVms calls per second (10 VMs listed), with 1 and 4 client threads."""
    with running_simulator(workdir / "sim-reads", profile="instant") as sim:
        sim.gateway().CreateVms(ImageId=_debian(sim), MinVmsCount=10, MaxVmsCount=10)
        results = {f"{count}_clients": _hammer(sim, count, seconds) for count in clients}
    best = max(entry["requests_per_s"] for entry in results.values())
    return {**results, "target_requests_per_s": 500, "met": best >= 500,
            "note": "clients run on the same 2 cores as the simulator, signing every call"}


def _debian(sim, pattern: str = "Minimal-Host-Userland-*") -> str:
    images = sim.gateway().ReadImages(Filters={"ImageNames": [pattern]})["Images"]
    return max(images, key=lambda i: i["ImageName"])["ImageId"]


def _ssh_banner(host: str, deadline: float) -> None:
    while time.monotonic() < deadline:
        try:
            with socket.create_connection((host, 22), timeout=1) as sock:
                if sock.recv(4).startswith(b"SSH-"):
                    return
        except OSError:
            pass
        time.sleep(0.01)
    raise TimeoutError(f"no SSH banner from {host}")


def _wait_state(gateway, vm_id: str, wanted: str, timeout: float = 60.0) -> dict:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        vms = gateway.ReadVms(Filters={"VmIds": [vm_id]})["Vms"]
        if vms and vms[0]["State"] == wanted:
            return vms[0]
        time.sleep(0.01)
    raise TimeoutError(f"VM {vm_id} not {wanted} after {timeout:.0f}s")


def boot_to_ssh(workdir: Path, runs: int = 5, pattern: str = "Minimal-Host-Userland-*",
                name: str = "sim-boot") -> dict:
    """From CreateVms to an SSH banner on `instant` with real VMs (target <= 1 s)."""
    times = []
    with running_simulator(workdir / name, profile="instant", backend="machine") as sim:
        gateway = sim.gateway()
        image = _debian(sim, pattern)
        gateway.CreateKeypair(KeypairName="bench")
        group = gateway.CreateSecurityGroup(SecurityGroupName="bench", Description="bench"
                                            )["SecurityGroup"]["SecurityGroupId"]
        gateway.CreateSecurityGroupRule(SecurityGroupId=group, Flow="Inbound", IpProtocol="tcp",
                                        FromPortRange=22, ToPortRange=22, IpRange="127.0.0.0/8")
        for index in range(runs + 1):
            started = time.monotonic()
            vm = gateway.CreateVms(ImageId=image, VmType="tinav7.c1r1p1", KeypairName="bench",
                                   SecurityGroupIds=[group])["Vms"][0]
            running = _wait_state(gateway, vm["VmId"], "running")
            _ssh_banner(running.get("PublicIp") or running["PrivateIp"], started + 60)
            if index:  # the first boot also makes the public image's disk
                times.append(time.monotonic() - started)
            gateway.DeleteVms(VmIds=[vm["VmId"]])
            _wait_state(gateway, vm["VmId"], "terminated")
    result = summary(times, 3)
    return {"seconds": result, "target_seconds": 1.0, "met": result["median"] <= 1.0}


def real_guest(workdir: Path, runs: int = 5) -> dict:
    """A real Debian 12 guest: the first bootstrap of its image (mmdebstrap from the
    archive, in a fresh cache) and then boot to SSH with systemd as PID 1 (target <= 1 s)."""
    from osc_build_sim.machine import debian_rootfs

    cache = workdir / "guest-images"
    started = time.monotonic()
    debian_rootfs.cached_image(cache, "bookworm", 10)
    build = time.monotonic() - started
    previous = os.environ.get("OSC_BUILD_SIM_IMAGE_CACHE")
    os.environ["OSC_BUILD_SIM_IMAGE_CACHE"] = str(cache)
    try:
        boot = boot_to_ssh(workdir, runs, "Debian-12-*", "sim-real-guest")
    finally:
        if previous is None:
            os.environ.pop("OSC_BUILD_SIM_IMAGE_CACHE")
        else:
            os.environ["OSC_BUILD_SIM_IMAGE_CACHE"] = previous
    return {"first_image_build_seconds": round(build, 1), "boot": boot,
            "note": "build: mmdebstrap --variant=minbase of bookworm + mkfs.ext4 -d, "
                    "downloads included; boot: CreateVms to SSH banner, systemd as PID 1"}


def sparse_snapshot(workdir: Path, runs: int = 3) -> dict:
    """The machine backend's snapshot copy: 10 GiB sparse volume, 200 MB written."""
    volume = workdir / "volume.img"
    with open(volume, "wb") as handle:
        handle.truncate(10 << 30)
        chunk = os.urandom(1 << 20)
        for region in range(4):  # 4 x 50 MiB, spread over the disk
            handle.seek(region * (2 << 30) + (1 << 30))
            for _ in range(50):
                handle.write(chunk)
    times = []
    for index in range(runs):
        target = workdir / f"snap-{index}.img"
        started = time.monotonic()
        copy_sparse(volume, target)
        times.append(time.monotonic() - started)
        target.unlink()
    volume.unlink()
    result = summary(times, 3)
    return {"seconds": result, "target_seconds": 2.0, "met": result["median"] <= 2.0}


def _children(pid: int) -> list[int]:
    found = []
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                with open(f"/proc/{entry}/stat") as handle:
                    fields = handle.read().rsplit(")", 1)[1].split()
            except OSError:
                continue
            if int(fields[1]) == pid:
                found.append(int(entry))
    return found + [grand for child in found for grand in _children(child)]


def _status_kib(pid: int, key: str) -> int:
    try:
        with open(f"/proc/{pid}/status") as handle:
            for line in handle:
                if line.startswith(key + ":"):
                    return int(line.split()[1])
    except OSError:
        pass
    return 0


def memory_with_vms(workdir: Path, count: int = 10) -> dict:
    """Peak RSS of the simulator process, and its VMs' processes, with 10 running VMs."""
    with running_simulator(workdir / "sim-mem", profile="instant", backend="machine") as sim:
        gateway = sim.gateway()
        vms = gateway.CreateVms(ImageId=_debian(sim), MinVmsCount=count,
                                MaxVmsCount=count)["Vms"]
        for vm in vms:
            _wait_state(gateway, vm["VmId"], "running", timeout=120)
        time.sleep(1)
        children = _children(sim.pid)
        result = {"vms": count,
                  "simulator_peak_rss_mib": round(_status_kib(sim.pid, "VmHWM") / 1024, 1),
                  "vm_processes": len(children),
                  "vm_processes_rss_mib": round(
                      sum(_status_kib(child, "VmRSS") for child in children) / 1024, 1)}
        gateway.DeleteVms(VmIds=[vm["VmId"] for vm in vms])
        for vm in vms:
            _wait_state(gateway, vm["VmId"], "terminated", timeout=120)
    return result
