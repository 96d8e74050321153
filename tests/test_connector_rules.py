"""Microsoft's 2026 rules for the connector host: the dated release table, services by feature, strong mapping's
OS and PKCS scope, Intune reachability through the proxy with TLS inspection named, Log on as a service, IE ESC, the
Intune Connector for Active Directory beside it, the updater's log, the Connector Health events; each rule PASS, WARN
or FAIL and UNKNOWN, on the lab's healthy site (real certificates) with one thing changed."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime, timedelta, timezone
from pathlib import Path

import pytest
from conncheck.catalog import load
from conncheck.catalog.releases import add_months, lifecycle, load_releases, parse_version
from conncheck.checks.connector import CONNECTOR_SERVICES
from conncheck.cli.main import app
from conncheck.errors import InputError
from conncheck.evaluate import evaluate
from conncheck.events.triage import triage
from conncheck.facts import ProbeResult, format_time
from conncheck.lab import samples
from conncheck.lab.samples import CONNECTOR_ACCOUNT, CONNECTOR_ACCOUNT_SID, CONNECTOR_HOST, DOMAIN_SID, SampleSite
from conncheck.lab.samples import connector as connector_samples
from conncheck.registry import default_registry
from conncheck.results import Result, Status
from cryptography.x509.oid import ExtendedKeyUsageOID
from typer.testing import CliRunner

from tests.conftest import REPO
from tests.events_samples import current, wevtutil_xml
from tests.test_checks_windows import both, in_group, no_directory

NOW = datetime(2026, 11, 25, 9, 0, tzinfo=timezone.utc)
C = CONNECTOR_HOST
PASS, WARN, FAIL, UNKNOWN, SKIP = Status.PASS, Status.WARN, Status.FAIL, Status.UNKNOWN, Status.SKIP
Mutation = Callable[[SampleSite], None]
NEW_CHECKS = {"connector_account_logs_on_as_service", "ie_enhanced_security_off", "not_with_intune_ad_connector",
              "connector_updater_log_clean"}


def result_of(site: SampleSite, check_id: str, lang: str = "en") -> Result:
    found = [r for r in evaluate(site.facts, default_registry(), lang=lang) if r.check_id == check_id and r.host == C]
    assert len(found) == 1, found
    return found[0]


def data(probe: str, fn: Callable[[object], object]) -> Mutation:
    return lambda s: fn(s.data(C, probe))


def set_data(probe: str, value: object) -> Mutation:
    return lambda s: s.set_data(C, probe, value)


def error(probe: str) -> Mutation:
    return lambda s: s.probes(C).__setitem__(probe, ProbeResult.failure("Access is denied"))


def version(*installed: str) -> Mutation:
    entries = [{"display_name": "Certificate Connector for Microsoft Intune", "display_version": v,
                "publisher": "Microsoft Corporation"} for v in installed]
    return set_data("installed_software", entries)


def features(*enabled: str) -> Mutation:
    return lambda s: setattr(s.facts.site, "connector_features", list(enabled))


def no_features(s: SampleSite) -> None:
    s.facts.site.connector_features = None


def stopped(name: str) -> Mutation:
    def mutate(s: SampleSite) -> None:
        for entry in s.data(C, "services"):
            if entry["name"] == name:
                entry["status"] = "Stopped"

    return mutate


def respelled(name: str, spelling: str) -> Mutation:
    def mutate(s: SampleSite) -> None:
        for entry in s.data(C, "services"):
            if entry["name"] == name:
                entry["name"] = spelling

    return mutate


def removed(name: str) -> Mutation:
    return lambda s: s.set_data(C, "services", [e for e in s.data(C, "services") if e["name"] != name])


def endpoint(host: str, **changes: object) -> Mutation:
    def mutate(s: SampleSite) -> None:
        for test in s.data(C, "intune_reachability")["endpoints"]:
            if test["host"] == host:
                test.update(changes)

    return mutate


def inspected(*hosts: str) -> Mutation:
    """A proxy re-signs these endpoints with its own CA (trusted by the host)."""

    def mutate(s: SampleSite) -> None:
        proxy_ca = samples.issue("tls-inspection-ca", "Contoso Web Proxy Inspection CA", None, s.now, ca=True)
        for host in hosts:
            leaf = samples.issue("intune-endpoint", host, proxy_ca, s.now, ekus=(ExtendedKeyUsageOID.SERVER_AUTH,))
            endpoint(host, chain_b64=[leaf.b64, proxy_ca.b64])(s)

    return mutate


def holders(service_logon: dict[str, str | None], deny: dict[str, str | None] | None = None) -> Mutation:
    return set_data("connector_logon_rights", {"SeServiceLogonRight": service_logon,
                                               "SeDenyServiceLogonRight": deny or {}})


def updater_records(*records: tuple[float, int, int]) -> Mutation:
    """(days ago, event ID, level) records in the updater's log."""
    return lambda s: s.set_data(C, "connector_updater_log", connector_samples.updater_log(s.now, [
        {"time_utc": format_time(s.now - timedelta(days=ago)), "event_id": event_id, "level": level,
         "provider": "Microsoft-AzureADConnect-AgentUpdater"} for ago, event_id, level in records]))


