"""mypy over the one import package, as installed: ``python -m tests.typecheck``.

The source folders are named for the design card (toolkit/ is conncheck, checks/ is conncheck.checks), which mypy
cannot map by itself; this builds a view of symlinks named as the package is imported, runs mypy on it and prints
its messages with the repository's paths.
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent


def build_view(where: Path) -> Path:
    package = where / "conncheck"
    package.mkdir()
    for entry in (REPO / "toolkit").iterdir():
        if entry.name != "__pycache__":
            (package / entry.name).symlink_to(entry)
    (package / "checks").symlink_to(REPO / "checks")
    return package


def _repo_path(line: str, package: Path) -> str:
    """'conncheck/checks/ca.py:3: ...' → 'checks/ca.py:3: ...'; 'conncheck/x.py' → 'toolkit/x.py'."""
    for prefix in (str(package) + os.sep, "conncheck" + os.sep):
        if line.startswith(prefix + "checks" + os.sep):
            return "checks" + os.sep + line[len(prefix) + len("checks") + 1:]
        if line.startswith(prefix):
            return "toolkit" + os.sep + line[len(prefix):]
    return line


def run() -> subprocess.CompletedProcess[str]:
    with tempfile.TemporaryDirectory(prefix="conncheck-mypy-") as tmp:
        package = build_view(Path(tmp))
        done = subprocess.run(
            [sys.executable, "-m", "mypy", "--config-file", str(REPO / "pyproject.toml"), "--no-incremental",
             "-p", "conncheck"],
            cwd=tmp, capture_output=True, text=True, env={**os.environ, "MYPYPATH": tmp}, timeout=900,
        )
        out = "".join(_repo_path(line, package) for line in done.stdout.splitlines(keepends=True))
        return subprocess.CompletedProcess(done.args, done.returncode, out, done.stderr)


if __name__ == "__main__":
    result = run()
    sys.stdout.write(result.stdout)
    sys.stderr.write(result.stderr)
    sys.exit(result.returncode)
