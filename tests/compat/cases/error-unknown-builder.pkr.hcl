source "amazon-ebs" "a" {}
build {
  sources = ["source.amazon-ebs.a"]
}
