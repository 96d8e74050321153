"""Prerequisites of the connector's server that Microsoft lists and nothing else probed: the service account's "Log on
as a service" right, IE Enhanced Security Configuration off, no Intune Connector for Active Directory beside it, and
the connector's updater working."""

from __future__ import annotations

from datetime import timedelta
from typing import Annotated, Any

import msgspec
from conncheck.accounts import same_account
from conncheck.catalog.codes import UNKNOWN_ERROR
from conncheck.checks import _learn as learn
from conncheck.checks._common import lookback_days
from conncheck.checks._release import UPDATE_FIX
from conncheck.checks.ca import directory_account
from conncheck.checks.connector import CONNECTOR_CONFIG_FILES, CONNECTOR_SERVICES
from conncheck.checks.directory import CONNECTOR_ACCOUNT, first, sid_of, token_sids
from conncheck.checks.host import INSTALLED_SOFTWARE, SERVICES, service
from conncheck.events.live import LogState
from conncheck.plugin import Context, Plugin
from conncheck.results import Fix, Msg, Outcome, failed, passed, skipped, unknown, warned
from conncheck.schema import RegistryKey, UtcTime, registry_dword

PLUGIN = Plugin("connector_host")
ROLES = ("connector",)
# Holders of "Log on as a service" that never stand for a domain account running the connector: the service SIDs
# (NT SERVICE\..., ALL SERVICES included), LocalSystem, LocalService, NetworkService.
SERVICE_ONLY_SIDS = ("S-1-5-80-", "S-1-5-18", "S-1-5-19", "S-1-5-20")
BUILT_IN_ACCOUNTS = ("localsystem", "nt authority\\system", "nt authority\\localservice",
                     "nt authority\\networkservice", "nt authority\\local service", "nt authority\\network service")
# The Intune Connector for Active Directory (the ODJ connector): its product name, its legacy name and its default
# install folder under Program Files\Microsoft Intune (Microsoft Learn, Windows Autopilot hybrid join).
AD_CONNECTOR_NAMES = ("intune connector for active directory", "odj connector", "odjconnector")
AD_CONNECTOR_FOLDER = "\\microsoft intune\\odjconnector\\"
UPDATER_LOG = "Microsoft-AzureADConnect-AgentUpdater/Admin"
UPDATER_ERROR_LEVELS = (1, 2)  # Critical, Error


class UserRights(msgspec.Struct):
    """Who holds each logon right in the LSA policy (what local policy and GPOs resolve to): SID → DOMAIN\\name."""

    service_logon: Annotated[dict[str, str | None], msgspec.Meta(description="SeServiceLogonRight")] = msgspec.field(
        name="SeServiceLogonRight")
    deny_service_logon: Annotated[dict[str, str | None], msgspec.Meta(description="SeDenyServiceLogonRight")] = (
        msgspec.field(name="SeDenyServiceLogonRight"))


class IeEnhancedSecurity(msgspec.Struct):
    """The two Active Setup components behind Server Manager's "IE Enhanced Security Configuration" switch."""

    administrators: Annotated[RegistryKey | None, msgspec.Meta(description="{A509B1A7-...}: IsInstalled")]
    users: Annotated[RegistryKey | None, msgspec.Meta(description="{A509B1A8-...}: IsInstalled")]


class UpdaterRecord(msgspec.Struct):
    time_utc: UtcTime
    event_id: Annotated[int, msgspec.Meta(ge=0, le=65535)]
    level: Annotated[int, msgspec.Meta(ge=0, le=5, description="1 Critical, 2 Error, 3 Warning")]
    provider: str


class UpdaterLog(msgspec.Struct):
    """The connector updater's Admin log: critical, error and warning records of the look-back window."""

    log: LogState
    records: list[UpdaterRecord]


