"""The certificate connector's releases and Microsoft's lifecycle rule for them, applied at a given moment.

Microsoft supports each release for six months after the next one ships; a release out of support keeps working for
up to 18 months after that next release and may then stop talking to Intune (``releases.json`` beside this module
holds the dated table and its source). ``lifecycle(table, version, at)`` applies the table as it stood at ``at``, the
facts' collection time: a release the table dates later had not shipped yet, so it neither supersedes the installed
one nor counts as current.
"""

from __future__ import annotations

import calendar
import re
from dataclasses import dataclass
from datetime import date
from functools import lru_cache
from typing import Any, Literal

from conncheck.catalog import read_json

Version = tuple[int, ...]
Stage = Literal[
    "current",  # the newest release out at that moment
    "newer",  # newer than any release the table knows: the table is older than the install
    "supported",  # superseded, inside its six months of support
    "required_missing",  # superseded by a release Microsoft says must be installed
    "out_of_support",  # past its six months, inside the 18-month working window
    "past_working_window",  # past the 18 months: it may stop working at any time
]


@dataclass(frozen=True)
class Release:
    version: Version
    spelled: str
    released: date
    notes: dict[str, str]
    required: bool = False
    features: tuple[str, ...] = ()


@dataclass(frozen=True)
class ReleaseTable:
    as_of: date  # the date of the Microsoft page the table follows
    support_months: int
    working_months: int
    product: str  # the Uninstall DisplayName of the current connector
    legacy_products: tuple[str, ...]
    releases: tuple[Release, ...]  # oldest first

    def first_with(self, feature: str) -> Release:
        """The first release that has ``feature`` (e.g. "sid_extension")."""
        return next(r for r in self.releases if feature in r.features)


@dataclass(frozen=True)
class Lifecycle:
    """Where an installed version stands in the lifecycle at a moment."""

    stage: Stage
    installed: Version
    listed: Release | None  # the table's entry for exactly this version (None: a build the table does not list)
    latest: Release  # the newest release out at that moment
    successor: Release | None  # the first release after the installed version, if one was out
    support_ends: date | None  # the day support ends (successor + 6 months): from that day on, out of support
    working_ends: date | None  # the day the working window ends (successor + 18 months)
    required: Release | None  # a release Microsoft says must be installed, out and newer than the installed version


def parse_version(text: str) -> Version | None:
    """'6.2406.0.1001' → (6, 2406, 0, 1001); None when the text holds no number."""
    parts = tuple(int(p) for p in re.findall(r"\d+", text)[:4])
    return parts or None


def spell(version: Version) -> str:
    return ".".join(map(str, version))


def add_months(day: date, months: int) -> date:
    """The same day ``months`` later, clamped to the month's end (Aug 31 + 6 months = Feb 28 or 29)."""
    index = day.month - 1 + months
    year, month = day.year + index // 12, index % 12 + 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def lifecycle(table: ReleaseTable, version: Version, at: date) -> Lifecycle:
    """Apply Microsoft's lifecycle to ``version`` on day ``at`` (the table as it stood then)."""
    out = [r for r in table.releases if r.released <= at] or [table.releases[0]]
    latest = out[-1]
    listed = next((r for r in table.releases if r.version == version), None)
    if version >= latest.version:
        stage: Stage = "current" if version == latest.version or listed is not None else "newer"
        return Lifecycle(stage, version, listed, latest, None, None, None, None)
    successor = next(r for r in out if r.version > version)
    support_ends = add_months(successor.released, table.support_months)
    working_ends = add_months(successor.released, table.working_months)
    required = next((r for r in reversed(out) if r.required and r.version > version), None)
    if at >= working_ends:
        stage = "past_working_window"
    elif at >= support_ends:
        stage = "out_of_support"
    elif required is not None:
        stage = "required_missing"
    else:
        stage = "supported"
    return Lifecycle(stage, version, listed, latest, successor, support_ends, working_ends, required)


def _release(raw: dict[str, Any]) -> Release:
    version = parse_version(raw["version"])
    if version is None:
        raise ValueError(f"releases.json: {raw['version']!r} is not a version")
    return Release(version, raw["version"], date.fromisoformat(raw["date"]), raw["notes"],
                   bool(raw.get("required", False)), tuple(raw.get("features", ())))


@lru_cache(maxsize=1)
def load_releases() -> ReleaseTable:
    doc = read_json("releases.json")
    releases = tuple(sorted((_release(r) for r in doc["releases"]), key=lambda r: r.version))
    return ReleaseTable(date.fromisoformat(doc["as_of"]), int(doc["support_months"]), int(doc["working_months"]),
                        doc["product"], tuple(doc["legacy_products"]), releases)
