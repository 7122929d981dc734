source "outscale-bsu" "web" {
  region       = "eu-west-2"
  vm_type      = "tinav7.c1r1p1"
  source_omi   = "ami-12345678"
  omi_name     = "web-image"
  ssh_username = "outscale"
  ssh_local_tunnels = ["8080:localhost:80"]
  ssh_remote_tunnels = ["9090:localhost:90"]
  ssh_proxy_host = "127.0.0.1"
  ssh_proxy_port = 1080
  ssh_proxy_username = "u"
  ssh_proxy_password = "p"
}

build {
  sources = ["source.outscale-bsu.web"]
}
