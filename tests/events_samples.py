"""Builders for connector event logs the tests need: there is no public sample of the connector's log, so these
write wevtutil-style XML, Event Viewer XML and CSV from a list of (time, host, event id, fields) tuples."""

from __future__ import annotations

import csv
import io
import zlib
from dataclasses import dataclass, field
from xml.sax.saxutils import escape, quoteattr

from conncheck.events.record import ADMIN_LOG, LEGACY_LOG, OPERATIONAL_LOG

LEGACY_PROVIDER = "Microsoft Intune Connector"
CURRENT_PROVIDER = "Microsoft-Intune-CertificateConnectors"
LEVELS = {"Error": 2, "Warning": 3, "Information": 4}


@dataclass
class Ev:
    time: str  # "2026-11-20T08:00:00.1234567Z"
    computer: str
    event_id: int
    level: str = "Information"
    data: dict[str, str] = field(default_factory=dict)
    message: str = ""
    channel: str = LEGACY_LOG
    provider: str = LEGACY_PROVIDER


def legacy(time: str, computer: str, event_id: int, level: str = "Information", **data: str) -> Ev:
    return Ev(time, computer, event_id, level, dict(data))


def current(time: str, computer: str, event_id: int, level: str = "Information", admin: bool = True,
            **data: str) -> Ev:
    return Ev(time, computer, event_id, level, dict(data), "", ADMIN_LOG if admin else OPERATIONAL_LOG,
              CURRENT_PROVIDER)


def noise(time: str, computer: str, event_id: int = 4624) -> Ev:
    return Ev(time, computer, event_id, "Information", {"TargetUserName": "SYSTEM"}, "", "Security",
              "Microsoft-Windows-Security-Auditing")


def event_xml(ev: Ev) -> str:
    data = "".join(f"<Data Name={quoteattr(k)}>{escape(v)}</Data>" for k, v in ev.data.items())
    rendering = (f"<RenderingInfo Culture='en-US'><Message>{escape(ev.message)}</Message></RenderingInfo>"
                 if ev.message else "")
    return (
        "<Event xmlns='http://schemas.microsoft.com/win/2004/08/events/event'><System>"
        f"<Provider Name={quoteattr(ev.provider)}/><EventID>{ev.event_id}</EventID><Version>0</Version>"
        f"<Level>{LEVELS[ev.level]}</Level><Task>0</Task><Opcode>0</Opcode><Keywords>0x80000000000000</Keywords>"
        f"<TimeCreated SystemTime='{ev.time}'/><EventRecordID>1</EventRecordID><Correlation/>"
        f"<Execution ProcessID='4' ThreadID='8'/><Channel>{escape(ev.channel)}</Channel>"
        f"<Computer>{escape(ev.computer)}</Computer><Security/></System>"
        f"<EventData>{data}</EventData>{rendering}</Event>"
    )


def wevtutil_xml(events: list[Ev]) -> str:
    """`wevtutil qe <log> /f:xml`: Event elements one after another, no root, no declaration."""
    return "".join(event_xml(ev) for ev in events)


def saved_xml(events: list[Ev]) -> str:
    """Event Viewer's Save as XML: a declaration and an <Events> root."""
    return '<?xml version="1.0" encoding="utf-8" standalone="yes"?>\n<Events>' + wevtutil_xml(events) + "</Events>"


def us_time(iso: str) -> str:
    """'2026-11-20T08:05:00Z' → Event Viewer's en-US '11/20/2026 8:05:00 AM'."""
    date, clock = iso.rstrip("Z").split("T")
    year, month, day = date.split("-")
    hour, minute, second = clock.split(".")[0].split(":")
    h = int(hour)
    return f"{int(month)}/{int(day)}/{year} {h % 12 or 12}:{minute}:{second} {'AM' if h < 12 else 'PM'}"


