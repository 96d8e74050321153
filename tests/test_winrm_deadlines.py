"""WinRM deadlines against slow peers on loopback (tests/peers/slow.py): a host that answers one byte a second (in
HTTP, or in the TLS handshake), a host that accepts and never answers, a proxy that drips its answer to CONNECT. Each
ends at its deadline as that host's UNKNOWN with the reason, and the other hosts' results stand and are printed."""

from __future__ import annotations

import json
import socket
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from conncheck.cli.main import app
from conncheck.collectors.deadline import Deadline, SocketWatch
from typer.testing import CliRunner

from tests.peers.slow import HTTP_401, PROXY_CONNECTED, TLS_SERVER_HELLO, DrippingPeer
from tests.winrm_lab import CA, CONNECTOR, NDES, collect, lab_site

pytestmark = pytest.mark.peer("winrm lab")

SLOW = "slow01.contoso.com"


def add_slow_host(site_toml: Path, peer: DrippingPeer) -> None:
    site_toml.write_text(site_toml.read_text() + f'\n[[hosts]]\nname = "{SLOW}"\nroles = ["ca"]\n'
                                                  f'address = "{peer.address}"\nport = {peer.port}\n')


@pytest.mark.parametrize("https, answer", [(False, HTTP_401), (True, TLS_SERVER_HELLO)],
                         ids=["http-answer-drips", "tls-handshake-drips"])
def test_a_dripping_host_ends_at_read_timeout_and_the_others_stand(tmp_path: Path, https: bool,
                                                                    answer: bytes) -> None:
    with DrippingPeer(answer) as peer, lab_site(tmp_path, https=https, read_timeout=3) as (_, site_toml):
        add_slow_host(site_toml, peer)
        facts = collect(site_toml)
        port = peer.port
    assert {p.error for p in facts.hosts[SLOW].probes.values()} == {
        f"no complete answer from 127.0.0.1:{port} within 3 s (read_timeout)"}
    assert all(p.ok for host in (CONNECTOR, CA, NDES) for p in facts.hosts[host].probes.values())


def test_a_silent_host_is_unknown_at_operation_timeout_and_the_others_are_printed(tmp_path: Path) -> None:
    with DrippingPeer(b"") as peer, lab_site(tmp_path, operation_timeout=2) as (_, site_toml):
        add_slow_host(site_toml, peer)
        run = CliRunner().invoke(app, ["check", "-c", str(site_toml), "--format", "json"])
        port = peer.port
    assert run.exit_code == 3, run.output
    checks = [c for row in json.loads(run.stdout)["checklist"] for c in row["checks"]]
    slow = [c for c in checks if c["host"] == SLOW and c["status"] != "SKIP"]
    assert slow and {c["status"] for c in slow} == {"UNKNOWN"}
    assert all(f"no complete answer from 127.0.0.1:{port} within 2 s (operation_timeout)" in c["finding"]
               for c in slow)
    assert {c["host"] for c in checks if c["status"] == "PASS"} >= {CONNECTOR, CA, NDES}


def test_a_dripping_proxy_ends_at_read_timeout(tmp_path: Path) -> None:
    with DrippingPeer(PROXY_CONNECTED) as proxy, \
            lab_site(tmp_path, https=True, read_timeout=3) as (_, site_toml):
        site_toml.write_text(site_toml.read_text().replace("[winrm]\n", f'[winrm]\nproxy = "http://{proxy.address}:'
                                                                         f'{proxy.port}"\n', 1))
        facts = collect(site_toml)
        served = proxy.served
    assert served == 3  # every host's connection went through the proxy
    for host in (CONNECTOR, CA, NDES):
        (error,) = {p.error for p in facts.hosts[host].probes.values()}
        assert error is not None and error.endswith("within 3 s (read_timeout)"), error


@pytest.fixture
def watched() -> Iterator[tuple[SocketWatch, socket.socket, socket.socket]]:
    """A watch, and a connected pair of sockets whose first the watch holds."""
    watch = SocketWatch()
    ours, theirs = socket.socketpair()
    watch.add(ours)
    with ours, theirs:
        yield watch, ours, theirs
    watch.close()


def test_a_deadline_cuts_a_read_blocked_on_a_watched_socket(watched) -> None:
    watch, ours, _ = watched
    with Deadline(watch, 0.2, "no answer within 0.2 s"):
        assert ours.recv(1) == b""  # blocks until the deadline shuts the socket down
    assert watch.reason == "no answer within 0.2 s"
    late, peer = socket.socketpair()
    with late, peer:
        watch.add(late)  # a socket opened after the deadline passed is cut at once
        assert late.recv(1) == b""


def test_a_deadline_that_is_left_in_time_cuts_nothing(watched) -> None:
    watch, ours, theirs = watched
    with Deadline(watch, 0.2, "too late"):
        pass
    time.sleep(0.4)  # past the deadline that was cancelled
    theirs.sendall(b"x")
    assert ours.recv(1) == b"x" and not watch.expired
