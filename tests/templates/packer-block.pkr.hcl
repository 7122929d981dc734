packer {
  required_version = ">= 1.7.0, < 2.0.0"
  required_plugins {
    outscale = {
      version = "~> 1.0"
      source  = "github.com/outscale/outscale"
    }
  }
}
source "outscale-bsu" "main" {
  region = "eu-west-2"
}
build {
  sources = ["source.outscale-bsu.main"]
}
