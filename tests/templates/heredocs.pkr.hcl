variable "user" {
  default = "outscale"
}
locals {
  plain = <<EOT
#!/bin/bash
echo "hello ${var.user}"
EOT
  indented = <<-EOF
    #cloud-config
    users:
      - name: ${var.user}
    %{ for pkg in ["git", "curl"] ~}
    - ${pkg}
    %{ endfor ~}
    done $${literal}
  EOF
}
source "null" "heredocs" {
  communicator = "none"
  user_data    = local.indented
}
build {
  sources = ["source.null.heredocs"]
}
