"""The NDES server: RA certificates and their keys, MSCEP templates, IIS and HTTP.sys limits, TLS binding, the SCEP
app pool and who it runs as, the NDES service account's place in IIS_IUSRS, the Windows features, NDES's own events.

Microsoft's SCEP pages say which account runs NDES (the SCEP application pool's identity, "the NDES service
account"), that it belongs to the local IIS_IUSRS group, and that it (and the pool) must read the RA certificates'
private keys. Those accounts are judged by SID: from the directory when it was collected (every group, nested ones
included), else by the names the NDES host gives the SIDs it lists.
"""

from __future__ import annotations

import base64
from typing import Any, Literal

import msgspec
from conncheck.accounts import same_account
from conncheck.catalog.codes import SCEP_DESERIALIZE, SCEP_ENCRYPTION_CERT, SCEP_SIGNING_CERT, UNKNOWN_ERROR
from conncheck.checks import _pki_references as ref
from conncheck.checks._common import NDES_ACCOUNT_FIX, judge_validity, newest
from conncheck.checks._iis_config import ConfigFile, effective_limits
from conncheck.checks._keys import Identity, key_not_opening, key_readers
from conncheck.checks.directory import (
    CERTIFICATE_TEMPLATES,
    MSCEP_VALUE_BY_PURPOSE,
    NDES_SERVICE_ACCOUNT,
    first,
    scep_template,
    template_evidence,
    template_purpose,
    token_sids,
)
from conncheck.checks.host import CERTS_MY, HOST_INFO, SERVICES, WINDOWS_FEATURES, service
from conncheck.events.live import EventsData
from conncheck.pki.certs import OID_CERTIFICATE_REQUEST_AGENT, OID_SERVER_AUTH, CertInfo, host_name_match
from conncheck.pki.key_access import BUILT_IN_IDENTITIES, IIS_IUSRS, app_pool_sid
from conncheck.pki.security_descriptor import SecurityDescriptorError, sid_label
from conncheck.plugin import Context, Plugin
from conncheck.results import Fix, Msg, Outcome, failed, passed, skipped, unknown, warned
from conncheck.schema import PrivateKey, RegistryKey, StoreCertificate, registry_dword, registry_kind, registry_string
from defusedxml import ElementTree

PLUGIN = Plugin("ndes")


class WebConfig(msgspec.Struct):
    virtual_path: str  # "/", "/CertSrv" or "/CertSrv/mscep" of the Default Web Site
    path: str  # the web.config in that virtual directory's physical folder
    text: str | None  # null: there is none; cut at 1 MiB


class IisConfig(msgspec.Struct):
    path: str
    text: str | None  # null: the file does not exist; cut at 4 MiB
    # The web.config files of the SCEP application's levels. UNSET: an older fact script did not read them;
    # null: they could not be listed (web_configs_error says why).
    web_configs: list[WebConfig] | msgspec.UnsetType | None = msgspec.UNSET
    web_configs_error: str | None = None


# HTTP.sys's binding kinds → endpoint ("0.0.0.0:443", "ndes01.contoso.com:443", "443") → its registry key;
# a kind with no key at all is null. SslCertHash is REG_BINARY (base64 of the thumbprint's bytes).
HttpSslBindings = dict[str, dict[str, RegistryKey | None] | None]
IdentityType = Literal["LocalSystem", "LocalService", "NetworkService", "SpecificUser", "ApplicationPoolIdentity"]


class AppPool(msgspec.Struct):
    name: str
    state: Literal["Starting", "Started", "Stopping", "Stopped", "Unknown"]  # ObjectState
    # ProcessModel.IdentityType and UserName (DOMAIN\user for SpecificUser, "" otherwise); UNSET: an older fact
    # script did not report them.
    identity_type: IdentityType | msgspec.UnsetType = msgspec.UNSET
    user_name: str | msgspec.UnsetType | None = msgspec.UNSET


class GroupMember(msgspec.Struct):
    sid: str
    name: str | None  # DOMAIN\name as the NDES host translates the SID (null: no translation)


MSCEP_REGISTRY = PLUGIN.probe(
    "mscep_registry", RegistryKey | None, roles=("ndes",), powershell="ps/mscep_registry.ps1",
    description="HKLM\\SOFTWARE\\Microsoft\\Cryptography\\MSCEP (template values); null: the key does not exist",
)
HTTPSYS_PARAMETERS = PLUGIN.probe(
    "httpsys_parameters", RegistryKey | None, roles=("ndes",), powershell="ps/httpsys_parameters.ps1",
    description="HKLM\\SYSTEM\\CurrentControlSet\\Services\\HTTP\\Parameters (MaxFieldLength, MaxRequestBytes)",
)
IIS_CONFIG = PLUGIN.probe(
    "iis_config", IisConfig, roles=("ndes",), powershell="ps/iis_config.ps1",
    description="applicationHost.config text (capped at 4 MiB) and the web.config files of the SCEP application",
)
HTTP_SSL_BINDINGS = PLUGIN.probe(
    "http_ssl_bindings", HttpSslBindings, roles=("ndes",), powershell="ps/http_ssl_bindings.ps1",
    description="HTTP.sys's TLS bindings from its registry (SslBindingInfo, SslSniBindingInfo, SslCcsBindingInfo)",
)
APP_POOLS = PLUGIN.probe(
    "app_pools", list[AppPool], roles=("ndes",), powershell="ps/app_pools.ps1",
    description="IIS application pools: state and identity (type and user name)",
)
IIS_IUSRS_MEMBERS = PLUGIN.probe(
    "iis_iusrs_members", list[GroupMember], roles=("ndes",), powershell="ps/iis_iusrs_members.ps1",
    description="Members of the local IIS_IUSRS group (S-1-5-32-568): SID and name",
)
NDES_EVENTS = PLUGIN.probe(
    "ndes_events", EventsData, roles=("ndes",), powershell="ps/ndes_events.ps1", budget_s=30,
    description="NDES's own events (Application log) and CAPI2 Operational errors of the look-back window",
)

LONG_URL_LIMIT = 65534  # what Intune's SCEP guidance sets for IIS and HTTP.sys: PKIOperation queries are long
HTTPSYS_DEFAULT = 16384  # MaxFieldLength's default when the value is absent (or not a REG_DWORD)
MSCEP_VALUES = ("EncryptionTemplate", "GeneralPurposeTemplate", "SignatureTemplate")
MSCEP_DEFAULT = "IPSECIntermediateOffline"
SCEP_APP_POOL = "SCEP"
NDES_PROVIDER = "Microsoft-Windows-NetworkDeviceEnrollmentService"
CAPI2_LOG = "Microsoft-Windows-CAPI2/Operational"
NDES_SUBMIT_FAILED = 31  # EVENT_MSCEP_FAIL_SUBMIT: NDES could not submit a request to the CA
EVENTS_CAPPED_FIX = Fix(
    "Shorten [thresholds] event_lookback_days in site.toml and collect again, or read the rest of the window on NDES "
    "(Event Viewer > Windows Logs > Application, source NetworkDeviceEnrollmentService, event 31).",
    "site.toml içindeki [thresholds] event_lookback_days değerini kısaltıp olguları yeniden toplayın ya da sürenin "
    "geri kalanını NDES'te okuyun (Olay Görüntüleyicisi > Windows Günlükleri > Uygulama (Application), kaynak "
    "NetworkDeviceEnrollmentService, olay 31).",
)
EVENTS_WINDOW_FIX = Fix(
    "Collect the facts again with the site.toml whose [thresholds] event_lookback_days this check uses: the fact "
    "script reads the window the facts' site section gives it.",
    "Olguları, bu denetimin kullandığı [thresholds] event_lookback_days değerini taşıyan site.toml ile yeniden "
    "toplayın: olgu betiği, olguların site bölümünün verdiği süreyi okur.",
)
# NDES's two RA certificates, by purpose, as the certificate templates console names them.
RA_LABELS = {"encryption": "CEP Encryption", "signing": "Exchange Enrollment Agent (Offline request)"}
# Windows features (Get-WindowsFeature names) Microsoft lists for NDES with the connector's SCEP feature.
NDES_FEATURES = {
    "ADCS-Device-Enrollment": "Network Device Enrollment Service",
    "Web-Server": "Web Server (IIS)",
    "Web-Filtering": "Request Filtering",
    "Web-Net-Ext45": ".NET Extensibility 4.x",
    "Web-Asp-Net45": "ASP.NET 4.x",
    "Web-Mgmt-Console": "IIS Management Console",
    "Web-Metabase": "IIS 6 Metabase Compatibility",
    "Web-WMI": "IIS 6 WMI Compatibility",
    "NET-Framework-45-Core": ".NET Framework 4.x",
    "NET-Framework-45-ASPNET": "ASP.NET 4.x (.NET Framework 4.x Features)",
    "NET-WCF-HTTP-Activation45": "WCF Services > HTTP Activation",
    "NET-Framework-Core": ".NET Framework 3.5",
    "NET-HTTP-Activation": "HTTP Activation (.NET Framework 3.5)",
}
STANDALONE_ROLES = (0, 2)  # Win32_ComputerSystem.DomainRole: standalone workstation, standalone server
RESTART_NDES = "then restart the NDES server (Microsoft: iisreset does not complete these changes)"
RESTART_NDES_TR = "ardından NDES sunucusunu yeniden başlatın (Microsoft'a göre iisreset bu değişiklikleri tamamlamaz)"


