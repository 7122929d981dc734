build {
  provisioner "shell" {
    inline = ["echo"]
  }
}
