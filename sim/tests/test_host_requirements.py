"""The one declared list of host packages covers every command the code runs on the host."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

from osc_build_sim import host_requirements

REPO = Path(__file__).resolve().parents[2]
PYTHON_SOURCES = [REPO / "sim/src/osc_build_sim", REPO / "plugins/chroot/src/osc_build_chroot"]
HOST_SCRIPTS = sorted((REPO / "sim/src/osc_build_sim/machine/scripts").glob("setup*.sh"))
TEMPLATE_TESTS = [REPO / "plugins/chroot/tests", REPO / "examples"]
SPAWNERS = {"run", "Popen", "check_output", "check_call", "call", "create_subprocess_exec"}
SHELL_WORDS = {  # builtins and keywords, not commands to install
    "set", "read", "echo", "shift", "cd", "exec", "for", "if", "then", "else", "elif", "fi",
    "do", "done", "while", "case", "esac", "trap", "export", "test", "[", "true", "false",
    "wait", "local", "return", "exit", ":", "printf", "kill", "{", "}", "in", "!"}
# Words followed by an option in an argv list that are not host commands: our own
# sub-commands and Python modules (run as ``python -m``).
NOT_COMMANDS = {"serve", "osc_build_sim.oos.moto_app"}
NOT_FROM_APT = {"apt-get",  # installs the others
                "/bin/sh", "sh"}  # essential: every Debian system has dash


def _first_word(node: ast.expr) -> str | None:
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return node.value.split()[0] if node.value.split() else None
    if isinstance(node, ast.JoinedStr) and node.values:
        return _first_word(node.values[0])
    if isinstance(node, ast.List) and node.elts:
        return _first_word(node.elts[0])
    return None


def python_commands() -> dict[str, str]:
    """Commands started from Python: subprocess argv lists, and the chroot builder's shell
    command strings (``commands.run(ctx, f"mount ...")``)."""
    found = {}
    for root in PYTHON_SOURCES:
        for path in root.rglob("*.py"):
            for node in ast.walk(ast.parse(path.read_text())):
                if not isinstance(node, ast.Call) or not node.args:
                    continue
                name = getattr(node.func, "attr", getattr(node.func, "id", ""))
                owner = getattr(getattr(node.func, "value", None), "id", "")
                if name in SPAWNERS and owner in ("subprocess", "asyncio"):
                    word = _first_word(node.args[0])
                elif owner == "commands" and name in ("run", "check") and len(node.args) > 1:
                    word = _first_word(node.args[1])
                else:
                    continue
                if word:
                    found[word] = f"{path.relative_to(REPO)}:{node.lineno}"
            # argv builders, and commands a launcher script runs (["/bin/sh", "-c", ..., "unshare",
            # "--mount", ...]): a word followed by its own option inside an argv list.
            for match in re.finditer(r'(?:return \[|, |\[)"([a-z][\w.-]*)", "--',
                                     path.read_text()):
                if match.group(1) not in NOT_COMMANDS:
                    found[match.group(1)] = str(path.relative_to(REPO))
    return found


def script_commands() -> dict[str, str]:
    """First word of each command of the host-side shell scripts (not their own functions)."""
    found = {}
    functions = {name for path in HOST_SCRIPTS
                 for name in re.findall(r"^(\w+)\(\) \{", path.read_text(), re.M)}
    for path in HOST_SCRIPTS:
        for number, line in enumerate(path.read_text().splitlines(), 1):
            line = line.split("#", 1)[0] if not line.lstrip().startswith("#!") else ""
            for part in re.split(r";|&&|\|\||\||\$\(|\bthen\b|\bdo\b|\belse\b", line):
                words = part.split()
                if words[:1] == ["for"]:
                    continue
                while words and ("=" in words[0] or words[0] in SHELL_WORDS):
                    words = words[1:]
                if words and re.fullmatch(r"[A-Za-z/][\w./-]*", words[0]) \
                        and words[0] not in functions:
                    found[words[0]] = f"{path.relative_to(REPO)}:{number}"
    return found


def template_commands() -> dict[str, str]:
    """Host commands the chroot tests and examples give the builder (pre_mount_commands...)."""
    found = {}
    for root in TEMPLATE_TESTS:
        for path in [*root.rglob("*.py"), *root.rglob("*.hcl")]:
            for match in re.finditer(r'"([\w.-]+) [^"\n]*\{\{ ?\.Device', path.read_text()):
                found[match.group(1)] = str(path.relative_to(REPO))
    return found


def declared(command: str) -> bool:
    names = set(host_requirements.REQUIREMENTS)
    return command in names or command.rsplit("/", 1)[-1] in names


@pytest.mark.parametrize("source", [python_commands, script_commands, template_commands])
def test_every_host_command_the_code_runs_is_declared_with_its_debian_package(source):
    commands = source()
    assert commands, f"{source.__name__} found no command: the scan itself is broken"
    undeclared = {c: where for c, where in commands.items()
                  if c not in NOT_FROM_APT | SHELL_WORDS and not declared(c)}
    assert not undeclared, (f"declare these in host_requirements.REQUIREMENTS (command -> "
                            f"Debian package): {undeclared}")


def test_the_scan_sees_the_commands_it_must():
    found = {**python_commands(), **script_commands(), **template_commands()}
    assert {"losetup", "partx", "mkfs.ext4", "unshare", "mount", "pivot_root", "parted",
            "setpriv"} <= set(found)


def test_a_missing_package_it_cannot_install_is_one_error_with_the_exact_command(monkeypatch):
    monkeypatch.setattr(host_requirements, "can_install", lambda: False)
    with pytest.raises(host_requirements.HostSetupError) as error:
        host_requirements.ensure({"/nonexistent/osc-build-tool": "osc-build-tool-pkg"},
                                 why="this test")
    message = str(error.value)
    assert "\n" not in message
    assert "this test needs Debian packages" in message
    assert "`sudo apt-get install -y --no-install-recommends osc-build-tool-pkg`" in message


def test_every_declared_package_is_present_after_setup():
    host_requirements.ensure()  # installs what is missing (root on Debian), as the backend does
    assert host_requirements.missing_packages() == []