# --- RA certificates (0x00000408, 0x00000409) --------------------------------------------------------------------


def ra_certificates(certs: list[CertInfo], purpose: str) -> list[CertInfo]:
    """RA certificates for ``purpose``: the Certificate Request Agent EKU and a key that can do the job.

    The store also holds the TLS certificate (key encipherment too), hence the EKU; the job is judged as the SCEP
    probe judges GetCACert's certificates (``CertInfo.serves_ra_purpose``)."""
    return [c for c in certs if c.has_eku(OID_CERTIFICATE_REQUEST_AGENT) and c.serves_ra_purpose(purpose)]


def ra_entries(ctx: Context, purpose: str) -> list[StoreCertificate]:
    """LocalMachine\\My's RA certificates for ``purpose``, as the store probe reports them."""
    entries = ctx.read(CERTS_MY)
    chosen = {c.thumbprint for c in ra_certificates([e.info for e in entries], purpose)}
    return [e for e in entries if e.info.thumbprint in chosen]


def _ra_cert_valid(ctx: Context, purpose: str) -> Outcome:
    label = RA_LABELS[purpose]
    found = [e.info for e in ra_entries(ctx, purpose)]
    if not found:
        return failed(Msg(f"no {label} RA certificate (Certificate Request Agent EKU) in LocalMachine\\My",
                          f"LocalMachine\\My içinde {label} RA sertifikası (Certificate Request Agent EKU) yok"))
    usable = [c for c in found if c.has_private_key]
    if not usable:
        return failed(Msg(f"the {label} RA certificate has no private key",
                          f"{label} RA sertifikasının özel anahtarı yok"), newest(found).evidence(ctx.now))
    return judge_validity(newest(usable), ctx.now, ctx.settings.expiry_warning_days,
                          Msg(f"the {label} RA certificate", f"{label} RA sertifikasının"))


PURPOSE_TR = {"signature": "imza", "encryption": "şifreleme", "signature and encryption": "imza ve şifreleme"}
KEY_BROKEN_FIX = Fix(
    "Re-import the certificate with its private key into LocalMachine\\My (or request a new one from its template), "
    "then restart the NDES server.",
    "Sertifikayı özel anahtarıyla birlikte LocalMachine\\My deposuna yeniden aktarın (ya da şablonundan yenisini "
    "isteyin), ardından NDES sunucusunu yeniden başlatın.",
)
RA_RENEW = (
    "Renew NDES's RA certificates (both are issued together): on NDES run the RA renewal or re-request "
    "from the CEPEncryption and EnrollmentAgentOffline templates into LocalMachine\\My, give the NDES service "
    "account Read on their private keys (certlm.msc > All Tasks > Manage Private Keys), then iisreset."
)
RA_RENEW_TR = (
    "NDES'in RA sertifikalarını yenileyin (ikisi birlikte verilir): NDES'te RA yenilemesini çalıştırın ya da "
    "CEPEncryption ve EnrollmentAgentOffline şablonlarından LocalMachine\\My deposuna yeniden sertifika isteyin, "
    "NDES hizmet hesabına özel anahtarları üzerinde Okuma (Read) izni verin (certlm.msc > Tüm Görevler > Özel "
    "Anahtarları Yönet; Manage Private Keys), ardından iisreset çalıştırın."
)


@PLUGIN.check(
    "ra_encryption_cert_valid",
    "NDES holds a valid CEP Encryption RA certificate with its private key",
    roles=("ndes",),
    reads=(CERTS_MY,),
    codes=(SCEP_ENCRYPTION_CERT,),
    remediation=RA_RENEW,
    title_tr="NDES'te özel anahtarlı geçerli bir CEP Encryption RA sertifikası var",
    remediation_tr=RA_RENEW_TR,
    references=(ref.DEVICE_TO_NDES, ref.NDES_OVERVIEW),
)
def ra_encryption_cert_valid(ctx: Context) -> Outcome:
    return _ra_cert_valid(ctx, "encryption")


@PLUGIN.check(
    "ra_signing_cert_valid",
    "NDES holds a valid Exchange Enrollment Agent (Offline request) RA certificate with its private key",
    roles=("ndes",),
    reads=(CERTS_MY,),
    codes=(SCEP_SIGNING_CERT,),
    remediation=RA_RENEW,
    title_tr="NDES'te özel anahtarlı geçerli bir Exchange Enrollment Agent (Offline request) RA sertifikası var",
    remediation_tr=RA_RENEW_TR,
    references=(ref.DEVICE_TO_NDES, ref.NDES_OVERVIEW),
)
def ra_signing_cert_valid(ctx: Context) -> Outcome:
    return _ra_cert_valid(ctx, "signing")


# --- who NDES runs as ---------------------------------------------------------------------------------------------


def scep_pool(ctx: Context) -> AppPool | None:
    return next((p for p in ctx.read(APP_POOLS) if p.name.casefold() == SCEP_APP_POOL.casefold()), None)


def ndes_account_name(ctx: Context) -> str | None:
    """The NDES service account: site.toml's ``ndes_service_account``, else the SCEP pool's specific user."""
    pool = scep_pool(ctx)  # read always: pool data that does not have its shape verifies nothing
    if ctx.site.ndes_service_account:
        return ctx.site.ndes_service_account
    if pool is not None and pool.identity_type == "SpecificUser" and isinstance(pool.user_name, str):
        return pool.user_name or None
    return None


def account_identity(ctx: Context, account: str, label: Msg, *, in_iis_iusrs: bool) -> Identity:
    """A domain account: its token from the directory when collected (and IIS_IUSRS when it is a member, or IIS
    puts it there), else known by name only."""
    sids: set[str] = {"S-1-1-0", "S-1-5-11"}
    groups_known = False
    directories = ctx.peers("directory")
    if directories and ctx.site.ndes_service_account and same_account(account, ctx.site.ndes_service_account):
        found = directories[0].read(NDES_SERVICE_ACCOUNT)
        if len(found) == 1:
            sids |= token_sids(found[0])[0]
            groups_known = True
    if in_iis_iusrs:
        sids.add(IIS_IUSRS)
    return Identity(label, account, frozenset(sids), groups_known)


def in_iis_iusrs(ctx: Context, account: str) -> bool | None:
    """Whether ``account`` is in IIS_IUSRS (directly, or through a domain group the directory lists); None when only
    a domain group whose members were not collected could hold it."""
    members = ctx.read(IIS_IUSRS_MEMBERS)
    identity = account_identity(ctx, account, Msg(account), in_iis_iusrs=False)
    token = identity.token({m.sid: m.name for m in members})
    if any(m.sid in token for m in members):
        return True
    if identity.groups_known:
        return False
    return None if any(m.sid.startswith("S-1-5-21-") for m in members) else False


