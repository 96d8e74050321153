"""Binary Windows event logs (.evtx): exported logs or the files of ``C:\\Windows\\System32\\winevt\\Logs``.

An .evtx file is a 4 KiB file header, then 64 KiB chunks (``ElfChnk``), each holding records in binary XML.
The Rust-backed ``evtx`` package walks it and renders each record as JSON; records are streamed, so a file
of any size is read in constant memory. A damaged chunk (bad signature, truncated) is skipped with a
``RuntimeWarning`` and the walk goes on: every good record is kept, and each skipped chunk is counted.
Chunk checksums are not enforced: a record that parses is evidence even if its chunk's CRC32 was zeroed.
"""

from __future__ import annotations

import warnings
from collections.abc import Iterator
from pathlib import Path
from typing import Any, NamedTuple

import msgspec
from conncheck.catalog import Catalog
from conncheck.errors import InputError
from conncheck.events.record import EventRecord, find_code, is_connector, level_name, parse_utc
from conncheck.events.stats import ReadStats

EVTX_MAGIC = b"ElfFile\x00"
BATCH = 1024
HEADER_SIZE = 4096
CHUNK_SIZE = 65536
_CHUNK_COUNT_OFFSET = 42  # u16 in the file header: chunks the file says it holds


def check_length(path: Path, stats: ReadStats) -> None:
    """A file cut short (a copy interrupted, a partial download) holds fewer whole chunks than its header says;
    the reader silently stops at the last whole chunk, so the cut is counted here."""
    with path.open("rb") as handle:
        header = handle.read(HEADER_SIZE)
    size = path.stat().st_size
    whole, partial = divmod(max(0, size - HEADER_SIZE), CHUNK_SIZE)
    declared = int.from_bytes(header[_CHUNK_COUNT_OFFSET:_CHUNK_COUNT_OFFSET + 2], "little")
    if partial or whole < declared:
        missing = max(declared - whole, 1 if partial else 0)
        stats.skipped_parts += missing
        stats.problem(f"file cut short: the header lists {declared} chunks, {whole} are whole ({size} bytes)")


def read_evtx(
    path: Path, catalog: Catalog, stats: ReadStats, connector_only: bool = False
) -> Iterator[EventRecord]:
    """Every record, normalised; with ``connector_only``, records not from the connector are only counted
    (``stats.records`` and ``stats.not_yielded``): told from the System element alone, before the event data is
    decoded or the time parsed, since most records of a real log are someone else's."""
    import evtx

    decode = msgspec.json.Decoder().decode
    decode_system = msgspec.json.Decoder(_SystemOnly).decode if connector_only else None
    check_length(path, stats)

    try:
        parser = evtx.PyEvtxParser(str(path), skip_errors=True, validate_checksums=False)
    except (RuntimeError, OSError) as exc:
        raise InputError(f"{path}: not a readable .evtx file ({_first_line(exc)})") from None
    iterator = parser.records_json()
    while True:
        batch, done = _next_batch(iterator, stats)
        for raw in batch:
            text = raw["data"]
            if decode_system is not None:
                try:
                    event = decode_system(text).Event
                except msgspec.ValidationError:  # an odd shape: the full decode below decides as it always did
                    pass
                else:
                    identity = _identity((event.System if event is not None else None) or {})
                    if identity is None:
                        stats.skip(_NO_IDENTITY)
                        continue
                    if not is_connector(identity.provider, identity.channel):
                        stats.records += 1
                        stats.not_yielded += 1
                        continue
            record = _record(decode(text), raw.get("event_record_id"), catalog)
            if record is None:
                stats.skip(_NO_IDENTITY)
                continue
            stats.records += 1
            yield record
        if done:
            return


def _next_batch(iterator: Iterator[Any], stats: ReadStats) -> tuple[list[dict[str, Any]], bool]:
    """Up to BATCH raw records, the reader's skip warnings counted; warnings are caught only while reading."""
    batch: list[dict[str, Any]] = []
    done = False
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", RuntimeWarning)
        while len(batch) < BATCH:
            try:
                raw = next(iterator)
            except StopIteration:
                done = True
                break
            except RuntimeError as exc:  # an error the reader could not step over: keep what was read
                stats.skip(f"stopped reading: {_first_line(exc)}")
                done = True
                break
            if raw is None:
                done = True
                break
            batch.append(raw)
    for warning in caught:
        stats.skip(_first_line(warning.message))
    return batch, done


def _first_line(exc: object) -> str:
    text = str(exc).strip().splitlines()
    return text[0][:200] if text else type(exc).__name__


class _SystemOnly(msgspec.Struct):
    """A record's JSON with only ``Event.System`` decoded; the event data is skipped over, not built."""

    Event: _EventSystem | None = None


class _EventSystem(msgspec.Struct):
    System: dict[str, Any] | None = None


class _Identity(NamedTuple):
    event_id: int
    time: str
    provider: str
    channel: str


_NO_IDENTITY = "a record without an event ID or time"


def _identity(system: dict[str, Any]) -> _Identity | None:
    """Event ID, SystemTime, provider and channel from the System element; None without an event ID or time."""
    event_id = system.get("EventID")
    if isinstance(event_id, dict):
        event_id = event_id.get("#text")
    time = (system.get("TimeCreated") or {}).get("#attributes", {}).get("SystemTime")
    if not isinstance(event_id, int) or not isinstance(time, str):
        return None
    provider = (system.get("Provider") or {}).get("#attributes", {}).get("Name") or ""
    return _Identity(event_id, time, provider, system.get("Channel") or "")


def _record(doc: dict[str, Any], record_id: int | None, catalog: Catalog) -> EventRecord | None:
    event = doc.get("Event") or {}
    system = event.get("System") or {}
    identity = _identity(system)
    if identity is None:
        return None
    data = _fields(event.get("EventData")) or _fields(event.get("UserData"), nested=True)
    connector = is_connector(identity.provider, identity.channel)
    return EventRecord(
        time=parse_utc(identity.time),
        provider=identity.provider,
        channel=identity.channel,
        event_id=identity.event_id,
        level=level_name(system.get("Level")),
        computer=system.get("Computer") or "",
        data=data,
        code=find_code(data, "", catalog) if connector else None,
        record_id=record_id,
    )


def _fields(raw: Any, nested: bool = False) -> dict[str, str]:
    """EventData's named fields as strings; unnamed <Data> values become Data1, Data2, ...; UserData one level down."""
    if not isinstance(raw, dict):
        return {}
    out: dict[str, str] = {}
    for key, value in raw.items():
        if key == "#attributes":
            continue
        if key == "Data" and isinstance(value, dict) and "#text" in value:
            value = value["#text"]
            values = value if isinstance(value, list) else [value]
            for n, item in enumerate(values, 1):
                out[f"Data{n}"] = "" if item is None else str(item)
        elif isinstance(value, dict):
            if nested:
                out.update(_fields(value))
        elif isinstance(value, list):
            out[key] = ", ".join("" if v is None else str(v) for v in value)
        else:
            out[key] = "" if value is None else str(value)
    return out
