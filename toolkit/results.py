"""What a check says: a status, a one-line finding, the evidence seen and the fix."""

from __future__ import annotations

import enum
from dataclasses import dataclass, field
from typing import Any


class Status(str, enum.Enum):
    PASS = "PASS"
    WARN = "WARN"
    FAIL = "FAIL"
    UNKNOWN = "UNKNOWN"
    SKIP = "SKIP"

    def __str__(self) -> str:
        return self.value


# Order used to aggregate: the first status present wins (SKIP only when everything skipped).
SEVERITY: tuple[Status, ...] = (Status.FAIL, Status.UNKNOWN, Status.WARN, Status.PASS, Status.SKIP)


def worst(statuses: list[Status]) -> Status:
    """The aggregate verdict of DESIGN.md: FAIL > UNKNOWN > WARN > PASS; SKIP only if all skip."""
    present = set(statuses)
    for status in SEVERITY:
        if status in present:
            return status
    return Status.SKIP


@dataclass(frozen=True)
class Outcome:
    """What a check function returns; the engine adds the check id and host."""

    status: Status
    finding: str
    evidence: dict[str, Any] = field(default_factory=dict)
    remediation: str | None = None


def passed(finding: str, **evidence: Any) -> Outcome:
    return Outcome(Status.PASS, finding, evidence)


def warned(finding: str, remediation: str | None = None, **evidence: Any) -> Outcome:
    return Outcome(Status.WARN, finding, evidence, remediation)


def failed(finding: str, remediation: str | None = None, **evidence: Any) -> Outcome:
    return Outcome(Status.FAIL, finding, evidence, remediation)


def unknown(finding: str, **evidence: Any) -> Outcome:
    return Outcome(Status.UNKNOWN, finding, evidence)


def skipped(finding: str, **evidence: Any) -> Outcome:
    return Outcome(Status.SKIP, finding, evidence)


@dataclass(frozen=True)
class Result:
    """One check's verdict on one host (or directory, or SCEP endpoint)."""

    check_id: str
    title: str
    host: str
    status: Status
    finding: str
    evidence: dict[str, Any]
    remediation: str | None
    codes: tuple[int, ...] = ()

    def to_json(self) -> dict[str, Any]:
        return {
            "id": self.check_id,
            "title": self.title,
            "host": self.host,
            "status": self.status.value,
            "finding": self.finding,
            "evidence": self.evidence,
            "remediation": self.remediation,
        }
