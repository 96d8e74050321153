"""SCEP endpoints as an enrolling device sees them: NDES over HTTP(S), from outside, without credentials.

The SCEP collector (``toolkit/collectors/scep.py``) sends each probe to every URL of site.toml ``[scep]``
(``urls``: internal, ``external_urls``: the published ones) and records what came back. Probe data shapes:

``scep_mscep_get``, ``scep_getcacaps``, ``scep_getcacert``, ``scep_long_url`` (one HTTP exchange each)::

    {"url": "https://ndes.contoso.com/certsrv/mscep/mscep.dll?operation=GetCACaps&message=conncheck",
     "status": 200, "reason": "OK", "content_type": "text/plain", "server": "Microsoft-IIS/10.0",
     "body_b64": "<base64 of the body>", "body_bytes": 61, "truncated": false,
     "redirects": [{"status": 302, "url": "http://...", "location": "https://..."}]}

  ``truncated`` is true when the body was longer than the collector's cap and was cut there.
  ``scep_long_url``'s ``url`` holds the query without its filler and adds ``"query_chars": 30000``; when the
  probe is off (the default) its data is ``{"sent": false, "reason": "..."}``. A connection that fails
  (refused, timed out, TLS verification failed, too many redirects) is a failed probe: the checks that read
  it are UNKNOWN.

``scep_tls`` (the collector's own TLS connection; a GetCACaps request is sent over it so that a client
certificate asked for by renegotiation after the request shows too)::

    {"tls": true, "host": "ndes.contoso.com", "port": 443, "tls_version": "TLSv1.3",
     "cipher": "TLS_AES_256_GCM_SHA384", "certificate_b64": "<base64 DER of the server's certificate>",
     "verified": true, "verify_error": null, "trust": "/etc/ssl/contoso.pem" | "system",
     "client_certificate_requested": null | "handshake" | "renegotiation", "status": 200, "error": null}

  ``verified`` is OpenSSL's verdict on the chain against the trust (null: the verifying handshake did not
  get that far; ``verify_error`` says why); the name, dates and EKU are judged here from
  ``certificate_b64``. ``error`` is a failure after the certificate was seen (a server that insists on a
  client certificate ends the connection). For an ``http://`` URL the data is ``{"tls": false}``. When site.toml
  ``[scep] addresses`` sent the connection to an address instead of the host's DNS answer, ``"address"`` names it.
"""

from __future__ import annotations

import base64
import hashlib
import ipaddress
from typing import TYPE_CHECKING, Any, Literal
from urllib.parse import urlsplit

import msgspec
from conncheck.catalog.codes import SCEP_DESERIALIZE, SCEP_ENCRYPTION_CERT, SCEP_SIGNING_CERT, UNKNOWN_ERROR
from conncheck.checks._common import judge_validity
from conncheck.pki.certs import OID_SERVER_AUTH, CertificateError, CertInfo, from_b64, host_name_match, validity
from conncheck.plugin import Context, HttpRequest, Plugin, Probe
from conncheck.results import Fix, Msg, Outcome, failed, passed, skipped, unknown, warned
from conncheck.schema import Base64

if TYPE_CHECKING:
    from conncheck.pki import pkcs7

PLUGIN = Plugin("scep")


class Redirect(msgspec.Struct):
    status: int
    url: str
    location: str | None = None


class HttpExchange(msgspec.Struct):
    """One HTTP request and what came back; ``truncated``: the body was cut at the collector's cap."""

    url: str
    status: int
    reason: str
    content_type: str | None
    server: str | None
    body_b64: Base64
    body_bytes: int
    truncated: bool
    redirects: list[Redirect] = []


class LongUrlExchange(msgspec.Struct):
    """``scep_long_url``: an HttpExchange plus ``query_chars``, or ``{"sent": false, "reason"}`` when off."""

    sent: bool = True
    reason: str | None = None
    url: str | None = None
    status: int | None = None
    content_type: str | None = None
    server: str | None = None
    body_b64: Base64 = ""
    body_bytes: int = 0
    truncated: bool = False
    redirects: list[Redirect] = []
    query_chars: int | None = None


class TlsHandshake(msgspec.Struct):
    """``{"tls": false}`` for an http:// URL; else what the collector's own TLS connection saw."""

    tls: bool
    host: str | None = None
    port: int | None = None
    address: str | None = None
    tls_version: str | None = None
    cipher: str | None = None
    certificate_b64: Base64 | None = None
    verified: bool | None = None  # OpenSSL's verdict on the chain; null: the verifying handshake did not get there
    verify_error: str | None = None
    trust: str | None = None  # the CA bundle's path, or "system"
    client_certificate_requested: Literal["handshake", "renegotiation"] | None = None
    status: int | None = None
    error: str | None = None


MESSAGE = "message=conncheck"
SCEP_MSCEP_GET = PLUGIN.probe(
    "scep_mscep_get", HttpExchange, roles=("scep",), http=HttpRequest(),
    description="GET of the SCEP URL without an operation (NDES with the Intune policy module: 403)",
)
SCEP_GETCACAPS = PLUGIN.probe(
    "scep_getcacaps", HttpExchange, roles=("scep",), http=HttpRequest(query=f"operation=GetCACaps&{MESSAGE}"),
    description="GetCACaps: the server's capability list",
)
SCEP_GETCACERT = PLUGIN.probe(
    "scep_getcacert", HttpExchange, roles=("scep",), http=HttpRequest(query=f"operation=GetCACert&{MESSAGE}"),
    description="GetCACert: the CA certificate, or the CA and RA certificates as DER PKCS#7",
)
SCEP_TLS = PLUGIN.probe(
    "scep_tls", TlsHandshake, roles=("scep",),
    http=HttpRequest(query=f"operation=GetCACaps&{MESSAGE}", tls_handshake=True),
    description="The endpoint's TLS handshake: server certificate, trust, client-certificate request",
)
SCEP_LONG_URL = PLUGIN.probe(
    "scep_long_url", LongUrlExchange, roles=("scep",),
    http=HttpRequest(query="operation=PKIOperation&message=", pad_query_to=30000, opt_in="probe_long_url"),
    description="A PKIOperation GET with a ~30 KB query (off by default: NDES logs an error for it)",
)


