"""Progress on stderr while ``check`` collects: a start line per peer at once, an end line with the time it took.

The peer here is a real TCP server on loopback that accepts SCEP requests and never answers until the test lets go:
the start lines must be on stderr while both URLs still hang (read before the server lets go), and the end lines
must carry what ended them (the server closing, not the collector's own timeout).
"""

from __future__ import annotations

import json
import socket
import subprocess
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.audit_fixtures import CLI


class HangingServer:
    """Accepts connections and holds them, unanswered, until ``release()``; after that it closes every connection."""

    def __init__(self) -> None:
        self.sock = socket.create_server(("127.0.0.1", 0))
        self.port = self.sock.getsockname()[1]
        self.held: list[socket.socket] = []
        self.released = threading.Event()
        self.lock = threading.Lock()
        threading.Thread(target=self._serve, daemon=True).start()

    def _serve(self) -> None:
        while True:
            try:
                conn, _ = self.sock.accept()
            except OSError:
                return
            with self.lock:
                if self.released.is_set():
                    conn.close()
                else:
                    self.held.append(conn)

    def release(self) -> None:
        with self.lock:
            self.released.set()
            for conn in self.held:
                conn.close()

    def close(self) -> None:
        self.release()
        self.sock.close()


@pytest.fixture
def hanging() -> Iterator[HangingServer]:
    server = HangingServer()
    try:
        yield server
    finally:
        server.close()


def site_toml(tmp_path: Path, urls: list[str]) -> Path:
    path = tmp_path / "site.toml"
    listed = ", ".join(f'"{u}"' for u in urls)
    # The collector's own timeout is far away: only the server letting go can end these requests early.
    path.write_text(f'[site]\nname = "progress"\n\n[scep]\nurls = [{listed}]\ntimeout_seconds = 240\n')
    return path


def test_two_hanging_scep_urls_print_their_start_lines_at_once(hanging: HangingServer, tmp_path: Path) -> None:
    urls = [f"http://127.0.0.1:{hanging.port}/{name}/certsrv/mscep/mscep.dll" for name in ("a", "b")]
    config = site_toml(tmp_path, urls)
    proc = subprocess.Popen([*CLI, "check", "-c", str(config), "-f", "json"], stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True)
    try:
        assert proc.stderr is not None
        first = [proc.stderr.readline().rstrip("\n") for _ in urls]  # blocks until printed: both URLs still hang
        assert not hanging.released.is_set()
        assert sorted(first) == sorted(f"conncheck: scep {u}: started" for u in urls)
        hanging.release()
        out, rest = proc.communicate(timeout=120)
    finally:
        proc.kill()
    ends = rest.splitlines()
    for url in urls:
        (end,) = [line for line in ends if line.startswith(f"conncheck: scep {url}: ")]
        assert " probes read in " in end or " nothing read in " in end, end
        assert " s" in end and "no answer within" not in end, end  # ended by the server letting go
    report = json.loads(out)  # stdout holds the report alone: no progress line in it
    assert set(urls) <= {c["host"] for row in report["checklist"] for c in row["checks"]}


def test_quiet_prints_no_progress(hanging: HangingServer, tmp_path: Path) -> None:
    hanging.release()  # every request fails at once
    config = site_toml(tmp_path, [f"http://127.0.0.1:{hanging.port}/certsrv/mscep/mscep.dll"])
    loud = subprocess.run([*CLI, "check", "-c", str(config)], capture_output=True, text=True, timeout=120)
    quiet = subprocess.run([*CLI, "check", "-c", str(config), "--quiet"], capture_output=True, text=True,
                           timeout=120)
    assert "started" in loud.stderr and "probes read in" in loud.stderr
    assert quiet.stderr == "" and "Summary:" in quiet.stdout
    assert quiet.returncode == loud.returncode == 3  # nothing could be read: UNKNOWN, never a PASS
