"""The certification authority: CertSvc, its certificate and CRL, and who may manage certificates."""

from __future__ import annotations

import base64
from typing import Any

import msgspec
from conncheck.accounts import same_account, split_account
from conncheck.catalog.codes import CA_UNAVAILABLE, REVOKE_ACCESS_DENIED
from conncheck.checks._common import judge_validity
from conncheck.checks.connector import CONNECTOR_REGISTRY
from conncheck.checks.directory import CONNECTOR_ACCOUNT, Account, first, token_sids
from conncheck.checks.host import HOST_INFO, SERVICES, service
from conncheck.pki.certs import CertificateError, CertInfo, from_b64, normalize_thumbprint
from conncheck.pki.security_descriptor import CA_MASK_NAMES, SecurityDescriptorError, effective_access, parse
from conncheck.plugin import Context, Plugin, ProbeUnavailable
from conncheck.results import Outcome, failed, passed, unknown, warned
from conncheck.schema import Base64, RegistryKey, registry_dword, registry_string
from cryptography import x509

PLUGIN = Plugin("ca")


class CaRegistry(msgspec.Struct):
    active: str | None  # CertSvc\Configuration Active: the CA's name
    configuration: RegistryKey | None  # CertSvc\Configuration\<active CA>


class CaSecurity(msgspec.Struct):
    security_b64: Base64  # the CA's binary Security value: a self-relative SECURITY_DESCRIPTOR
    trustees: dict[str, str | None]  # SID → DOMAIN\name as the CA host translates it (null: no translation)


class CaPing(msgspec.Struct):
    exit_code: int  # certutil -ping's exit code: 0 when the request interface answered
    output: str


class PublishedFile(msgspec.Struct):
    name: str
    der_b64: Base64


class CaFiles(msgspec.Struct):
    certs: list[PublishedFile]  # %windir%\System32\CertSrv\CertEnroll\*.crt
    crls: list[PublishedFile]  # ...\*.crl (delta CRLs carry a '+' in their name)


CA_REGISTRY = PLUGIN.probe(
    "ca_registry", CaRegistry, roles=("ca",), powershell="ps/ca_registry.ps1",
    description="CertSvc\\Configuration of the active CA",
)
CA_SECURITY = PLUGIN.probe(
    "ca_security", CaSecurity, roles=("ca",), powershell="ps/ca_security.ps1",
    description="The CA's security descriptor (binary Security value) and its trustees' names",
)
CA_PING = PLUGIN.probe("ca_ping", CaPing, roles=("ca",), powershell="ps/ca_ping.ps1",
                       description="certutil -ping on the CA itself")
CA_FILES = PLUGIN.probe(
    "ca_files", CaFiles, roles=("ca",), powershell="ps/ca_files.ps1",
    description="CA certificates and CRLs published in CertEnroll",
)

# CA access mask bits (certsrv's CA security): what the CA's Security tab calls the permissions.
CA_ACCESS_ISSUE_AND_MANAGE = 0x2
EVERYONE = "S-1-1-0"
AUTHENTICATED_USERS = "S-1-5-11"
CRL_WARNING_HOURS = 24


