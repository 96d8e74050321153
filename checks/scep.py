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
from typing import Any, Literal
from urllib.parse import urlsplit

import msgspec
from conncheck.catalog.codes import SCEP_DESERIALIZE, SCEP_ENCRYPTION_CERT, SCEP_SIGNING_CERT, UNKNOWN_ERROR
from conncheck.checks._common import judge_validity
from conncheck.pki import pkcs7
from conncheck.pki.certs import OID_SERVER_AUTH, CertificateError, CertInfo, from_b64, host_name_match, validity
from conncheck.plugin import Context, HttpRequest, Plugin, Probe, ProbeUnavailable
from conncheck.results import Fix, Outcome, failed, passed, skipped, unknown, warned
from conncheck.schema import Base64
from cryptography import x509

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

GETCACERT_NOT_200 = Fix(
    "GetCACert must answer 200: a 503 means the SCEP application pool is stopped (start it; an intermediate CA in "
    "the Trusted Root store or a locked NDES service account stop it), a 500 that NDES fails inside (read the "
    "Application log on NDES), a 404 a wrong URL or a missing NDES role."
)
WINHTTP_12152 = (
    "Windows devices fail such an endpoint with WinHTTP error 12152 "
    "(ERROR_WINHTTP_INVALID_SERVER_RESPONSE) and never "
    "enroll"
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


def _complete(ctx: Context, probe: Probe[HttpExchange]) -> HttpExchange:
    """An exchange whose whole body was read: a body cut at the collector's cap supports no verdict."""
    data = ctx.read(probe)
    if data.truncated:
        raise ProbeUnavailable(ctx.host, probe.name, f"the body was cut at the collector's cap after "
                               f"{data.body_bytes} bytes; raise [scep] max_body_bytes")
    return data


# --- mscep.dll without an operation -------------------------------------------------------------------------

MSCEP_ANSWERS = {
    503: (
        "the SCEP application pool is stopped or crashing",
        "Start the SCEP application pool in IIS and read the Application log for why it stopped: an "
        "intermediate "
        "CA certificate in the Trusted Root store, an unreachable CRL, or an expired policy-module "
        "(connector) "
        "certificate are the usual causes.",
    ),
    500: (
        "NDES fails inside the request",
        "Grant IIS_IUSRS 'Impersonate a client after authentication' (Local Security Policy), make sure "
        "the NDES "
        "service account is enabled and not locked, and renew expired RA certificates.",
    ),
    414: (
        "the URL limits of IIS or HTTP.sys reject the request",
        "Set IIS maxUrl and maxQueryString to 65534 and HTTP.sys MaxFieldLength and MaxRequestBytes to "
        "65534, "
        "then restart the server.",
    ),
}


@PLUGIN.check(
    "scep_policy_module_answers_403",
    "The SCEP URL answers 403: the Intune policy module handles it",
    roles=("scep",),
    reads=(SCEP_MSCEP_GET,),
    codes=(SCEP_DESERIALIZE,),
    remediation="Install the Intune Certificate Connector with the SCEP feature on the NDES server and "
    "make sure its policy module is registered (reinstall the connector's SCEP feature).",
)
def scep_policy_module_answers_403(ctx: Context) -> Outcome:
    data = _complete(ctx, SCEP_MSCEP_GET)
    status = data.status
    if status == 403:
        return passed("answers 403 Forbidden, as NDES does with the Intune policy module installed", _seen(data))
    if status in MSCEP_ANSWERS:
        finding, fix = MSCEP_ANSWERS[status]
        server = data.server or ""
        if "microsoft-iis" not in server.lower():
            # A proxy may hide IIS's Server header, so the NDES reading stays, qualified.
            finding = (
                f"not IIS (Server: {server or 'none'}), so perhaps not NDES at all; if it is NDES behind a "
                f"proxy, {finding}"
            )
        return failed(f"answers {status}: {finding}", _seen(data), fix=Fix(fix))
    if status == 200:
        page = _body(data).decode("utf-8", errors="replace")
        if "Network Device Enrollment Service" in page:
            return failed(
                "answers 200 with the NDES page: the Intune policy module is not installed or not "
                "registered, so NDES issues certificates without Intune validating the challenge",
                _seen(data),
            )
        return failed(
            "answers 200, but not with the NDES page: something other than NDES answers this URL",
            _seen(data),
        )
    return failed(f"answers {status} {data.reason}".rstrip() + ", not NDES's 403", _seen(data))


# --- GetCACaps ----------------------------------------------------------------------------------------------

STRONG_HASHES = ("SHA-256", "SHA-512")
REPORTED_CAPS = ("SHA-256", "SHA-512", "SHA-1", "POSTPKIOperation", "Renewal", "AES", "DES3", "SCEPStandard")


@PLUGIN.check(
    "scep_getcacaps_offers_sha2",
    "GetCACaps answers with SHA-256 or SHA-512 among the capabilities",
    roles=("scep",),
    reads=(SCEP_GETCACAPS,),
    remediation="Make sure NDES answers GetCACaps (policy module, app pool) and runs on a supported "
    "Windows Server, whose NDES offers SHA-256 and SHA-512.",
)
def scep_getcacaps_offers_sha2(ctx: Context) -> Outcome:
    data = _complete(ctx, SCEP_GETCACAPS)
    if data.status != 200:
        return failed(f"GetCACaps answers {data.status}, not 200 with a capability list", _seen(data))
    try:
        text = _body(data).decode("ascii")
    except UnicodeDecodeError:
        return failed("GetCACaps answers 200 but the body is not a text capability list", _seen(data))
    caps = [line.strip() for line in text.splitlines() if line.strip()]
    lowered = {c.lower() for c in caps}
    evidence = {
        **_seen(data),
        "capabilities": caps,
        "supports": {c: c.lower() in lowered for c in REPORTED_CAPS},
    }
    # SCEPStandard (RFC 8894) implies SHA-256 and AES.
    if any(h.lower() in lowered for h in (*STRONG_HASHES, "SCEPStandard")):
        return passed(f"capabilities: {', '.join(caps)}", evidence)
    return warned(
        "no SHA-256 or SHA-512 among the capabilities: devices fall back to SHA-1"
        + ("" if caps else " (the list is empty)"),
        evidence,
    )


# --- GetCACert ----------------------------------------------------------------------------------------------


def _bundle(ctx: Context) -> tuple[pkcs7.CaBundle | Outcome, dict[str, Any]]:
    """The parsed GetCACert answer and the evidence, or the outcome that ends the check (nothing to judge)."""
    data = _complete(ctx, SCEP_GETCACERT)
    seen = {**_seen(data), "body_bytes": data.body_bytes}
    if data.status != 200:
        return failed(f"GetCACert answers {data.status}, not 200 with the CA certificates", seen,
                      fix=GETCACERT_NOT_200), seen
    try:
        return pkcs7.parse(data.content_type, _body(data)), seen
    except pkcs7.BundleError as exc:
        return failed(f"GetCACert answer unreadable: {exc}; devices cannot read it either", seen), seen


RA_ROLES = {
    "encryption": ("CEP Encryption", "keyEncipherment"),
    "signing": ("Exchange Enrollment Agent (Offline request)", "digitalSignature"),
}


def _ra_outcome(ctx: Context, role: str) -> Outcome:
    bundle, seen = _bundle(ctx)
    if isinstance(bundle, Outcome):
        return bundle
    template, usage = RA_ROLES[role]
    if not bundle.has_ra:
        return failed(
            f"GetCACert returns {'a single CA certificate' if len(bundle.cas) == 1 else 'CA certificates'} "
            f"({bundle.content_type}) and no RA certificates: a SCEP server that is not NDES, or NDES "
            "without its RA certificates",
            {**seen, "ca": [c.evidence(ctx.now) for c in bundle.cas]},
        )
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
        return failed(f"GetCACert holds no RA {role} certificate ({usage})", seen)
    current = [r for r in found if r.cert.valid_at(ctx.now)]
    if not current:
        return failed(f"the RA {role} certificate is expired or not yet valid", seen)
    chained = [r for r in current if r.issued_by is not None]
    if not chained:
        return failed(f"the RA {role} certificate is not issued by a CA certificate in the same bundle", seen)
    best = max(chained, key=lambda r: r.cert.not_after)
    days = best.cert.days_left(ctx.now)
    name = f"RA {role} certificate {best.cert.subject_cn or best.cert.thumbprint}"
    if not best.request_agent:
        return warned(f"{name} lacks the Certificate Request Agent EKU that the {template} template sets", seen)
    if validity(best.cert.not_before, best.cert.not_after, ctx.now, ctx.settings.expiry_warning_days) == "expiring":
        return warned(
            f"{name} expires in {days:.0f} days ({best.cert.not_after:%Y-%m-%d})", seen,
            fix=Fix(f"Renew the NDES RA certificates ({template} template) before they expire, then restart the "
                    "NDES server."),
        )
    issuer = best.issued_by.subject_cn if best.issued_by else ""
    return passed(f"{name} is valid until {best.cert.not_after:%Y-%m-%d}, issued by {issuer}", seen)


@PLUGIN.check(
    "scep_ra_encryption_cert_served",
    "GetCACert returns a valid RA encryption certificate",
    roles=("scep",),
    reads=(SCEP_GETCACERT,),
    codes=(SCEP_ENCRYPTION_CERT,),
    remediation="Enroll (or renew) the NDES RA encryption certificate from the CEP Encryption template "
    "into the NDES server's LocalMachine\\My store, then restart IIS.",
)
def scep_ra_encryption_cert_served(ctx: Context) -> Outcome:
    return _ra_outcome(ctx, "encryption")


@PLUGIN.check(
    "scep_ra_signing_cert_served",
    "GetCACert returns a valid RA signing certificate",
    roles=("scep",),
    reads=(SCEP_GETCACERT,),
    codes=(SCEP_SIGNING_CERT,),
    remediation="Enroll (or renew) the NDES RA signing certificate from the Exchange Enrollment Agent "
    "(Offline request) template into the NDES server's LocalMachine\\My store, then restart IIS.",
)
def scep_ra_signing_cert_served(ctx: Context) -> Outcome:
    return _ra_outcome(ctx, "signing")


@PLUGIN.check(
    "scep_ca_cert_served_valid",
    "GetCACert returns a valid CA certificate",
    roles=("scep",),
    reads=(SCEP_GETCACERT,),
    remediation="Renew the issuing CA's certificate, then renew the NDES RA certificates under it.",
)
def scep_ca_cert_served_valid(ctx: Context) -> Outcome:
    bundle, seen = _bundle(ctx)
    if isinstance(bundle, Outcome):
        return bundle
    if not bundle.cas:
        return failed("GetCACert holds no CA certificate (none with CA basic constraints or keyCertSign)", seen)
    seen["ca"] = [c.evidence(ctx.now) for c in bundle.cas]
    soonest = min(bundle.cas, key=lambda c: c.not_after)
    verdict = judge_validity(soonest, ctx.now, ctx.settings.expiry_warning_days, f"CA certificate {soonest.subject_cn}")
    invalid = [c for c in bundle.cas if not c.valid_at(ctx.now)]
    if invalid:
        return failed(f"CA certificate {invalid[0].subject_cn} is expired or not yet valid", seen)
    if verdict.status.value != "PASS":
        return warned(str(verdict.finding), seen)
    return passed(f"{len(bundle.cas)} CA certificate(s), the first to expire on {soonest.not_after:%Y-%m-%d}", seen)


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
    roles=("scep",),
    reads=(SCEP_GETCACERT, SCEP_GETCACERT.on("scep")),
    remediation="Publish the SCEP URL through the proxy without rewriting response bodies (Entra "
    "application proxy: turn off 'Translate URLs in application body'); the PKCS#7 bundle is "
    "binary and any rewrite corrupts it, so devices never send PKIOperation.",
)
def scep_external_bundle_matches_internal(ctx: Context) -> Outcome:
    if ctx.target.attributes.get("exposure") != "external":
        return skipped("internal URL: the reference external URLs are compared with")
    internals = [p for p in ctx.peers("scep") if p.target.attributes.get("exposure") == "internal"]
    if not internals:
        return skipped("no internal URL configured to compare with")
    mine = _complete(ctx, SCEP_GETCACERT)
    theirs = [(p.host, _complete(p, SCEP_GETCACERT)) for p in internals]
    body = _body(mine)
    bodies = [(url, _body(d), d) for url, d in theirs]
    for url, other, _ in bodies:
        if other == body:
            return passed(f"byte-identical to {url} ({len(body)} bytes)", {"internal": url, "sha256": _digest(body)})
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
        where = f"they first differ at byte {at}"
    else:
        where = f"one is cut short at byte {at}"
    return failed(f"the GetCACert body differs from {url}'s: {where} ({len(body)} vs {len(other)} bytes)", evidence)


