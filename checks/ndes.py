"""The NDES server: RA certificates, MSCEP templates, IIS and HTTP.sys limits, TLS binding, app pool."""

from __future__ import annotations

import base64
from typing import Any, Literal

import msgspec
from conncheck.catalog.codes import SCEP_DESERIALIZE, UNKNOWN_ERROR
from conncheck.checks._common import certificates, judge_validity, newest
from conncheck.checks.host import CERTS_MY, HOST_INFO, SERVICES, WINDOWS_FEATURES, service
from conncheck.pki.certs import (
    OID_CERTIFICATE_REQUEST_AGENT,
    OID_SERVER_AUTH,
    CertInfo,
    host_name_match,
)
from conncheck.plugin import Context, Plugin
from conncheck.results import Outcome, failed, passed, unknown, warned
from conncheck.schema import RegistryKey, registry_dword, registry_kind, registry_string
from defusedxml import ElementTree

PLUGIN = Plugin("ndes")


class IisConfig(msgspec.Struct):
    path: str
    text: str | None  # null: the file does not exist; cut at 4 MiB


# HTTP.sys's binding kinds → endpoint ("0.0.0.0:443", "ndes01.contoso.com:443", "443") → its registry key;
# a kind with no key at all is null. SslCertHash is REG_BINARY (base64 of the thumbprint's bytes).
HttpSslBindings = dict[str, dict[str, RegistryKey | None] | None]


class AppPool(msgspec.Struct):
    name: str
    state: Literal["Starting", "Started", "Stopping", "Stopped", "Unknown"]  # ObjectState


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
    description="applicationHost.config text (capped at 4 MiB)",
)
HTTP_SSL_BINDINGS = PLUGIN.probe(
    "http_ssl_bindings", HttpSslBindings, roles=("ndes",), powershell="ps/http_ssl_bindings.ps1",
    description="HTTP.sys's TLS bindings from its registry (SslBindingInfo, SslSniBindingInfo, SslCcsBindingInfo)",
)
APP_POOLS = PLUGIN.probe(
    "app_pools", list[AppPool], roles=("ndes",), powershell="ps/app_pools.ps1",
    description="IIS application pool states",
)

LONG_URL_LIMIT = 65534  # what Intune's SCEP guidance sets for IIS and HTTP.sys: PKIOperation queries are long
HTTPSYS_DEFAULT = 16384  # MaxFieldLength's default when the value is absent (or not a REG_DWORD)
MSCEP_VALUES = ("EncryptionTemplate", "GeneralPurposeTemplate", "SignatureTemplate")
MSCEP_DEFAULT = "IPSECIntermediateOffline"
SCEP_APP_POOL = "SCEP"
# NDES's two RA certificates, by purpose, as the certificate templates console names them.
RA_LABELS = {"encryption": "CEP Encryption", "signing": "Exchange Enrollment Agent (Offline request)"}


def ra_certificates(certs: list[CertInfo], purpose: str) -> list[CertInfo]:
    """RA certificates for ``purpose``: the Certificate Request Agent EKU and a key that can do the job.

    The store also holds the TLS certificate (key encipherment too), hence the EKU; the job is judged as the SCEP
    probe judges GetCACert's certificates (``CertInfo.serves_ra_purpose``)."""
    return [c for c in certs if c.has_eku(OID_CERTIFICATE_REQUEST_AGENT) and c.serves_ra_purpose(purpose)]


def _ra_cert_valid(ctx: Context, purpose: str) -> Outcome:
    label = RA_LABELS[purpose]
    found = ra_certificates(certificates(ctx, CERTS_MY), purpose)
    if not found:
        return failed(f"no {label} RA certificate (Certificate Request Agent EKU) in LocalMachine\\My")
    usable = [c for c in found if c.has_private_key]
    if not usable:
        return failed(f"the {label} RA certificate has no private key", newest(found).evidence(ctx.now))
    return judge_validity(newest(usable), ctx.now, ctx.settings.expiry_warning_days, f"the {label} RA certificate")


RA_RENEW = (
    "Renew NDES's RA certificates (both are issued together): on NDES run the RA renewal or re-request "
    "from the CEPEncryption and EnrollmentAgentOffline templates into LocalMachine\\My, then iisreset."
)
RA_RENEW_TR = (
    "NDES'in RA sertifikalarını yenileyin (ikisi birlikte verilir): NDES'te RA yenilemesini çalıştırın ya da "
    "CEPEncryption ve EnrollmentAgentOffline şablonlarından LocalMachine\\My deposuna yeniden sertifika isteyin, "
    "ardından iisreset çalıştırın."
)


