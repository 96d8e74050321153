"""How fast `conncheck --help` answers, as a real process (figures, not pass/fail).

    python bench/bench_import.py [--runs 15]

Runs the installed console script --runs times and prints min and median wall time, next to a bare
`python -c pass` for the interpreter's own start-up. Then lists which heavy libraries importing the CLI pulls in
(there should be none: they are imported inside the commands that need them).
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import time
from pathlib import Path

HEAVY = ("pypsrp", "ldap3", "cryptography", "requests", "spnego", "psrpcore", "tabulate", "defusedxml", "sqlite3",
         "psycopg", "evtx", "conncheck.lab.samples", "conncheck.registry", "checks")  # fmt: skip


def script() -> str:
    here = Path(sys.executable).parent
    for candidate in (here / "conncheck", here / "conncheck.exe"):
        if candidate.exists():
            return str(candidate)
    raise SystemExit("the conncheck console script is not installed next to this Python (pip install -e .)")


def wall(command: list[str], runs: int) -> list[float]:
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        subprocess.run(command, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        times.append(time.perf_counter() - start)
    return times


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=15)
    args = parser.parse_args()
    wall([script(), "--help"], 2)  # warm the file cache and the bytecode
    for label, command in (("python -c pass", [sys.executable, "-c", "pass"]),
                           ("conncheck --help", [script(), "--help"])):  # fmt: skip
        times = wall(command, args.runs)
        print(f"{label:<18} min {min(times) * 1000:7.1f} ms   median {statistics.median(times) * 1000:7.1f} ms"
              f"   ({args.runs} runs)")  # fmt: skip
    probe = "import sys, conncheck.cli.main; print('\\n'.join(sys.modules))"
    loaded = subprocess.run([sys.executable, "-c", probe], check=True, capture_output=True, text=True).stdout.split()
    heavy = [h for h in HEAVY if any(m == h or m.startswith(h + ".") for m in loaded)]
    print("heavy modules imported by `import conncheck.cli.main`: " + (", ".join(heavy) or "none"))


if __name__ == "__main__":
    main()
