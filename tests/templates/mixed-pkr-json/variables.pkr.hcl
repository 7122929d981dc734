variable "family" {
  default = "Ubuntu"
}
data "outscale-omi" "derived" {
  filters = {
    image-name = "${data.outscale-omi.base.name}-derived"
  }
}
