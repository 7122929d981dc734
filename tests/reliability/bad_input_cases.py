"""The bad-input corpus: malformed templates, configs, credentials and command lines.

Each case is ``Case(id, args, expect, files=..., env=...)``: ``args`` follow
``osc-build``; ``{dir}`` in args and files is the case's directory; ``TEMPLATE``
is a valid outscale-bsu source whose lines the cases replace. ``expect`` holds
fragments the one error must contain (where, what, how to fix).
"""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class Case:
    id: str
    args: tuple[str, ...]
    expect: tuple[str, ...]
    files: dict[str, str] = field(default_factory=dict)
    env: dict[str, str] = field(default_factory=dict)
    local: bool = True  # point the build at the test simulator with --local


BODY = """  vm_type      = "tinav7.c1r1p1"
  source_omi   = "ami-12345678"
  ssh_username = "outscale"
  omi_name     = "bad-input"
"""


LEGACY_JSON = """{
  "variables": {"omi_name": "bad-input"},
  "builders": [{"type": "outscale-bsu", "vm_type": "tinav7.c1r1p1",
    "source_omi": "ami-12345678", "ssh_username": "outscale", "omi_name": "%s"}]
}
"""


def bsu(body: str = BODY, *, extra: str = "", build: str = "") -> str:
    return (f'source "outscale-bsu" "main" {{\n{body}{extra}\n}}\n'
            f'build {{\n  sources = ["source.outscale-bsu.main"]\n{build}\n}}\n')


def replaced(old: str, new: str) -> str:
    assert old in BODY, old
    return bsu(BODY.replace(old, new))


def tpl(case_id: str, text: str, *expect: str, args: tuple[str, ...] = (),
        files: dict | None = None, env: dict | None = None, local: bool = True) -> Case:
    return Case(case_id, ("build", *args, "{dir}/t.pkr.hcl"), expect,
                {"t.pkr.hcl": text, **(files or {})}, env or {}, local)


def opt(case_id: str, line: str, *expect: str) -> Case:
    """An extra option line in the source block."""
    return tpl(case_id, bsu(extra=f"  {line}\n"), *expect)