SCEP_SETUP = "https://learn.microsoft.com/mem/intune/protect/certificates-scep-configure"
DEVICE_TO_NDES = "https://learn.microsoft.com/troubleshoot/mem/intune/certificates/troubleshoot-scep-certificate-device-to-ndes"
POLICY_MODULE = "https://learn.microsoft.com/troubleshoot/mem/intune/certificates/troubleshoot-scep-certificate-ndes-policy-module"
RFC_8894 = "https://www.rfc-editor.org/rfc/rfc8894"

# --- one fix per cause: the checks that meet a cause give it the same fix, so a report shows it once -------------

APP_POOL_STOPPED = Fix(
    "Start the SCEP application pool in IIS Manager (Application Pools > SCEP > Start) and read the Application log "
    "on the NDES server for why it stopped: an intermediate CA certificate in the Trusted Root store, an unreachable "
    "CRL and a locked or expired NDES service account are the usual causes.",
    "SCEP uygulama havuzunu IIS Yöneticisi'nde (IIS Manager) başlatın (Application Pools > SCEP > Start) ve neden "
    "durduğunu NDES sunucusundaki Uygulama (Application) günlüğünde okuyun: Güvenilen Kök (Trusted Root) deposundaki "
    "bir ara CA sertifikası, erişilemeyen bir CRL ve kilitlenmiş ya da parolasının süresi dolmuş bir NDES hizmet "
    "hesabı en sık nedenlerdir.",
)
NDES_FAILS_INSIDE = Fix(
    "Read the Application log on the NDES server for the error; then grant IIS_IUSRS 'Impersonate a client after "
    "authentication' (Local Security Policy), make sure the NDES service account is enabled and not locked out, and "
    "renew expired RA certificates.",
    "Hatayı NDES sunucusundaki Uygulama (Application) günlüğünde okuyun; ardından IIS_IUSRS grubuna 'Impersonate a "
    "client after authentication' hakkını verin (Yerel Güvenlik İlkesi, Local Security Policy), NDES hizmet "
    "hesabının etkin ve kilitsiz olduğundan emin olun ve süresi dolmuş RA sertifikalarını yenileyin.",
)
URL_LIMITS = Fix(
    "Set IIS requestFiltering maxUrl and maxQueryString to 65534 and HTTP.sys MaxFieldLength and MaxRequestBytes to "
    "65534 on the NDES server (and raise the proxy's URL limit), then restart the server.",
    "NDES sunucusunda IIS requestFiltering maxUrl ve maxQueryString değerlerini ve HTTP.sys MaxFieldLength ve "
    "MaxRequestBytes değerlerini 65534 yapın (ara sunucunun (proxy) URL sınırını da yükseltin), ardından sunucuyu "
    "yeniden başlatın.",
)
NOT_NDES = Fix(
    "Check the SCEP URL (it ends in /certsrv/mscep/mscep.dll) and that the server it points to runs NDES (the "
    "Network Device Enrollment Service role service of AD CS); behind a proxy, check the path it publishes.",
    "SCEP adresini (sonu /certsrv/mscep/mscep.dll ile biter) ve işaret ettiği sunucuda NDES'in (AD CS'nin Network "
    "Device Enrollment Service rol hizmeti) çalıştığını denetleyin; bir ara sunucunun (proxy) arkasındaysa "
    "yayımladığı yolu denetleyin.",
)
CREDENTIALS_ASKED = Fix(
    "Devices send no credentials: enable Anonymous Authentication on CertSrv/mscep in IIS, and turn off "
    "pre-authentication for the SCEP URL on the proxy that publishes it.",
    "Cihazlar kimlik bilgisi göndermez: IIS'te CertSrv/mscep için Anonymous Authentication'ı etkinleştirin ve SCEP "
    "adresini yayımlayan ara sunucuda (proxy) ön kimlik doğrulamayı kapatın.",
)
PROXY_GETS_NO_ANSWER = Fix(
    "The proxy in front of NDES gets no answer from it: make sure the NDES server and IIS are up, and that the proxy "
    "(the Entra application proxy connector, say) runs and reaches the internal SCEP URL.",
    "NDES'in önündeki ara sunucu (proxy) ondan yanıt alamıyor: NDES sunucusunun ve IIS'in çalıştığından, ara "
    "sunucunun (örneğin Entra uygulama ara sunucusu bağlayıcısının) çalıştığından ve iç SCEP adresine ulaştığından "
    "emin olun.",
)
RENEW_RA = Fix(
    "Renew the NDES RA certificates (CEP Encryption and Exchange Enrollment Agent (Offline request) templates) into "
    "LocalMachine\\My on the NDES server, then restart IIS (iisreset).",
    "NDES RA sertifikalarını (CEP Encryption ve Exchange Enrollment Agent (Offline request) şablonları) NDES "
    "sunucusunun LocalMachine\\My deposuna yenileyin, ardından IIS'i yeniden başlatın (iisreset).",
)
INCOMPLETE_ANSWER = Fix(
    "Check that the URL points at NDES; on the NDES server, make sure the CA certificate chain and both RA "
    "certificates (CEP Encryption, Exchange Enrollment Agent (Offline request)) are in LocalMachine\\My with their "
    "private keys (run the NDES role configuration again if they are not), then restart IIS (iisreset).",
    "Adresin NDES'e işaret ettiğini denetleyin; NDES sunucusunda CA sertifika zincirinin ve iki RA sertifikasının "
    "(CEP Encryption, Exchange Enrollment Agent (Offline request)) özel anahtarlarıyla LocalMachine\\My deposunda "
    "olduğundan emin olun (değillerse NDES rol yapılandırmasını yeniden çalıştırın), ardından IIS'i yeniden başlatın "
    "(iisreset).",
)
FOREIGN_RA = Fix(
    "NDES serves an RA certificate another CA issued: remove the stray RA certificates from LocalMachine\\My on the "
    "NDES server, enroll new ones from the issuing CA NDES uses, then restart IIS (iisreset).",
    "NDES başka bir CA'nın verdiği bir RA sertifikası sunuyor: yersiz RA sertifikalarını NDES sunucusundaki "
    "LocalMachine\\My deposundan kaldırın, NDES'in kullandığı CA'dan yenilerini kaydedin, ardından IIS'i yeniden "
    "başlatın (iisreset).",
)
UNREADABLE_ANSWER = Fix(
    "Ask GetCACert on the NDES server itself "
    "(https://localhost/certsrv/mscep/mscep.dll?operation=GetCACert&message=x): if it reads there, a proxy on the "
    "way rewrites the body (Entra application proxy: turn off 'Translate URLs in application body'); if not, "
    "something other than NDES answers the URL.",
    "GetCACert'i NDES sunucusunun kendisinde isteyin "
    "(https://localhost/certsrv/mscep/mscep.dll?operation=GetCACert&message=x): orada okunuyorsa yoldaki bir ara "
    "sunucu (proxy) yanıt gövdesini değiştiriyordur (Entra uygulama ara sunucusu: 'Translate URLs in application "
    "body' seçeneğini kapatın); okunmuyorsa adresi NDES'ten başka bir şey yanıtlıyordur.",
)
BODY_CAP = Fix(
    "Raise [scep] max_body_bytes in site.toml and collect again.",
    "site.toml'da [scep] max_body_bytes değerini yükseltin ve yeniden toplayın.",
)

