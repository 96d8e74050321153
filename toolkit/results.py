"""What a check says: a status, a one-line finding, the evidence seen and the fix for the cause it found.

A check returns an ``Outcome`` made by ``passed``, ``warned``, ``failed``, ``unknown`` or ``skipped``: the finding
first, then the evidence as one mapping, then (keyword only) the fix. Evidence cannot bind to the fix by accident.
Text shown to the admin is a ``Msg`` (English and Turkish) or plain English.
"""

from __future__ import annotations

import enum
from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
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
class Msg:
    """Text in English and, where written, Turkish (``--lang tr``)."""

    en: str
    tr: str | None = None

    def __str__(self) -> str:
        return self.en

    def in_lang(self, lang: str) -> str:
        return self.tr if lang == "tr" and self.tr else self.en


Text = Msg | str


def text_in(value: Text, lang: str) -> str:
    return value.in_lang(lang) if isinstance(value, Msg) else value


@dataclass(frozen=True)
class Fix:
    """What to do about one cause, in the operator's words."""

    en: str
    tr: str | None = None

    def in_lang(self, lang: str) -> str:
        return self.tr if lang == "tr" and self.tr else self.en


Evidence = Mapping[str, Any]
NO_EVIDENCE: Evidence = MappingProxyType({})


@dataclass(frozen=True)
class Outcome:
    """What a check function returns; the engine adds the check id and host. ``fix`` None: the check's default."""

    status: Status
    finding: Text
    evidence: Evidence = field(default_factory=dict)
    fix: Fix | None = None


def passed(finding: Text, evidence: Evidence = NO_EVIDENCE) -> Outcome:
    return Outcome(Status.PASS, finding, evidence)


def warned(finding: Text, evidence: Evidence = NO_EVIDENCE, *, fix: Fix | None = None) -> Outcome:
    return Outcome(Status.WARN, finding, evidence, fix)


def failed(finding: Text, evidence: Evidence = NO_EVIDENCE, *, fix: Fix | None = None) -> Outcome:
    return Outcome(Status.FAIL, finding, evidence, fix)


def unknown(finding: Text, evidence: Evidence = NO_EVIDENCE, *, fix: Fix | None = None) -> Outcome:
    return Outcome(Status.UNKNOWN, finding, evidence, fix)


def skipped(finding: Text, evidence: Evidence = NO_EVIDENCE) -> Outcome:
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