USER_RIGHTS = PLUGIN.probe(
    "connector_logon_rights", UserRights, roles=ROLES, powershell="ps/connector_logon_rights.ps1",
    description="Holders of SeServiceLogonRight and SeDenyServiceLogonRight (LsaEnumerateAccountsWithUserRight, "
    "read-only; no file written)",
)
IE_ENHANCED_SECURITY = PLUGIN.probe(
    "connector_ie_esc", IeEnhancedSecurity, roles=ROLES, powershell="ps/connector_ie_esc.ps1",
    description="IE Enhanced Security Configuration for administrators and users (Active Setup IsInstalled)",
)
UPDATER_EVENTS = PLUGIN.probe(
    "connector_updater_log", UpdaterLog, roles=ROLES, powershell="ps/connector_updater_log.ps1", budget_s=20,
    description=f"{UPDATER_LOG}: critical, error and warning records of the look-back window (at most 500)",
)

LOGON_FIX = Fix(
    "Grant the connector's service account \"Log on as a service\" (Local Security Policy > User Rights Assignment, "
    "or the GPO that defines the right: a GPO replaces the local list, so add the account there), then start the "
    "connector services.",
    "Bağlayıcının hizmet hesabına \"Hizmet olarak oturum aç\" (Log on as a service) hakkını verin (Yerel Güvenlik "
    "İlkesi > Kullanıcı Hakları Ataması ya da bu hakkı tanımlayan GPO: GPO yerel listenin yerine geçer, hesabı oraya "
    "ekleyin), ardından bağlayıcı hizmetlerini başlatın.",
)
DENY_FIX = Fix(
    "Remove the connector's service account (or the group that carries it) from \"Deny log on as a service\" (local "
    "policy or the GPO that sets it): a deny wins over every grant.",
    "Bağlayıcının hizmet hesabını (ya da onu içeren grubu) \"Hizmet olarak oturum açmayı reddet\" (Deny log on as a "
    "service) listesinden çıkarın (yerel ilke ya da onu ayarlayan GPO): reddetme her izinden üstündür.",
)
GROUPS_FIX = Fix(
    "Grant \"Log on as a service\" to the account itself, or collect the directory ([ldap] in site.toml) so its "
    "domain groups can be expanded.",
    "\"Hizmet olarak oturum aç\" (Log on as a service) hakkını doğrudan hesaba verin ya da hesabın etki alanı "
    "gruplarının açılabilmesi için dizini de toplayın (site.toml'da [ldap]).",
)
ESC_FIX = Fix(
    "Turn IE Enhanced Security Configuration off for Administrators: Server Manager > Local Server > IE Enhanced "
    "Security Configuration > Administrators: Off.",
    "IE Gelişmiş Güvenlik Yapılandırmasını (IE Enhanced Security Configuration) yöneticiler için kapatın: Sunucu "
    "Yöneticisi > Yerel Sunucu > IE Enhanced Security Configuration > Administrators: Off.",
)
AD_CONNECTOR_FIX = Fix(
    "Move the Intune Connector for Active Directory, or the certificate connector, to another server: Microsoft says "
    "they must not share one.",
    "Intune Connector for Active Directory'yi ya da sertifika bağlayıcısını başka bir sunucuya taşıyın: Microsoft "
    "ikisinin aynı sunucuda olmaması gerektiğini söyler.",
)
UPDATER_ABSENT_FIX = Fix(
    "Reinstall the connector so its updater comes back, or plan manual updates: a release is supported for six "
    "months after the next one ships.",
    "Güncelleyicisinin geri gelmesi için bağlayıcıyı yeniden kurun ya da elle güncellemeyi planlayın: bir sürüm, "
    "sonraki sürüm çıktıktan sonra altı ay desteklenir.",
)


def service_accounts(ctx: Context) -> dict[str, list[str]]:
    """The accounts the installed connector services run as → those services."""
    out: dict[str, list[str]] = {}
    for name in CONNECTOR_SERVICES:
        found = service(ctx, name)
        if found is not None:
            out.setdefault(found.account, []).append(found.name)
    return out


