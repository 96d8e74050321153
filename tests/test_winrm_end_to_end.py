"""`conncheck check` against three simulated hosts over the real protocol: NTLM with message encryption over HTTP,
and NTLM with channel binding over HTTPS; faults on one host leave the other hosts' results standing."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from conncheck.cli.main import app
from conncheck.errors import InputError
from conncheck.facts import parse_time
from conncheck.lab import Faults
from conncheck.results import Status
from typer.testing import CliRunner

from tests.winrm_lab import CA, CONNECTOR, NDES, by_host, collect, lab_site, results

pytestmark = pytest.mark.peer("winrm lab")


def _statuses(found: list) -> set[Status]:
    return {r.status for r in found}


@pytest.mark.parametrize("https", [False, True], ids=["http-ntlm-encrypted", "https-ntlm-cbt"])
def test_check_healthy_site_passes_end_to_end(tmp_path: Path, https: bool) -> None:
    with lab_site(tmp_path, https=https) as (lab, site_toml):
        run = CliRunner().invoke(app, ["check", "-c", str(site_toml), "--format", "json",
                                       "--save-facts", str(tmp_path / "facts.json")])
        requests = lab.requests()
    assert run.exit_code == 0, run.output
    report = json.loads(run.stdout)
    statuses = {check["status"] for row in report["checklist"] for check in row["checks"]}
    assert "PASS" in statuses and statuses <= {"PASS", "SKIP", "WARN"}
    facts = json.loads((tmp_path / "facts.json").read_text())
    assert set(facts["hosts"]) == {CONNECTOR, CA, NDES}
    assert all(p["ok"] for h in facts["hosts"].values() for p in h["probes"].values())
    # One runspace pool, one pipeline: at most 8 HTTP requests per host, authentication included.
    assert all(0 < n <= 8 for n in requests.values()), requests
    # Every script ran through message encryption or TLS; the listener never saw plaintext SOAP over HTTP.
    assert all(lab.host(h).scripts_run == 1 for h in (CONNECTOR, CA, NDES))


def test_clock_carries_the_reference_window(tmp_path: Path) -> None:
    with lab_site(tmp_path) as (_, site_toml):
        facts = collect(site_toml)
    clock = facts.hosts[NDES].probes["clock"].data
    before, after = (parse_time(t) for t in clock["reference_window"])
    assert facts.collected_at <= before <= after
    assert parse_time(clock["utc"])


FAULTS = {
    "refused": (Faults(refuse=True), "connection refused"),
    "bad credentials": (Faults(bad_credentials=True), "authentication failed for LAB\\conncheck"),
    "script throws": (Faults(script_throws="Access to the registry key is denied."), "failed on the host"),
    "garbage output": (Faults(garbage_output=True), "not JSON"),
    "operation timeout": (Faults(operation_timeout=True), "did not finish within 2 s"),
}


@pytest.mark.parametrize("fault", sorted(FAULTS))
def test_a_faulty_host_is_unknown_with_its_reason_and_the_others_stand(tmp_path: Path, fault: str) -> None:
    faults, reason = FAULTS[fault]
    with lab_site(tmp_path, faults={CA: faults}, operation_timeout=2) as (_, site_toml):
        facts = collect(site_toml)
    found = by_host(results(facts))
    assert all(not p.ok and reason in (p.error or "") for p in facts.hosts[CA].probes.values())
    ca_results = [r for r in found[CA] if r.status != Status.SKIP]
    assert ca_results and _statuses(ca_results) == {Status.UNKNOWN}
    assert any(reason in r.finding for r in ca_results)
    for other in (CONNECTOR, NDES):
        assert all(p.ok for p in facts.hosts[other].probes.values())
        assert Status.PASS in _statuses(found[other])


def test_tls_failure_is_unknown_and_names_the_certificate(tmp_path: Path) -> None:
    with lab_site(tmp_path, https=True, faults={NDES: Faults(tls_failure=True)}) as (_, site_toml):
        facts = collect(site_toml)
    errors = {p.error for p in facts.hosts[NDES].probes.values()}
    assert len(errors) == 1 and "certificate verify failed" in errors.pop()
    assert all(p.ok for p in facts.hosts[CA].probes.values())


def test_latency_slows_but_changes_nothing(tmp_path: Path) -> None:
    with lab_site(tmp_path, faults={CONNECTOR: Faults(latency_ms=30)}) as (lab, site_toml):
        facts = collect(site_toml)
        assert lab.requests()[CONNECTOR] <= 8
    assert all(p.ok for p in facts.hosts[CONNECTOR].probes.values())


def test_wrong_password_is_an_authentication_message_and_exit_3(tmp_path: Path, monkeypatch) -> None:
    with lab_site(tmp_path) as (_, site_toml):
        monkeypatch.setenv("CONNCHECK_LAB_PASSWORD", "not-the-password")
        run = CliRunner().invoke(app, ["check", "-c", str(site_toml)])
    assert run.exit_code == 3, run.output
    assert "authentication failed for LAB\\conncheck (ntlm)" in run.output


def test_the_password_appears_nowhere_the_run_writes(tmp_path: Path) -> None:
    facts_file, report_file = tmp_path / "facts.json", tmp_path / "report.json"
    with lab_site(tmp_path) as (lab, site_toml):
        password = lab.password
        run = CliRunner().invoke(app, ["check", "-c", str(site_toml), "--format", "json", "-o", str(report_file),
                                       "--save-facts", str(facts_file)])
        scripts_sent = [s for h in (CONNECTOR, CA, NDES) for s in lab.host(h).scripts]
    assert run.exit_code == 0, run.output
    assert len(scripts_sent) == 3
    written = [run.output, facts_file.read_text(), report_file.read_text(), site_toml.read_text(), *scripts_sent]
    assert all(password not in text for text in written)


def test_role_and_host_filters_collect_only_those_hosts(tmp_path: Path) -> None:
    with lab_site(tmp_path) as (lab, site_toml):
        facts = collect(site_toml, roles=("ndes",))
        assert lab.requests()[CA] == 0 and lab.requests()[CONNECTOR] == 0
    assert set(facts.hosts) == {NDES}


def test_jea_configuration_name_reaches_the_listener(tmp_path: Path) -> None:
    with lab_site(tmp_path, configuration_name="ConncheckJEA") as (lab, site_toml):
        collect(site_toml)
        assert lab.host(CA).resource_uris == ["http://schemas.microsoft.com/powershell/ConncheckJEA"]


def test_demo_live_runs_the_real_check_against_the_lab() -> None:
    run = CliRunner().invoke(app, ["demo", "--live", "--format", "json"])
    assert run.exit_code == 1, run.output  # the example site has two FAILs and a WARN
    report = json.loads(run.stdout)
    failing = {c["id"] for row in report["checklist"] for c in row["checks"] if c["status"] == "FAIL"}
    assert failing == {"connector_can_manage_certificates", "httpsys_limits"}
    assert "simulated Windows hosts on 127.0.0.1" in run.output
    # NDES's SCEP endpoint answered over HTTPS by name (ndes01.contoso.com, reached at 127.0.0.1): every SCEP
    # endpoint check ran and passed, but the two that do not apply to the demo's one internal URL.
    scep = {c["id"]: c for row in report["checklist"] for c in row["checks"]
            if c["host"].startswith("https://ndes01.contoso.com:")}
    assert {check: c["status"] for check, c in scep.items()} == {
        "scep_policy_module_answers_403": "PASS",
        "scep_getcacaps_offers_sha2": "PASS",
        "scep_ca_cert_served_valid": "PASS",
        "scep_ra_signing_cert_served": "PASS",
        "scep_ra_encryption_cert_served": "PASS",
        "scep_tls_chain_trusted": "PASS",
        "scep_tls_name_matches_host": "PASS",
        "scep_tls_certificate_current": "PASS",
        "scep_tls_server_auth_eku": "PASS",
        "scep_no_client_certificate_request": "PASS",
        "scep_long_url_accepted": "SKIP",  # off by default: NDES logs an error for it
        "scep_external_bundle_matches_internal": "SKIP",  # the demo publishes no external URL
    }
    assert scep["scep_tls_chain_trusted"]["finding"].endswith("contoso-root.pem")
    assert scep["scep_tls_name_matches_host"]["finding"] == "the certificate names ndes01.contoso.com"
    assert "NDES01-MSCEP-RA" in scep["scep_ra_signing_cert_served"]["finding"]


def test_a_missing_ldap_password_stops_the_run_before_any_host_is_contacted(tmp_path: Path, monkeypatch) -> None:
    with lab_site(tmp_path) as (lab, site_toml):
        site_toml.write_text(site_toml.read_text() + '\n[ldap]\nserver = "dc01.lab.test"\nuser = "reader@lab.test"\n'
                             'password_env = "CONNCHECK_TEST_NO_SUCH_PASSWORD"\n')
        monkeypatch.delenv("CONNCHECK_TEST_NO_SUCH_PASSWORD", raising=False)
        run = CliRunner().invoke(app, ["check", "-c", str(site_toml)])
        requests = lab.requests()
    # CliRunner bypasses main(), which turns this InputError into one line and exit 2 (tests/test_cli.py).
    assert isinstance(run.exception, InputError)
    assert "no password for reader@lab.test" in str(run.exception)
    assert sum(requests.values()) == 0, requests
