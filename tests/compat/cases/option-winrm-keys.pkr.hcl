source "outscale-bsu" "web" {
  region       = "eu-west-2"
  vm_type      = "tinav7.c1r1p1"
  source_omi   = "ami-12345678"
  omi_name     = "web-image"
  ssh_username = "outscale"
  winrm_username = "Administrator"
  winrm_password = "x"
  winrm_port = 5986
  winrm_use_ssl = true
  winrm_insecure = true
  winrm_use_ntlm = false
  winrm_timeout = "30m"
  winrm_host = "h"
  winrm_no_proxy = true
}

build {
  sources = ["source.outscale-bsu.web"]
}