GROUP = f"{DOMAIN_SID}-3100"
CASES: list[tuple[str, str, Mutation | None, Status, str]] = [
    # (case, check, mutation, expected status, text the finding must contain)
    ("version current", "connector_version_supported", None, PASS, "the current release"),
    ("version table date shown", "connector_version_supported", None, PASS, "release table as of 2026-02-23"),
    ("version out of support", "connector_version_supported", version("6.2406.0.2002"), WARN,
     "out of support since 2026-08-18"),
    ("version past the working window", "connector_version_supported", version("6.2301.1.0"), FAIL,
     "18-month working window"),
    ("version newer than the table", "connector_version_supported", version("6.2605.1.0"), PASS,
     "newer than every release the table knows"),
    ("version duplicates judged by the highest", "connector_version_supported",
     version("6.2406.0.1002", "6.2510.3.2002"), PASS, "2 Uninstall entries (6.2406.0.1002, 6.2510.3.2002)"),
    ("version legacy", "connector_version_supported", samples._legacy_connector, FAIL, "legacy"),
    ("version not a version", "connector_version_supported", version("unknown"), UNKNOWN, "not a version"),
    ("version unreadable", "connector_version_supported", error("installed_software"), UNKNOWN,
     "installed_software"),
    ("services of the features", "connector_services_running", stopped("PkiRevokeConnectorSvc"), FAIL,
     "needed by revocation"),
    ("service not needed may stop", "connector_services_running",
     both(features("pkcs"), stopped("PkiRevokeConnectorSvc")), PASS, "not needed by pkcs"),
    ("service needed but not installed", "connector_services_running",
     both(features("pkcs"), removed("PkiCreateConnectorSvc")), FAIL, "PkiCreateConnectorSvc (not installed"),
    ("needed service stopped, spelled in another case", "connector_services_running",
     both(features("pkcs"), respelled("PkiCreateConnectorSvc", "pkicreateconnectorsvc"),
          stopped("pkicreateconnectorsvc")), FAIL, "pkicreateconnectorsvc (Stopped/Automatic; needed by pkcs)"),
    ("features unknown, all running", "connector_services_running", no_features, PASS, "running"),
    ("features unknown, one stopped", "connector_services_running",
     both(no_features, stopped("PkiRevokeConnectorSvc")), UNKNOWN, "depends on the features"),
    ("strong mapping on Server 2016", "strong_mapping_enabled",
     data("host_info", lambda d: d.update(os_caption="Microsoft Windows Server 2016 Standard",
                                          os_version="10.0.14393")), WARN, "Windows Server 2019"),
    ("strong mapping without PKCS", "strong_mapping_enabled", features("scep", "revocation"), SKIP,
     "applies to PKCS certificates only"),
    ("strong mapping off, features unknown", "strong_mapping_enabled",
     both(no_features, data("connector_registry", lambda d: d[samples.CONNECTOR_REGISTRY].update(
         EnableSidSecurityExtension=0))), WARN, "its features are not known"),
    ("strong mapping, OS unreadable", "strong_mapping_enabled", error("host_info"), UNKNOWN, "host_info"),
    ("intune reached", "intune_endpoints_reachable", None, PASS, "5 commercial Intune endpoint(s) reachable"),
    ("intune autoupdate blocked", "intune_endpoints_reachable",
     endpoint("autoupdate.msappproxy.net", connected=False, chain_b64=[], error="0x80004005 SocketException"),
     FAIL, "not reachable: autoupdate.msappproxy.net:443"),
    ("intune inspected", "intune_endpoints_reachable", inspected("manage.microsoft.com"), FAIL,
     "certificate presented issued by Contoso Web Proxy Inspection CA"),
    ("intune inspected where Microsoft does not forbid it", "intune_endpoints_reachable",
     inspected("login.microsoftonline.com"), WARN, "TLS inspected: login.microsoftonline.com:443"),
    ("intune root not trusted", "intune_endpoints_reachable", endpoint("graph.microsoft.com", policy_errors=4), FAIL,
     "certificate refused by Windows"),
    ("intune proxy refuses", "intune_endpoints_reachable",
     both(lambda s: s.set_data(C, "intune_reachability", connector_samples.reachability(
         {h: samples.microsoft_chain(h, s.now) for h in connector_samples.COMMERCIAL_ENDPOINTS},
         proxy="http://proxy.contoso.com:8080")),
          endpoint("manage.microsoft.com", proxy_status=403, chain_b64=[])), FAIL,
     "refused by the proxy: manage.microsoft.com:443 (HTTP 403) (via http://proxy.contoso.com:8080)"),
    ("intune proxy wants credentials", "intune_endpoints_reachable",
     endpoint("graph.microsoft.com", proxy_status=407, chain_b64=[]), UNKNOWN, "the proxy wants credentials"),
    ("intune endpoint left out for time", "intune_endpoints_reachable",
     endpoint("autoupdate.msappproxy.net", tested=False, connected=False, chain_b64=[]), UNKNOWN,
     "not tested in the probe's time: autoupdate.msappproxy.net:443"),
    ("intune other cloud tested", "intune_endpoints_reachable",
     lambda s: setattr(s.facts.site, "intune_cloud", "gcc_high"), UNKNOWN, "the site's cloud is gcc_high"),
    ("intune chain garbage", "intune_endpoints_reachable", endpoint("graph.microsoft.com", chain_b64=["AAAA"]),
     UNKNOWN, "not readable"),
    ("intune unreadable", "intune_endpoints_reachable", error("intune_reachability"), UNKNOWN,
     "intune_reachability"),
    ("logon right granted", "connector_account_logs_on_as_service", None, PASS, f"{CONNECTOR_ACCOUNT} holds"),
    ("logon right missing", "connector_account_logs_on_as_service",
     holders({"S-1-5-80-0": "NT SERVICE\\ALL SERVICES"}), FAIL, "does not hold"),
    ("logon right denied", "connector_account_logs_on_as_service",
     both(in_group(GROUP, "No Service Logons"),
          holders({CONNECTOR_ACCOUNT_SID: CONNECTOR_ACCOUNT}, {GROUP: "CONTOSO\\No Service Logons"})),
     FAIL, "is denied"),
    ("logon right through a group, directory not read", "connector_account_logs_on_as_service",
     both(no_directory, holders({GROUP: "CONTOSO\\Service Accounts"})), UNKNOWN, "CONTOSO\\Service Accounts"),
    ("logon right through a nested group the directory lists", "connector_account_logs_on_as_service",
     both(in_group(GROUP, "Service Accounts"), holders({GROUP: "CONTOSO\\Service Accounts"})), PASS,
     "CONTOSO\\Service Accounts"),
    ("logon right, connector as SYSTEM", "connector_account_logs_on_as_service",
     data("services", lambda d: [e.update(account="LocalSystem") for e in d]), PASS, "LocalSystem"),
    ("logon rights unreadable", "connector_account_logs_on_as_service", error("connector_logon_rights"), UNKNOWN,
     "connector_logon_rights"),
    ("ie esc off", "ie_enhanced_security_off", None, PASS, "off for administrators"),
    ("ie esc on", "ie_enhanced_security_off", set_data("connector_ie_esc", connector_samples.ie_esc(1)), FAIL,
     "is on for administrators"),
    ("ie esc absent", "ie_enhanced_security_off", set_data("connector_ie_esc", {"administrators": None,
                                                                               "users": None}), PASS, "not present"),
    ("ie esc state unknown", "ie_enhanced_security_off",
     set_data("connector_ie_esc", {"administrators": {"ComponentID": "IEHardenAdmin"}, "users": None}), UNKNOWN,
     "no IsInstalled"),
    ("ie esc unreadable", "ie_enhanced_security_off", error("connector_ie_esc"), UNKNOWN, "connector_ie_esc"),
    ("no AD connector", "not_with_intune_ad_connector", None, PASS, "no Intune Connector for Active Directory"),
    ("AD connector installed", "not_with_intune_ad_connector",
     data("installed_software", lambda d: d.append({"display_name": "Intune Connector for Active Directory",
                                                    "display_version": "6.2501.2000.5",
                                                    "publisher": "Microsoft Corporation"})), FAIL, "6.2501.2000.5"),
    ("AD connector's files", "not_with_intune_ad_connector",
     data("connector_config_files", lambda d: d.update({
         "C:\\Program Files\\Microsoft Intune\\ODJConnector\\ODJConnectorSvc.exe.config": "<configuration/>"})),
     FAIL, "ODJConnector"),
    ("AD connector unreadable", "not_with_intune_ad_connector", error("installed_software"), UNKNOWN,
     "installed_software"),
    ("AD connector nothing read", "not_with_intune_ad_connector", set_data("installed_software", []), UNKNOWN,
     "no installed program was read"),
    ("updater clean", "connector_updater_log_clean", None, PASS, "no error in 7 days"),
    ("updater window read shorter", "connector_updater_log_clean",
     lambda s: setattr(s.facts.site, "event_lookback_days", 3), PASS, "no error in 3 days"),
    ("updater errors", "connector_updater_log_clean", updater_records((1, 2019, 2), (3, 2019, 2), (30, 7, 2)), WARN,
     "2 error(s) in 7 days (event IDs 2019"),
    ("updater absent", "connector_updater_log_clean",
     data("connector_updater_log", lambda d: d["log"].update(found=False, error="log not found")), WARN,
     "does not update itself"),
    ("updater log denied", "connector_updater_log_clean",
     data("connector_updater_log", lambda d: d["log"].update(found=False, error="0x80070005 access denied")),
     UNKNOWN, "could not be read"),
    ("updater log capped", "connector_updater_log_clean",
     data("connector_updater_log", lambda d: d["log"].update(truncated=True)), UNKNOWN, "stopped at its cap"),
    ("updater unreadable", "connector_updater_log_clean", error("connector_updater_log"), UNKNOWN,
     "connector_updater_log"),
]


