"""What the connector's events say, in the code table's terms: per event ID, per diagnostic code, a timeline.

Records stream through ``Summary.add``: non-connector records are only counted; a connector record updates its
event ID's and code's tallies, and, when its catalog entry marks it a success or failure of an operation, adds
one compact step to the timeline. A failure followed later by a success of the same operation on the same host
is *recovered* (the catalog's matching rule); failures in a row are one run on the timeline.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, NamedTuple

from conncheck.catalog import Catalog, Event, format_code
from conncheck.events.operations import codes_for_failure
from conncheck.events.record import EventRecord, events_index, format_utc

UNNAMED = "(not in the catalog)"


class Step(NamedTuple):
    """A success or failure of an operation: all the timeline keeps of a record."""

    time: datetime
    host: str
    operation: str
    event_id: int
    failed: bool
    code: int | None


@dataclass
class Run:
    """Failures of one operation on one host in a row, and the success that ended them, if any."""

    host: str
    operation: str
    first: datetime
    last: datetime
    count: int = 0
    event_ids: Counter[int] = field(default_factory=Counter)
    codes: set[int] = field(default_factory=set)
    recovered_at: datetime | None = None
    recovered_by: int | None = None

    @property
    def recovered(self) -> bool:
        return self.recovered_at is not None

    def to_json(self, names: dict[int, Event]) -> dict[str, Any]:
        return {
            "host": self.host,
            "operation": self.operation,
            "first": format_utc(self.first),
            "last": format_utc(self.last),
            "count": self.count,
            "events": [
                {"event_id": i, "name": _name(names, i), "count": n} for i, n in sorted(self.event_ids.items())
            ],
            "codes": [format_code(c) for c in sorted(self.codes)],
            "recovered": self.recovered,
            "recovered_at": format_utc(self.recovered_at) if self.recovered_at else None,
            "recovered_by": self.recovered_by,
        }


def _name(names: dict[int, Event], event_id: int) -> str:
    event = names.get(event_id)
    return event.name if event else UNNAMED


def failure_runs(steps: Iterable[Step]) -> list[Run]:
    """Group failures into runs per (host, operation); a later success closes (recovers) the open run."""
    open_runs: dict[tuple[str, str], Run] = {}
    runs: list[Run] = []
    for step in sorted(steps, key=lambda s: s.time):
        key = (step.host, step.operation)
        run = open_runs.get(key)
        if not step.failed:
            if run is not None:
                run.recovered_at, run.recovered_by = step.time, step.event_id
                del open_runs[key]
            continue
        if run is None:
            run = open_runs[key] = Run(step.host, step.operation, step.time, step.time)
            runs.append(run)
        run.last = step.time
        run.count += 1
        run.event_ids[step.event_id] += 1
        if step.code is not None and step.code != 0:
            run.codes.add(step.code)
    return runs


@dataclass
class EventTally:
    event_id: int
    count: int = 0
    first: datetime | None = None
    last: datetime | None = None
    levels: Counter[str] = field(default_factory=Counter)
    channels: Counter[str] = field(default_factory=Counter)

    def add(self, record: EventRecord) -> None:
        self.count += 1
        if self.first is None or record.time < self.first:
            self.first = record.time
        if self.last is None or record.time > self.last:
            self.last = record.time
        self.levels[record.level or "-"] += 1
        self.channels[record.channel or record.provider] += 1


@dataclass
class CodeTally:
    code: int
    count: int = 0
    event_ids: Counter[int] = field(default_factory=Counter)
    latest: EventRecord | None = None

    def add(self, record: EventRecord) -> None:
        self.count += 1
        self.event_ids[record.event_id] += 1
        if self.latest is None or record.time >= self.latest.time:
            self.latest = record


def host_key(computer: str) -> str:
    return computer.strip().lower() or "-"


def short_name(computer: str) -> str:
    """'CONN01.contoso.com' and 'conn01' name the same host for --host."""
    return host_key(computer).split(".", 1)[0]


class Summary:
    """Streams records in; ``finish()`` gives the runs and the codes to check next."""

    def __init__(self, catalog: Catalog, since: datetime | None = None, hosts: Iterable[str] | None = None) -> None:
        self.catalog = catalog
        self.names = events_index(catalog)
        self.since = since
        self.hosts = {short_name(h) for h in hosts} if hosts else None
        self.total = 0
        self.not_connector = 0
        self.filtered_out = 0  # connector records before --since or of another --host
        self.connector = 0
        self.events: dict[int, EventTally] = {}
        self.codes: dict[int, CodeTally] = {}
        self.steps: list[Step] = []
        self.suspect_codes: set[int] = set()

    def _wanted(self, record: EventRecord) -> bool:
        if self.since is not None and record.time < self.since:
            return False
        if self.hosts is None:
            return True
        return short_name(record.computer) in self.hosts

    def add_others(self, count: int) -> None:
        """Non-connector records a reader counted without yielding them."""
        self.total += count
        self.not_connector += count

    def add(self, record: EventRecord) -> None:
        self.total += 1
        if not record.is_connector:
            self.not_connector += 1  # the rest of a System or Security log, say: counted, not an error
            return
        if not self._wanted(record):
            self.filtered_out += 1
            return
        self.connector += 1
        tally = self.events.get(record.event_id)
        if tally is None:
            tally = self.events[record.event_id] = EventTally(record.event_id)
        tally.add(record)
        if record.code is not None:
            code_tally = self.codes.get(record.code)
            if code_tally is None:
                code_tally = self.codes[record.code] = CodeTally(record.code)
            code_tally.add(record)
        event = self.names.get(record.event_id)
        if event is None or event.outcome not in ("success", "failure"):
            return
        failed = event.outcome == "failure"
        if failed:
            self.suspect_codes.update(codes_for_failure(event, record.code))
        self.steps.append(
            Step(record.time, host_key(record.computer), event.operation, record.event_id, failed, record.code)
        )

    def add_all(self, records: Iterable[EventRecord]) -> Summary:
        for record in records:
            self.add(record)
        return self

    def runs(self) -> list[Run]:
        return failure_runs(self.steps)

    def event_rows(self) -> list[dict[str, Any]]:
        rows = []
        for event_id in sorted(self.events):
            tally = self.events[event_id]
            event = self.names.get(event_id)
            block = self.catalog.event_range(event_id)
            rows.append({
                "event_id": event_id,
                "name": event.name if event else UNNAMED,
                "area": block.area["en"] if block else None,  # the documented ID range, listed or not
                "generation": event.generation if event else None,
                "operation": event.operation if event else None,
                "outcome": event.outcome if event else None,
                "count": tally.count,
                "first": format_utc(tally.first) if tally.first else None,
                "last": format_utc(tally.last) if tally.last else None,
                "levels": dict(tally.levels.most_common()),
                "channels": dict(tally.channels.most_common()),
            })
        return rows

    def code_rows(self) -> list[dict[str, Any]]:
        rows = []
        for value in sorted(self.codes):
            tally = self.codes[value]
            code = self.catalog.code(value)
            latest = tally.latest
            rows.append({
                "code": format_code(value),
                "name": code.name if code else UNNAMED,
                "count": tally.count,
                "events": [
                    {"event_id": i, "name": _name(self.names, i), "count": n}
                    for i, n in sorted(tally.event_ids.items())
                ],
                "latest": None if latest is None else {
                    "time_utc": format_utc(latest.time),
                    "event_id": latest.event_id,
                    "computer": latest.computer,
                    "details": latest.details(),
                },
            })
        return rows
