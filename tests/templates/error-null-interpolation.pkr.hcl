variable "name" {
  default = null
}
locals {
  text = "name: ${var.name}"
}
