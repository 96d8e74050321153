"""Connector events built as wevtutil XML, Event Viewer XML and CSV: summary, timeline, what next, CLI."""

from __future__ import annotations

import json
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest
from conncheck.catalog import load
from conncheck.cli.events import parse_offset, parse_since
from conncheck.cli.main import app
from conncheck.errors import InputError
from conncheck.events.triage import Triage, triage
from typer.testing import CliRunner

from tests.events_samples import event_viewer_csv, incident, saved_xml, wevtutil_xml

EXPECTED_NEXT = ["0x00000400", "0x00000401", "0x00000402", "0x00000405", "0x00000411", "0x0FFFFFFF"]


def write(tmp_path: Path, name: str, text: str, encoding: str = "utf-8") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding=encoding)
    return path


@pytest.fixture(params=["wevtutil", "saved-utf16", "saved-utf8"])
def xml_file(request: pytest.FixtureRequest, tmp_path: Path) -> Path:
    if request.param == "wevtutil":
        return write(tmp_path, "conn.xml", wevtutil_xml(incident()))
    if request.param == "saved-utf16":  # PowerShell 5.1 `>` writes UTF-16 LE with a BOM
        return write(tmp_path, "conn.xml", saved_xml(incident()).replace("utf-8", "UTF-16"), "utf-16")
    return write(tmp_path, "conn.xml", saved_xml(incident()), "utf-8-sig")


def by_id(result: Triage) -> dict[int, dict]:
    return {row["event_id"]: row for row in result.summary.event_rows()}


def test_xml_summary_per_event_id(xml_file: Path) -> None:
    result = triage([xml_file], load())
    s = result.summary
    assert (s.total, s.connector, s.not_connector) == (13, 11, 2)
    rows = by_id(result)
    assert set(rows) == {10010, 20102, 20100, 20202, 20501, 20500, 1001, 4001, 10102, 1020}
    assert rows[20102]["name"] == "PkcsCertIssue_Failure" and rows[20102]["generation"] == "legacy"
    assert rows[20102]["count"] == 2
    assert rows[20102]["first"] == "2026-11-20T08:05:00.123456Z"
    assert rows[20102]["last"] == "2026-11-20T08:10:00.000000Z"
    assert rows[20102]["levels"] == {"Error": 2}
    assert rows[1001]["name"] == "PkcsRequestFailure" and rows[1001]["generation"] == "current"


def test_every_code_spelling_becomes_one_integer(xml_file: Path) -> None:
    codes = {row["code"]: row for row in triage([xml_file], load()).summary.code_rows()}
    # 0x00000400 and 0x400; decimal 1026; upper-case 0X00000411; the table's 0x0FFFFFFFF and 0xC0000
    assert set(codes) == {"0x00000000", "0x00000400", "0x00000402", "0x00000411", "0x0FFFFFFF"}
    ca = codes["0x00000400"]
    assert ca["count"] == 2 and ca["name"] == "PKCS_Issue_CA_Unavailable"
    assert ca["events"] == [{"event_id": 20102, "name": "PkcsCertIssue_Failure", "count": 2}]
    assert ca["latest"]["time_utc"] == "2026-11-20T08:10:00.000000Z"
    assert ca["latest"]["details"] == {
        "device_id": "dev-222", "ca": "ca01.contoso.com\\Contoso CA", "template": "IntunePKCS",
    }
    assert codes["0x00000402"]["latest"]["details"] == {"serial": "1100AA", "device_id": "dev-333"}
    assert codes["0x00000000"]["events"][0]["event_id"] == 10102


def test_timeline_marks_recoveries(xml_file: Path) -> None:
    runs = [(r.host, r.operation, r.count, r.recovered, r.recovered_by) for r in triage([xml_file], load()).runs]
    assert runs == [
        ("conn01.contoso.com", "pkcs_issue", 2, True, 20100),
        ("conn01.contoso.com", "cert_revoke", 1, False, None),
        ("ndes01.contoso.com", "crp_verify", 1, True, 20500),
        ("conn02.contoso.com", "pkcs_issue", 1, False, None),
        ("conn02.contoso.com", "scep_request", 1, False, None),
        ("conn01.contoso.com", "cert_renewal", 1, False, None),
    ]


