locals {
  tags      = { env = "prod", team = "infra", owner = "" }
  upper     = [for k, v in local.tags : upper(k) if v != ""]
  indexed   = [for i, v in ["a", "b", "c"] : "${i}:${v}"]
  inverted  = { for k, v in local.tags : v => k if v != "" }
  grouped   = { for s in ["apple", "avocado", "banana"] : substr(s, 0, 1) => s... }
  squares   = [for n in [1, 2, 3] : n * n]
  filtered  = [for n in [1, 2, 3, 4, 5, 6] : n if n % 2 == 0]
}
source "null" "for" {
  communicator = "none"
}
build {
  sources = ["source.null.for"]
}