# --- TLS ----------------------------------------------------------------------------------------------------


def _tls(ctx: Context) -> TlsHandshake | None:
    data = ctx.read(SCEP_TLS)
    return data if data.tls else None


def _leaf(ctx: Context, data: TlsHandshake) -> CertInfo:
    try:
        return from_b64(data.certificate_b64 or "")
    except CertificateError as exc:
        raise ProbeUnavailable(ctx.host, "scep_tls", f"server certificate not read: {exc}") from None


PLAIN_HTTP = "plain HTTP endpoint: no TLS to check"


@PLUGIN.check(
    "scep_tls_chain_trusted",
    "The endpoint's TLS certificate chains to a trusted CA",
    roles=("scep",),
    reads=(SCEP_TLS,),
    codes=(UNKNOWN_ERROR,),
    remediation="Bind a certificate issued by a CA the devices trust to the HTTPS site and make sure the "
    "server sends its intermediate CA certificates (or give conncheck the right --ca-bundle).",
)
def scep_tls_chain_trusted(ctx: Context) -> Outcome:
    data = _tls(ctx)
    if data is None:
        return skipped(PLAIN_HTTP)
    evidence = {"trust": data.trust, "tls_version": data.tls_version}
    if data.verified is True:
        return passed(f"the chain verifies against {data.trust}", evidence)
    if data.verified is False:
        return failed(f"the chain does not verify: {data.verify_error}", evidence)
    return unknown(f"the chain could not be verified: {data.verify_error or 'no verdict recorded'}", evidence)


