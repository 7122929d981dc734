variable "family" {
  default = "Ubuntu"
}
data "outscale-omi" "derived" {
  filters = {
    image-name = "${data.outscale-omi.base.name}-derived"
  }
}
data "outscale-omi" "base" {
  filters = {
    image-name = "${var.family}-24.04-*"
  }
  owners = ["Outscale"]
}
locals {
  omi = data.outscale-omi.derived.id
}
source "outscale-bsu" "main" {
  source_omi = local.omi
  base_omi   = data.outscale-omi.base.id
}
build {
  sources = ["source.outscale-bsu.main"]
}
