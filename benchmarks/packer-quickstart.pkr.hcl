# examples/quickstart.pkr.hcl for Debian's packer 1.6.6 (benchmarks/packer_compare.py): Debian
# builds it without the OUTSCALE builders (osc-bsu ...), so the same source, variables and
# provisioner are written for amazon-ebs, of which osc-bsu is a fork (same option shapes).

variable "region" {
  type    = string
  default = "eu-west-2"
}

variable "omi_name" {
  type    = string
  default = "quickstart-{{timestamp}}"
}

source "amazon-ebs" "quickstart" {
  region        = var.region
  instance_type = "t3.micro"

  source_ami_filter {
    filters = {
      name = "debian-12-*"
    }
    owners      = ["136693071363"]
    most_recent = true
  }

  ssh_username = "outscale"
  ami_name     = var.omi_name
  tags = {
    Name      = "quickstart"
    SourceAMI = "{{ .SourceAMI }}"
  }
}

build {
  sources = ["source.amazon-ebs.quickstart"]

  provisioner "shell" {
    inline = [
      "echo 'built by osc-build' | sudo tee /etc/quickstart-motd",
      "sudo useradd --create-home --shell /bin/sh quickstart",
    ]
  }
}
