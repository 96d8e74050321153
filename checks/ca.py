"""The certification authority: CertSvc, its certificate and CRL, and who holds which right on it.

Rights on the CA follow the need (Microsoft's connector prerequisites): the connector's account requests the PKCS
certificates (Request Certificates) and needs Issue and Manage Certificates only for revocation; the NDES service
account requests SCEP certificates. Issue and Manage Certificates held where revocation is not used is an exposure:
its holder approves pending requests and re-issues denied ones (an ESC7-type right in SpecterOps' "Certified
Pre-Owned"). Whether revocation is used: site.toml's ``connector_features``, else whether the connector host has
its revoke service installed and not disabled. Every right is decided from the CA's security descriptor with the
account's groups from the directory (nested ones included) when it was collected, else by name alone.
"""

from __future__ import annotations

import base64
from dataclasses import dataclass, field
from functools import lru_cache
from typing import TYPE_CHECKING, Any

import msgspec
from conncheck.accounts import connector_account as resolve_connector_account
from conncheck.accounts import same_account, split_account
from conncheck.catalog.codes import CA_UNAVAILABLE, REVOKE_ACCESS_DENIED, UNKNOWN_ERROR
from conncheck.checks import _pki_references as ref
from conncheck.checks._common import NDES_ACCOUNT_FIX, judge_validity
from conncheck.checks.connector import CONNECTOR_REGISTRY
from conncheck.checks.directory import CONNECTOR_ACCOUNT, NDES_SERVICE_ACCOUNT, Account, first, token_sids
from conncheck.checks.host import HOST_INFO, SERVICES, service
from conncheck.pki.certs import CertificateError, CertInfo, from_b64, normalize_thumbprint
from conncheck.pki.security_descriptor import (
    CA_MASK_NAMES,
    SecurityDescriptor,
    SecurityDescriptorError,
    effective_access,
    parse,
)
from conncheck.plugin import Context, Plugin, Probe, ProbeUnavailable
from conncheck.results import Fix, Msg, Outcome, Status, failed, passed, skipped, unknown, warned
from conncheck.schema import Base64, RegistryKey, registry_dword, registry_string

if TYPE_CHECKING:
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
CA_ACCESS_REQUEST = 0x200
EVERYONE = "S-1-1-0"
AUTHENTICATED_USERS = "S-1-5-11"
CRL_WARNING_HOURS = 24
REVOKE_SERVICE = "PkiRevokeConnectorSvc"  # the connector's revocation feature runs as this service
# The CA's Security tab names the rights in English and Turkish alike (the console's own words, kept in both).
RIGHT_TR = {CA_ACCESS_ISSUE_AND_MANAGE: "Sertifika Verme ve Yönetme (Issue and Manage Certificates)",
            CA_ACCESS_REQUEST: "Sertifika İsteme (Request Certificates)"}


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
    references=(ref.PKCS_CONFIGURE, ref.SCEP_CONFIGURE),
)
def certsvc_running(ctx: Context) -> Outcome:
    certsvc = service(ctx, "CertSvc")
    if certsvc is None:
        return failed(Msg("CertSvc is not installed on this host: is it the CA?",
                          "CertSvc bu sunucuda kurulu değil: CA bu sunucu mu?"))
    state = {"status": certsvc.status, "start_type": certsvc.start_type}
    if certsvc.status != "Running":
        return failed(Msg(f"CertSvc is {certsvc.status}", f"CertSvc durumu: {certsvc.status}"), state)
    return passed(Msg("CertSvc is running", "CertSvc çalışıyor"), state)


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
    references=(ref.PKCS_CONFIGURE,),
)
def ca_answers_ping(ctx: Context) -> Outcome:
    ping = ctx.read(CA_PING)
    # certutil's text is localized: only its exit code says whether the request interface answered.
    evidence = {"exit_code": ping.exit_code, "output": ping.output[-500:]}
    if ping.exit_code == 0:
        return passed(Msg("the CA's ICertRequest interface answers (certutil -ping exit 0)",
                          "CA'nın ICertRequest arabirimi yanıt veriyor (certutil -ping çıkış kodu 0)"), evidence)
    return failed(Msg(f"certutil -ping failed (exit {ping.exit_code})",
                      f"certutil -ping başarısız oldu (çıkış kodu {ping.exit_code})"), evidence)


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
        return unknown(Msg(f"a CA certificate in CertEnroll is unreadable: {exc}",
                           f"CertEnroll'daki bir CA sertifikası okunamıyor: {exc}"))
    cert = next((c for c in certs if c.thumbprint == thumbprint), None)
    if cert is None:
        return failed(
            Msg(f"the CA certificate {thumbprint} (CACertHash) is not among the published certificates",
                f"CA sertifikası {thumbprint} (CACertHash) yayımlanmış sertifikalar arasında değil"),
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
    references=(ref.CA_RENEWAL,),
)
def ca_cert_valid(ctx: Context) -> Outcome:
    cert = active_ca_certificate(ctx)
    if isinstance(cert, Outcome):
        return cert
    return judge_validity(cert, ctx.now, ctx.settings.expiry_warning_days,
                          Msg("the CA certificate", "CA sertifikasının"))


