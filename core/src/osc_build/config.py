"""Options, declared once: marshmallow schemas, loading, and errors that name the option.

Every component declares its options as a marshmallow schema deriving from
:class:`OptionsSchema`; each field carries ``metadata={"description": ...}``.
Loading a template's block goes through :func:`load_options`, whose errors
name the option path and suggest the closest valid name for unknown keys. The
reference pages in ``docs/`` are generated from the same schemas.
"""

from __future__ import annotations

import difflib
import logging
from collections.abc import Mapping
from typing import Any

from marshmallow import RAISE, Schema, ValidationError, fields, pre_load

from osc_build.errors import ConfigError
from osc_build.problems import locate

log = logging.getLogger(__name__)

UNKNOWN_FIELD = "Unknown field."
REQUIRED = "Missing data for required field."


class OptionsSchema(Schema):
    """Base of every component's options: unknown keys are errors."""

    class Meta:
        unknown = RAISE

    @pre_load
    def _compatibility_keys(self, data: Any, **_: Any) -> Any:
        """Packer templates carry keys that are aliases or mean nothing on OUTSCALE: say so."""
        if not isinstance(data, dict):
            return data
        for name, field in self.fields.items():
            key = field.data_key or name
            if key not in data:
                continue
            target = field.metadata.get("alias_of")
            if target:
                warn_once(f"option {key!r} is deprecated; use {target!r} instead")
                value = data.pop(key)
                data.setdefault(target, value)
            why = field.metadata.get("no_effect")
            if why:
                warn_once(f"option {key!r} has no effect on OUTSCALE: {why}")
            missing = field.metadata.get("not_yet")
            if missing and data[key] not in (None, "", [], False):
                warn_once(f"option {key!r} is accepted but not implemented yet: {missing}")
        return data


_warned: set[str] = set()


def warn_once(message: str) -> None:
    """A template is loaded more than once (validate, then build): say each thing once."""
    if message not in _warned:
        _warned.add(message)
        log.warning("%s", message)


def option(field: fields.Field, description: str) -> fields.Field:
    """Attach the one-line description that the reference docs show."""
    field.metadata["description"] = description
    return field


def alias(field: fields.Field, target: str) -> fields.Field:
    """A deprecated name of option ``target``: its value moves there, with a warning."""
    field.metadata["alias_of"] = target
    return option(field, f"Deprecated alias of `{target}`.")


def not_yet(field: fields.Field, description: str, why: str) -> fields.Field:
    """An option accepted ahead of its implementation: using it warns, saying what happens."""
    field.metadata["not_yet"] = why
    return option(field, f"{description} Not implemented yet: {why}.")


def no_effect(field: fields.Field, why: str) -> fields.Field:
    """An option of the Go plugin that means nothing here: accepted, with a warning saying why."""
    field.metadata["no_effect"] = why
    return option(field, f"Accepted for compatibility; no effect: {why}.")


def load_options(schema: type[Schema] | Schema, data: Mapping[str, Any], *, where: str,
                 positions: Mapping[str, str] | None = None) -> Any:
    """Load ``data`` with ``schema``; raise one :class:`ConfigError` listing every problem.

    With ``positions`` (option -> ``file:line:col``, ``""`` for the block), each problem
    is reported where its option is written, in source order.
    """
    instance = schema() if isinstance(schema, type) else schema
    try:
        return instance.load(dict(data))
    except ValidationError as err:
        problems = flatten_errors(err.messages, instance)
        raise ConfigError("\n".join(locate(problems, where, positions or {}))) from None


def flatten_errors(messages: Any, schema: Schema | None, path: str = "") -> list[str]:
    """Turn marshmallow's nested messages into ``option.path: message`` lines."""
    if isinstance(messages, str):
        return [f"{path}: {_sentence(messages)}" if path else _sentence(messages)]
    if isinstance(messages, list):
        out: list[str] = []
        for item in messages:
            out.extend(flatten_errors(item, schema, path))
        return out
    out = []
    for key, value in messages.items():
        if key == "_schema":
            out.extend(flatten_errors(value, schema, path))
            continue
        if isinstance(key, int):
            child_path = f"{path}[{key}]"
            child_schema = schema
        else:
            child_path = f"{path}.{key}" if path else str(key)
            child_schema = _nested_schema(schema, str(key))
        if isinstance(value, list) and all(isinstance(v, str) for v in value):
            for text in value:
                if text == UNKNOWN_FIELD:
                    out.append(f"{child_path}: {_unknown(str(key), schema)}")
                else:
                    out.append(f"{child_path}: {_sentence(text)}")
        else:
            out.extend(flatten_errors(value, child_schema if not isinstance(key, int) else schema,
                                      child_path))
    return out


def _sentence(text: str) -> str:
    if text == REQUIRED:
        return "must be specified"
    text = text.strip().rstrip(".")
    return text[:1].lower() + text[1:] if text[:2] != text[:2].upper() else text


def _unknown(key: str, schema: Schema | None) -> str:
    valid = option_names(schema) if schema is not None else []
    hint = difflib.get_close_matches(key, valid, n=1, cutoff=0.6)
    message = "unknown option"
    if hint:
        message += f" (did you mean {hint[0]!r}?)"
    elif valid:
        message += "; see the reference docs for the valid options"
    return message


def option_names(schema: Schema) -> list[str]:
    """The keys a user may write for ``schema``."""
    return sorted((f.data_key or name) for name, f in schema.fields.items() if not f.dump_only)


def _nested_schema(schema: Schema | None, key: str) -> Schema | None:
    if schema is None:
        return None
    for name, field in schema.fields.items():
        if (field.data_key or name) == key:
            return _schema_of(field)
    return None


def _schema_of(field: fields.Field) -> Schema | None:
    if isinstance(field, fields.Nested):
        nested = field.schema
        return nested if isinstance(nested, Schema) else None
    if isinstance(field, fields.List):
        return _schema_of(field.inner)
    if isinstance(field, fields.Dict) and field.value_field is not None:
        return _schema_of(field.value_field)
    return None


class Block(fields.Nested):
    """One nested block: HCL gives ``name { ... }`` as a one-item list, JSON as an object."""

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> Any:
        if isinstance(value, list):
            if len(value) != 1:
                raise ValidationError(f"expected one block, got {len(value)}; "
                                      "merge them into one")
            value = value[0]
        return super()._deserialize(value, attr, data, **kwargs)
