variable "region" {
  default = "eu-west-2"
}
source "null" "a" {
  region = var.regoin
}
build {
  sources = ["source.null.a"]
}
