"""What the history store holds about one audit run."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any

from conncheck.results import Status, worst


def timestamp(value: datetime) -> str:
    """UTC ISO 8601 with milliseconds: sorts as text and keeps a run's duration."""
    return value.astimezone(timezone.utc).isoformat(timespec="milliseconds").replace("+00:00", "Z")


@dataclass(frozen=True)
class NewRun:
    """A finished audit, before it is stored."""

    site: str
    started_at: datetime
    finished_at: datetime
    collected_at: datetime
    toolkit_version: str
    exit_code: int  # the audit's exit code when nothing regressed against the site's previous run
    facts: dict[str, Any]
    exit_code_on_regression: int | None = None  # the audit's exit code when something regressed; None: exit_code


@dataclass(frozen=True)
class RunRecord:
    """A stored run, with its result counts per status."""

    id: int
    site: str
    started_at: datetime
    finished_at: datetime
    collected_at: datetime
    toolkit_version: str
    exit_code: int
    previous_run: int | None
    regressions: int | None  # None for runs stored by a schema that did not count them
    summary: dict[str, int]

    @property
    def verdict(self) -> Status:
        return worst([Status(s) for s, n in self.summary.items() if n])

    @property
    def duration_seconds(self) -> float:
        return (self.finished_at - self.started_at).total_seconds()

    def to_json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "site": self.site,
            "started_at": timestamp(self.started_at),
            "finished_at": timestamp(self.finished_at),
            "collected_at": timestamp(self.collected_at),
            "duration_seconds": round(self.duration_seconds, 3),
            "toolkit_version": self.toolkit_version,
            "verdict": self.verdict.value,
            "exit_code": self.exit_code,
            "previous_run": self.previous_run,
            "regressions": self.regressions,
            "summary": self.summary,
        }
