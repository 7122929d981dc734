"""The acceptance flow with a second, independent OAPI client: osc-cli (PyPI ``osc-sdk``).

osc-cli signs differently from osc-sdk-python (host with its port, an extra
``x-osc-target`` signed header), so this also exercises the other verifier path.
It runs from its own environment made by ``uvx`` (PyPI), not from the workspace.
"""

import json
import shutil
import subprocess
import time

import pytest

OSC_CLI = "osc-sdk==1.11.0"


@pytest.fixture(scope="module")
def osc_cli_python():
    uvx = shutil.which("uvx")
    assert uvx, "uvx (from uv) is needed to run osc-cli in its own environment"
    out = subprocess.run([uvx, "--python", "3.11", "--from", OSC_CLI, "python", "-c",
                          "import sys, osc_sdk.sdk; print(sys.executable)"],
                         capture_output=True, text=True, check=True, timeout=300)
    return out.stdout.strip().splitlines()[-1]


@pytest.mark.slow
def test_acceptance_flow_with_osc_cli(simulator, osc_cli_python, tmp_path):
    config = tmp_path / "osc-cli.json"
    config.write_text(json.dumps({"sim": {
        "access_key": simulator.access_key, "secret_key": simulator.secret_key,
        "region": simulator.region, "https": False,
        "endpoint": simulator.endpoint.rsplit("/api/v1", 1)[0]}}))

    def cli(call, **params):
        args = [osc_cli_python, "-c", "from osc_sdk.sdk import main; main()", "api", call,
                "--profile", "sim", "--config_path", str(config)]
        for key, value in params.items():
            args.append(f"--{key}={json.dumps(value)}")
        done = subprocess.run(args, capture_output=True, text=True, timeout=60)
        assert done.returncode == 0, done.stderr[-2000:]
        return json.loads(done.stdout) if done.stdout.strip() else {}

    def wait(read, state):
        deadline = time.monotonic() + 30
        while read() != state:
            assert time.monotonic() < deadline
            time.sleep(0.2)

    cli("CreateKeypair", KeypairName="cli")
    images = cli("ReadImages", Filters={"ImageNames": ["Debian-12-*"],
                                        "AccountAliases": ["Outscale"]})["Images"]
    source = max(images, key=lambda i: i["ImageName"])
    vm_id = cli("CreateVms", ImageId=source["ImageId"], KeypairName="cli")["Vms"][0]["VmId"]

    def vm_state():
        return cli("ReadVms", Filters={"VmIds": [vm_id]})["Vms"][0]["State"]
    wait(vm_state, "running")
    cli("StopVms", VmIds=[vm_id])
    wait(vm_state, "stopped")
    image = cli("CreateImage", VmId=vm_id, ImageName="cli-image")["Image"]
    wait(lambda: cli("ReadImages", Filters={"ImageIds": [image["ImageId"]]})
         ["Images"][0]["State"], "available")
    cli("CreateTags", ResourceIds=[image["ImageId"]], Tags=[{"Key": "by", "Value": "cli"}])
    tagged = cli("ReadImages", Filters={"TagKeys": ["by"]})["Images"]
    assert [i["ImageId"] for i in tagged] == [image["ImageId"]]
    cli("DeleteImage", ImageId=image["ImageId"])
    for mapping in image["BlockDeviceMappings"]:
        cli("DeleteSnapshot", SnapshotId=mapping["Bsu"]["SnapshotId"])
    cli("DeleteVms", VmIds=[vm_id])
    cli("DeleteKeypair", KeypairName="cli")
    statuses = {e["status"] for e in simulator.requests() if e["operation"] != "ReadRegions"}
    assert statuses == {200}
