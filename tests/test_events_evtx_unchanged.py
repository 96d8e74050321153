"""The .evtx reader gives the same records and triage the same report as before its speed-up, on every real
sample of ../shared/data/evtx.

tests/events_evtx_golden.json was written by the reader before the speed-up (commit history shows it): per file,
the number of records, a SHA-256 over every normalised record (all fields, JSON lines, in file order), what the
read skipped, and triage's JSON report with the input's path left out. Rewrite it only for an intended change:

    python -m tests.test_events_evtx_unchanged --write
"""

from __future__ import annotations

import hashlib
import json
import sys
from pathlib import Path
from typing import Any

import pytest
from conncheck.catalog import load
from conncheck.events.sources import read_file
from conncheck.events.stats import ReadStats
from conncheck.events.triage import triage

from tests.conftest import SHARED_DATA, shared_data

GOLDEN = Path(__file__).resolve().parent / "events_evtx_golden.json"


def sample_names() -> list[str]:
    return sorted(p.name for p in (SHARED_DATA / "evtx").glob("*.evtx")) or ["(no samples)"]


def observed(path: Path) -> dict[str, Any]:
    stats = ReadStats(str(path))
    digest = hashlib.sha256()
    count = 0
    for record in read_file(path, load(), stats):
        line = json.dumps({"record_id": record.record_id, **record.to_json()}, sort_keys=True, ensure_ascii=False)
        digest.update(line.encode() + b"\n")
        count += 1
    report = triage([path], load()).to_json()
    for item in report["inputs"]:
        item["source"] = path.name
    return {
        "records": count,
        "sha256": digest.hexdigest(),
        "read": {"records": stats.records, "skipped_parts": stats.skipped_parts},
        "triage": report,
    }


@pytest.mark.parametrize("name", sample_names())
def test_records_and_report_are_unchanged(name: str) -> None:
    path = shared_data("evtx", name)
    expected = json.loads(GOLDEN.read_text(encoding="utf-8"))
    assert name in expected, f"no golden entry for {name}: python -m tests.test_events_evtx_unchanged --write"
    assert observed(path) == expected[name]


def write() -> None:
    doc = {name: observed(SHARED_DATA / "evtx" / name) for name in sample_names()}
    GOLDEN.write_text(json.dumps(doc, indent=1, sort_keys=True, ensure_ascii=False) + "\n", encoding="utf-8")
    print(GOLDEN)


if __name__ == "__main__":
    if sys.argv[1:] != ["--write"]:
        sys.exit("usage: python -m tests.test_events_evtx_unchanged --write")
    write()
