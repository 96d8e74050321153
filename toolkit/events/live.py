"""The event records the fact script collected on a host (probe ``events``, shape in docs/facts.md).

The PowerShell side (checks/ps/events.ps1) returns each record's raw fields and says, per connector log,
whether the log exists; Python normalises them exactly like a file's records.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from conncheck.catalog import Catalog
from conncheck.events.record import MAX_EVENT_ID, DamagedRecord, EventRecord, find_code, level_name, parse_utc
from conncheck.events.stats import ReadStats


class LiveShapeError(ValueError):
    """The probe's data is not the documented shape."""


@dataclass
class LogState:
    name: str
    found: bool
    error: str | None = None
    truncated: bool = False


@dataclass
class LiveEvents:
    logs: list[LogState]
    records: list[EventRecord]
    stats: ReadStats
    window_days: int | None = None

    @property
    def logs_found(self) -> list[LogState]:
        return [log for log in self.logs if log.found and not log.error]


def _log(raw: Any) -> LogState:
    if not isinstance(raw, dict) or not isinstance(raw.get("name"), str):
        raise LiveShapeError("each entry of 'logs' must be an object with a 'name'")
    error = raw.get("error")
    return LogState(raw["name"], bool(raw.get("found")), str(error) if error else None, bool(raw.get("truncated")))


def _record(raw: Any, catalog: Catalog) -> EventRecord | None:
    """The probe's record; None when it is not one (no integer event ID in range, no time, a field no log holds)."""
    if not isinstance(raw, dict):
        return None
    event_id, time = raw.get("event_id"), raw.get("time_utc")
    if isinstance(event_id, bool) or not isinstance(event_id, int) or not isinstance(time, str):
        return None
    if not 0 <= event_id <= MAX_EVENT_ID:
        return None
    try:
        when = parse_utc(time)
        level = level_name(raw.get("level"))
    except DamagedRecord:
        return None
    data_raw = raw.get("data") or {}
    data = {str(k): "" if v is None else str(v) for k, v in data_raw.items()} if isinstance(data_raw, dict) else {}
    message = str(raw.get("message") or "")
    return EventRecord(
        time=when,
        provider=str(raw.get("provider") or ""),
        channel=str(raw.get("channel") or ""),
        event_id=event_id,
        level=level,
        computer=str(raw.get("computer") or ""),
        data=data,
        message=message,
        code=find_code(data, message, catalog),
    )


def parse_probe(data: Any, catalog: Catalog, source: str) -> LiveEvents:
    """The probe's data as records; LiveShapeError when it is not the documented object."""
    if not isinstance(data, dict) or not all(isinstance(data.get(k), list) for k in ("logs", "records")):
        raise LiveShapeError("expected an object with 'logs' and 'records' lists")
    stats = ReadStats(source, "live")
    records = []
    for raw in data["records"]:
        record = _record(raw, catalog)
        if record is None:
            stats.skip("a record without an integer event_id (0-65535) or a readable time_utc")
            continue
        stats.records += 1
        records.append(record)
    window = data.get("window_days")
    return LiveEvents(
        [_log(raw) for raw in data["logs"]], records, stats, window if isinstance(window, int) else None
    )
