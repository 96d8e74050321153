"""X.509 parsing with ``cryptography``: a certificate's DER to the CertInfo the checks judge.

Kept apart from ``conncheck.pki.certs`` so that loading the plugins (and ``conncheck explain``) does not load
cryptography: it is imported when the first certificate is parsed.
"""

from __future__ import annotations

import hashlib

from conncheck.pki.certs import (
    OID_CERT_TEMPLATE_INFO,
    OID_CERT_TEMPLATE_NAME,
    CertificateError,
    CertInfo,
)
from cryptography import x509
from cryptography.x509.oid import NameOID


def _cn(name: x509.Name) -> str:
    attrs = name.get_attributes_for_oid(NameOID.COMMON_NAME)
    return str(attrs[0].value) if attrs else ""


def _template(cert: x509.Certificate) -> str | None:
    """Template name (v1, BMPString) or template OID (v2+) from Microsoft's extensions, when present."""
    for ext in cert.extensions:
        if ext.oid.dotted_string == OID_CERT_TEMPLATE_NAME and isinstance(ext.value, x509.UnrecognizedExtension):
            raw = ext.value.value
            # DER BMPString: tag 0x1E, one-byte length (names are short), UTF-16-BE payload.
            if len(raw) >= 2 and raw[0] == 0x1E:
                return raw[2 : 2 + raw[1]].decode("utf-16-be", errors="replace")
        if ext.oid.dotted_string == OID_CERT_TEMPLATE_INFO and isinstance(ext.value, x509.UnrecognizedExtension):
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


def cert_info(der: bytes, *, has_private_key: bool | None = None, store: str | None = None) -> CertInfo:
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
