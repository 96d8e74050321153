"""The event checks on live facts: PASS, FAIL and UNKNOWN for each kind, keyed to their codes."""

from __future__ import annotations

from datetime import datetime, timezone
from typing import Any

import pytest
from conncheck.evaluate import evaluate
from conncheck.facts import Facts, ProbeResult, Target
from conncheck.plugin import Settings
from conncheck.registry import default_registry
from conncheck.results import Status
from conncheck.site import FactsSite

from tests.events_samples import Ev, current, incident, legacy

NOW = datetime(2026, 11, 22, 0, 0, tzinfo=timezone.utc)
LOGS = [{"name": "Microsoft Intune Connector", "found": True, "error": None, "truncated": False}]


def log(name: str, found: bool = True, error: str | None = None) -> dict[str, Any]:
    return {"name": name, "found": found, "error": error, "truncated": False}


def current_logs(legacy_error: str | None = "log not found", operational: str | None = None) -> list[dict[str, Any]]:
    """A host of the current connector, as events.ps1 reports it: the legacy log is not there."""
    return [log("Microsoft Intune Connector", False, legacy_error),
            log("Microsoft-Intune-CertificateConnectors/Admin"),
            log("Microsoft-Intune-CertificateConnectors/Operational", error=operational)]


def live(events: list[Ev], logs: list[dict[str, Any]] | None = None) -> dict[str, Any]:
    return {
        "window_days": 7,
        "logs": LOGS if logs is None else logs,
        "records": [
            {"time_utc": e.time, "provider": e.provider, "channel": e.channel, "event_id": e.event_id,
             "level": {"Error": 2, "Warning": 3, "Information": 4}[e.level], "computer": e.computer,
             "message": e.message or None, "data": e.data}
            for e in events
        ],
    }


def results(probe: ProbeResult, check_id: str) -> list:
    facts = Facts(NOW, {}, FactsSite(), {"conn01.contoso.com": Target("conn01.contoso.com", ("connector",),
                                                              {"events": probe})})
    registry = default_registry()
    picked = [r for r in evaluate(facts, registry, Settings()) if r.check_id == check_id]
    assert picked, check_id
    return picked


def status(data: Any, check_id: str) -> Status:
    return results(ProbeResult.success(data), check_id)[0].status


@pytest.mark.parametrize(("check_id", "codes"), [
    ("events_pkcs_issue_recovered", (0x400, 0x401)),
    ("events_revoke_recovered", (0x402,)),
    ("events_scep_verify_recovered", (0x408, 0x409, 0x410, 0x411)),
    ("events_intune_download_recovered", (0x409,)),
    ("events_connector_cert_renewal_recovered", (0x405,)),
    ("events_connector_service_not_churning", (0x0FFFFFFF,)),
])
def test_checks_are_keyed_to_their_codes(check_id: str, codes: tuple[int, ...]) -> None:
    assert default_registry().checks[check_id].codes == codes


def test_unrecovered_revoke_fails_and_recovered_pkcs_passes() -> None:
    data = live(incident())
    revoke = results(ProbeResult.success(data), "events_revoke_recovered")[0]
    assert revoke.status is Status.FAIL
    assert revoke.evidence["unrecovered"][0]["events"][0]["event_id"] == 20202
    assert revoke.codes == (0x402,)
    pkcs = [e for e in incident() if e.computer.startswith("CONN01")]
    assert status(live(pkcs), "events_pkcs_issue_recovered") is Status.PASS


def test_renewal_failure_fails_the_0x405_check() -> None:
    assert status(live(incident()), "events_connector_cert_renewal_recovered") is Status.FAIL
    renewed = [*incident(), legacy("2026-11-21T12:00:00Z", "CONN01.contoso.com", 10100)]
    assert status(live(renewed), "events_connector_cert_renewal_recovered") is Status.PASS


def test_failures_outside_the_lookback_window_do_not_count() -> None:
    old = [legacy("2026-11-01T08:00:00Z", "CONN01.contoso.com", 20202, "Error")]
    assert status(live(old), "events_revoke_recovered") is Status.PASS


def test_a_pass_claims_only_the_days_the_facts_were_collected_over() -> None:
    """Facts read over 3 days do not show 7 quiet days: the finding says 3 (the settings' 7 when they hold more)."""
    quiet = live([legacy("2026-11-21T12:00:00Z", "CONN01.contoso.com", 10100)])
    assert "in the last 7 days" in results(ProbeResult.success(quiet), "events_revoke_recovered")[0].finding
    short = results(ProbeResult.success({**quiet, "window_days": 3}), "events_revoke_recovered")[0]
    assert short.status is Status.PASS and "in the last 3 days" in short.finding
    assert short.evidence["window_days"] == 3
    longer = results(ProbeResult.success({**quiet, "window_days": 30}), "events_revoke_recovered")[0]
    assert "in the last 7 days" in longer.finding
    churn = results(ProbeResult.success({**quiet, "window_days": 3}), "events_connector_service_not_churning")[0]
    assert churn.evidence["window_days"] == 3


