"""Event records as XML: ``wevtutil qe <log> /f:xml`` output and Event Viewer's "Save as XML".

wevtutil prints a bare sequence of ``<Event>`` elements with no root element and no XML declaration;
Event Viewer writes one ``<Events>`` root around them. Both are read as one stream: a bare sequence is
wrapped in a synthetic root on the fly. Text is UTF-8 or, when written by PowerShell 5.1's ``>``, UTF-16
with a BOM; either is re-encoded to UTF-8 in chunks, so memory stays flat for any size.

Parsing goes through ``defusedxml`` with DTDs forbidden: an event log has no DTD, so any ``<!DOCTYPE>``
(entity expansion bombs, external entities) is refused with one line. An element that is not a usable event
is counted and skipped; a document cut short keeps every record before the cut.
"""

from __future__ import annotations

import io
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any, TextIO
from xml.etree.ElementTree import Element, ParseError

from conncheck.catalog import Catalog
from conncheck.errors import InputError
from conncheck.events.record import (
    MAX_EVENT_ID,
    MAX_RECORD_ID,
    DamagedRecord,
    EventRecord,
    bounded_number,
    find_code,
    is_connector,
    level_name,
    parse_utc,
)
from conncheck.events.stats import ReadStats
from conncheck.events.textfile import open_text

NS = "{http://schemas.microsoft.com/win/2004/08/events/event}"
_CHUNK = 1 << 16
_DECLARATION = re.compile(r"^\s*<\?xml[^>]*\?>", re.DOTALL)


class _Utf8Stream(io.RawIOBase):
    """The text as UTF-8 bytes, the XML declaration dropped, wrapped in <Events> when it has no root element."""

    def __init__(self, text: TextIO) -> None:
        self._text = text
        self._buffer = bytearray()
        self._tail = b""
        head = _DECLARATION.sub("", text.read(_CHUNK), count=1)
        stripped = head.lstrip()
        if stripped.startswith("<Event") and not stripped.startswith("<Events"):
            self._buffer += b"<Events>"
            self._tail = b"</Events>"
        self._buffer += head.encode("utf-8")
        self._eof = False

    def readable(self) -> bool:
        return True

    def readinto(self, target: Any) -> int:
        while not self._buffer and not self._eof:
            chunk = self._text.read(_CHUNK)
            self._buffer += chunk.encode("utf-8") if chunk else self._tail
            self._eof = not chunk
        size = min(len(target), len(self._buffer))
        target[:size] = self._buffer[:size]
        del self._buffer[:size]
        return size


def read_xml(path: Path, catalog: Catalog, stats: ReadStats) -> Iterator[EventRecord]:
    from defusedxml import DefusedXmlException
    from defusedxml.ElementTree import iterparse

    with open_text(path) as text:
        events = iterparse(io.BufferedReader(_Utf8Stream(text)), events=("start", "end"), forbid_dtd=True)
        root: Element | None = None
        try:
            for kind, element in events:
                if kind == "start":
                    if root is None:
                        root = element
                    continue
                if _local(element.tag) != "Event" or element is root:
                    continue
                try:
                    record = _record(element, catalog)
                except DamagedRecord as exc:
                    stats.skip(f"an <Event>: {exc}")
                else:
                    stats.records += 1
                    yield record
                if root is not None:
                    root.clear()  # drop what was read: memory stays flat
        except DefusedXmlException as exc:
            raise InputError(f"{path}: refused: {type(exc).__name__} (event logs carry no DTD or entities)") from None
        except ParseError as exc:
            if stats.records == 0 and root is None:
                raise InputError(f"{path}: not XML event records ({exc})") from None
            stats.problem(f"XML ends badly ({exc}); kept the {stats.records} records before it")


def _local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1]


def _child(parent: Element, name: str) -> Element | None:
    found = parent.find(NS + name)
    return found if found is not None else parent.find(name)


def _text(parent: Element | None, name: str) -> str:
    if parent is None:
        return ""
    found = _child(parent, name)
    return (found.text or "").strip() if found is not None else ""


def _record(event: Element, catalog: Catalog) -> EventRecord:
    """The <Event> as a record; DamagedRecord for one without an event ID or time, or with a field no log holds."""
    system = _child(event, "System")
    if system is None:
        raise DamagedRecord("no System element")
    event_id = _text(system, "EventID")
    created = _child(system, "TimeCreated")
    time = created.get("SystemTime") if created is not None else None
    if not event_id or not time:
        raise DamagedRecord("no event ID or time")
    when = parse_utc(time)
    provider_element = _child(system, "Provider")
    provider = provider_element.get("Name", "") if provider_element is not None else ""
    channel = _text(system, "Channel")
    data = _fields(event)
    rendering = _child(event, "RenderingInfo")
    message = _text(rendering, "Message")
    level = _text(rendering, "Level") or _text(system, "Level")
    record_id = _text(system, "EventRecordID")
    return EventRecord(
        time=when,
        provider=provider,
        channel=channel,
        event_id=bounded_number(event_id, "EventID", MAX_EVENT_ID),
        level=level_name(level),
        computer=_text(system, "Computer"),
        data=data,
        message=message,
        code=find_code(data, message, catalog) if is_connector(provider, channel) else None,
        record_id=bounded_number(record_id, "EventRecordID", MAX_RECORD_ID) if record_id else None,
    )


def _fields(event: Element) -> dict[str, str]:
    """<EventData><Data Name="x">v</Data></EventData> as {x: v}; unnamed Data as Data1...; UserData one level down."""
    out: dict[str, str] = {}
    event_data = _child(event, "EventData")
    if event_data is not None:
        unnamed = 0
        for item in event_data:
            name = item.get("Name")
            if not name:
                unnamed += 1
                name = f"Data{unnamed}" if _local(item.tag) == "Data" else _local(item.tag)
            out[name] = (item.text or "").strip()
        return out
    user_data = _child(event, "UserData")
    if user_data is not None:
        for wrapper in user_data:
            for item in wrapper:
                out[_local(item.tag)] = (item.text or "").strip()
    return out
