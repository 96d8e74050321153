"""Event triage throughput and memory: records/s through read → normalise → summarise, and peak memory on a
file of 100× the records. Prints figures; asserts nothing (target: ≥ 100,000 records/s).

    python bench/bench_events.py [--repeat 5] [--copies 100]

The 1× figure is given as the best and the median of the repeats, with the load average at the start: the
machine's cores are shared, and a busy neighbour shows as a slow median rather than a slow best.

The 100× file is built by appending security.evtx's chunks 100 times behind its own header (chunk count in the
header raised to match), in a temporary directory. Peak memory is the process's maximum RSS (Linux: ru_maxrss)
after reading the 1× file and after the 100× file: flat memory shows as the same figure.
"""

from __future__ import annotations

import argparse
import os
import resource
import statistics
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from conncheck.catalog import load  # noqa: E402
from conncheck.events.evtx_file import CHUNK_SIZE, HEADER_SIZE  # noqa: E402
from conncheck.events.triage import triage  # noqa: E402

SOURCE = REPO.parent / "shared" / "data" / "evtx" / "security.evtx"


def peak_rss_mib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def multiplied(source: Path, copies: int, into: Path) -> Path:
    data = source.read_bytes()
    header, chunks = bytearray(data[:HEADER_SIZE]), data[HEADER_SIZE:]
    count = len(chunks) // CHUNK_SIZE
    chunks = chunks[: count * CHUNK_SIZE]
    header[42:44] = min(count * copies, 0xFFFF).to_bytes(2, "little")
    path = into / f"security_x{copies}.evtx"
    with path.open("wb") as out:
        out.write(header)
        for _ in range(copies):
            out.write(chunks)
    return path


def run(path: Path) -> tuple[int, float]:
    start = time.perf_counter()
    result = triage([path], load())
    return result.summary.total, time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--copies", type=int, default=100)
    args = parser.parse_args()
    if not SOURCE.exists():
        sys.exit(f"bench_events: {SOURCE} is absent")
    print("load average at start: " + " ".join(f"{n:.2f}" for n in os.getloadavg()))
    load()
    run(SOURCE)  # warm-up: imports, catalog
    times = [run(SOURCE)[1] for _ in range(args.repeat)]
    best, median = min(times), statistics.median(times)
    records = run(SOURCE)[0]
    print(f"security.evtx: {records} records, best of {args.repeat}: {best * 1000:.1f} ms "
          f"= {records / best:,.0f} records/s, median {records / median:,.0f} records/s "
          "(full read, normalise, summarise)")
    print(f"peak RSS after 1x: {peak_rss_mib():.1f} MiB")
    with tempfile.TemporaryDirectory() as tmp:
        big = multiplied(SOURCE, args.copies, Path(tmp))
        total, seconds = run(big)
        print(f"{big.name}: {big.stat().st_size / 2**20:.0f} MiB, {total:,} records in {seconds:.2f} s "
              f"= {total / seconds:,.0f} records/s")
    print(f"peak RSS after {args.copies}x: {peak_rss_mib():.1f} MiB")


if __name__ == "__main__":
    main()
