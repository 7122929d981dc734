source "outscale-bsu" "web" {
  region       = "eu-west-2"
  vm_type      = "tinav7.c1r1p1"
  source_omi   = "ami-12345678"
  omi_name     = "web-image"
  ssh_username = "outscale"
  omi_description = "web"
  omi_account_ids = ["123456789012"]
  omi_groups = ["all"]
  snapshot_account_ids = ["123456789012"]
  force_deregister = true
  force_delete_snapshot = true
}

build {
  sources = ["source.outscale-bsu.web"]
}