@PLUGIN.check(
    "ra_encryption_cert_valid",
    "NDES holds a valid CEP Encryption RA certificate with its private key",
    roles=("ndes",),
    reads=(CERTS_MY,),
    codes=(0x408,),
    remediation=RA_RENEW,
    title_tr="NDES'te özel anahtarlı geçerli bir CEP Encryption RA sertifikası var",
    remediation_tr=RA_RENEW_TR,
)
def ra_encryption_cert_valid(ctx: Context) -> Outcome:
    return _ra_cert_valid(ctx, "encryption")


@PLUGIN.check(
    "ra_signing_cert_valid",
    "NDES holds a valid Exchange Enrollment Agent (Offline request) RA certificate with its private key",
    roles=("ndes",),
    reads=(CERTS_MY,),
    codes=(0x409,),
    remediation=RA_RENEW,
    title_tr="NDES'te özel anahtarlı geçerli bir Exchange Enrollment Agent (Offline request) RA sertifikası var",
    remediation_tr=RA_RENEW_TR,
)
def ra_signing_cert_valid(ctx: Context) -> Outcome:
    return _ra_cert_valid(ctx, "signing")


def request_limits(config_text: str) -> dict[str, int]:
    """Effective requestLimits for the SCEP application: IIS defaults, then the server level, then locations."""
    limits = {"maxUrl": 4096, "maxQueryString": 2048}
    root = ElementTree.fromstring(config_text)
    scopes = [root] + [
        loc
        for loc in root.iter("location")
        if str(loc.get("path", "")).lower()
        in ("", "default web site", "default web site/certsrv", "default web site/certsrv/mscep")
    ]
    for scope in scopes:
        for element in scope.findall("./system.webServer/security/requestFiltering/requestLimits"):
            for name in limits:
                value = element.get(name)
                if value is not None:
                    if not value.isascii() or not value.isdigit() or len(value) > 10:
                        raise ValueError(f"requestLimits {name}={value[:20]!r} is not a number")
                    limits[name] = int(value)
    return limits


@PLUGIN.check(
    "iis_request_limits",
    "IIS request filtering allows SCEP's long URLs and queries",
    roles=("ndes",),
    reads=(IIS_CONFIG,),
    codes=(SCEP_DESERIALIZE,),
    remediation="In IIS Manager > Default Web Site > Request Filtering > Edit Feature Settings set Maximum URL "
    "length and Maximum query string to 65534 (or appcmd set config … requestLimits), then iisreset.",
    title_tr="IIS istek filtreleme SCEP'in uzun URL ve sorgularına izin veriyor",
    remediation_tr="IIS Yöneticisi'nde (IIS Manager) Default Web Site > İstek Filtreleme (Request Filtering) > "
    "Özellik Ayarlarını Düzenle (Edit Feature Settings) altında en büyük URL uzunluğunu (Maximum URL length) ve en "
    "büyük sorgu dizesini (Maximum query string) 65534 yapın (ya da appcmd set config … requestLimits), ardından "
    "iisreset çalıştırın.",
)
def iis_request_limits(ctx: Context) -> Outcome:
    config = ctx.read(IIS_CONFIG)
    if config.text is None:
        return unknown(f"{config.path} was not found: is IIS installed?", {"path": config.path})
    try:
        limits = request_limits(config.text)
    except (ElementTree.ParseError, ValueError) as exc:
        return unknown(f"applicationHost.config is not readable (or was cut at the 4 MiB cap): {exc}")
    short = {k: v for k, v in limits.items() if v < LONG_URL_LIMIT}
    if short:
        return failed(
            "request limits too small for SCEP: "
            + ", ".join(f"{k}={v}" for k, v in short.items())
            + f" (need {LONG_URL_LIMIT})",
            limits,
        )
    return passed(f"maxUrl={limits['maxUrl']} and maxQueryString={limits['maxQueryString']}", limits)


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
)
def httpsys_limits(ctx: Context) -> Outcome:
    key = ctx.read(HTTPSYS_PARAMETERS)
    names = ("MaxFieldLength", "MaxRequestBytes")
    evidence: dict[str, Any] = {name: (key or {}).get(name) for name in names}
    evidence["types"] = {name: registry_kind((key or {}).get(name)) for name in names}
    short = []
    for name in names:
        value = registry_dword(key, name)
        if value is None and (key or {}).get(name) is not None:
            # HTTP.sys reads these as REG_DWORD only; a REG_SZ "65534" is ignored and the default applies.
            short.append(f"{name} is {registry_kind((key or {}).get(name))}, which HTTP.sys ignores "
                         f"(default {HTTPSYS_DEFAULT} applies)")
        elif value is None or value < LONG_URL_LIMIT:
            short.append(f"{name}={'default (16384)' if value is None else value}")
    if short:
        return failed("HTTP.sys limits too small: " + "; ".join(short) + f" (need {LONG_URL_LIMIT}, REG_DWORD)",
                      evidence)
    return passed("MaxFieldLength and MaxRequestBytes are at least 65534 (REG_DWORD)", evidence)