def _holders_of(holders: dict[str, str | None], account: str, sids: set[str]) -> list[str]:
    """The holders that are the account (by name) or in its logon token (by SID), by name where the host had one."""
    return [name or sid for sid, name in holders.items() if sid in sids or (name and same_account(name, account))]


def _unexpanded_groups(holders: dict[str, str | None], own_sid: str | None) -> list[str]:
    """Holders that may stand for the account through a membership nobody read: every group when the directory was
    not collected; with it, the built-in and local groups (and other domains'), which the directory cannot expand."""
    domain = own_sid.rsplit("-", 1)[0] + "-" if own_sid else None
    return sorted(name or sid for sid, name in holders.items()
                  if not sid.startswith(SERVICE_ONLY_SIDS) and (domain is None or not sid.startswith(domain)))


def _judge_account(ctx: Context, account: str, rights: UserRights) -> tuple[str, Msg, dict[str, Any]]:
    """('granted' | 'denied' | 'missing' | 'groups', finding, evidence) for one service account."""
    entry = directory_account(ctx, CONNECTOR_ACCOUNT, account) if ctx.peers("directory") else None
    sids = token_sids(entry)[0] if entry is not None else set()
    own_sid = sid_of(first(entry, "objectSid") or "") if entry is not None else None
    evidence: dict[str, Any] = {"account": account, "groups_from": "directory" if entry else "not collected"}
    denied = _holders_of(rights.deny_service_logon, account, sids)
    if denied:
        listed = ", ".join(denied)
        return "denied", Msg(f"{account} is denied \"Log on as a service\" through {listed}",
                             f"{account} için \"Hizmet olarak oturum aç\" hakkı şununla reddediliyor: {listed}"), \
            {**evidence, "denied_by": denied}
    granted = _holders_of(rights.service_logon, account, sids)
    if granted:
        listed = ", ".join(granted)
        return "granted", Msg(f"{account} holds \"Log on as a service\" ({listed})",
                              f"{account} \"Hizmet olarak oturum aç\" hakkına sahip ({listed})"), \
            {**evidence, "granted_by": granted}
    groups = _unexpanded_groups(rights.service_logon, own_sid)
    if groups:
        listed = ", ".join(groups)
        return "groups", Msg(f"{account} is not granted \"Log on as a service\" directly; only groups whose members "
                             f"were not read hold it: {listed}",
                             f"{account} hesabına \"Hizmet olarak oturum aç\" hakkı doğrudan verilmemiş; hakkı "
                             f"yalnızca üyeleri okunmamış gruplar taşıyor: {listed}"), {**evidence, "groups": groups}
    return "missing", Msg(f"{account} does not hold \"Log on as a service\"",
                          f"{account} \"Hizmet olarak oturum aç\" hakkına sahip değil"), evidence


