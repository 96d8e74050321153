"""Which reader a file needs, told from its first bytes, never from its name.

``ElfFile\\0`` is a binary event log; text starting with ``<`` is event XML; ``{`` is a conncheck facts document
(its hosts' live ``events`` probe); other text is taken as a CSV event list. Anything else (an empty file, a
directory, random bytes) is one clear InputError.
"""

from __future__ import annotations

import codecs
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

from conncheck.catalog import Catalog
from conncheck.errors import InputError
from conncheck.events.evtx_file import EVTX_MAGIC, read_evtx
from conncheck.events.record import EventRecord
from conncheck.events.stats import ReadStats
from conncheck.events.textfile import text_encoding

_SNIFF = 4096


def sniff(path: Path) -> str:
    """'evtx', 'xml', 'facts' or 'csv'; InputError for what is none of them."""
    try:
        if path.is_dir():
            raise InputError(f"{path}: is a directory, expected an event log file")
        with path.open("rb") as handle:
            head = handle.read(_SNIFF)
    except FileNotFoundError:
        raise InputError(f"{path}: no such file") from None
    except OSError as exc:
        raise InputError(f"{path}: cannot read ({exc.strerror})") from None
    if not head:
        raise InputError(f"{path}: empty file, expected an event log (.evtx, XML or CSV)")
    if head.startswith(EVTX_MAGIC):
        return "evtx"
    encoding = text_encoding(head)
    try:
        text = codecs.getincrementaldecoder(encoding)().decode(head)
    except UnicodeDecodeError:
        text = "\0"
    if "\0" in text:
        raise InputError(f"{path}: not an event log (.evtx, wevtutil/Event Viewer XML or Event Viewer CSV)")
    start = text.lstrip()
    if start.startswith("<"):
        return "xml"
    if start.startswith("{"):
        return "facts"
    return "csv"


def read_file(
    path: Path,
    catalog: Catalog,
    stats: ReadStats,
    csv_offset: timedelta | None = None,
    connector_only: bool = False,
) -> Iterator[EventRecord]:
    """The file's records. ``connector_only`` lets a reader count, not yield, records it can tell cheaply are not
    the connector's (``stats.not_yielded``): the .evtx reader does; the text readers yield every record."""
    kind = sniff(path)
    stats.format = kind
    if kind == "evtx":
        return read_evtx(path, catalog, stats, connector_only)
    if kind == "xml":
        from conncheck.events.xml_file import read_xml

        return read_xml(path, catalog, stats)
    if kind == "facts":
        return _read_facts(path, catalog, stats)
    from conncheck.events.csv_file import read_csv

    return read_csv(path, catalog, stats, csv_offset)


def _read_facts(path: Path, catalog: Catalog, stats: ReadStats) -> Iterator[EventRecord]:
    from conncheck import facts
    from conncheck.events.live import LiveShapeError, parse_probe

    document = facts.load(path)
    found = False
    for name, target in document.hosts.items():
        probe = target.probes.get("events")
        if probe is None:
            continue
        found = True
        if not probe.ok:
            stats.problem(f"{name}: events probe failed: {probe.error}")
            continue
        try:
            live = parse_probe(probe.data, catalog, f"{path}:{name}")
        except LiveShapeError as exc:
            stats.problem(f"{name}: events probe: {exc}")
            continue
        stats.records += live.stats.records
        stats.skipped_parts += live.stats.skipped_parts
        yield from live.records
    if not found:
        raise InputError(f"{path}: a facts document without an 'events' probe on any host")