@PLUGIN.check(
    "mscep_templates_set",
    "NDES's MSCEP registry names the site's SCEP template",
    roles=("ndes",),
    reads=(MSCEP_REGISTRY,),
    codes=(SCEP_DESERIALIZE,),
    remediation="Set EncryptionTemplate, GeneralPurposeTemplate and SignatureTemplate under "
    "HKLM\\SOFTWARE\\Microsoft\\Cryptography\\MSCEP to the SCEP template's name (not its display name), "
    "then iisreset.",
    title_tr="NDES'in MSCEP kayıt defteri değerleri sitenin SCEP şablonunu adlandırıyor",
    remediation_tr="HKLM\\SOFTWARE\\Microsoft\\Cryptography\\MSCEP altındaki EncryptionTemplate, "
    "GeneralPurposeTemplate ve SignatureTemplate değerlerini SCEP şablonunun adına (görünen adına değil) ayarlayın, "
    "ardından iisreset çalıştırın.",
)
def mscep_templates_set(ctx: Context) -> Outcome:
    key = ctx.read(MSCEP_REGISTRY)
    if key is None:
        return failed("the MSCEP registry key does not exist: NDES is not configured")
    values = {name: registry_string(key, name) for name in MSCEP_VALUES}
    evidence: dict[str, Any] = dict(values)
    missing = [n for n, v in values.items() if not v]
    if missing:
        return failed("MSCEP values missing (or not REG_SZ): " + ", ".join(missing), evidence)
    expected = ctx.site.scep_template
    if all(v == MSCEP_DEFAULT for v in values.values()):
        return failed(f"all MSCEP values are still the default {MSCEP_DEFAULT}", evidence)
    if expected:
        evidence["expected"] = expected
        matching = [n for n, v in values.items() if str(v).casefold() == expected.casefold()]
        if not matching:
            return failed(f"no MSCEP value names the site's SCEP template {expected}", evidence)
        if len(matching) < len(values):
            others = [n for n in values if n not in matching]
            return warned(
                f"{', '.join(others)} do not name {expected}; fine only if the template's purpose "
                "matches the values that do",
                evidence,
            )
    return passed("MSCEP values set: " + ", ".join(f"{n}={v}" for n, v in values.items()), evidence)


@PLUGIN.check(
    "ndes_not_on_ca_or_dc",
    "NDES runs on its own member server, not on the CA or a domain controller",
    roles=("ndes",),
    reads=(HOST_INFO, WINDOWS_FEATURES, SERVICES),
    codes=(UNKNOWN_ERROR,),
    remediation="Install NDES and the connector on a dedicated member server; Microsoft does not support NDES on "
    "the issuing CA or on a domain controller.",
    title_tr="NDES ayrı bir üye sunucuda; CA veya etki alanı denetleyicisinde değil",
    remediation_tr="NDES'i ve bağlayıcıyı yalnızca bu işe ayrılmış bir üye sunucuya kurun; Microsoft, NDES'i "
    "sertifika veren CA'da veya bir etki alanı denetleyicisinde desteklemez.",
)
def ndes_not_on_ca_or_dc(ctx: Context) -> Outcome:
    role = ctx.read(HOST_INFO).domain_role
    evidence = {"domain_role": role}
    if role >= 4:
        return failed("NDES is installed on a domain controller", evidence)
    if "ADCS-Cert-Authority" in ctx.read(WINDOWS_FEATURES) or service(ctx, "CertSvc") is not None:
        return failed("NDES is installed on the certification authority", evidence)
    return passed("NDES runs on a member server without the CA role", evidence)


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


