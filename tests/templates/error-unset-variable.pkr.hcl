variable "omi_name" {
  type = string
}
source "null" "a" {
  omi_name = var.omi_name
}
build {
  sources = ["source.null.a"]
}
