"""The connector's own event logs, as collected live: unrecovered failures per operation, service churn.

Each check reads the ``events`` probe (checks/ps/events.ps1: the look-back window of the legacy
"Microsoft Intune Connector" log and the new connector's Admin and Operational channels), keeps the records
inside ``event_lookback_days`` before the facts' time, and judges them with the same timeline logic as
``conncheck events``: a failure followed by a later success of the same operation on the same host is recovered.
A host where none of the connector's logs could be read is UNKNOWN: no events is not the same as no log.
"""

from __future__ import annotations

from datetime import timedelta

from conncheck.catalog import load
from conncheck.events.live import EventsData, LiveEvents
from conncheck.events.operations import OPERATION_CODES
from conncheck.events.record import EventRecord, events_index
from conncheck.events.summary import Summary
from conncheck.plugin import CheckFunc, Context, Plugin
from conncheck.results import Outcome, failed, passed, unknown

PLUGIN = Plugin("events")
ROLES = ("connector",)  # the connector logs live where the connector runs (with SCEP: the NDES server)
SERVICE_STOPS_FAIL = 3  # stops of the connector service in the window that mean a crash or restart loop

EVENTS = PLUGIN.probe(
    "events", EventsData, roles=ROLES, powershell="ps/events.ps1", budget_s=60,
    description="The connector's event records of the look-back window (legacy log, Admin, Operational)",
)


def _window(ctx: Context) -> tuple[LiveEvents | None, list[EventRecord], Outcome | None]:
    """The host's connector records inside the look-back window, or the UNKNOWN outcome that stops the check."""
    live = ctx.read(EVENTS).normalised
    if not live.logs_found:
        errors = {log.name: log.error or "log not found" for log in live.logs}
        return live, [], unknown("none of the connector's event logs could be read on this host", {"logs": errors})
    since = ctx.now - timedelta(days=ctx.settings.event_lookback_days)
    return live, [r for r in live.records if since <= r.time <= ctx.now], None


def _recovery_check(operation: str, label: str) -> CheckFunc:
    """A check: no failure of ``operation`` in the window that no later success of it followed."""

    def check(ctx: Context) -> Outcome:
        live, records, stop = _window(ctx)
        if stop is not None:
            return stop
        summary = Summary(load()).add_all(records)
        runs = [run for run in summary.runs() if run.operation == operation]
        open_runs = [run for run in runs if not run.recovered]
        days = ctx.settings.event_lookback_days
        evidence = {
            "window_days": days,
            "failure_runs": len(runs),
            "logs": [log.name for log in live.logs_found] if live else [],
        }
        if open_runs:
            last = open_runs[-1]
            doc = last.to_json(summary.names)
            return failed(
                f"{label}: {sum(r.count for r in open_runs)} failure(s) since {doc['first']} with no later success",
                {**evidence, "unrecovered": [r.to_json(summary.names) for r in open_runs]},
            )
        if live and live.truncated:
            return unknown(f"{label}: the read of {', '.join(live.truncated)} stopped at its cap, so older records "
                           "were not seen; no verdict from part of a log", evidence)
        if live and live.stats.skipped_parts:
            return unknown(f"{label}: {live.stats.skipped_parts} record(s) could not be read ("
                           f"{'; '.join(live.stats.problems[:2])}); no verdict from the rest", evidence)
        if runs:
            return passed(f"{label}: {len(runs)} failure run(s) in {days} days, each followed by a success", evidence)
        return passed(f"{label}: no failure in the last {days} days", evidence)

    return check


