source "outscale-bsu" "ubuntu" {
  region = "eu-west-2"
}
build {
  sources = ["source.outscale-bsu.ubuntoo"]
}
