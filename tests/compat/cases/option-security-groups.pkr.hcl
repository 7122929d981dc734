source "outscale-bsu" "web" {
  region       = "eu-west-2"
  vm_type      = "tinav7.c1r1p1"
  source_omi   = "ami-12345678"
  omi_name     = "web-image"
  ssh_username = "outscale"
  security_group_ids = ["sg-12345678"]
  temporary_security_group_source_cidrs = ["10.0.0.0/8"]
}

build {
  sources = ["source.outscale-bsu.web"]
}
