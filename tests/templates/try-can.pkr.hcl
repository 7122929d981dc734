variable "settings" {
  type    = any
  default = { region = "eu-west-2" }
}
locals {
  region   = try(var.settings.region, "us-east-2")
  missing  = try(var.settings.zone, "fallback")
  can_ok   = can(var.settings.region)
  can_fail = can(var.settings.zone)
  number   = try(tonumber("x"), 0)
}
source "null" "try" {
  communicator = "none"
}
build {
  sources = ["source.null.try"]
}
