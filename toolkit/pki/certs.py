"""X.509 as the checks need it: parsed with ``cryptography`` from the base64 DER the collectors carry."""

from __future__ import annotations

import base64
import binascii
import hashlib
import unicodedata
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Literal

from cryptography import x509
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

# Microsoft OIDs that matter here.
OID_CERT_TEMPLATE_NAME = x509.ObjectIdentifier("1.3.6.1.4.1.311.20.2")  # v1 template: BMPString name
OID_CERT_TEMPLATE_INFO = x509.ObjectIdentifier("1.3.6.1.4.1.311.21.7")  # v2+ template: OID + versions
OID_CERTIFICATE_REQUEST_AGENT = "1.3.6.1.4.1.311.20.2.1"
OID_CLIENT_AUTH = ExtendedKeyUsageOID.CLIENT_AUTH.dotted_string
OID_SERVER_AUTH = ExtendedKeyUsageOID.SERVER_AUTH.dotted_string
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


def _cn(name: x509.Name) -> str:
    attrs = name.get_attributes_for_oid(NameOID.COMMON_NAME)
    return str(attrs[0].value) if attrs else ""


def _template(cert: x509.Certificate) -> str | None:
    """Template name (v1, BMPString) or template OID (v2+) from Microsoft's extensions, when present."""
    for ext in cert.extensions:
        if ext.oid == OID_CERT_TEMPLATE_NAME and isinstance(ext.value, x509.UnrecognizedExtension):
            raw = ext.value.value
            # DER BMPString: tag 0x1E, one-byte length (names are short), UTF-16-BE payload.
            if len(raw) >= 2 and raw[0] == 0x1E:
                return raw[2 : 2 + raw[1]].decode("utf-16-be", errors="replace")
        if ext.oid == OID_CERT_TEMPLATE_INFO and isinstance(ext.value, x509.UnrecognizedExtension):
            raw = ext.value.value
            # SEQUENCE { OBJECT IDENTIFIER templateID, ... }: decode the first OID.
            if len(raw) > 4 and raw[0] == 0x30 and raw[2] == 0x06:
                return _decode_oid(raw[4 : 4 + raw[3]])
    return None


def _decode_oid(body: bytes) -> str:
    first = body[0]
    parts = [first // 40, first % 40]
    value = 0
    for byte in body[1:]:
        value = (value << 7) | (byte & 0x7F)
        if not byte & 0x80:
            parts.append(value)
            value = 0
    return ".".join(str(p) for p in parts)


def _key_usage(cert: x509.Certificate) -> tuple[str, ...]:
    try:
        ku = cert.extensions.get_extension_for_class(x509.KeyUsage).value
    except x509.ExtensionNotFound:
        return ()
    names = [
        "digital_signature",
        "content_commitment",
        "key_encipherment",
        "data_encipherment",
        "key_agreement",
        "key_cert_sign",
        "crl_sign",
    ]
    return tuple(n for n in names if getattr(ku, n))


def _ekus(cert: x509.Certificate) -> tuple[str, ...]:
    try:
        return tuple(o.dotted_string for o in cert.extensions.get_extension_for_class(x509.ExtendedKeyUsage).value)
    except x509.ExtensionNotFound:
        return ()


def _is_ca(cert: x509.Certificate) -> bool:
    try:
        return bool(cert.extensions.get_extension_for_class(x509.BasicConstraints).value.ca)
    except x509.ExtensionNotFound:
        return False


def _subject_key_id(cert: x509.Certificate) -> bytes | None:
    """The extension's key identifier, or the SHA-1 of the public key (RFC 5280 4.2.1.2 method 1) without one."""
    try:
        return cert.extensions.get_extension_for_class(x509.SubjectKeyIdentifier).value.digest
    except x509.ExtensionNotFound:
        try:
            return x509.SubjectKeyIdentifier.from_public_key(cert.public_key()).digest
        except (TypeError, ValueError):
            return None


def _dns_names(cert: x509.Certificate) -> tuple[str, ...]:
    try:
        san = cert.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
    except x509.ExtensionNotFound:
        return ()
    return tuple(san.get_values_for_type(x509.DNSName))


def from_der(der: bytes, *, has_private_key: bool | None = None, store: str | None = None) -> CertInfo:
    try:
        cert = x509.load_der_x509_certificate(der)
        return CertInfo(
            thumbprint=hashlib.sha1(der).hexdigest().upper(),
            subject=cert.subject.rfc4514_string(),
            issuer=cert.issuer.rfc4514_string(),
            subject_cn=_cn(cert.subject),
            issuer_cn=_cn(cert.issuer),
            serial=format(cert.serial_number, "X"),
            not_before=cert.not_valid_before_utc,
            not_after=cert.not_valid_after_utc,
            ekus=_ekus(cert),
            key_usage=_key_usage(cert),
            is_ca=_is_ca(cert),
            template=_template(cert),
            dns_names=_dns_names(cert),
            has_private_key=has_private_key,
            store=store,
            der=der,
            subject_key_id=_subject_key_id(cert),
        )
    except (ValueError, TypeError) as exc:
        raise CertificateError(f"not a readable X.509 certificate: {exc}") from exc


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
