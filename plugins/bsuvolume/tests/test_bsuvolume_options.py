"""outscale-bsuvolume against the simulator: what is kept, how it is tagged, bad options."""

from __future__ import annotations

import json
import time

import pytest

from osc_build.errors import BuildError
from osc_build_bsuvolume.steps import volume_artifact
from osc_build_outscale.client import Credentials, OscClient
from osc_build_sim.testing import leftovers, tags_of

from .templates import ONE_VOLUME, template


def test_kept_volumes_are_detached_tagged_and_the_rest_is_gone(build, sim, delete_volumes):
    [source] = [i for i in sim.resources("image")
                if i["ImageName"] == "Minimal-Host-Userland-2026.01.15-0"
                and i["region"] == sim.region]
    root_snapshot = source["BlockDeviceMappings"][0]["Bsu"]["SnapshotId"]
    result = build(template(f"""
  run_tags = {{ Role = "volume-builder" }}
  bsu_volumes {{
    device_name = "/dev/xvdb"
    volume_size = 2
    volume_type = "io1"
    iops        = 150
    tags = {{ Name = "data", Source = "{{{{ .SourceOMI }}}}", Region = "{{{{ .BuildRegion }}}}" }}
  }}
  bsu_volumes {{
    device_name = "/dev/xvdc"
    snapshot_id = "{root_snapshot}"
    volume_type = "gp2"
    tags        = {{ Name = "copy" }}
  }}
  bsu_volumes {{
    device_name = "/dev/xvdd"
    volume_size = 1
  }}
  bsu_volumes {{
    device_name           = "/dev/xvde"
    volume_size           = 1
    delete_on_vm_deletion = true
    tags                  = {{ Name = "scratch" }}
  }}
  bsu_volumes {{
    device_name = "/dev/xvdf"
    no_device   = true
  }}
"""))
    assert result.returncode == 0, result.output
    volumes = {v["VolumeId"]: v for v in sim.resources("volume")}
    assert len(volumes) == 3, json.dumps(volumes)  # root and scratch volumes went with the VM
    by_name = {tags_of(v).get("Name"): v for v in volumes.values()}
    data, copy, plain = by_name["data"], by_name["copy"], by_name[None]
    assert tags_of(data) == {"Name": "data", "Source": source["ImageId"], "Region": sim.region}
    assert (data["Size"], data["VolumeType"], data["Iops"]) == (2, "io1", 150)
    assert copy["SnapshotId"] == root_snapshot and copy["VolumeType"] == "gp2"
    assert copy["Size"] == source["BlockDeviceMappings"][0]["Bsu"]["VolumeSize"]
    assert tags_of(plain) == {} and plain["Size"] == 1
    for volume in volumes.values():
        assert volume["State"] == "available" and volume["LinkedVolumes"] == []
    lines = [f"{sim.region}: {data['VolumeId']} (/dev/xvdb)",
             f"{sim.region}: {copy['VolumeId']} (/dev/xvdc)",
             f"{sim.region}: {plain['VolumeId']} (/dev/xvdd)"]
    assert "BSU volumes were created:\n" + "\n".join(lines) in result.stdout
    [vm] = [v for v in sim.resources("vm") if tags_of(v).get("Role") == "volume-builder"]
    assert vm["State"] == "terminated"
    left = leftovers(sim)
    assert set(left) == {"volume"} and set(left["volume"]) == set(volumes), json.dumps(left)


def test_a_volume_on_the_root_device_is_kept_too(build, sim, delete_volumes, tmp_path):
    result = build(template("""
  bsu_volumes {
    device_name = "/dev/sda1"
    volume_size = 12
    tags        = { Name = "system" }
  }
""", provisioners='  post-processor "manifest" {\n    output = "manifest.json"\n  }'))
    assert result.returncode == 0, result.output
    [volume] = sim.resources("volume")
    assert (volume["Size"], tags_of(volume), volume["State"]) == (12, {"Name": "system"},
                                                                  "available")
    assert f"{sim.region}: {volume['VolumeId']} (/dev/sda1)" in result.stdout
    [entry] = json.loads((tmp_path / "manifest.json").read_text())["builds"]
    assert (entry["builder_type"], entry["artifact_id"]) == (
        "outscale-bsuvolume", f"{sim.region}:{volume['VolumeId']}")