_RECOVERY_CHECKS: tuple[tuple[str, str, str, str], ...] = (
    # (operation, check id, remediation, its Turkish)
    ("pkcs_issue", "events_pkcs_issue_recovered",
     "Check the CA is reachable and the template published (conncheck check --codes 0x400,0x401).",
     "CA'ya erişilebildiğini ve şablonun yayımlandığını denetleyin (conncheck check --codes 0x400,0x401)."),
    ("pkcs_recrypt", "events_pkcs_recrypt_recovered",
     "Review the connector's Operational log for the failing step; confirm the connector certificate and service.",
     "Başarısız adımı bağlayıcının İşletimsel (Operational) günlüğünde inceleyin; bağlayıcı sertifikasını ve "
     "hizmetini doğrulayın."),
    ("pkcs_import", "events_pkcs_import_recovered",
     "Review the PKCS import failures; confirm the connector's key and the Intune service reachability.",
     "PKCS içeri aktarma hatalarını inceleyin; bağlayıcının anahtarını ve Intune hizmetine erişimi doğrulayın."),
    ("cert_revoke", "events_revoke_recovered",
     "Grant the connector's account Issue and Manage Certificates on the CA (conncheck check --codes 0x402).",
     "Bağlayıcının hesabına CA üzerinde Sertifika Verme ve Yönetme (Issue and Manage Certificates) iznini verin "
     "(conncheck check --codes 0x402)."),
    ("intune_upload", "events_intune_upload_recovered",
     "Check the connector reaches the Intune service on TCP 443 (proxy, firewall).",
     "Bağlayıcının Intune hizmetine TCP 443 üzerinden erişebildiğini denetleyin (ara sunucu, güvenlik duvarı)."),
    ("intune_download", "events_intune_download_recovered",
     "Check the NDES RA signing certificate and the connector services (conncheck check --codes 0x409).",
     "NDES RA imzalama sertifikasını ve bağlayıcı hizmetlerini denetleyin (conncheck check --codes 0x409)."),
    ("crp_verify", "events_scep_verify_recovered",
     "Check the NDES RA certificates, URL limits and clocks (conncheck check --codes 0x408,0x409,0x410,0x411).",
     "NDES RA sertifikalarını, URL sınırlarını ve saatleri denetleyin (conncheck check --codes "
     "0x408,0x409,0x410,0x411)."),
    ("crp_notify", "events_scep_notify_recovered",
     "Check the connector reaches Intune and can write to its folders on NDES.",
     "Bağlayıcının Intune'a erişebildiğini ve NDES'teki klasörlerine yazabildiğini denetleyin."),
    ("scep_request", "events_scep_request_recovered",
     "Review the SCEP request failures (4001, 4002) in the Admin log; check the CA and the Intune reachability.",
     "Yönetici (Admin) günlüğündeki SCEP isteği hatalarını (4001, 4002) inceleyin; CA'yı ve Intune erişimini "
     "denetleyin."),
    ("scep_issue", "events_scep_issue_recovered",
     "Check the CA is reachable from NDES and issues the SCEP template (conncheck check --codes 0x400).",
     "CA'ya NDES'ten erişilebildiğini ve CA'nın SCEP şablonundan sertifika verdiğini denetleyin (conncheck check "
     "--codes 0x400)."),
    ("cert_renewal", "events_connector_cert_renewal_recovered",
     "Renew or re-enroll the connector's certificate; reinstall the connector if renewal keeps failing (0x405).",
     "Bağlayıcının sertifikasını yenileyin ya da yeniden kaydedin; yenileme başarısız olmayı sürdürürse bağlayıcıyı "
     "yeniden kurun (0x405)."),
    ("cert_retrieve", "events_connector_cert_retrieve_recovered",
     "Make the thumbprint the connector records match a certificate with its key in LocalMachine\\My (0x403, 0x404).",
     "Bağlayıcının kaydettiği parmak izinin, LocalMachine\\My deposunda anahtarıyla birlikte duran bir sertifikayla "
     "eşleşmesini sağlayın (0x403, 0x404)."),
)


def _register_recovery_checks() -> None:
    operations = load().operations
    for operation, check_id, remediation, remediation_tr in _RECOVERY_CHECKS:
        names = operations.get(operation, {})
        label = names.get("en", operation)
        PLUGIN.check(
            check_id, f"No unrecovered failure in the connector's events: {label}",
            roles=ROLES, reads=(EVENTS,), codes=OPERATION_CODES[operation], remediation=remediation,
            title_tr=f"Bağlayıcı olaylarında sonradan düzelmeyen hata yok: {names.get('tr', label)}",
            remediation_tr=remediation_tr,
        )(_recovery_check(operation, label))


_register_recovery_checks()


@PLUGIN.check(
    "events_connector_service_not_churning", "The connector service is not stopping and starting over and over",
    roles=ROLES, reads=(EVENTS,), codes=OPERATION_CODES["service"],
    remediation="Find why the connector service stops (Application and System logs around the stops); "
                "check its account's password and the .NET and TLS prerequisites.",
    title_tr="Bağlayıcı hizmeti sürekli durup yeniden başlamıyor",
    remediation_tr="Bağlayıcı hizmetinin neden durduğunu bulun (durma anlarının çevresindeki Uygulama "
                   "(Application) ve Sistem (System) günlükleri); hizmet hesabının parolasını ve .NET ile TLS "
                   "önkoşullarını denetleyin.",
)
def events_connector_service_not_churning(ctx: Context) -> Outcome:
    live, records, stop = _window(ctx)
    if stop is not None:
        return stop
    names = events_index(load())
    stops = [r for r in records if (e := names.get(r.event_id)) and e.operation == "service" and "Stopped" in e.name]
    starts = [r for r in records if (e := names.get(r.event_id)) and e.operation == "service" and "Started" in e.name]
    evidence = {"stops": len(stops), "starts": len(starts), "window_days": ctx.settings.event_lookback_days}
    if len(stops) >= SERVICE_STOPS_FAIL:
        return failed(f"the connector service stopped {len(stops)} times in the window", evidence)
    if live and (live.truncated or live.stats.skipped_parts):
        return unknown("the connector's logs were not read whole (a capped or unreadable part): stops there were "
                       "not seen", evidence)
    return passed(f"the connector service stopped {len(stops)} time(s) in the window", evidence)
