"""The generated inventory: the VM under its alias, in its groups (Packer's format)."""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence

DEFAULT_TEMPLATE = ("{{ .HostAlias }} ansible_host={{ .Host }} ansible_user={{ .User }} "
                    "ansible_port={{ .Port }}\n")
_FIELD = re.compile(r"\{\{\s*\.(\w+)\s*\}\}")


def host_line(template: str | None, values: Mapping[str, str]) -> str:
    """The host part: ``inventory_file_template`` with its ``{{ .Field }}`` filled in.

    An unknown field stays as written, so a typo shows in the inventory Ansible reports on.
    """
    text = _FIELD.sub(lambda m: str(values.get(m.group(1), m.group(0))),
                      template or DEFAULT_TEMPLATE)
    return text if text.endswith("\n") else text + "\n"


def inventory_text(*, host_alias: str, host: str, user: str, port: int,
                   groups: Sequence[str] = (), empty_groups: Sequence[str] = (),
                   template: str | None = None) -> str:
    """An INI inventory: the host line, then ``[group]`` sections holding the alias,
    then the empty groups (so plays that name them find them)."""
    values = {"HostAlias": host_alias, "Host": host, "User": user, "Port": str(port),
              "ID": host_alias}
    parts = [host_line(template, values)]
    parts += [f"[{group}]\n{host_alias}\n" for group in groups]
    parts += [f"[{group}]\n" for group in empty_groups if group not in groups]
    return "\n".join(parts)
