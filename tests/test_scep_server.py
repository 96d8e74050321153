"""A second, independent SCEP server: Debian's ``scep`` package (micromdm ``scepserver``), which is not NDES.

It serves its CA at ``/scep`` and answers GetCACert with the single CA certificate (no RA). The probe must read it
as a SCEP server without RA certificates. It runs in a private network namespace (see tests/scep_netns_probe.py).
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from typing import Any

import pytest

from tests.conftest import REPO, peer_missing


@pytest.fixture(scope="module")
def scepserver(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    if shutil.which("scepserver") is None:
        peer_missing("scepserver (Debian package scep) is not installed")
    if os.geteuid() != 0 or shutil.which("unshare") is None or shutil.which("ip") is None:
        peer_missing("a private network namespace for scepserver needs root, unshare and ip")
    depot = tmp_path_factory.mktemp("scep") / "depot"
    run = subprocess.run(
        ["unshare", "-n", "--", sys.executable, "-m", "tests.scep_netns_probe", str(depot)],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=120,
    )
    if run.returncode != 0:
        pytest.fail(f"probing scepserver failed: {run.stderr.strip()[-2000:]}")
    doc: dict[str, Any] = json.loads(run.stdout)
    doc["ca_pem"] = (depot / "ca.pem").read_text()
    return doc


def by_check(doc: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {r["id"]: r for r in doc["results"]}


def test_getcacert_is_read_as_a_scep_server_without_ra(scepserver: dict[str, Any]) -> None:
    results = by_check(scepserver)
    for check in ("scep_ra_signing_cert_served", "scep_ra_encryption_cert_served"):
        assert results[check]["status"] == "FAIL"
        assert "single CA certificate" in results[check]["finding"]
        assert "not NDES" in results[check]["finding"]
    assert results["scep_ca_cert_served_valid"]["status"] == "PASS"


def test_the_ca_served_is_the_depot_ca(scepserver: dict[str, Any]) -> None:
    import base64

    from cryptography import x509

    (target,) = scepserver["targets"].values()
    data = target["probes"]["scep_getcacert"]["data"]
    assert data["content_type"] == "application/x-x509-ca-cert"
    served = x509.load_der_x509_certificate(base64.b64decode(data["body_b64"]))
    assert served == x509.load_pem_x509_certificate(scepserver["ca_pem"].encode())


def test_capabilities_and_the_bare_url(scepserver: dict[str, Any]) -> None:
    results = by_check(scepserver)
    caps = results["scep_getcacaps_offers_sha2"]
    assert caps["status"] == "PASS" and "SHA-256" in caps["evidence"]["capabilities"]
    bare = results["scep_policy_module_answers_403"]
    assert bare["status"] == "FAIL" and "not IIS" in bare["finding"]