def _authority_key_id(crl: x509.CertificateRevocationList) -> bytes | None:
    from cryptography import x509

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
    references=(ref.CRL_OPERATIONS,),
)
def ca_crl_current(ctx: Context) -> Outcome:
    ca = active_ca_certificate(ctx)
    if isinstance(ca, Outcome):
        return unknown(Msg(f"the CA's own certificate is needed to find its CRL: {ca.finding}",
                           f"CRL'yi bulmak için CA'nın kendi sertifikası gerekiyor: {ca.finding}"))
    # Delta CRLs carry a '+' in their file name; the base CRL is what every chain check needs.
    entries = [c for c in ctx.read(CA_FILES).crls if "+" not in c.name]
    try:
        from cryptography import x509

        crls = [(e.name, x509.load_der_x509_crl(base64.b64decode(e.der_b64))) for e in entries]
    except ValueError as exc:
        return unknown(Msg(f"a published CRL is unreadable: {exc}", f"yayımlanmış bir CRL okunamıyor: {exc}"))
    issuer = x509.load_der_x509_certificate(ca.der)
    own = [(name, crl) for name, crl in crls
           if crl.issuer == issuer.subject and _authority_key_id(crl) in (None, ca.subject_key_id)]
    if not own:
        return failed(Msg(f"no base CRL of {ca.subject_cn} (issuer and key identifier of its current certificate) is "
                          "published in CertEnroll",
                          f"CertEnroll'da {ca.subject_cn} için (güncel sertifikasının yayımcısı ve anahtar "
                          "tanımlayıcısıyla) yayımlanmış bir temel CRL yok"),
                      {"ca": ca.subject, "published": [n for n, _ in crls]})
    name, crl = max(own, key=lambda pair: pair[1].last_update_utc)
    evidence: dict[str, Any] = {
        "crl": name,
        "issuer": crl.issuer.rfc4514_string(),
        "this_update": crl.last_update_utc.strftime("%Y-%m-%dT%H:%M:%SZ"),
    }
    next_update = crl.next_update_utc
    if next_update is None:
        return passed(Msg("the base CRL has no next update (never expires)",
                          "temel CRL'nin sonraki güncelleme tarihi yok (süresi dolmaz)"), evidence)
    at = evidence["next_update"] = next_update.strftime("%Y-%m-%dT%H:%M:%SZ")
    hours_left = (next_update - ctx.now).total_seconds() / 3600
    evidence["hours_left"] = round(hours_left, 1)
    if hours_left < 0:
        return failed(Msg(f"the base CRL expired at {at}", f"temel CRL'nin süresi {at} tarihinde doldu"), evidence)
    if hours_left < CRL_WARNING_HOURS:
        return warned(Msg(f"the base CRL expires in {hours_left:.0f} hours",
                          f"temel CRL'nin süresi {hours_left:.0f} saat içinde doluyor"), evidence)
    return passed(Msg(f"the base CRL is current until {at}", f"temel CRL {at} tarihine kadar güncel"), evidence)