# What an HTTP status of a SCEP operation says about NDES, and the fix for it.
HTTP_CAUSES: dict[int, tuple[Msg, Fix]] = {
    503: (Msg("the SCEP application pool is stopped or keeps crashing",
              "SCEP uygulama havuzu durmuş ya da sürekli çöküyor"), APP_POOL_STOPPED),
    500: (Msg("NDES fails inside the request", "NDES isteği işlerken hata veriyor"), NDES_FAILS_INSIDE),
    414: (Msg("the URL limits of IIS or HTTP.sys reject the request",
              "IIS ya da HTTP.sys URL sınırları isteği reddediyor"), URL_LIMITS),
    404: (Msg("no SCEP service at this URL", "bu adreste SCEP hizmeti yok"), NOT_NDES),
    401: (Msg("the server asks for credentials, which devices never send",
              "sunucu, cihazların hiç göndermediği kimlik bilgilerini istiyor"), CREDENTIALS_ASKED),
    502: (Msg("a proxy in front of NDES got no answer from it",
              "NDES'in önündeki ara sunucu (proxy) ondan yanıt alamadı"), PROXY_GETS_NO_ANSWER),
    504: (Msg("a proxy in front of NDES got no answer from it in time",
              "NDES'in önündeki ara sunucu (proxy) ondan zamanında yanıt alamadı"), PROXY_GETS_NO_ANSWER),
}
PROXY_STATUSES = (502, 504)  # a proxy's own answers: its Server header says nothing about NDES
# IIS, and HTTP.sys itself (it answers 503 for IIS when the application pool is down).
WINDOWS_SERVERS = ("microsoft-iis", "microsoft-httpapi")
SCEP_URL = Msg("the SCEP URL", "SCEP adresi")
WINHTTP_12152 = Msg(
    "Windows devices fail such an endpoint with WinHTTP error 12152 (ERROR_WINHTTP_INVALID_SERVER_RESPONSE) and never "
    "enroll",
    "Windows cihazları böyle bir adreste WinHTTP 12152 hatası (ERROR_WINHTTP_INVALID_SERVER_RESPONSE) alır ve hiç "
    "kayıt olamaz",
)


def _body(data: HttpExchange | LongUrlExchange) -> bytes:
    return base64.b64decode(data.body_b64 or "")


def _seen(data: HttpExchange | LongUrlExchange) -> dict[str, Any]:
    """What a device would have seen: evidence for every HTTP check."""
    out: dict[str, Any] = {"url": data.url, "status": data.status, "reason": data.reason,
                           "content_type": data.content_type, "server": data.server}
    if data.redirects:
        out["redirects"] = [msgspec.structs.asdict(r) for r in data.redirects]
    return out


def _complete(ctx: Context, probe: Probe[HttpExchange]) -> HttpExchange | Outcome:
    """An exchange whose whole body was read, or UNKNOWN: a body cut at the collector's cap supports no verdict."""
    data = ctx.read(probe)
    if data.truncated:
        return unknown(Msg(f"the {probe.name} answer was cut at the collector's cap after {data.body_bytes} bytes",
                           f"{probe.name} yanıtı toplayıcının sınırında, {data.body_bytes} bayttan sonra kesildi"),
                       _seen(data), fix=BODY_CAP)
    return data


def _not_answered(operation: Msg, data: HttpExchange, expected: int = 200) -> Outcome:
    """A SCEP operation that answered another status than ``expected``: the cause its status names, with its fix."""
    answered = f"{data.status} {data.reason}".rstrip()
    cause = HTTP_CAUSES.get(data.status)
    if cause is None:
        return failed(Msg(f"{operation.en} answers {answered}, not {expected}",
                          f"{operation.tr} {answered} yanıtını veriyor, {expected} değil"), _seen(data))
    meaning, fix = cause
    return failed(Msg(f"{operation.en} answers {answered}: {meaning.en}",
                      f"{operation.tr} {answered} yanıtını veriyor: {meaning.tr}"), _seen(data), fix=fix)


# --- mscep.dll without an operation -------------------------------------------------------------------------


@PLUGIN.check(
    "scep_policy_module_answers_403",
    "The SCEP URL answers 403: the Intune policy module handles it",
    title_tr="SCEP adresi 403 yanıtı veriyor: isteği Intune ilke modülü karşılıyor",
    roles=("scep",),
    reads=(SCEP_MSCEP_GET,),
    codes=(SCEP_DESERIALIZE,),
    remediation="Install the Intune Certificate Connector with the SCEP feature on the NDES server and "
    "make sure its policy module is registered (reinstall the connector's SCEP feature).",
    remediation_tr="NDES sunucusuna Intune Certificate Connector'ı SCEP özelliğiyle kurun ve ilke modülünün kayıtlı "
    "olduğundan emin olun (bağlayıcının SCEP özelliğini yeniden kurun).",
    references=(DEVICE_TO_NDES, POLICY_MODULE, SCEP_SETUP),
)
def scep_policy_module_answers_403(ctx: Context) -> Outcome:
    data = _complete(ctx, SCEP_MSCEP_GET)
    if isinstance(data, Outcome):
        return data
    status = data.status
    if status == 403:
        return passed(Msg("answers 403 Forbidden, as NDES does with the Intune policy module installed",
                          "NDES'in Intune ilke modülü kuruluyken verdiği gibi 403 Forbidden yanıtı veriyor"),
                      _seen(data))
    if status == 200:
        page = _body(data).decode("utf-8", errors="replace")
        if "Network Device Enrollment Service" in page:
            return failed(Msg(
                "answers 200 with the NDES page: the Intune policy module is not installed or not registered, so "
                "NDES issues certificates without Intune validating the challenge",
                "NDES sayfasıyla 200 yanıtı veriyor: Intune ilke modülü kurulu ya da kayıtlı değil, bu yüzden NDES, "
                "Intune sınamayı doğrulamadan sertifika veriyor",
            ), _seen(data))
        return failed(Msg("answers 200, but not with the NDES page: something other than NDES answers this URL",
                          "200 yanıtı veriyor, ancak NDES sayfasıyla değil: bu adresi NDES'ten başka bir şey "
                          "yanıtlıyor"), _seen(data), fix=NOT_NDES)
    outcome = _not_answered(SCEP_URL, data, expected=403)
    server = data.server or ""
    if status in HTTP_CAUSES and status not in PROXY_STATUSES and not server.lower().startswith(WINDOWS_SERVERS):
        # A proxy may hide IIS's Server header, so the NDES reading stays, qualified.
        said = outcome.finding
        assert isinstance(said, Msg)
        shown = server or "none"
        outcome = failed(Msg(f"not IIS (Server: {shown}), so perhaps not NDES at all; if it is NDES behind a proxy, "
                             f"{said.en}",
                             f"IIS değil (Server: {shown}), belki hiç NDES değil; NDES bir ara sunucunun (proxy) "
                             f"arkasındaysa: {said.tr}"), outcome.evidence, fix=outcome.fix)
    return outcome


