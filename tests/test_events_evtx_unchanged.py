"""The .evtx reader gives the same records and triage the same report as before its speed-up, on every real
sample of ../shared/data/evtx, and on system.evtx with one provider renamed so that triage takes 100 of its records
for the connector's (the samples hold none).

tests/events_evtx_golden.json was written by the reader before the speed-up (commit history shows it): per file,
the number of records, a SHA-256 over every normalised record (all fields, JSON lines, in file order), what the
read skipped, and triage's JSON report with the input's path left out. Rewrite it only for an intended change:

    python -m tests.test_events_evtx_unchanged --write
"""

from __future__ import annotations

import hashlib
import json
import sys
import tempfile
from pathlib import Path
from typing import Any

import pytest
from conncheck.catalog import load
from conncheck.events.sources import read_file
from conncheck.events.stats import ReadStats
from conncheck.events.triage import triage

from tests.conftest import SHARED_DATA, shared_data
from tests.events_samples import renamed_provider_evtx

GOLDEN = Path(__file__).resolve().parent / "events_evtx_golden.json"
RENAMED = "system-with-a-connector-provider.evtx"


def sample_names() -> list[str]:
    return [*sorted(p.name for p in (SHARED_DATA / "evtx").glob("*.evtx")), RENAMED]


def sample(name: str, folder: Path) -> Path:
    if name != RENAMED:
        return shared_data("evtx", name)
    path = folder / RENAMED
    source = shared_data("evtx", "system.evtx").read_bytes()
    path.write_bytes(renamed_provider_evtx(source, "Service Control Manager", "Intune Connector Events"))
    return path


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
def test_records_and_report_are_unchanged(name: str, tmp_path: Path) -> None:
    path = sample(name, tmp_path)
    expected = json.loads(GOLDEN.read_text(encoding="utf-8"))
    assert name in expected, f"no golden entry for {name}: python -m tests.test_events_evtx_unchanged --write"
    assert observed(path) == expected[name]


def write() -> None:
    with tempfile.TemporaryDirectory() as folder:
        doc = {name: observed(sample(name, Path(folder))) for name in sample_names()}
    GOLDEN.write_text(json.dumps(doc, indent=1, sort_keys=True, ensure_ascii=False) + "\n", encoding="utf-8")
    print(GOLDEN)


if __name__ == "__main__":
    if sys.argv[1:] != ["--write"]:
        sys.exit("usage: python -m tests.test_events_evtx_unchanged --write")
    write()
