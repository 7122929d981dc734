"""Options, declared once: marshmallow schemas, loading, and errors that name the option.

Every component declares its options as a marshmallow schema deriving from
:class:`OptionsSchema`; each field carries ``metadata={"description": ...}``.
Loading a template's block goes through :func:`load_options`, whose errors
name the option path and suggest the closest valid name for unknown keys. The
reference pages in ``docs/`` are generated from the same schemas, and each
schema yields one frozen options class (:func:`options_class`): steps read
``ctx.config.vm_type``, never ``ctx.config["vm_type"]``.
"""

from __future__ import annotations

import dataclasses
import difflib
import logging
import threading
from collections.abc import Mapping
from typing import Any, ClassVar

from marshmallow import RAISE, Schema, ValidationError, fields, pre_load

from osc_build.errors import ConfigError
from osc_build.log import REDACTED
from osc_build.problems import locate

log = logging.getLogger(__name__)

UNKNOWN_FIELD = "Unknown field."
REQUIRED = "Missing data for required field."


class Options:
    """Base of every loaded options class: one read-only attribute per option.

    The classes are generated from their schema by :func:`options_class`; a
    schema names a subclass of this one as ``options_base`` to add derived
    properties. The repr shows ``<redacted>`` for options marked secret.
    """

    def __repr__(self) -> str:
        shown = ", ".join(f"{f.name}={_shown(f, getattr(self, f.name))}"
                          for f in dataclasses.fields(self))  # type: ignore[arg-type]
        return f"{type(self).__name__}({shown})"


def _shown(field: dataclasses.Field[Any], value: Any) -> str:
    return REDACTED if value and field.metadata.get("secret") else repr(value)


class OptionsSchema(Schema):
    """Base of every component's options: unknown keys are errors."""

    options_base: ClassVar[type[Options]] = Options

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


def option(field: fields.Field, description: str, *, secret: bool = False) -> fields.Field:
    """Attach the one-line description that the reference docs show; secrets hide in reprs."""
    field.metadata["description"] = description
    if secret:
        field.metadata["secret"] = True
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
    """Load ``data`` with ``schema`` into its frozen options class.

    Raise one :class:`ConfigError` listing every problem; with ``positions`` (option ->
    ``file:line:col``, ``""`` for the block), each is reported where its option is
    written, in source order.
    """
    instance = schema() if isinstance(schema, type) else schema
    try:
        loaded = instance.load(dict(data))
    except ValidationError as err:
        problems = flatten_errors(err.messages, instance)
        raise ConfigError("\n".join(locate(problems, where, positions or {}))) from None
    return typed_options(instance, loaded)


_classes: dict[type[Schema], type[Options]] = {}
_classes_lock = threading.RLock()  # parallel builds load at once; nested classes recurse


def options_class(schema: type[Schema] | Schema) -> type[Options]:
    """The frozen class of ``schema``'s options, made once per schema class."""
    schema_cls = schema if isinstance(schema, type) else type(schema)
    with _classes_lock:
        if schema_cls not in _classes:
            _classes[schema_cls] = _make_class(schema_cls)
        return _classes[schema_cls]


def typed_options(schema: Schema, data: Mapping[str, Any]) -> Options:
    """Options that ``schema`` loaded as a dict, as an instance of its class."""
    cls = options_class(schema)
    values = {name: _typed_value(field, data[name])
              for name, field in schema.fields.items() if name in data}
    return cls(**values)


def options_dict(options: Options) -> dict[str, Any]:
    """The options as a plain dict, for APIs that take a mapping (e.g. the credential chain)."""
    return dataclasses.asdict(options)  # type: ignore[call-overload]


def _make_class(schema_cls: type[Schema]) -> type[Options]:
    base = getattr(schema_cls, "options_base", Options)
    name = schema_cls.__name__.removesuffix("Schema")
    name = name if name.endswith("Options") else f"{name}Options"
    declared = [(attr, _annotation(field),
                 dataclasses.field(default=None, metadata=dict(field.metadata)))
                for attr, field in schema_cls().fields.items() if not field.dump_only]
    cls = dataclasses.make_dataclass(name, declared, bases=(base,), frozen=True, repr=False,
                                     kw_only=True)
    cls.__module__ = schema_cls.__module__
    cls.__doc__ = f"The loaded options of :class:`{schema_cls.__qualname__}`."
    return cls


_ANNOTATIONS: dict[type[fields.Field], Any] = {
    fields.String: str, fields.Integer: int, fields.Float: float, fields.Boolean: bool,
}


def _annotation(field: fields.Field, *, optional: bool = True) -> Any:
    if isinstance(field, fields.Nested):
        inner: Any = options_class(field.schema) if isinstance(field.schema, Schema) else Any
        hint: Any = list[inner] if field.many else inner
    elif isinstance(field, fields.List):
        hint = list[_annotation(field.inner, optional=False)]
    elif isinstance(field, fields.Dict):
        hint = dict[str, Any]
    else:
        hint = next((t for cls, t in _ANNOTATIONS.items() if isinstance(field, cls)), Any)
    return hint | None if optional and not field.required and hint is not Any else hint


def _typed_value(field: fields.Field, value: Any) -> Any:
    if value is None:
        return None
    if isinstance(field, fields.Nested) and isinstance(field.schema, Schema):
        if field.many:
            return [typed_options(field.schema, item) for item in value]
        return typed_options(field.schema, value)
    if isinstance(field, fields.List):
        return [_typed_value(field.inner, item) for item in value]
    if isinstance(field, fields.Dict) and field.value_field is not None:
        return {key: _typed_value(field.value_field, item) for key, item in value.items()}
    return value


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
