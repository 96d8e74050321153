"""README opens with the command that installs and runs the demo (Linux, then PowerShell), and CI runs exactly the
test command of README's Development section."""

from __future__ import annotations

import os
import re
import shlex
import shutil
import subprocess
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
FENCE = re.compile(r"^```[a-z]*\n(.*?)^```", re.MULTILINE | re.DOTALL)
# Lines of .ci/run that set the scene rather than run a step.
SCENE = re.compile(r"^(#|set -|cd |export )")


def code_blocks() -> list[str]:
    return [block.strip() for block in FENCE.findall((REPO / "README.md").read_text(encoding="utf-8"))]


def ci_steps() -> list[str]:
    lines = (REPO / ".ci" / "run").read_text(encoding="utf-8").splitlines()
    return [line.strip() for line in lines if line.strip() and not SCENE.match(line.strip())]


def steps(command: str) -> list[str]:
    return [" ".join(shlex.split(part)) for part in command.split("&&")]


def development_block() -> str:
    text = (REPO / "README.md").read_text(encoding="utf-8")
    return FENCE.findall(text[text.index("\n## Development\n"):])[0].strip()


def test_the_first_two_code_blocks_are_one_command_each() -> None:
    first, second = code_blocks()[:2]
    assert "\n" not in first and "\n" not in second
    assert second.startswith("py -m venv .venv;") and second.endswith("conncheck demo")  # the same, in PowerShell


def test_first_block_installs_and_runs_the_demo() -> None:
    install = steps(code_blocks()[0])
    assert install[0].startswith("python3 -m venv .venv")
    assert any("pip install -e ." in s for s in install)
    assert install[-1].endswith("conncheck demo")


def test_the_development_block_is_the_test_command_ci_runs() -> None:
    readme = steps(development_block())
    assert readme[-1].endswith("-m pytest") or " -m pytest " in readme[-1]
    assert [step for line in ci_steps() for step in steps(line)] == readme


def test_the_set_up_commands_come_before_anything_else() -> None:
    text = (REPO / "README.md").read_text(encoding="utf-8")
    first_fence = text.index("```")
    assert text[:first_fence].count("\n## ") <= 1  # only the "Set up and run" heading precedes them


def test_ci_run_is_executable() -> None:
    assert os.access(REPO / ".ci" / "run", os.X_OK)
    assert (REPO / ".ci" / "run").read_text(encoding="utf-8").startswith("#!/usr/bin/env bash\n")


@pytest.mark.skipif(os.geteuid() != 0 or shutil.which("systemctl") is None, reason="needs root and systemctl")
def test_setup_leaves_the_peers_services_disabled_at_boot() -> None:
    """tests/setup.sh installs server packages for the tests; their services must not start at the next boot."""
    for service in ("postgresql", "samba-ad-dc", "smbd", "nmbd", "winbind"):
        state = subprocess.run(["systemctl", "is-enabled", service], capture_output=True, text=True).stdout.strip()
        assert state != "enabled", f"{service} is enabled at boot"
