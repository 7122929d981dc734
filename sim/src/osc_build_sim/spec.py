"""The OAPI contract: the ``outscale.yaml`` bundled in osc-sdk-python.

Parsing that 1 MB YAML takes a fraction of a second with libyaml and seconds
without; the parsed spec is cached as JSON in the data directory, keyed by the
SDK version, so restarts are fast.
"""

from __future__ import annotations

import functools
import json
import logging
import os
import threading
from importlib import metadata, resources
from pathlib import Path

import jsonschema
import yaml

from .errors import INVALID_PARAMETER, INVALID_TYPE, INVALID_VALUE, VALIDATION_ERROR, ApiError

log = logging.getLogger(__name__)


def _translate_nullable(node):
    """OpenAPI 3.0 ``nullable: true`` becomes a JSON-schema type list."""
    if isinstance(node, dict):
        node = {key: _translate_nullable(value) for key, value in node.items()}
        if node.pop("nullable", False) and isinstance(node.get("type"), str):
            node["type"] = [node["type"], "null"]
        return node
    if isinstance(node, list):
        return [_translate_nullable(item) for item in node]
    return node


def spec_cache_name() -> str:
    """The name of the parsed spec's cache file, in a cache directory: one per SDK version."""
    return f"oapi-spec-{metadata.version('osc-sdk-python')}.json"


def load_spec(cache_dir: Path | None = None) -> dict:
    cache = cache_dir / spec_cache_name() if cache_dir else None
    if cache and cache.exists():
        try:
            return json.loads(cache.read_text())
        except ValueError:
            log.warning("ignoring corrupt spec cache %s", cache)
    text = resources.files("osc_sdk_python").joinpath("resources/outscale.yaml").read_text()
    spec = yaml.load(text, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))
    spec = {"info": spec["info"], "paths": spec["paths"],
            "components": {"schemas": _translate_nullable(spec["components"]["schemas"]),
                           "securitySchemes": spec["components"].get("securitySchemes", {})},
            "security": spec.get("security", [])}
    if cache:
        cache.parent.mkdir(parents=True, exist_ok=True)
        tmp = cache.with_suffix(f".{os.getpid()}.tmp")
        tmp.write_text(json.dumps(spec))
        tmp.replace(cache)
    return spec


def _error_code(error: jsonschema.ValidationError) -> tuple[int, str]:
    where = "/".join(str(p) for p in error.absolute_path) or "(body)"
    if error.validator == "additionalProperties":
        return INVALID_PARAMETER, f"{where}: {error.message}"
    if error.validator == "required":
        return VALIDATION_ERROR, f"{where}: {error.message}"
    if error.validator == "type":
        return INVALID_TYPE, f"{where}: {error.message}"
    return INVALID_VALUE, f"{where}: {error.message}"


class Spec:
    """Request and response validators for every operation of the spec."""

    def __init__(self, spec: dict) -> None:
        self.raw = spec
        self.version = spec["info"]["version"]
        self._validators: dict[str, jsonschema.Draft7Validator] = {}
        self._lock = threading.Lock()

    def operations(self) -> set[str]:
        return {path.strip("/") for path in self.raw["paths"]}

    def needs_auth(self, operation: str) -> bool:
        post = self.raw["paths"][f"/{operation}"]["post"]
        security = post.get("security", self.raw["security"])
        return bool(security)

    def _schema_name(self, operation: str, kind: str) -> str:
        post = self.raw["paths"][f"/{operation}"]["post"]
        if kind == "request":
            ref = post["requestBody"]["content"]["application/json"]["schema"]["$ref"]
        else:
            ref = post["responses"]["200"]["content"]["application/json"]["schema"]["$ref"]
        return ref.rsplit("/", 1)[1]

    def validator(self, operation: str, kind: str) -> jsonschema.Draft7Validator:
        key = f"{operation}:{kind}"
        with self._lock:
            if key not in self._validators:
                name = self._schema_name(operation, kind)
                schema = {"$ref": f"#/components/schemas/{name}",
                          "components": self.raw["components"]}
                self._validators[key] = jsonschema.Draft7Validator(schema)
            return self._validators[key]

    def check_request(self, operation: str, body: object) -> None:
        """Raise the real InvalidParameter-style :class:`ApiError` for a spec violation."""
        errors = sorted(self.validator(operation, "request").iter_errors(body),
                        key=lambda e: (len(list(e.absolute_path)), e.message))
        if errors:
            code, details = _error_code(errors[0])
            raise ApiError(400, code, details)

    def response_errors(self, operation: str, body: object) -> list[str]:
        return [f"{'/'.join(map(str, e.absolute_path))}: {e.message}"
                for e in self.validator(operation, "response").iter_errors(body)]


@functools.cache
def default_spec(cache_dir: str | None = None) -> Spec:
    return Spec(load_spec(Path(cache_dir) if cache_dir else None))
