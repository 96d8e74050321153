"""The code table as data: diagnostic codes, legacy event IDs and the new connector's event IDs.

``codes.json`` and ``events.json`` beside this module hold the facts (values, names, related IDs) and our own
descriptions in English and Turkish. Codes compare as integers, and the published table's odd spellings
(``0xC0000`` for Success, the nine-digit ``0x0FFFFFFFF`` for Unknown_Error) resolve to their canonical codes.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

from conncheck.errors import InputError

LANGS = ("en", "tr")


def read_json(name: str) -> Any:
    """One of the catalog's JSON files beside this module (read as a file: importlib.resources would cost
    ``explain`` more than the file)."""
    return json.loads((Path(__file__).parent / name).read_text(encoding="utf-8"))


@dataclass(frozen=True)
class Code:
    value: int
    name: str
    message: dict[str, str]
    remediation: dict[str, str]
    events: tuple[int, ...]
    spellings: tuple[str, ...]

    @property
    def hex(self) -> str:
        return format_code(self.value)


@dataclass(frozen=True)
class Event:
    id: int
    name: str
    generation: str  # "legacy" (NDES/PFX connector) or "current" (Certificate Connector for Microsoft Intune)
    description: dict[str, str]
    codes: tuple[int, ...]
    operation: str
    outcome: str
    channel: str | None = None
    level: str | None = None


@dataclass(frozen=True)
class EventRange:
    """A block of the current connector's event IDs and the area of the connector that writes them."""

    first: int
    last: int
    area: dict[str, str]


@dataclass(frozen=True)
class Catalog:
    codes: tuple[Code, ...]
    events: tuple[Event, ...]
    operations: dict[str, dict[str, str]]
    ranges: tuple[EventRange, ...] = ()

    def code(self, value: int) -> Code | None:
        return next((c for c in self.codes if c.value == value), None)

    def events_by_id(self, event_id: int) -> list[Event]:
        return [e for e in self.events if e.id == event_id]

    def event_range(self, event_id: int) -> EventRange | None:
        """The documented ID range of the current connector an event ID falls in (listed in the catalog or not)."""
        return next((r for r in self.ranges if r.first <= event_id <= r.last), None)

    def checklist_codes(self) -> list[Code]:
        """The table's codes in order, without Success: one checklist row each."""
        return [c for c in self.codes if c.value != 0]


def format_code(value: int) -> str:
    return f"0x{value:08X}"


def text(texts: dict[str, str], lang: str) -> str:
    return texts.get(lang) or texts.get("en") or ""


_HEX = re.compile(r"0[xX][0-9a-fA-F]+")
_DEC = re.compile(r"[0-9]+")


@dataclass(frozen=True)
class ParsedCode:
    value: int
    spelled: str
    canonical: bool
    note: str | None


# A code has at most nine hex digits (the table's 0x0FFFFFFFF), an event ID five decimal ones: twenty is plenty
# for any zero-padded spelling, and keeps a 5,000-digit "number" from reaching int().
_MAX_DIGITS = 20


def parse_number(spelled: str) -> int:
    """'0x403', '0X00000403', '403h' is not accepted; decimal '1027' is (ASCII digits, at most twenty)."""
    s = spelled.strip()
    if len(s) > _MAX_DIGITS + 2:
        raise InputError(f"{s[:12]}… ({len(s)} characters) is too long for a code or event ID")
    if _HEX.fullmatch(s):
        return int(s, 16)
    if _DEC.fullmatch(s):
        return int(s, 10)
    raise InputError(f"{spelled!r} is not a code or event ID (use hex like 0x403, or decimal like 1027)")


def parse_code(spelled: str, catalog: Catalog | None = None) -> ParsedCode:
    """Parse a diagnostic code in any spelling; the table's non-canonical spellings map to their codes."""
    catalog = catalog or load()
    raw = parse_number(spelled)
    for code in catalog.codes:
        for alias in code.spellings:
            if parse_number(alias) == raw and _HEX.fullmatch(spelled.strip()):
                return ParsedCode(
                    code.value,
                    spelled,
                    False,
                    f"{spelled} is the published table's spelling of {code.hex} ({code.name})",
                )
    canonical = spelled.strip() == format_code(raw)
    note = None if canonical else f"{spelled} is {format_code(raw)} written another way"
    return ParsedCode(raw, spelled, canonical, note)


def _code(raw: dict[str, Any]) -> Code:
    return Code(
        value=parse_number(raw["value"]),
        name=raw["name"],
        message=raw.get("message", {}),
        remediation=raw.get("remediation", {}),
        events=tuple(int(e) for e in raw.get("events", ())),
        spellings=tuple(raw.get("spellings", ())),
    )


def _event(raw: dict[str, Any], generation: str) -> Event:
    return Event(
        id=int(raw["id"]),
        name=raw["name"],
        generation=generation,
        description=raw.get("description", {}),
        codes=tuple(parse_number(c) for c in raw.get("codes", ())),
        operation=raw.get("operation", ""),
        outcome=raw.get("outcome", "info"),
        channel=raw.get("channel"),
        level=raw.get("level"),
    )


@lru_cache(maxsize=1)
def load() -> Catalog:
    codes_doc = read_json("codes.json")
    events_doc = read_json("events.json")
    events = [_event(e, "legacy") for e in events_doc.get("legacy", ())]
    events += [_event(e, "current") for e in events_doc.get("current", ())]
    return Catalog(
        codes=tuple(_code(c) for c in codes_doc["codes"]),
        events=tuple(events),
        operations=events_doc.get("operations", {}),
        ranges=tuple(EventRange(int(r["first"]), int(r["last"]), r["area"]) for r in events_doc.get("ranges", ())),
    )