@PLUGIN.check(
    "tls_binding_cert_valid",
    "The NDES HTTPS binding's certificate is valid for the NDES name",
    roles=("ndes",),
    reads=(HTTP_SSL_BINDINGS, CERTS_MY, HOST_INFO),
    codes=(UNKNOWN_ERROR,),
    remediation="Bind a certificate to port 443 of the Default Web Site that is valid, has Server Authentication, "
    "and names the NDES FQDN (internal and external) in its SAN.",
    title_tr="NDES HTTPS bağlamasının sertifikası NDES adı için geçerli",
    remediation_tr="Default Web Site sitesinin 443 numaralı bağlantı noktasına geçerli, Sunucu Kimlik Doğrulaması "
    "(Server Authentication) amacını taşıyan ve SAN alanında NDES FQDN'sini (iç ve dış) içeren bir sertifika "
    "bağlayın.",
)
def tls_binding_cert_valid(ctx: Context) -> Outcome:
    host_fqdn = ctx.read(HOST_INFO).fqdn  # read always: a host whose identity is malformed verifies nothing
    fqdn = ctx.site.ndes_fqdn or host_fqdn or ctx.host
    bindings = ctx.read(HTTP_SSL_BINDINGS)
    try:
        on_443 = https_bindings(bindings, fqdn)
    except ValueError as exc:
        return unknown(f"an SslCertHash value is not base64: {exc}")
    if not on_443:
        ccs = [e for e in (bindings.get("SslCcsBindingInfo") or {}) if e.rpartition(":")[2] == "443"]
        if ccs:
            return unknown("port 443 takes its certificate from IIS's Centralized Certificate Store, which conncheck "
                           "does not read", {"bindings": ccs})
        return failed("no HTTPS certificate is bound to port 443", {"bindings": sorted(bindings)})
    endpoint, (thumbprint, store_name) = next(iter(sorted(on_443.items())))
    if store_name.upper() != "MY":
        return unknown(f"the certificate bound to {endpoint} lives in the {store_name} store, which conncheck does "
                       "not read", {"binding": endpoint, "thumbprint": thumbprint, "store": store_name})
    store = {c.thumbprint: c for c in certificates(ctx, CERTS_MY)}
    cert = store.get(thumbprint)
    if cert is None:
        return failed(
            f"the certificate bound to {endpoint} ({thumbprint}) is not in LocalMachine\\My",
            {"binding": endpoint, "thumbprint": thumbprint},
        )
    evidence: dict[str, Any] = {"binding": endpoint, "expected_name": fqdn, **cert.evidence(ctx.now)}
    if not cert.has_eku(OID_SERVER_AUTH) and cert.ekus:
        return failed("the bound certificate lacks Server Authentication", evidence)
    match = host_name_match(cert, fqdn)
    if match == "no":
        return failed(
            f"the bound certificate does not name {fqdn} (SAN: {', '.join(cert.dns_names) or 'none'})", evidence
        )
    if match == "cn only":
        return warned(f"the bound certificate names {fqdn} only in its CN, which Apple devices and browsers ignore: "
                      "put the name in the Subject Alternative Name", evidence)
    return judge_validity(cert, ctx.now, ctx.settings.expiry_warning_days, "the NDES TLS certificate")


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
)
def scep_app_pool_started(ctx: Context) -> Outcome:
    pools = {p.name: p.state for p in ctx.read(APP_POOLS)}
    state = pools.get(SCEP_APP_POOL)
    if state is None:
        return failed("there is no SCEP application pool: NDES is not installed or not configured", {"pools": pools})
    if state != "Started":
        return failed(f"the SCEP application pool is {state}", {"pools": pools})
    return passed("the SCEP application pool is started", {"pools": pools})


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
)
def iis_running(ctx: Context) -> Outcome:
    states = {name: service(ctx, name) for name in ("W3SVC", "WAS")}
    missing = [n for n, s in states.items() if s is None]
    if missing:
        return failed("not installed: " + ", ".join(missing))
    evidence = {n: s.status for n, s in states.items() if s is not None}
    down = [n for n, status in evidence.items() if status != "Running"]
    if down:
        return failed("not running: " + ", ".join(down), evidence)
    return passed("W3SVC and WAS are running", evidence)
