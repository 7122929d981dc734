"""Template mistakes as Packer users need them: every one in one run, each at the file:line:col
of what is wrong, in source order, in Packer's words, the same every run."""

from __future__ import annotations

from marshmallow import fields

from osc_build import registry
from osc_build.log import redact
from osc_build.schema_walk import component_schema, nested_schema
from osc_build.testing import run_osc_build

TEMPLATE = '''source "outscale-bsu" "a" {
  omi_nmae     = "web-image"
  ssh_username = "outscale"
  vm_type      = "tinav7.c1r1p1"
  source_omi   = "ami-12345678"
  region       = "eu-west-2"
}
source "outscale-bsu" "b" {
  omi_name     = "web-image"
  ssh_username = "outscale"
  vm_type      = "tinav9.c1r1"
  source_omi   = "ami-12345678"
}
build {
  sources = ["source.outscale-bsu.a", "source.outscale-bsu.b"]
  provisioner "powershell" {
    inline = ["x"]
  }
  provisioner "shell" {
    inlin = ["x"]
  }
  post-processor "manifst" {}
}
'''


def test_every_mistake_at_its_position_in_source_order(tmp_path):
    path = tmp_path / "t.pkr.hcl"
    path.write_text(TEMPLATE)
    first = run_osc_build("validate", str(path))
    assert first.returncode == 1
    lines = first.stderr.splitlines()
    assert lines == [
        f"Error: {path}:1:1: source.outscale-bsu.a: omi_name: must be specified",
        f"Error: {path}:2:3: source.outscale-bsu.a: omi_nmae: unknown option (did you mean "
        "'omi_name'?)",
        f"Error: {path}:11:3: source.outscale-bsu.b: vm_type: {lines[2].split('vm_type: ')[1]}",
        f"Error: {path}:16:3: unknown provisioner 'powershell': Packer's powershell "
        "provisioner is not available in osc-build; installed: ansible, ansible-local, "
        "breakpoint, file, shell, shell-local",
        f"Error: {path}:20:5: inlin: unknown option (did you mean 'inline'?)",
        f"Error: {path}:22:3: unknown post-processor 'manifst'; installed: artifice, checksum, "
        "compress, manifest, shell-local (did you mean 'manifest'?)",
    ]
    assert "tinav9" in lines[2]
    again = run_osc_build("validate", str(path))
    assert again.stderr == first.stderr  # the same every run


def test_unknown_builder_type_has_its_position(tmp_path):
    path = tmp_path / "t.pkr.hcl"
    path.write_text('source "amazon-ebs" "a" {}\nbuild {\n  sources = ["source.amazon-ebs.a"]\n}\n')
    result = run_osc_build("validate", str(path))
    assert result.returncode == 1
    assert result.stderr.startswith(f"Error: {path}:1:1: source.amazon-ebs.a: unknown builder "
                                    "'amazon-ebs': Packer's amazon-ebs builder is not available")


def test_redaction_replaces_secret_values_only():
    assert redact("ssh_password: not a valid string") == "ssh_password: not a valid string"
    assert redact("password: must be specified") == "password: must be specified"
    assert redact("ssh_password=hunter22 user=x") == "ssh_password=<redacted> user=x"
    assert redact('{"Password": "hunter22"}') == '{"Password": "<redacted>"}'


# Option mistakes (a typo, a bad value) beside mistakes only a check across options sees (a
# missing one-of choice, conflicting options): all in one run. A check whose option failed to
# load says nothing more: source b's bad source_omi is not also "missing", the misspelled inline
# is not also "no script", and the failed script is not also "a second script".
MIXED = '''source "outscale-bsu" "a" {
  omi_name              = "web-image"
  ssh_username          = "outscale"
  vm_type               = "tinav9.c1r1"
  region                = "eu-west-2"
  security_group_id     = "sg-12345678"
  security_group_ids    = ["sg-12345678"]
  force_delete_snapshot = true
}

source "outscale-bsu" "b" {
  omi_name          = "web-b"
  ssh_username      = "outscale"
  vm_type           = "tinav7.c1r1p1"
  source_omi        = "ami-123"
  shutdown_behavior = "terminate"
  ssh_keypair_name  = "kp"
  user_data_fil     = "x"
}

build {
  sources = ["source.outscale-bsu.a", "source.outscale-bsu.b"]
  provisioner "shell" {
    inlin = ["x"]
  }
  provisioner "shell" {
    inline           = ["x"]
    script           = "missing.sh"
    environment_vars = ["NOEQUALS"]
  }
  provisioner "file" {
    destination = "/tmp/x"
    content     = "hi"
    source      = "a.txt"
    directon    = "upload"
  }
}
'''