def test_destroying_the_artifact_deletes_its_volumes(sim):
    gateway = sim.gateway()
    subregion = f"{sim.region}a"
    ids = [gateway.CreateVolume(Size=1, SubregionName=subregion)["Volume"]["VolumeId"]
           for _ in range(2)]
    client = OscClient(Credentials(sim.access_key, sim.secret_key, sim.region, sim.endpoint))
    artifact = volume_artifact(client, {"/dev/xvdb": ids[0], "/dev/xvdc": ids[1]}, "ami-1")
    assert artifact.id == f"{sim.region}:{ids[0]},{sim.region}:{ids[1]}"
    assert artifact.state == {"volumes": {"/dev/xvdb": ids[0], "/dev/xvdc": ids[1]},
                              "source_omi": "ami-1"}
    artifact.destroy()
    deadline = time.monotonic() + 10
    while {v["VolumeId"] for v in sim.resources("volume")} & set(ids):
        assert time.monotonic() < deadline, "the artifact's volumes were not deleted"
        time.sleep(0.05)
    artifact.destroy()  # volumes already gone: nothing to do, no error


def test_destroying_the_artifact_spares_a_volume_someone_linked(sim):
    gateway = sim.gateway()
    [image] = [i for i in sim.resources("image")
               if i["ImageName"] == "Minimal-Host-Userland-2026.01.15-0"
               and i["region"] == sim.region]
    vm_id = gateway.CreateVms(ImageId=image["ImageId"])["Vms"][0]["VmId"]
    volume_id = gateway.CreateVolume(Size=1, SubregionName=f"{sim.region}a")["Volume"][
        "VolumeId"]
    try:
        gateway.LinkVolume(VolumeId=volume_id, VmId=vm_id, DeviceName="/dev/xvdb")
        client = OscClient(Credentials(sim.access_key, sim.secret_key, sim.region,
                                       sim.endpoint))
        with pytest.raises(BuildError, match=f"volume {volume_id} is linked to VM {vm_id}; "
                                             "unlink it"):
            volume_artifact(client, {"/dev/xvdb": volume_id}).destroy()
        [volume] = [v for v in sim.resources("volume") if v["VolumeId"] == volume_id]
        assert volume["State"] == "in-use"
    finally:
        gateway.DeleteVms(VmIds=[vm_id])
        deadline = time.monotonic() + 10
        while [v for v in sim.resources("volume") if v["LinkedVolumes"]]:
            assert time.monotonic() < deadline
            time.sleep(0.05)
        for volume in sim.resources("volume"):
            gateway.DeleteVolume(VolumeId=volume["VolumeId"])


def test_bad_options_fail_before_any_request(build, sim):
    before = len(sim.requests())
    for extra, message in (
            ("", "bsu_volumes: no volume would be kept"),
            ('  bsu_volumes {\n device_name = "/dev/xvdb"\n delete_on_vm_deletion = true\n }',
             "bsu_volumes: no volume would be kept"),
            (ONE_VOLUME + ONE_VOLUME, "bsu_volumes: device '/dev/xvdb' is listed twice"),
            ('  ebs_volumes {\n device_name = "/dev/xvdb"\n }',
             "ebs_volumes: unknown option (did you mean 'bsu_volumes'?)"),
            ('  bsu_volumes {\n volume_size = 1\n }',
             "bsu_volumes[0].device_name: must be specified"),
            ('  bsu_volumes {\n device_name = "/dev/xvdb"\n iops = 100\n }',
             "bsu_volumes[0].iops: iops is only valid with volume_type = \"io1\""),
            (ONE_VOLUME + '  shutdown_behavior = "terminate"',
             "shutdown_behavior: terminate would delete the VM before its volumes"),
    ):
        result = build(template(extra))
        assert result.returncode == 1, result.output
        assert message in result.stderr, result.stderr
        assert result.stderr.startswith("Error: ") and "Traceback" not in result.stderr
    missing_user = build(template(communicator="ssh"))
    assert "ssh_username: required with communicator = \"ssh\"" in missing_user.stderr
    assert len(sim.requests()) == before