# --- GetCACaps ----------------------------------------------------------------------------------------------

STRONG_HASHES = ("SHA-256", "SHA-512")
REPORTED_CAPS = ("SHA-256", "SHA-512", "SHA-1", "POSTPKIOperation", "Renewal", "AES", "DES3", "SCEPStandard")
GETCACAPS = Msg("GetCACaps", "GetCACaps")


@PLUGIN.check(
    "scep_getcacaps_offers_sha2",
    "GetCACaps answers with SHA-256 or SHA-512 among the capabilities",
    title_tr="GetCACaps yanıtındaki yetenekler arasında SHA-256 ya da SHA-512 var",
    roles=("scep",),
    reads=(SCEP_GETCACAPS,),
    remediation="Run NDES on a supported Windows Server: its GetCACaps offers SHA-256 and SHA-512. A SCEP server "
    "that offers only SHA-1 makes devices sign their requests with SHA-1.",
    remediation_tr="NDES'i desteklenen bir Windows Server üzerinde çalıştırın: onun GetCACaps yanıtı SHA-256 ve "
    "SHA-512 sunar. Yalnızca SHA-1 sunan bir SCEP sunucusu, cihazların isteklerini SHA-1 ile imzalamasına yol açar.",
    references=(RFC_8894, SCEP_SETUP),
)
def scep_getcacaps_offers_sha2(ctx: Context) -> Outcome:
    data = _complete(ctx, SCEP_GETCACAPS)
    if isinstance(data, Outcome):
        return data
    if data.status != 200:
        return _not_answered(GETCACAPS, data)
    try:
        text = _body(data).decode("ascii")
    except UnicodeDecodeError:
        return failed(Msg("GetCACaps answers 200 but the body is not a text capability list",
                          "GetCACaps 200 yanıtı veriyor, ancak gövde metin bir yetenek listesi değil"), _seen(data),
                      fix=NOT_NDES)
    caps = [line.strip() for line in text.splitlines() if line.strip()]
    lowered = {c.lower() for c in caps}
    evidence = {
        **_seen(data),
        "capabilities": caps,
        "supports": {c: c.lower() in lowered for c in REPORTED_CAPS},
    }
    # SCEPStandard (RFC 8894) implies SHA-256 and AES.
    if any(h.lower() in lowered for h in (*STRONG_HASHES, "SCEPStandard")):
        listed = ", ".join(caps)
        return passed(Msg(f"capabilities: {listed}", f"yetenekler: {listed}"), evidence)
    return warned(Msg("no SHA-256 or SHA-512 among the capabilities: devices fall back to SHA-1"
                      + ("" if caps else " (the list is empty)"),
                      "yetenekler arasında SHA-256 ya da SHA-512 yok: cihazlar SHA-1'e geri döner"
                      + ("" if caps else " (liste boş)")), evidence)


# --- GetCACert ----------------------------------------------------------------------------------------------

GETCACERT = Msg("GetCACert", "GetCACert")


def _bundle(ctx: Context) -> tuple[pkcs7.CaBundle | Outcome, dict[str, Any]]:
    from conncheck.pki import pkcs7

    """The parsed GetCACert answer and the evidence, or the outcome that ends the check (nothing to judge)."""
    data = _complete(ctx, SCEP_GETCACERT)
    if isinstance(data, Outcome):
        return data, {}
    seen = {**_seen(data), "body_bytes": data.body_bytes}
    if data.status != 200:
        return _not_answered(GETCACERT, data), seen
    try:
        return pkcs7.parse(data.content_type, _body(data)), seen
    except pkcs7.BundleError as exc:
        return failed(Msg(f"GetCACert answer unreadable: {exc}; devices cannot read it either",
                          f"GetCACert yanıtı okunamıyor, cihazlar da okuyamaz (ayrıntı: {exc})"), seen,
                      fix=UNREADABLE_ANSWER), seen


RA_ROLES = {
    "encryption": (Msg("RA encryption certificate", "RA şifreleme sertifikası"), "CEP Encryption", "keyEncipherment"),
    "signing": (Msg("RA signing certificate", "RA imzalama sertifikası"),
                "Exchange Enrollment Agent (Offline request)", "digitalSignature"),
}


