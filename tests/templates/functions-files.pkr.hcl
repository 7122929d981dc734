locals {
  content  = file("files/hello.txt")
  exists   = fileexists("files/hello.txt")
  missing  = fileexists("files/nope.txt")
  rendered = templatefile("files/greeting.tpl", { name = "Outscale", items = ["a", "b"] })
  base     = basename("/tmp/dir/file.txt")
  dir      = dirname("/tmp/dir/file.txt")
  root     = basename(path.root)
  version  = packer.version
}
source "null" "files" {
  communicator = "none"
}
build {
  sources = ["source.null.files"]
}
