"""Hostile and broken input through the real console entry point: one line and exit 2, or the good records and
a warning; never a traceback, never a hang (the timeout only stops a runaway test; nothing is timed)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import shared_data
from tests.events_samples import event_viewer_csv, incident, wevtutil_xml

BOMB = """<?xml version="1.0"?>
<!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
<!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
<!ENTITY lol9 "&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;">]>
<Events><Event><System><EventID>&lol9;</EventID></System></Event></Events>"""
EXTERNAL = """<?xml version="1.0"?>
<!DOCTYPE e [<!ENTITY x SYSTEM "file:///etc/passwd">]>
<Events><Event><System><EventID>1</EventID><Computer>&x;</Computer></System></Event></Events>"""


def conncheck(*args: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k != "CONNCHECK_DEBUG"}
    return subprocess.run(
        [sys.executable, "-c", "from conncheck.cli.main import main; main()", *args],
        capture_output=True, text=True, timeout=120, env=env,
    )


def assert_one_line_error(result: subprocess.CompletedProcess[str], *words: str) -> None:
    assert result.returncode == 2, result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("conncheck: error: "), result.stderr
    assert "Traceback" not in result.stderr
    for word in words:
        assert word in lines[0]


@pytest.mark.parametrize(("name", "content", "words"), [
    ("bomb.xml", BOMB.encode(), ("refused", "DTD")),
    ("external.xml", EXTERNAL.encode(), ("refused",)),
    ("empty.evtx", b"", ("empty file",)),
    ("random.bin", bytes(range(256)) * 64, ("not an event log",)),
    ("notes.txt", b"just some words\nand more\n", ("not an Event Viewer",)),
    ("header.evtx", b"ElfFile\x00" + b"\x00" * 100, ("not a readable .evtx",)),
])
def test_hostile_file_is_one_line_exit_2(tmp_path: Path, name: str, content: bytes, words: tuple[str, ...]) -> None:
    path = tmp_path / name
    path.write_bytes(content)
    assert_one_line_error(conncheck("events", str(path)), *words)


def test_missing_file_and_directory(tmp_path: Path) -> None:
    assert_one_line_error(conncheck("events", str(tmp_path / "absent.evtx")), "no such file")
    assert_one_line_error(conncheck("events", str(tmp_path)), "is a directory")


def test_bad_options_are_one_line(tmp_path: Path) -> None:
    path = tmp_path / "conn.xml"
    path.write_text(wevtutil_xml(incident()))
    assert_one_line_error(conncheck("events", str(path), "--since", "yesterday"), "--since")
    assert_one_line_error(conncheck("events", str(path), "--csv-utc-offset", "3"), "--csv-utc-offset")


def test_truncated_evtx_keeps_good_records_with_a_warning(tmp_path: Path) -> None:
    whole = shared_data("evtx", "security.evtx").read_bytes()
    cut = tmp_path / "cut.evtx"
    cut.write_bytes(whole[: 4096 + 65536 * 3 + 20000])  # header, three chunks, part of a fourth
    result = conncheck("events", str(cut), "--format", "json")
    assert result.returncode == 3, result.stderr  # a Security log: no record of the connector's
    assert "Traceback" not in result.stderr
    assert "conncheck: warning:" in result.stderr and "skipped" in result.stderr
    import json

    doc = json.loads(result.stdout)
    kept = doc["inputs"][0]["records"]
    assert 0 < kept < 2261
    assert doc["inputs"][0]["skipped_parts"] >= 1


def test_truncated_xml_keeps_records_before_the_cut(tmp_path: Path) -> None:
    text = wevtutil_xml(incident())
    path = tmp_path / "cut.xml"
    path.write_text(text[: len(text) * 2 // 3])
    result = conncheck("events", str(path), "--format", "json")
    assert result.returncode in (0, 1), result.stderr
    assert "XML ends badly" in result.stderr and "Traceback" not in result.stderr
    import json

    assert json.loads(result.stdout)["inputs"][0]["records"] >= 5


def test_element_without_event_id_is_skipped_and_counted(tmp_path: Path) -> None:
    path = tmp_path / "odd.xml"
    path.write_text("<Event><System><Provider Name='Microsoft Intune Connector'/></System></Event>"
                    + wevtutil_xml(incident()[:1]))
    result = conncheck("events", str(path), "--format", "json")
    assert result.returncode == 0
    assert "skipped 1 damaged part" in result.stderr


HUGE = "9" * 5000
OVERFLOW = "9999-12-31T23:59:59-14:00"  # a valid ISO time that is past the year 9999 in UTC


def assert_no_crash(result: subprocess.CompletedProcess[str]) -> list[str]:
    """Exit 0-4, every stderr line conncheck's own, no traceback; the stderr lines."""
    assert result.returncode in (0, 1, 2, 3, 4), result.stderr
    lines = result.stderr.strip().splitlines()
    assert all(line.startswith("conncheck: ") for line in lines), result.stderr
    return lines


