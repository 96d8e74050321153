"""The CLI's start-up: every command's --help byte for byte against tests/cli_help/, and no pydantic on the way.

typer is held below 0.29 (pyproject.toml): 0.29 builds a pydantic validator for every parameter of the command
run, 0.1–0.2 s on each (docs/startup.md). The golden files hold each help as the installed script prints it at
80 columns; after an intended change of help text, rewrite them and review the diff:

    python -m tests.test_cli_startup --write
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
import typer
from conncheck.cli.main import app

from tests.test_cli import script

HELP_DIR = Path(__file__).resolve().parent / "cli_help"
ENV = {**{k: v for k, v in os.environ.items() if k != "CONNCHECK_DEBUG"}, "COLUMNS": "80", "TERM": "dumb"}


def command_paths() -> list[tuple[str, ...]]:
    """() for the root, then every command and sub-command by name."""
    def walk(command: object, path: tuple[str, ...]) -> list[tuple[str, ...]]:
        children = sorted(getattr(command, "commands", {}).items())
        return [path] + [p for name, child in children for p in walk(child, (*path, name))]

    return walk(typer.main.get_command(app), ())


def golden(path: tuple[str, ...]) -> Path:
    return HELP_DIR / ("-".join(("conncheck", *path)) + ".txt")


def rendered_help(path: tuple[str, ...]) -> str:
    done = subprocess.run([script(), *path, "--help"], capture_output=True, text=True, encoding="utf-8", env=ENV,
                          timeout=120)  # fmt: skip
    assert (done.returncode, done.stderr) == (0, ""), done.stderr
    return done.stdout


@pytest.mark.parametrize("path", command_paths(), ids=lambda p: " ".join(p) or "root")
def test_help_is_byte_identical_to_the_golden_file(path: tuple[str, ...]) -> None:
    expected = golden(path)
    assert expected.exists(), f"no golden help for {path}: python -m tests.test_cli_startup --write"
    assert rendered_help(path) == expected.read_text(encoding="utf-8")


def test_every_golden_file_is_a_command() -> None:
    assert {p.name for p in HELP_DIR.glob("*.txt")} == {golden(p).name for p in command_paths()}


def test_a_command_runs_without_importing_pydantic() -> None:
    probe = (
        "import sys\nfrom conncheck.cli.main import app\n"
        "try:\n    app(['explain', '0x402'])\nexcept SystemExit as exc:\n    assert exc.code in (0, None), exc.code\n"
        "print('pydantic' in sys.modules)"
    )
    done = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, env=ENV, timeout=120)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip().splitlines()[-1] == "False"


def write() -> None:
    HELP_DIR.mkdir(exist_ok=True)
    for stale in HELP_DIR.glob("*.txt"):
        stale.unlink()
    for path in command_paths():
        golden(path).write_text(rendered_help(path), encoding="utf-8")
        print(golden(path))


if __name__ == "__main__":
    if sys.argv[1:] != ["--write"]:
        sys.exit("usage: python -m tests.test_cli_startup --write")
    write()
