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
from conncheck.checks import _learn as learn
from conncheck.checks._common import lookback_days
from conncheck.checks.connector import HEALTH_UPLOAD_FAILURES
from conncheck.events.live import EventsData, LiveEvents
from conncheck.events.operations import OPERATION_CODES
from conncheck.events.record import LEGACY_LOG, EventRecord, events_index
from conncheck.events.summary import Summary
from conncheck.plugin import CheckFunc, Context, Plugin
from conncheck.results import Fix, Msg, Outcome, failed, passed, skipped, unknown

PLUGIN = Plugin("events")
ROLES = ("connector",)  # the connector logs live where the connector runs (with SCEP: the NDES server)
SERVICE_STOPS_FAIL = 3  # stops of the connector service in the window that mean a crash or restart loop
ABSENT = "log not found"  # what events.ps1 says of a log the host does not have

EVENTS = PLUGIN.probe(
    "events", EventsData, roles=ROLES, powershell="ps/events.ps1", budget_s=60,
    description="The connector's event records of the look-back window (legacy log, Admin, Operational)",
)


TRUNCATED_FIX = Fix(
    "Read the whole window: export the connector's logs (wevtutil epl) and run conncheck events on the files, or "
    "shorten [thresholds] event_lookback_days.",
    "Geriye bakış süresinin tamamını okuyun: bağlayıcının günlüklerini dışa aktarıp (wevtutil epl) dosyalar üzerinde "
    "conncheck events çalıştırın ya da [thresholds] event_lookback_days değerini kısaltın.",
)
UNREAD_FIX = Fix(
    "Enable the log if it is disabled (wevtutil sl \"<log>\" /e:true) and collect as an account that may read it "
    "(Event Log Readers or an administrator).",
    "Günlük kapalıysa açın (wevtutil sl \"<günlük>\" /e:true) ve olguları onu okuyabilen bir hesapla (Event Log "
    "Readers ya da yönetici) toplayın.",
)
NO_LOG_FIX = Fix(
    "Collect as an account that may read the connector's event logs (Event Log Readers or an administrator), on the "
    "server where the connector is installed.",
    "Olguları bağlayıcının olay günlüklerini okuyabilen bir hesapla (Event Log Readers ya da yönetici), bağlayıcının "
    "kurulu olduğu sunucuda toplayın.",
)


def _window(ctx: Context) -> tuple[LiveEvents | None, list[EventRecord], Outcome | None]:
    """The host's connector records inside the look-back window, or the UNKNOWN outcome that stops the check."""
    live = ctx.read(EVENTS).normalised
    if not live.logs_found:
        errors = {log.name: log.error or "log not found" for log in live.logs}
        return live, [], unknown(Msg("none of the connector's event logs could be read on this host",
                                     "bu sunucuda bağlayıcının olay günlüklerinden hiçbiri okunamadı"),
                                 {"logs": errors}, fix=NO_LOG_FIX)
    since = ctx.now - timedelta(days=ctx.settings.event_lookback_days)
    return live, [r for r in live.records if since <= r.time <= ctx.now], None


def _logs_recording(operation: str) -> list[str]:
    """The logs Microsoft documents events of ``operation`` in (the legacy table's events: the legacy log)."""
    return sorted({event.channel or LEGACY_LOG for event in load().events if event.operation == operation})


def _coverage(live: LiveEvents, operation: str, en: str, tr: str) -> Outcome | None:
    """UNKNOWN when a log that records ``operation`` exists but was not read whole, or none was read and one could
    not be told absent; SKIP when this host has none of them (its connector does not log the operation); else None.
    """
    wanted = _logs_recording(operation)
    states = {log.name: log for log in live.logs}
    read = [name for name in wanted if (s := states.get(name)) and s.found and not s.error]
    unread = {name: ("not reported" if s is None else s.error or "") for name in wanted
              if (s := states.get(name)) is None or (s.found and s.error) or (s.error not in (None, ABSENT))}
    broken = {name: error for name, error in unread.items() if (s := states.get(name)) and s.found}
    if broken or (unread and not read):
        why = "; ".join(f"{name}: {error}" for name, error in (broken or unread).items())
        return unknown(Msg(f"{en}: a log that records it was not read ({why}); no verdict without it",
                           f"{tr}: bunu kaydeden bir günlük okunamadı ({why}); o olmadan hüküm çıkmaz"),
                       {"logs_recording": wanted, "not_read": broken or unread}, fix=UNREAD_FIX)
    if not read:
        logs = ", ".join(wanted)
        return skipped(Msg(f"{en}: none of the logs that record it ({logs}) is on this host: the connector installed "
                           "here does not log it",
                           f"{tr}: bunu kaydeden günlüklerin ({logs}) hiçbiri bu sunucuda yok: buradaki bağlayıcı bunu "
                           "günlüğe yazmıyor"), {"logs_recording": wanted})
    return None


