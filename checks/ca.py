"""The certification authority: CertSvc, its certificate and CRL, and who may manage certificates."""

from __future__ import annotations

import base64
import binascii
from typing import Any

from conncheck.checks._common import judge_validity, service
from conncheck.pki.certs import CertificateError, from_b64, normalize_thumbprint
from conncheck.pki.security_descriptor import CA_MASK_NAMES, SecurityDescriptorError, effective_access, parse
from conncheck.plugin import Context, Plugin, ProbeUnavailable
from conncheck.results import Outcome, failed, passed, unknown, warned
from cryptography import x509

PLUGIN = Plugin("ca")

PLUGIN.probe(
    "ca_registry", roles=("ca",), powershell="ps/ca_registry.ps1", description="CertSvc\\Configuration of the active CA"
)
PLUGIN.probe(
    "ca_security",
    roles=("ca",),
    powershell="ps/ca_security.ps1",
    description="The CA's security descriptor (binary Security value) and its trustees' names",
)
PLUGIN.probe("ca_ping", roles=("ca",), powershell="ps/ca_ping.ps1", description="certutil -ping on the CA itself")
PLUGIN.probe(
    "ca_files",
    roles=("ca",),
    powershell="ps/ca_files.ps1",
    description="CA certificates and CRLs published in CertEnroll",
)

CA_UNAVAILABLE = 0x400
# CA access mask bits (certsrv's CA security): what the CA's Security tab calls the permissions.
CA_ACCESS_ISSUE_AND_MANAGE = 0x2
EVERYONE = "S-1-1-0"
AUTHENTICATED_USERS = "S-1-5-11"
CRL_WARNING_HOURS = 24


@PLUGIN.check(
    "certsvc_running",
    "Active Directory Certificate Services (CertSvc) is running",
    roles=("ca",),
    probes=("services",),
    codes=(CA_UNAVAILABLE,),
    remediation="Start CertSvc on the CA (services.msc) and set it to Automatic; if it will not start, read the "
    "System and Application logs on the CA (an expired CA certificate or an unreachable CRL are common).",
    title_tr="Active Directory Sertifika Hizmetleri (CertSvc) çalışıyor",
    remediation_tr="CA'da CertSvc hizmetini başlatın (services.msc) ve başlangıç türünü Otomatik (Automatic) yapın; "
    "başlamıyorsa CA'daki Sistem (System) ve Uygulama (Application) günlüklerine bakın (süresi dolmuş bir CA "
    "sertifikası veya erişilemeyen bir CRL sık görülen nedenlerdir).",
)
def certsvc_running(ctx: Context) -> Outcome:
    certsvc = service(ctx, "CertSvc")
    if certsvc is None:
        return failed("CertSvc is not installed on this host: is it the CA?")
    state = {"status": certsvc.get("status"), "start_type": certsvc.get("start_type")}
    if str(certsvc.get("status")).lower() != "running":
        return failed(f"CertSvc is {certsvc.get('status')}", **state)
    return passed("CertSvc is running", **state)


@PLUGIN.check(
    "ca_answers_ping",
    "The CA's request interface answers (certutil -ping)",
    roles=("ca",),
    probes=("ca_ping",),
    codes=(CA_UNAVAILABLE,),
    remediation="Restart CertSvc; check that DCOM is enabled and that the CA's ICertRequest interface is not "
    "blocked (certutil -ping on the CA must report the interface alive).",
    title_tr="CA istek arabirimi yanıt veriyor (certutil -ping)",
    remediation_tr="CertSvc'yi yeniden başlatın; DCOM'un etkin olduğunu ve CA'nın ICertRequest arabiriminin "
    "engellenmediğini denetleyin (CA üzerinde certutil -ping arabirimin canlı (alive) olduğunu bildirmelidir).",
)
def ca_answers_ping(ctx: Context) -> Outcome:
    ping = ctx.data("ca_ping")
    output = str(ping.get("output") or "")
    evidence = {"exit_code": ping.get("exit_code"), "output": output[-500:]}
    if ping.get("exit_code") == 0 and "interface is alive" in output:
        return passed("the CA's ICertRequest interface is alive", **evidence)
    return failed(f"certutil -ping failed (exit {ping.get('exit_code')})", **evidence)


