variable "access_key" {
  type    = string
  default = "${env("OSC_ACCESS_KEY")}"
}
variable "unset" {
  default = env("OSC_DOES_NOT_EXIST")
}
source "null" "env" {
  communicator = "none"
  access_key   = var.access_key
  unset        = var.unset
}
build {
  sources = ["source.null.env"]
}
