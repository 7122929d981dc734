"""The templates the end-to-end tests build: Windows images, as Go plugin users write them."""

from __future__ import annotations

WINDOWS = "Windows-Server-2022-*"
MINIMAL = "Minimal-Host-Userland-*"  # a Linux image: no Windows password ever

# What Packer users put in the user data of a Windows build: WinRM with Basic over HTTP.
ENABLE_WINRM = """<powershell>
winrm quickconfig -q
winrm set winrm/config/service '@{AllowUnencrypted="true"}'
winrm set winrm/config/service/auth '@{Basic="true"}'
netsh advfirewall firewall add rule name="WinRM" protocol=TCP dir=in localport=5985 action=allow
</powershell>
"""


def windows_build(omi_name: str, blocks: str, *, image: str = WINDOWS, source_omi: str = "",
                  extra: str = "", winrm_timeout: str = "3m") -> str:
    """An outscale-bsu source over WinRM whose build runs ``blocks``."""
    source = (f'  source_omi = "{source_omi}"' if source_omi else f"""  source_omi_filter {{
    filters     = {{ image-name = "{image}" }}
    owners      = ["Outscale"]
    most_recent = true
  }}""")
    return f"""
source "outscale-bsu" "win" {{
  vm_type = "tinav7.c1r1p1"
{source}
  communicator   = "winrm"
  winrm_username = "Administrator"
  winrm_timeout  = "{winrm_timeout}"
  user_data      = <<-EOT
{ENABLE_WINRM}
  EOT
  omi_name = "{omi_name}"
{extra}
}}
build {{
  sources = ["source.outscale-bsu.win"]
{blocks}
}}
"""
