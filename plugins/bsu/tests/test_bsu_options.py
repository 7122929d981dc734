"""outscale-bsu against the simulator: each group of options has a visible effect."""

from __future__ import annotations

import base64
import json
import time

from osc_build_sim.testing import leftovers, tags_of

SOURCE = """
source "outscale-bsu" "main" {
  vm_type = "tinav7.c1r1p1"
  source_omi_filter {
    filters     = { image-name = "Minimal-Host-Userland-*" }
    owners      = ["Outscale"]
    most_recent = true
  }
  communicator = "%(communicator)s"
  omi_name     = "%(name)s"
%(extra)s
}
build {
  sources = ["source.outscale-bsu.main"]
}
"""


def images_named(sim, name: str) -> list[dict]:
    return [i for i in sim.resources("image") if i["ImageName"] == name]


def template(name: str, extra: str = "", communicator: str = "none") -> str:
    return SOURCE % {"name": name, "extra": extra, "communicator": communicator}


def test_tags_permissions_copies_and_devices(build, sim):
    result = build(template("full-{{timestamp}}", """
  omi_description       = "from {{ .SourceOMIName }}"
  tags                  = { Name = "full", Source = "{{ .SourceOMI }}" }
  snapshot_tags         = { Kind = "snapshot" }
  run_tags              = { Role = "builder" }
  run_volume_tags       = { Role = "builder-volume" }
  omi_account_ids       = ["111122223333"]
  snapshot_account_ids  = ["444455556666"]
  global_permission     = true
  omi_regions           = ["us-east-2"]
  launch_block_device_mappings {
    device_name = "/dev/sda1"
    volume_size = 12
    volume_type = "gp2"
  }
  launch_block_device_mappings {
    device_name           = "/dev/xvdb"
    volume_size           = 3
    delete_on_vm_deletion = true
  }
"""))
    assert result.returncode == 0, result.output
    [image] = [i for i in sim.resources("image") if i["ImageName"].startswith("full-")
               and i["region"] == "eu-west-2"]
    [copy] = [i for i in sim.resources("image") if i["ImageName"] == image["ImageName"]
              and i["region"] == "us-east-2"]
    assert f"eu-west-2: {image['ImageId']}" in result.stdout
    assert f"us-east-2: {copy['ImageId']}" in result.stdout
    [source] = [i for i in sim.resources("image")
                if i["ImageName"] == "Minimal-Host-Userland-2026.01.15-0"
                and i["region"] == "eu-west-2"]
    assert tags_of(image) == {"Name": "full", "Source": source["ImageId"]}
    assert tags_of(copy) == tags_of(image)
    assert image["Description"] == "from Minimal-Host-Userland-2026.01.15-0"
    launch = image["PermissionsToLaunch"]
    assert launch["AccountIds"] == ["111122223333"] and launch["GlobalPermission"] is True
    devices = {m["DeviceName"]: m["Bsu"] for m in image["BlockDeviceMappings"]}
    assert devices["/dev/sda1"]["VolumeSize"] == 12 and "/dev/xvdb" in devices
    snapshots = {s["SnapshotId"]: s for s in sim.resources("snapshot")}
    for bsu in devices.values():
        snapshot = snapshots[bsu["SnapshotId"]]
        assert tags_of(snapshot) == {"Name": "full", "Source": source["ImageId"],
                                     "Kind": "snapshot"}
        assert snapshot["PermissionsToCreateVolume"]["AccountIds"] == ["444455556666"]
    [vm] = [v for v in sim.resources("vm") if tags_of(v).get("Role") == "builder"]
    assert vm["State"] == "terminated"
    assert leftovers(sim) == {}, json.dumps(leftovers(sim))