def _ip_sans(der: bytes) -> list[str]:
    try:
        san = x509.load_der_x509_certificate(der).extensions.get_extension_for_class(x509.SubjectAlternativeName)
    except x509.ExtensionNotFound:
        return []
    return [str(ip) for ip in san.value.get_values_for_type(x509.IPAddress)]


@PLUGIN.check(
    "scep_tls_name_matches_host",
    "The endpoint's TLS certificate names the URL's host",
    roles=("scep",),
    reads=(SCEP_TLS,),
    codes=(UNKNOWN_ERROR,),
    remediation="Bind a certificate whose Subject Alternative Name lists the host name of the SCEP URL "
    "(the internal FQDN and, for the external URL, the published name).",
)
def scep_tls_name_matches_host(ctx: Context) -> Outcome:
    data = _tls(ctx)
    if data is None:
        return skipped(PLAIN_HTTP)
    leaf = _leaf(ctx, data)
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
        return passed(f"the certificate names {host}", evidence)
    if match == "cn only":
        return warned(f"the certificate names {host} only in its CN, which Apple devices and browsers ignore: put "
                      "the name in the Subject Alternative Name", evidence)
    return failed(f"the certificate does not name {host} in its Subject Alternative Name", evidence)


@PLUGIN.check(
    "scep_tls_certificate_current",
    "The endpoint's TLS certificate is valid and not about to expire",
    roles=("scep",),
    reads=(SCEP_TLS,),
    codes=(UNKNOWN_ERROR,),
    remediation="Renew the HTTPS binding's certificate on the NDES server (and on the proxy that "
    "publishes the external URL).",
)
def scep_tls_certificate_current(ctx: Context) -> Outcome:
    data = _tls(ctx)
    if data is None:
        return skipped(PLAIN_HTTP)
    return judge_validity(_leaf(ctx, data), ctx.now, ctx.settings.expiry_warning_days, "the TLS certificate")