def _ra_outcome(ctx: Context, role: str) -> Outcome:
    bundle, seen = _bundle(ctx)
    if isinstance(bundle, Outcome):
        return bundle
    what, template, usage = RA_ROLES[role]
    if not bundle.has_ra:
        single = len(bundle.cas) == 1
        return failed(Msg(
            f"GetCACert returns {'a single CA certificate' if single else 'CA certificates'} ({bundle.content_type}) "
            "and no RA certificates: a SCEP server that is not NDES, or NDES without its RA certificates",
            f"GetCACert {'tek bir CA sertifikası' if single else 'CA sertifikaları'} ({bundle.content_type}) "
            "döndürüyor, RA sertifikası yok: NDES olmayan bir SCEP sunucusu ya da RA sertifikaları olmayan bir NDES",
        ), {**seen, "ca": [c.evidence(ctx.now) for c in bundle.cas]}, fix=INCOMPLETE_ANSWER)
    found = bundle.encryption() if role == "encryption" else bundle.signing()
    seen["ra_certificates"] = [
        {
            **r.cert.evidence(ctx.now),
            "key_usage": list(r.cert.key_usage),
            "signs": r.signs,
            "encrypts": r.encrypts,
            "issued_by": r.issued_by.subject if r.issued_by else None,
        }
        for r in bundle.ras
    ]
    if not found:
        return failed(Msg(f"GetCACert holds no {what.en} ({usage})", f"GetCACert yanıtında {what.tr} yok ({usage})"),
                      seen)
    current = [r for r in found if r.cert.valid_at(ctx.now)]
    if not current:
        return failed(Msg(f"the {what.en} is expired or not yet valid",
                          f"{what.tr}: süresi dolmuş ya da henüz geçerli değil"), seen, fix=RENEW_RA)
    chained = [r for r in current if r.issued_by is not None]
    if not chained:
        return failed(Msg(f"the {what.en} is not issued by a CA certificate in the same bundle",
                          f"{what.tr} aynı yanıttaki bir CA sertifikası tarafından verilmemiş"), seen, fix=FOREIGN_RA)
    best = max(chained, key=lambda r: r.cert.not_after)
    name = best.cert.subject_cn or best.cert.thumbprint
    until = f"{best.cert.not_after:%Y-%m-%d}"
    if not best.request_agent:
        return warned(Msg(f"{what.en} {name} lacks the Certificate Request Agent EKU that the {template} template sets",
                          f"{what.tr} {name}, {template} şablonunun koyduğu Certificate Request Agent EKU'sunu "
                          "taşımıyor"), seen,
                      fix=Fix(f"Enroll the RA certificate again from the {template} template (its EKU is Certificate "
                              "Request Agent), then restart IIS (iisreset).",
                              f"RA sertifikasını {template} şablonundan yeniden kaydedin (EKU'su Certificate Request "
                              "Agent'tır), ardından IIS'i yeniden başlatın (iisreset)."))
    if validity(best.cert.not_before, best.cert.not_after, ctx.now, ctx.settings.expiry_warning_days) == "expiring":
        days = f"{best.cert.days_left(ctx.now):.0f}"
        return warned(Msg(f"{what.en} {name} expires in {days} days ({until})",
                          f"{what.tr} {name}: süresi {days} gün içinde doluyor ({until})"), seen, fix=RENEW_RA)
    issuer = best.issued_by.subject_cn if best.issued_by else ""
    return passed(Msg(f"{what.en} {name} is valid until {until}, issued by {issuer}",
                      f"{what.tr} {name} {until} tarihine kadar geçerli; veren: {issuer}"), seen)


@PLUGIN.check(
    "scep_ra_encryption_cert_served",
    "GetCACert returns a valid RA encryption certificate",
    title_tr="GetCACert geçerli bir RA şifreleme sertifikası döndürüyor",
    roles=("scep",),
    reads=(SCEP_GETCACERT,),
    codes=(SCEP_ENCRYPTION_CERT,),
    remediation="Enroll (or renew) the NDES RA encryption certificate from the CEP Encryption template "
    "into the NDES server's LocalMachine\\My store, then restart IIS.",
    remediation_tr="NDES RA şifreleme sertifikasını CEP Encryption şablonundan NDES sunucusunun LocalMachine\\My "
    "deposuna kaydedin (ya da yenileyin), ardından IIS'i yeniden başlatın.",
    references=(SCEP_SETUP, RFC_8894, DEVICE_TO_NDES),
)
def scep_ra_encryption_cert_served(ctx: Context) -> Outcome:
    return _ra_outcome(ctx, "encryption")


@PLUGIN.check(
    "scep_ra_signing_cert_served",
    "GetCACert returns a valid RA signing certificate",
    title_tr="GetCACert geçerli bir RA imzalama sertifikası döndürüyor",
    roles=("scep",),
    reads=(SCEP_GETCACERT,),
    codes=(SCEP_SIGNING_CERT,),
    remediation="Enroll (or renew) the NDES RA signing certificate from the Exchange Enrollment Agent "
    "(Offline request) template into the NDES server's LocalMachine\\My store, then restart IIS.",
    remediation_tr="NDES RA imzalama sertifikasını Exchange Enrollment Agent (Offline request) şablonundan NDES "
    "sunucusunun LocalMachine\\My deposuna kaydedin (ya da yenileyin), ardından IIS'i yeniden başlatın.",
    references=(SCEP_SETUP, RFC_8894, DEVICE_TO_NDES),
)
def scep_ra_signing_cert_served(ctx: Context) -> Outcome:
    return _ra_outcome(ctx, "signing")


@PLUGIN.check(
    "scep_ca_cert_served_valid",
    "GetCACert returns a valid CA certificate",
    title_tr="GetCACert geçerli bir CA sertifikası döndürüyor",
    roles=("scep",),
    reads=(SCEP_GETCACERT,),
    remediation="Renew the issuing CA's certificate, then renew the NDES RA certificates under it.",
    remediation_tr="Sertifikayı veren CA'nın sertifikasını yenileyin, ardından altındaki NDES RA sertifikalarını "
    "yenileyin.",
    references=(RFC_8894, SCEP_SETUP),
)
def scep_ca_cert_served_valid(ctx: Context) -> Outcome:
    bundle, seen = _bundle(ctx)
    if isinstance(bundle, Outcome):
        return bundle
    if not bundle.cas:
        return failed(Msg("GetCACert holds no CA certificate (none with CA basic constraints or keyCertSign)",
                          "GetCACert yanıtında CA sertifikası yok (CA temel kısıtlaması ya da keyCertSign taşıyan "
                          "yok)"), seen, fix=INCOMPLETE_ANSWER)
    seen["ca"] = [c.evidence(ctx.now) for c in bundle.cas]
    invalid = [c for c in bundle.cas if not c.valid_at(ctx.now)]
    if invalid:
        name = invalid[0].subject_cn
        return failed(Msg(f"CA certificate {name} is expired or not yet valid",
                          f"CA sertifikası {name}: süresi dolmuş ya da henüz geçerli değil"), seen)
    soonest = min(bundle.cas, key=lambda c: c.not_after)
    name = soonest.subject_cn
    verdict = judge_validity(soonest, ctx.now, ctx.settings.expiry_warning_days,
                             Msg(f"CA certificate {name}", f"CA sertifikası {name}"))
    if verdict.status.value != "PASS":
        return warned(verdict.finding, seen)
    until, count = f"{soonest.not_after:%Y-%m-%d}", len(bundle.cas)
    return passed(Msg(f"{count} CA certificate(s), the first to expire on {until}",
                      f"{count} CA sertifikası; ilk süresi dolacak olanınki {until}"), seen)