def event_viewer_csv(events: list[Ev]) -> str:
    """Event Viewer's Save All Events As CSV: five named columns and the message in a sixth."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(["Level", "Date and Time", "Source", "Event ID", "Task Category"])
    for ev in events:
        message = ev.message or "; ".join(f"{k}: {v}" for k, v in ev.data.items())
        writer.writerow([ev.level, us_time(ev.time), ev.provider, ev.event_id, "None", message])
    return out.getvalue()


def incident() -> list[Ev]:
    """Both connector generations, every code spelling, recoveries and unrecovered failures, and noise."""
    return [
        legacy("2026-11-20T08:00:00.0000000Z", "CONN01.contoso.com", 10010),
        noise("2026-11-20T08:00:01.0000000Z", "CONN01.contoso.com"),
        legacy("2026-11-20T08:05:00.1234567Z", "CONN01.contoso.com", 20102, "Error", ResultCode="0x00000400",
               DeviceId="dev-111", UserId="user-1", CAName="ca01.contoso.com\\Contoso CA",
               TemplateName="IntunePKCS", Thumbprint="AB12"),
        legacy("2026-11-20T08:10:00Z", "CONN01.contoso.com", 20102, "Error", ResultCode="0x400",
               DeviceId="dev-222", CAName="ca01.contoso.com\\Contoso CA", TemplateName="IntunePKCS"),
        legacy("2026-11-20T08:30:00Z", "CONN01.contoso.com", 20100),
        legacy("2026-11-20T09:00:00Z", "CONN01.contoso.com", 20202, "Error", ResultCode="1026",
               SerialNumber="1100AA", DeviceId="dev-333"),
        legacy("2026-11-20T09:10:00Z", "NDES01.contoso.com", 20501, "Warning", ResultCode="0X00000411"),
        legacy("2026-11-20T09:20:00Z", "NDES01.contoso.com", 20500),
        current("2026-11-21T10:00:00Z", "CONN02.contoso.com", 1001, "Error"),
        current("2026-11-21T10:05:00Z", "CONN02.contoso.com", 4001, "Error", ErrorCode="0x0FFFFFFFF"),
        legacy("2026-11-21T11:00:00Z", "CONN01.contoso.com", 10102, "Error", DiagnosticCode="0xC0000"),
        noise("2026-11-21T11:00:01Z", "DC01.contoso.com", 4672),
        current("2026-11-21T12:00:00Z", "CONN02.contoso.com", 1020, "Information", admin=False, DeviceId="dev-9"),
    ]


def renamed_provider_evtx(source: bytes, old: str, new: str) -> bytes:
    """A real .evtx with one provider's name replaced in place (UTF-16, same length) and every chunk's checksums
    recomputed: the binary records of a real log that triage takes for the connector's (the provider name holds
    'Intune'), since there is no public sample of the connector's own log."""
    assert len(old) == len(new)
    data = bytearray(source.replace(old.encode("utf-16-le"), new.encode("utf-16-le")))
    for start in range(4096, len(data) - 65535, 65536):
        chunk = data[start:start + 65536]
        if chunk[:8] != b"ElfChnk\x00":
            continue
        free = int.from_bytes(chunk[48:52], "little")
        data[start + 52:start + 56] = zlib.crc32(chunk[512:free]).to_bytes(4, "little")
        chunk = data[start:start + 65536]
        data[start + 124:start + 128] = zlib.crc32(chunk[:120] + chunk[128:512]).to_bytes(4, "little")
    return bytes(data)


def record_offsets(evtx_bytes: bytes, chunk: int) -> list[int]:
    """Where each record of a sound chunk starts, in file offsets (the chunk's header sizes walked)."""
    start = 4096 + chunk * 65536
    free = int.from_bytes(evtx_bytes[start + 48:start + 52], "little")
    offsets, at = [], 512
    while at < free and evtx_bytes[start + at:start + at + 4] == b"**\x00\x00":
        offsets.append(start + at)
        at += int.from_bytes(evtx_bytes[start + at + 4:start + at + 8], "little")
    return offsets
