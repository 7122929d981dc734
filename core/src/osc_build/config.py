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
import functools
import logging
import threading
from collections.abc import Callable, Iterator, Mapping
from typing import Any, ClassVar

from marshmallow import RAISE, Schema, ValidationError, fields, pre_load, validates_schema

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


class _OptionHasError(Exception):
    """A check read an option that has an error of its own: that error already says it."""


class _CheckedOptions(Mapping[str, Any]):
    """The options a check sees: those that loaded; reading one that failed skips the check."""

    def __init__(self, loaded: Mapping[str, Any], failed: frozenset[str]) -> None:
        self._loaded, self._failed = loaded, failed

    def __getitem__(self, name: str) -> Any:
        if name in self._failed:
            raise _OptionHasError(name)
        return self._loaded[name]

    def __iter__(self) -> Iterator[str]:
        return iter(self._loaded)

    def __len__(self) -> int:
        return len(self._loaded)


def _failed_options(schema: Schema, loaded: Mapping[str, Any], given: Mapping[str, Any]
                    ) -> frozenset[str]:
    """Options with an error of their own: required and missing, given but not loaded,
    loaded in part (marshmallow keeps the parts of a nested value that did load), or
    misspelled (the unknown option's error names them)."""
    known = {field.data_key or name for name, field in schema.fields.items()}
    failed = {_attribute(schema, meant) for key in given if key not in known
              for meant in [_closest_option(str(key), schema)] if meant}
    for name, field in schema.fields.items():
        attr, key = field.attribute or name, field.data_key or name
        if field.dump_only:
            continue
        if attr not in loaded:
            if field.required or key in given:
                failed.add(attr)
        elif key in given and not _loaded_whole(field, loaded[attr], given[key]):
            failed.add(attr)
    return frozenset(failed)


def _loaded_whole(field: fields.Field, loaded: Any, given: Any) -> bool:
    """Whether every part of a nested value loaded (a flat value loads whole or not at all)."""
    if isinstance(field, Block) and isinstance(given, list) and len(given) == 1:
        given = given[0]  # an HCL block: the field unwraps it
    if isinstance(field, fields.Nested) and isinstance(field.schema, Schema):
        if field.many:
            return _same_length(loaded, given) and all(
                _block_whole(field.schema, one, raw)
                for one, raw in zip(loaded, given, strict=True))
        return _block_whole(field.schema, loaded, given)
    if isinstance(field, fields.List):
        return _same_length(loaded, given) and all(
            _loaded_whole(field.inner, one, raw) for one, raw in zip(loaded, given, strict=True))
    if isinstance(field, fields.Dict) and field.value_field is not None:
        return (isinstance(loaded, Mapping) and isinstance(given, Mapping)
                and loaded.keys() == given.keys()
                and all(_loaded_whole(field.value_field, loaded[k], given[k]) for k in given))
    return True


def _same_length(loaded: Any, given: Any) -> bool:
    """A list that lost an item that failed to load is shorter than the one given."""
    return isinstance(loaded, list) and isinstance(given, list) and len(loaded) == len(given)


def _block_whole(schema: Schema, loaded: Any, given: Any) -> bool:
    if not isinstance(loaded, Mapping):
        return True  # a post_load made it into something else: it only runs on success
    return isinstance(given, Mapping) and not _failed_options(schema, loaded, given)


CheckMethod = Callable[..., None]


def cross_check(check: CheckMethod) -> CheckMethod:
    """Declare a check across options; it runs even when other options have errors.

    Marshmallow skips its schema validators once any option has an error, so a template
    with a typo and a missing one-of choice would show its mistakes one round at a time.
    A cross check runs alongside the option errors, so every mistake shows in one run; it
    is skipped only when it reads an option that has an error of its own (that error says
    what is wrong, and the check would judge a value that did not load). Keep each check to
    one concern, so that a failed option silences no unrelated check.
    """

    @functools.wraps(check)
    def run(self: Schema, loaded: Mapping[str, Any], given: Any, **kwargs: Any) -> None:
        if not isinstance(given, Mapping):
            return  # not a block at all: its type error says so
        try:
            check(self, _CheckedOptions(loaded, _failed_options(self, loaded, given)), **kwargs)
        except _OptionHasError as failed:
            log.debug("check %s skipped: option %s has an error", check.__name__, failed)

    return validates_schema(skip_on_field_errors=False, pass_original=True)(run)


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
    hint = _closest_option(key, schema) if schema is not None else None
    message = "unknown option"
    if hint:
        message += f" (did you mean {hint!r}?)"
    elif schema is not None and option_names(schema):
        message += "; see the reference docs for the valid options"
    return message


def _closest_option(key: str, schema: Schema) -> str | None:
    """The option an unknown ``key`` most likely misspells, if any is close."""
    hint = difflib.get_close_matches(key, option_names(schema), n=1, cutoff=0.6)
    return hint[0] if hint else None


def _attribute(schema: Schema, key: str) -> str:
    """The name a check reads for the option written ``key``."""
    name, field = next((n, f) for n, f in schema.fields.items() if (f.data_key or n) == key)
    return field.attribute or name


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
