"""What reading one input gave: records kept, parts skipped and why (a damaged file keeps its good records)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

MAX_PROBLEMS = 10


@dataclass
class ReadStats:
    source: str
    format: str = ""
    records: int = 0
    skipped_parts: int = 0  # damaged chunks (.evtx), unparsable rows or elements (CSV, XML), bad live records
    not_yielded: int = 0  # of ``records``: not from the connector, counted by a reader asked for connector ones only
    problems: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)  # how the input was read (CSV times taken as UTC, say)

    def skip(self, reason: str, count: int = 1) -> None:
        self.skipped_parts += count
        if len(self.problems) < MAX_PROBLEMS:
            self.problems.append(reason)

    def problem(self, reason: str) -> None:
        """A note that skipped nothing countable (an XML document cut short, say)."""
        if len(self.problems) < MAX_PROBLEMS:
            self.problems.append(reason)

    @property
    def damaged(self) -> bool:
        return self.skipped_parts > 0 or bool(self.problems)

    def warning(self) -> str | None:
        """One line for stderr when something was skipped, None for a clean read."""
        if not self.damaged:
            return None
        parts = [f"{self.source}: kept {self.records} records"]
        if self.skipped_parts:
            parts.append(f"skipped {self.skipped_parts} damaged part(s)")
        first = self.problems[0] if self.problems else ""
        return "; ".join(parts) + (f" (first: {first})" if first else "")

    def to_json(self) -> dict[str, Any]:
        return {
            "source": self.source,
            "format": self.format,
            "records": self.records,
            "skipped_parts": self.skipped_parts,
            "problems": self.problems,
            "notes": self.notes,
        }
