"""One normalised event record, whatever it was read from (.evtx, wevtutil XML, Event Viewer CSV, live facts).

Windows writes the same event in several shapes: the binary log has numeric levels and named ``EventData``
fields, an Event Viewer CSV has the level as a word, local time and only the rendered message. Every reader
turns its shape into an ``EventRecord``: time in UTC, provider, channel, event ID, level name, computer, the
event data fields as strings, the rendered message when there is one, and the diagnostic code the record
carries (an integer, whatever its spelling: ``0x00000402``, ``0x402``, ``1026``, the table's ``0x0FFFFFFFF``).

A record whose fields cannot be what Windows writes (an event ID of '²' or of 5,000 digits, a time past the year
9999) raises ``DamagedRecord``: readers skip and count it, and read on.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Any

from conncheck.catalog import Catalog, Event, ParsedCode, parse_code
from conncheck.errors import InputError

# The connector's logs: the legacy "Microsoft Intune Connector" log and the new connector's two channels.
LEGACY_LOG = "Microsoft Intune Connector"
ADMIN_LOG = "Microsoft-Intune-CertificateConnectors/Admin"
OPERATIONAL_LOG = "Microsoft-Intune-CertificateConnectors/Operational"
CONNECTOR_LOGS = (LEGACY_LOG, ADMIN_LOG, OPERATIONAL_LOG)
_CONNECTOR_CHANNELS = frozenset(c.lower() for c in CONNECTOR_LOGS)
# Event Viewer's CSV has no channel, only the source (provider): these name fragments mark the connector's.
_CONNECTOR_PROVIDER_HINTS = ("intune", "ndesconnector", "pfxcertificateconnector", "certificateconnector")

# EVENTLOG level numbers (winmeta.xml); 0 (LogAlways) is how Event Viewer shows "Information" for classic sources.
LEVEL_NAMES = {0: "Information", 1: "Critical", 2: "Error", 3: "Warning", 4: "Information", 5: "Verbose"}
_LEVEL_WORDS = {
    "critical": "Critical", "error": "Error", "warning": "Warning", "information": "Information",
    "info": "Information", "verbose": "Verbose", "kritik": "Critical", "hata": "Error", "uyarı": "Warning",
    "bilgi": "Information", "ayrıntılı": "Verbose",
}

# Event data field names that carry the diagnostic code, compared lower-case without punctuation.
_CODE_FIELDS = frozenset({
    "diagnosticcode", "resultcode", "errorcode", "code", "hresult", "statuscode", "result", "diagcode",
})
_CODE_IN_TEXT = re.compile(
    r"(?:diagnostic\s*code|result\s*code|error\s*code|hresult|code)\W{0,4}(0[xX][0-9a-fA-F]{1,9}|\d{1,10})\b",
    re.IGNORECASE,
)
# The request details an operator needs (the legacy event table names them), keyed by normalised field name.
DETAIL_FIELDS: dict[str, tuple[str, ...]] = {
    "device_id": ("deviceid", "intunedeviceid", "device"),
    "user_id": ("userid", "intuneuserid", "user"),
    "ca": ("caname", "ca", "caconfig", "certificateauthority", "certificationauthority", "issuingca"),
    "template": ("templatename", "template", "certificatetemplate", "certtemplate"),
    "thumbprint": ("thumbprint", "certthumbprint", "certificatethumbprint"),
    "serial": ("serialnumber", "serial", "certserialnumber", "certificateserialnumber"),
}
_DETAIL_BY_FIELD = {alias: name for name, aliases in DETAIL_FIELDS.items() for alias in aliases}
_DETAIL_IN_TEXT = re.compile(r"\"?([A-Za-z][A-Za-z ]{0,30}?)\"?\s*[:=]\s*\"?([^\",;\r\n]{1,200})")

# The widths Windows gives these fields (EVENT_DESCRIPTOR, the record header): a larger number is damage.
MAX_EVENT_ID = 0xFFFF
MAX_LEVEL = 0xFF
MAX_RECORD_ID = 0xFFFF_FFFF_FFFF_FFFF


class DamagedRecord(ValueError):
    """A record with a field no Windows log holds: the reader skips it, counts it and reads on."""


def bounded_number(text: str, field_name: str, limit: int) -> int:
    """ASCII decimal digits (spaces around allowed) up to ``limit``; DamagedRecord for anything else, '²', '٣' and
    5,000-digit numbers included."""
    digits = text.strip()
    significant = digits.lstrip("0") or "0"
    if not (digits.isascii() and digits.isdigit()) or len(significant) > len(str(limit)) or int(significant) > limit:
        shown = digits if len(digits) <= 24 else digits[:20] + f"… ({len(digits)} characters)"
        raise DamagedRecord(f"{field_name} {shown!r} is not a number from 0 to {limit}")
    return int(significant)


@dataclass(slots=True)
class EventRecord:
    time: datetime
    provider: str
    channel: str
    event_id: int
    level: str
    computer: str
    data: dict[str, str] = field(default_factory=dict)
    message: str = ""
    code: int | None = None
    record_id: int | None = None

    @property
    def is_connector(self) -> bool:
        return is_connector(self.provider, self.channel)

    def details(self) -> dict[str, str]:
        """Device ID, user ID, CA name, template, thumbprint and serial, where the record has them."""
        found: dict[str, str] = {}
        for key, value in self.data.items():
            name = _DETAIL_BY_FIELD.get(_squash(key))
            if name and value and name not in found:
                found[name] = value
        for match in _DETAIL_IN_TEXT.finditer(self.message):
            name = _DETAIL_BY_FIELD.get(_squash(match.group(1)))
            if name and name not in found:
                found[name] = match.group(2).strip()
        return found

    def to_json(self) -> dict[str, Any]:
        return {
            "time_utc": format_utc(self.time),
            "provider": self.provider,
            "channel": self.channel,
            "event_id": self.event_id,
            "level": self.level,
            "computer": self.computer,
            "code": None if self.code is None else f"0x{self.code:08X}",
            "data": self.data,
            "message": self.message,
        }


def is_connector(provider: str, channel: str) -> bool:
    if channel and channel.lower() in _CONNECTOR_CHANNELS:
        return True
    lowered = provider.lower().replace(" ", "").replace("-", "")
    return any(hint in lowered for hint in _CONNECTOR_PROVIDER_HINTS)


def _squash(name: str) -> str:
    return "".join(ch for ch in name.lower() if ch.isalnum())


def level_name(raw: Any) -> str:
    """A level number (1-5, 0) or word (English or Turkish Event Viewer) to its English name; '' when unknown.
    Digits of any script make a number, which must be ASCII and at most 255 (else DamagedRecord)."""
    if isinstance(raw, bool):
        return ""
    if isinstance(raw, int):
        return LEVEL_NAMES.get(raw, "")
    text = str(raw or "").strip()
    if text.isdigit():
        return LEVEL_NAMES.get(bounded_number(text, "Level", MAX_LEVEL), "")
    return _LEVEL_WORDS.get(text.lower(), text)


def code_value(spelled: str, catalog: Catalog) -> int | None:
    """A diagnostic code in any spelling to its integer (the table's odd spellings resolve); None if not a number."""
    try:
        parsed: ParsedCode = parse_code(spelled, catalog)
    except InputError:
        return None
    return parsed.value if 0 <= parsed.value <= 0xFFFFFFFFF else None


def find_code(data: dict[str, str], message: str, catalog: Catalog) -> int | None:
    """The diagnostic code a record carries: a code-named event data field first, then the message text."""
    for key, value in data.items():
        if _squash(key) in _CODE_FIELDS and value:
            parsed = code_value(value, catalog)
            if parsed is not None:
                return parsed
    if message:
        match = _CODE_IN_TEXT.search(message)
        if match:
            return code_value(match.group(1), catalog)
    return None


def format_utc(value: datetime) -> str:
    return value.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


_FRACTION = re.compile(r"(\.\d{6})\d+")


def parse_utc(text: str) -> datetime:
    """Windows SystemTime ('2026-11-25T09:00:00.1234567Z', 7 fraction digits) or ISO 8601 → aware UTC;
    DamagedRecord (a ValueError) for what is not a time or falls outside years 1-9999 in UTC."""
    try:
        if len(text) == 27 and text[-1] == "Z":  # the .evtx reader's own form, microseconds: the fast path
            return datetime.fromisoformat(text[:-1]).replace(tzinfo=timezone.utc)
        cleaned = _FRACTION.sub(r"\1", text.strip()).replace("Z", "+00:00")
        parsed = datetime.fromisoformat(cleaned)
        if parsed.tzinfo is None:
            parsed = parsed.replace(tzinfo=timezone.utc)
        return parsed.astimezone(timezone.utc)
    except (ValueError, OverflowError):
        shown = text if len(text) <= 40 else text[:36] + "…"
        raise DamagedRecord(f"time {shown!r} is not a time between the years 1 and 9999 (UTC)") from None


def events_index(catalog: Catalog) -> dict[int, Event]:
    """Connector event ID → catalog entry (legacy and current IDs do not overlap)."""
    return {event.id: event for event in catalog.events}
