"""outscale-chroot options: defaults, the Go plugin's rules, and one clear error each."""

from __future__ import annotations

import pytest

from osc_build.config import load_options
from osc_build.errors import ConfigError
from osc_build_chroot.options import DEFAULT_CHROOT_MOUNTS, ChrootOptionsSchema

SOURCE = {"omi_name": "built", "source_omi": "ami-12345678"}
SCRATCH = {"omi_name": "built", "from_scratch": True, "root_volume_size": 8,
           "pre_mount_commands": ["mkfs.ext4 {{.Device}}"], "root_device_name": "/dev/sda1",
           "omi_block_device_mappings": [{"device_name": "/dev/sda1"}]}


def load(**options):
    return load_options(ChrootOptionsSchema, options, where="source.outscale-chroot.x")


def test_defaults_from_a_source_omi():
    config = load(**SOURCE)
    assert config.chroot_mounts == DEFAULT_CHROOT_MOUNTS
    assert config.copy_files == ["/etc/resolv.conf"]
    assert config.command_wrapper == "{{.Command}}"
    assert config.mount_path == "/mnt/packer-outscale-chroot-volumes/{{.Device}}"
    assert config.mount_partition is None  # "1", or the whole disk without partitions
    assert config.device_path is None and config.root_volume_type is None


def test_from_scratch_copies_no_files_and_mount_partition_zero_is_the_whole_device():
    config = load(**SCRATCH, mount_partition="0")
    assert config.copy_files == []
    assert config.mount_partition == ""


@pytest.mark.parametrize("missing", ["root_volume_size", "pre_mount_commands",
                                     "root_device_name", "omi_block_device_mappings"])
def test_from_scratch_requires(missing):
    options = {k: v for k, v in SCRATCH.items() if k != missing}
    with pytest.raises(ConfigError, match=f"{missing}: required with from_scratch = true"):
        load(**options)


def test_a_source_is_required_unless_from_scratch():
    with pytest.raises(ConfigError, match="source_omi: set source_omi or a source_omi_filter"):
        load(omi_name="built")


def test_chroot_mounts_entries_have_three_elements():
    with pytest.raises(ConfigError, match=r"chroot_mounts: entry 1 has 2 elements"):
        load(**SOURCE, chroot_mounts=[["proc", "proc", "/proc"], ["bind", "/dev"]])


def test_io1_is_refused_from_scratch():
    with pytest.raises(ConfigError, match="root_volume_type: io1 needs iops"):
        load(**SCRATCH, root_volume_type="io1")


def test_nvme_enabled_needs_the_nvme_node():
    with pytest.raises(ConfigError, match="nvme_device_path: required with nvme_enabled"):
        load(**SOURCE, nvme_enabled=True)


def test_unknown_option_is_named_with_a_suggestion():
    with pytest.raises(ConfigError, match=r"mount_pat: unknown option \(did you mean "
                                          r"'mount_path'\?\)"):
        load(**SOURCE, mount_pat="/mnt/x")


def test_source_filter_block_and_shared_omi_options_load():
    config = load(omi_name="built", source_omi_filter=[{
        "filters": {"image-name": "Debian-12-*"}, "owners": ["Outscale"], "most_recent": True}],
        omi_regions=["eu-west-2"], tags={"a": "b"}, force_deregister=True,
        root_volume_tags={"k": "{{ .SourceOMI }}"})
    assert config.source_omi_filter.owners == ["Outscale"]
    assert config.root_volume_tags == {"k": "{{ .SourceOMI }}"}