def active_ca_thumbprint(ctx: Context) -> str:
    """The current CA certificate's thumbprint: the last of CACertHash (one per renewal)."""
    configuration = (ctx.data("ca_registry") or {}).get("configuration") or {}
    hashes = configuration.get("CACertHash")
    if isinstance(hashes, str):
        hashes = [hashes]
    if not hashes:
        raise ProbeUnavailable(ctx.host, "ca_registry", "no CACertHash value in the CA's configuration")
    return normalize_thumbprint(str(hashes[-1]))


@PLUGIN.check(
    "ca_cert_valid",
    "The CA's certificate is valid and not about to expire",
    roles=("ca",),
    probes=("ca_registry", "ca_files"),
    codes=(CA_UNAVAILABLE,),
    remediation="Renew the CA certificate (certsrv.msc > Renew CA Certificate) well before it expires, publish "
    "the new certificate to AD and NTAuth, and update the trusted-certificate profiles in Intune.",
    title_tr="CA sertifikası geçerli ve süresi dolmak üzere değil",
    remediation_tr="CA sertifikasını süresi dolmadan çok önce yenileyin (certsrv.msc > Tüm Görevler > CA "
    "Sertifikasını Yenile; Renew CA Certificate), yeni sertifikayı AD'de ve NTAuth'ta yayımlayın ve Intune'daki "
    "güvenilen sertifika profillerini güncelleyin.",
)
def ca_cert_valid(ctx: Context) -> Outcome:
    thumbprint = active_ca_thumbprint(ctx)
    try:
        certs = [from_b64(f["der_b64"]) for f in ctx.data("ca_files").get("certs") or []]
    except (CertificateError, KeyError, TypeError) as exc:
        return unknown(f"a CA certificate in CertEnroll is unreadable: {exc}")
    cert = next((c for c in certs if c.thumbprint == thumbprint), None)
    if cert is None:
        return failed(
            f"the CA certificate {thumbprint} (CACertHash) is not among the published certificates",
            thumbprint=thumbprint,
            published=[c.thumbprint for c in certs],
        )
    return judge_validity(cert, ctx.now, ctx.settings.expiry_warning_days, "the CA certificate")


@PLUGIN.check(
    "ca_crl_current",
    "The CA's published base CRL has not expired",
    roles=("ca",),
    probes=("ca_files",),
    codes=(CA_UNAVAILABLE,),
    remediation="Publish a new CRL on the CA (certutil -CRL) and check the CRL publication schedule and every CDP "
    "location; an expired CRL makes revocation checks fail and issuance stop.",
    title_tr="CA'nın yayımlanmış temel CRL'si süresi dolmamış",
    remediation_tr="CA'da yeni bir CRL yayımlayın (certutil -CRL); CRL yayımlama zamanlamasını ve her CDP konumunu "
    "denetleyin. Süresi dolmuş bir CRL iptal denetimlerini başarısız kılar ve sertifika verilmesini durdurur.",
)
def ca_crl_current(ctx: Context) -> Outcome:
    # Delta CRLs carry a '+' in their file name; the base CRL is what every chain check needs.
    entries = [c for c in ctx.data("ca_files").get("crls") or [] if "+" not in str(c.get("name", ""))]
    if not entries:
        return failed("no base CRL is published in CertEnroll")
    try:
        crls = [(e["name"], x509.load_der_x509_crl(base64.b64decode(e["der_b64"]))) for e in entries]
    except (ValueError, KeyError, TypeError, binascii.Error) as exc:
        return unknown(f"a published CRL is unreadable: {exc}")
    name, crl = max(crls, key=lambda pair: pair[1].next_update_utc or ctx.now)
    next_update = crl.next_update_utc
    evidence: dict[str, Any] = {
        "crl": name,
        "issuer": crl.issuer.rfc4514_string(),
        "this_update": crl.last_update_utc.strftime("%Y-%m-%dT%H:%M:%SZ"),
    }
    if next_update is None:
        return passed("the base CRL has no next update (never expires)", **evidence)
    evidence["next_update"] = next_update.strftime("%Y-%m-%dT%H:%M:%SZ")
    hours_left = (next_update - ctx.now).total_seconds() / 3600
    evidence["hours_left"] = round(hours_left, 1)
    if hours_left < 0:
        return failed(f"the base CRL expired at {evidence['next_update']}", **evidence)
    if hours_left < CRL_WARNING_HOURS:
        return warned(f"the base CRL expires in {hours_left:.0f} hours", **evidence)
    return passed(f"the base CRL is current until {evidence['next_update']}", **evidence)