@pytest.mark.parametrize(("case", "check_id", "mutation", "expected", "text"), CASES, ids=[c[0] for c in CASES])
def test_rule(case: str, check_id: str, mutation: Mutation | None, expected: Status, text: str) -> None:
    site = samples.healthy_site(NOW)
    if mutation is not None:
        mutation(site)
    result = result_of(site, check_id)
    assert result.status is expected, f"{case}: {result.status} {result.finding}"
    assert text in result.finding, f"{case}: {result.finding}"
    if expected in (FAIL, WARN):
        assert result.remediation


def test_every_new_rule_has_pass_warn_or_fail_and_unknown_cases() -> None:
    plugin = {c.id for c in default_registry().checks.values() if c.plugin == "connector_host"}
    assert plugin == NEW_CHECKS
    for check_id in NEW_CHECKS:
        statuses = {expected for _, cid, _, expected, _ in CASES if cid == check_id}
        assert {PASS, UNKNOWN} <= statuses and statuses & {FAIL, WARN}, check_id


def test_fixes_name_the_cause_found() -> None:
    """Blocked, inspected and proxy-refused endpoints each get their own fix, not the check's default."""
    fixes = {}
    for case, mutation in (("blocked", endpoint("manage.microsoft.com", connected=False, chain_b64=[])),
                           ("inspected", inspected("manage.microsoft.com"))):
        site = samples.healthy_site(NOW)
        mutation(site)
        fixes[case] = result_of(site, "intune_endpoints_reachable").remediation
    assert "TLS inspection" in (fixes["inspected"] or "") and "TCP 443" in (fixes["blocked"] or "")
    site = samples.healthy_site(NOW)
    version("6.2301.1.0")(site)
    assert "autoupdate.msappproxy.net" in (result_of(site, "connector_version_supported").remediation or "")


