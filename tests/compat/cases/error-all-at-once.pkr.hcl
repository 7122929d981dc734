source "outscale-bsu" "web" {
  region       = "eu-west-2"
  vm_type      = "tinav7.c1r1p1"
  source_omi   = "ami-12345678"
  omi_nme      = "web-image"
  ssh_username = "outscale"
}

build {
  sources = ["source.outscale-bsu.web", "source.outscale-bsu.b"]
  provisioner "shell" {
    inlin = ["true"]
  }
}
source "outscale-bsu" "b" {
  region       = "eu-west-2"
  vm_type      = "tinav9.c1r1"
  source_omi   = "ami-123"
  omi_name     = "web-b"
  ssh_username = "outscale"
}
