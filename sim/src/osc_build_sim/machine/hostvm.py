"""The "host VM": this machine seen as a VM, for the chroot builder.

It answers the metadata paths OUTSCALE documents (see ``metadata``) over HTTP on
loopback, and volumes linked to it appear on this machine as loop devices with a
``/dev/xvdX``-style link (and one link per partition), as a volume linked to a real VM
appears as a block device there.
"""

from __future__ import annotations

import contextlib
import logging
import os
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

from osc_build_sim.backend import BackendError, DiskAttachment
from osc_build_sim.machine import loopdev
from osc_build_sim.machine.cleanup import HostLinks
from osc_build_sim.machine.metadata import PRIVATE_IP, VmFacts, private_dns_name, tree

log = logging.getLogger(__name__)


class HostVm:
    def __init__(self, vm_id: str, region: str, subregion: str, links: HostLinks,
                 metadata_address: tuple[str, int] | None,
                 credentials: dict[str, dict[str, str]] | None = None):
        self.vm_id = vm_id
        self.region = region
        self.subregion = subregion
        self.credentials = credentials or {}  # role name -> EC2-style credential document
        self._links = links
        self._volumes: dict[str, tuple[str, str, Path]] = {}  # id -> (link, loop, file)
        self._trackers: dict[str, loopdev.PartitionTracker] = {}  # link -> its partitions
        self._lock = threading.Lock()
        self._server: ThreadingHTTPServer | None = None
        if metadata_address is not None:
            if not metadata_address[0].startswith("127."):
                raise BackendError(f"metadata address {metadata_address[0]} is not on "
                                   "loopback: use an address in 127.0.0.0/8")
            self._server = ThreadingHTTPServer(metadata_address, self._handler())
            self._server.daemon_threads = True
            threading.Thread(target=self._server.serve_forever, name="machine-metadata",
                             daemon=True).start()

    @property
    def metadata_url(self) -> str | None:
        if self._server is None:
            return None
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}/latest/meta-data/"

    def metadata(self, path: str) -> str | None:
        """The document at ``path`` under /latest/meta-data/, or None when there is none."""
        facts = VmFacts(vm_id=self.vm_id, subregion=self.subregion, private_ip=PRIVATE_IP,
                        private_dns_name=private_dns_name(self.region),
                        credentials=self.credentials)
        return tree(facts).get(path.strip("/"))

    def _handler(self):
        host_vm = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                prefix = "/latest/meta-data"
                body = None
                if self.path == prefix or self.path.startswith(prefix + "/"):
                    body = host_vm.metadata(self.path[len(prefix):])
                status = 200 if body is not None else 404
                data = (body if body is not None else "Not Found").encode()
                self.send_response(status)
                self.send_header("Content-Type", "text/plain")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, format, *args) -> None:
                log.debug("metadata: " + format, *args)

        return Handler

    # -- volumes ------------------------------------------------------------------

    def link(self, attachment: DiskAttachment, path: Path) -> str:
        name = os.path.basename(attachment.device_name)
        link = f"/dev/{name}"
        with self._lock:
            if attachment.volume_id in self._volumes:
                return self._volumes[attachment.volume_id][0]
            if os.path.lexists(link):
                raise BackendError(f"cannot link {attachment.volume_id} at {link} on this "
                                   "machine: that path exists; choose another device name")
            loop = loopdev.attach(path)
            os.symlink(loop, link)
            self._volumes[attachment.volume_id] = (link, loop, path)
            self._record()
            self._refresh_partitions(link, loop, path)
        log.info("volume %s linked to this machine at %s (%s)", attachment.volume_id, link, loop)
        return link

    def unlink(self, volume_id: str) -> None:
        with self._lock:
            entry = self._volumes.pop(volume_id, None)
            if entry is None:
                return
            link, loop, _ = entry
            self._trackers.pop(link, None)
            for name in self._partition_links(link):
                with contextlib.suppress(FileNotFoundError):
                    os.unlink(name)
            with contextlib.suppress(FileNotFoundError):
                os.unlink(link)
            self._record()
        loopdev.detach(loop)

    def device_path(self, volume_id: str) -> str | None:
        entry = self._volumes.get(volume_id)
        return entry[0] if entry else None

    def refresh(self) -> None:
        """Follow partition table changes, as udev would."""
        with self._lock:
            for link, loop, path in self._volumes.values():
                self._refresh_partitions(link, loop, path)

    def _partition_links(self, link: str) -> list[str]:
        directory, base = os.path.split(link)
        return [os.path.join(directory, entry) for entry in os.listdir(directory)
                if entry.startswith(base) and entry[len(base):].isdigit()
                and os.path.islink(os.path.join(directory, entry))]

    def _refresh_partitions(self, link: str, loop: str, path: Path) -> None:
        tracker = self._trackers.setdefault(link, loopdev.PartitionTracker(loop, path))
        wanted = {f"{link}{number}": f"{loop}p{number}" for number in tracker.sync()}
        changed = False
        for name in self._partition_links(link):
            if name not in wanted:
                os.unlink(name)
                changed = True
        for name, target in wanted.items():
            if not os.path.lexists(name):
                os.symlink(target, name)
                changed = True
        if changed:
            self._record()

    def _record(self) -> None:
        links = {}
        for link, _, _ in self._volumes.values():
            links[link] = ""
            for name in self._partition_links(link):
                links[name] = ""
        self._links.save(links)

    def close(self) -> None:
        for volume_id in list(self._volumes):
            self.unlink(volume_id)
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