def test_checks_across_options_report_beside_option_mistakes(tmp_path):
    path = tmp_path / "t.pkr.hcl"
    path.write_text(MIXED)
    first = run_osc_build("validate", str(path), cwd=tmp_path)
    assert first.returncode == 1
    a, b = "source.outscale-bsu.a", "source.outscale-bsu.b"
    assert first.stderr.splitlines() == [
        f"Error: {path}:1:1: {a}: source_omi: set source_omi or a source_omi_filter block, "
        "e.g. filters = { image-name = \"Debian-12-*\" } with owners = [\"Outscale\"]",
        f"Error: {path}:4:3: {a}: vm_type: 'tinav9.c1r1': processor generation 9 does not "
        "exist; use tinav1 to tinav7, e.g. tinav7.c2r4p2 (2 vCores, 4 GiB, performance high) "
        "or t2.small",
        f"Error: {path}:6:3: {a}: security_group_id: only one of security_group_id or "
        "security_group_ids can be specified",
        f"Error: {path}:8:3: {a}: force_delete_snapshot: has no effect without "
        "force_deregister = true",
        f"Error: {path}:15:3: {b}: source_omi: 'ami-123' is not an OMI id: write ami- and 8 "
        "hexadecimal digits, e.g. ami-12345678",
        f"Error: {path}:16:3: {b}: shutdown_behavior: terminate would delete the VM before its "
        "OMI is made; use \"stop\"",
        f"Error: {path}:17:3: {b}: ssh_keypair_name: ssh_private_key_file must be provided or "
        "ssh_agent_auth enabled when ssh_keypair_name is specified",
        f"Error: {path}:18:3: {b}: user_data_fil: unknown option (did you mean "
        "'user_data_file'?)",
        f"Error: {path}:24:5: inlin: unknown option (did you mean 'inline'?)",
        f"Error: {path}:28:5: script: bad script 'missing.sh': no such file (paths are "
        "relative to the directory osc-build runs in)",
        f"Error: {path}:29:5: environment_vars: environment variable not in format "
        "'key=value': 'NOEQUALS'",
        f"Error: {path}:31:3: source(s) conflicts with content; use one or the other",
        f"Error: {path}:35:5: directon: unknown option (did you mean 'direction'?)",
    ]
    again = run_osc_build("validate", str(path), cwd=tmp_path)
    assert again.stderr == first.stderr


def test_a_nested_block_that_failed_in_part_silences_only_its_checks(tmp_path):
    path = tmp_path / "t.pkr.hcl"
    path.write_text('''source "outscale-bsusurrogate" "s" {
  omi_name          = "surrogate-image"
  ssh_username      = "outscale"
  vm_type           = "tinav7.c1r1p1"
  source_omi        = "ami-12345678"
  shutdown_behavior = "terminate"
  launch_block_device_mappings {
    device_name = "/dev/xvdf"
  }
  omi_root_device {
    source_device_name = "/dev/xvdg"
    volume_tipe        = "gp2"
  }
}
build {
  sources = ["source.outscale-bsusurrogate.s"]
}
''')
    result = run_osc_build("validate", str(path))
    s = "source.outscale-bsusurrogate.s"
    # Not "/dev/xvdg is not a launch device": the block it is in did not load.
    assert result.stderr.splitlines() == [
        f"Error: {path}:6:3: {s}: shutdown_behavior: terminate would delete the surrogate VM "
        "and its volumes before they are snapshotted; use \"stop\"",
        f"Error: {path}:10:3: {s}: omi_root_device.device_name: must be specified",
        f"Error: {path}:10:3: {s}: omi_root_device.volume_tipe: unknown option (did you mean "
        "'volume_type'?)",
    ]


