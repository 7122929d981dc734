"""One Region's OOS: moto's S3 app behind key checks and the disk mirror (a process of its own).

``python -m osc_build_sim.oos.moto_app --fd N --keys FILE --store DIR`` serves on the
listening socket N (handed over by ``servers``) until SIGTERM. ``FILE`` maps each access
key accepted in this Region to its account id (JSON, re-read when it changes): a request
signed with another key gets 403 InvalidAccessKeyId, and each account gets its own
buckets (moto's ``x-moto-account-id``). moto does not check the signatures themselves.
"""

from __future__ import annotations

import argparse
import ctypes
import json
import logging
import os
import re
import signal
import socket
import sys
import threading
from pathlib import Path
from urllib.parse import parse_qs, unquote

from .mirror import Mirror

log = logging.getLogger(__name__)
_CREDENTIAL = re.compile(r"Credential=([^/,\s]+)/")
_V2 = re.compile(r"^AWS ([^:\s]+):")
_DENIED = (b"<?xml version='1.0' encoding='UTF-8'?><Error><Code>InvalidAccessKeyId</Code>"
           b"<Message>The access key Id you provided does not exist in our records.</Message>"
           b"</Error>")


def access_key_of(environ: dict) -> str | None:
    """The access key a request is signed with: header (SigV4 or V2) or pre-signed query."""
    auth = environ.get("HTTP_AUTHORIZATION", "")
    if match := _CREDENTIAL.search(auth) or _V2.match(auth):
        return match.group(1)
    query = parse_qs(environ.get("QUERY_STRING", ""))
    if credential := query.get("X-Amz-Credential"):
        return credential[0].split("/", 1)[0]
    if key := query.get("AWSAccessKeyId"):
        return key[0]
    return None


class KeyFile:
    """Access key -> account id, re-read when the file changes (keys can be added live)."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._stamp = None
        self._keys: dict[str, str] = {}
        self._lock = threading.Lock()

    def account(self, access_key: str | None) -> str | None:
        with self._lock:
            stamp = self.path.stat().st_mtime_ns
            if stamp != self._stamp:
                self._keys, self._stamp = json.loads(self.path.read_text()), stamp
            return self._keys.get(access_key or "")


class OosApp:
    """WSGI: check the key, pick the account, let moto answer, mirror what changed."""

    def __init__(self, s3_app, keys: KeyFile, mirror: Mirror) -> None:
        self.s3_app = s3_app
        self.keys = keys
        self.mirror = mirror

    def __call__(self, environ, start_response):
        account = self.keys.account(access_key_of(environ))
        if account is None:
            start_response("403 Forbidden", [("Content-Type", "application/xml"),
                                              ("Content-Length", str(len(_DENIED)))])
            return [_DENIED]
        environ["HTTP_X_MOTO_ACCOUNT_ID"] = account
        status: list[str] = []

        def capture(code, headers, exc_info=None):
            status.append(code)
            return start_response(code, headers, exc_info)
        body = self.s3_app(environ, capture)
        method = environ["REQUEST_METHOD"]
        if method in ("PUT", "POST", "DELETE") and status and status[0][:1] == "2":
            body = list(body)  # the change is done once the body is produced
            self._mirror(account, environ)
        return body

    def _mirror(self, account: str, environ) -> None:
        query = parse_qs(environ.get("QUERY_STRING", ""), keep_blank_values=True)
        if environ["REQUEST_METHOD"] == "PUT" and "uploadId" in query:
            return  # a part of a multipart upload: the object appears at completion
        bucket, _, key = unquote(environ.get("PATH_INFO", "")).lstrip("/").partition("/")
        try:
            if "delete" in query and not key:  # DeleteObjects: resync the whole bucket
                for name in list(self._stored_keys(account, bucket)):
                    self.mirror.sync(account, bucket, name)
            else:
                self.mirror.sync(account, bucket, key or None)
        except Exception:
            log.exception("mirroring %s/%s to disk failed", bucket, key)

    def _stored_keys(self, account: str, bucket: str):
        directory = self.mirror.root / account / bucket
        if directory.is_dir():
            for path in directory.iterdir():
                if not path.name.startswith(".") and not path.name.endswith(".meta.json"):
                    yield unquote(path.name)


def die_with_parent(parent: int) -> None:
    """SIGTERM when the simulator dies, even by SIGKILL: no orphan servers holding ports."""
    ctypes.CDLL(None, use_errno=True).prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG
    if os.getppid() != parent:  # it died before the line above
        sys.exit(0)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="osc_build_sim.oos.moto_app")
    parser.add_argument("--fd", type=int, required=True, help="a listening TCP socket")
    parser.add_argument("--parent", type=int, required=True, help="the simulator's pid")
    parser.add_argument("--keys", type=Path, required=True)
    parser.add_argument("--store", type=Path, required=True)
    args = parser.parse_args(argv)
    die_with_parent(args.parent)
    logging.basicConfig(level=logging.INFO,
                        format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    from moto.moto_server.werkzeug_app import create_backend_app
    from werkzeug.serving import make_server

    mirror = Mirror(args.store)
    restored = mirror.restore()
    app = OosApp(create_backend_app("s3"), KeyFile(args.keys), mirror)
    sock = socket.socket(fileno=args.fd)
    host, port = sock.getsockname()[:2]
    server = make_server(host, port, app, threaded=True, fd=sock.detach())
    signal.signal(signal.SIGTERM, lambda *_: threading.Thread(target=server.shutdown).start())
    logging.getLogger("werkzeug").setLevel(logging.WARNING)  # no line per request
    log.info("OOS on %s:%s, %d objects restored", host, port, restored)
    server.serve_forever()
    return 0


if __name__ == "__main__":
    sys.exit(main())
