source "outscale-bsu" "a" {
  region = "eu-west-2"
}
source "outscale-chroot" "b" {
  region = "eu-west-2"
}
build {
  sources = ["source.outscale-bsu.a", "source.outscale-chroot.b"]
  provisioner "shell" {
    inline = ["echo ${source.name}"]
  }
}
build {
  name    = "second"
  sources = ["source.outscale-bsu.a"]
}
