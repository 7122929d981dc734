source "outscale-bsu" "web" {
  region       = "eu-west-2"
  vm_type      = "tinav7.c1r1p1"
  source_omi   = "ami-12345678"
  omi_name     = "web-image"
  ssh_username = "outscale"
  ssh_bastion_host = "127.0.0.1"
  ssh_bastion_password = "p"
  ssh_bastion_interactive = true
  ssh_bastion_private_key_file = "{here}/id_test"
  ssh_bastion_certificate_file = "{here}/id_test"
}

build {
  sources = ["source.outscale-bsu.web"]
}
