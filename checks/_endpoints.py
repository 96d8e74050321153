"""What one Intune endpoint's connection test says: reached, blocked, refused by the proxy, or TLS-inspected.

The ``intune_reachability`` fragment connects the way the connector does (through the proxy its configuration names,
TLS 1.2) and reports the certificate chain Windows built for what the endpoint presented. Microsoft's services present
certificates that chain to the roots Azure uses (Microsoft Learn, "Azure Certificate Authority details"); a chain
ending anywhere else is a middlebox re-signing the traffic: TLS inspection, which Microsoft does not support on the
Intune service endpoints (``*.manage.microsoft.com``, ``*.dm.microsoft.com``; ``*.manage.microsoft.us``).
"""

from __future__ import annotations

import base64
import binascii
import hashlib
from dataclasses import dataclass
from typing import Literal

import msgspec
from conncheck.pki.certs import CertificateError, from_b64
from conncheck.schema import Base64

# SHA-1 thumbprints of the roots Azure's TLS certificates chain to (Baltimore CyberTrust Root: retired in 2025, kept
# for hosts that still present the old chain).
AZURE_ROOTS = {
    "DF3C24F9BFD666761B268073FE06D1CC8D4F82A4": "DigiCert Global Root G2",
    "7E04DE896A3E666D00E687D33FFAD93BE83D349E": "DigiCert Global Root G3",
    "A8985D3A65E5E5C4B2D7D66D40C6DD2FB19C5436": "DigiCert Global Root CA",
    "73A5E64A3BFF8316FF0EDCCC618A906E4EAE4D74": "Microsoft RSA Root Certificate Authority 2017",
    "999A64C37FF47D9FAB95F14769891460EEC4C3C5": "Microsoft ECC Root Certificate Authority 2017",
    "D4DE20D05E66FC53FE1A50882C78DB2852CAE474": "Baltimore CyberTrust Root",
}
# Where Microsoft says TLS inspection is not supported (intune-endpoints, intune-us-government-endpoints).
NO_INSPECTION = ("manage.microsoft.com", "dm.microsoft.com", "manage.microsoft.us")
PROXY_AUTH_REQUIRED = 407

Reach = Literal["untested", "reached", "blocked", "proxy_refused", "proxy_auth", "tls_failed", "inspected", "untrusted"]


class EndpointTest(msgspec.Struct):
    """One endpoint as the fragment tested it."""

    host: str
    port: int
    tested: bool  # false: left out so the probe stays within its time budget
    connected: bool  # TCP to the endpoint, or to the proxy when there is one
    proxy_status: int | None  # the proxy's HTTP status for CONNECT (200: tunnel open); null: direct
    chain_b64: list[Base64]  # the chain Windows built for the presented certificate, leaf first; empty: no handshake
    policy_errors: int | None  # SslPolicyErrors: 0 none; 2 name mismatch, 4 chain not trusted: Windows refuses it
    error: str | None


@dataclass(frozen=True)
class EndpointVerdict:
    test: EndpointTest
    reach: Reach
    issuer: str | None = None  # the presented certificate's issuer (CN)
    root: str | None = None  # the CN of the chain's last certificate

    @property
    def name(self) -> str:
        return f"{self.test.host}:{self.test.port}"

    @property
    def inspection_unsupported(self) -> bool:
        host = self.test.host.lower()
        return any(host == suffix or host.endswith("." + suffix) for suffix in NO_INSPECTION)

    def evidence(self) -> dict[str, object]:
        return {"endpoint": self.name, "reach": self.reach, "issuer": self.issuer, "root": self.root,
                "proxy_status": self.test.proxy_status, "error": self.test.error}


def judge(test: EndpointTest) -> EndpointVerdict:
    """One endpoint's outcome; CertificateError when the reported chain is not readable X.509. The root is known by
    its thumbprint (SHA-1 of the DER); only a root that is not Azure's, and the leaf, are parsed."""
    if not test.tested:
        return EndpointVerdict(test, "untested")
    if test.proxy_status == PROXY_AUTH_REQUIRED:
        return EndpointVerdict(test, "proxy_auth")
    if test.proxy_status is not None and test.proxy_status != 200:
        return EndpointVerdict(test, "proxy_refused")
    if not test.connected:
        return EndpointVerdict(test, "blocked")
    if not test.chain_b64:
        return EndpointVerdict(test, "tls_failed")
    issuer = from_b64(test.chain_b64[0]).issuer_cn
    try:
        root_der = base64.b64decode(test.chain_b64[-1], validate=False)
    except binascii.Error as exc:
        raise CertificateError(f"the chain's last certificate is not base64: {exc}") from None
    azure_root = AZURE_ROOTS.get(hashlib.sha1(root_der).hexdigest().upper())  # the Windows thumbprint
    if azure_root is None:
        return EndpointVerdict(test, "inspected", issuer, from_b64(test.chain_b64[-1]).subject_cn)
    if test.policy_errors:
        return EndpointVerdict(test, "untrusted", issuer, azure_root)
    return EndpointVerdict(test, "reached", issuer, azure_root)
