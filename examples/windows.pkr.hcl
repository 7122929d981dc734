# A Windows Server OMI with outscale-bsu, as Go plugin users write it: WinRM enabled by the
# user data, the administrator password read from OUTSCALE (ReadAdminPassword, decrypted
# with the temporary keypair), PowerShell inline and from a file, a restart, a file upload.
#
#   pip install osc-build-windows                          (the WinRM communicator)
#   osc-build build --local examples/windows.pkr.hcl       (on the local simulator)
#   osc-build build examples/windows.pkr.hcl               (on OUTSCALE, with your credentials)

packer {
  required_plugins {
    outscale = {
      source  = "github.com/outscale/outscale"
      version = ">= 1.0.0"
    }
  }
}

variable "region" {
  type    = string
  default = "eu-west-2"
}

source "outscale-bsu" "windows" {
  region  = var.region
  vm_type = "tinav7.c2r4p1"

  source_omi_filter {
    filters = {
      image-name = "Windows-Server-2022-*"
    }
    owners      = ["Outscale"]
    most_recent = true
  }

  communicator   = "winrm"
  winrm_username = "Administrator"
  winrm_timeout  = "15m"
  # Basic authentication over HTTP, for the build only; prefer winrm_use_ssl = true
  # (port 5986) when the image has an HTTPS listener.
  user_data                = <<-EOT
    <powershell>
    winrm quickconfig -q
    winrm set winrm/config/service '@{AllowUnencrypted="true"}'
    winrm set winrm/config/service/auth '@{Basic="true"}'
    netsh advfirewall firewall add rule name="WinRM 5985" protocol=TCP dir=in localport=5985 action=allow
    </powershell>
  EOT
  windows_password_timeout = "20m"

  omi_name = "windows-{{timestamp}}"
}

build {
  sources = ["source.outscale-bsu.windows"]

  provisioner "powershell" {
    inline = [
      "Write-Output \"building on $env:PACKER_BUILD_NAME\"",
      "New-Item -ItemType Directory -Path 'C:\\ProgramData\\osc-build' -Force",
    ]
  }

  provisioner "powershell" {
    script           = "${path.root}/windows/setup.ps1"
    environment_vars = ["APP_NAME=example"]
  }

  provisioner "windows-restart" {
    restart_timeout = "10m"
  }

  provisioner "file" {
    source      = "${path.root}/windows/motd.txt"
    destination = "C:/ProgramData/osc-build/motd.txt"
  }
}
