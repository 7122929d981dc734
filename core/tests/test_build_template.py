"""osc-build build/validate on templates, with the fake plugin's local builder."""

from __future__ import annotations

TEMPLATE = """
variable "out" {
  type = string
}
variable "secret" {
  type      = string
  default   = "hunter2-topsecret"
  sensitive = true
}
locals {
  content = "v=${upper("abc")}"
}
source "fake-local" "one" {
  output_dir = "${var.out}/one"
  content    = local.content
}
source "fake-local" "two" {
  output_dir = "${var.out}/two"
}
build {
  sources = ["source.fake-local.one", "source.fake-local.two"]
  provisioner "fake-shell" {
    inline = ["echo ${var.secret} > secret.txt"]
    only   = ["fake-local.two"]
  }
}
"""


def write(tmp_path, text=TEMPLATE):
    path = tmp_path / "t.pkr.hcl"
    path.write_text(text)
    return path


def test_build_runs_every_source_with_its_provisioners(run_cli, fake_plugins, tmp_path):
    out = tmp_path / "out"
    result = run_cli("build", "-var", f"out={out}", str(write(tmp_path)),
                     pythonpath=[fake_plugins])
    assert result.returncode == 0, result.output
    assert (out / "one" / "content.txt").read_text() == "v=ABC"
    assert not (out / "one" / "secret.txt").exists()
    assert (out / "two" / "secret.txt").read_text() == "hunter2-topsecret\n"
    assert "hunter2-topsecret" not in result.output
    assert "running echo <sensitive> > secret.txt" in result.stdout


def test_only_selects_sources(run_cli, fake_plugins, tmp_path):
    out = tmp_path / "out"
    result = run_cli("build", "-only", "*.two", "-var", f"out={out}", str(write(tmp_path)),
                     pythonpath=[fake_plugins])
    assert result.returncode == 0, result.output
    assert not (out / "one").exists() and (out / "two").exists()


def test_validate_checks_options_without_building(run_cli, fake_plugins, tmp_path):
    out = tmp_path / "out"
    path = write(tmp_path)
    ok = run_cli("validate", "-var", f"out={out}", str(path), pythonpath=[fake_plugins])
    assert ok.returncode == 0, ok.output
    assert not out.exists()
    bad = write(tmp_path, TEMPLATE.replace("content    = local.content", "contents = 1"))
    result = run_cli("validate", "-var", f"out={out}", str(bad), pythonpath=[fake_plugins])
    assert result.returncode == 1
    assert (f"Error: {bad}:15:3: source.fake-local.one: contents: unknown option "
            "(did you mean 'content'?)") in result.stderr


def test_missing_variable_is_one_clear_error(run_cli, fake_plugins, tmp_path):
    result = run_cli("build", str(write(tmp_path)), pythonpath=[fake_plugins])
    assert result.returncode == 1
    assert "Traceback" not in result.stderr
    assert "out" in result.stderr and result.stderr.startswith("Error: ")