def _recovery_check(operation: str, label: Msg) -> CheckFunc:
    """A check: no failure of ``operation`` in the window that no later success of it followed."""

    def check(ctx: Context) -> Outcome:
        live, records, stop = _window(ctx)
        if stop is not None:
            return stop
        summary = Summary(load()).add_all(records)
        runs = [run for run in summary.runs() if run.operation == operation]
        open_runs = [run for run in runs if not run.recovered]
        days = lookback_days(ctx, live.window_days if live else None)
        evidence = {
            "window_days": days,
            "failure_runs": len(runs),
            "logs": [log.name for log in live.logs_found] if live else [],
        }
        en, tr = label.en, label.in_lang("tr")
        if open_runs:
            first = open_runs[-1].to_json(summary.names)["first"]
            count = sum(r.count for r in open_runs)
            return failed(
                Msg(f"{en}: {count} failure(s) since {first} with no later success",
                    f"{tr}: {first} tarihinden beri {count} hata, ardından başarı yok"),
                {**evidence, "unrecovered": [r.to_json(summary.names) for r in open_runs]},
            )
        if live and (not_judged := _coverage(live, operation, en, tr)):
            return not_judged
        if live and live.truncated:
            logs = ", ".join(live.truncated)
            return unknown(Msg(f"{en}: the read of {logs} stopped at its cap, so older records were not seen; no "
                               "verdict from part of a log",
                               f"{tr}: {logs} okuması sınırında durdu, eski kayıtlar görülmedi; günlüğün bir "
                               "parçasından hüküm çıkmaz"), evidence, fix=TRUNCATED_FIX)
        if live and live.stats.skipped_parts:
            lost, problems = live.stats.skipped_parts, "; ".join(live.stats.problems[:2])
            return unknown(Msg(f"{en}: {lost} record(s) could not be read ({problems}); no verdict from the rest",
                               f"{tr}: {lost} kayıt okunamadı ({problems}); geri kalanından hüküm çıkmaz"), evidence)
        if runs:
            return passed(Msg(f"{en}: {len(runs)} failure run(s) in {days} days, each followed by a success",
                              f"{tr}: {days} günde {len(runs)} hata dizisi, her birini bir başarı izledi"), evidence)
        return passed(Msg(f"{en}: no failure in the last {days} days", f"{tr}: son {days} günde hata yok"), evidence)

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
    ("connector_health", "events_connector_health_recovered",
     "Check the connector reaches Intune the way it connects (intune_endpoints_reachable: proxy, firewall, TLS "
     "inspection); until health messages upload, the admin center shows this connector's status stale.",
     "Bağlayıcının Intune'a kendi bağlandığı yoldan erişebildiğini denetleyin (intune_endpoints_reachable: ara "
     "sunucu, güvenlik duvarı, TLS denetimi); sağlık iletileri yüklenene dek yönetim merkezi bu bağlayıcının "
     "durumunu eski gösterir."),
)


def _register_recovery_checks() -> None:
    operations = load().operations
    for operation, check_id, remediation, remediation_tr in _RECOVERY_CHECKS:
        names = operations.get(operation, {})
        # The health events are about reaching Intune, not a precondition a code names: explain lists this check.
        events = HEALTH_UPLOAD_FAILURES if operation == "connector_health" else ()
        label = Msg(names.get("en", operation), names.get("tr"))
        PLUGIN.check(
            check_id, f"No unrecovered failure in the connector's events: {label.en}",
            roles=ROLES, reads=(EVENTS,), codes=OPERATION_CODES[operation], events=events, remediation=remediation,
            title_tr=f"Bağlayıcı olaylarında sonradan düzelmeyen hata yok: {label.in_lang('tr')}",
            remediation_tr=remediation_tr,
            references=(learn.CONNECTOR_OVERVIEW, learn.CONNECTOR_EVENTS),
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
    references=(learn.CONNECTOR_OVERVIEW, learn.CONNECTOR_EVENTS),
)
def events_connector_service_not_churning(ctx: Context) -> Outcome:
    live, records, stop = _window(ctx)
    if stop is not None:
        return stop
    names = events_index(load())
    stops = [r for r in records if (e := names.get(r.event_id)) and e.operation == "service" and "Stopped" in e.name]
    starts = [r for r in records if (e := names.get(r.event_id)) and e.operation == "service" and "Started" in e.name]
    days = lookback_days(ctx, live.window_days if live else None)
    evidence = {"stops": len(stops), "starts": len(starts), "window_days": days}
    if len(stops) >= SERVICE_STOPS_FAIL:
        return failed(Msg(f"the connector service stopped {len(stops)} times in the window",
                          f"bağlayıcı hizmeti geriye bakış süresi içinde {len(stops)} kez durdu"), evidence)
    service = load().operations["service"]
    if live and (not_judged := _coverage(live, "service", service["en"], service["tr"])):
        return not_judged
    if live and (live.truncated or live.stats.skipped_parts):
        return unknown(Msg("the connector's logs were not read whole (a capped or unreadable part): stops there were "
                           "not seen",
                           "bağlayıcının günlükleri eksiksiz okunamadı (sınırda kesilen ya da okunamayan bir kısım): "
                           "oradaki durmalar görülmedi"), evidence, fix=TRUNCATED_FIX)
    return passed(Msg(f"the connector service stopped {len(stops)} time(s) in the window",
                      f"bağlayıcı hizmeti geriye bakış süresi içinde {len(stops)} kez durdu"), evidence)
