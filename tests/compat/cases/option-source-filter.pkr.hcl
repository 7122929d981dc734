source "outscale-bsu" "web" {
  region       = "eu-west-2"
  vm_type      = "tinav7.c1r1p1"
  omi_name     = "web-image"
  ssh_username = "outscale"
  source_omi_filter {
    filters = { image-name = "Debian-12-*" }
    owners = ["Outscale"]
    most_recent = true
  }
}

build {
  sources = ["source.outscale-bsu.web"]
}