def test_what_next_names_codes_checks_and_command(xml_file: Path) -> None:
    result = triage([xml_file], load())
    assert [f"0x{s.code:08X}" for s in result.next_steps] == EXPECTED_NEXT
    steps = {s.code: s for s in result.next_steps}
    assert "events_revoke_recovered" in steps[0x402].checks
    assert "events_connector_cert_renewal_recovered" in steps[0x405].checks
    assert result.command == "conncheck check --codes " + ",".join(EXPECTED_NEXT)


def test_event_viewer_csv_gives_the_same_story(tmp_path: Path) -> None:
    path = write(tmp_path, "conn.csv", event_viewer_csv(incident()), "utf-8-sig")
    result = triage([path], load())
    assert (result.summary.connector, result.summary.not_connector) == (11, 2)
    assert result.inputs[0].format == "csv"
    assert any("read as UTC" in note for note in result.inputs[0].notes)
    assert [f"0x{s.code:08X}" for s in result.next_steps] == EXPECTED_NEXT
    codes = {row["code"]: row for row in result.summary.code_rows()}
    assert codes["0x00000400"]["latest"]["details"]["device_id"] == "dev-222"
    assert by_id(result)[20102]["first"] == "2026-11-20T08:05:00.000000Z"


def test_csv_offset_shifts_local_times(tmp_path: Path) -> None:
    path = write(tmp_path, "conn.csv", event_viewer_csv(incident()))
    result = triage([path], load(), csv_offset=timedelta(hours=3))
    assert by_id(result)[10010]["first"] == "2026-11-20T05:00:00.000000Z"


def test_since_and_host_filter(xml_file: Path) -> None:
    since = datetime(2026, 11, 21, tzinfo=timezone.utc)
    result = triage([xml_file], load(), since=since, hosts=["conn02"])
    assert set(by_id(result)) == {1001, 4001, 1020}
    assert result.summary.filtered_out == 8


def test_parse_since_and_offset() -> None:
    now = datetime(2026, 11, 25, 9, 0, tzinfo=timezone.utc)
    assert parse_since("7d", now) == now - timedelta(days=7)
    assert parse_since("12h", now) == now - timedelta(hours=12)
    assert parse_since("2026-11-20T08:00Z", now) == datetime(2026, 11, 20, 8, 0, tzinfo=timezone.utc)
    assert parse_offset("-05:30") == -timedelta(hours=5, minutes=30)
    with pytest.raises(InputError):
        parse_since("last tuesday", now)
    with pytest.raises(InputError):
        parse_offset("+25:00")


runner = CliRunner()


def test_cli_json_reads_back_and_exit_1_on_unrecovered(tmp_path: Path) -> None:
    path = write(tmp_path, "conn.xml", wevtutil_xml(incident()))
    result = runner.invoke(app, ["events", str(path), "--format", "json"])
    assert result.exit_code == 1, result.output
    doc = json.loads(result.stdout)
    assert doc["schema"] == "conncheck.events/1"
    assert doc["unrecovered"] == 4
    assert doc["next"]["command"].endswith(",".join(EXPECTED_NEXT))


def test_cli_table_and_markdown(tmp_path: Path) -> None:
    path = write(tmp_path, "conn.xml", wevtutil_xml(incident()))
    table = runner.invoke(app, ["events", str(path)]).stdout
    assert "PkcsCertIssue_Failure" in table and "UNRECOVERED" in table and "recovered 2026-11-20 08:30:00" in table
    assert "run: conncheck check --codes 0x00000400" in table
    markdown = runner.invoke(app, ["events", str(path), "--format", "markdown"]).stdout
    assert markdown.startswith("# Connector event triage") and "```sh\nconncheck check --codes" in markdown


def test_cli_exit_0_when_everything_recovered(tmp_path: Path) -> None:
    recovered = [ev for ev in incident() if ev.event_id in (10010, 20102, 20100, 20501, 20500)]
    path = write(tmp_path, "conn.xml", wevtutil_xml(recovered))
    result = runner.invoke(app, ["events", str(path), "--format", "json"])
    assert result.exit_code == 0
    assert json.loads(result.stdout)["unrecovered"] == 0


def test_cli_refuses_to_overwrite_an_input(tmp_path: Path) -> None:
    path = write(tmp_path, "conn.xml", wevtutil_xml(incident()))
    before = path.read_bytes()
    result = runner.invoke(app, ["events", str(path), "--output", str(path)])
    assert isinstance(result.exception, InputError)  # main() prints it as one line, exit 2
    assert "refusing to overwrite" in str(result.exception)
    assert path.read_bytes() == before
