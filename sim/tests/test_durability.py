"""State survives a restart and a kill -9 during a burst of concurrent writes."""

import json
import subprocess
import sys
import threading

import pytest

from osc_build_sim.testing import running_simulator


@pytest.mark.slow
def test_kill_9_during_concurrent_writes_loses_no_committed_keypair(tmp_path):
    with running_simulator(tmp_path / "sim") as sim:
        committed, lock, stop = [], threading.Lock(), threading.Event()

        def writer(n):
            gw = sim.gateway()
            i = 0
            while not stop.is_set():
                name = f"w{n}-{i}"
                try:
                    gw.CreateKeypair(KeypairName=name, PublicKey=PUBLIC)
                except Exception:
                    return
                with lock:
                    committed.append(name)
                i += 1
        threads = [threading.Thread(target=writer, args=(n,)) for n in range(6)]
        for thread in threads:
            thread.start()
        while len(committed) < 60:
            pass
        sim.kill()
        stop.set()
        for thread in threads:
            thread.join()
        sim.restart()
        names = {k["KeypairName"] for k in sim.gateway().ReadKeypairs()["Keypairs"]}
        assert set(committed) <= names
        assert len(sim.resources("keypair")) == len(names)
        listed = subprocess.run([sys.executable, "-m", "osc_build_sim", "--data-dir",
                                 str(sim.data_dir), "ls", "keypair", "--json"],
                                capture_output=True, text=True, check=True)
        assert {k["KeypairName"] for k in json.loads(listed.stdout)} == names


def test_restart_keeps_resources_and_finishes_transitions(tmp_path):
    with running_simulator(tmp_path / "sim", profile="realistic") as sim:
        gw = sim.gateway()
        image = gw.ReadImages(Filters={"ImageNames": ["Ubuntu-24.04-2026.01.10-0"]})["Images"][0]
        vm = gw.CreateVms(ImageId=image["ImageId"])["Vms"][0]
        assert vm["State"] == "pending"
        sim.restart()
        vms = sim.gateway().ReadVms(Filters={"VmIds": [vm["VmId"]]})["Vms"]
        assert [v["State"] for v in vms] == ["running"]
        assert len([i for i in sim.resources("image") if i["ImageName"].startswith("Ubuntu")]) \
            == 3 * 3  # three Ubuntu images in each of three regions, not duplicated


PUBLIC = ("c3NoLWVkMjU1MTkgQUFBQUMzTnphQzFsWkRJMU5URTVBQUFBSUJVNVRvUlBOSzl4cXhacTJ1N0Z2WmZ5"
          "ZDZ3VnZYeE9nQnFDeHBhd3NqZHkgdGVzdAo=")