# --- rights on the CA ------------------------------------------------------------------------------------------


def connector_account(ctx: Context) -> str:
    """The account the connector uses toward the CA: what the connector host's registry records when the facts hold
    that host (it is what the connector really uses), else site.toml's ``connector_account``.

    A connector running as SYSTEM acts as its computer account (HOST$): its SID comes from the directory when it
    was collected; by name, the user part alone is compared (the domain's NetBIOS name is not guessed)."""
    recorded, system_on = None, None
    for connector in ctx.peers("connector"):
        for key, values in connector.read(CONNECTOR_REGISTRY).items():
            if "\\pfxcertificateconnector\\" not in key.casefold() or not values:  # registry paths: any case
                continue
            if registry_dword(values, "UseSystemAccount") == 1:
                system_on = connector.read(HOST_INFO).computer_name
                break
            recorded = registry_string(values, "Username") or None
            if recorded:
                break
        break
    account = resolve_connector_account(ctx.site.connector_account, recorded, system_on)
    if account:
        return account
    raise ProbeUnavailable(ctx.host, "connector account", "neither site.toml nor the connector host names it")


def directory_account(ctx: Context, probe: Probe[list[Account]], account: str) -> Account | None:
    """``account`` as the directory's ``probe`` has it (SID and every group, nested ones), or None when the directory
    was not collected for this site."""
    directories = ctx.peers("directory")
    if not directories:
        return None
    found = directories[0].read(probe)
    _, name = split_account(account)
    matching = [e for e in found if (first(e, "sAMAccountName") or "").casefold() == name.casefold()]
    if len(matching) != 1:
        raise ProbeUnavailable(ctx.host, probe.name,
                               f"the directory holds {len(matching)} accounts named {name}, expected one")
    return matching[0]


@dataclass(frozen=True)
class CaRight:
    """An account's standing on one right of the CA. ``held`` None: granted only to groups whose membership was
    not collected (``via_groups``), or granted but denied to such groups first (``deny_groups``): it cannot be told."""

    account: str
    right: str
    held: bool | None
    denied: bool
    evidence: dict[str, Any]
    via_groups: tuple[str, ...] = field(default_factory=tuple)
    deny_groups: tuple[str, ...] = field(default_factory=tuple)


@lru_cache(maxsize=64)
def ca_descriptor(security_b64: str) -> SecurityDescriptor:
    """The CA's descriptor, parsed once however many rights are asked of it (it is immutable)."""
    return parse(base64.b64decode(security_b64))


