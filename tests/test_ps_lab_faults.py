"""The fact script against the faults of real Windows sessions, over the real protocol (the loopback WinRM lab):
ConstrainedLanguage, a 32-bit session, de-DE and tr-TR hosts, a slow event log, a stderr line from certutil. Each
fault gives the right UNKNOWN (with its reason) or the right verdict, and the host's other probes still stand.

The lab models each fault from what the script's text does (toolkit/lab/hosts.py), so the tests also show what the
hazard does to a script that mishandles it: those are the "without" cases, run against a doctored copy of the script.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from conncheck.collectors import script as fact_script
from conncheck.facts import Facts, from_json, parse_time
from conncheck.lab import Faults
from conncheck.lab.hosts import CONSTRAINED_ERROR, SimHost
from conncheck.results import Result, Status

from tests.winrm_lab import CA, CONNECTOR, NDES, collect, lab_site, results, sample_site

pytestmark = pytest.mark.peer("winrm lab")
SITE = {"name": "contoso", "ca_config": "ca01.contoso.com\\Contoso Issuing CA"}


def _collect(tmp_path: Path, host: str, faults: Faults) -> tuple[Facts, dict[str, Result]]:
    tmp_path.mkdir(parents=True, exist_ok=True)
    with lab_site(tmp_path, faults={host: faults}) as (_, site_toml):
        facts = collect(site_toml)
    return facts, {f"{r.host} {r.check_id}": r for r in results(facts)}


@pytest.fixture(scope="module")
def healthy(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Status]:
    """Every verdict of the healthy sample site collected through the lab without faults."""
    facts, found = _collect(tmp_path_factory.mktemp("healthy"), CA, Faults())
    assert all(p.ok for h in facts.hosts.values() for p in h.probes.values())
    return {key: r.status for key, r in found.items()}


def _others_stand(facts: Facts, found: dict[str, Result], healthy: dict[str, Status], host: str,
                  affected: set[str]) -> None:
    """Every probe of the other hosts, and every unaffected check anywhere, is as on the healthy site."""
    for other in {CONNECTOR, CA, NDES} - {host}:
        assert all(p.ok for p in facts.hosts[other].probes.values())
    changed = {key for key, status in healthy.items() if found[key].status != status}
    assert changed <= {f"{host} {check}" for check in affected}, changed


def _answer(host: str, script: str, faults: Faults) -> dict:
    sim = next(h for h in _sim_hosts() if h.name == host)
    sim.faults = faults
    answer = sim.answer(script)
    return json.loads(answer.output[0]) if answer.output else {"error": answer.error}


def _sim_hosts() -> list[SimHost]:
    from conncheck.lab import hosts_from_facts

    return hosts_from_facts(sample_site().facts)


def test_constrained_language_every_probe_says_why_and_the_other_hosts_stand(tmp_path: Path, healthy: dict) -> None:
    facts, found = _collect(tmp_path, CA, Faults(language_mode="ConstrainedLanguage"))
    for probe in facts.hosts[CA].probes.values():
        assert not probe.ok
        assert "this session runs in ConstrainedLanguage" in (probe.error or "")
        assert "LanguageMode = 'FullLanguage'" in (probe.error or "") and "-File" in (probe.error or "")
    ca_checks = [r for r in found.values() if r.host == CA and r.status != Status.SKIP]
    assert ca_checks and {r.status for r in ca_checks} == {Status.UNKNOWN}
    assert all("ConstrainedLanguage" in r.finding for r in ca_checks)
    _others_stand(facts, found, healthy, CA, {r.check_id for r in ca_checks})


def test_a_no_language_endpoint_is_named_with_the_fix_and_the_other_hosts_stand(tmp_path: Path,
                                                                                  healthy: dict) -> None:
    """JEA's default endpoint runs commands only: the script (its guard included) cannot run, so the collector names
    the cause from the error's FullyQualifiedErrorId, never from the localized message."""
    facts, found = _collect(tmp_path, CA, Faults(language_mode="NoLanguage"))
    errors = {p.error for p in facts.hosts[CA].probes.values()}
    (error,) = errors
    assert "runs in NoLanguage mode" in (error or "") and "LanguageMode = 'FullLanguage'" in (error or "")
    ca_checks = [r for r in found.values() if r.host == CA and r.status != Status.SKIP]
    assert ca_checks and {r.status for r in ca_checks} == {Status.UNKNOWN}
    _others_stand(facts, found, healthy, CA, {r.check_id for r in ca_checks})


def test_constrained_language_without_the_guard_dies_at_the_first_dotnet_call() -> None:
    text = fact_script.for_roles(("ca",), SITE).text
    start = text.index(fact_script.GUARD_MARKER)
    unguarded = text[:start] + text[text.index("$ErrorActionPreference", start):]
    assert _answer(CA, unguarded, Faults(language_mode="ConstrainedLanguage")) == {"error": CONSTRAINED_ERROR}


def test_a_32_bit_session_reads_through_the_64_bit_paths(tmp_path: Path, healthy: dict) -> None:
    facts, found = _collect(tmp_path, NDES, Faults(wow64=True))
    probes = facts.hosts[NDES].probes
    for name in ("windows_features", "app_pools"):
        assert not probes[name].ok and "needs a 64-bit PowerShell session" in (probes[name].error or "")
    affected = {"ndes_not_on_ca_or_dc", "scep_app_pool_started", "ndes_windows_features", "scep_app_pool_identity",
                "ndes_account_in_iis_iusrs", "ra_encryption_key_usable", "ra_signing_key_usable"}  # and who runs SCEP
    assert {found[f"{NDES} {c}"].status for c in affected} == {Status.UNKNOWN}
    assert all(p.ok for n, p in probes.items() if n not in ("windows_features", "app_pools"))
    _others_stand(facts, found, healthy, NDES, affected)