def test_abort_keeps_what_exists_security_group_public_ip_user_data(build, sim):
    result = build(template("abort-test", """
  ssh_username                          = "outscale"
  associate_public_ip_address           = true
  temporary_security_group_source_cidrs = ["127.0.0.0/8", "10.1.0.0/16"]
  user_data                             = "#!/bin/sh\\necho hello"
""", communicator="ssh"), "-on-error=abort", env={"OSC_BUILD_FAULT_STEP": "provision"})
    assert result.returncode == 1
    assert "on-error=abort: left VM" in result.stdout
    kept = leftovers(sim)
    try:
        [vm] = [v for v in sim.resources("vm") if v["VmId"] in kept["vm"]]
        [group] = [g for g in sim.resources("security_group")
                   if g["SecurityGroupId"] in kept["security_group"]]
        [rule] = group["InboundRules"]
        assert (rule["FromPortRange"], rule["ToPortRange"]) == (22, 22)
        assert sorted(rule["IpRanges"]) == ["10.1.0.0/16", "127.0.0.0/8"]
        [ip] = [p for p in sim.resources("public_ip") if p["PublicIpId"] in kept["public_ip"]]
        assert ip["VmId"] == vm["VmId"] and vm["PublicIp"] == ip["PublicIp"]
        assert ip["PublicIp"].startswith("127.")
        assert base64.b64decode(vm["UserData"]) == b"#!/bin/sh\necho hello"
        [keypair] = kept["keypair"]
        assert vm["KeypairName"] == keypair
    finally:
        gw = sim.gateway()
        gw.DeleteVms(VmIds=kept.get("vm", []))
        addresses = {p["PublicIpId"]: p["PublicIp"] for p in sim.resources("public_ip")}
        for ip in kept.get("public_ip", []):  # the public Cloud needs PublicIp (spec)
            gw.DeletePublicIp(PublicIp=addresses[ip])
        for group_id in kept.get("security_group", []):
            gw.DeleteSecurityGroup(SecurityGroupId=group_id)
        for name in kept.get("keypair", []):
            gw.DeleteKeypair(KeypairName=name)
        for volume in sim.resources("volume"):
            if volume["State"] != "deleting":  # a deleted VM's volumes go by themselves
                gw.DeleteVolume(VolumeId=volume["VolumeId"])
    assert leftovers(sim) == {}


def test_name_taken_fails_before_creating_and_force_deregister_replaces(build, sim):
    first = build(template("taken-name"))
    assert first.returncode == 0, first.output
    [old] = images_named(sim, "taken-name")
    vms_before = len(sim.resources("vm"))
    again = build(template("taken-name"))
    assert again.returncode == 1
    assert f"omi_name 'taken-name' is already used by {old['ImageId']}" in again.output
    assert len(sim.resources("vm")) == vms_before  # failed before launching anything
    forced = build(template("taken-name", "  force_deregister = true\n"
                                          "  force_delete_snapshot = true"))
    assert forced.returncode == 0, forced.output
    [new] = images_named(sim, "taken-name")
    assert new["ImageId"] != old["ImageId"]
    old_snapshots = {m["Bsu"]["SnapshotId"] for m in old["BlockDeviceMappings"]}
    assert not old_snapshots & {s["SnapshotId"] for s in sim.resources("snapshot")}
    assert leftovers(sim) == {}


def test_skip_create_omi_makes_no_image(build, sim):
    before = len(sim.resources("image"))
    result = build(template("skipped", "  skip_create_omi = true"))
    assert result.returncode == 0, result.output
    assert len(sim.resources("image")) == before
    assert "No OMI was created (skip_create_omi)." in result.stdout
    assert leftovers(sim) == {}


def test_bad_options_fail_before_any_request(build, sim):
    before = len(sim.requests())
    for extra, message in (
            ('  vm_typo = "x"', "vm_typo: unknown option (did you mean 'vm_type'?)"),
            ('  shutdown_behavior = "terminate"', "shutdown_behavior: terminate would delete"),
            ('  omi_regions = "eu-west-1"', "omi_regions: not a valid list"),
            ('  temporary_security_group_source_cidrs = ["10.0.0.0/33"]',
             "'10.0.0.0/33' is not a CIDR block"),
            ('  ssh_timeout = "5 minutes"', "ssh_timeout: invalid duration"),
    ):
        result = build(template("bad", extra, communicator="ssh"))
        assert result.returncode == 1
        assert message in result.stderr, result.stderr
        assert result.stderr.startswith("Error: ") and "Traceback" not in result.stderr
    assert len(sim.requests()) == before


def test_force_flag_and_parallel_sources(build, sim):
    two = """
source "outscale-bsu" "a" {
  vm_type      = "tinav7.c1r1p1"
  source_omi   = "%(source)s"
  communicator = "none"
  omi_name     = "parallel-a"
}
source "outscale-bsu" "b" {
  vm_type      = "tinav7.c1r1p1"
  source_omi   = "%(source)s"
  communicator = "none"
  omi_name     = "parallel-b"
}
build {
  sources = ["source.outscale-bsu.a", "source.outscale-bsu.b"]
}
"""
    [source] = [i for i in sim.resources("image")
                if i["ImageName"] == "Minimal-Host-Userland-2026.01.15-0"
                and i["region"] == "eu-west-2"]
    text = two % {"source": source["ImageId"]}
    first = build(text, "-parallel-builds=2")
    assert first.returncode == 0, first.output
    assert "--> outscale-bsu.a: OMIs were created" in first.stdout
    assert "--> outscale-bsu.b: OMIs were created" in first.stdout
    old = {i["ImageName"]: i["ImageId"] for i in sim.resources("image")
           if i["ImageName"].startswith("parallel-")}
    assert set(old) == {"parallel-a", "parallel-b"}
    refused = build(text)
    assert refused.returncode == 1 and "is already used by" in refused.stdout
    forced = build(text, "-force")
    assert forced.returncode == 0, forced.output
    new = {i["ImageName"]: i["ImageId"] for i in sim.resources("image")
           if i["ImageName"].startswith("parallel-")}
    assert set(new) == set(old) and not set(new.values()) & set(old.values())
    assert leftovers(sim) == {}


