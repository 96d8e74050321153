"""How long the history store takes: recording a run (run row, facts, every result in one transaction), listing
history and diffing two runs, on SQLite. Figures, not pass/fail.

    python bench/bench_audit.py [RUNS]
"""

from __future__ import annotations

import sys
import tempfile
import time
from datetime import datetime, timezone
from pathlib import Path

from conncheck.catalog import load
from conncheck.checklist import build_report
from conncheck.evaluate import evaluate
from conncheck.history import open_store
from conncheck.history.diff import diff_results
from conncheck.history.model import NewRun
from conncheck.lab import samples
from conncheck.registry import default_registry


def main(runs: int) -> None:
    now = datetime(2026, 11, 25, 9, 0, tzinfo=timezone.utc)
    facts = samples.healthy_site(now).facts
    results = evaluate(facts, default_registry())
    report = build_report("bench", results, load(), generated_at=now, collected_at=now)
    doc = facts.to_json()
    with tempfile.TemporaryDirectory() as tmp:
        db = Path(tmp) / "bench.sqlite"
        with open_store(str(db), create=True) as store:
            start = time.perf_counter()
            for _ in range(runs):
                store.record(NewRun("bench", now, now, now, "bench", report.exit_code, doc), results)
            record = (time.perf_counter() - start) / runs
            start = time.perf_counter()
            listed = store.runs(limit=20)
            history = time.perf_counter() - start
            start = time.perf_counter()
            diff_results(store.results(listed[1].id), store.results(listed[0].id))
            diff = time.perf_counter() - start
        size = db.stat().st_size
    print(f"results per run: {len(results)}, facts JSON: {len(facts.dumps()) // 1024} KiB")
    print(f"record one run: {record * 1000:.1f} ms (mean of {runs})")
    print(f"history, 20 runs: {history * 1000:.1f} ms;  diff of two runs: {diff * 1000:.1f} ms")
    print(f"store size after {runs} runs: {size / 1024 / 1024:.1f} MiB ({size / runs / 1024:.0f} KiB per run)")


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 50)
