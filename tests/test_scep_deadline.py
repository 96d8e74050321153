"""A SCEP server that answers one byte at a time cannot hold a run: every exchange has a total deadline covering
connect, TLS and the whole answer.

The peer is real: a TCP server on loopback that reads the request and then drips its status line and headers, or
its body, or a TLS handshake record, one byte every 0.4 s. Each byte arrives well inside the per-read timeout, so
only a deadline on the whole exchange ends it.
"""

from __future__ import annotations

import json
import socket
import subprocess
import threading
import time
from collections.abc import Iterator

import pytest
from conncheck.collectors import scep
from conncheck.collectors.scep import Endpoint, Options, collect
from conncheck.registry import default_registry

from tests.audit_fixtures import CLI

DRIP_SECONDS = 0.4
DEADLINE = 2.0
PATH = "/certsrv/mscep/mscep.dll"

OPENINGS = {
    # what the server sends at once, before it starts to drip
    "headers": b"",
    "body": b"HTTP/1.1 200 OK\r\nContent-Type: application/x-x509-ca-ra-cert\r\nContent-Length: 100000\r\n\r\n",
    "tls": b"\x16\x03\x03\x40\x00",  # a TLS handshake record of 16 KiB announced; its bytes never all come
}
DRIPPED = {"headers": b"HTTP/1.1 200 OK\r\nServer: drip\r\n" + b"X-Slow: y\r\n" * 1000, "body": b"x" * 100000,
           "tls": b"\x02" * 16384}  # fmt: skip


class DrippingServer:
    """Answers every connection on loopback by dripping ``DRIPPED[mode]`` until the client goes away."""

    def __init__(self, mode: str) -> None:
        self.mode = mode
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.port = self.listener.getsockname()[1]
        self.stop = threading.Event()
        self.connections = 0
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self) -> None:
        while not self.stop.is_set():
            try:
                conn, _ = self.listener.accept()
            except OSError:
                return
            self.connections += 1
            threading.Thread(target=self._drip, args=(conn,), daemon=True).start()

    def _drip(self, conn: socket.socket) -> None:
        with conn:
            conn.settimeout(5)
            try:
                conn.recv(65536)  # the request (or the ClientHello)
                conn.sendall(OPENINGS[self.mode])
                for byte in DRIPPED[self.mode]:
                    if self.stop.wait(DRIP_SECONDS):
                        return
                    conn.sendall(bytes([byte]))
            except OSError:
                return  # the client hung up: what the deadline is for

    def close(self) -> None:
        self.stop.set()
        self.listener.close()


@pytest.fixture(params=["headers", "body", "tls"])
def dripping(request: pytest.FixtureRequest) -> Iterator[DrippingServer]:
    server = DrippingServer(request.param)
    yield server
    server.close()


def _url(server: DrippingServer) -> str:
    scheme = "https" if server.mode == "tls" else "http"
    return f"{scheme}://127.0.0.1:{server.port}{PATH}"


def test_every_probe_of_a_dripping_peer_ends_at_its_deadline_as_unknown(
    dripping: DrippingServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Socket timeouts are the deadline plus a grace period, a backstop; made long here, so that only the deadline
    # shutting the connections down can end the exchanges near the deadline.
    monkeypatch.setattr(scep, "GRACE_SECONDS", 60.0)
    started = time.monotonic()
    targets = collect([Endpoint(_url(dripping), "internal")], default_registry(), Options(timeout=DEADLINE))
    elapsed = time.monotonic() - started
    probes = targets[_url(dripping)].probes
    cut = {name: p for name, p in probes.items() if not p.ok}
    assert cut, "no probe was cut: the peer did not drip?"
    for name, probe in cut.items():
        assert probe.error == f"no complete answer within {DEADLINE:g} s", (name, probe.error)
        assert probe.ms is not None and probe.ms < DEADLINE * 1000 * 3, (name, probe.ms)  # ended near the deadline
    # the probes of one endpoint run side by side: the endpoint costs one deadline, not one per probe
    assert elapsed < DEADLINE * 3, elapsed
    assert dripping.connections >= len(cut)


def test_the_scep_command_against_a_dripping_peer_is_unknown_with_the_reason(dripping: DrippingServer) -> None:
    done = subprocess.run([*CLI, "scep", _url(dripping), "--timeout", f"{DEADLINE:g}", "-f", "json"],
                          capture_output=True, text=True, timeout=60)  # without a deadline: 100000 bytes x 0.4 s
    assert done.returncode == 3, done.stderr
    report = json.loads(done.stdout)
    findings = [c["finding"] for row in report["checklist"] for c in row["checks"] if c["status"] == "UNKNOWN"]
    assert any(f"no complete answer within {DEADLINE:g} s" in f for f in findings), findings
    assert not any(c["status"] == "PASS" for row in report["checklist"] for c in row["checks"]
                   if c["id"].startswith("scep_getcacert"))