def ndes_identities(ctx: Context) -> list[Identity]:
    """The NDES service account and the SCEP pool's identity (one entry when they are the same account)."""
    pool = scep_pool(ctx)
    if pool is None:
        raise LookupError("there is no SCEP application pool")
    if isinstance(pool.identity_type, msgspec.UnsetType):
        raise LookupError("the fact script is older than this conncheck: it did not report the SCEP pool's identity")
    found: list[Identity] = []
    account = ndes_account_name(ctx)
    if account:
        found.append(account_identity(ctx, account, Msg(f"the NDES service account {account}",
                                                        f"NDES hizmet hesabı {account}"),
                                      in_iis_iusrs=bool(in_iis_iusrs(ctx, account))))
    pool_label = Msg(f"the SCEP app pool's identity ({pool.identity_type})",
                     f"SCEP uygulama havuzunun kimliği ({pool.identity_type})")
    if pool.identity_type == "SpecificUser":
        user = pool.user_name if isinstance(pool.user_name, str) else ""
        if not (account and user and same_account(user, account)):
            # IIS puts IIS_IUSRS into every worker process's token.
            found.append(account_identity(ctx, user, Msg(f"{pool_label.en} {user}", f"{pool_label.tr} {user}"),
                                          in_iis_iusrs=True))
    elif pool.identity_type == "ApplicationPoolIdentity":
        found.append(Identity(Msg(f"{pool_label.en} IIS APPPOOL\\{pool.name}", f"{pool_label.tr} IIS APPPOOL\\"
                                  f"{pool.name}"), None,
                              frozenset({app_pool_sid(pool.name), IIS_IUSRS, "S-1-1-0", "S-1-5-11"}), True))
    else:
        sid = BUILT_IN_IDENTITIES[pool.identity_type]
        found.append(Identity(pool_label, None, frozenset({sid, IIS_IUSRS, "S-1-1-0", "S-1-5-11"}), True))
    return found


# --- private keys ---------------------------------------------------------------------------------------------


def _ra_key_usable(ctx: Context, purpose: str) -> Outcome:
    label = RA_LABELS[purpose]
    what = Msg(f"the {label} RA certificate", f"{label} RA sertifikasının")
    usable = [e for e in ra_entries(ctx, purpose) if e.has_private_key]
    if not usable:
        return unknown(Msg(f"no {label} RA certificate with a private key to judge (ra_{purpose}_cert_valid says "
                           "why)", f"değerlendirilecek özel anahtarlı {label} RA sertifikası yok (nedenini "
                           f"ra_{purpose}_cert_valid söylüyor)"))
    entry = max(usable, key=lambda e: e.info.not_after)
    problem = key_not_opening(ctx, entry, what, KEY_BROKEN_FIX)
    if problem is not None:
        return problem
    key = entry.key
    assert isinstance(key, PrivateKey)
    evidence: dict[str, Any] = {**entry.info.evidence(ctx.now), "provider": key.provider}
    if key.security_b64 is None:
        return unknown(Msg(f"the key of {what.en} opens, but its permissions were not read: {key.acl_error}",
                           f"{what.tr} anahtarı açılıyor ama izinleri okunamadı: {key.acl_error}"), evidence)
    try:
        identities = ndes_identities(ctx)
    except LookupError as exc:
        return unknown(Msg(f"the key of {what.en} opens, but who NDES runs as is not known: {exc}",
                           f"{what.tr} anahtarı açılıyor ama NDES'in hangi hesapla çalıştığı bilinmiyor: {exc}"),
                       evidence)
    try:
        access, missing, undecided = key_readers(key, identities)
    except (SecurityDescriptorError, ValueError) as exc:
        return unknown(Msg(f"the key descriptor of {what.en} is unreadable: {exc}",
                           f"{what.tr} anahtar tanımlayıcısı okunamıyor: {exc}"), evidence)
    evidence["access"] = access
    if missing:
        names = ", ".join(i.account or i.label.en for i in missing)
        return failed(Msg(f"the private key of {what.en} opens, but Read on it is missing for "
                          + "; ".join(i.label.en for i in missing),
                          f"{what.tr} özel anahtarı açılıyor ama şunların Okuma (Read) izni yok: "
                          + "; ".join(str(i.label.tr) for i in missing)), evidence,
                      fix=Fix(f"On NDES, certlm.msc > Personal > Certificates > the {label} RA certificate > All Tasks "
                              f"> Manage Private Keys: add {names} with Read (remove any Deny), then restart the SCEP "
                              "application pool.",
                              f"NDES'te certlm.msc > Kişisel (Personal) > Sertifikalar > {label} RA sertifikası > Tüm "
                              f"Görevler > Özel Anahtarları Yönet (Manage Private Keys): {names} için Okuma (Read) "
                              "izni ekleyin (varsa Reddet (Deny) girdisini kaldırın), ardından SCEP uygulama havuzunu "
                              "yeniden başlatın."))
    if undecided:
        return unknown(Msg(f"the private key of {what.en} opens; Read reaches "
                           + "; ".join(i.label.en for i in undecided)
                           + " only through groups whose members were not collected (add an [ldap] section)",
                           f"{what.tr} özel anahtarı açılıyor; Okuma (Read) izni "
                           + "; ".join(str(i.label.tr) for i in undecided)
                           + " için yalnızca üyeleri toplanmamış gruplar üzerinden gelebilir ([ldap] bölümü ekleyin)"),
                       evidence)
    return passed(Msg(f"the private key of {what.en} opens and " + "; ".join(i.label.en for i in identities)
                      + " may read it", f"{what.tr} özel anahtarı açılıyor ve "
                      + "; ".join(str(i.label.tr) for i in identities) + " onu okuyabilir"), evidence)


RA_KEY_FIX = (
    "If the key does not open, re-enroll the RA certificate (its key is missing or damaged: renew NDES's RA "
    "certificates); if an account lacks Read, add it in certlm.msc > the RA certificate > All Tasks > Manage Private "
    "Keys; then restart the SCEP application pool."
)
RA_KEY_FIX_TR = (
    "Anahtar açılmıyorsa RA sertifikasını yeniden kaydedin (anahtarı yok ya da bozuk: NDES'in RA sertifikalarını "
    "yenileyin); bir hesabın Okuma (Read) izni yoksa certlm.msc > RA sertifikası > Tüm Görevler > Özel Anahtarları "
    "Yönet (Manage Private Keys) ile ekleyin; ardından SCEP uygulama havuzunu yeniden başlatın."
)


@PLUGIN.check(
    "ra_encryption_key_usable",
    "The CEP Encryption RA key opens and the NDES service account and SCEP app pool identity may read it",
    roles=("ndes",),
    reads=(CERTS_MY, HOST_INFO, APP_POOLS, IIS_IUSRS_MEMBERS, NDES_SERVICE_ACCOUNT.on("directory")),
    codes=(SCEP_ENCRYPTION_CERT,),
    remediation=RA_KEY_FIX,
    title_tr="CEP Encryption RA anahtarı açılıyor; NDES hizmet hesabı ve SCEP uygulama havuzu kimliği onu okuyabiliyor",
    remediation_tr=RA_KEY_FIX_TR,
    references=(ref.DEVICE_TO_NDES, ref.NDES_ACCOUNT),
)
def ra_encryption_key_usable(ctx: Context) -> Outcome:
    return _ra_key_usable(ctx, "encryption")


@PLUGIN.check(
    "ra_signing_key_usable",
    "The Exchange Enrollment Agent (Offline request) RA key opens and the NDES accounts may read it",
    roles=("ndes",),
    reads=(CERTS_MY, HOST_INFO, APP_POOLS, IIS_IUSRS_MEMBERS, NDES_SERVICE_ACCOUNT.on("directory")),
    codes=(SCEP_SIGNING_CERT,),
    remediation=RA_KEY_FIX,
    title_tr="Exchange Enrollment Agent (Offline request) RA anahtarı açılıyor ve NDES hesapları onu okuyabiliyor",
    remediation_tr=RA_KEY_FIX_TR,
    references=(ref.DEVICE_TO_NDES, ref.NDES_ACCOUNT),
)
def ra_signing_key_usable(ctx: Context) -> Outcome:
    return _ra_key_usable(ctx, "signing")


# --- IIS request filtering, HTTP.sys (0x00000410) -----------------------------------------------------------------