CASES: list[Case] = [
    # HCL syntax errors.
    tpl("hcl-unclosed-brace", 'source "outscale-bsu" "main" {\n  vm_type = "x"\n', "t.pkr.hcl"),
    tpl("hcl-unclosed-string", bsu(extra='  omi_description = "oops\n'), "t.pkr.hcl"),
    tpl("hcl-missing-equals", bsu(extra="  omi_description \"x\"\n"), "t.pkr.hcl"),
    tpl("hcl-bad-block-labels", 'source "outscale-bsu" {\n}\n', "t.pkr.hcl"),
    tpl("hcl-unknown-block", bsu() + "sauce \"x\" \"y\" {}\n", "t.pkr.hcl", "sauce"),
    tpl("hcl-duplicate-source", bsu() + 'source "outscale-bsu" "main" {\n}\n', "t.pkr.hcl"),
    tpl("hcl-duplicate-attribute", bsu(extra='  vm_type = "tinav7.c1r1p2"\n'), "vm_type"),
    tpl("hcl-bad-expression", bsu(extra="  omi_description = 1 +\n"), "t.pkr.hcl"),
    tpl("hcl-unknown-function", bsu(extra='  omi_description = nosuchfn("a")\n'), "nosuchfn"),
    tpl("hcl-function-bad-args", bsu(extra="  omi_description = upper(1, 2)\n"), "upper"),
    tpl("hcl-undefined-variable", bsu(extra="  omi_description = var.nope\n"), "nope"),
    tpl("hcl-undefined-local", bsu(extra="  omi_description = local.nope\n"), "nope"),
    tpl("hcl-unset-variable", 'variable "v" {\n  type = string\n}\n'
        + bsu(extra="  omi_description = var.v\n"), "v"),
    tpl("hcl-variable-wrong-type", 'variable "n" {\n  type = number\n  default = "x"\n}\n'
        + bsu(), "n"),
    tpl("hcl-variable-validation", 'variable "v" {\n  default = "a"\n  validation {\n'
        '    condition = length(var.v) > 3\n    error_message = "The v value is too short."\n'
        "  }\n}\n" + bsu(), "too short"),
    tpl("hcl-no-build", 'source "outscale-bsu" "main" {\n' + BODY + "}\n", "no build"),
    tpl("hcl-build-unknown-source", bsu() + 'build {\n  sources = ["source.outscale-bsu.x"]\n}\n',
        "outscale-bsu.x"),
    tpl("hcl-unknown-builder", bsu().replace('"outscale-bsu" "main"', '"outscale-bsux" "main"')
        .replace("source.outscale-bsu.main", "source.outscale-bsux.main"), "outscale-bsux"),
    tpl("hcl-unknown-provisioner", bsu(build='  provisioner "shel" {\n    inline = ["x"]\n  }'),
        "shel"),
    tpl("hcl-unknown-post-processor", bsu(build='  post-processor "manifes" {\n  }'), "manifes"),
    tpl("hcl-provisioner-bad-option", bsu(build='  provisioner "shell" {\n    inlin = ["x"]\n'
                                               "  }"), "inlin"),
    tpl("hcl-provisioner-no-command", bsu(build='  provisioner "shell" {\n  }'), "inline"),
    tpl("hcl-provisioner-inline-and-script", bsu(
        build='  provisioner "shell" {\n    inline = ["x"]\n    script = "a.sh"\n  }'), "inline",
        files={"a.sh": "true\n"}),
    tpl("hcl-provisioner-missing-script", bsu(
        build='  provisioner "shell" {\n    script = "missing.sh"\n  }'), "missing.sh"),
    tpl("hcl-file-provisioner-no-source", bsu(
        build='  provisioner "file" {\n    destination = "/tmp/x"\n  }'), "source"),
    tpl("hcl-bad-pause-before", bsu(
        build='  provisioner "shell" {\n    inline = ["x"]\n    pause_before = "soon"\n  }'),
        "soon"),
    tpl("hcl-manifest-bad-option", bsu(build='  post-processor "manifest" {\n    outptu = "m"\n'
                                            "  }"), "outptu"),
    tpl("hcl-required-plugins-bad-version", 'packer {\n  required_version = ">= 99.0"\n}\n'
        + bsu(), "99.0"),
    tpl("hcl-locals-cycle", 'locals {\n  a = local.b\n  b = local.a\n}\n'
        + bsu(extra="  omi_description = local.a\n"), "local"),
    tpl("hcl-bad-interpolation", bsu(extra='  omi_description = "${"\n'), "t.pkr.hcl"),
    tpl("hcl-empty-file", "", "t.pkr.hcl"),
    tpl("hcl-binary-garbage", "\x00\x01\x02source", "t.pkr.hcl"),
    tpl("hcl-unknown-data-source", 'data "nosuch" "x" {\n}\n' + bsu(), "nosuch"),
    tpl("hcl-omi-data-source-bad-filter", 'data "outscale-omi" "x" {\n  filters = 3\n}\n'
        + bsu(), "filters"),
    # Builder options: required, wrong types, unknown, conflicts.
    tpl("opt-missing-vm-type", replaced('  vm_type      = "tinav7.c1r1p1"\n', ""), "vm_type"),
    tpl("opt-missing-omi-name", replaced('  omi_name     = "bad-input"\n', ""), "omi_name"),
    tpl("opt-missing-source", replaced('  source_omi   = "ami-12345678"\n', ""), "source_omi"),
    tpl("opt-missing-ssh-username", replaced('  ssh_username = "outscale"\n', ""), "ssh_username"),
    opt("opt-unknown-option", 'vm_tpye = "x"', "vm_tpye"),
    opt("opt-unknown-option-typo", 'omi_nmae = "x"', "omi_nmae"),
    opt("opt-bool-wrong-type", 'associate_public_ip_address = "perhaps"',
        "associate_public_ip_address"),
    opt("opt-list-wrong-type", 'omi_regions = "eu-west-2"', "omi_regions"),
    opt("opt-map-wrong-type", 'tags = ["a"]', "tags"),
    opt("opt-int-wrong-type", 'ssh_port = "twenty-two"', "ssh_port"),
    opt("opt-port-out-of-range", "ssh_port = 70000", "ssh_port"),
    opt("opt-bad-duration", 'ssh_timeout = "ten minutes"', "ssh_timeout"),
    opt("opt-bad-communicator", 'communicator = "telnet"', "communicator"),
    opt("opt-bad-cidr", 'temporary_security_group_source_cidrs = ["10.0.0.0/33"]', "10.0.0.0/33"),
    opt("opt-bad-cidr-text", 'temporary_security_group_source_cidrs = ["not-a-cidr"]',
        "not-a-cidr"),
    opt("opt-bad-cidr-host-bits", 'temporary_security_group_source_cidr = "300.1.1.1/32"',
        "300.1.1.1"),
    opt("opt-omi-name-too-short", 'omi_name = "ab"', "omi_name"),
    opt("opt-omi-name-bad-chars", 'omi_name = "bad*name?"', "omi_name"),
    opt("opt-omi-name-too-long", f'omi_name = "{"x" * 200}"', "omi_name"),
    opt("opt-force-delete-without-deregister", "force_delete_snapshot = true",
        "force_delete_snapshot"),
    opt("opt-bad-device-name", 'launch_block_device_mappings {\n    device_name = "sdb"\n'
        "    volume_size = 1\n  }", "sdb"),
    opt("opt-bad-device-name-xvd", 'launch_block_device_mappings {\n    device_name = '
        '"/dev/xvd1"\n    volume_size = 1\n  }', "/dev/xvd1"),
    opt("opt-omi-device-bad-name", 'omi_block_device_mappings {\n    device_name = "disk0"\n'
        "    volume_size = 1\n  }", "disk0"),
    opt("opt-bad-volume-type", 'launch_block_device_mappings {\n    device_name = "/dev/xvdb"\n'
        '    volume_type = "ssd"\n    volume_size = 1\n  }', "volume_type"),
    opt("opt-negative-volume-size", 'launch_block_device_mappings {\n    device_name = '
        '"/dev/xvdb"\n    volume_size = -1\n  }', "volume_size"),
    opt("opt-bad-shutdown-behavior", 'shutdown_behavior = "explode"', "shutdown_behavior"),
    opt("opt-bad-boot-mode", 'boot_mode = "bios"', "boot_mode"),
    opt("opt-user-data-and-file", 'user_data = "a"\n  user_data_file = "b"', "user_data"),
    opt("opt-user-data-file-missing", 'user_data_file = "{dir}/nope.txt"', "nope.txt"),
    opt("opt-ssh-key-missing", 'ssh_private_key_file = "{dir}/no-such-key"', "no-such-key"),
    opt("opt-keypair-without-key", 'ssh_keypair_name = "mykey"', "ssh_keypair_name"),
    opt("opt-bad-key-pair-type", 'temporary_key_pair_type = "dsa"', "temporary_key_pair_type"),
    opt("opt-bad-ssh-interface", 'ssh_interface = "carrier-pigeon"', "ssh_interface"),
    opt("opt-bad-region", 'region = "mars-1"', "mars-1"),
    # Values only the cloud used to refuse (issue 11 point 4).
    tpl("opt-vm-type-generation", replaced('"tinav7.c1r1p1"', '"tinav8.c1r1p1"'),
        "vm_type", "tinav8.c1r1p1", "tinav1 to tinav7", "e.g. tinav7.c2r4p2"),
    tpl("opt-vm-type-not-outscale", replaced('"tinav7.c1r1p1"', '"t2.micor"'),
        "vm_type", "'t2.micor' is not an OUTSCALE VM type", "tinavW.cXrYpZ"),
    tpl("opt-source-omi-bad-id", replaced('"ami-12345678"', '"ami-1234"'),
        "source_omi", "'ami-1234' is not an OMI id", "8 hexadecimal digits"),
    tpl("opt-source-omi-is-a-name", replaced('"ami-12345678"', '"Debian-12"'),
        "source_omi", "source_omi_filter"),
    opt("opt-subnet-bad-id", 'subnet_id = "subnet-xyz"', "subnet_id", "subnet-12345678"),
    opt("opt-security-group-bad-id", 'security_group_ids = ["default"]',
        "security_group_ids[0]", "sg-12345678"),
    opt("opt-snapshot-bad-id", 'launch_block_device_mappings {\n    device_name = "/dev/xvdb"\n'
        '    snapshot_id = "snapshot-1"\n  }', "snapshot_id", "snap-12345678"),
    tpl("opt-unknown-subregion", bsu(extra='  subregion_name = "eu-west-2z"\n'),
        "subregion_name", "eu-west-2z", "letter a to c", local=False,
        env={"HOME": "{dir}", "OSC_ENDPOINT_API": ""}),
    opt("opt-subregion-of-another-region", 'region = "us-east-2"\n  subregion_name = '
        '"eu-west-2a"', "subregion_name", "not a subregion of region 'us-east-2'",
        "us-east-2a"),
    tpl("opt-unknown-omi-region", bsu(extra='  omi_regions = ["eu-west-3"]\n'),
        "omi_regions", "eu-west-3", "custom_endpoint_oapi", local=False,
        env={"HOME": "{dir}", "OSC_ENDPOINT_API": ""}),
    opt("opt-omi-export-format", 'omi_regions = ["us-east-2"]\n  '
        'omi_export_disk_image_format = "vmdk"', "omi_export_disk_image_format", "qcow2, raw"),
    opt("opt-omi-export-bucket-name", 'omi_regions = ["us-east-2"]\n  '
        'omi_export_bucket = "My_Bucket"', "omi_export_bucket", "not a bucket name"),
    opt("opt-omi-region-profile-not-copied", 'omi_regions = ["us-east-2"]\n  '
        'omi_region_profiles = { "eu-west-3" = "x" }', "omi_region_profiles",
        "'eu-west-3' is not in omi_regions"),
    opt("opt-omi-regions-on-failure", 'omi_regions_on_failure = "maybe"',
        "omi_regions_on_failure", "delete, keep"),
    opt("opt-account-id-not-12-digits", 'omi_account_ids = ["1234-5678"]',
        "omi_account_ids[0]", "1234-5678", "12 digits"),
    opt("opt-snapshot-account-id", 'snapshot_account_ids = ["Outscale"]',
        "snapshot_account_ids[0]", "12 digits"),
    tpl("opt-x509-cert-not-pem", bsu(extra='  x509_cert_path = "{dir}/client.crt"\n'
                                           '  x509_key_path  = "{dir}/client.key"\n'),
        "x509_cert_path", "client.crt", "not a PEM certificate", "openssl x509",
        files={"client.crt": "0\x82\x01binary DER\n",
               "client.key": "-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n"}),
    opt("opt-ssh-key-not-a-key", 'ssh_private_key_file = "{dir}/t.pkr.hcl"',
        "ssh_private_key_file", "t.pkr.hcl", "not a private key", "e.g. ~/.ssh/id_ed25519"),
    tpl("opt-ssh-key-pub-file", bsu(extra='  ssh_private_key_file = "{dir}/id_ed25519.pub"\n'),
        "ssh_private_key_file", "id_ed25519.pub", "public key", "without .pub",
        files={"id_ed25519.pub": "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIA me@host\n"}),
    opt("opt-duplicate-device", 'launch_block_device_mappings {\n    device_name = "/dev/xvdb"\n'
        '  }\n  launch_block_device_mappings {\n    device_name = "/dev/xvdb"\n  }',
        "launch_block_device_mappings", "'/dev/xvdb' is listed twice", "own device_name"),
    opt("opt-io1-without-iops", 'omi_block_device_mappings {\n    device_name = "/dev/xvdb"\n'
        '    volume_type = "io1"\n    volume_size = 10\n  }',
        "omi_block_device_mappings[0].iops", "volume_type = \"io1\"", "e.g. iops = 1000"),
    opt("opt-volume-type-shows-values", 'launch_block_device_mappings {\n    device_name = '
        '"/dev/xvdb"\n    volume_type = "SSD"\n  }', "volume_type", "'SSD'",
        "standard, gp2, io1"),
    # --local: the simulator's own regions (its configuration), before any call.
    opt("local-subregion-letter", 'region = "us-east-2"\n  subregion_name = "us-east-2c"',
        "subregion_name", "'us-east-2c' is not a subregion of region 'us-east-2' of the local "
        "simulator", "use us-east-2a or us-east-2b", "config.json"),
    opt("local-unknown-omi-region", 'omi_regions = ["ap-northeast-1"]', "omi_regions",
        "'ap-northeast-1' is not a region of the local simulator", "eu-west-2, us-east-2"),
    # outscale-omi data source options (ids, owners, regions), before any call.
    tpl("data-omi-owner-not-account-id", 'data "outscale-omi" "x" {\n  filters = { name = "a" }'
        '\n  owners = ["1234"]\n}\n' + bsu(), "data.outscale-omi.x", "owners[0]",
        "'1234' is not an account id", "aliases such as Outscale, or self"),
    tpl("data-omi-image-id-filter", 'data "outscale-omi" "x" {\n  filters = { image-id = '
        '"ami-xyz" }\n}\n' + bsu(), "data.outscale-omi.x", "filter 'image-id'",
        "'ami-xyz' is not an OMI id", "ami-12345678"),
    tpl("data-omi-unknown-region", 'data "outscale-omi" "x" {\n  filters = { name = "a" }\n'
        '  owners = ["self"]\n  region = "eu-west-9"\n}\n' + bsu(), "data.outscale-omi.x",
        "region", "'eu-west-9' is not an OUTSCALE region", local=False,
        env={"HOME": "{dir}", "OSC_ENDPOINT_API": ""}),
    # x509 files named by variables or the profile: same checks as the template options.
    tpl("cred-x509-env-cert-not-pem", bsu(), "OSC_X509_CLIENT_CERT", "client.crt",
        "not a PEM certificate", "openssl x509", local=False,
        env={"HOME": "{dir}", "OSC_ACCESS_KEY": "AKIAEXAMPLE", "OSC_SECRET_KEY": "SK-EXAMPLE",
             "OSC_X509_CLIENT_CERT": "{dir}/client.crt",
             "OSC_X509_CLIENT_KEY": "{dir}/client.key"},
        files={"client.crt": "0\x82\x01binary DER\n",
               "client.key": "-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n"}),
    tpl("cred-x509-profile-key-is-cert", bsu(), "x509_client_key of profile 'default'",
        "holds a certificate, not a private key", local=False,
        env={"HOME": "{dir}", "OSC_PROFILE": "default"},
        files={".osc/config.json": '{"default": {"access_key": "AK", "secret_key": "SK", '
               '"x509_client_cert": "{dir}/c.pem", "x509_client_key": "{dir}/c.pem"}}',
               "c.pem": "-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n"}),
    # Credentials: missing, half given, unreadable files.
    opt("cred-access-key-only", 'access_key = "AKIAEXAMPLE"', "secret_key"),
    opt("cred-secret-key-only", 'secret_key = "SECRETEXAMPLE"', "access_key"),
    opt("cred-x509-key-without-cert", 'x509_key_path = "{dir}/key.pem"', "x509_cert_path"),
    tpl("cred-none-at-all", bsu(), "credentials", local=False, env={"HOME": "{dir}"}),
    tpl("cred-env-half-given", bsu(), "OSC_SECRET_KEY", local=False,
        env={"HOME": "{dir}", "OSC_ACCESS_KEY": "AKIAEXAMPLE"}),
    tpl("cred-unknown-profile", bsu(extra='  profile = "nosuch"\n'), "nosuch", local=False,
        env={"HOME": "{dir}"}),
    tpl("cred-config-file-bad-json", bsu(), "config.json", local=False,
        env={"HOME": "{dir}", "OSC_PROFILE": "default"},
        files={".osc/config.json": "{not json"}),
    tpl("cred-config-file-profile-missing-key", bsu(), "secret_key", local=False,
        env={"HOME": "{dir}", "OSC_PROFILE": "default"},
        files={".osc/config.json": '{"default": {"access_key": "AK", "region": "eu-west-2"}}'}),
    # Variables from the command line and var files.
    tpl("var-bad-assignment", bsu(), "-var", args=("-var", "novalue")),
    tpl("var-undeclared", bsu(), "nope", args=("-var", "nope=1")),
    tpl("var-file-missing", bsu(), "missing.pkrvars.hcl",
        args=("-var-file", "{dir}/missing.pkrvars.hcl")),
    tpl("var-file-syntax", bsu(), "v.pkrvars.hcl", args=("-var-file", "{dir}/v.pkrvars.hcl"),
        files={"v.pkrvars.hcl": "x = \n"}),
    tpl("var-wrong-type-cli", 'variable "n" {\n  type = number\n}\n' + bsu(), "n",
        args=("-var", "n=abc")),
    # JSON templates.
    Case("json-syntax", ("build", "{dir}/t.json"), ("t.json",), {"t.json": '{"builders": [}'}),
    Case("json-not-object", ("build", "{dir}/t.json"), ("t.json",), {"t.json": "[1, 2]"}),
    Case("json-no-builders", ("build", "{dir}/t.json"), ("builder",), {"t.json": "{}"}),
    Case("json-builder-no-type", ("build", "{dir}/t.json"), ("type",),
         {"t.json": '{"builders": [{"vm_type": "x"}]}'}),
    Case("json-unknown-section", ("build", "{dir}/t.json"), ("provisoners",),
         {"t.json": '{"builders": [{"type": "outscale-bsu"}], "provisoners": []}'}),
    Case("json-undefined-user-variable", ("build", "{dir}/t.json"),
         ("t.json:4:", 'Undefined user variable "omi_nam"', '"variables"'),
         {"t.json": LEGACY_JSON % "{{user `omi_nam`}}"}),
    Case("json-var-undeclared", ("build", "-var", "omi_nam=x", "{dir}/t.json"),
         ('"omi_nam" is not declared', '"variables"'),
         {"t.json": LEGACY_JSON % "{{user `omi_name`}}"}),
    # Command lines.
    Case("cli-unknown-command", ("bild", "x"), ("bild",)),
    Case("cli-unknown-flag", ("build", "-frobnicate", "{dir}/t.pkr.hcl"), ("frobnicate",),
         {"t.pkr.hcl": bsu()}),
    Case("cli-bad-on-error", ("build", "-on-error=explode", "{dir}/t.pkr.hcl"), ("on-error",),
         {"t.pkr.hcl": bsu()}),
    Case("cli-missing-template", ("build", "{dir}/none.pkr.hcl"), ("none.pkr.hcl",)),
    Case("cli-template-is-empty-dir", ("build", "{dir}/empty"), ("empty",), {"empty/.keep": ""}),
    Case("cli-only-matches-nothing", ("build", "-only", "nothing.*", "{dir}/t.pkr.hcl"),
         ("-only",), {"t.pkr.hcl": bsu()}),
    Case("cli-bad-parallel-builds", ("build", "-parallel-builds", "many", "{dir}/t.pkr.hcl"),
         ("parallel-builds",), {"t.pkr.hcl": bsu()}),
    Case("cli-bad-color", ("build", "-color=maybe", "{dir}/t.pkr.hcl"), ("color",),
         {"t.pkr.hcl": bsu()}),
    Case("cli-builder-unknown", ("--builder", "outscale-nope", "--set", "a=b"),
         ("outscale-nope",)),
    Case("cli-builder-bad-set", ("--builder", "outscale-bsu", "--set", "novalue"), ("--set",)),
    Case("cli-builder-unknown-option", ("--builder", "outscale-bsu", "--set", "vm_tpye=x"),
         ("vm_tpye",)),
    Case("cli-builder-set-nesting", ("--builder", "outscale-bsu", "--set", "tags=1",
                                     "--set", "tags.Name=x"), ("tags",)),
    Case("cli-builder-config-missing", ("--builder", "outscale-bsu", "--config",
                                        "{dir}/no.json"), ("no.json",)),
    Case("cli-builder-config-bad-json", ("--builder", "outscale-bsu", "--config",
                                         "{dir}/c.json"), ("c.json",), {"c.json": "{oops"}),
    Case("cli-builder-config-not-object", ("--builder", "outscale-bsu", "--config",
                                           "{dir}/c.json"), ("c.json",), {"c.json": "[]"}),
    Case("cli-builder-bad-upload", ("--builder", "outscale-bsu", "--upload", "nocolon"),
         ("--upload",)),
    Case("cli-builder-bad-provisioner-json", ("--builder", "outscale-bsu", "--provisioner",
                                              "shell={bad"), ("--provisioner",)),
    Case("cli-builder-provisioner-not-object", ("--builder", "outscale-bsu", "--provisioner",
                                                "shell=[1]"), ("--provisioner",)),
    Case("cli-builder-missing-script", ("--builder", "outscale-bsu", "--set",
                                        "vm_type=tinav7.c1r1p1", "--set",
                                        "source_omi=ami-12345678", "--set", "omi_name=abc",
                                        "--set", "ssh_username=outscale", "--script",
                                        "{dir}/none.sh"), ("none.sh",)),
    Case("cli-validate-bad-template", ("validate", "{dir}/t.pkr.hcl"), ("vm_tpye",),
         {"t.pkr.hcl": bsu(extra='  vm_tpye = "x"\n')}),
]
