"""``conncheck init`` against a domain controller that answers one byte a second, or never: every exchange ends at
``--timeout`` with one line and exit 3, however it is stalled (the LDAPS handshake, the StartTLS answer, silence).
The peers are raw sockets on loopback (tests/peers/slow.py)."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from tests.audit_fixtures import CLI
from tests.peers.slow import LDAP_EXTENDED_RESPONSE, TLS_SERVER_HELLO, DrippingPeer


@pytest.mark.parametrize("tls, answer", [
    ("ldaps", TLS_SERVER_HELLO),  # the handshake that reads the DC's certificate drips
    ("starttls", LDAP_EXTENDED_RESPONSE),  # the StartTLS answer drips
    ("ldaps", b""),  # the DC accepts the connection and says nothing
], ids=["ldaps-handshake-drips", "starttls-answer-drips", "silent"])
def test_a_slow_dc_ends_at_the_timeout_with_one_line(tmp_path: Path, tls: str, answer: bytes) -> None:
    with DrippingPeer(answer) as peer:
        done = subprocess.run(
            [*CLI, "init", "--dc", "dc1.lab.test", "--address", peer.address, "--port", str(peer.port), "--tls", tls,
             "--user", "reader@lab.test", "--timeout", "2", "--output", str(tmp_path / "site.toml")],
            capture_output=True, text=True, stdin=subprocess.DEVNULL, timeout=60, cwd=tmp_path,
            env={"CONNCHECK_LDAP_PASSWORD": "never-sent", "PATH": "/usr/bin:/bin"},
        )  # fmt: skip
        assert peer.served >= 1
        port = peer.port
    assert done.returncode == 3, done.stderr
    assert done.stderr.splitlines()[-1] == (f"conncheck: error: cannot connect to dc1.lab.test:{port} ({tls}): "
                                            f"no complete answer from dc1.lab.test:{port} ({tls}) within 2 s (timeout)")
    assert "Traceback" not in done.stderr and not (tmp_path / "site.toml").exists()