@PLUGIN.check(
    "iis_request_limits",
    "IIS request filtering allows SCEP's long URLs and queries",
    roles=("ndes",),
    reads=(IIS_CONFIG,),
    codes=(SCEP_DESERIALIZE,),
    remediation="In IIS Manager > Default Web Site > Request Filtering > Edit Feature Settings set Maximum URL "
    "length and Maximum query string to 65534 (or appcmd set config … requestLimits), lower no limit in a web.config "
    "below it, then restart the NDES server.",
    title_tr="IIS istek filtreleme SCEP'in uzun URL ve sorgularına izin veriyor",
    remediation_tr="IIS Yöneticisi'nde (IIS Manager) Default Web Site > İstek Filtreleme (Request Filtering) > "
    "Özellik Ayarlarını Düzenle (Edit Feature Settings) altında en büyük URL uzunluğunu (Maximum URL length) ve en "
    "büyük sorgu dizesini (Maximum query string) 65534 yapın (ya da appcmd set config … requestLimits), altındaki "
    "hiçbir web.config dosyasında bu sınırları düşürmeyin, ardından NDES sunucusunu yeniden başlatın.",
    references=(ref.DEVICE_TO_NDES,),
)
def iis_request_limits(ctx: Context) -> Outcome:
    config = ctx.read(IIS_CONFIG)
    if config.text is None:
        return unknown(Msg(f"{config.path} was not found: is IIS installed?",
                           f"{config.path} bulunamadı: IIS kurulu mu?"), {"path": config.path})
    if isinstance(config.web_configs, msgspec.UnsetType):
        return unknown(Msg("the fact script is older than this conncheck: it did not read the site's and the SCEP "
                           "application's web.config files, which may lower the limits",
                           "olgu betiği bu conncheck'ten eski: sınırları düşürebilecek sitenin ve SCEP uygulamasının "
                           "web.config dosyalarını okumadı"), {"path": config.path})
    if config.web_configs is None:
        return unknown(Msg(f"the web.config files of the SCEP application could not be listed: "
                           f"{config.web_configs_error}",
                           f"SCEP uygulamasının web.config dosyaları listelenemedi: {config.web_configs_error}"),
                       {"path": config.path})
    web_configs = [ConfigFile(w.path, w.text, w.virtual_path) for w in config.web_configs if w.text is not None]
    try:
        limits = effective_limits(ConfigFile(config.path, config.text), web_configs)
    except (ElementTree.ParseError, ValueError) as exc:
        return unknown(Msg(f"an IIS configuration file is not readable (or was cut at its size cap): {exc}",
                           f"bir IIS yapılandırma dosyası okunamıyor (ya da boyut sınırında kesildi): {exc}"))
    evidence: dict[str, Any] = {name: limit.value for name, limit in limits.items()}
    evidence["set_by"] = {name: limit.source for name, limit in limits.items()}
    evidence["web_configs"] = [w.path for w in web_configs]
    short = {name: limit for name, limit in limits.items() if limit.value < LONG_URL_LIMIT}
    if short:
        where = "; ".join(f"{name}={limit.value} ({limit.source})" for name, limit in short.items())
        return failed(Msg(f"request limits too small for SCEP: {where} (need {LONG_URL_LIMIT})",
                          f"istek sınırları SCEP için küçük: {where} (gereken {LONG_URL_LIMIT})"), evidence)
    return passed(Msg(f"maxUrl={evidence['maxUrl']} and maxQueryString={evidence['maxQueryString']} in effect for "
                      "/CertSrv/mscep", f"/CertSrv/mscep için geçerli değerler: maxUrl={evidence['maxUrl']} ve "
                      f"maxQueryString={evidence['maxQueryString']}"), evidence)


@PLUGIN.check(
    "httpsys_limits",
    "HTTP.sys accepts SCEP's long request lines",
    roles=("ndes",),
    reads=(HTTPSYS_PARAMETERS,),
    codes=(SCEP_DESERIALIZE,),
    remediation="Set MaxFieldLength and MaxRequestBytes (REG_DWORD) to 65534 under "
    "HKLM\\SYSTEM\\CurrentControlSet\\Services\\HTTP\\Parameters and restart the server.",
    title_tr="HTTP.sys SCEP'in uzun istek satırlarını kabul ediyor",
    remediation_tr="HKLM\\SYSTEM\\CurrentControlSet\\Services\\HTTP\\Parameters altında MaxFieldLength ve "
    "MaxRequestBytes (REG_DWORD) değerlerini 65534 yapın ve sunucuyu yeniden başlatın.",
    references=(ref.DEVICE_TO_NDES,),
)
def httpsys_limits(ctx: Context) -> Outcome:
    key = ctx.read(HTTPSYS_PARAMETERS)
    names = ("MaxFieldLength", "MaxRequestBytes")
    evidence: dict[str, Any] = {name: (key or {}).get(name) for name in names}
    evidence["types"] = {name: registry_kind((key or {}).get(name)) for name in names}
    short_en, short_tr = [], []
    for name in names:
        value = registry_dword(key, name)
        if value is None and (key or {}).get(name) is not None:
            # HTTP.sys reads these as REG_DWORD only; a REG_SZ "65534" is ignored and the default applies.
            kind = registry_kind((key or {}).get(name))
            short_en.append(f"{name} is {kind}, which HTTP.sys ignores (default {HTTPSYS_DEFAULT} applies)")
            short_tr.append(f"{name} {kind} türünde, HTTP.sys bunu yok sayar (varsayılan {HTTPSYS_DEFAULT} geçerli)")
        elif value is None or value < LONG_URL_LIMIT:
            short_en.append(f"{name}={'default (16384)' if value is None else value}")
            short_tr.append(f"{name}={'varsayılan (16384)' if value is None else value}")
    if short_en:
        return failed(Msg("HTTP.sys limits too small: " + "; ".join(short_en) + f" (need {LONG_URL_LIMIT}, REG_DWORD)",
                          "HTTP.sys sınırları küçük: " + "; ".join(short_tr)
                          + f" (gereken {LONG_URL_LIMIT}, REG_DWORD)"), evidence)
    return passed(Msg("MaxFieldLength and MaxRequestBytes are at least 65534 (REG_DWORD)",
                      "MaxFieldLength ve MaxRequestBytes en az 65534 (REG_DWORD)"), evidence)


# --- MSCEP templates (0x00000410) ---------------------------------------------------------------------------------


NAME_SCEP_TEMPLATE_FIX = Fix(
    "Name the SCEP template (its name, not its display name) in site.toml [site] scep_template and check again.",
    "SCEP şablonunu (görünen adını değil, adını) site.toml [site] scep_template içinde belirtin ve yeniden denetleyin.",
)


@PLUGIN.check(
    "mscep_templates_set",
    "NDES's MSCEP registry names the site's SCEP template",
    roles=("ndes",),
    reads=(MSCEP_REGISTRY,),
    codes=(SCEP_DESERIALIZE,),
    remediation="Set EncryptionTemplate, GeneralPurposeTemplate and SignatureTemplate under "
    "HKLM\\SOFTWARE\\Microsoft\\Cryptography\\MSCEP to the SCEP template's name (not its display name), "
    f"{RESTART_NDES}.",
    title_tr="NDES'in MSCEP kayıt defteri değerleri sitenin SCEP şablonunu adlandırıyor",
    remediation_tr="HKLM\\SOFTWARE\\Microsoft\\Cryptography\\MSCEP altındaki EncryptionTemplate, "
    "GeneralPurposeTemplate ve SignatureTemplate değerlerini SCEP şablonunun adına (görünen adına değil) ayarlayın, "
    f"{RESTART_NDES_TR}.",
    references=(ref.SCEP_CONFIGURE, ref.NDES_EVENT_31),
)
def mscep_templates_set(ctx: Context) -> Outcome:
    key = ctx.read(MSCEP_REGISTRY)
    if key is None:
        return failed(Msg("the MSCEP registry key does not exist: NDES is not configured",
                          "MSCEP kayıt defteri anahtarı yok: NDES yapılandırılmamış"))
    values = {name: registry_string(key, name) for name in MSCEP_VALUES}
    evidence: dict[str, Any] = dict(values)
    missing = [n for n, v in values.items() if not v]
    if missing:
        return failed(Msg("MSCEP values missing (or not REG_SZ): " + ", ".join(missing),
                          "eksik (ya da REG_SZ olmayan) MSCEP değerleri: " + ", ".join(missing)), evidence)
    expected = ctx.site.scep_template
    if all(v == MSCEP_DEFAULT for v in values.values()):
        return failed(Msg(f"all MSCEP values are still the default {MSCEP_DEFAULT}",
                          f"tüm MSCEP değerleri hâlâ varsayılan {MSCEP_DEFAULT}"), evidence)
    if expected:
        evidence["expected"] = expected
        matching = [n for n, v in values.items() if str(v).casefold() == expected.casefold()]
        if not matching:
            return failed(Msg(f"no MSCEP value names the site's SCEP template {expected}",
                              f"hiçbir MSCEP değeri sitenin SCEP şablonu {expected} adını taşımıyor"), evidence)
        if len(matching) < len(values):
            others = ", ".join(n for n in values if n not in matching)
            return warned(Msg(f"{others} do not name {expected}; fine only if the template's purpose matches the "
                              "values that do",
                              f"{others} {expected} adını taşımıyor; bu yalnızca şablonun amacı onu adlandıran "
                              "değerlerle örtüşüyorsa sorun değildir"), evidence)
    listed = ", ".join(f"{n}={v}" for n, v in values.items())
    if not expected:
        return unknown(Msg(f"the MSCEP values are set ({listed}), but site.toml names no scep_template to compare "
                           "them with",
                           f"MSCEP değerleri ayarlı ({listed}), ancak site.toml karşılaştırılacak bir scep_template "
                           "adlandırmıyor"), evidence,
                       fix=NAME_SCEP_TEMPLATE_FIX)
    return passed(Msg(f"MSCEP values set: {listed}", f"MSCEP değerleri ayarlı: {listed}"), evidence)


