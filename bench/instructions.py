"""Instructions a command executes, counted by valgrind (cachegrind, cache simulation off): a figure that a busy
machine does not move, to set beside wall times on a machine whose cores are shared. About 50× slower than the
command itself; every thread counted."""

from __future__ import annotations

import re
import shutil
import subprocess


def available() -> bool:
    return shutil.which("valgrind") is not None


def instructions(argv: list[str], env: dict[str, str]) -> int:
    """The command's instruction count (its exit code is not checked: events exits 1 or 3 by design)."""
    done = subprocess.run(
        ["valgrind", "--tool=cachegrind", "--cache-sim=no", "--cachegrind-out-file=/dev/null", *argv],
        env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True, check=False,
    )
    found = re.search(r"I\s+refs:\s+([\d,]+)", done.stderr)
    if found is None:
        raise SystemExit(f"valgrind gave no instruction count for {argv}: {done.stderr.strip()[-300:]}")
    return int(found.group(1).replace(",", ""))
