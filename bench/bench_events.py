"""Event triage beside the raw reader: `conncheck events` and the `evtx` package iterating `records_json()`, each
in its own process, on security.evtx and on a file of 100× its records. Prints figures; asserts nothing
(target: conncheck at ≥ 0.6× the raw reader's records/s on the 100× file, memory flat).

    python bench/bench_events.py [--repeat 3] [--copies 100] [--baseline REV] [--instructions]

With --baseline, conncheck as of a git revision (say the commit before a change) runs as a third row in the same
interleaved runs, from a copy of that revision's toolkit/ and checks/ (``git archive``) on PYTHONPATH, with this
environment's libraries: before and after, side by side, under the same load. With --instructions, each
command's instruction count (valgrind, once per file) too: ratios a busy machine does not move (slow: use it with
--copies 10).

Each run is a fresh process timed from start to exit (interpreter start-up and imports included, as a user
sees it); the two are interleaved so a busy neighbour slows both alike. Wall figures are the best and the median
of the repeats, with the load average at the start and at the end: the machine's cores are shared. CPU is the
best user + system time (every thread), the work done, which a busy machine disturbs less. Ratios are the raw
reader's time over conncheck's (1.00× = as fast as the raw reader). Peak RSS is each process's maximum resident
set (wait4's ru_maxrss): flat memory shows as the same figure for 1× and 100×.

The raw reader is what a script would write: `for r in PyEvtxParser(path).records_json(): pass` (default
settings). The 100× file is security.evtx's chunks appended 100 times behind its own header (chunk count in
the header raised to match), in a temporary directory.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import NamedTuple

import instructions
from conncheck.events.evtx_chunks import CHUNK_COUNT, CHUNK_SIZE, HEADER_SIZE

REPO = Path(__file__).resolve().parent.parent
SOURCE = REPO.parent / "shared" / "data" / "evtx" / "security.evtx"
RAW = "import sys, evtx\nn = 0\nfor _ in evtx.PyEvtxParser(sys.argv[1]).records_json(): n += 1\nprint(n)"


# As installed Python runs: bytecode cached (an environment with PYTHONDONTWRITEBYTECODE recompiles every start).
ENV = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}


class Run(NamedTuple):
    seconds: float
    cpu_seconds: float  # user + system, all threads: the work done, less sensitive to busy neighbours
    peak_rss_mib: float


def multiplied(source: Path, copies: int, into: Path) -> Path:
    data = source.read_bytes()
    header, chunks = bytearray(data[:HEADER_SIZE]), data[HEADER_SIZE:]
    count = len(chunks) // CHUNK_SIZE
    chunks = chunks[: count * CHUNK_SIZE]
    header[CHUNK_COUNT] = min(count * copies, 0xFFFF).to_bytes(2, "little")
    path = into / f"security_x{copies}.evtx"
    with path.open("wb") as out:
        out.write(header)
        for _ in range(copies):
            out.write(chunks)
    return path


Command = tuple[list[str], dict[str, str]]  # argv, environment


def timed(command: Command) -> Run:
    """Wall time, CPU time and peak RSS of one child process (stdout discarded; a failure stops the benchmark)."""
    start = time.perf_counter()
    child = subprocess.Popen(command[0], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, env=command[1])
    _, status, usage = os.wait4(child.pid, 0)
    seconds = time.perf_counter() - start
    child.returncode = os.waitstatus_to_exitcode(status)
    stderr = child.stderr.read().decode(errors="replace") if child.stderr else ""
    if child.returncode not in (0, 1, 3):  # events: 1 an unrecovered failure, 3 no record of the connector
        raise SystemExit(f"bench_events: {command} exited {child.returncode}: {stderr.strip()}")
    return Run(seconds, usage.ru_utime + usage.ru_stime, usage.ru_maxrss / 1024)


def conncheck() -> str:
    here = Path(sys.executable).parent
    for candidate in (here / "conncheck", here / "conncheck.exe"):
        if candidate.exists():
            return str(candidate)
    raise SystemExit("bench_events: the conncheck console script is not installed next to this Python")


def records_in(path: Path) -> int:
    return int(subprocess.run([sys.executable, "-c", RAW, str(path)], check=True, capture_output=True).stdout)


def baseline_tree(revision: str, into: Path) -> Path:
    """The revision's toolkit/ and checks/ laid out as the import package conncheck, as pyproject.toml maps them."""
    archive = subprocess.run(["git", "-C", str(REPO), "archive", revision, "toolkit", "checks"],
                             check=True, capture_output=True).stdout  # fmt: skip
    subprocess.run(["tar", "-x", "-C", str(into)], input=archive, check=True)
    (into / "toolkit").rename(into / "conncheck")
    (into / "checks").rename(into / "conncheck" / "checks")
    return into