def right_on_ca(ctx: Context, account: str, entry: Account | None, mask: int) -> CaRight | Outcome:
    """Whether ``account`` holds the CA right ``mask``: with its directory ``entry`` (every group), or by name."""
    data = ctx.read(CA_SECURITY)
    try:
        sd = ca_descriptor(data.security_b64)
    except (SecurityDescriptorError, ValueError) as exc:
        return unknown(Msg(f"the CA's security descriptor is unreadable: {exc}",
                           f"CA'nın güvenlik tanımlayıcısı okunamıyor: {exc}"))
    right = CA_MASK_NAMES[mask]
    trustees: dict[str, str] = {sid: name for sid, name in data.trustees.items() if name}
    if entry is not None:
        sids, names = token_sids(entry)
        decision = effective_access(sd, sids, mask=mask, rights=CA_MASK_NAMES)
        evidence = {"account": account, "groups_from": "directory (nested groups included)",
                    **decision.evidence({**names, **trustees})}
        return CaRight(account, right, decision.granted, bool(decision.denied_mask & mask), evidence)
    # No directory facts: the account is known by name only, its groups not at all.
    account_sids = [sid for sid, name in trustees.items() if same_account(name, account)]
    sids = {*account_sids, EVERYONE, AUTHENTICATED_USERS}
    decision = effective_access(sd, sids, mask=mask, rights=CA_MASK_NAMES)
    evidence = {"account": account, "account_sid": account_sids[0] if account_sids else None,
                "groups_from": "not collected (no [ldap] section)", **decision.evidence(trustees)}
    denied = bool(decision.denied_mask & mask)
    aces = sd.dacl.aces if sd.dacl else ()
    if decision.granted and not denied:
        # A Deny placed before the granting entry, on a group whose membership was not collected, may still remove
        # the right (the administrator groups aside: a service account should not be in them).
        wanted = {sid.upper() for sid in sids}
        grant_at = next((i for i, ace in enumerate(aces) if ace.allows and ace.mask & mask and not ace.inherit_only
                         and ace.sid.upper() in wanted), len(aces))
        deny_groups = tuple(sorted(
            trustees.get(ace.sid, ace.sid) for ace in aces[:grant_at]
            if ace.denies and ace.mask & mask and not ace.inherit_only and ace.sid.upper() not in wanted
            and not ace.sid.endswith(("-512", "-519")) and ace.sid != "S-1-5-32-544"
        ))
        if deny_groups:
            evidence["deny_groups"] = list(deny_groups)
            return CaRight(account, right, None, False, evidence, deny_groups=deny_groups)
    if decision.granted or denied:
        return CaRight(account, right, decision.granted, denied, evidence)
    # The right may still reach the account through a group we cannot expand from here (the built-in and domain
    # administrator groups aside: a service account should not be in them).
    via_groups = tuple(sorted(
        trustees.get(ace.sid, ace.sid)
        for ace in aces
        if ace.allows and ace.mask & mask and ace.sid not in sids
        and not ace.sid.startswith("S-1-5-32-") and not ace.sid.endswith(("-512", "-519"))
    ))
    if via_groups:
        evidence["groups"] = list(via_groups)
    return CaRight(account, right, None if via_groups else False, False, evidence, via_groups)


def connector_right(ctx: Context, mask: int) -> CaRight | Outcome:
    """The connector's account's standing on the CA right ``mask``."""
    account = connector_account(ctx)
    return right_on_ca(ctx, account, directory_account(ctx, CONNECTOR_ACCOUNT, account), mask)


def judge_right(found: CaRight, mask: int) -> Outcome:
    """PASS when held; FAIL when denied or absent; UNKNOWN when only groups not collected could give it."""
    who, right, right_tr = found.account, found.right, RIGHT_TR[mask]
    if found.denied:
        return failed(Msg(f"a deny entry removes {right} from {who}", f"bir reddetme girdisi {who} hesabından "
                          f"{right_tr} iznini kaldırıyor"), found.evidence,
                      fix=Fix(f"On the CA (certsrv.msc > CA Properties > Security) remove the Deny of {right} that "
                              f"reaches {who} (see deciding_aces: the account itself or one of its groups).",
                              f"CA'da (certsrv.msc > CA'nın Özellikleri (Properties) > Güvenlik (Security)) {who} "
                              f"hesabına ulaşan {right_tr} Reddet (Deny) girdisini kaldırın (deciding_aces: hesabın "
                              "kendisi ya da gruplarından biri)."))
    if found.held:
        return passed(Msg(f"{who} holds {right} on the CA", f"{who} CA üzerinde {right_tr} iznine sahip"),
                      found.evidence)
    if found.held is None and found.deny_groups:
        groups = ", ".join(found.deny_groups)
        return unknown(Msg(f"{who} is granted {right}, but a Deny of it on groups whose membership was not collected "
                           f"may remove it (add an [ldap] section): {groups}",
                           f"{who} hesabına {right_tr} verilmiş, ancak üyeliği toplanmamış gruplardaki bir Reddet "
                           f"(Deny) girdisi bu izni kaldırıyor olabilir ([ldap] bölümü ekleyin): {groups}"),
                       found.evidence)
    if found.held is None:
        groups = ", ".join(found.via_groups)
        return unknown(Msg(f"{who} is not granted {right} directly; only through groups whose membership was not "
                           f"collected (add an [ldap] section): {groups}",
                           f"{who} hesabına {right_tr} doğrudan verilmemiş; yalnızca üyeliği toplanmamış gruplar "
                           f"üzerinden verilmiş olabilir ([ldap] bölümü ekleyin): {groups}"), found.evidence)
    return failed(Msg(f"{who} does not hold {right} on the CA, directly or through any of its groups",
                      f"{who} CA üzerinde {right_tr} iznine ne doğrudan ne de gruplarından biri üzerinden sahip"),
                  found.evidence)