@PLUGIN.check(
    "scep_template_in_mscep_registry",
    "NDES's MSCEP registry value for the template's purpose names it",
    roles=("ndes",),
    reads=(MSCEP_REGISTRY, CERTIFICATE_TEMPLATES.on("directory")),
    codes=(SCEP_DESERIALIZE,),
    remediation="On NDES set HKLM\\SOFTWARE\\Microsoft\\Cryptography\\MSCEP <value for the purpose> to the template's "
    f"name, {RESTART_NDES}.",
    title_tr="NDES'te şablonun amacına ait MSCEP kayıt defteri değeri şablonu adlandırıyor",
    remediation_tr="NDES'te HKLM\\SOFTWARE\\Microsoft\\Cryptography\\MSCEP altında <amaca karşılık gelen değer> "
    f"değerini şablonun adına ayarlayın, {RESTART_NDES_TR}.",
    references=(ref.SCEP_CONFIGURE,),
)
def scep_template_in_mscep_registry(ctx: Context) -> Outcome:
    if not ctx.peers("directory"):
        if "directory" in ctx.site.roles_expected:
            return unknown(Msg("the site has a directory ([ldap]) but these facts hold none",
                               "sitenin bir dizini ([ldap]) var ama bu olgularda yok"))
        return skipped(Msg("the directory was not read: the template's purpose is not known",
                           "dizin okunmadı: şablonun amacı bilinmiyor"))
    if not ctx.site.scep_template:
        return unknown(Msg("NDES is here, but site.toml names no scep_template whose purpose to look up in the "
                           "directory", "NDES burada, ancak site.toml amacı dizinde aranacak bir scep_template "
                           "adlandırmıyor"), fix=NAME_SCEP_TEMPLATE_FIX)
    template, problem = scep_template(ctx.peer("directory"))
    if problem:
        return problem
    assert template is not None
    registry = ctx.read(MSCEP_REGISTRY)
    purpose = template_purpose(template)
    if purpose is None:
        return unknown(Msg("cannot tell the template's purpose (no pKIKeyUsage)",
                           "şablonun amacı anlaşılamıyor (pKIKeyUsage yok)"), template_evidence(template))
    if registry is None:
        return unknown(Msg("the MSCEP registry key does not exist on NDES (mscep_templates_set reports it)",
                           "NDES'te MSCEP kayıt defteri anahtarı yok (mscep_templates_set bunu bildiriyor)"),
                       template_evidence(template))
    value_name = MSCEP_VALUE_BY_PURPOSE[purpose]
    name = first(template, "name") or first(template, "cn") or ""
    evidence = {**template_evidence(template), "purpose": purpose, "registry_value": value_name, "mscep": registry}
    value = registry.get(value_name)
    if registry_string(registry, value_name) is None or str(value).casefold() != name.casefold():
        return failed(Msg(f"MSCEP {value_name} is {value!r}, not the {purpose} template {name}",
                          f"MSCEP {value_name} değeri {value!r}; {PURPOSE_TR[purpose]} amaçlı {name} şablonu değil"),
                      evidence)
    return passed(Msg(f"MSCEP {value_name} names {name} ({purpose})",
                      f"MSCEP {value_name} değeri {name} şablonunu adlandırıyor ({PURPOSE_TR[purpose]})"), evidence)


# --- placement, features (0x0FFFFFFF) -----------------------------------------------------------------------------


@PLUGIN.check(
    "ndes_not_on_ca_or_dc",
    "NDES runs on its own member server, not on the CA or a domain controller",
    roles=("ndes",),
    reads=(HOST_INFO, WINDOWS_FEATURES, SERVICES),
    codes=(UNKNOWN_ERROR,),
    remediation="Install NDES and the connector on a dedicated member server, joined to a domain of the Enterprise "
    "CA's forest; Microsoft does not support NDES on the issuing CA or on a domain controller.",
    title_tr="NDES ayrı bir üye sunucuda; CA veya etki alanı denetleyicisinde değil",
    remediation_tr="NDES'i ve bağlayıcıyı yalnızca bu işe ayrılmış, Kurumsal CA'nın ormanındaki bir etki alanına "
    "katılmış bir üye sunucuya kurun; Microsoft, NDES'i sertifika veren CA'da veya bir etki alanı denetleyicisinde "
    "desteklemez.",
    references=(ref.SCEP_CONFIGURE,),
)
def ndes_not_on_ca_or_dc(ctx: Context) -> Outcome:
    role = ctx.read(HOST_INFO).domain_role
    evidence = {"domain_role": role}
    if role >= 4:
        return failed(Msg("NDES is installed on a domain controller",
                          "NDES bir etki alanı denetleyicisine kurulmuş"), evidence)
    if role in STANDALONE_ROLES:
        return failed(Msg("the NDES server is not joined to a domain (a standalone server): Microsoft requires it "
                          "domain-joined, in the Enterprise CA's forest",
                          "NDES sunucusu bir etki alanına katılmamış (tek başına sunucu): Microsoft, sunucunun "
                          "Kurumsal CA'nın ormanında bir etki alanına katılmış olmasını şart koşar"), evidence,
                      fix=Fix("Join the NDES server to a domain of the Enterprise CA's forest (or install NDES and the "
                              "connector on a member server there), then configure NDES again with its domain service "
                              "account.",
                              "NDES sunucusunu Kurumsal CA'nın ormanındaki bir etki alanına katın (ya da NDES'i ve "
                              "bağlayıcıyı oradaki bir üye sunucuya kurun), ardından NDES'i etki alanı hizmet "
                              "hesabıyla yeniden yapılandırın."))
    features = {name.casefold() for name in ctx.read(WINDOWS_FEATURES)}  # Windows names them without regard to case
    if "adcs-cert-authority" in features or service(ctx, "CertSvc") is not None:
        return failed(Msg("NDES is installed on the certification authority", "NDES sertifika yetkilisine (CA) "
                          "kurulmuş"), evidence)
    return passed(Msg("NDES runs on a member server without the CA role",
                      "NDES, CA rolü olmayan bir üye sunucuda çalışıyor"), evidence)