def connector_account(ctx: Context) -> str:
    """The account the connector uses toward the CA: site.toml, else what the connector host reports.

    A connector running as SYSTEM acts as its computer account (DOMAIN\\HOST$).
    """
    configured = ctx.site.get("connector_account")
    if configured:
        return str(configured)
    connector = ctx.peer("connector")
    registry = connector.data("connector_registry") or {}
    for key, values in registry.items():
        if "\\PFXCertificateConnector\\CA" in key and isinstance(values, dict):
            if values.get("UseSystemAccount") == 1:
                info = connector.data("host_info")
                domain = str(info.get("domain", "")).split(".")[0].upper()
                return f"{domain}\\{info.get('computer_name')}$"
            if values.get("Username"):
                return str(values["Username"])
    raise ProbeUnavailable(ctx.host, "connector account", "neither site.toml nor the connector host names it")


def _same_account(a: str, b: str) -> bool:
    """'CONTOSO\\svc' vs 'contoso\\SVC' vs 'svc': compare the user part, and the domain part when both have one."""
    da, _, ua = a.rpartition("\\")
    db, _, ub = b.rpartition("\\")
    return ua.lower() == ub.lower() and (not da or not db or da.lower() == db.lower())


@PLUGIN.check(
    "connector_can_manage_certificates",
    "The connector's account holds Issue and Manage Certificates on the CA",
    roles=("ca",),
    probes=("ca_security",),
    codes=(0x402,),
    remediation="On the CA (certsrv.msc > CA Properties > Security) grant the connector's account (or the "
    "connector computer account when it runs as SYSTEM) Issue and Manage Certificates, then restart "
    "the connector's revoke service.",
    title_tr="Bağlayıcı hesabı CA üzerinde Sertifika Verme ve Yönetme iznine sahip",
    remediation_tr="CA'da (certsrv.msc > CA'nın Özellikleri (Properties) > Güvenlik (Security)) bağlayıcının "
    "hesabına (bağlayıcı SYSTEM olarak çalışıyorsa bağlayıcı sunucusunun bilgisayar hesabına) Sertifika Verme ve "
    "Yönetme (Issue and Manage Certificates) iznini verin, ardından bağlayıcının iptal hizmetini yeniden başlatın.",
)
def connector_can_manage_certificates(ctx: Context) -> Outcome:
    data = ctx.data("ca_security")
    try:
        sd = parse(base64.b64decode(data["security_b64"]))
    except (SecurityDescriptorError, binascii.Error, KeyError, TypeError) as exc:
        return unknown(f"the CA's security descriptor is unreadable: {exc}")
    trustees: dict[str, str] = {sid: name for sid, name in (data.get("trustees") or {}).items() if name}
    account = connector_account(ctx)
    account_sids = [sid for sid, name in trustees.items() if _same_account(name, account)]
    sids = {*account_sids, EVERYONE, AUTHENTICATED_USERS}
    decision = effective_access(sd, sids, mask=CA_ACCESS_ISSUE_AND_MANAGE, rights=CA_MASK_NAMES)
    evidence = {
        "account": account,
        "account_sid": account_sids[0] if account_sids else None,
        **decision.evidence(trustees),
    }
    if decision.granted:
        return passed(f"{account} holds Issue and Manage Certificates", **evidence)
    if decision.denied_mask & CA_ACCESS_ISSUE_AND_MANAGE:
        return failed(f"a deny entry removes Issue and Manage Certificates from {account}", **evidence)
    # The right may still reach the account through a group we cannot expand from here.
    via_groups = sorted(
        trustees.get(ace.sid, ace.sid)
        for ace in (sd.dacl.aces if sd.dacl else ())
        if ace.allows
        and ace.mask & CA_ACCESS_ISSUE_AND_MANAGE
        and ace.sid not in sids
        and not ace.sid.startswith("S-1-5-32-")
        and not ace.sid.endswith(("-512", "-519"))
    )
    if via_groups:
        return unknown(
            f"{account} is not granted directly; only through groups whose membership was not "
            f"collected: {', '.join(via_groups)}",
            groups=via_groups,
            **evidence,
        )
    return failed(
        f"{account} does not hold Issue and Manage Certificates on the CA (only the built-in "
        "administrator groups do, and a connector account should not be an administrator)",
        **evidence,
    )