def hostile_event(event_id: str = "20102", level: str = "2", record_id: str = "7", time: str = "") -> str:
    return (
        "<Event xmlns='http://schemas.microsoft.com/win/2004/08/events/event'><System>"
        f"<Provider Name='Microsoft Intune Connector'/><EventID>{event_id}</EventID><Level>{level}</Level>"
        f"<TimeCreated SystemTime='{time or '2026-11-20T08:01:00Z'}'/><EventRecordID>{record_id}</EventRecordID>"
        "<Channel>Microsoft Intune Connector</Channel><Computer>CONN01</Computer></System></Event>"
    )


@pytest.mark.parametrize(("field", "event"), [
    ("EventID ²", hostile_event(event_id="²")),
    ("EventID of 5,000 digits", hostile_event(event_id=HUGE)),
    ("Level ²", hostile_event(level="²")),
    ("Level of 5,000 digits", hostile_event(level=HUGE)),
    ("EventRecordID ²", hostile_event(record_id="²")),
    ("EventRecordID of 5,000 digits", hostile_event(record_id=HUGE)),
    ("a time past 9999 in UTC", hostile_event(time=OVERFLOW)),
    ("a time before the year 1 in UTC", hostile_event(time="0001-01-01T00:00:00+01:00")),
])
def test_xml_record_with_an_impossible_field_is_skipped_and_counted(tmp_path: Path, field: str, event: str) -> None:
    path = tmp_path / "hostile.xml"
    path.write_text(event + wevtutil_xml(incident()))
    result = conncheck("events", str(path), "--format", "json")
    lines = assert_no_crash(result)
    assert result.returncode == 1, field  # the incident's unrecovered failures: every good record was kept
    assert any("skipped 1 damaged part" in line for line in lines), field
    import json

    assert json.loads(result.stdout)["inputs"][0]["records"] == len(incident())


@pytest.mark.parametrize(("event_id", "time"), [("²", "11/20/2026 8:01:00 AM"), (HUGE, "11/20/2026 8:01:00 AM"),
                                                ("20102", "12/31/9999 11:59:59 PM")])
def test_csv_row_with_an_impossible_field_is_skipped_and_counted(tmp_path: Path, event_id: str, time: str) -> None:
    rows = event_viewer_csv(incident()).splitlines()
    rows.insert(1, f"Error,{time},Microsoft Intune Connector,{event_id},None,ResultCode: 0x400")
    path = tmp_path / "hostile.csv"
    path.write_text("\r\n".join(rows) + "\r\n")
    result = conncheck("events", str(path), "--format", "json", "--csv-utc-offset", "-05:00")
    lines = assert_no_crash(result)
    assert result.returncode == 1
    assert any("skipped 1 damaged part" in line for line in lines), result.stderr


def test_live_record_with_an_impossible_field_is_skipped_and_counted() -> None:
    from conncheck.catalog import load
    from conncheck.events.live import parse_probe

    good = {"event_id": 20100, "time_utc": "2026-11-20T08:00:00Z", "provider": "Microsoft Intune Connector"}
    hostile = [{**good, "event_id": 70000}, {**good, "level": "²"}, {**good, "level": HUGE},
               {**good, "time_utc": OVERFLOW}, {**good, "event_id": True}]
    live = parse_probe({"logs": [], "records": [good, *hostile]}, load(), "facts.json:conn01")
    assert (live.stats.records, live.stats.skipped_parts) == (1, len(hostile))


@pytest.mark.parametrize("args", [
    ("explain", HUGE),
    ("explain", "0x" + "F" * 5000),
    ("explain", "²"),
    ("events", "{xml}", "--since", OVERFLOW),
    ("events", "{xml}", "--since", "0001-01-01T00:00:00+01:00"),
    ("events", "{xml}", "--since", HUGE),
])
def test_hostile_numbers_on_the_command_line_are_one_line_exit_2(tmp_path: Path, args: tuple[str, ...]) -> None:
    path = tmp_path / "conn.xml"
    path.write_text(wevtutil_xml(incident()))
    result = conncheck(*(a.replace("{xml}", str(path)) for a in args))
    assert_one_line_error(result)
    assert len(result.stderr) < 300  # the number is not echoed back in full


def test_logs_without_a_connector_record_exit_3_naming_where_they_live() -> None:
    result = conncheck("events", str(shared_data("evtx", "system.evtx")), str(shared_data("evtx", "security.evtx")))
    lines = assert_no_crash(result)
    assert result.returncode == 3
    assert lines == [
        "conncheck: no record of the connector's logs here: they are the legacy 'Microsoft Intune Connector' log "
        "and 'Microsoft-Intune-CertificateConnectors/Admin' and '/Operational', on the connector host (with SCEP, "
        "the NDES server)"
    ]
    assert "0 from the connector" in result.stdout and "Unrecovered failures: unknown" in result.stdout


def test_connector_records_all_outside_since_exit_3(tmp_path: Path) -> None:
    path = tmp_path / "conn.xml"
    path.write_text(wevtutil_xml(incident()))
    result = conncheck("events", str(path), "--since", "2027-01-01T00:00Z", "--format", "json")
    assert result.returncode == 3
    assert assert_no_crash(result) == [
        "conncheck: none of the 11 connector records here is inside --since/--host"
    ]
