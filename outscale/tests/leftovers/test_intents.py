"""Journal intents: what a create call on the wire made, found without a guess."""

from __future__ import annotations

from pathlib import Path

from osc_build.journal import JournalEntry
from osc_build_outscale.leftovers.journals import intended

RUN = "0123456789ab"


class FakeClient:
    region = "eu-west-2"

    def __init__(self, **answers: list[dict]) -> None:
        self.answers = answers

    def paginate(self, operation: str, key: str, **params):
        return self.answers.get(key, [])

    def call(self, operation: str, Filters=None, **params):
        key = {"ReadKeypairs": "Keypairs", "ReadSecurityGroups": "SecurityGroups"}[operation]
        names = (Filters or {}).get("KeypairNames") or (Filters or {}).get("SecurityGroupNames")
        return {key: [i for i in self.answers.get(key, [])
                      if i.get("KeypairName", i.get("SecurityGroupName")) in names]}


def entry(*lines: dict) -> JournalEntry:
    return JournalEntry(RUN, "outscale-bsu", "outscale-bsu.main", "here", 1,
                        [x for x in lines if "intent" not in x], Path("/dev/null"),
                        [x for x in lines if "intent" in x], lines[-1])


def ip(ident: str, **extra) -> dict:
    return {"PublicIpId": ident, "PublicIp": "127.0.0.9", **extra}


def test_a_public_ip_is_the_runs_only_if_it_died_on_that_call_and_it_is_the_only_new_one():
    intent = {"intent": "public IP", "region": "eu-west-2", "before": ["eipalloc-old"]}
    one = FakeClient(PublicIps=[ip("eipalloc-old"), ip("eipalloc-new")])
    assert [i["PublicIpId"] for i in intended(one, intent, entry(intent))] == ["eipalloc-new"]
    two = FakeClient(PublicIps=[ip("eipalloc-old"), ip("eipalloc-new"), ip("eipalloc-new2")])
    assert intended(two, intent, entry(intent)) == []  # whose is which? neither
    tagged = FakeClient(PublicIps=[ip("eipalloc-new", Tags=[{"Key": "k", "Value": "v"}])])
    assert intended(tagged, intent, entry(intent)) == []
    linked = FakeClient(PublicIps=[ip("eipalloc-new", VmId="i-1")])
    assert intended(linked, intent, entry(intent)) == []
    # The call answered (its IP tracked after): a later IP of someone else is not the run's.
    later = entry(intent, {"kind": "public IP", "id": "eipalloc-mine", "region": "eu-west-2"})
    assert intended(one, intent, later) == []


def test_names_count_only_with_the_run_id_in_them():
    client = FakeClient(Keypairs=[{"KeypairName": f"osc-build-{RUN}"}, {"KeypairName": "mine"}],
                        SecurityGroups=[{"SecurityGroupName": f"osc-build-{RUN}",
                                         "SecurityGroupId": "sg-1"}])
    ours = {"intent": "keypair", "region": "eu-west-2", "name": f"osc-build-{RUN}"}
    assert [k["KeypairName"] for k in intended(client, ours, entry(ours))] == [ours["name"]]
    chosen = {"intent": "keypair", "region": "eu-west-2", "name": "mine"}
    assert intended(client, chosen, entry(chosen)) == []
    group = {"intent": "security group", "region": "eu-west-2", "name": f"osc-build-{RUN}"}
    assert [g["SecurityGroupId"] for g in intended(client, group, entry(group))] == ["sg-1"]


class ReadClient:
    """ReadImages/ReadSnapshots/ReadVolumes by id over a fixed set of documents."""

    region = "eu-west-2"

    def __init__(self, **docs: list[dict]) -> None:
        self.docs = docs

    def call(self, operation: str, Filters=None, **params):
        key = operation.removeprefix("Read")
        field = {"Images": "ImageId", "Snapshots": "SnapshotId", "Volumes": "VolumeId"}.get(key)
        [ids] = (Filters or {}).values()
        return {key: [d for d in self.docs.get(key, []) if field and d[field] in ids]}


def test_a_kept_omi_of_a_run_killed_in_its_cleanup_goes_with_its_snapshots():
    """Killed after the VM (and its volume) was deleted and the OMI's marks dropped, before
    the journal was removed: the OMI is found by the journal, and so is the snapshot the
    cloud took of the run's volume (the intent names it; the volume itself is gone)."""
    from osc_build_outscale.leftovers.journals import untagged

    image = {"ImageId": "ami-1", "State": "available", "Tags": [], "BlockDeviceMappings": [
        {"DeviceName": "/dev/sda1", "Bsu": {"SnapshotId": "snap-vm"}},
        {"DeviceName": "/dev/sdb", "Bsu": {"SnapshotId": "snap-user"}}]}
    client = ReadClient(Images=[image], Volumes=[], Snapshots=[
        {"SnapshotId": "snap-vm", "VolumeId": "vol-root", "State": "completed", "Tags": []},
        {"SnapshotId": "snap-user", "VolumeId": "vol-user", "State": "completed", "Tags": []}])
    intent = {"intent": "OMI", "region": "eu-west-2", "name": "web", "volumes": ["vol-root"]}
    tracked = {"kind": "OMI", "id": "ami-1", "region": "eu-west-2"}
    found = untagged(client, [entry(intent, tracked)])
    assert sorted((f.kind, f.id) for f in found) == [("OMI", "ami-1"), ("snapshot", "snap-vm")]
