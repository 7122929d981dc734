variables {
  region  = "eu-west-2"
  vm_type = "tinav7.c1r1p1"
}
source "null" "legacy_vars" {
  communicator = "none"
  region       = var.region
  vm_type      = var.vm_type
}
build {
  sources = ["source.null.legacy_vars"]
}