def revocation_used(ctx: Context) -> tuple[bool | None, Msg]:
    """Whether the connector's revocation feature is used, and how that was told: site.toml's
    ``connector_features``, else the connector host's revoke service (installed and not disabled). None: neither
    says."""
    features = ctx.site.connector_features
    if features is not None:
        return "revocation" in features, Msg("site.toml [site] connector_features",
                                             "site.toml [site] connector_features değeri")
    connectors = ctx.peers("connector")
    if not connectors:
        return None, Msg("no [site] connector_features and no connector host in these facts",
                         "[site] connector_features değeri yok ve bu olgularda bağlayıcı sunucusu yok")
    enabled = (s is not None and s.start_type != "Disabled" for s in (service(c, REVOKE_SERVICE) for c in connectors))
    if any(enabled):
        return True, Msg(f"the connector host's {REVOKE_SERVICE} service is enabled",
                         f"bağlayıcı sunucusundaki {REVOKE_SERVICE} hizmeti etkin")
    return False, Msg(f"the connector host's {REVOKE_SERVICE} service is not installed or disabled",
                      f"bağlayıcı sunucusundaki {REVOKE_SERVICE} hizmeti kurulu değil ya da devre dışı")


MANAGE_FIX_TR = (
    "CA'da (certsrv.msc > CA'nın Özellikleri (Properties) > Güvenlik (Security)) bağlayıcının hesabına (bağlayıcı "
    "SYSTEM olarak çalışıyorsa bağlayıcı sunucusunun bilgisayar hesabına) Sertifika Verme ve Yönetme (Issue and "
    "Manage Certificates) iznini verin, ardından bağlayıcının iptal hizmetini (PkiRevokeConnectorSvc) yeniden "
    "başlatın."
)


@PLUGIN.check(
    "connector_can_manage_certificates",
    "The connector's account holds Issue and Manage Certificates on the CA where revocation needs it",
    roles=("ca",),
    reads=(CA_SECURITY, CONNECTOR_ACCOUNT.on("directory"), CONNECTOR_REGISTRY.on("connector"),
           HOST_INFO.on("connector"), SERVICES.on("connector")),
    codes=(REVOKE_ACCESS_DENIED,),
    remediation="On the CA (certsrv.msc > CA Properties > Security) grant the connector's account (or the "
    "connector computer account when it runs as SYSTEM) Issue and Manage Certificates, then restart "
    "the connector's revoke service (PkiRevokeConnectorSvc).",
    title_tr="Bağlayıcı hesabı, iptal özelliği kullanılıyorsa CA üzerinde Sertifika Verme ve Yönetme iznine sahip",
    remediation_tr=MANAGE_FIX_TR,
    references=(ref.CONNECTOR_PREREQUISITES, ref.SCEP_CONFIGURE),
)
def connector_can_manage_certificates(ctx: Context) -> Outcome:
    used, told_by = revocation_used(ctx)
    if used is False:
        return skipped(Msg(f"revocation is not used ({told_by.en}): Issue and Manage Certificates is not needed",
                           f"iptal özelliği kullanılmıyor ({told_by.tr}): Sertifika Verme ve Yönetme izni "
                           "gerekmiyor"))
    found = connector_right(ctx, CA_ACCESS_ISSUE_AND_MANAGE)
    if isinstance(found, Outcome):
        return found
    account = found.account
    found.evidence["revocation"] = {"used": used, "from": told_by.en}
    verdict = judge_right(found, CA_ACCESS_ISSUE_AND_MANAGE)
    if used is None and verdict.status is Status.FAIL and not found.denied:
        return unknown(Msg(f"{account} does not hold Issue and Manage Certificates, which only revocation needs; "
                           f"whether revocation is used is not known ({told_by.en}): set [site] connector_features",
                           f"{account}, yalnızca iptal özelliğinin gerektirdiği Sertifika Verme ve Yönetme iznine "
                           f"sahip değil; iptal özelliğinin kullanılıp kullanılmadığı bilinmiyor ({told_by.tr}): "
                           "[site] connector_features değerini ayarlayın"), found.evidence)
    return verdict