def test_a_32_bit_session_on_the_connector_changes_no_verdict(tmp_path: Path, healthy: dict) -> None:
    facts, found = _collect(tmp_path, CONNECTOR, Faults(wow64=True))
    assert all(p.ok for p in facts.hosts[CONNECTOR].probes.values())
    _others_stand(facts, found, healthy, CONNECTOR, set())


def test_a_32_bit_session_hides_program_files_from_a_fragment_that_reads_env_paths() -> None:
    text = fact_script.for_roles(("connector",), SITE).text
    doctored = text.replace("foreach ($programFiles in Get-ConncheckProgramFiles) {",
                            "foreach ($programFiles in @($env:ProgramFiles)) {")
    assert doctored != text
    files = _answer(CONNECTOR, doctored, Faults(wow64=True))["hosts"][CONNECTOR]["probes"]["connector_config_files"]
    assert files == {"ok": True, "data": {}, "ms": files["ms"]}
    assert _answer(CONNECTOR, text, Faults(wow64=True))["hosts"][CONNECTOR]["probes"]["connector_config_files"]["data"]


# The checks whose move to language-neutral data is the lead's half of issue 12: today they read localized text.
PENDING_CHECKS = {"ca_answers_ping", "tls_binding_cert_valid"}


@pytest.mark.parametrize("culture", ["de-DE", "tr-TR"])
def test_a_localized_host_keeps_every_verdict(tmp_path: Path, healthy: dict, culture: str) -> None:
    for host in (CA, NDES):
        facts, found = _collect(tmp_path / host, host, Faults(culture=culture))
        assert all(p.ok for p in facts.hosts[host].probes.values())
        _others_stand(facts, found, healthy, host, PENDING_CHECKS)


@pytest.mark.parametrize("culture", ["de-DE", "tr-TR"])
def test_a_localized_host_passes_the_checks_that_read_tool_text(tmp_path: Path, culture: str) -> None:
    found = {}
    for host in (CA, NDES):
        found.update(_collect(tmp_path / host, host, Faults(culture=culture))[1])
    assert found[f"{CA} ca_answers_ping"].status == Status.PASS
    assert found[f"{NDES} tls_binding_cert_valid"].status == Status.PASS


def test_localized_account_names_reach_the_facts_as_ascii_json(tmp_path: Path) -> None:
    with lab_site(tmp_path, faults={CA: Faults(culture="tr-TR")}) as (lab, _):
        script = fact_script.for_roles(("ca",), SITE).text
        raw = lab.host(CA).answer(script).output[0]
    assert raw.isascii() and "Y\\u00f6neticiler" in raw
    trustees = from_json(json.loads(raw), "tr").hosts[CA].probes["ca_security"].data["trustees"]
    assert "BUILTIN\\Yöneticiler" in trustees.values()


def test_a_slow_event_log_is_the_events_probes_unknown_alone(tmp_path: Path, healthy: dict) -> None:
    facts, found = _collect(tmp_path, CONNECTOR, Faults(over_budget=("events",)))
    events = facts.hosts[CONNECTOR].probes["events"]
    assert not events.ok and "over its time budget of 60 s" in (events.error or "")
    affected = {r.check_id for r in found.values() if r.host == CONNECTOR and r.check_id.startswith("events_")}
    assert affected and all(found[f"{CONNECTOR} {c}"].status == Status.UNKNOWN for c in affected)
    assert all("time budget" in found[f"{CONNECTOR} {c}"].finding for c in affected)
    assert all(p.ok for n, p in facts.hosts[CONNECTOR].probes.items() if n != "events")
    _others_stand(facts, found, healthy, CONNECTOR, affected)


def test_a_certutil_stderr_line_is_kept_and_judged_by_the_exit_code(tmp_path: Path, healthy: dict) -> None:
    line = "CertUtil: -ping command completed with warnings: 0x80070057"
    facts, found = _collect(tmp_path, CA, Faults(certutil_stderr=line))
    ping = facts.hosts[CA].probes["ca_ping"]
    assert ping.ok and ping.data["exit_code"] == 0 and ping.data["output"].endswith(line)
    assert found[f"{CA} ca_answers_ping"].status == Status.PASS
    _others_stand(facts, found, healthy, CA, set())


def test_a_certutil_stderr_line_under_2_and_1_loses_the_probe() -> None:
    text = fact_script.for_roles(("ca",), SITE).text
    doctored = re.sub(r"\$ping = Get-ConncheckNativeResult 'certutil.exe' @\('-ping'\)",
                      lambda _: "$ping = & certutil.exe -ping 2>&1", text)
    assert doctored != text
    ping = _answer(CA, doctored, Faults(certutil_stderr="warning"))["hosts"][CA]["probes"]["ca_ping"]
    assert ping["ok"] is False and "warning" in ping["error"]


def test_the_clock_is_read_first_and_again_after_the_last_probe(tmp_path: Path) -> None:
    with lab_site(tmp_path) as (lab, site_toml):
        facts = collect(site_toml)
        sent = lab.host(NDES).scripts[0]
    assert sent.index("# conncheck-probe: ") == sent.index("# conncheck-probe: clock")
    clock = facts.hosts[NDES].probes["clock"].data
    assert parse_time(clock["utc"]) <= parse_time(clock["utc_end"])
    before, after = (parse_time(t) for t in clock["reference_window"])
    assert before <= after
