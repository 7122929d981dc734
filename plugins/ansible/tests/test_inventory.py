"""The generated inventory: Packer's host line, groups, empty groups, a template of one's own."""

from __future__ import annotations

from osc_build_ansible.inventory import inventory_text


def test_default_host_line_names_the_vm_under_its_alias():
    text = inventory_text(host_alias="default", host="127.1.2.3", user="outscale", port=22)
    assert text == "default ansible_host=127.1.2.3 ansible_user=outscale ansible_port=22\n"


def test_groups_hold_the_alias_and_empty_groups_hold_nothing():
    text = inventory_text(host_alias="web1", host="10.0.0.5", user="admin", port=2222,
                          groups=["web", "debian"], empty_groups=["db", "web"])
    assert text == ("web1 ansible_host=10.0.0.5 ansible_user=admin ansible_port=2222\n\n"
                    "[web]\nweb1\n\n[debian]\nweb1\n\n[db]\n")


def test_inventory_file_template_fields_are_filled_and_unknown_ones_kept():
    text = inventory_text(host_alias="vm", host="h", user="u", port=22,
                          template="{{.HostAlias}} ansible_host={{ .Host }} x={{ .Nope }}")
    assert text == "vm ansible_host=h x={{ .Nope }}\n"
