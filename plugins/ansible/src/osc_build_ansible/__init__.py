"""osc-build's Ansible provisioners: ``ansible`` (from the build host, over SSH) and
``ansible-local`` (inside the machine being built)."""

PACKER_PLUGIN_VERSION = "1.1.4"  # the github.com/hashicorp/ansible release whose options we match
