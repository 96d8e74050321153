"""Hostile and broken input through the real console entry point: one line and exit 2, or the good records and
a warning; never a traceback, never a hang (the timeout only stops a runaway test; nothing is timed)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import shared_data
from tests.events_samples import incident, wevtutil_xml

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
