source "outscale-bsu" "web" {
  region       = "eu-west-2"
  vm_type      = "tinav7.c1r1p1"
  source_omi   = "ami-12345678"
  omi_name     = "web-image"
  ssh_username = "outscale"
}

build {
  sources = ["source.outscale-bsu.web"]
  provisioner "powershell" {
    inline = ["x"]
  }
}
