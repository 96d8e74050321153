"""The event records the fact script collected on a host (probe ``events``, shape in docs/facts.md).

The PowerShell side (checks/ps/events.ps1) returns each record's raw fields and says, per connector log,
whether the log exists; Python normalises them exactly like a file's records.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timezone
from functools import cached_property
from typing import Annotated, Any

import msgspec
from conncheck.catalog import Catalog
from conncheck.events.record import DamagedRecord, EventRecord, find_code, level_name
from conncheck.events.stats import ReadStats
from conncheck.schema import UtcTime


class LiveShapeError(ValueError):
    """The probe's data is not the documented shape."""


class LogState(msgspec.Struct):
    """One connector log on the host: found or not, why it could not be read, whether the read was capped."""

    name: str
    found: bool
    error: str | None = None
    truncated: bool = False


class LiveRecord(msgspec.Struct):
    time_utc: UtcTime
    event_id: Annotated[int, msgspec.Meta(ge=0, le=65535)]
    provider: str = ""
    channel: str = ""
    level: Annotated[int | str | None, msgspec.Meta(description="1 Critical … 5 Verbose, or its name")] = None
    computer: str = ""
    message: str | None = None
    data: Annotated[dict[str, str | None], msgspec.Meta(description="<Data> by name; unnamed: Data1, Data2…")] = {}


class EventsData(msgspec.Struct, dict=True):
    """The ``events`` probe: the look-back window, each connector log's state, and the records."""

    window_days: int | None
    logs: list[LogState]
    records: list[LiveRecord]

    @cached_property
    def normalised(self) -> LiveEvents:
        """The records normalised once, however many checks judge them."""
        from conncheck.catalog import load

        return live_events(self, load(), "live")


@dataclass
class LiveEvents:
    logs: list[LogState]
    records: list[EventRecord]
    stats: ReadStats
    window_days: int | None = None

    @property
    def logs_found(self) -> list[LogState]:
        return [log for log in self.logs if log.found and not log.error]

    @property
    def truncated(self) -> list[str]:
        """Logs whose read stopped at the cap: their older records were not seen."""
        return [log.name for log in self.logs if log.truncated]


def _record(raw: LiveRecord, catalog: Catalog) -> EventRecord:
    try:
        when = raw.time_utc.astimezone(timezone.utc)
    except OverflowError:
        raise DamagedRecord(f"time_utc {raw.time_utc.isoformat()} is outside the years a log can hold") from None
    data = {k: "" if v is None else v for k, v in raw.data.items()}
    message = raw.message or ""
    return EventRecord(
        time=when,
        provider=raw.provider,
        channel=raw.channel,
        event_id=raw.event_id,
        level=level_name(raw.level),
        computer=raw.computer,
        data=data,
        message=message,
        code=find_code(data, message, catalog),
    )


def live_events(data: EventsData, catalog: Catalog, source: str) -> LiveEvents:
    """The probe's typed data as normalised records; a record with a field no log holds is skipped and counted."""
    stats = ReadStats(source, "live")
    records = []
    for raw in data.records:
        try:
            records.append(_record(raw, catalog))
        except DamagedRecord as exc:
            stats.skip(f"record {raw.event_id}: {exc}")
    stats.records = len(records)
    return LiveEvents(data.logs, records, stats, data.window_days)


class _LooseEvents(msgspec.Struct):
    logs: list[LogState]
    records: list[Any]
    window_days: int | None = None


def parse_probe(data: Any, catalog: Catalog, source: str) -> LiveEvents:
    """Untyped probe data (a facts file given to ``conncheck events``): the frame must have its shape (else
    LiveShapeError); a record that does not is skipped and counted, as a damaged record of a file is."""
    try:
        loose = msgspec.convert(data, _LooseEvents, strict=True)
    except msgspec.ValidationError as exc:
        raise LiveShapeError(str(exc)) from None
    records, rejected = [], []
    for raw in loose.records:
        try:
            records.append(msgspec.convert(raw, LiveRecord, strict=True))
        except msgspec.ValidationError as exc:
            rejected.append(str(exc))
    live = live_events(EventsData(loose.window_days, loose.logs, records), catalog, source)
    for reason in rejected:
        live.stats.skip(f"a record that is not the probe's shape: {reason}")
    return live
