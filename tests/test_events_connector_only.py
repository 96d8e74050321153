"""The .evtx reader's connector-only mode (what triage uses) keeps exactly the records a full read calls the
connector's and counts the rest, with the same counts and damage. The shared logs hold no connector record, so the
test lets a stand-in predicate call some of their records the connector's (the Kernel and Eventlog providers)."""

from __future__ import annotations

from pathlib import Path

import pytest
from conncheck.catalog import load
from conncheck.events import evtx_file
from conncheck.events.record import EventRecord
from conncheck.events.sources import read_file
from conncheck.events.stats import ReadStats
from conncheck.events.triage import triage

from tests.conftest import shared_data

FILES = ("security.evtx", "system.evtx", "CAPI2-Operational.evtx", "Application_no_crc32.evtx",
         "HelloForBusiness-Operational.evtx", "sample_with_a_bad_chunk_magic.evtx")


def stand_in(provider: str, channel: str) -> bool:
    return "Kernel" in provider or provider == "Microsoft-Windows-Eventlog"


def read(path: Path, connector_only: bool) -> tuple[list[EventRecord], ReadStats]:
    stats = ReadStats(str(path))
    return list(read_file(path, load(), stats, connector_only=connector_only)), stats


def key(record: EventRecord) -> tuple[object, ...]:
    return (record.record_id, record.to_json())


@pytest.mark.parametrize("name", FILES)
def test_connector_only_yields_the_connector_records_of_a_full_read(
    name: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = shared_data("evtx", name)
    monkeypatch.setattr(evtx_file, "is_connector", stand_in)
    full, full_stats = read(path, connector_only=False)
    kept, stats = read(path, connector_only=True)
    wanted = [r for r in full if stand_in(r.provider, r.channel)]
    assert [key(r) for r in kept] == [key(r) for r in wanted]
    assert stats.records == full_stats.records == len(full)
    assert stats.not_yielded == len(full) - len(wanted)
    assert full_stats.not_yielded == 0
    assert (stats.skipped_parts, stats.problems) == (full_stats.skipped_parts, full_stats.problems)


def test_system_log_really_has_stand_in_connector_records(monkeypatch: pytest.MonkeyPatch) -> None:
    """The comparison above is not vacuous: the System log has records of both kinds."""
    monkeypatch.setattr(evtx_file, "is_connector", stand_in)
    kept, stats = read(shared_data("evtx", "system.evtx"), connector_only=True)
    assert 0 < len(kept) < stats.records == 1881
    assert stats.not_yielded == 1881 - len(kept)


def test_triage_counts_what_the_reader_did_not_yield() -> None:
    result = triage([shared_data("evtx", "sample_with_a_bad_chunk_magic.evtx")], load())
    stats = result.inputs[0]
    assert stats.not_yielded == stats.records == 300
    assert result.summary.total == result.summary.not_connector == 300
    assert "not_yielded" not in stats.to_json()  # a reading detail, not part of the report