# --- internal and external URLs -----------------------------------------------------------------------------


def _first_difference(a: bytes, b: bytes) -> int:
    for i, (x, y) in enumerate(zip(a, b, strict=False)):
        if x != y:
            return i
    return min(len(a), len(b))


def _digest(body: bytes) -> str:
    return hashlib.sha256(body).hexdigest()


@PLUGIN.check(
    "scep_external_bundle_matches_internal",
    "The external URL returns the GetCACert bundle byte for byte as the internal URL",
    title_tr="Dış adres GetCACert yanıtını iç adresle bayt bayt aynı döndürüyor",
    roles=("scep",),
    reads=(SCEP_GETCACERT, SCEP_GETCACERT.on("scep")),
    remediation="Publish the SCEP URL through the proxy without rewriting response bodies (Entra "
    "application proxy: turn off 'Translate URLs in application body'); the PKCS#7 bundle is "
    "binary and any rewrite corrupts it, so devices never send PKIOperation.",
    remediation_tr="SCEP adresini ara sunucu (proxy) üzerinden yanıt gövdelerini yeniden yazmadan yayımlayın (Entra "
    "uygulama ara sunucusu: 'Translate URLs in application body' seçeneğini kapatın); PKCS#7 yanıtı ikilidir ve her "
    "yeniden yazma onu bozar, bu yüzden cihazlar hiç PKIOperation göndermez.",
    references=(SCEP_SETUP,),
)
def scep_external_bundle_matches_internal(ctx: Context) -> Outcome:
    if ctx.target.attributes.get("exposure") != "external":
        return skipped(Msg("internal URL: the reference external URLs are compared with",
                           "iç adres: dış adresler bununla karşılaştırılır"))
    internals = [p for p in ctx.peers("scep") if p.target.attributes.get("exposure") == "internal"]
    if not internals:
        return unknown(Msg("these facts hold no internal SCEP URL to compare the external answer with",
                           "bu olgularda dış adresin yanıtının karşılaştırılacağı bir iç SCEP adresi yok"),
                       fix=Fix("List the internal SCEP URL in site.toml [scep] urls and collect again.",
                               "İç SCEP adresini site.toml'da [scep] urls altında listeleyin ve yeniden toplayın."))
    mine = _complete(ctx, SCEP_GETCACERT)
    if isinstance(mine, Outcome):
        return mine
    bodies = []
    unreadable: dict[str, Any] = {}
    for peer in internals:
        theirs = _complete(peer, SCEP_GETCACERT)
        if isinstance(theirs, Outcome):
            return theirs
        # Only a readable bundle is a reference: two identical error pages prove nothing about the bundle.
        bundle, _ = _bundle(peer)
        if isinstance(bundle, Outcome):
            unreadable[peer.host] = {"status": theirs.status, "content_type": theirs.content_type}
            continue
        bodies.append((peer.host, _body(theirs), theirs))
    if not bodies:
        return unknown(Msg("no internal URL returns a readable GetCACert bundle to compare with (its own GetCACert "
                           "checks say why)",
                           "hiçbir iç adres karşılaştırılacak okunabilir bir GetCACert yanıtı döndürmüyor (nedenini "
                           "o adresin kendi GetCACert denetimleri söylüyor)"), {"internal": unreadable})
    body = _body(mine)
    for url, other, _ in bodies:
        if other == body:
            return passed(Msg(f"byte-identical to {url} ({len(body)} bytes)",
                              f"{url} ile bayt bayt aynı ({len(body)} bayt)"),
                          {"internal": url, "sha256": _digest(body)})
    url, other, data = max(bodies, key=lambda b: _first_difference(body, b[1]))
    at = _first_difference(body, other)
    evidence: dict[str, Any] = {
        "internal": url,
        "first_difference_offset": at,
        "external_bytes": len(body),
        "internal_bytes": len(other),
        "external_sha256": _digest(body),
        "internal_sha256": _digest(other),
        "external_status": mine.status,
        "internal_status": data.status,
        "external_content_type": mine.content_type,
        "internal_content_type": data.content_type,
    }
    if at < len(body) and at < len(other):
        evidence.update(external_byte=f"0x{body[at]:02X}", internal_byte=f"0x{other[at]:02X}")
        where = Msg(f"they first differ at byte {at}", f"ilk fark {at}. baytta")
    else:
        where = Msg(f"one is cut short at byte {at}", f"biri {at}. baytta kesilmiş")
    sizes = (len(body), len(other))
    return failed(Msg(f"the GetCACert body differs from {url}'s: {where.en} ({sizes[0]} vs {sizes[1]} bytes)",
                      f"GetCACert gövdesi {url} adresindekinden farklı: {where.tr} ({sizes[0]} ve {sizes[1]} bayt)"),
                  evidence)


# --- TLS ----------------------------------------------------------------------------------------------------


def _tls(ctx: Context) -> TlsHandshake | None:
    data = ctx.read(SCEP_TLS)
    return data if data.tls else None


def _leaf(data: TlsHandshake) -> CertInfo | Outcome:
    """The server's certificate, or UNKNOWN when it cannot be read (nothing to judge)."""
    try:
        return from_b64(data.certificate_b64 or "")
    except CertificateError as exc:
        return unknown(Msg(f"the server certificate could not be read: {exc}",
                           f"sunucu sertifikası okunamadı: {exc}"), {"error": str(exc)})


PLAIN_HTTP = Msg("plain HTTP endpoint: no TLS to check", "düz HTTP adresi: denetlenecek TLS yok")
TLS_REFERENCES = (SCEP_SETUP, DEVICE_TO_NDES)