@pytest.mark.parametrize("check_id", sorted(NEW_CHECKS | {"connector_version_supported", "intune_endpoints_reachable",
                                                          "connector_services_running", "connector_cert_key_opens"}))
def test_findings_speak_turkish(check_id: str) -> None:
    site = samples.healthy_site(NOW)
    english, turkish = result_of(site, check_id), result_of(site, check_id, "tr")
    assert turkish.finding != english.finding and turkish.title != english.title


# --- the release table -------------------------------------------------------------------------------------------


def _stage(spelled: str, on: date) -> str:
    installed = parse_version(spelled)
    assert installed is not None
    return lifecycle(load_releases(), installed, on).stage


def test_the_table_holds_microsofts_releases_and_dates() -> None:
    table = load_releases()
    by_version = {r.spelled: r.released.isoformat() for r in table.releases}
    assert by_version["6.2301.1.0"] == "2023-02-15"
    assert by_version["6.2406.0.1001"] == "2024-09-19" and table.first_with("sid_extension").spelled == "6.2406.0.1001"
    assert by_version["6.2406.0.1002"] == "2025-06-12"
    assert by_version["6.2406.0.2002"] == "2025-07-22"
    assert by_version["6.2510.3.2002"] == "2026-02-18"
    assert [r.spelled for r in table.releases if r.required] == ["6.2510.3.2002"]
    assert [r.released for r in table.releases] == sorted(r.released for r in table.releases)
    assert all(r.notes.get("en") and r.notes.get("tr") for r in table.releases)


