"""The real .evtx files of ../shared/data/evtx: every one parses, record counts are exact, damage is counted."""

from __future__ import annotations

from datetime import datetime, timezone
from pathlib import Path

import pytest
from conncheck.catalog import load
from conncheck.events.sources import read_file
from conncheck.events.stats import ReadStats
from conncheck.events.triage import triage

from tests.conftest import shared_data

# file → records the evtx walk keeps (checksums not enforced: a zeroed CRC32 does not drop good records)
COUNTS = {
    "security.evtx": 2261,
    "system.evtx": 1881,
    "CAPI2-Operational.evtx": 340,
    "Application_no_crc32.evtx": 17,
    "HelloForBusiness-Operational.evtx": 6,
}


def read(path: Path) -> tuple[list, ReadStats]:
    stats = ReadStats(str(path))
    return list(read_file(path, load(), stats)), stats


# HelloForBusiness's one chunk fails its checksum (written to after it was last summed): read record by record,
# every record kept, and said so.
CHECKSUM_FAILED = {"HelloForBusiness-Operational.evtx": [0]}


@pytest.mark.parametrize("name", sorted(COUNTS))
def test_every_sample_parses_completely(name: str) -> None:
    records, stats = read(shared_data("evtx", name))
    assert len(records) == COUNTS[name] == stats.records
    assert stats.format == "evtx"
    assert stats.skipped_parts == 0
    assert stats.problems == [
        f"chunk {n}: chunk data CRC32 invalid (damaged, or being written when copied): read record by record"
        for n in CHECKSUM_FAILED.get(name, [])
    ]
    assert all(r.time.tzinfo is not None and r.event_id >= 0 for r in records)


def test_security_log_fields_are_normalised() -> None:
    records, _ = read(shared_data("evtx", "security.evtx"))
    first = records[0]
    assert first.event_id == 4608
    assert first.provider == "Microsoft-Windows-Security-Auditing"
    assert first.channel == "Security"
    assert first.computer == "37L4247F27-25"
    assert first.time == datetime(2016, 7, 8, 18, 12, 51, 681640, tzinfo=timezone.utc)
    logon = next(r for r in records if r.event_id == 4624)
    assert logon.data["TargetUserName"] == "SYSTEM"
    assert logon.data["LogonType"] == "0"  # numbers become strings


def test_system_log_qualified_event_ids_and_unnamed_data() -> None:
    records, _ = read(shared_data("evtx", "system.evtx"))
    assert records[0].event_id == 6009  # <EventID Qualifiers="32768">6009</EventID>
    assert records[0].level == "Information"
    assert records[0].data["Data2"] == "15063"


def test_damaged_file_keeps_good_records_and_counts_what_was_skipped() -> None:
    records, stats = read(shared_data("evtx", "sample_with_a_bad_chunk_magic.evtx"))
    assert len(records) == 300
    # two chunks with a bad signature, one record whose system fields are unreadable, and in chunk 7 a wiped
    # stretch (zeroes) that held records 47641-47674: framed as one record and skipped, 33 more counted by their
    # IDs, and the 31 records after it kept
    assert stats.skipped_parts == 2 + 1 + 34
    assert sum("chunk header magic" in p for p in stats.problems) == 2
    assert any(p.startswith("chunk 7: ") and p.endswith("repaired damage at offsets 8288-25040 (framed as one record)")
               for p in stats.problems)
    assert {r.record_id for r in records} >= set(range(47675, 47706))
    assert "kept 300 records" in (stats.warning() or "")


def test_non_connector_records_are_counted_and_ignored() -> None:
    result = triage([shared_data("evtx", "security.evtx"), shared_data("evtx", "system.evtx")], load())
    assert result.summary.total == 2261 + 1881
    assert result.summary.not_connector == 2261 + 1881
    assert result.summary.connector == 0
    assert result.runs == [] and result.next_steps == [] and result.command is None
