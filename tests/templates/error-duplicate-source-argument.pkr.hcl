source "outscale-bsu" "a" {
  region = "eu-west-2"
}
build {
  source "outscale-bsu.a" {
    region = "us-east-2"
  }
}
