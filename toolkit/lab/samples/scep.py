"""Example SCEP endpoint facts: what the collector records of a healthy NDES, built from given certificates.

``healthy_endpoint`` gives a Target with every probe of ``checks/scep.py`` as a healthy NDES with the Intune policy
module answers: 403 on the bare URL, NDES's capability list, a DER PKCS#7 GetCACert bundle of the CA and RA
certificates, and (for https URLs) a TLS handshake without a client-certificate request. The demo site and the
example snapshots add it to their facts; the tests' NDES-shaped responder serves the same bodies.
"""

from __future__ import annotations

import base64
from typing import Any
from urllib.parse import urlsplit

from conncheck.facts import SCEP_ROLE, ProbeResult, Target
from conncheck.pki.pkcs7 import CA_CERT_TYPE, CA_RA_CERT_TYPE
from cryptography import x509
from cryptography.hazmat.primitives.serialization import Encoding, pkcs7

NDES_URL = "https://ndes01.contoso.com/certsrv/mscep/mscep.dll"
IIS_SERVER = "Microsoft-IIS/10.0"
# GetCACaps as NDES on Windows Server answers it (one capability a line).
NDES_CAPS = b"POSTPKIOperation\nRenewal\nSHA-512\nSHA-256\nSHA-1\nDES3\n"
FORBIDDEN_PAGE = b"<html><head><title>403 - Forbidden: Access is denied.</title></head><body></body></html>"
NDES_PAGE = (
    b"<html><head><title>Network Device Enrollment Service</title></head><body>"
    b"<p>Network Device Enrollment Service lets network devices request certificates with SCEP.</p></body></html>"
)


def bundle(certs: list[x509.Certificate]) -> bytes:
    """A GetCACert ``application/x-x509-ca-ra-cert`` body: DER PKCS#7 certs-only, in the order given."""
    return pkcs7.serialize_certificates(certs, Encoding.DER)


def exchange(
    url: str, status: int, body: bytes, content_type: str | None, reason: str = "OK", **extra: Any
) -> dict[str, Any]:
    """One HTTP exchange as the SCEP collector records it."""
    return {
        "url": url,
        "status": status,
        "reason": reason,
        "content_type": content_type,
        "server": IIS_SERVER,
        "body_b64": base64.b64encode(body).decode("ascii"),
        "body_bytes": len(body),
        "truncated": False,
        "redirects": [],
        **extra,
    }


def healthy_endpoint(
    ca: x509.Certificate,
    ra_signing: x509.Certificate | None,
    ra_encryption: x509.Certificate | None,
    *,
    url: str = NDES_URL,
    tls: x509.Certificate | None = None,
    exposure: str = "internal",
) -> Target:
    """A healthy NDES endpoint's facts; ``tls`` is the HTTPS binding's certificate (required for https URLs).

    An RA certificate given as None is left out of the GetCACert bundle (NDES serves what its store holds).
    """
    ca_body = bundle([c for c in (ca, ra_signing, ra_encryption) if c is not None])
    probes = {
        "scep_mscep_get": exchange(url, 403, FORBIDDEN_PAGE, "text/html", "Forbidden"),
        "scep_getcacaps": exchange(f"{url}?operation=GetCACaps&message=conncheck", 200, NDES_CAPS, "text/plain"),
        "scep_getcacert": exchange(f"{url}?operation=GetCACert&message=conncheck", 200, ca_body, CA_RA_CERT_TYPE),
        "scep_long_url": {"sent": False, "reason": "off by default; probe_long_url turns it on"},
        "scep_tls": tls_handshake(url, tls),
    }
    return Target(url, (SCEP_ROLE,), {k: ProbeResult.success(v, 25.0) for k, v in probes.items()},
                  {"exposure": exposure})


def tls_handshake(url: str, cert: x509.Certificate | None, **changes: Any) -> dict[str, Any]:
    """The ``scep_tls`` data of a verified TLS 1.2 handshake without a client-certificate request."""
    parts = urlsplit(url)
    if parts.scheme != "https":
        return {"tls": False}
    if cert is None:
        raise ValueError(f"{url}: an https endpoint needs its TLS certificate")
    return {
        "tls": True,
        "host": parts.hostname,
        "port": parts.port or 443,
        "tls_version": "TLSv1.2",
        "cipher": "ECDHE-RSA-AES256-GCM-SHA384",
        "certificate_b64": base64.b64encode(cert.public_bytes(Encoding.DER)).decode("ascii"),
        "verified": True,
        "verify_error": None,
        "trust": "system",
        "client_certificate_requested": None,
        "status": 200,
        "error": None,
        **changes,
    }


def single_ca_answer(url: str, ca: x509.Certificate) -> dict[str, Any]:
    """GetCACert of a SCEP server without an RA: one DER CA certificate."""
    return exchange(f"{url}?operation=GetCACert&message=conncheck", 200, ca.public_bytes(Encoding.DER), CA_CERT_TYPE)
