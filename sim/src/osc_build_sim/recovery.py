"""After a restart (or a crash), finish or fail the transitions that were in flight.

VMs and volumes resume (the backend is asked again); snapshot copies and OMIs
that were being made cannot be trusted and end in their error state.
"""

from __future__ import annotations

import logging

from .backend import BackendError
from .engine import Simulator
from .ops.export_tasks import fail_interrupted
from .ops.vm_spec import vm_spec
from .ops.vm_state import release_vm

log = logging.getLogger(__name__)
INTERRUPTED = "interrupted by a simulator restart"


def recover(sim: Simulator) -> None:
    resumed: list = []
    with sim.store.write() as tx:
        for snap in tx.list("snapshot"):
            if snap["State"] in ("in-queue", "pending"):
                snap["State"] = "error"
                tx.put(snap)
            elif snap["State"] == "deleting":
                tx.delete(snap["_id"])
                resumed.append(lambda s=snap: sim.backend.delete_snapshot(s["_id"]))
        for image in tx.list("image"):
            if image["State"] == "pending":
                image.update(State="failed", StateComment={
                    "StateCode": "Server.InternalError", "StateMessage": INTERRUPTED})
                tx.put(image)
        fail_interrupted(tx, INTERRUPTED)
        for volume in tx.list("volume"):
            if volume["State"] == "creating":
                volume["State"] = "available"
                resumed.append(lambda v=volume: sim.backend.create_volume(
                    v["_id"], v["Size"], v.get("SnapshotId")))
            elif volume["State"] == "deleting":
                tx.delete(volume["_id"])
                resumed.append(lambda v=volume: sim.backend.delete_volume(v["_id"]))
                continue
            for link in volume["LinkedVolumes"]:
                if link["State"] in ("attaching", "detaching"):
                    link["State"] = "attached"
            tx.put(volume)
        for vm in tx.list("vm"):
            state = vm["State"]
            if state in ("pending", "running"):
                vm["State"] = "running"
                for mapping in vm["BlockDeviceMappings"]:
                    mapping["Bsu"]["State"] = "attached"
                spec = vm_spec(sim, tx, vm)
                resumed.append(lambda spec=spec: sim.backend.start_vm(spec))
            elif state == "stopping":
                vm["State"] = "stopped"
            elif state == "shutting-down":
                for volume_id in release_vm(tx, vm):
                    tx.delete(volume_id)  # release_vm left it deleting; end that here
                    resumed.append(lambda v=volume_id: sim.backend.delete_volume(v))
                resumed.append(lambda vm_id=vm["VmId"]: sim.backend.delete_vm(vm_id))
                continue
            tx.put(vm)
    for job in resumed:
        def run(job=job) -> None:
            try:
                job()
            except BackendError as exc:
                log.warning("resuming after restart: %s", exc)
        sim.submit(run)
