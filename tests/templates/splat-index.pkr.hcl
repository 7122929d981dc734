locals {
  disks  = [{ name = "a", size = 10 }, { name = "b", size = 20 }]
  names  = local.disks[*].name
  legacy = local.disks.*.size
  first  = local.disks[0].name
  dotted = local.disks.1.size
  map    = { region = "eu-west-2" }
  key    = local.map["region"]
  nested = [[1, 2], [3, 4]][1][0]
  single = "x"[*]
}
source "null" "splat" {
  communicator = "none"
}
build {
  sources = ["source.null.splat"]
}
