"""A whole `osc-build build` of a template with the core's provisioners and post-processors
(the fake plugin's local builder stands for the VM)."""

from __future__ import annotations

import json

TEMPLATE = """
variable "out" {
  type = string
}
source "fake-local" "web" {
  output_dir = "${var.out}/web"
}
build {
  sources = ["source.fake-local.web"]
  provisioner "shell" {
    inline           = ["echo role=$ROLE > role.txt", "echo provisioned $PACKER_BUILD_NAME"]
    environment_vars = ["ROLE=frontend"]
    remote_folder    = "."
  }
  provisioner "shell-local" {
    inline = ["echo local side"]
  }
  post-processor "manifest" {
    output      = "${var.out}/manifest.json"
    custom_data = { team = "infra" }
  }
  post-processors {
    post-processor "shell-local" {
      inline = ["echo artifact=$OSC_BUILD_ARTIFACT_ID > ${var.out}/after.txt"]
    }
  }
}
"""


def test_build_with_provisioners_and_post_processors(run_cli, fake_plugins, tmp_path):
    template = tmp_path / "t.pkr.hcl"
    template.write_text(TEMPLATE)
    out = tmp_path / "out"
    for run in range(2):
        result = run_cli("build", "-var", f"out={out}", str(template),
                         pythonpath=[fake_plugins], cwd=tmp_path)
        assert result.returncode == 0, result.output
        (out / "web").rename(out / f"web-{run}")
    assert (out / "web-0" / "role.txt").read_text() == "role=frontend\n"
    assert "provisioned web" in result.stdout  # the fake communicator does not prefix
    assert "    fake-local.web: local side" in result.stdout
    assert "==> fake-local.web: Running post-processor: manifest" in result.stdout
    builds = json.loads((out / "manifest.json").read_text())["builds"]
    assert [b["artifact_id"] for b in builds] == [f"local:{out}/web", f"local:{out}/web"]
    assert builds[1]["custom_data"] == {"team": "infra"}
    assert builds[0]["packer_run_uuid"] != builds[1]["packer_run_uuid"]
    assert (out / "after.txt").read_text() == f"artifact=local:{out}/web\n"
