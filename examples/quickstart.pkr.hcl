# A small outscale-bsu build: start from the public Debian 12 image, install a file and
# create a user, then make an OMI of the result.
#
#   osc-build build --local examples/quickstart.pkr.hcl     (on the local simulator)
#   osc-build build examples/quickstart.pkr.hcl             (on OUTSCALE, with your credentials)

packer {
  required_plugins {
    outscale = {
      source  = "github.com/outscale/outscale"
      version = ">= 1.0.0"
    }
  }
}

variable "region" {
  type    = string
  default = "eu-west-2"
}

variable "omi_name" {
  type    = string
  default = "quickstart-{{timestamp}}"
}

source "outscale-bsu" "quickstart" {
  region  = var.region
  vm_type = "tinav7.c1r1p1"

  source_omi_filter {
    filters = {
      image-name = "Debian-12-*"
    }
    owners      = ["Outscale"]
    most_recent = true
  }

  ssh_username = "outscale"
  omi_name     = var.omi_name
  tags = {
    Name      = "quickstart"
    SourceOMI = "{{ .SourceOMI }}"
  }
}

build {
  sources = ["source.outscale-bsu.quickstart"]

  provisioner "shell" {
    inline = [
      "echo 'built by osc-build' | sudo tee /etc/quickstart-motd",
      "sudo useradd --create-home --shell /bin/sh quickstart",
    ]
  }
}