def test_data_source_mistakes_at_their_attributes_with_the_others_in_one_run(tmp_path):
    path = tmp_path / "t.pkr.hcl"
    path.write_text('''data "outscale-omi" "base" {
  filters    = { image-name = "Debian-12-*" }
  most_recnt = true
  region     = "eu-west-9"
}
data "amazon-ami" "other" {}
source "outscale-bsu" "a" {
  omi_name     = "web-image"
  ssh_username = "outscale"
  vm_type      = "tinav7.c1r1p1"
  source_omi   = data.outscale-omi.base.id
  omi_regions  = ["eu-west-2"]
  omi_region_profiles = { "us-east-2" = "us" }
}
build {
  sources = ["source.outscale-bsu.a"]
}
''')
    result = run_osc_build("validate", str(path))
    base = "data.outscale-omi.base"
    lines = result.stderr.splitlines()
    assert lines[3:] == [
        f"Error: {path}:6:1: unknown data source 'amazon-ami': Packer's amazon-ami data "
        "source is not available in osc-build; installed: outscale-omi",
        f"Error: {path}:13:3: source.outscale-bsu.a: omi_region_profiles: region 'us-east-2' "
        "is not in omi_regions; add it there or remove it from this map",
    ]
    assert lines[:3] == [
        f"Error: {path}:1:1: {base}: owners: give the owners of the OMI (account ids, aliases "
        "such as Outscale, or self), or a filter on owner-id, owner-alias or image-id: anyone "
        "can publish an OMI with a matching name",
        f"Error: {path}:3:3: {base}: most_recnt: unknown option (did you mean 'most_recent'?)",
        f"Error: {path}:4:3: {base}: region: 'eu-west-9' is not an OUTSCALE region; use one of "
        "eu-west-2, us-east-2, us-west-1, cloudgouv-eu-west-1, ap-northeast-1; for another "
        "endpoint set custom_endpoint_oapi (or OSC_ENDPOINT_API) to its URL",
    ]


def _schemas(schema, seen):
    """``schema`` and the schemas of its nested options, each once."""
    if type(schema) in seen:
        return
    seen.add(type(schema))
    yield schema
    for field in schema.fields.values():
        nested, _ = nested_schema(field)
        if nested is None and isinstance(field, fields.Dict) and field.value_field is not None:
            nested, _ = nested_schema(field.value_field)
        if nested is not None:
            yield from _schemas(nested, seen)


def test_every_check_across_options_runs_beside_option_mistakes():
    """A schema validator left to marshmallow's default would bring back error rounds."""
    skipping = []
    seen: set[type] = set()
    for kind in registry.KINDS:
        for item in registry.load_all(kind):
            schema = component_schema(kind, item.cls) if item.cls else None
            if schema is None:
                continue
            for one in _schemas(schema() if isinstance(schema, type) else schema, seen):
                for name in dir(type(one)):
                    hooks = getattr(getattr(type(one), name), "__marshmallow_hook__", {})
                    for _many, kwargs in hooks.get("validates_schema", []):
                        if kwargs.get("skip_on_field_errors", True):
                            skipping.append(f"{type(one).__qualname__}.{name}")
    assert len(seen) > 20  # the walk reached the builders' nested blocks too
    assert skipping == []


def test_json_template_data_source_mistakes_name_file_and_option_once(tmp_path):
    """A .pkr.json template's positions are key paths, not lines: as for its sources, the
    file and the option path say where."""
    path = tmp_path / "t.pkr.json"
    path.write_text('{"data": {"outscale-omi": {"base": {"owners": ["self"], '
                    '"most_recnt": true}}}}\n')
    result = run_osc_build("validate", str(path))
    assert result.stderr.splitlines() == [
        f"Error: {path}: data.outscale-omi.base: most_recnt: unknown option (did you mean "
        "'most_recent'?)",
        f"Error: {path}: no build to run: the template has no source; check the build blocks "
        "and the -only/-except patterns"]