@PLUGIN.check(
    "scep_tls_server_auth_eku",
    "The endpoint's TLS certificate allows Server Authentication",
    roles=("scep",),
    reads=(SCEP_TLS,),
    codes=(UNKNOWN_ERROR,),
    remediation="Issue the HTTPS binding's certificate from a template with the Server Authentication "
    "EKU (the Web Server template).",
)
def scep_tls_server_auth_eku(ctx: Context) -> Outcome:
    data = _tls(ctx)
    if data is None:
        return skipped(PLAIN_HTTP)
    leaf = _leaf(ctx, data)
    evidence = leaf.evidence(ctx.now)
    if not leaf.ekus:
        return passed("the certificate has no EKU extension, so it is valid for any purpose", evidence)
    if leaf.has_eku(OID_SERVER_AUTH):
        return passed("the certificate carries the Server Authentication EKU", evidence)
    return failed("the certificate's EKUs do not include Server Authentication", evidence)


@PLUGIN.check(
    "scep_no_client_certificate_request",
    "The endpoint does not ask devices for a client certificate",
    roles=("scep",),
    reads=(SCEP_TLS,),
    remediation="In IIS Manager set SSL Settings > Client certificates to Ignore on CertSrv/mscep; on a "
    "reverse proxy, turn off client-certificate (mutual TLS) authentication for the SCEP path.",
)
def scep_no_client_certificate_request(ctx: Context) -> Outcome:
    data = _tls(ctx)
    if data is None:
        return skipped(PLAIN_HTTP)
    asked = data.client_certificate_requested
    evidence = {"client_certificate_requested": asked, "status": data.status, "error": data.error}
    if asked == "handshake":
        return failed(f"the TLS handshake asks for a client certificate: {WINHTTP_12152}", evidence)
    if asked == "renegotiation":
        return failed(
            f"the server renegotiates TLS after the request to ask for a client certificate: {WINHTTP_12152}",
            evidence,
        )
    if data.status is None:
        return unknown(
            f"the request over TLS got no answer, so a later client-certificate request cannot be ruled "
            f"out: {data.error or 'no reason recorded'}",
            evidence,
        )
    return passed("no client certificate asked for, in the handshake or after the request", evidence)