@PLUGIN.check(
    "certsvc_running",
    "Active Directory Certificate Services (CertSvc) is running",
    roles=("ca",),
    reads=(SERVICES,),
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
    state = {"status": certsvc.status, "start_type": certsvc.start_type}
    if certsvc.status != "Running":
        return failed(f"CertSvc is {certsvc.status}", state)
    return passed("CertSvc is running", state)


@PLUGIN.check(
    "ca_answers_ping",
    "The CA's request interface answers (certutil -ping)",
    roles=("ca",),
    reads=(CA_PING,),
    codes=(CA_UNAVAILABLE,),
    remediation="Restart CertSvc; check that DCOM is enabled and that the CA's ICertRequest interface is not "
    "blocked (certutil -ping on the CA must report the interface alive).",
    title_tr="CA istek arabirimi yanıt veriyor (certutil -ping)",
    remediation_tr="CertSvc'yi yeniden başlatın; DCOM'un etkin olduğunu ve CA'nın ICertRequest arabiriminin "
    "engellenmediğini denetleyin (CA üzerinde certutil -ping arabirimin canlı (alive) olduğunu bildirmelidir).",
)
def ca_answers_ping(ctx: Context) -> Outcome:
    ping = ctx.read(CA_PING)
    # certutil's text is localized: only its exit code says whether the request interface answered.
    evidence = {"exit_code": ping.exit_code, "output": ping.output[-500:]}
    if ping.exit_code == 0:
        return passed("the CA's ICertRequest interface answers (certutil -ping exit 0)", evidence)
    return failed(f"certutil -ping failed (exit {ping.exit_code})", evidence)


def active_ca_thumbprint(ctx: Context) -> str:
    """The current CA certificate's thumbprint: the last of CACertHash (one per renewal)."""
    configuration = ctx.read(CA_REGISTRY).configuration or {}
    hashes = configuration.get("CACertHash")
    if isinstance(hashes, str):
        hashes = [hashes]
    if not isinstance(hashes, list) or not hashes:
        raise ProbeUnavailable(ctx.host, "ca_registry", "no CACertHash value in the CA's configuration")
    return normalize_thumbprint(hashes[-1])


def active_ca_certificate(ctx: Context) -> CertInfo | Outcome:
    """The CA's current certificate among those it publishes in CertEnroll, or the outcome saying why not."""
    thumbprint = active_ca_thumbprint(ctx)
    try:
        certs = [from_b64(f.der_b64) for f in ctx.read(CA_FILES).certs]
    except CertificateError as exc:
        return unknown(f"a CA certificate in CertEnroll is unreadable: {exc}")
    cert = next((c for c in certs if c.thumbprint == thumbprint), None)
    if cert is None:
        return failed(
            f"the CA certificate {thumbprint} (CACertHash) is not among the published certificates",
            {"thumbprint": thumbprint, "published": [c.thumbprint for c in certs]},
        )
    return cert


@PLUGIN.check(
    "ca_cert_valid",
    "The CA's certificate is valid and not about to expire",
    roles=("ca",),
    reads=(CA_REGISTRY, CA_FILES),
    codes=(CA_UNAVAILABLE,),
    remediation="Renew the CA certificate (certsrv.msc > Renew CA Certificate) well before it expires, publish "
    "the new certificate to AD and NTAuth, and update the trusted-certificate profiles in Intune.",
    title_tr="CA sertifikası geçerli ve süresi dolmak üzere değil",
    remediation_tr="CA sertifikasını süresi dolmadan çok önce yenileyin (certsrv.msc > Tüm Görevler > CA "
    "Sertifikasını Yenile; Renew CA Certificate), yeni sertifikayı AD'de ve NTAuth'ta yayımlayın ve Intune'daki "
    "güvenilen sertifika profillerini güncelleyin.",
)
def ca_cert_valid(ctx: Context) -> Outcome:
    cert = active_ca_certificate(ctx)
    if isinstance(cert, Outcome):
        return cert
    return judge_validity(cert, ctx.now, ctx.settings.expiry_warning_days, "the CA certificate")


def _authority_key_id(crl: x509.CertificateRevocationList) -> bytes | None:
    try:
        return crl.extensions.get_extension_for_class(x509.AuthorityKeyIdentifier).value.key_identifier
    except x509.ExtensionNotFound:
        return None


@PLUGIN.check(
    "ca_crl_current",
    "The CA's published base CRL has not expired",
    roles=("ca",),
    reads=(CA_FILES, CA_REGISTRY),
    codes=(CA_UNAVAILABLE,),
    remediation="Publish a new CRL on the CA (certutil -CRL) and check the CRL publication schedule and every CDP "
    "location; an expired CRL makes revocation checks fail and issuance stop.",
    title_tr="CA'nın yayımlanmış temel CRL'si süresi dolmamış",
    remediation_tr="CA'da yeni bir CRL yayımlayın (certutil -CRL); CRL yayımlama zamanlamasını ve her CDP konumunu "
    "denetleyin. Süresi dolmuş bir CRL iptal denetimlerini başarısız kılar ve sertifika verilmesini durdurur.",
)
def ca_crl_current(ctx: Context) -> Outcome:
    ca = active_ca_certificate(ctx)
    if isinstance(ca, Outcome):
        return unknown(f"the CA's own certificate is needed to find its CRL: {ca.finding}")
    # Delta CRLs carry a '+' in their file name; the base CRL is what every chain check needs.
    entries = [c for c in ctx.read(CA_FILES).crls if "+" not in c.name]
    try:
        crls = [(e.name, x509.load_der_x509_crl(base64.b64decode(e.der_b64))) for e in entries]
    except ValueError as exc:
        return unknown(f"a published CRL is unreadable: {exc}")
    issuer = x509.load_der_x509_certificate(ca.der)
    own = [(name, crl) for name, crl in crls
           if crl.issuer == issuer.subject and _authority_key_id(crl) in (None, ca.subject_key_id)]
    if not own:
        return failed(f"no base CRL of {ca.subject_cn} (issuer and key identifier of its current certificate) is "
                      "published in CertEnroll", {"ca": ca.subject, "published": [n for n, _ in crls]})
    name, crl = max(own, key=lambda pair: pair[1].last_update_utc)
    evidence: dict[str, Any] = {
        "crl": name,
        "issuer": crl.issuer.rfc4514_string(),
        "this_update": crl.last_update_utc.strftime("%Y-%m-%dT%H:%M:%SZ"),
    }
    next_update = crl.next_update_utc
    if next_update is None:
        return passed("the base CRL has no next update (never expires)", evidence)
    evidence["next_update"] = next_update.strftime("%Y-%m-%dT%H:%M:%SZ")
    hours_left = (next_update - ctx.now).total_seconds() / 3600
    evidence["hours_left"] = round(hours_left, 1)
    if hours_left < 0:
        return failed(f"the base CRL expired at {evidence['next_update']}", evidence)
    if hours_left < CRL_WARNING_HOURS:
        return warned(f"the base CRL expires in {hours_left:.0f} hours", evidence)
    return passed(f"the base CRL is current until {evidence['next_update']}", evidence)


def connector_account(ctx: Context) -> str:
    """The account the connector uses toward the CA: what the connector host's registry records when the facts hold
    that host (it is what the connector really uses), else site.toml's ``connector_account``.

    A connector running as SYSTEM acts as its computer account (HOST$): its SID comes from the directory when it
    was collected; by name, the user part alone is compared (the domain's NetBIOS name is not guessed)."""
    for connector in ctx.peers("connector"):
        for key, values in connector.read(CONNECTOR_REGISTRY).items():
            if "\\PFXCertificateConnector\\" not in key or not values:
                continue
            if registry_dword(values, "UseSystemAccount") == 1:
                return f"{connector.read(HOST_INFO).computer_name}$"
            user = registry_string(values, "Username")
            if user:
                return user
    if ctx.site.connector_account:
        return ctx.site.connector_account
    raise ProbeUnavailable(ctx.host, "connector account", "neither site.toml nor the connector host names it")



def directory_account(ctx: Context, account: str) -> Account | None:
    """The connector's account as the directory has it (SID and every group, nested ones), or None when the
    directory was not collected for this site."""
    directories = ctx.peers("directory")
    if not directories:
        return None
    found = directories[0].read(CONNECTOR_ACCOUNT)
    _, name = split_account(account)
    matching = [e for e in found if (first(e, "sAMAccountName") or "").casefold() == name.casefold()]
    if len(matching) != 1:
        raise ProbeUnavailable(ctx.host, "connector_account",
                               f"the directory holds {len(matching)} accounts named {name}, expected one")
    return matching[0]


@PLUGIN.check(
    "connector_can_manage_certificates",
    "The connector's account holds Issue and Manage Certificates on the CA",
    roles=("ca",),
    reads=(CA_SECURITY, CONNECTOR_ACCOUNT.on("directory"), CONNECTOR_REGISTRY.on("connector"),
           HOST_INFO.on("connector")),
    codes=(REVOKE_ACCESS_DENIED,),
    remediation="On the CA (certsrv.msc > CA Properties > Security) grant the connector's account (or the "
    "connector computer account when it runs as SYSTEM) Issue and Manage Certificates, then restart "
    "the connector's revoke service.",
    title_tr="Bağlayıcı hesabı CA üzerinde Sertifika Verme ve Yönetme iznine sahip",
    remediation_tr="CA'da (certsrv.msc > CA'nın Özellikleri (Properties) > Güvenlik (Security)) bağlayıcının "
    "hesabına (bağlayıcı SYSTEM olarak çalışıyorsa bağlayıcı sunucusunun bilgisayar hesabına) Sertifika Verme ve "
    "Yönetme (Issue and Manage Certificates) iznini verin, ardından bağlayıcının iptal hizmetini yeniden başlatın.",
)
def connector_can_manage_certificates(ctx: Context) -> Outcome:
    data = ctx.read(CA_SECURITY)
    try:
        sd = parse(base64.b64decode(data.security_b64))
    except (SecurityDescriptorError, ValueError) as exc:
        return unknown(f"the CA's security descriptor is unreadable: {exc}")
    trustees: dict[str, str] = {sid: name for sid, name in data.trustees.items() if name}
    account = connector_account(ctx)
    entry = directory_account(ctx, account)
    if entry is not None:
        sids, names = token_sids(entry)
        decision = effective_access(sd, sids, mask=CA_ACCESS_ISSUE_AND_MANAGE, rights=CA_MASK_NAMES)
        evidence = {"account": account, "groups_from": "directory (nested groups included)",
                    **decision.evidence({**names, **trustees})}
        if decision.granted:
            return passed(f"{account} holds Issue and Manage Certificates", evidence)
        if decision.denied_mask & CA_ACCESS_ISSUE_AND_MANAGE:
            return failed(f"a deny entry removes Issue and Manage Certificates from {account}", evidence)
        return failed(f"{account} does not hold Issue and Manage Certificates on the CA, directly or through "
                      "any of its groups", evidence)
    # No directory facts: the account is known by name only, its groups not at all.
    account_sids = [sid for sid, name in trustees.items() if same_account(name, account)]
    sids = {*account_sids, EVERYONE, AUTHENTICATED_USERS}
    decision = effective_access(sd, sids, mask=CA_ACCESS_ISSUE_AND_MANAGE, rights=CA_MASK_NAMES)
    evidence = {
        "account": account,
        "account_sid": account_sids[0] if account_sids else None,
        "groups_from": "not collected (no [ldap] section)",
        **decision.evidence(trustees),
    }
    if decision.denied_mask & CA_ACCESS_ISSUE_AND_MANAGE:
        return failed(f"a deny entry removes Issue and Manage Certificates from {account}", evidence)
    if decision.granted:
        return passed(f"{account} holds Issue and Manage Certificates", evidence)
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
            f"collected (add an [ldap] section): {', '.join(via_groups)}",
            {**evidence, "groups": via_groups},
        )
    return failed(
        f"{account} does not hold Issue and Manage Certificates on the CA (only the built-in "
        "administrator groups do, and a connector account should not be an administrator)",
        evidence,
    )
