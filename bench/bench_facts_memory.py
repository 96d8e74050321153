"""Peak memory and time to load a large facts document of small objects (figures, not pass/fail).

    python bench/bench_facts_memory.py [--sizes 10 100 200]

For each size (MB) a facts file is written whose bulk is many small JSON objects: a third-party probe nobody reads
and the `services` probe of many hosts (which the checks decode into its schema). Each measurement runs in a fresh
process and prints the file size, the peak RSS above a process that only imported conncheck, and the time: for
loading the document, and for loading plus evaluating every check.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
from pathlib import Path

# VmHWM (the peak RSS of this process image): ru_maxrss would carry the parent's peak across fork and exec.
MEASURE = r"""
import re, sys, time
from pathlib import Path
def peak_kib():
    return int(re.search(r"VmHWM:\s+(\d+)", Path("/proc/self/status").read_text()).group(1))
from conncheck import facts
from conncheck.evaluate import evaluate
from conncheck.registry import default_registry
default_registry()
base = peak_kib()
start = time.perf_counter()
loaded = facts.load(Path(sys.argv[1]))
if sys.argv[2] == "evaluate":
    evaluate(loaded, default_registry())
took = time.perf_counter() - start
peak = peak_kib()
print(f"{(peak - base) / 1024:.0f} {took:.2f}")
"""


def service(i: int) -> dict[str, str]:
    return {"name": f"svc{i}", "display_name": f"Service {i}", "status": "Running", "start_type": "Automatic",
            "account": "LocalSystem"}


def write_document(path: Path, megabytes: int) -> int:
    per_host = 2000
    host = {"roles": ["ndes"], "probes": {
        "services": {"ok": True, "data": [service(i) for i in range(per_host)]},
        "vendor_inventory": {"ok": True, "data": [{"k": i, "v": "x"} for i in range(per_host * 3)]},
    }}
    count = max(1, megabytes * 1024 * 1024 // len(json.dumps(host)))
    hosts = {f"h{h:05d}.contoso.com": host for h in range(count)}
    doc = {"schema": "conncheck.facts/1", "collected_at": "2026-11-25T09:00:00Z", "hosts": hosts}
    path.write_text(json.dumps(doc), encoding="utf-8")
    return path.stat().st_size


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[10, 100, 200])
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        for megabytes in args.sizes:
            path = Path(tmp) / f"facts-{megabytes}.json"
            size = write_document(path, megabytes)
            for mode in ("load", "evaluate"):
                done = subprocess.run([sys.executable, "-c", MEASURE, str(path), mode], capture_output=True,
                                      text=True, check=True)
                rss, took = done.stdout.split()
                ratio = float(rss) / (size / 2**20)
                print(f"{size / 2**20:6.0f} MB file  {mode:<8}  peak RSS +{rss:>5} MB ({ratio:.1f}x)  {took} s")


if __name__ == "__main__":
    main()
