source "outscale-bsu" "ubuntu" {
  region   = "eu-west-2"
  vm_type  = "tinav7.c1r1p1"
  omi_name = "base-${source.name}"
}
source "outscale-bsu" "debian" {
  region = "eu-west-2"
}
build {
  name        = "base"
  description = "Base images"
  sources     = ["source.outscale-bsu.debian"]

  source "source.outscale-bsu.ubuntu" {
    name         = "second"
    ssh_username = "outscale"
  }

  provisioner "shell" {
    inline           = ["echo ${build.name}", "echo {{ .ID }}"]
    environment_vars = ["A=1"]
    pause_before     = "10s"
    max_retries      = 3
    timeout          = "5m"
    only             = ["outscale-bsu.second"]
    override = {
      second = {
        inline = ["echo second"]
      }
    }
  }
  provisioner "file" {
    name        = "upload"
    source      = "files/"
    destination = "/tmp/"
    except      = ["outscale-bsu.debian"]
  }
  error-cleanup-provisioner "shell-local" {
    inline = ["echo failed"]
  }
  post-processor "manifest" {
    output = "manifest.json"
  }
  post-processors {
    post-processor "shell-local" {
      name   = "notify"
      inline = ["echo ${build.ID}"]
    }
    post-processor "checksum" {
      keep_input_artifact = true
    }
  }
  post-processor "shell-local" {
    inline = ["echo last"]
  }
}