@PLUGIN.check(
    "ndes_windows_features",
    "The Windows features NDES and the connector's SCEP feature need are installed",
    roles=("ndes",),
    reads=(WINDOWS_FEATURES,),
    codes=(UNKNOWN_ERROR,),
    remediation="Install the missing features on NDES (Server Manager > Add Roles and Features, or "
    "Install-WindowsFeature <names>): Network Device Enrollment Service, IIS with Request Filtering, .NET "
    "Extensibility 4.x, ASP.NET 4.x, the IIS Management Console and IIS 6 Metabase and WMI Compatibility, .NET "
    "Framework 4.x with ASP.NET and WCF HTTP Activation, .NET Framework 3.5 with HTTP Activation.",
    title_tr="NDES'in ve bağlayıcının SCEP özelliğinin gerektirdiği Windows özellikleri kurulu",
    remediation_tr="Eksik özellikleri NDES'e kurun (Sunucu Yöneticisi > Rol ve Özellik Ekle (Add Roles and "
    "Features) ya da Install-WindowsFeature <adlar>): Network Device Enrollment Service, İstek Filtreleme (Request "
    "Filtering) ile IIS, .NET Extensibility 4.x, ASP.NET 4.x, IIS Yönetim Konsolu ile IIS 6 Metabase ve WMI "
    "Uyumluluğu, ASP.NET ve WCF HTTP Etkinleştirme ile .NET Framework 4.x, HTTP Etkinleştirme ile .NET Framework "
    "3.5.",
    references=(ref.CONNECTOR_PREREQUISITES, ref.SCEP_CONFIGURE),
)
def ndes_windows_features(ctx: Context) -> Outcome:
    installed = {name.casefold() for name in ctx.read(WINDOWS_FEATURES)}
    missing = {name: label for name, label in NDES_FEATURES.items() if name.casefold() not in installed}
    evidence = {"required": list(NDES_FEATURES), "missing": missing}
    if missing:
        names = ",".join(missing)
        listed = ", ".join(f"{label} ({name})" for name, label in missing.items())
        return failed(Msg(f"not installed: {listed}", f"kurulu değil: {listed}"), evidence,
                      fix=Fix(f"On NDES run Install-WindowsFeature {names} (or add them in Server Manager), then "
                              "restart the server.",
                              f"NDES'te Install-WindowsFeature {names} çalıştırın (ya da Sunucu Yöneticisi'nden "
                              "ekleyin), ardından sunucuyu yeniden başlatın."))
    return passed(Msg(f"all {len(NDES_FEATURES)} features Microsoft lists for NDES are installed",
                      f"Microsoft'un NDES için listelediği {len(NDES_FEATURES)} özelliğin tümü kurulu"), evidence)


# --- the TLS binding (0x0FFFFFFF) ---------------------------------------------------------------------------------


def https_bindings(bindings: HttpSslBindings, host: str) -> dict[str, tuple[str, str]]:
    """The certificates HTTP.sys serves on port 443 for ``host``: endpoint → (thumbprint, store name). An SNI binding
    for the host name wins over IP bindings, as HTTP.sys picks it first."""
    found: dict[str, tuple[str, str]] = {}
    for kind in ("SslSniBindingInfo", "SslBindingInfo"):
        for endpoint, key in (bindings.get(kind) or {}).items():
            name, _, port = endpoint.rpartition(":")
            if port != "443" or (kind == "SslSniBindingInfo" and name.casefold() != host.casefold()):
                continue
            raw = registry_string(key, "SslCertHash")
            if raw is None:
                continue
            thumbprint = base64.b64decode(raw).hex().upper()
            found[endpoint] = (thumbprint, registry_string(key, "SslCertStoreName") or "MY")
        if found:
            return found
    return found


def bound_certificate(ctx: Context, fqdn: str) -> tuple[str, StoreCertificate] | Outcome:
    """(endpoint, the LocalMachine\\My certificate HTTP.sys serves on 443 for ``fqdn``), or the outcome saying why
    there is none to judge."""
    bindings = ctx.read(HTTP_SSL_BINDINGS)
    try:
        on_443 = https_bindings(bindings, fqdn)
    except ValueError as exc:
        return unknown(Msg(f"an SslCertHash value is not base64: {exc}", f"bir SslCertHash değeri base64 değil: {exc}"))
    if not on_443:
        ccs = [e for e in (bindings.get("SslCcsBindingInfo") or {}) if e.rpartition(":")[2] == "443"]
        if ccs:
            return unknown(Msg("port 443 takes its certificate from IIS's Centralized Certificate Store, which "
                               "conncheck does not read", "443 numaralı bağlantı noktası sertifikasını IIS'in Merkezi "
                               "Sertifika Deposu'ndan (Centralized Certificate Store) alıyor; conncheck onu okumaz"),
                           {"bindings": ccs})
        return failed(Msg("no HTTPS certificate is bound to port 443",
                          "443 numaralı bağlantı noktasına bağlı bir HTTPS sertifikası yok"),
                      {"bindings": sorted(bindings)})
    endpoint, (thumbprint, store_name) = next(iter(sorted(on_443.items())))
    evidence = {"binding": endpoint, "thumbprint": thumbprint, "store": store_name}
    if store_name.upper() != "MY":
        return unknown(Msg(f"the certificate bound to {endpoint} lives in the {store_name} store, which conncheck does "
                           "not read", f"{endpoint} bağlamasındaki sertifika {store_name} deposunda; conncheck o "
                           "depoyu okumaz"), evidence)
    entry = next((e for e in ctx.read(CERTS_MY) if e.info.thumbprint == thumbprint), None)
    if entry is None:
        return failed(Msg(f"the certificate bound to {endpoint} ({thumbprint}) is not in LocalMachine\\My",
                          f"{endpoint} bağlamasındaki sertifika ({thumbprint}) LocalMachine\\My içinde değil"),
                      evidence)
    return endpoint, entry


def ndes_fqdn(ctx: Context) -> str:
    host_fqdn = ctx.read(HOST_INFO).fqdn  # read always: a host whose identity is malformed verifies nothing
    return ctx.site.ndes_fqdn or host_fqdn or ctx.host


TLS_FIX = ("Bind a certificate to port 443 of the Default Web Site that is valid, has Server Authentication, "
           "names the NDES FQDN (internal and external) in its SAN, and whose private key is in LocalMachine\\My.")
TLS_FIX_TR = ("Default Web Site sitesinin 443 numaralı bağlantı noktasına geçerli, Sunucu Kimlik Doğrulaması (Server "
              "Authentication) amacını taşıyan, SAN alanında NDES FQDN'sini (iç ve dış) içeren ve özel anahtarı "
              "LocalMachine\\My içinde olan bir sertifika bağlayın.")


@PLUGIN.check(
    "tls_binding_cert_valid",
    "The NDES HTTPS binding's certificate is valid for the NDES name",
    roles=("ndes",),
    reads=(HTTP_SSL_BINDINGS, CERTS_MY, HOST_INFO),
    codes=(UNKNOWN_ERROR,),
    remediation=TLS_FIX,
    title_tr="NDES HTTPS bağlamasının sertifikası NDES adı için geçerli",
    remediation_tr=TLS_FIX_TR,
    references=(ref.SCEP_CONFIGURE,),
)
def tls_binding_cert_valid(ctx: Context) -> Outcome:
    fqdn = ndes_fqdn(ctx)
    bound = bound_certificate(ctx, fqdn)
    if isinstance(bound, Outcome):
        return bound
    endpoint, entry = bound
    cert = entry.info
    evidence: dict[str, Any] = {"binding": endpoint, "expected_name": fqdn, **cert.evidence(ctx.now)}
    if not cert.has_eku(OID_SERVER_AUTH) and cert.ekus:
        return failed(Msg("the bound certificate lacks Server Authentication",
                          "bağlı sertifikada Sunucu Kimlik Doğrulaması (Server Authentication) yok"), evidence)
    match = host_name_match(cert, fqdn)
    if match == "no":
        sans = ", ".join(cert.dns_names) or "none"
        return failed(Msg(f"the bound certificate does not name {fqdn} (SAN: {sans})",
                          f"bağlı sertifika {fqdn} adını taşımıyor (SAN: {sans})"), evidence)
    if match == "cn only":
        return warned(Msg(f"the bound certificate names {fqdn} only in its CN, which Apple devices and browsers "
                          "ignore: put the name in the Subject Alternative Name",
                          f"bağlı sertifika {fqdn} adını yalnızca CN alanında taşıyor; Apple aygıtları ve tarayıcılar "
                          "bunu yok sayar: adı Konu Alternatif Adı'na (SAN) ekleyin"), evidence)
    return judge_validity(cert, ctx.now, ctx.settings.expiry_warning_days,
                          Msg("the NDES TLS certificate", "NDES TLS sertifikasının"))


