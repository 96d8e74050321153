"""Binary Windows event logs (.evtx): exported logs or the files of ``C:\\Windows\\System32\\winevt\\Logs``.

An .evtx file is a 4 KiB file header, then 64 KiB chunks (``ElfChnk``), each holding records in binary XML.
The Rust-backed ``evtx`` package walks it and renders each record as JSON; records are streamed, so a file
of any size is read in constant memory. The read enforces chunk checksums, which costs next to nothing: a chunk
that fails them (damaged, or still being written) is repaired and read again on its own after the others
(``evtx_chunks``), so damage costs only the records it touched. A record the reader cannot parse is skipped with
a ``RuntimeWarning``, and a record whose System fields no Windows log holds is skipped here: each is counted and
reported, and every good record is kept.

Triage wants the connector's records only (``connector_only``): a record's System element is decoded into a
typed struct (event ID, time, provider, channel; the event data is skipped over, not built) and the provider and
channel are judged once per pair. Only the connector's records are decoded whole and their time parsed; an odd
shape takes the full decode, which decides as it does for every record of a full read.
"""

from __future__ import annotations

import io
import re
import warnings
from collections.abc import Iterator
from itertools import islice
from pathlib import Path
from typing import Any, NamedTuple

import msgspec
from conncheck.catalog import Catalog
from conncheck.errors import InputError
from conncheck.events.evtx_chunks import CHUNK_COUNT, CHUNK_SIZE, HEADER_SIZE, alone, repaired
from conncheck.events.record import (
    MAX_EVENT_ID,
    DamagedRecord,
    EventRecord,
    find_code,
    is_connector,
    level_name,
    parse_utc,
)
from conncheck.events.stats import ReadStats

EVTX_MAGIC = b"ElfFile\x00"
# Small enough that each record's JSON is decoded and freed while still in cache (a thousand kept alive cost ~10%
# in malloc and cache misses), large enough that catching the reader's warnings per batch costs nothing.
BATCH = 64
# How the reader (evtx 0.14) words a whole chunk refused, for its checksum or signature. Should the wording change,
# such a chunk is counted as one skipped part, as it was before chunks were repaired.
_REJECTED = re.compile(r"Failed to parse chunk number ([0-9]+): ")
_PAIRS_REMEMBERED = 4096  # provider/channel verdicts kept per read (a hostile file may name millions)


def check_length(path: Path, stats: ReadStats) -> None:
    """A file cut short (a copy interrupted, a partial download) holds fewer whole chunks than its header says;
    the reader silently stops at the last whole chunk, so the cut is counted here."""
    with path.open("rb") as handle:
        header = handle.read(HEADER_SIZE)
    size = path.stat().st_size
    whole, partial = divmod(max(0, size - HEADER_SIZE), CHUNK_SIZE)
    declared = int.from_bytes(header[CHUNK_COUNT], "little")
    if partial or whole < declared:
        missing = max(declared - whole, 1 if partial else 0)
        stats.skipped_parts += missing
        stats.problem(f"file cut short: the header lists {declared} chunks, {whole} are whole ({size} bytes)")


def read_evtx(
    path: Path, catalog: Catalog, stats: ReadStats, connector_only: bool = False
) -> Iterator[EventRecord]:
    """Every record, normalised; with ``connector_only``, records not from the connector are only counted
    (``stats.records`` and ``stats.not_yielded``), told from their System element alone."""
    check_length(path, stats)
    batches = _batches_of(path, stats)
    if connector_only:
        yield from _connector_records(batches, catalog, stats)
    else:
        yield from _all_records(batches, catalog, stats)