def test_communicator_none_runs_local_provisioners_only(build, sim, tmp_path):
    marker = tmp_path / "ran-locally"
    local = template("none-local", "  skip_create_omi = true").replace(
        'sources = ["source.outscale-bsu.main"]',
        f'sources = ["source.outscale-bsu.main"]\n'
        f'  provisioner "shell-local" {{\n    inline = ["touch {marker}"]\n  }}')
    result = build(local)
    assert result.returncode == 0, result.output
    assert marker.exists()
    remote = local.replace('"shell-local"', '"shell"')
    failed = build(remote)
    assert failed.returncode == 1
    assert 'uses communicator "none", so' in failed.stdout and 'cannot reach' in failed.stdout
    assert leftovers(sim) == {}


def test_omi_block_device_mappings_add_devices_to_the_vm_image(build, sim):
    gw = sim.gateway()
    volume = gw.CreateVolume(SubregionName="eu-west-2a", Size=2)["Volume"]
    deadline = time.monotonic() + 60
    while gw.ReadVolumes(Filters={"VolumeIds": [volume["VolumeId"]]})["Volumes"][0][
            "State"] != "available":
        assert time.monotonic() < deadline, "the volume never became available"
        time.sleep(0.1)
    snapshot = gw.CreateSnapshot(VolumeId=volume["VolumeId"])["Snapshot"]
    gw.DeleteVolume(VolumeId=volume["VolumeId"])
    result = build(template("extra-devices", f"""
  omi_block_device_mappings {{
    device_name = "/dev/xvdc"
    snapshot_id = "{snapshot['SnapshotId']}"
  }}
  omi_block_device_mappings {{
    device_name = "/dev/xvdd"
    volume_size = 5
  }}
"""))
    assert result.returncode == 0, result.output
    [image] = images_named(sim, "extra-devices")
    devices = {m["DeviceName"]: m["Bsu"] for m in image["BlockDeviceMappings"]}
    assert set(devices) == {"/dev/sda1", "/dev/xvdc", "/dev/xvdd"}  # the VM's root kept
    assert devices["/dev/xvdc"]["SnapshotId"] == snapshot["SnapshotId"]
    assert devices["/dev/xvdd"]["VolumeSize"] == 5
    assert not images_named(sim, "extra-devices-osc-build-base")
    assert leftovers(sim) == {}
    # A failure after registration deletes the OMI and its snapshots, never the user's.
    failed = build(template("extra-failed", f"""
  omi_block_device_mappings {{
    device_name = "/dev/xvdc"
    snapshot_id = "{snapshot['SnapshotId']}"
  }}
"""), env={"OSC_BUILD_FAULT_STEP": "copy the OMI to other regions"})
    assert failed.returncode == 1
    assert not [i for i in sim.resources("image") if i["ImageName"].startswith("extra-failed")]
    assert snapshot["SnapshotId"] in {s["SnapshotId"] for s in sim.resources("snapshot")}


def test_template_free_build(sim, tmp_path):
    from osc_build.testing import run_osc_build

    result = run_osc_build(
        "--builder", "outscale-bsu", "--local", "--set", "vm_type=tinav7.c1r1p1",
        "--set", 'source_omi_filter={"filters": {"image-name": "Minimal-Host-Userland-*"}, '
                 '"owners": ["Outscale"], "most_recent": true}',
        "--set", "communicator=none", "--set", "omi_name=no-template",
        "--set", "tags.Built=from-the-cli", "--name", "cli",
        cwd=tmp_path, env={"OSC_BUILD_SIM_DATA": str(sim.data_dir)}, timeout=300)
    assert result.returncode == 0, result.output
    [image] = images_named(sim, "no-template")
    assert tags_of(image) == {"Built": "from-the-cli"}
    assert f"--> outscale-bsu.cli: OMIs were created:\neu-west-2: {image['ImageId']}" \
        in result.stdout
    assert leftovers(sim) == {}


def test_force_deregister_replaces_the_copies_too(build, sim):
    extra = '  omi_regions = ["us-east-2"]\n'
    first = build(template("copied-twice", extra))
    assert first.returncode == 0, first.output
    old = {i["region"]: i["ImageId"] for i in images_named(sim, "copied-twice")}
    assert set(old) == {"eu-west-2", "us-east-2"}
    again = build(template("copied-twice", extra + "  force_deregister = true"))
    assert again.returncode == 0, again.output
    new = {i["region"]: i["ImageId"] for i in images_named(sim, "copied-twice")}
    assert set(new) == set(old) and not set(new.values()) & set(old.values())
    assert leftovers(sim) == {}
