"""How fast the CLI starts, as real processes, beside a bare `import typer` (figures, not pass/fail).

    python bench/bench_import.py [--runs 15] [--instructions]

Runs each command --runs times, interleaved (a busy neighbour slows all alike), and prints min and median wall
time and the ratio to `python -c "import typer"` (target: `conncheck explain 0x402` at ≤ 2× of it), with the
load average at the start and the end. Bytecode is cached as in an installed package (PYTHONDONTWRITEBYTECODE is
dropped for the children: with it every start recompiles conncheck's modules). Then lists which heavy libraries
importing the CLI pulls in (there should be none: they are imported inside the commands that need them) and
whether `conncheck explain 0x402` imports pydantic (typer 0.29 builds a pydantic validator per parameter).
With --instructions, each command's instruction count (valgrind) too: the same ratios, unmoved by a busy machine.

To set another typer beside it, install it apart and put it first on the path:
    pip install --target /tmp/typer029 typer==0.29.2 && PYTHONPATH=/tmp/typer029 python bench/bench_import.py
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

import instructions

HEAVY = ("pypsrp", "ldap3", "cryptography", "requests", "spnego", "psrpcore", "tabulate", "defusedxml", "sqlite3",
         "psycopg", "evtx", "pydantic", "conncheck.lab.samples", "conncheck.registry", "checks")  # fmt: skip


def script() -> str:
    here = Path(sys.executable).parent
    for candidate in (here / "conncheck", here / "conncheck.exe"):
        if candidate.exists():
            return str(candidate)
    raise SystemExit("the conncheck console script is not installed next to this Python (pip install -e .)")


# As installed Python runs: bytecode cached (an environment with PYTHONDONTWRITEBYTECODE recompiles every start).
ENV = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}


def wall(command: list[str]) -> float:
    start = time.perf_counter()
    subprocess.run(command, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=ENV)
    return time.perf_counter() - start


def loaded_by(code: str) -> list[str]:
    probe = f"import sys\n{code}\nprint('\\n'.join(sys.modules))"
    done = subprocess.run([sys.executable, "-c", probe], check=True, capture_output=True, text=True, env=ENV)
    return done.stdout.split()


def heavy(modules: list[str]) -> str:
    found = [h for h in HEAVY if any(m == h or m.startswith(h + ".") for m in modules)]
    return ", ".join(found) or "none"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=15)
    parser.add_argument("--instructions", action="store_true", help="also count instructions (valgrind)")
    args = parser.parse_args()
    commands = {
        "python -c pass": [sys.executable, "-c", "pass"],
        "import typer": [sys.executable, "-c", "import typer"],
        "conncheck --help": [script(), "--help"],
        "conncheck explain 0x402": [script(), "explain", "0x402"],
    }
    print("load average at start: " + " ".join(f"{n:.2f}" for n in os.getloadavg()))
    for command in commands.values():
        wall(command)  # warm the file cache and the bytecode
    times: dict[str, list[float]] = {label: [] for label in commands}
    for _ in range(args.runs):
        for label, command in commands.items():
            times[label].append(wall(command))
    base_min, base_median = min(times["import typer"]), statistics.median(times["import typer"])
    for label, measured in times.items():
        low, median = min(measured), statistics.median(measured)
        print(f"{label:<24} min {low * 1000:7.1f} ms   median {median * 1000:7.1f} ms   "
              f"{low / base_min:4.2f}× / {median / base_median:4.2f}× import typer   ({args.runs} runs)")
    print("load average at end:   " + " ".join(f"{n:.2f}" for n in os.getloadavg()))
    if args.instructions and instructions.available():
        counts = {label: instructions.instructions(command, ENV) for label, command in commands.items()}
        for label, count in counts.items():
            ratio = count / counts["import typer"]
            print(f"{label:<24} {count / 1e6:8.0f} M instructions   {ratio:4.2f}× import typer")
    print("heavy modules imported by `import conncheck.cli.main`: " + heavy(loaded_by("import conncheck.cli.main")))
    explain = "from conncheck.cli.main import app\ntry:\n    app(['explain', '0x402'])\nexcept SystemExit:\n    pass"
    print("pydantic imported by `conncheck explain 0x402`: " + ("yes" if "pydantic" in loaded_by(explain) else "no"))


if __name__ == "__main__":
    main()