def test_no_readable_log_missing_probe_or_bad_shape_is_unknown() -> None:
    absent = [{"name": "Microsoft Intune Connector", "found": False, "error": "log not found", "truncated": False}]
    assert status(live([], absent), "events_revoke_recovered") is Status.UNKNOWN
    assert status({"records": "nope"}, "events_revoke_recovered") is Status.UNKNOWN
    failed_probe = results(ProbeResult.failure("access denied"), "events_pkcs_issue_recovered")[0]
    assert failed_probe.status is Status.UNKNOWN and "access denied" in failed_probe.finding


def test_service_churn() -> None:
    def cycle(hour: int) -> list[Ev]:
        return [legacy(f"2026-11-21T{hour:02d}:00:00Z", "CONN01", 10020),
                legacy(f"2026-11-21T{hour:02d}:01:00Z", "CONN01", 10010)]

    assert status(live(cycle(1) + cycle(2) + cycle(3)), "events_connector_service_not_churning") is Status.FAIL
    assert status(live(cycle(1)), "events_connector_service_not_churning") is Status.PASS
    absent = [{"name": "Microsoft Intune Connector", "found": False, "error": None, "truncated": False}]
    assert status(live([], absent), "events_connector_service_not_churning") is Status.UNKNOWN


def test_facts_file_feeds_conncheck_events(tmp_path: Any) -> None:
    from conncheck.catalog import load
    from conncheck.events.triage import triage

    facts = Facts(NOW, {}, FactsSite(), {"conn01.contoso.com": Target("conn01.contoso.com", ("connector",),
                                                              {"events": ProbeResult.success(live(incident()))})})
    path = tmp_path / "facts.json"
    path.write_text(facts.dumps())
    result = triage([path], load())
    assert result.inputs[0].format == "facts"
    assert result.summary.connector == 11 and len(result.unrecovered) == 4


def test_an_operation_no_log_on_the_host_records_is_not_passed() -> None:
    """The current connector documents no event of Intune upload, download, its certificate's renewal or retrieval,
    nor service start and stop: those are the legacy log's, and a host without it proves nothing about them."""
    issued = [current("2026-11-21T10:00:00Z", "CONN01", 1000)]
    assert status(live(issued, current_logs()), "events_pkcs_issue_recovered") is Status.PASS
    for check_id in ("events_intune_upload_recovered", "events_intune_download_recovered",
                     "events_connector_cert_renewal_recovered", "events_connector_cert_retrieve_recovered",
                     "events_connector_service_not_churning"):
        result = results(ProbeResult.success(live(issued, current_logs())), check_id)[0]
        assert result.status is Status.SKIP, check_id
        assert "Microsoft Intune Connector" in result.finding
    # "not found" said with another error is not "absent": the log may be there, unread.
    denied = live(issued, current_logs(legacy_error="Attempted to perform an unauthorized operation."))
    assert status(denied, "events_intune_upload_recovered") is Status.UNKNOWN
    assert status(denied, "events_connector_service_not_churning") is Status.UNKNOWN
    # A log the facts do not list was not read either.
    unlisted = live(issued, current_logs()[1:])
    assert status(unlisted, "events_connector_cert_renewal_recovered") is Status.UNKNOWN
    assert status(unlisted, "events_pkcs_issue_recovered") is Status.PASS


def test_a_log_that_records_the_operation_but_was_not_read_is_unknown() -> None:
    """Microsoft writes SCEP verification to the Operational channel only: with it disabled, a quiet Admin log is no
    evidence; a failure that was read still fails."""
    verified = [current("2026-11-21T10:00:00Z", "CONN01", 4004, admin=False)]
    assert status(live(verified, current_logs()), "events_scep_verify_recovered") is Status.PASS
    disabled = results(ProbeResult.success(live([], current_logs(operational="log disabled"))),
                       "events_scep_verify_recovered")[0]
    assert disabled.status is Status.UNKNOWN
    assert "log disabled" in disabled.finding and "wevtutil" in (disabled.remediation or "")
    assert status(live([], current_logs(operational="log disabled")), "events_pkcs_issue_recovered") is Status.UNKNOWN
    refused = [current("2026-11-21T10:00:00Z", "CONN01", 1001, "Error")]
    assert status(live(refused, current_logs(operational="log disabled")), "events_pkcs_issue_recovered") \
        is Status.FAIL
