source "outscale-bsu" "web" {
  region       = "eu-west-2"
  vm_type      = "tinav7.c1r1p1"
  source_omi   = "ami-12345678"
  omi_name     = "web-image"
  ssh_username = "outscale"
  ssh_port = 22
  ssh_timeout = "10m"
  ssh_handshake_attempts = 20
  ssh_pty = true
  ssh_keep_alive_interval = "5s"
  ssh_read_write_timeout = "1m"
  ssh_interface = "public_ip"
}

build {
  sources = ["source.outscale-bsu.web"]
}