@PLUGIN.check(
    "scep_tls_chain_trusted",
    "The endpoint's TLS certificate chains to a trusted CA",
    title_tr="Adresin TLS sertifikası güvenilen bir CA'ya zincirleniyor",
    roles=("scep",),
    reads=(SCEP_TLS,),
    codes=(UNKNOWN_ERROR,),
    remediation="Bind a certificate issued by a CA the devices trust to the HTTPS site and make sure the "
    "server sends its intermediate CA certificates (or give conncheck the right --ca-bundle).",
    remediation_tr="Cihazların güvendiği bir CA'nın verdiği bir sertifikayı HTTPS sitesine bağlayın ve sunucunun ara "
    "CA sertifikalarını da gönderdiğinden emin olun (ya da conncheck'e doğru --ca-bundle dosyasını verin).",
    references=TLS_REFERENCES,
)
def scep_tls_chain_trusted(ctx: Context) -> Outcome:
    data = _tls(ctx)
    if data is None:
        return skipped(PLAIN_HTTP)
    evidence = {"trust": data.trust, "tls_version": data.tls_version}
    if data.verified is True:
        return passed(Msg(f"the chain verifies against {data.trust}",
                          f"zincir {data.trust} güven deposuna göre doğrulanıyor"), evidence)
    if data.verified is False:
        return failed(Msg(f"the chain does not verify: {data.verify_error}",
                          f"zincir doğrulanmıyor (OpenSSL: {data.verify_error})"), evidence)
    why = f"(OpenSSL: {data.verify_error})" if data.verify_error else "(kayıtlı bir karar yok)"
    return unknown(Msg(f"the chain could not be verified: {data.verify_error or 'no verdict recorded'}",
                       f"zincir doğrulanamadı {why}"), evidence)


def _ip_sans(der: bytes) -> list[str]:
    from cryptography import x509

    try:
        san = x509.load_der_x509_certificate(der).extensions.get_extension_for_class(x509.SubjectAlternativeName)
    except x509.ExtensionNotFound:
        return []
    return [str(ip) for ip in san.value.get_values_for_type(x509.IPAddress)]


@PLUGIN.check(
    "scep_tls_name_matches_host",
    "The endpoint's TLS certificate names the URL's host",
    title_tr="Adresin TLS sertifikası URL'deki sunucu adını taşıyor",
    roles=("scep",),
    reads=(SCEP_TLS,),
    codes=(UNKNOWN_ERROR,),
    remediation="Bind a certificate whose Subject Alternative Name lists the host name of the SCEP URL "
    "(the internal FQDN and, for the external URL, the published name).",
    remediation_tr="Subject Alternative Name (SAN) alanında SCEP adresindeki sunucu adını (iç FQDN'yi ve dış adres "
    "için yayımlanan adı) listeleyen bir sertifika bağlayın.",
    references=TLS_REFERENCES,
)
def scep_tls_name_matches_host(ctx: Context) -> Outcome:
    data = _tls(ctx)
    if data is None:
        return skipped(PLAIN_HTTP)
    leaf = _leaf(data)
    if isinstance(leaf, Outcome):
        return leaf
    host = urlsplit(ctx.host).hostname or ""
    evidence = {"host": host, "dns_names": list(leaf.dns_names), "subject": leaf.subject}
    try:
        ipaddress.ip_address(host)
    except ValueError:
        match = host_name_match(leaf, host)
    else:
        evidence["ip_addresses"] = _ip_sans(leaf.der)
        match = "san" if host in evidence["ip_addresses"] else "no"
    if match == "san":
        return passed(Msg(f"the certificate names {host}", f"sertifika {host} adını taşıyor"), evidence)
    if match == "cn only":
        return warned(Msg(f"the certificate names {host} only in its CN, which Apple devices and browsers ignore: "
                          "put the name in the Subject Alternative Name",
                          f"sertifika {host} adını yalnızca CN'de taşıyor, Apple cihazları ve tarayıcılar CN'yi "
                          "dikkate almaz: adı Subject Alternative Name (SAN) alanına koyun"), evidence)
    return failed(Msg(f"the certificate does not name {host} in its Subject Alternative Name",
                      f"sertifika Subject Alternative Name (SAN) alanında {host} adını taşımıyor"), evidence)


@PLUGIN.check(
    "scep_tls_certificate_current",
    "The endpoint's TLS certificate is valid and not about to expire",
    title_tr="Adresin TLS sertifikası geçerli ve süresi dolmak üzere değil",
    roles=("scep",),
    reads=(SCEP_TLS,),
    codes=(UNKNOWN_ERROR,),
    remediation="Renew the HTTPS binding's certificate on the NDES server (and on the proxy that "
    "publishes the external URL).",
    remediation_tr="NDES sunucusundaki (ve dış adresi yayımlayan ara sunucudaki (proxy)) HTTPS bağlamasının "
    "sertifikasını yenileyin.",
    references=TLS_REFERENCES,
)
def scep_tls_certificate_current(ctx: Context) -> Outcome:
    data = _tls(ctx)
    if data is None:
        return skipped(PLAIN_HTTP)
    leaf = _leaf(data)
    if isinstance(leaf, Outcome):
        return leaf
    what = Msg("the TLS certificate", "TLS sertifikası")
    return judge_validity(leaf, ctx.now, ctx.settings.expiry_warning_days, what)


@PLUGIN.check(
    "scep_tls_server_auth_eku",
    "The endpoint's TLS certificate allows Server Authentication",
    title_tr="Adresin TLS sertifikası Server Authentication amacına izin veriyor",
    roles=("scep",),
    reads=(SCEP_TLS,),
    codes=(UNKNOWN_ERROR,),
    remediation="Issue the HTTPS binding's certificate from a template with the Server Authentication "
    "EKU (the Web Server template).",
    remediation_tr="HTTPS bağlamasının sertifikasını Server Authentication EKU'su olan bir şablondan (Web Server "
    "şablonu) verin.",
    references=TLS_REFERENCES,
)
def scep_tls_server_auth_eku(ctx: Context) -> Outcome:
    data = _tls(ctx)
    if data is None:
        return skipped(PLAIN_HTTP)
    leaf = _leaf(data)
    if isinstance(leaf, Outcome):
        return leaf
    evidence = leaf.evidence(ctx.now)
    if not leaf.ekus:
        return passed(Msg("the certificate has no EKU extension, so it is valid for any purpose",
                          "sertifikada EKU uzantısı yok, yani her amaç için geçerli"), evidence)
    if leaf.has_eku(OID_SERVER_AUTH):
        return passed(Msg("the certificate carries the Server Authentication EKU",
                          "sertifika Server Authentication EKU'sunu taşıyor"), evidence)
    return failed(Msg("the certificate's EKUs do not include Server Authentication",
                      "sertifikanın EKU'ları arasında Server Authentication yok"), evidence)