def test_microsofts_worked_example() -> None:
    """6.2203.12.0 shipped on 2022-05-04: 6.2202.38.0 drops from support on 2022-11-04 and may stop after 2023-11."""
    assert _stage("6.2202.38.0", date(2022, 11, 3)) == "supported"
    assert _stage("6.2202.38.0", date(2022, 11, 4)) == "out_of_support"
    assert _stage("6.2202.38.0", date(2023, 11, 3)) == "out_of_support"
    assert _stage("6.2202.38.0", date(2023, 11, 4)) == "past_working_window"


def test_the_table_is_applied_at_the_facts_time() -> None:
    assert _stage("6.2406.0.2002", date(2025, 12, 1)) == "current"  # 6.2510.3.2002 had not shipped yet
    assert _stage("6.2406.0.2002", date(2026, 3, 1)) == "required_missing"
    assert _stage("6.2406.0.1002", date(2025, 7, 30)) == "supported"
    assert _stage("6.2510.3.2002", date(2025, 12, 1)) == "current"  # installed before its table date: still current
    assert _stage("6.2606.0.1", date(2026, 12, 1)) == "newer"
    assert _stage("6.2101.13.0", date(2026, 12, 1)) == "past_working_window"


def test_months_are_added_the_way_a_calendar_does() -> None:
    assert add_months(date(2022, 5, 4), 6) == date(2022, 11, 4)
    assert add_months(date(2025, 8, 31), 6) == date(2026, 2, 28)
    assert add_months(date(2023, 8, 31), 6) == date(2024, 2, 29)
    assert add_months(date(2025, 7, 22), 18) == date(2027, 1, 22)


# --- Connector Health events (5000-5999) ---------------------------------------------------------------------------


def _health(s: SampleSite, *events: tuple[float, int, int]) -> None:
    records = s.data(C, "events")["records"]
    for hours, event_id, level in events:
        record = samples.event_record(s.now, hours, event_id, level)
        record["channel"] = samples.OPERATIONAL_LOG
        records.append(record)


def test_health_upload_failure_without_success_fails_and_a_later_success_recovers() -> None:
    site = samples.healthy_site(NOW)
    _health(site, (5, 5001, 3), (4, 5002, 2))
    result = result_of(site, "events_connector_health_recovered")
    assert result.status is FAIL and "2 failure(s)" in result.finding
    site = samples.healthy_site(NOW)
    _health(site, (5, 5001, 3), (4, 5000, 4))
    assert result_of(site, "events_connector_health_recovered").status is PASS


def test_triage_names_health_events_and_the_range_of_an_unlisted_id(tmp_path: Path) -> None:
    path = tmp_path / "operational.xml"
    path.write_text(wevtutil_xml([
        current("2026-11-20T08:00:00Z", "CONN01", 5001, "Warning", admin=False),
        current("2026-11-20T08:05:00Z", "CONN01", 5002, "Error", admin=False),
        current("2026-11-20T08:10:00Z", "CONN01", 5150, "Information", admin=False),
    ]), encoding="utf-8")
    result = triage([path], load())
    rows = {row["event_id"]: row for row in result.summary.event_rows()}
    assert rows[5002]["name"] == "HealthMessageUploadFailure" and rows[5002]["area"] == "Connector Health"
    assert rows[5150]["name"] == "(not in the catalog)" and rows[5150]["area"] == "Connector Health"
    (run,) = result.unrecovered
    assert run.operation == "connector_health" and run.count == 2
    assert any("events_connector_health_recovered" in step.checks for step in result.next_steps)


