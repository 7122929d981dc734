source "null" "a" {
  region = "a"
  region = "b"
}
build {
  sources = ["source.null.a"]
}
