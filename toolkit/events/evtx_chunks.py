"""A damaged .evtx chunk made readable again, so that the reader keeps every good record around the damage.

The Rust reader gives up on more than the damage: a chunk whose header fails (signature, string table) loses all
its records, and a record whose header fails (signature, size, a time past 9999) ends the walk of its chunk, so
one flipped byte can cost a whole chunk. The reader (``evtx_file``) therefore reads with checksums enforced:
a sound chunk is read as written, and each chunk the reader rejects is taken here, repaired, and read again on its
own, with checksums off. Only what the reader would stop on is mended:

* a damaged chunk signature is restored when the chunk's first record is where a record belongs;
* the chunk's string and template tables are set aside (the reader then reads each name where it is written, as
  it does for names the tables miss), so a damaged name costs only the records that use it; a chunk header that
  fails its checksum also loses its end-of-records markers, which the walk of the records replaces;
* a damaged stretch between two sound records becomes one record frame, so the reader fails on that frame
  alone (counted, one skipped part) and goes on with the next record. A record whose only damage was its own
  header parses again: it is kept.

Record content is never changed, so nothing mended can read as evidence that was not written. Checksums decide
only which chunks are walked: a record that parses is evidence even when its chunk's CRC32 failed or was zeroed.
"""

from __future__ import annotations

import struct
import zlib
from typing import NamedTuple

from conncheck.events.stats import ReadStats

HEADER_SIZE = 4096
CHUNK_SIZE = 65536
CHUNK_MAGIC = b"ElfChnk\x00"
RECORD_MAGIC = b"**\x00\x00"
CHUNK_COUNT = slice(42, 44)  # u16 in the file header: chunks the file says it holds
_CHUNK_HEADER_SIZE = 512  # the records start here
_RECORD_HEADER = struct.Struct("<4sIQQ")  # signature, size, record ID, FILETIME written
_RECORD_MIN = _RECORD_HEADER.size + 4  # a header and the size's copy closing the record
_NO_CRC32 = 0x4  # chunk flag: the writer kept no checksums
# FILETIME of 9999-01-01: the reader refuses a record header written later than its calendar reaches.
_FILETIME_MAX = 2_650_152_384_000_000_000
_LAST_RECORD_ID = slice(32, 40)
_FREE_SPACE = slice(48, 52)
_TABLES = slice(128, 512)  # 64 string-table and 32 template-table offsets
_RECORDS_MAX = (CHUNK_SIZE - _CHUNK_HEADER_SIZE) // _RECORD_MIN  # a chunk holds no more


def alone(file_header: bytes, chunk: bytes) -> bytes:
    """A one-chunk .evtx file: the file's own header, its chunk count set to one, and the chunk."""
    header = bytearray(file_header[:HEADER_SIZE])
    header[CHUNK_COUNT] = (1).to_bytes(2, "little")
    return bytes(header) + chunk


class Repaired(NamedTuple):
    chunk: bytes
    mended: list[str]  # what was mended, for the report; empty when the chunk is as written


def repaired(chunk: bytes, index: int, stats: ReadStats) -> Repaired | None:
    """The chunk with what the reader stops on mended; None when there is no chunk here at all (zeroed,
    overwritten): the reader's rejection stands. Damage no sound record follows is counted in ``stats``."""
    signed = chunk[:8] == CHUNK_MAGIC
    if len(chunk) != CHUNK_SIZE or (
        not signed and chunk[_CHUNK_HEADER_SIZE:_CHUNK_HEADER_SIZE + 4] != RECORD_MAGIC
    ):
        return None
    flags = int.from_bytes(chunk[120:124], "little")
    header_sound = signed and (flags & _NO_CRC32 or _header_crc(chunk) == chunk[124:128])
    free = int.from_bytes(chunk[_FREE_SPACE], "little")
    end = free if _CHUNK_HEADER_SIZE <= free <= CHUNK_SIZE else CHUNK_SIZE  # past it: slack, not records
    fixed = bytearray(chunk)
    walk = _walk(fixed, end)
    mended = [] if signed else ["the chunk signature"]
    fixed[_TABLES] = bytes(_TABLES.stop - _TABLES.start)  # a damaged name they chain to would cost every record
    if not header_sound:  # its end markers may point anywhere: the walk's figures replace them
        fixed[:8] = CHUNK_MAGIC
        fixed[_LAST_RECORD_ID] = walk.last_id.to_bytes(8, "little")
        fixed[_FREE_SPACE] = walk.end.to_bytes(4, "little")
        if signed:
            mended.append("the chunk header")
    for frame in walk.framed:
        mended.append(f"damage at offsets {frame.start}-{frame.stop} (framed as one record)")
        if frame.records > 1:  # the frame reads as one record at most: the others it held are lost
            stats.skip(f"chunk {index}: {frame.records - 1} more records lost in the damage at offsets "
                       f"{frame.start}-{frame.stop}", frame.records - 1)  # fmt: skip
    if walk.cut_at is not None:
        last = int.from_bytes(chunk[_LAST_RECORD_ID], "little")
        lost = last - walk.last_id if header_sound and 0 < last - walk.last_id <= _RECORDS_MAX else 1
        stats.skip(f"chunk {index}: unreadable from offset {walk.cut_at} to the end of its records", lost)
    return Repaired(bytes(fixed), mended)