@PLUGIN.check(
    "connector_account_logs_on_as_service",
    "The connector's service account holds \"Log on as a service\"",
    roles=ROLES,
    reads=(SERVICES, USER_RIGHTS, CONNECTOR_ACCOUNT.on("directory")),
    codes=(UNKNOWN_ERROR,),
    remediation=LOGON_FIX.en,
    title_tr="Bağlayıcının hizmet hesabı \"Hizmet olarak oturum aç\" hakkına sahip",
    remediation_tr=LOGON_FIX.tr,
    references=(learn.CONNECTOR_PREREQUISITES, learn.LOG_ON_AS_A_SERVICE),
)
def connector_account_logs_on_as_service(ctx: Context) -> Outcome:
    accounts = service_accounts(ctx)
    if not accounts:
        return skipped(Msg("no connector service is installed (connector_services_running reports it)",
                           "hiçbir bağlayıcı hizmeti kurulu değil (connector_services_running bildirir)"))
    users = [a for a in accounts if a.casefold() not in BUILT_IN_ACCOUNTS]
    if not users:
        return passed(Msg("the connector services run as LocalSystem, which needs no logon right",
                          "bağlayıcı hizmetleri LocalSystem olarak çalışıyor; bu hesap oturum açma hakkı gerektirmez"),
                      {"accounts": accounts})
    rights = ctx.read(USER_RIGHTS)
    judged = [_judge_account(ctx, account, rights) for account in users]
    evidence = {"accounts": accounts, "judged": [e for _, _, e in judged],
                "holders": rights.service_logon, "denied": rights.deny_service_logon}
    for verdict, fix in (("denied", DENY_FIX), ("missing", LOGON_FIX)):
        bad = [finding for kind, finding, _ in judged if kind == verdict]
        if bad:
            return failed(Msg("; ".join(m.en for m in bad), "; ".join(m.in_lang("tr") for m in bad)), evidence,
                          fix=fix)
    groups = [finding for kind, finding, _ in judged if kind == "groups"]
    if groups:
        return unknown(Msg("; ".join(m.en for m in groups), "; ".join(m.in_lang("tr") for m in groups)), evidence,
                       fix=GROUPS_FIX)
    return passed(Msg("; ".join(m.en for _, m, _ in judged), "; ".join(m.in_lang("tr") for _, m, _ in judged)),
                  evidence)


@PLUGIN.check(
    "ie_enhanced_security_off",
    "IE Enhanced Security Configuration is off for administrators on the connector's server",
    roles=ROLES,
    reads=(IE_ENHANCED_SECURITY,),
    remediation=ESC_FIX.en,
    title_tr="Bağlayıcı sunucusunda yöneticiler için IE Gelişmiş Güvenlik Yapılandırması kapalı",
    remediation_tr=ESC_FIX.tr,
    references=(learn.CONNECTOR_PREREQUISITES, learn.AUTOPILOT_AD_CONNECTOR),
)
def ie_enhanced_security_off(ctx: Context) -> Outcome:
    esc = ctx.read(IE_ENHANCED_SECURITY)
    admins, users = (registry_dword(esc.administrators, "IsInstalled"), registry_dword(esc.users, "IsInstalled"))
    evidence = {"administrators": admins, "users": users}
    if esc.administrators is None:
        return passed(Msg("IE Enhanced Security Configuration is not present on this server",
                          "IE Gelişmiş Güvenlik Yapılandırması bu sunucuda yok"), evidence)
    if admins is None:
        return unknown(Msg("the IE Enhanced Security Configuration component for administrators has no IsInstalled "
                           "REG_DWORD: its state cannot be told",
                           "yöneticiler için IE Gelişmiş Güvenlik Yapılandırması bileşeninde IsInstalled REG_DWORD "
                           "değeri yok: durumu anlaşılamıyor"), evidence)
    if admins != 0:
        return failed(Msg("IE Enhanced Security Configuration is on for administrators: the connector's wizard cannot "
                          "sign in to Microsoft Entra ID",
                          "IE Gelişmiş Güvenlik Yapılandırması yöneticiler için açık: bağlayıcının sihirbazı Microsoft "
                          "Entra ID'de oturum açamaz"), evidence)
    return passed(Msg("IE Enhanced Security Configuration is off for administrators",
                      "IE Gelişmiş Güvenlik Yapılandırması yöneticiler için kapalı"), evidence)


