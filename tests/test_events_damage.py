"""Damaged .evtx files: damage costs only the records it touched. security.evtx (26 chunks, 2,261 records) is
damaged in each way that used to cost a whole chunk or the rest of one, and at random one byte at a time: the
records of every other chunk come out exactly as from the sound file, nothing vanishes without being counted,
and nothing raises."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest
from conncheck.catalog import load
from conncheck.events.sources import read_file
from conncheck.events.stats import ReadStats
from conncheck.events.triage import triage
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.conftest import shared_data
from tests.events_samples import record_offsets

RECORDS = 2261
CHUNKS = 26
Key = tuple[object, str]
Sound = tuple[bytes, list[Key], dict[int, int]]  # the sound file's bytes, its records, each record ID's chunk


def keys(path: Path) -> tuple[list[Key], ReadStats]:
    stats = ReadStats(str(path))
    return [(r.record_id, json.dumps(r.to_json(), sort_keys=True)) for r in read_file(path, load(), stats)], stats


@pytest.fixture(scope="module")
def sound() -> Sound:
    path = shared_data("evtx", "security.evtx")
    data = path.read_bytes()
    chunk_of = {}
    for chunk in range(CHUNKS):
        for offset in record_offsets(data, chunk):
            chunk_of[int.from_bytes(data[offset + 8:offset + 16], "little")] = chunk
    records, stats = keys(path)
    assert len(records) == RECORDS == len(chunk_of) and not stats.damaged
    return data, records, chunk_of


def damaged_read(
    tmp_path: Path, sound: Sound, damage: Callable[[bytearray], None]
) -> tuple[list[Key], ReadStats, int | None]:
    """Read the file with ``damage`` applied; check the invariants; return the read and the damaged chunk."""
    data, records, chunk_of = sound
    changed = bytearray(data)
    damage(changed)
    spans = [(4096 + c * 65536, 4096 + (c + 1) * 65536) for c in range(CHUNKS)]
    touched = {c for c, (start, stop) in enumerate(spans) if changed[start:stop] != data[start:stop]}
    path = tmp_path / "damaged.evtx"
    path.write_bytes(changed)
    kept, stats = keys(path)
    elsewhere = [k for k in records if chunk_of[k[0]] not in touched]  # type: ignore[index]
    assert set(elsewhere) <= set(kept), "a record of an undamaged chunk was lost or changed"
    assert len(kept) + stats.skipped_parts >= RECORDS, "a record vanished without being counted"
    return kept, stats, min(touched) if touched else None


def at(offset: int, value: bytes) -> Callable[[bytearray], None]:
    def damage(data: bytearray) -> None:
        data[offset:offset + len(value)] = value

    return damage


def flip(offset: int, mask: int = 0xFF) -> Callable[[bytearray], None]:
    def damage(data: bytearray) -> None:
        data[offset] ^= mask

    return damage


CHUNK_3 = 4096 + 3 * 65536


def test_a_flipped_chunk_signature_costs_nothing(tmp_path: Path, sound: Sound) -> None:
    kept, stats, _ = damaged_read(tmp_path, sound, flip(CHUNK_3 + 2))
    assert sorted(kept) == sorted(sound[1])  # today the whole chunk (89 records) was lost
    assert stats.skipped_parts == 0
    assert any(p.startswith("chunk 3: ") and "repaired the chunk signature" in p for p in stats.problems)


def test_a_flipped_string_table_entry_costs_nothing(
    tmp_path: Path, sound: Sound
) -> None:
    data = sound[0]
    table = [CHUNK_3 + 128 + 4 * i for i in range(64)]
    entry = next(at for at in table if data[at:at + 4] != bytes(4))
    kept, stats, _ = damaged_read(tmp_path, sound, flip(entry + 1))
    assert sorted(kept) == sorted(sound[1])  # today: "Failed to build string cache", the whole chunk lost
    assert any("repaired the chunk header" in p for p in stats.problems)


@pytest.mark.parametrize(("field", "offset", "value"), [
    ("signature", 0, b"*+\x00\x00"),
    ("size", 4, (70000).to_bytes(4, "little")),
    ("write time", 16, b"\xff" * 8),
])
def test_a_damaged_record_header_keeps_the_record_and_the_rest_of_its_chunk(
    tmp_path: Path, sound: Sound, field: str, offset: int, value: bytes
) -> None:
    tenth = record_offsets(sound[0], 3)[10]
    kept, stats, _ = damaged_read(tmp_path, sound, at(tenth + offset, value))
    # today the walk of chunk 3 stopped here: its last 79 records were lost
    assert sorted(kept) == sorted(sound[1]), field
    assert any("framed as one record" in p for p in stats.problems)


def test_a_wiped_stretch_counts_its_records_and_the_records_after_it_are_kept(
    tmp_path: Path, sound: Sound
) -> None:
    offsets = record_offsets(sound[0], 3)
    start, stop = offsets[10], offsets[13]  # records 11 to 13 of chunk 3 zeroed
    kept, stats, _ = damaged_read(tmp_path, sound, at(start, bytes(stop - start)))
    # today the zeroes read as the end of the chunk: its last 79 records lost, none counted. Now the frame reads
    # as one unreadable record, two more are told by the record IDs around it, and the two later records that
    # used a template defined in the wiped ones fail one by one: every loss counted, every other record kept.
    assert any("2 more records lost in the damage" in p for p in stats.problems)
    assert len(kept) == RECORDS - stats.skipped_parts == RECORDS - 5


def test_damage_past_the_last_sound_record_is_counted(
    tmp_path: Path, sound: Sound
) -> None:
    last = record_offsets(sound[0], 3)[-1]
    kept, stats, _ = damaged_read(tmp_path, sound, at(last, b"\x13" * 8))
    assert len(kept) == RECORDS - 1
    assert any("unreadable from offset" in p for p in stats.problems)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(offset=st.integers(4096, 4096 + CHUNKS * 65536 - 1), mask=st.integers(1, 255))
def test_one_flipped_byte_anywhere_costs_only_what_it_touched(
    tmp_path: Path, sound: Sound, offset: int, mask: int
) -> None:
    damaged_read(tmp_path, sound, flip(offset, mask))


@settings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(changes=st.lists(st.tuples(st.integers(0, 4096 + CHUNKS * 65536 - 1), st.integers(0, 255)), max_size=40))
def test_scattered_damage_never_raises(tmp_path: Path, sound: Sound,
                                       changes: list[tuple[int, int]]) -> None:  # fmt: skip
    data = bytearray(sound[0])
    for offset, value in changes:
        data[offset] = value
    path = tmp_path / "scattered.evtx"
    path.write_bytes(data)
    try:
        result = triage([path], load())
    except Exception as exc:  # only a refusal of the whole file (its own header damaged) is allowed
        assert type(exc).__name__ == "InputError", exc
        return
    assert result.summary.total + result.inputs[0].skipped_parts > 0
