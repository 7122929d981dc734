data "outscale-omi" "base" {
  filters = {
    image-name = "Ubuntu-24.04-*"
  }
  owners      = ["Outscale"]
  most_recent = true
}
source "outscale-bsu" "main" {
  source_omi = data.outscale-omi.base.id
  omi_name   = "from-${data.outscale-omi.base.id}"
}
build {
  sources = ["source.outscale-bsu.main"]
}