@PLUGIN.check(
    "connector_manage_certificates_beyond_need",
    "Issue and Manage Certificates is not granted to the connector's account where revocation does not need it",
    roles=("ca",),
    reads=(CA_SECURITY, CONNECTOR_ACCOUNT.on("directory"), CONNECTOR_REGISTRY.on("connector"),
           HOST_INFO.on("connector"), SERVICES.on("connector")),
    remediation="On the CA (certsrv.msc > CA Properties > Security) remove Issue and Manage Certificates from the "
    "connector's account (or the group that gives it): without the revocation feature the connector only needs "
    "Request Certificates, and a certificate manager can approve and re-issue any request.",
    title_tr="İptal özelliği gerektirmiyorsa bağlayıcı hesabına Sertifika Verme ve Yönetme izni verilmemiş",
    remediation_tr="CA'da (certsrv.msc > CA'nın Özellikleri (Properties) > Güvenlik (Security)) bağlayıcı hesabından "
    "(ya da bu izni ona veren gruptan) Sertifika Verme ve Yönetme (Issue and Manage Certificates) iznini kaldırın: "
    "iptal özelliği olmadan bağlayıcıya yalnızca Sertifika İsteme (Request Certificates) izni gerekir; bir sertifika "
    "yöneticisi her isteği onaylayabilir ve yeniden verebilir.",
    references=(ref.CONNECTOR_PREREQUISITES, ref.CA_DELEGATION),
)
def connector_manage_certificates_beyond_need(ctx: Context) -> Outcome:
    found = connector_right(ctx, CA_ACCESS_ISSUE_AND_MANAGE)
    if isinstance(found, Outcome):
        return found
    account = found.account
    used, told_by = revocation_used(ctx)
    found.evidence["revocation"] = {"used": used, "from": told_by.en}
    if found.held is False:
        return passed(Msg(f"{account} does not hold Issue and Manage Certificates",
                          f"{account} Sertifika Verme ve Yönetme iznine sahip değil"), found.evidence)
    if used:
        return passed(Msg(f"{account} holds Issue and Manage Certificates, which revocation needs ({told_by.en})",
                          f"{account} iptal özelliğinin gerektirdiği Sertifika Verme ve Yönetme iznine sahip "
                          f"({told_by.tr})"), found.evidence)
    if found.held is None or used is None:
        return unknown(Msg(f"cannot tell whether Issue and Manage Certificates is beyond need: held "
                           f"{'unknown' if found.held is None else 'yes'}, revocation used "
                           f"{'unknown' if used is None else 'no'} ({told_by.en})",
                           "Sertifika Verme ve Yönetme izninin gereğinden fazla olup olmadığı anlaşılamıyor: izin "
                           f"{'bilinmiyor' if found.held is None else 'var'}, iptal özelliği "
                           f"{'bilinmiyor' if used is None else 'kullanılmıyor'} ({told_by.tr})"), found.evidence)
    return warned(Msg(f"{account} holds Issue and Manage Certificates but revocation is not used ({told_by.en}): a "
                      "right beyond need that lets it approve pending requests and re-issue denied ones (ESC7-type)",
                      f"{account} Sertifika Verme ve Yönetme iznine sahip ama iptal özelliği kullanılmıyor "
                      f"({told_by.tr}): bekleyen istekleri onaylamaya ve reddedilenleri yeniden vermeye yarayan, "
                      "gereğinden fazla bir izin (ESC7 türü)"), found.evidence)


