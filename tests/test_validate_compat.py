"""``validate`` as Packer's: data sources checked (not run), -syntax-only,
-evaluate-datasources, -machine-readable."""

from __future__ import annotations

from osc_build.testing import run_osc_build

SOURCE = '''source "outscale-bsu" "a" {
  source_omi   = data.outscale-omi.base.id
  omi_name     = "web-image"
  ssh_username = "outscale"
  vm_type      = "tinav7.c1r1p1"
  region       = "eu-west-2"
}
build {
  sources = ["source.outscale-bsu.a"]
}
'''


def write(tmp_path, text):
    path = tmp_path / "t.pkr.hcl"
    path.write_text(text)
    return path


def test_unknown_data_source_type_is_an_error_at_its_block(tmp_path):
    path = write(tmp_path, 'data "amazon-ami" "base" {\n  owners = ["x"]\n}\n'
                 + SOURCE.replace("outscale-omi", "amazon-ami"))
    result = run_osc_build("validate", str(path))
    assert result.returncode == 1
    assert result.stderr == (f"Error: {path}:1:1: unknown data source 'amazon-ami': Packer's "
                             "amazon-ami data source is not available in osc-build; installed: "
                             "outscale-omi\n")


def test_misspelled_data_source_option_is_named_with_a_suggestion(tmp_path):
    path = write(tmp_path, 'data "outscale-omi" "base" {\n  owners = ["Outscale"]\n'
                 '  most_recnt = true\n}\n' + SOURCE)
    result = run_osc_build("validate", str(path))
    assert result.returncode == 1
    assert "data.outscale-omi.base: most_recnt: unknown option (did you mean 'most_recent'?)" \
        in result.stderr
    assert result.stderr.startswith(f"Error: {path}:3:3: ")  # where the option is written


def test_a_valid_data_source_is_not_run(tmp_path):
    # No credentials and no endpoint: running it would fail; validate only checks it.
    path = write(tmp_path, 'data "outscale-omi" "base" {\n  owners = ["Outscale"]\n'
                 '  filters = { image-name = "Debian-12-*" }\n}\n' + SOURCE)
    result = run_osc_build("validate", str(path), env={"HOME": str(tmp_path)})
    assert result.returncode == 0, result.stderr
    assert result.stdout == "The configuration is valid.\n"
    evaluated = run_osc_build("validate", "-evaluate-datasources", str(path),
                              env={"HOME": str(tmp_path)})
    assert evaluated.returncode == 1
    assert "credentials" in evaluated.stderr.lower()


def test_syntax_only_parses_without_evaluating(tmp_path):
    path = write(tmp_path, 'data "amazon-ami" "base" {}\n' + SOURCE)
    result = run_osc_build("validate", "-syntax-only", str(path))
    assert result.returncode == 0, result.stderr
    assert result.stdout == "Syntax-only check passed. Everything looks okay.\n"
    broken = write(tmp_path, 'source "outscale-bsu" "a" {\n  omi_name = \n}\n')
    result = run_osc_build("validate", "-syntax-only", str(broken))
    assert result.returncode == 1
    assert result.stderr.startswith(f"Error: {broken}:")


def test_machine_readable_validate(tmp_path):
    path = write(tmp_path, SOURCE.replace("data.outscale-omi.base.id", '"ami-12345678"'))
    result = run_osc_build("validate", "-machine-readable", str(path))
    assert result.returncode == 0, result.stderr
    [line] = result.stdout.splitlines()
    assert line.split(",", 1)[1] == ",ui,say,The configuration is valid."
