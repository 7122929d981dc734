"""outscale-chroot values that only the cloud used to refuse: found when options load."""

from __future__ import annotations

import pytest

from osc_build.config import load_options
from osc_build.errors import ConfigError
from osc_build_chroot.options import ChrootOptionsSchema


@pytest.fixture(autouse=True)
def public_cloud(monkeypatch, tmp_path):
    """No endpoint from the environment or a profile: the public regions apply."""
    for name in ("OSC_ENDPOINT_API", "OUTSCALE_OAPI_URL", "OSC_PROFILE"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("OSC_CONFIG_FILE", str(tmp_path / "no-config.json"))


def error_of(**options) -> str:
    with pytest.raises(ConfigError) as info:
        load_options(ChrootOptionsSchema, {"omi_name": "built", **options},
                     where="source.outscale-chroot.x")
    return str(info.value)


def test_a_source_omi_of_the_wrong_form_is_refused():
    assert ("source_omi: 'Debian-12' is not an OMI id: write ami- and 8 hexadecimal digits, "
            "e.g. ami-12345678; to pick an OMI by name, use a source_omi_filter block "
            "instead") in error_of(source_omi="Debian-12")


def test_a_wrong_root_volume_type_shows_the_value_and_the_valid_ones():
    assert "root_volume_type: 'ssd' is not a volume type; use one of: standard, gp2, io1" \
        in error_of(source_omi="ami-12345678", root_volume_type="ssd")


def test_omi_options_are_checked_for_chroot_builds_too():
    assert "omi_account_ids[0]: '12' is not an account id" in error_of(
        source_omi="ami-12345678", omi_account_ids=["12"])
    assert "omi_regions: 'eu-west-9' is not an OUTSCALE region" in error_of(
        source_omi="ami-12345678", omi_regions=["eu-west-9"])
