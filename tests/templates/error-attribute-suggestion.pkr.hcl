locals {
  disk = { size = 10 }
  size = local.disk.sise
}
