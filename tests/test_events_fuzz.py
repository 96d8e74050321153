"""Fuzzing every event reader through the console entry point (in-process, for speed): hostile .evtx bytes, event
XML and Event Viewer CSV with any text where numbers and times belong. Whatever comes in: exit 0-4, every stderr
line conncheck's own, exactly one line for refused input (exit 2), never an internal error (exit 70), never a
hang (an alarm stops a runaway example; nothing is timed)."""

from __future__ import annotations

import contextlib
import io
import signal
import sys
from collections.abc import Iterator
from pathlib import Path
from xml.sax.saxutils import escape, quoteattr

import pytest
from conncheck.cli.main import main
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.conftest import shared_data
from tests.events_samples import event_viewer_csv, incident, wevtutil_xml

FUZZ = settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])

NUMBERS = st.one_of(
    st.text(max_size=12),
    st.from_regex(r"[0-9]{1,30}", fullmatch=True),
    st.integers(5000, 6000).map(lambda n: "9" * n),
    st.sampled_from(["²", "٣", "-1", "0x402", " 7 ", "65536", "18446744073709551616", ""]),
)
TIMES = st.one_of(
    st.text(max_size=40),
    st.datetimes().map(lambda t: t.isoformat()),
    st.sampled_from(["9999-12-31T23:59:59-14:00", "0001-01-01T00:00:00+01:00", "2026-11-20T08:00:00.12345678901Z",
                     "2026-02-30T00:00:00Z", "12/31/9999 11:59:59 PM", "Z"]),
)


@contextlib.contextmanager
def alarm(seconds: int) -> Iterator[None]:
    def stop(signum: int, frame: object) -> None:
        raise TimeoutError(f"no answer within {seconds} s")

    previous = signal.signal(signal.SIGALRM, stop)
    signal.alarm(seconds)
    try:
        yield
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, previous)


def run(*args: str) -> tuple[int, str]:
    """The console entry point in this process: its exit code and stderr."""
    out, err = io.StringIO(), io.StringIO()
    code: int | str | None = 0
    argv = sys.argv
    sys.argv = ["conncheck", *args]
    try:
        with alarm(120), contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            main()
    except SystemExit as exc:
        code = exc.code
    finally:
        sys.argv = argv
    return int(code or 0), err.getvalue()


def assert_handled(code: int, stderr: str) -> None:
    assert code in (0, 1, 2, 3, 4), stderr
    lines = stderr.strip().splitlines()
    assert all(line.startswith("conncheck: ") for line in lines), stderr
    if code == 2:
        assert len(lines) == 1 and lines[0].startswith("conncheck: error: "), stderr


def event(event_id: str, level: str, record_id: str, time: str, provider: str, channel: str, value: str) -> str:
    return (
        "<Event xmlns='http://schemas.microsoft.com/win/2004/08/events/event'><System>"
        f"<Provider Name={quoteattr(provider)}/><EventID>{escape(event_id)}</EventID><Level>{escape(level)}</Level>"
        f"<TimeCreated SystemTime={quoteattr(time)}/><EventRecordID>{escape(record_id)}</EventRecordID>"
        f"<Channel>{escape(channel)}</Channel><Computer>CONN01</Computer></System>"
        f"<EventData><Data Name='ResultCode'>{escape(value)}</Data></EventData></Event>"
    )


@FUZZ
@given(event_id=NUMBERS, level=NUMBERS, record_id=NUMBERS, time=TIMES, value=NUMBERS,
       provider=st.sampled_from(["Microsoft Intune Connector", "Microsoft-Windows-Security-Auditing", ""]),
       channel=st.one_of(st.text(max_size=20), st.just("Microsoft-Intune-CertificateConnectors/Admin")))
def test_xml_with_anything_in_its_fields(tmp_path: Path, event_id: str, level: str, record_id: str, time: str,
                                         value: str, provider: str, channel: str) -> None:  # fmt: skip
    path = tmp_path / "fuzz.xml"
    path.write_text(event(event_id, level, record_id, time, provider, channel, value) + wevtutil_xml(incident()[:3]),
                    encoding="utf-8", errors="surrogatepass")  # fmt: skip
    assert_handled(*run("events", str(path), "--format", "json"))


@FUZZ
@given(cells=st.lists(st.one_of(NUMBERS, TIMES), min_size=0, max_size=8), offset=st.sampled_from(["-05:00", "+14:00"]))
def test_csv_with_anything_in_a_row(tmp_path: Path, cells: list[str], offset: str) -> None:
    rows = event_viewer_csv(incident()[:3]).splitlines()
    rows.insert(1, ",".join('"' + c.replace('"', '""') + '"' for c in cells))
    path = tmp_path / "fuzz.csv"
    path.write_text("\r\n".join(rows) + "\r\n", encoding="utf-8", errors="surrogatepass")
    assert_handled(*run("events", str(path), "--format", "json", "--csv-utc-offset", offset))


@FUZZ
@given(cut=st.integers(0, 4000), changes=st.lists(st.tuples(st.integers(0, 3999), st.integers(0, 255)), max_size=20))
def test_xml_bytes_mutated_or_cut(tmp_path: Path, cut: int, changes: list[tuple[int, int]]) -> None:
    data = bytearray(wevtutil_xml(incident()).encode()[:4000])
    for offset, value in changes:
        if offset < len(data):
            data[offset] = value
    path = tmp_path / "fuzz.xml"
    path.write_bytes(bytes(data[:cut]))
    assert_handled(*run("events", str(path)))


@pytest.fixture(scope="module")
def hello() -> bytes:
    return shared_data("evtx", "HelloForBusiness-Operational.evtx").read_bytes()


@FUZZ
@given(changes=st.lists(st.tuples(st.integers(0, 4096 + 65535), st.integers(0, 255)), min_size=1, max_size=30),
       cut=st.one_of(st.none(), st.integers(0, 4096 + 65536)))
def test_evtx_bytes_mutated_or_cut(tmp_path: Path, hello: bytes, changes: list[tuple[int, int]],
                                   cut: int | None) -> None:  # fmt: skip
    data = bytearray(hello)
    for offset, value in changes:
        data[offset] = value
    path = tmp_path / "fuzz.evtx"
    path.write_bytes(bytes(data[:cut]))
    assert_handled(*run("events", str(path), "--format", "json"))
