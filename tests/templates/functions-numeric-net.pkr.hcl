locals {
  min        = min(3, 1, 2)
  max        = max(3, 1, 2)
  abs        = abs(-4.5)
  ceil       = ceil(1.2)
  floor      = floor(1.8)
  cidrhost   = cidrhost("10.0.0.0/16", 5)
  cidrhost_n = cidrhost("10.0.0.0/24", -2)
  cidrsubnet = cidrsubnet("10.0.0.0/16", 8, 3)
  netmask    = cidrnetmask("172.16.0.0/12")
}
source "null" "numeric" {
  communicator = "none"
}
build {
  sources = ["source.null.numeric"]
}
