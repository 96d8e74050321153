"""X.509 as the checks need it: parsed with ``cryptography`` from the base64 DER the collectors carry."""

from __future__ import annotations

import base64
import binascii
import unicodedata
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Literal

# Microsoft OIDs that matter here.
OID_CERT_TEMPLATE_NAME = "1.3.6.1.4.1.311.20.2"  # v1 template: BMPString name
OID_CERT_TEMPLATE_INFO = "1.3.6.1.4.1.311.21.7"  # v2+ template: OID + versions
OID_CERTIFICATE_REQUEST_AGENT = "1.3.6.1.4.1.311.20.2.1"
OID_CLIENT_AUTH = "1.3.6.1.5.5.7.3.2"
OID_SERVER_AUTH = "1.3.6.1.5.5.7.3.1"
OID_COMMON_NAME = "2.5.4.3"
EKU_NAMES = {
    OID_CLIENT_AUTH: "Client Authentication",
    OID_SERVER_AUTH: "Server Authentication",
    OID_CERTIFICATE_REQUEST_AGENT: "Certificate Request Agent",
    "1.3.6.1.5.5.7.3.4": "Secure Email",
    "1.3.6.1.5.5.7.3.3": "Code Signing",
    "2.5.29.37.0": "Any Purpose",
}


# NDES's two RA certificates: the key usage that does each job, and the (v1) template NDES requests it from.
RA_KEY_USAGE = {"signing": "digital_signature", "encryption": "key_encipherment"}
RA_TEMPLATES = {"signing": "EnrollmentAgentOffline", "encryption": "CEPEncryption"}


class CertificateError(ValueError):
    """The bytes are not a certificate we can read."""


@dataclass(frozen=True)
class CertInfo:
    """The parts of a certificate the checks judge, plus Windows' own facts (private key, store)."""

    thumbprint: str  # SHA-1 of the DER, upper-case hex: what Windows calls the thumbprint
    subject: str
    issuer: str
    subject_cn: str
    issuer_cn: str
    serial: str
    not_before: datetime
    not_after: datetime
    ekus: tuple[str, ...]
    key_usage: tuple[str, ...]
    is_ca: bool
    template: str | None
    dns_names: tuple[str, ...]
    has_private_key: bool | None
    store: str | None
    der: bytes
    subject_key_id: bytes | None = None

    @property
    def self_signed(self) -> bool:
        return self.subject == self.issuer

    def days_left(self, now: datetime) -> float:
        return (self.not_after - now).total_seconds() / 86400

    def valid_at(self, now: datetime) -> bool:
        return self.not_before <= now <= self.not_after

    def has_eku(self, oid: str) -> bool:
        return oid in self.ekus or "2.5.29.37.0" in self.ekus

    def serves_ra_purpose(self, purpose: str) -> bool:
        """Can this RA certificate do NDES's "signing" or "encryption" job? Key usage decides; the template name
        only when the certificate has no key-usage extension. One certificate may do both."""
        if self.key_usage:
            return RA_KEY_USAGE[purpose] in self.key_usage
        return self.template == RA_TEMPLATES[purpose]

    def evidence(self, now: datetime | None = None) -> dict[str, Any]:
        out: dict[str, Any] = {
            "thumbprint": self.thumbprint,
            "subject": self.subject,
            "issuer": self.issuer,
            "not_before": self.not_before.strftime("%Y-%m-%dT%H:%M:%SZ"),
            "not_after": self.not_after.strftime("%Y-%m-%dT%H:%M:%SZ"),
        }
        if self.ekus:
            out["eku"] = [EKU_NAMES.get(e, e) for e in self.ekus]
        if self.template:
            out["template"] = self.template
        if self.has_private_key is not None:
            out["has_private_key"] = self.has_private_key
        if now is not None:
            out["days_left"] = round(self.days_left(now), 1)
        return out


def from_der(der: bytes, *, has_private_key: bool | None = None, store: str | None = None) -> CertInfo:
    from conncheck.pki import x509_parse  # cryptography loads here, on the first certificate

    return x509_parse.cert_info(der, has_private_key=has_private_key, store=store)


def from_b64(value: str, *, has_private_key: bool | None = None, store: str | None = None) -> CertInfo:
    try:
        der = base64.b64decode(value, validate=True)
    except (binascii.Error, ValueError) as exc:
        raise CertificateError(f"certificate is not valid base64: {exc}") from exc
    return from_der(der, has_private_key=has_private_key, store=store)


class ThumbprintError(ValueError):
    """A thumbprint with a character Windows does not accept in one (e.g. U+200E pasted from the certificate
    dialog): the connector matches no certificate with it."""

    def __init__(self, value: str, char: str, position: int) -> None:
        name = unicodedata.name(char, "a control character")
        super().__init__(f"character U+{ord(char):04X} ({name}) at position {position + 1} of {value!r}")
        self.char = char
        self.position = position


def parse_thumbprint(value: str) -> str:
    """A thumbprint as Windows compares it: spaces dropped, letters upper-cased; any other character that is not
    hex (an invisible U+200E, a colon) raises ThumbprintError: such a value matches no certificate."""
    for position, char in enumerate(value):
        if char not in "0123456789abcdefABCDEF ":
            raise ThumbprintError(value, char, position)
    return value.replace(" ", "").upper()


def normalize_thumbprint(value: str) -> str:
    """A thumbprint that conncheck itself computed or read as hex (CACertHash, a hash from the registry's binary
    form): case and spaces only. Values an admin typed go through ``parse_thumbprint``."""
    return value.replace(" ", "").upper()


Validity = Literal["not yet valid", "expired", "expiring", "valid"]


def validity(not_before: datetime, not_after: datetime, now: datetime, warning_days: int) -> Validity:
    """The one rule for a certificate's (or CRL's) dates: expiring when it ends within ``warning_days`` of now,
    that day included."""
    if now < not_before:
        return "not yet valid"
    if now > not_after:
        return "expired"
    if not_after - now <= timedelta(days=warning_days):
        return "expiring"
    return "valid"


NameMatch = Literal["san", "cn only", "no"]


def _dns_name_matches(pattern: str, host: str) -> bool:
    """RFC 6125: exact, or a left-most '*' label standing for exactly one label."""
    pattern, host = pattern.lower().rstrip("."), host.lower().rstrip(".")
    if pattern.startswith("*."):
        head, _, rest = host.partition(".")
        return bool(head) and bool(rest) and rest == pattern[2:]
    return pattern == host


def host_name_match(cert: CertInfo, host: str) -> NameMatch:
    """Does the certificate name ``host``? The one rule for every TLS name check: the Subject Alternative Name's DNS
    names decide ("san"); only a certificate without DNS names falls back to its CN ("cn only"), which Windows
    accepts but Apple devices and browsers do not."""
    if cert.dns_names:
        return "san" if any(_dns_name_matches(n, host) for n in cert.dns_names) else "no"
    return "cn only" if cert.subject_cn and _dns_name_matches(cert.subject_cn, host) else "no"
