source "outscale-bsu" "web" {
  region       = "eu-west-2"
  vm_type      = "tinav7.c1r1p1"
  source_omi   = "ami-12345678"
  omi_name     = "web-image"
  ssh_username = "outscale"
  ssh_bastion_host = "bastion.example.com"
  ssh_bastion_port = 2222
  ssh_bastion_username = "jump"
  ssh_bastion_agent_auth = false
  ssh_bastion_password = "pw-for-the-bastion"
}

build {
  sources = ["source.outscale-bsu.web"]
}
