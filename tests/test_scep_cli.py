"""``conncheck scep`` end to end against the loopback responder: formats, exit codes, bad input as one line."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from conncheck.cli.main import app
from conncheck.lab import scep as sr
from typer.testing import CliRunner


def run(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(app, list(args))
    return result.exit_code, result.stdout, result.stderr


def test_healthy_endpoint_exits_0_and_reports_only_scep_checks() -> None:
    pki = sr.build_pki()
    with sr.Responder(sr.healthy(pki)) as server:
        code, out, _ = run("scep", server.url(), "--format", "json")
    assert code == 0
    report = json.loads(out)
    ids = {c["id"] for row in report["checklist"] for c in row["checks"]}
    assert ids and all(i.startswith("scep_") for i in ids)
    assert report["summary"]["FAIL"] == 0


def test_missing_ra_exits_1_and_external_rewrite_is_named() -> None:
    pki = sr.build_pki()
    with sr.Responder(sr.with_bundle(pki.issuing, pki.ra_signing)) as ndes, sr.Proxy(ndes.port, sr.text_mode) as px:
        code, out, _ = run("scep", ndes.url(), "--external", px.url(), "--format", "json")
    assert code == 1
    checks = {(c["host"], c["id"]): c for row in json.loads(out)["checklist"] for c in row["checks"]}
    assert checks[(ndes.url(), "scep_ra_encryption_cert_served")]["status"] == "FAIL"
    assert checks[(px.url(), "scep_external_bundle_matches_internal")]["status"] == "FAIL"


def test_unreachable_exits_3() -> None:
    with sr.Responder(sr.single_ca(sr.build_pki().issuing)) as server:
        url = server.url()
    code, out, _ = run("scep", url, "--timeout", "2")
    assert code == 3
    assert "UNKNOWN" in out


def console(*args: str) -> subprocess.CompletedProcess[str]:
    """The console entry point (conncheck.cli.main.main), which turns input errors into one line and exit 2."""
    command = [sys.executable, "-c", "from conncheck.cli.main import main; main()", *args]
    return subprocess.run(command, capture_output=True, text=True, timeout=60)


def test_bad_input_is_one_line_exit_2(tmp_path: Path) -> None:
    done = console("scep", "ftp://ndes/x")
    assert done.returncode == 2 and "not an http:// or https:// URL" in done.stderr
    assert len(done.stderr.strip().splitlines()) == 1 and "Traceback" not in done.stderr
    done = console("scep", "http://127.0.0.1:9/x", "--ca-bundle", str(tmp_path / "none.pem"))
    assert done.returncode == 2 and "no such file" in done.stderr


def test_help_says_ndes_logs_an_error_for_the_long_url_probe() -> None:
    code, out, _ = run("scep", "--help")
    assert code == 0
    assert "NDES logs an error" in " ".join(out.split())