@PLUGIN.check(
    "not_with_intune_ad_connector",
    "The Intune Connector for Active Directory is not installed on the connector's server",
    roles=ROLES,
    reads=(INSTALLED_SOFTWARE, CONNECTOR_CONFIG_FILES),
    remediation=AD_CONNECTOR_FIX.en,
    title_tr="Bağlayıcı sunucusunda Intune Connector for Active Directory kurulu değil",
    remediation_tr=AD_CONNECTOR_FIX.tr,
    references=(learn.CONNECTOR_OVERVIEW, learn.AUTOPILOT_AD_CONNECTOR),
)
def not_with_intune_ad_connector(ctx: Context) -> Outcome:
    installed = ctx.read(INSTALLED_SOFTWARE)
    products = [f"{p.display_name} {p.display_version}" for p in installed
                if any(name in p.display_name.casefold() for name in AD_CONNECTOR_NAMES)]
    files = [path for path in ctx.read(CONNECTOR_CONFIG_FILES) if AD_CONNECTOR_FOLDER in path.casefold()]
    evidence = {"products": products, "files": files}
    if products or files:
        found = ", ".join(products or files)
        return failed(Msg(f"the Intune Connector for Active Directory is on this server too: {found}",
                          f"Intune Connector for Active Directory de bu sunucuda: {found}"), evidence)
    if not installed:
        return unknown(Msg("no installed program was read from the Uninstall keys, where the certificate connector "
                           "itself is listed: the absence of the AD connector is not shown",
                           "Uninstall anahtarlarından hiç kurulu program okunmadı (sertifika bağlayıcısı da orada "
                           "listelenir): AD bağlayıcısının yokluğu gösterilemiyor"), evidence)
    return passed(Msg("no Intune Connector for Active Directory on this server",
                      "bu sunucuda Intune Connector for Active Directory yok"), evidence)


@PLUGIN.check(
    "connector_updater_log_clean",
    "The connector's updater logged no errors in the look-back window",
    roles=ROLES,
    reads=(UPDATER_EVENTS,),
    codes=(UNKNOWN_ERROR,),
    remediation=UPDATE_FIX.en,
    title_tr="Bağlayıcının güncelleyicisi geriye bakış süresinde hata kaydetmedi",
    remediation_tr=UPDATE_FIX.tr,
    references=(learn.CONNECTOR_OVERVIEW, learn.CONNECTOR_PREREQUISITES),
)
def connector_updater_log_clean(ctx: Context) -> Outcome:
    data = ctx.read(UPDATER_EVENTS)
    days = lookback_days(ctx, ctx.site.event_lookback_days)  # the fragment reads the site's window
    if data.log.error and data.log.error != "log not found":
        return unknown(Msg(f"the updater's log {UPDATER_LOG} could not be read: {data.log.error}",
                           f"güncelleyicinin günlüğü {UPDATER_LOG} okunamadı: {data.log.error}"))
    if not data.log.found:
        return warned(Msg(f"the updater's log {UPDATER_LOG} does not exist: the connector does not update itself",
                          f"güncelleyicinin günlüğü {UPDATER_LOG} yok: bağlayıcı kendini güncellemiyor"),
                      {"log": UPDATER_LOG}, fix=UPDATER_ABSENT_FIX)
    since = ctx.now - timedelta(days=days)
    errors = [r for r in data.records if r.level in UPDATER_ERROR_LEVELS and since <= r.time_utc <= ctx.now]
    evidence: dict[str, Any] = {"log": UPDATER_LOG, "window_days": days, "errors": len(errors)}
    if errors:
        last = max(errors, key=lambda r: r.time_utc)
        ids = ", ".join(str(i) for i in sorted({r.event_id for r in errors}))
        when = last.time_utc.strftime("%Y-%m-%dT%H:%M:%SZ")
        return warned(Msg(f"the updater logged {len(errors)} error(s) in {days} days (event IDs {ids}; last {when}): "
                          "the connector may not be updating itself",
                          f"güncelleyici {days} günde {len(errors)} hata kaydetti (olay kimlikleri {ids}; sonuncusu "
                          f"{when}): bağlayıcı kendini güncelleyemiyor olabilir"),
                      {**evidence, "event_ids": ids, "last": when})
    if data.log.truncated:
        return unknown(Msg(f"the read of {UPDATER_LOG} stopped at its cap: older records were not seen",
                           f"{UPDATER_LOG} okuması sınırında durdu: eski kayıtlar görülmedi"), evidence)
    return passed(Msg(f"the updater logged no error in {days} days", f"güncelleyici {days} günde hata kaydetmedi"),
                  evidence)

