"""Post-incident triage: read event files, summarise them, and say which checks to run next."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from conncheck.catalog import Catalog, format_code
from conncheck.events.record import ADMIN_LOG, LEGACY_LOG, OPERATIONAL_LOG, format_utc
from conncheck.events.sources import read_file
from conncheck.events.stats import ReadStats
from conncheck.events.summary import Run, Summary

SCHEMA = "conncheck.events/1"
NO_CONNECTOR_RECORD = (
    f"no record of the connector's logs here: they are the legacy '{LEGACY_LOG}' log and "
    f"'{ADMIN_LOG}' and '/{OPERATIONAL_LOG.rsplit('/', 1)[1]}', on the connector host "
    "(with SCEP, the NDES server)"
)


@dataclass(frozen=True)
class NextStep:
    code: int
    name: str
    checks: tuple[str, ...]


@dataclass
class Triage:
    summary: Summary
    runs: list[Run]
    inputs: list[ReadStats]
    next_steps: list[NextStep]
    since: datetime | None

    @property
    def unrecovered(self) -> list[Run]:
        return [run for run in self.runs if not run.recovered]

    @property
    def nothing_read(self) -> str | None:
        """Why these inputs say nothing about the connector, or None when some of its records were read: a
        verdict on no records is no verdict (the CLI exits 3)."""
        if self.summary.connector:
            return None
        if self.summary.filtered_out:
            return f"none of the {self.summary.filtered_out} connector records here is inside --since/--host"
        return NO_CONNECTOR_RECORD

    @property
    def command(self) -> str | None:
        """The focused re-check of the codes behind the failures seen."""
        if not self.next_steps:
            return None
        return "conncheck check --codes " + ",".join(format_code(step.code) for step in self.next_steps)

    def to_json(self) -> dict[str, Any]:
        summary = self.summary
        return {
            "schema": SCHEMA,
            "since": format_utc(self.since) if self.since else None,
            "inputs": [stats.to_json() for stats in self.inputs],
            "records": {
                "total": summary.total,
                "connector": summary.connector,
                "not_connector": summary.not_connector,
                "filtered_out": summary.filtered_out,
            },
            "events": summary.event_rows(),
            "codes": summary.code_rows(),
            "timeline": [run.to_json(summary.names) for run in self.runs],
            "unrecovered": len(self.unrecovered),
            "next": {
                "codes": [
                    {"code": format_code(s.code), "name": s.name, "checks": list(s.checks)} for s in self.next_steps
                ],
                "command": self.command,
            },
        }


def next_steps(codes: Iterable[int], catalog: Catalog) -> list[NextStep]:
    """For each code behind a failure, the checks that verify its preconditions (third-party plugins included)."""
    codes = sorted(set(codes))
    if not codes:
        return []
    from conncheck.registry import default_registry

    registry = default_registry()
    steps = []
    for value in codes:
        code = catalog.code(value)
        checks = tuple(sorted(c.id for c in registry.checks.values() if value in c.codes))
        steps.append(NextStep(value, code.name if code else "(not in the catalog)", checks))
    return steps


def triage(
    paths: list[Path],
    catalog: Catalog,
    *,
    since: datetime | None = None,
    hosts: Iterable[str] | None = None,
    csv_offset: timedelta | None = None,
) -> Triage:
    summary = Summary(catalog, since, hosts)
    inputs = []
    for path in paths:
        stats = ReadStats(str(path))
        inputs.append(stats)
        summary.add_all(read_file(path, catalog, stats, csv_offset, connector_only=True))
        summary.add_others(stats.not_yielded)
    runs = summary.runs()
    return Triage(summary, runs, inputs, next_steps(summary.suspect_codes, catalog), since)
