"""The directory collector's deadline: a DC that answers one byte a second, or never, ends at ``timeout`` as UNKNOWN
with the reason, however the exchange is stalled (the StartTLS answer, the LDAPS handshake, a silent peer). The peers
are raw sockets on loopback (tests/peers/slow.py)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from conncheck import config as config_mod
from conncheck.collectors.ldap import collect_directory
from conncheck.registry import default_registry

from tests.peers.slow import LDAP_EXTENDED_RESPONSE, TLS_SERVER_HELLO, DrippingPeer

SITE = """[site]
name = "lab"
ca_config = "ca01.lab.test\\\\Lab Issuing CA"
pkcs_templates = ["IntunePKCS"]
scep_template = "IntuneSCEP"
ndes_fqdn = "ndes01.lab.test"
ndes_service_account = "LAB\\\\svc-ndes"

[ldap]
server = "dc1.lab.test"
address = "{address}"
port = {port}
tls = "{tls}"
user = "reader@lab.test"
password_env = "CONNCHECK_TEST_LDAP_PASSWORD"
timeout = 3
connect_timeout = 3
"""


def site(tmp_path: Path, peer: DrippingPeer, tls: str) -> Path:
    path = tmp_path / "site.toml"
    path.write_text(SITE.format(address=peer.address, port=peer.port, tls=tls))
    return path


@pytest.fixture(autouse=True)
def password(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CONNCHECK_TEST_LDAP_PASSWORD", "not-used-the-peer-never-gets-that-far")


@pytest.mark.parametrize("tls, answer", [
    ("starttls", LDAP_EXTENDED_RESPONSE),  # the StartTLS answer drips
    ("ldaps", TLS_SERVER_HELLO),  # the TLS handshake drips
    ("starttls", b""),  # the DC accepts the connection and says nothing
], ids=["starttls-answer-drips", "ldaps-handshake-drips", "silent"])
def test_a_slow_dc_ends_at_the_deadline_as_unknown(tmp_path: Path, tls: str, answer: bytes) -> None:
    with DrippingPeer(answer) as peer:
        target = collect_directory(config_mod.load(site(tmp_path, peer, tls)), default_registry(), interactive=False)
        assert peer.served == 1
        port = peer.port
    assert target.probes
    reasons = {p.error for p in target.probes.values()}
    assert reasons == {f"no complete answer from dc1.lab.test:{port} ({tls}) within 3 s (timeout)"}, reasons


def test_conncheck_check_returns_with_the_reason(tmp_path: Path) -> None:
    """The installed command, against a StartTLS peer that drips: it returns, exit 3, the reason in the report."""
    with DrippingPeer(LDAP_EXTENDED_RESPONSE) as peer:
        env = {**os.environ, "CONNCHECK_TEST_LDAP_PASSWORD": "x"}
        done = subprocess.run([str(Path(sys.executable).parent / "conncheck"), "check", "-c",
                               str(site(tmp_path, peer, "starttls")), "--format", "json"],
                              capture_output=True, text=True, env=env, stdin=subprocess.DEVNULL, timeout=300)
    assert done.returncode == 3, done.stderr
    checks = [c for row in json.loads(done.stdout)["checklist"] for c in row["checks"]
              if c["host"] == "dc1.lab.test" and c["status"] != "SKIP"]
    assert checks and {c["status"] for c in checks} == {"UNKNOWN"}
    assert all("within 3 s (timeout)" in c["finding"] for c in checks), [c["finding"] for c in checks]