def test_explain_5001_explains_the_health_events() -> None:
    runner = CliRunner()
    done = runner.invoke(app, ["explain", "5001"])
    assert done.exit_code == 0, done.output
    assert "HealthMessageUploadFailedAttempt" in done.output and "5000–5999 Connector Health" in done.output
    assert "intune_endpoints_reachable" in done.output and "events_connector_health_recovered" in done.output
    assert "https://learn.microsoft.com/intune/intune-service/fundamentals/intune-endpoints" in done.output
    assert "ndes_account_enabled" not in done.output  # the checks behind the event, not every Unknown_Error check
    unlisted = runner.invoke(app, ["explain", "5003", "--lang", "tr"])
    assert unlisted.exit_code == 0 and "Bağlayıcı sağlığı" in unlisted.output
    refused = runner.invoke(app, ["explain", "6000"])
    assert isinstance(refused.exception, InputError) and "current 1 … 5999" in str(refused.exception)


# --- the fragments -----------------------------------------------------------------------------------------------


def _fragment(name: str) -> str:
    return (REPO / "checks" / "ps" / name).read_text(encoding="utf-8")


def test_reachability_tests_each_clouds_documented_endpoints() -> None:
    text = _fragment("intune_reachability.ps1")
    documented = {
        "commercial": ("manage.microsoft.com", "login.microsoftonline.com", "autoupdate.msappproxy.net"),
        "gcc_high": ("manage.microsoft.us", "login.microsoftonline.us", "graph.microsoft.us"),
        "dod": ("manage.microsoft.us", "dod-graph.microsoft.us"),
        "china": ("manage.microsoftonline.cn", "login.chinacloudapi.cn", "microsoftgraph.chinacloudapi.cn"),
    }
    for cloud, hosts in documented.items():
        line = next(line for line in text.split("\n    ") if line.startswith(f"{cloud} = @("))
        block = text[text.index(line):].split(")", 1)[0]
        assert all(f"'{host}'" in block for host in hosts), cloud
    assert "SslProtocols]'Tls12'" in text and "CONNECT ${name}:443" in text
    assert set(connector_samples.COMMERCIAL_ENDPOINTS) == {
        h.strip(" '\n") for h in text.split("commercial = @(", 1)[1].split(")", 1)[0].split(",")}


def test_config_files_follow_the_connector_services_wherever_installed() -> None:
    text = _fragment("connector_config_files.ps1")
    listed = text.split("$services = @(", 1)[1].split(")", 1)[0]
    assert {name.strip(" '") for name in listed.split(",")} == set(CONNECTOR_SERVICES)
    assert "PathName" in text and "GetDirectoryName" in text


def test_logon_rights_are_read_without_writing_a_file() -> None:
    text = "\n".join(line for line in _fragment("connector_logon_rights.ps1").splitlines()
                     if not line.lstrip().startswith("#"))
    assert "LsaEnumerateAccountsWithUserRight" in text and "0x801" in text
    assert "AssemblyBuilderAccess]::Run" in text  # in memory: RunAndSave would write an assembly
    for writer in ("secedit", "Add-Type", "Out-File", "Set-Content", "TempFileName", "RunAndSave"):
        assert writer not in text


# --- site.toml ---------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(("key", "value"), [("intune_cloud", "mars"), ("connector_features", ["pkcs", "teleport"])])
def test_site_toml_refuses_a_cloud_or_feature_it_does_not_know(key: str, value: object) -> None:
    from conncheck.config import parse
    from conncheck.errors import ConfigError

    with pytest.raises(ConfigError) as info:
        parse({"site": {"name": "x", key: value}})
    assert f"[site] {key}" in str(info.value) and "must be one of" in str(info.value) and "\n" not in str(info.value)
    good = parse({"site": {"name": "x", "intune_cloud": "dod", "connector_features": ["scep", "revocation"]}})
    assert good.facts_site().intune_cloud == "dod" and good.facts_site().connector_features == ["scep", "revocation"]


def test_every_connector_host_check_names_the_microsoft_pages_it_follows() -> None:
    import json

    listed = json.loads(CliRunner().invoke(app, ["list-checks", "--format", "json"]).output)
    mine = [c for c in listed if c["plugin"] in ("host", "connector", "connector_host", "events")]
    assert len(mine) >= 30
    for check in mine:
        assert check["references"], check["id"]
        assert all(url.startswith("https://learn.microsoft.com/") for url in check["references"]), check["id"]