def compare(path: Path, repeat: int, baseline: tuple[str, Path] | None, count: bool) -> None:
    events = ["events", str(path), "--format", "json"]
    commands: dict[str, Command] = {
        "raw evtx records_json()": ([sys.executable, "-c", RAW, str(path)], ENV),
        "conncheck events -f json": ([conncheck(), *events], ENV),
    }
    if baseline is not None:
        revision, tree = baseline
        entry = "import sys; from conncheck.cli.main import main; sys.argv[0] = 'conncheck'; main()"
        commands[f"  the same @{revision[:10]}"] = ([sys.executable, "-c", entry, *events],
                                                    {**ENV, "PYTHONPATH": str(tree)})  # fmt: skip
    runs: dict[str, list[Run]] = {label: [] for label in commands}
    for command in commands.values():
        timed(command)  # warm the page cache and the bytecode
    for _ in range(repeat):
        for label, command in commands.items():
            runs[label].append(timed(command))
    records = records_in(path)
    print(f"{path.name}: {path.stat().st_size / 2**20:.1f} MiB, {records:,} records; best / median of {repeat}")
    raw = runs["raw evtx records_json()"]
    for label, measured in runs.items():
        wall = (min(r.seconds for r in measured), statistics.median(r.seconds for r in measured))
        cpu = min(r.cpu_seconds for r in measured)
        wall_ratio = (min(r.seconds for r in raw) / wall[0], statistics.median(r.seconds for r in raw) / wall[1])
        cpu_ratio = min(r.cpu_seconds for r in raw) / cpu
        peak = max(r.peak_rss_mib for r in measured)
        print(f"  {label:<26} wall {wall[0]:6.3f} / {wall[1]:6.3f} s  {records / wall[0]:>9,.0f} records/s  "
              f"{wall_ratio[0]:4.2f}× / {wall_ratio[1]:4.2f}× raw   cpu {cpu:6.3f} s  {cpu_ratio:4.2f}× raw   "
              f"peak RSS {peak:5.1f} MiB")
    if count and instructions.available():
        counts = {label: instructions.instructions(*command) for label, command in commands.items()}
        for label, value in counts.items():
            print(f"  {label:<26} {value / 1e6:9,.0f} M instructions   "
                  f"{counts['raw evtx records_json()'] / value:4.2f}× raw")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--copies", type=int, default=100)
    parser.add_argument("--baseline", metavar="REV", help="also run conncheck as of this git revision")
    parser.add_argument("--instructions", action="store_true", help="also count instructions (valgrind)")
    args = parser.parse_args()
    if not SOURCE.exists():
        sys.exit(f"bench_events: {SOURCE} is absent")
    print("load average at start: " + " ".join(f"{n:.2f}" for n in os.getloadavg()))
    with tempfile.TemporaryDirectory() as tmp:
        baseline = None
        if args.baseline:
            (Path(tmp) / "baseline").mkdir()
            baseline = (args.baseline, baseline_tree(args.baseline, Path(tmp) / "baseline"))
        compare(SOURCE, args.repeat, baseline, args.instructions)
        compare(multiplied(SOURCE, args.copies, Path(tmp)), args.repeat, baseline, args.instructions)
    print("load average at end:   " + " ".join(f"{n:.2f}" for n in os.getloadavg()))


if __name__ == "__main__":
    main()