@PLUGIN.check(
    "tls_binding_key_opens",
    "The private key of the NDES HTTPS binding's certificate opens",
    roles=("ndes",),
    reads=(HTTP_SSL_BINDINGS, CERTS_MY, HOST_INFO),
    codes=(UNKNOWN_ERROR,),
    remediation="Re-import the bound certificate with its private key into LocalMachine\\My (or request a new one) "
    "and bind it to port 443 of the Default Web Site again: HTTPS cannot work without the key.",
    title_tr="NDES HTTPS bağlamasındaki sertifikanın özel anahtarı açılıyor",
    remediation_tr="Bağlı sertifikayı özel anahtarıyla birlikte LocalMachine\\My deposuna yeniden aktarın (ya da "
    "yenisini isteyin) ve Default Web Site sitesinin 443 numaralı bağlantı noktasına yeniden bağlayın: HTTPS anahtar "
    "olmadan çalışamaz.",
    references=(ref.SCEP_CONFIGURE,),
)
def tls_binding_key_opens(ctx: Context) -> Outcome:
    bound = bound_certificate(ctx, ndes_fqdn(ctx))
    if isinstance(bound, Outcome):
        return bound
    endpoint, entry = bound
    what = Msg(f"the certificate bound to {endpoint}", f"{endpoint} bağlamasındaki sertifikanın")
    problem = key_not_opening(ctx, entry, what, KEY_BROKEN_FIX)
    if problem is not None:
        return problem
    key = entry.key
    assert isinstance(key, PrivateKey)
    return passed(Msg(f"the private key of {what.en} opens ({key.provider})",
                      f"{what.tr} özel anahtarı açılıyor ({key.provider})"),
                  {"binding": endpoint, **entry.info.evidence(ctx.now), "provider": key.provider})


# --- the SCEP application pool, IIS, IIS_IUSRS (0x0FFFFFFF) -------------------------------------------------------


@PLUGIN.check(
    "scep_app_pool_started",
    "The SCEP application pool is started",
    roles=("ndes",),
    reads=(APP_POOLS,),
    codes=(UNKNOWN_ERROR,),
    remediation="Start the SCEP application pool in IIS Manager; if it stops again, look for an intermediate CA in "
    "the Trusted Root store, a locked NDES service account or an expired RA certificate.",
    title_tr="SCEP uygulama havuzu başlatılmış",
    remediation_tr="SCEP uygulama havuzunu IIS Yöneticisi'nde (IIS Manager) başlatın; yeniden durursa Güvenilen Kök "
    "deposunda bir ara CA sertifikası, kilitlenmiş bir NDES hizmet hesabı ya da süresi dolmuş bir RA sertifikası "
    "arayın.",
    references=(ref.DEVICE_TO_NDES,),
)
def scep_app_pool_started(ctx: Context) -> Outcome:
    pool = scep_pool(ctx)
    pools = {p.name: p.state for p in ctx.read(APP_POOLS)}
    if pool is None:
        return failed(Msg("there is no SCEP application pool: NDES is not installed or not configured",
                          "SCEP uygulama havuzu yok: NDES kurulu ya da yapılandırılmış değil"), {"pools": pools})
    if pool.state != "Started":
        return failed(Msg(f"the SCEP application pool is {pool.state}",
                          f"SCEP uygulama havuzunun durumu: {pool.state}"), {"pools": pools})
    return passed(Msg("the SCEP application pool is started", "SCEP uygulama havuzu başlatılmış"), {"pools": pools})


@PLUGIN.check(
    "scep_app_pool_identity",
    "The SCEP application pool runs as the NDES service account",
    roles=("ndes",),
    reads=(APP_POOLS,),
    codes=(UNKNOWN_ERROR,),
    remediation="In IIS Manager > Application Pools > SCEP > Advanced Settings > Identity, choose Custom account and "
    "enter the NDES service account (or re-run the AD CS configuration of NDES with that account), then restart the "
    "NDES server.",
    title_tr="SCEP uygulama havuzu NDES hizmet hesabıyla çalışıyor",
    remediation_tr="IIS Yöneticisi'nde (IIS Manager) Uygulama Havuzları (Application Pools) > SCEP > Gelişmiş "
    "Ayarlar (Advanced Settings) > Kimlik (Identity) altında Özel hesap (Custom account) seçip NDES hizmet hesabını "
    "girin (ya da NDES'in AD CS yapılandırmasını bu hesapla yeniden çalıştırın), ardından NDES sunucusunu yeniden "
    "başlatın.",
    references=(ref.CONNECTOR_PREREQUISITES, ref.NDES_ACCOUNT),
)
def scep_app_pool_identity(ctx: Context) -> Outcome:
    pool = scep_pool(ctx)
    if pool is None:
        return unknown(Msg("there is no SCEP application pool (scep_app_pool_started says so)",
                           "SCEP uygulama havuzu yok (scep_app_pool_started bunu bildiriyor)"))
    if isinstance(pool.identity_type, msgspec.UnsetType):
        return unknown(Msg("the fact script is older than this conncheck: it did not report the pool's identity",
                           "olgu betiği bu conncheck'ten eski: havuzun kimliğini bildirmedi"))
    user = pool.user_name if isinstance(pool.user_name, str) else ""
    expected = ctx.site.ndes_service_account
    evidence = {"identity_type": pool.identity_type, "user_name": user or None, "expected": expected}
    if pool.identity_type != "SpecificUser" or not user:
        return failed(Msg(f"the SCEP pool runs as its built-in identity ({pool.identity_type}), not as a service "
                          "account", f"SCEP havuzu bir hizmet hesabıyla değil, yerleşik kimliğiyle "
                          f"({pool.identity_type}) çalışıyor"), evidence)
    if expected and not same_account(user, expected):
        return failed(Msg(f"the SCEP pool runs as {user}, not as the NDES service account {expected}",
                          f"SCEP havuzu NDES hizmet hesabı {expected} ile değil, {user} ile çalışıyor"), evidence,
                      fix=Fix(f"Set the SCEP pool's identity to {expected} (IIS Manager > Application Pools > SCEP > "
                              "Advanced Settings > Identity), or correct ndes_service_account in site.toml if "
                              f"{user} is the NDES service account; then restart the NDES server.",
                              f"SCEP havuzunun kimliğini {expected} yapın (IIS Yöneticisi > Uygulama Havuzları > SCEP "
                              f"> Gelişmiş Ayarlar > Kimlik) ya da NDES hizmet hesabı {user} ise site.toml'daki "
                              "ndes_service_account değerini düzeltin; ardından NDES sunucusunu yeniden başlatın."))
    if not expected:
        return passed(Msg(f"the SCEP pool runs as {user} (site.toml names no ndes_service_account to compare)",
                          f"SCEP havuzu {user} ile çalışıyor (site.toml'da karşılaştırılacak ndes_service_account "
                          "yok)"), evidence)
    return passed(Msg(f"the SCEP pool runs as the NDES service account {user}",
                      f"SCEP havuzu NDES hizmet hesabı {user} ile çalışıyor"), evidence)


