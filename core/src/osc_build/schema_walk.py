"""What the docs and the Go option table both read from a component: its schema, and the
schema of a nested option."""

from __future__ import annotations

from marshmallow import Schema, fields

from osc_build import registry


def component_schema(kind: registry.Kind, cls: type) -> type[Schema] | Schema | None:
    """The options schema of a loaded component class."""
    if kind is registry.BUILDER:
        from osc_build.plugins import make_manager

        return make_manager(cls()).hook.osc_build_config_schema()
    return getattr(cls, "schema", None)


def nested_schema(field: fields.Field) -> tuple[Schema | None, str]:
    if isinstance(field, fields.Nested):
        return (field.schema if isinstance(field.schema, Schema) else None,
                "[]" if field.many else "")
    if isinstance(field, fields.List) and isinstance(field.inner, fields.Nested):
        return nested_schema(field.inner)[0], "[]"
    return None, ""
