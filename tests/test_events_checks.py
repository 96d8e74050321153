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

from tests.events_samples import Ev, incident, legacy

NOW = datetime(2026, 11, 22, 0, 0, tzinfo=timezone.utc)
LOGS = [{"name": "Microsoft Intune Connector", "found": True, "error": None, "truncated": False}]


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