def _header_crc(chunk: bytes) -> bytes:
    return zlib.crc32(chunk[128:_CHUNK_HEADER_SIZE], zlib.crc32(chunk[:120])).to_bytes(4, "little")


def _accepted(chunk: bytearray, at: int) -> bool:
    """A record header the reader takes at ``at``: signature, a size that fits the chunk, a write time it reads."""
    if at + _RECORD_MIN > len(chunk):
        return False
    magic, size, _, written = _RECORD_HEADER.unpack_from(chunk, at)
    return magic == RECORD_MAGIC and _RECORD_MIN <= size <= len(chunk) - at and written <= _FILETIME_MAX


def _closed(chunk: bytearray, at: int) -> bool:
    """An accepted header whose record ends with the copy of its size, where records start (8-byte steps)."""
    if at % 8 or not _accepted(chunk, at):
        return False
    size = int.from_bytes(chunk[at + 4:at + 8], "little")
    return size % 8 == 0 and int.from_bytes(chunk[at + size - 4:at + size], "little") == size


def _next_closed(chunk: bytearray, after: int, end: int) -> int | None:
    at = chunk.find(RECORD_MAGIC, after, end)
    while at != -1:
        if _closed(chunk, at):
            return at
        at = chunk.find(RECORD_MAGIC, at + 1, end)
    return None


def _size_holds(chunk: bytearray, at: int, end: int) -> bool:
    """The record at ``at`` ends where the next record or zeroes (wiped or never written) start."""
    following = at + int.from_bytes(chunk[at + 4:at + 8], "little")
    return following >= end or _accepted(chunk, following) or chunk[following:following + 4] == bytes(4)


class _Frame(NamedTuple):
    start: int
    stop: int
    records: int  # how many records the stretch held, told by the record IDs around it (1 when they cannot tell)


class _Walk(NamedTuple):
    last_id: int  # of the last sound record
    end: int  # where the records end
    framed: list[_Frame]  # damaged stretches, each made one record frame
    cut_at: int | None  # where damage that no sound record follows begins


def _record_id(chunk: bytearray, at: int) -> int:
    return int.from_bytes(chunk[at + 8:at + 16], "little")


def _walk(chunk: bytearray, end: int) -> _Walk:
    """Walk the records from the chunk header to ``end``, framing each damaged stretch a sound record follows."""
    at = _CHUNK_HEADER_SIZE
    last_id = int.from_bytes(chunk[24:32], "little") - 1  # before the first: the header's first record ID
    framed: list[_Frame] = []
    while at + _RECORD_MIN <= end:
        if _closed(chunk, at) or (_accepted(chunk, at) and _size_holds(chunk, at, end)):
            last_id = _record_id(chunk, at)
            at += int.from_bytes(chunk[at + 4:at + 8], "little")
            continue
        if not any(chunk[at:end]):
            break  # zeroes to the end: the records end here
        following = _next_closed(chunk, at + _RECORD_MIN, end)
        if following is None:
            return _Walk(last_id, at, framed, at)
        held = _record_id(chunk, following) - last_id - 1
        framed.append(_Frame(at, following, held if 1 <= held <= _RECORDS_MAX else 1))
        _frame(chunk, at, following - at)
        at = following
    return _Walk(last_id, min(at, end), framed, None)


def _frame(chunk: bytearray, at: int, size: int) -> None:
    """Make ``size`` bytes at ``at`` one record frame: its signature, size and size copy; an impossible write
    time becomes 1601 (the reader takes each record's time from its System element, not from this header)."""
    chunk[at:at + 4] = RECORD_MAGIC
    chunk[at + 4:at + 8] = size.to_bytes(4, "little")
    if int.from_bytes(chunk[at + 16:at + 24], "little") > _FILETIME_MAX:
        chunk[at + 16:at + 24] = bytes(8)
    chunk[at + size - 4:at + size] = size.to_bytes(4, "little")
