locals {
  full_name = "${local.prefix}-${local.suffix}"
  prefix    = upper(local.base)
}
locals {
  base   = "omi"
  suffix = local.count * 2
}
local "count" {
  expression = 21
}
source "null" "dag" {
  communicator = "none"
  omi_name     = local.full_name
}
build {
  sources = ["source.null.dag"]
}