def _batches_of(path: Path, stats: ReadStats) -> Iterator[list[dict[str, Any]]]:
    """The file's records as the reader renders them, in batches: the sound chunks first, in file order, then
    each chunk it rejected, repaired and read on its own."""
    import evtx

    try:
        parser = evtx.PyEvtxParser(str(path), skip_errors=True, validate_checksums=True)
    except (RuntimeError, OSError) as exc:
        raise InputError(f"{path}: not a readable .evtx file ({_first_line(exc)})") from None
    rejected: dict[int, str] = {}
    yield from _batches(parser.records_json(), stats, rejected)
    if not rejected:
        return
    with path.open("rb") as handle:
        file_header = handle.read(HEADER_SIZE)
        for index, reason in rejected.items():
            handle.seek(HEADER_SIZE + index * CHUNK_SIZE)
            fixed = repaired(handle.read(CHUNK_SIZE), index, stats)
            if fixed is None:
                stats.skip(reason)
                continue
            cause = reason.split(f"chunk number {index}: ", 1)[-1]
            mended = f"; repaired {', '.join(fixed.mended)}" if fixed.mended else ""
            stats.problem(f"chunk {index}: {cause} (damaged, or being written when copied): read record by record"
                          + mended)  # fmt: skip
            try:
                single = evtx.PyEvtxParser(io.BytesIO(alone(file_header, fixed.chunk)), skip_errors=True)
            except RuntimeError as exc:
                stats.skip(f"chunk {index}: unreadable on its own ({_first_line(exc)})")
                continue
            yield from _batches(single.records_json(), stats)


def _all_records(batches: Iterator[list[dict[str, Any]]], catalog: Catalog, stats: ReadStats) -> Iterator[EventRecord]:
    decode = msgspec.json.Decoder().decode
    for batch in batches:
        for raw in batch:
            record = _full_record(decode, raw, catalog, stats)
            if record is not None:
                stats.records += 1
                yield record


def _connector_records(
    batches: Iterator[list[dict[str, Any]]], catalog: Catalog, stats: ReadStats
) -> Iterator[EventRecord]:
    decode = msgspec.json.Decoder().decode
    decode_system = msgspec.json.Decoder(_SystemOnly).decode
    verdicts: dict[tuple[str, str], bool] = {}
    others = 0  # counted locally, added to stats once: this loop is the hot path of triage
    try:
        for batch in batches:
            for raw in batch:
                text = raw["data"]
                try:
                    system = decode_system(text).Event.System
                except (msgspec.ValidationError, msgspec.DecodeError):
                    system = None  # an odd shape: the full decode below decides, as for every record of a full read
                if system is not None:
                    event_id = system.EventID
                    if event_id.__class__ is _Qualified:
                        event_id = event_id.text
                    if (
                        event_id.__class__ is int
                        and 0 <= event_id <= MAX_EVENT_ID
                        and system.TimeCreated.attributes.SystemTime is not None
                    ):
                        pair = (system.Provider.attributes.Name, system.Channel)
                        connector = verdicts.get(pair)
                        if connector is None:
                            connector = is_connector(*pair)
                            if len(verdicts) < _PAIRS_REMEMBERED:
                                verdicts[pair] = connector
                        if not connector:
                            others += 1
                            continue
                record = _full_record(decode, raw, catalog, stats, connector_only=True)
                if record is not None:
                    stats.records += 1
                    yield record
    finally:
        stats.records += others
        stats.not_yielded += others


def _batches(
    iterator: Iterator[Any], stats: ReadStats, rejected: dict[int, str] | None = None
) -> Iterator[list[dict[str, Any]]]:
    """Up to BATCH raw records at a time. The reader's skip warnings are counted, except a rejected chunk's when
    ``rejected`` collects them (chunk number → warning); warnings are caught only while reading. An error the
    reader cannot step over ends the read, keeping every record before it."""
    while True:
        batch: list[dict[str, Any]] = []
        stopped = None
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always", RuntimeWarning)
            try:
                batch.extend(islice(iterator, BATCH))  # what came before an error stays in the batch
            except RuntimeError as exc:
                stopped = exc
        for warning in caught:
            reason = _first_line(warning.message)
            chunk = _REJECTED.search(reason)
            if rejected is not None and chunk is not None:
                rejected.setdefault(int(chunk.group(1)), reason)
            else:
                stats.skip(reason)
        if stopped is not None:
            stats.skip(f"stopped reading: {_first_line(stopped)}")
        if batch:
            yield batch
        if stopped is not None or len(batch) < BATCH:
            return


