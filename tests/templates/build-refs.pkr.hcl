source "outscale-bsu" "main" {
  omi_name = "${source.type}-${source.name}"
  run_tags = { Build = "{{ .BuildRegion }}", Source = "{{ .SourceOMI }}" }
}
build {
  name    = "refs"
  sources = ["outscale-bsu.main"]
  provisioner "shell" {
    inline = ["echo ${source.name} ${source.type} ${build.name} ${build.ID} ${build.Host}"]
  }
}
