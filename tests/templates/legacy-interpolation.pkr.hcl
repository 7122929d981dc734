variable "omi_name" {
  default = "packer-example-{{timestamp}}"
}
source "outscale-bsu" "main" {
  omi_name        = var.omi_name
  omi_description = "{{ isotime \"2006-01-02\" }} from {{ .SourceOMIName }}"
  tags = {
    Name = "{{ clean_resource_name \"my omi: v1\" }}"
  }
}
build {
  sources = ["source.outscale-bsu.main"]
}
