"""A simulator with two accounts and a catalogue of OMIs: owners, aliases, names, dates,
tags, states, sharing, block devices. Built once per session through the API."""

from __future__ import annotations

import itertools
import time
from collections.abc import Iterator
from dataclasses import dataclass, field

import pytest

from osc_build_outscale.client import OscClient, resolve_credentials, wait_for
from osc_build_sim.testing import SimHandle, running_simulator

MAIN_ID, PARTNER_ID = "123456789012", "210987654321"
PARTNER_KEYS = ("PARTNERACCESSKEY0001", "PARTNERSECRETKEY000000000000000000000001")
CONFIG = {
    "default_region": "eu-west-2",
    "accounts": [
        {"account_id": MAIN_ID, "email": "builders@sim.invalid", "alias": "builders",
         "access_keys": [{"access_key": "MAINACCESSKEY0000001",
                          "secret_key": "MAINSECRETKEY0000000000000000000000000001"}]},
        {"account_id": PARTNER_ID, "email": "partner@sim.invalid", "alias": "Partner",
         "access_keys": [{"access_key": PARTNER_KEYS[0], "secret_key": PARTNER_KEYS[1]}]},
    ],
}
ROOT = "/dev/sda1"


@dataclass
class Catalogue:
    sim: SimHandle
    client: OscClient  # the main account ("self")
    partner: OscClient
    images: dict[str, dict] = field(default_factory=dict)  # name -> Image, as created
    snapshot_id: str = ""
    main_id: str = MAIN_ID
    partner_id: str = PARTNER_ID

    def ids(self, *names: str) -> set[str]:
        return {self.images[name]["ImageId"] for name in names}


def _image(client: OscClient, name: str, *, root_size: int = 10, extra: tuple = (),
           root: str = ROOT, volume_type: str = "standard", delete: bool = True,
           snapshot_id: str | None = None, **params) -> dict:
    bsu = {"VolumeSize": root_size, "VolumeType": volume_type, "DeleteOnVmDeletion": delete}
    if snapshot_id:
        bsu["SnapshotId"] = snapshot_id
    mappings = [{"DeviceName": root, "Bsu": bsu}, *extra]
    image = client.call("CreateImage", ImageName=name, RootDeviceName=root,
                        BlockDeviceMappings=mappings, **params)["Image"]
    time.sleep(0.01)  # distinct creation dates, to the millisecond
    return image


def _tag(client: OscClient, image: dict, **tags: str) -> None:
    client.call("CreateTags", ResourceIds=[image["ImageId"]],
                Tags=[{"Key": k, "Value": v} for k, v in tags.items()])


def _state(client: OscClient, image_id: str) -> str:
    return client.call("ReadImages", Filters={"ImageIds": [image_id]})["Images"][0]["State"]


@pytest.fixture(scope="session")
def catalogue(tmp_path_factory) -> Iterator[Catalogue]:
    with running_simulator(tmp_path_factory.mktemp("omi-sim"), config=CONFIG,
                           profile="instant") as sim:
        main = OscClient(resolve_credentials({}, env=sim.env()))
        partner = OscClient(resolve_credentials(
            {"access_key": PARTNER_KEYS[0], "secret_key": PARTNER_KEYS[1],
             "region": sim.region, "custom_endpoint_oapi": sim.endpoint}, env={}))
        cat = Catalogue(sim, main, partner)
        made = cat.images

        made["app-base-2026.01"] = _image(
            main, "app-base-2026.01", root_size=20, Description="App base",
            extra=({"DeviceName": "/dev/xvdb", "Bsu": {"VolumeSize": 5}},))
        _tag(main, made["app-base-2026.01"], Env="prod", Team="web")
        made["app-base-2026.02"] = _image(main, "app-base-2026.02", volume_type="gp2",
                                          delete=False, Description="App base v2",
                                          BootModes=["uefi"])
        _tag(main, made["app-base-2026.02"], Env="staging", Team="web")
        sim.set_faults([{"operation": "CreateImage", "kind": "hang"}])
        made["app-pending"] = _image(main, "app-pending", TpmMandatory=True)
        sim.set_faults([{"operation": "CreateImage", "kind": "fail"}])
        made["app-failed"] = _image(main, "app-failed", ProductCodes=["0002"])
        sim.set_faults([])
        _tag(main, made["app-pending"], Env="prod")

        volume = partner.call("CreateVolume", SubregionName=f"{sim.region}a", Size=10)["Volume"]
        wait_for(lambda: partner.call("ReadVolumes", Filters={"VolumeIds": [volume["VolumeId"]]}
                                      )["Volumes"][0]["State"], wanted={"available"},
                 timeout=30, describe="volume", schedule=itertools.repeat(0.05))
        cat.snapshot_id = partner.call("CreateSnapshot", VolumeId=volume["VolumeId"]
                                       )["Snapshot"]["SnapshotId"]
        made["partner-debian-12"] = _image(partner, "partner-debian-12",
                                           snapshot_id=cat.snapshot_id)
        _tag(partner, made["partner-debian-12"], Env="prod")
        made["partner-shared"] = _image(partner, "partner-shared", root="/dev/xvda",
                                        Architecture="arm64")
        made["partner-private"] = _image(partner, "partner-private")
        partner.call("UpdateImage", ImageId=made["partner-debian-12"]["ImageId"],
                     PermissionsToLaunch={"Additions": {"GlobalPermission": True}})
        partner.call("UpdateImage", ImageId=made["partner-shared"]["ImageId"],
                     PermissionsToLaunch={"Additions": {"AccountIds": [MAIN_ID]}})

        wanted = {"app-pending": "pending", "app-failed": "failed"}
        for name, image in made.items():
            owner = partner if name.startswith("partner") else main
            wait_for(lambda image=image, owner=owner: _state(owner, image["ImageId"]),
                     wanted={wanted.get(name, "available")}, timeout=30, describe=name,
                     schedule=itertools.repeat(0.05))
        yield cat