# --- long URLs ----------------------------------------------------------------------------------------------

TOO_LONG_MARKERS = ("404.15", "query string is too long", "url too long", "request too long")


@PLUGIN.check(
    "scep_long_url_accepted",
    "A GET with a ~30 KB query gets past the URL limits",
    roles=("scep",),
    reads=(SCEP_LONG_URL,),
    codes=(SCEP_DESERIALIZE,),
    remediation="Set IIS requestFiltering maxUrl and maxQueryString to 65534 and HTTP.sys MaxFieldLength "
    "and MaxRequestBytes to 65534 on the NDES server (and raise the proxy's URL limit), then "
    "restart it.",
)
def scep_long_url_accepted(ctx: Context) -> Outcome:
    data = ctx.read(SCEP_LONG_URL)
    if not data.sent:
        return skipped(f"long-URL probe not sent: {data.reason or 'off by default'}")
    status = data.status
    if status is None:
        raise ProbeUnavailable(ctx.host, "scep_long_url", "the probe data holds no HTTP status")
    evidence = {**_seen(data), "query_chars": data.query_chars}
    text = _body(data).decode("utf-8", errors="replace").lower()
    if status == 414 or (status in (400, 404) and any(m in text for m in TOO_LONG_MARKERS)):
        return failed(
            f"a {data.query_chars}-character query is refused with {status}: devices' "
            "PKIOperation requests will be too",
            evidence,
        )
    return passed(
        f"a {data.query_chars}-character query got past the URL limits (answered {status})", evidence
    )