def _first_line(exc: object) -> str:
    text = str(exc).strip().splitlines()
    return text[0][:200] if text else type(exc).__name__


# gc=False: these hold strings and ints only, never a cycle; untracked they decode faster.
class _Attributes(msgspec.Struct, gc=False):
    Name: str = ""  # of <Provider>
    SystemTime: str | None = None  # of <TimeCreated>


class _Element(msgspec.Struct, gc=False):
    attributes: _Attributes = msgspec.field(default_factory=_Attributes, name="#attributes")


class _Qualified(msgspec.Struct, gc=False):
    """<EventID Qualifiers="32768">6009</EventID>"""

    text: int | None = msgspec.field(default=None, name="#text")


class _System(msgspec.Struct, gc=False):
    Provider: _Element = msgspec.field(default_factory=_Element)
    EventID: int | _Qualified | None = None
    TimeCreated: _Element = msgspec.field(default_factory=_Element)
    Channel: str = ""


class _Event(msgspec.Struct, gc=False):
    System: _System


class _SystemOnly(msgspec.Struct, gc=False):
    """A record's JSON with only what triage needs of ``Event.System`` decoded; the rest is skipped over."""

    Event: _Event


class _Identity(NamedTuple):
    event_id: int
    time: str
    provider: str
    channel: str


_NO_IDENTITY = "a record without an event ID or time"


def _text(name: str, value: Any) -> str:
    if value is None:
        return ""
    if not isinstance(value, str):
        raise DamagedRecord(f"System {name} is {type(value).__name__}, not text")
    return value


def _object(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def _identity(system: dict[str, Any]) -> _Identity:
    """Event ID, SystemTime, provider and channel from the System element; DamagedRecord for what no log holds."""
    event_id = system.get("EventID")
    if isinstance(event_id, dict):
        event_id = event_id.get("#text")
    time = _object(_object(system.get("TimeCreated")).get("#attributes")).get("SystemTime")
    if not isinstance(event_id, int) or isinstance(event_id, bool) or not isinstance(time, str):
        raise DamagedRecord(_NO_IDENTITY)
    if not 0 <= event_id <= MAX_EVENT_ID:
        raise DamagedRecord(f"EventID {event_id} is not a number from 0 to {MAX_EVENT_ID}")
    provider = _object(_object(system.get("Provider")).get("#attributes")).get("Name")
    return _Identity(event_id, time, _text("Provider Name", provider), _text("Channel", system.get("Channel")))


def _full_record(
    decode: Any, raw: dict[str, Any], catalog: Catalog, stats: ReadStats, connector_only: bool = False
) -> EventRecord | None:
    """The record decoded whole; None when it is skipped (counted in ``stats``) or, with ``connector_only``, is
    another log's (counted as not yielded)."""
    try:
        doc = decode(raw["data"])
        event = _object(_object(doc).get("Event"))
        system = _object(event.get("System"))
        identity = _identity(system)
        connector = is_connector(identity.provider, identity.channel)
        if connector_only and not connector:
            stats.records += 1
            stats.not_yielded += 1
            return None
        data = _fields(event.get("EventData")) or _fields(event.get("UserData"), nested=True)
        return EventRecord(
            time=parse_utc(identity.time),
            provider=identity.provider,
            channel=identity.channel,
            event_id=identity.event_id,
            level=level_name(system.get("Level")),
            computer=_text("Computer", system.get("Computer")),
            data=data,
            code=find_code(data, "", catalog) if connector else None,
            record_id=raw.get("event_record_id"),
        )
    except DamagedRecord as exc:
        stats.skip(str(exc))
    except msgspec.DecodeError:
        stats.skip("a record the reader rendered as broken JSON")
    return None


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