@PLUGIN.check(
    "connector_can_request_certificates",
    "The connector's account holds Request Certificates on the CA (PKCS)",
    roles=("ca",),
    reads=(CA_SECURITY, CONNECTOR_ACCOUNT.on("directory"), CONNECTOR_REGISTRY.on("connector"),
           HOST_INFO.on("connector")),
    codes=(CA_UNAVAILABLE,),
    remediation="On the CA (certsrv.msc > CA Properties > Security) allow Request Certificates to the connector's "
    "account (the computer account when the connector runs as SYSTEM), or to Authenticated Users as by default, "
    "and remove any Deny that reaches it.",
    title_tr="Bağlayıcı hesabı CA üzerinde Sertifika İsteme iznine sahip (PKCS)",
    remediation_tr="CA'da (certsrv.msc > CA'nın Özellikleri (Properties) > Güvenlik (Security)) bağlayıcının "
    "hesabına (bağlayıcı SYSTEM olarak çalışıyorsa bilgisayar hesabına) ya da varsayılandaki gibi Authenticated "
    "Users grubuna Sertifika İsteme (Request Certificates) iznini verin ve hesaba ulaşan her Reddet (Deny) girdisini "
    "kaldırın.",
    references=(ref.PKCS_CONFIGURE,),
)
def connector_can_request_certificates(ctx: Context) -> Outcome:
    # PKCS is in use when site.toml names a PKCS template or the connector's features name pkcs; the right itself
    # does not depend on which template.
    if not ctx.site.pkcs_templates and "pkcs" not in (ctx.site.connector_features or ()):
        return skipped(Msg("no PKCS templates in site.toml [site] pkcs_templates and pkcs not among [site] "
                           "connector_features: the connector requests no certificates from the CA",
                           "site.toml [site] pkcs_templates içinde PKCS şablonu yok ve pkcs, [site] "
                           "connector_features arasında değil: bağlayıcı CA'dan sertifika istemiyor"))
    found = connector_right(ctx, CA_ACCESS_REQUEST)
    return found if isinstance(found, Outcome) else judge_right(found, CA_ACCESS_REQUEST)




@PLUGIN.check(
    "ndes_account_can_request_certificates",
    "The NDES service account holds Request Certificates on the CA",
    roles=("ca",),
    reads=(CA_SECURITY, NDES_SERVICE_ACCOUNT.on("directory")),
    codes=(UNKNOWN_ERROR,),
    remediation="On the CA (certsrv.msc > CA Properties > Security) allow Request Certificates to the NDES service "
    "account, or to Authenticated Users as by default, and remove any Deny that reaches it.",
    title_tr="NDES hizmet hesabı CA üzerinde Sertifika İsteme iznine sahip",
    remediation_tr="CA'da (certsrv.msc > CA'nın Özellikleri (Properties) > Güvenlik (Security)) NDES hizmet "
    "hesabına ya da varsayılandaki gibi Authenticated Users grubuna Sertifika İsteme (Request Certificates) iznini "
    "verin ve hesaba ulaşan her Reddet (Deny) girdisini kaldırın.",
    references=(ref.NDES_ACCOUNT,),
)
def ndes_account_can_request_certificates(ctx: Context) -> Outcome:
    if not ctx.site.scep_template:
        return skipped(Msg("no SCEP template in site.toml [site] scep_template: NDES requests nothing here",
                           "site.toml [site] scep_template içinde SCEP şablonu yok: NDES burada sertifika istemiyor"))
    account = ctx.site.ndes_service_account
    if not account:
        return unknown(Msg("SCEP is in use ([site] scep_template) but site.toml names no NDES service account: whose "
                           "right on the CA to judge is not known",
                           "SCEP kullanılıyor ([site] scep_template) ama site.toml NDES hizmet hesabını belirtmiyor: "
                           "CA üzerindeki izni değerlendirilecek hesap bilinmiyor"),
                       fix=NDES_ACCOUNT_FIX)
    found = right_on_ca(ctx, account, directory_account(ctx, NDES_SERVICE_ACCOUNT, account), CA_ACCESS_REQUEST)
    return found if isinstance(found, Outcome) else judge_right(found, CA_ACCESS_REQUEST)