@PLUGIN.check(
    "scep_no_client_certificate_request",
    "The endpoint does not ask devices for a client certificate",
    title_tr="Adres cihazlardan istemci sertifikası istemiyor",
    roles=("scep",),
    reads=(SCEP_TLS,),
    remediation="In IIS Manager set SSL Settings > Client certificates to Ignore on CertSrv/mscep; on a "
    "reverse proxy, turn off client-certificate (mutual TLS) authentication for the SCEP path.",
    remediation_tr="IIS Yöneticisi'nde (IIS Manager) CertSrv/mscep için SSL Settings > Client certificates ayarını "
    "Ignore yapın; bir ters ara sunucuda (reverse proxy) SCEP yolu için istemci sertifikası (karşılıklı TLS) kimlik "
    "doğrulamasını kapatın.",
    references=TLS_REFERENCES,
)
def scep_no_client_certificate_request(ctx: Context) -> Outcome:
    data = _tls(ctx)
    if data is None:
        return skipped(PLAIN_HTTP)
    asked = data.client_certificate_requested
    evidence = {"client_certificate_requested": asked, "status": data.status, "error": data.error}
    if asked == "handshake":
        return failed(Msg(f"the TLS handshake asks for a client certificate: {WINHTTP_12152.en}",
                          f"TLS el sıkışması istemci sertifikası istiyor: {WINHTTP_12152.tr}"), evidence)
    if asked == "renegotiation":
        return failed(Msg(
            f"the server renegotiates TLS after the request to ask for a client certificate: {WINHTTP_12152.en}",
            f"sunucu, istemci sertifikası istemek için istekten sonra TLS'i yeniden anlaşıyor: {WINHTTP_12152.tr}",
        ), evidence)
    if data.status is None:
        return unknown(Msg(
            "the request over TLS got no answer, so a later client-certificate request cannot be ruled out: "
            f"{data.error or 'no reason recorded'}",
            "TLS üzerinden gönderilen istek yanıt almadı, bu yüzden sonradan bir istemci sertifikası istenmesi "
            f"dışlanamıyor: {data.error or 'kayıtlı bir neden yok'}",
        ), evidence)
    return passed(Msg("no client certificate asked for, in the handshake or after the request",
                      "ne el sıkışmada ne de istekten sonra istemci sertifikası istenmedi"), evidence)


# --- long URLs ----------------------------------------------------------------------------------------------

TOO_LONG_MARKERS = ("404.15", "query string is too long", "url too long", "request too long")
LONG_URL_404 = Fix(
    "Find this request in the IIS log on the NDES server (%SystemDrive%\\inetpub\\logs\\LogFiles\\W3SVC1): a 404 "
    f"with substatus 15 is request filtering's query-string limit; then {URL_LIMITS.en} A 404 without such an entry "
    "comes from something other than NDES: check the SCEP URL and the proxy that publishes it.",
    "Bu isteği NDES sunucusundaki IIS günlüğünde (%SystemDrive%\\inetpub\\logs\\LogFiles\\W3SVC1) bulun: 15 alt "
    f"durumlu bir 404, istek filtrelemesinin sorgu dizesi sınırıdır; öyleyse {URL_LIMITS.tr} Böyle bir kaydı olmayan "
    "bir 404'ü NDES'ten başka bir şey veriyordur: SCEP adresini ve onu yayımlayan ara sunucuyu (proxy) denetleyin.",
)


@PLUGIN.check(
    "scep_long_url_accepted",
    "A GET with a ~30 KB query gets past the URL limits",
    title_tr="~30 KB sorgulu bir GET isteği URL sınırlarını geçiyor",
    roles=("scep",),
    reads=(SCEP_LONG_URL,),
    codes=(SCEP_DESERIALIZE,),
    remediation=URL_LIMITS.en,
    remediation_tr=URL_LIMITS.tr,
    references=(SCEP_SETUP, DEVICE_TO_NDES),
)
def scep_long_url_accepted(ctx: Context) -> Outcome:
    data = ctx.read(SCEP_LONG_URL)
    if not data.sent:
        # The collector sends it only when asked to: NDES logs an error event for it.
        return skipped(Msg(f"long-URL probe not sent: {data.reason or 'off by default'}",
                           "uzun URL yoklaması gönderilmedi: varsayılan olarak kapalıdır, site.toml'da [scep] "
                           "probe_long_url = true (ya da conncheck scep --probe-long-url) açar"),
                       {"reason": data.reason})
    status = data.status
    if status is None:
        return unknown(Msg("the long-URL probe's data holds no HTTP status",
                           "uzun URL yoklamasının verisinde HTTP durum kodu yok"), {"url": data.url})
    evidence = {**_seen(data), "query_chars": data.query_chars}
    text = _body(data).decode("utf-8", errors="replace").lower()
    if status == 414 or (status in (400, 404) and any(m in text for m in TOO_LONG_MARKERS)):
        return failed(Msg(f"a {data.query_chars}-character query is refused with {status}: devices' PKIOperation "
                          "requests will be too",
                          f"{data.query_chars} karakterlik bir sorgu {status} ile reddediliyor: cihazların "
                          "PKIOperation istekleri de reddedilecek"), evidence, fix=URL_LIMITS)
    if status == 404:
        return unknown(Msg(
            f"a {data.query_chars}-character query is answered 404 without saying why, which does not show it got "
            "past the limits: IIS shows a remote client request filtering's 404.15 (query string too long) as a "
            "plain 404",
            f"{data.query_chars} karakterlik bir sorgu nedeni belirtilmeden 404 ile yanıtlanıyor, bu da sınırları "
            "geçtiğini göstermez: IIS, istek filtrelemesinin 404.15 (sorgu dizesi çok uzun) yanıtını uzaktaki bir "
            "istemciye düz 404 olarak gösterir",
        ), evidence, fix=LONG_URL_404)
    if status in (503, *PROXY_STATUSES):
        meaning, fix = HTTP_CAUSES[status]
        return unknown(Msg(f"the long query is answered {status} ({meaning.en}): not NDES's answer, so the URL "
                           "limits are untested",
                           f"uzun sorgu {status} ile yanıtlanıyor ({meaning.tr}): bu NDES'in yanıtı değil, bu yüzden "
                           "URL sınırları sınanmadı"), evidence, fix=fix)
    return passed(Msg(f"a {data.query_chars}-character query got past the URL limits (answered {status})",
                      f"{data.query_chars} karakterlik bir sorgu URL sınırlarını geçti ({status} yanıtı geldi)"),
                  evidence)
