source "outscale-bsu" "web" {
  region       = "mars-north-1"
  vm_type      = "tinav7.c1r1p1"
  source_omi   = "ami-12345678"
  omi_name     = "web-image"
  ssh_username = "outscale"
  omi_regions  = ["mars-south-1"]
  skip_region_validation = true
}
build { sources = ["source.outscale-bsu.web"] }