@PLUGIN.check(
    "ndes_account_in_iis_iusrs",
    "The NDES service account is a member of the local IIS_IUSRS group",
    roles=("ndes",),
    reads=(IIS_IUSRS_MEMBERS, APP_POOLS, NDES_SERVICE_ACCOUNT.on("directory")),
    codes=(UNKNOWN_ERROR,),
    remediation="On NDES add the NDES service account to the local IIS_IUSRS group (Computer Management > Local Users "
    "and Groups > Groups > IIS_IUSRS, or net localgroup IIS_IUSRS <DOMAIN>\\<account> /add), then restart the NDES "
    "server.",
    title_tr="NDES hizmet hesabı yerel IIS_IUSRS grubunun üyesi",
    remediation_tr="NDES'te NDES hizmet hesabını yerel IIS_IUSRS grubuna ekleyin (Bilgisayar Yönetimi > Yerel "
    "Kullanıcılar ve Gruplar > Gruplar > IIS_IUSRS ya da net localgroup IIS_IUSRS <ETKİ_ALANI>\\<hesap> /add), "
    "ardından NDES sunucusunu yeniden başlatın.",
    references=(ref.CONNECTOR_PREREQUISITES, ref.NDES_ACCOUNT, ref.SCEP_CONFIGURE),
)
def ndes_account_in_iis_iusrs(ctx: Context) -> Outcome:
    account = ndes_account_name(ctx)
    members = ctx.read(IIS_IUSRS_MEMBERS)
    evidence: dict[str, Any] = {"account": account,
                                "members": [m.name or sid_label(m.sid) for m in members]}
    if account is None:
        pool = scep_pool(ctx)
        if pool is not None and (pool.identity_type in BUILT_IN_IDENTITIES
                                 or pool.identity_type == "ApplicationPoolIdentity"):
            return skipped(Msg("no NDES service account: site.toml names none and the SCEP pool runs as a built-in "
                               "identity, which IIS puts in IIS_IUSRS itself",
                               "NDES hizmet hesabı yok: site.toml bir hesap adlandırmıyor ve SCEP havuzu, IIS'in "
                               "IIS_IUSRS'a kendisinin eklediği yerleşik bir kimlikle çalışıyor"), evidence)
        why = Msg("there is no SCEP application pool", "SCEP uygulama havuzu yok") if pool is None else Msg(
            "the fact script did not report the SCEP pool's identity",
            "olgu betiği SCEP havuzunun kimliğini bildirmedi")
        return unknown(Msg(f"the NDES service account is not known: site.toml names none and {why.en}",
                           f"NDES hizmet hesabı bilinmiyor: site.toml bir hesap adlandırmıyor ve {why.tr}"), evidence,
                       fix=NDES_ACCOUNT_FIX)
    member = in_iis_iusrs(ctx, account)
    if member:
        return passed(Msg(f"{account} is a member of IIS_IUSRS", f"{account} IIS_IUSRS grubunun üyesi"), evidence)
    if member is None:
        return unknown(Msg(f"{account} is not a direct member of IIS_IUSRS; a domain group in it may hold it, but the "
                           "directory was not read (add an [ldap] section)",
                           f"{account} IIS_IUSRS grubunun doğrudan üyesi değil; gruptaki bir etki alanı grubu onu "
                           "içeriyor olabilir ama dizin okunmadı ([ldap] bölümü ekleyin)"), evidence)
    return failed(Msg(f"{account} is not a member of IIS_IUSRS, directly or through its groups",
                      f"{account} IIS_IUSRS grubunun ne doğrudan ne de grupları üzerinden üyesi"), evidence)


@PLUGIN.check(
    "iis_running",
    "IIS (W3SVC and WAS) is running on NDES",
    roles=("ndes",),
    reads=(SERVICES,),
    codes=(UNKNOWN_ERROR,),
    remediation="Start the World Wide Web Publishing Service (W3SVC) and Windows Process Activation Service (WAS) "
    "and set both to Automatic.",
    title_tr="NDES'te IIS (W3SVC ve WAS) çalışıyor",
    remediation_tr="World Wide Web Yayımlama Hizmeti'ni (World Wide Web Publishing Service, W3SVC) ve Windows İşlem "
    "Etkinleştirme Hizmeti'ni (Windows Process Activation Service, WAS) başlatın ve ikisinin de başlangıç türünü "
    "Otomatik (Automatic) yapın.",
    references=(ref.CONNECTOR_PREREQUISITES,),
)
def iis_running(ctx: Context) -> Outcome:
    states = {name: service(ctx, name) for name in ("W3SVC", "WAS")}
    missing = ", ".join(n for n, s in states.items() if s is None)
    if missing:
        return failed(Msg(f"not installed: {missing}", f"kurulu değil: {missing}"))
    evidence = {n: s.status for n, s in states.items() if s is not None}
    down = ", ".join(n for n, status in evidence.items() if status != "Running")
    if down:
        return failed(Msg(f"not running: {down}", f"çalışmıyor: {down}"), evidence)
    return passed(Msg("W3SVC and WAS are running", "W3SVC ve WAS çalışıyor"), evidence)


# --- NDES's own events (0x0FFFFFFF) -------------------------------------------------------------------------------


@PLUGIN.check(
    "ndes_request_submissions",
    "NDES submitted its requests to the CA without failure (event 31) in the look-back window",
    roles=("ndes",),
    reads=(NDES_EVENTS,),
    codes=(UNKNOWN_ERROR,),
    remediation="Read the failures' error (evidence): make the MSCEP registry values name the template's name (not "
    "its display name), publish that template on the CA, give the NDES service account Read and Enroll on it and "
    "Request Certificates on the CA, then restart the Intune Connector Service on NDES.",
    title_tr="NDES, geriye bakış süresince isteklerini CA'ya hatasız iletti (olay 31)",
    remediation_tr="Hataların ayrıntısını (kanıt) okuyun: MSCEP kayıt defteri değerlerine şablonun adını (görünen "
    "adını değil) yazın, şablonu CA'da yayımlayın, NDES hizmet hesabına şablonda Okuma (Read) ve Kayıt (Enroll), "
    "CA'da Sertifika İsteme (Request Certificates) izni verin, ardından NDES'teki Intune Connector Service hizmetini "
    "yeniden başlatın.",
    references=(ref.NDES_EVENT_31, ref.DEVICE_TO_NDES),
)
def ndes_request_submissions(ctx: Context) -> Outcome:
    data = ctx.read(NDES_EVENTS)
    logs = {log.name: log for log in data.logs}
    application = logs.get("Application")
    if application is None or not application.found or application.error:
        reason = "not reported" if application is None else application.error or "log not found"
        return unknown(Msg(f"the Application log with NDES's events could not be read: {reason}",
                           f"NDES olaylarını içeren Uygulama (Application) günlüğü okunamadı: {reason}"))
    since = ctx.now.timestamp() - ctx.settings.event_lookback_days * 86400
    recent = [r for r in data.records if r.time_utc.timestamp() >= since]
    failures = sorted((r for r in recent if r.provider == NDES_PROVIDER and r.event_id == NDES_SUBMIT_FAILED),
                      key=lambda r: r.time_utc)
    capi2 = [r for r in recent if r.channel == CAPI2_LOG]
    capi2_log = logs.get(CAPI2_LOG)
    evidence: dict[str, Any] = {
        "window_days": ctx.settings.event_lookback_days,
        "capi2_log": "enabled" if capi2_log and capi2_log.found and not capi2_log.error
        else (capi2_log.error if capi2_log else "not reported"),
        "capi2_errors": {str(i): sum(r.event_id == i for r in capi2) for i in sorted({r.event_id for r in capi2})},
    }
    if application.truncated:
        evidence["truncated"] = True
    if not failures:
        if application.truncated:
            return unknown(Msg("no event 31 in what was read, but the read of NDES's events stopped at its cap: older "
                               "records of the window were not seen",
                               "okunan kısımda olay 31 yok, ancak NDES olaylarının okuması sınırında durdu: geriye "
                               "bakış süresinin eski kayıtları görülmedi"), {**evidence, "truncated": True},
                           fix=EVENTS_CAPPED_FIX)
        if data.window_days is not None and data.window_days < ctx.settings.event_lookback_days:
            return unknown(Msg(f"no event 31 in the {data.window_days} days the fact script read, fewer than the "
                               f"look-back window of {ctx.settings.event_lookback_days} days",
                               f"olgu betiğinin okuduğu {data.window_days} günde olay 31 yok; bu, "
                               f"{ctx.settings.event_lookback_days} günlük geriye bakış süresinden kısa"),
                           {**evidence, "read_days": data.window_days}, fix=EVENTS_WINDOW_FIX)
        return passed(Msg(f"no submission failure (event 31) from NDES in {evidence['window_days']} days",
                          f"{evidence['window_days']} gün içinde NDES'ten istek iletme hatası (olay 31) yok"), evidence)
    last = failures[-1]
    evidence.update(failures=len(failures), last=last.time_utc.strftime("%Y-%m-%dT%H:%M:%SZ"), last_data=last.data)
    finding = Msg(f"NDES failed to submit {len(failures)} request(s) to the CA (event 31), last at {evidence['last']}",
                  f"NDES {len(failures)} isteği CA'ya iletemedi (olay 31), sonuncusu {evidence['last']}")
    if capi2:
        return warned(finding, evidence, fix=Fix(
            "CAPI2 logged chain or revocation errors in the same window: check that NDES reaches the CRL and AIA "
            "locations of the CA and RA certificates (Event Viewer > CAPI2 > Operational names them), then restart "
            "the Intune Connector Service.",
            "Aynı süre içinde CAPI2 zincir ya da iptal hataları kaydetti: NDES'in CA ve RA sertifikalarının CRL ve "
            "AIA konumlarına ulaştığını denetleyin (Olay Görüntüleyicisi > CAPI2 > Operational bunları adlandırır), "
            "ardından Intune Connector Service hizmetini yeniden başlatın."))
    return warned(finding, evidence)
