"""Certificates for the lab's HTTPS listeners: a lab CA, one server certificate per simulated host, and client
certificates for certificate authentication (Client Authentication, the account's UPN in the subjectAltName, as
WinRM's certificate mapping reads it)."""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID, ObjectIdentifier

UPN = ObjectIdentifier("1.3.6.1.4.1.311.20.2.3")  # Microsoft's User Principal Name otherName


@dataclass(frozen=True)
class KeyPair:
    cert: x509.Certificate
    key: ec.EllipticCurvePrivateKey

    @property
    def cert_pem(self) -> bytes:
        return self.cert.public_bytes(serialization.Encoding.PEM)

    @property
    def cert_der(self) -> bytes:
        return self.cert.public_bytes(serialization.Encoding.DER)

    @property
    def key_pem(self) -> bytes:
        return self.key.private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        )


def _name(common_name: str) -> x509.Name:
    return x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, common_name)])


def _issue(issuer: KeyPair | None, subject: str, names: list[x509.GeneralName] | None,
           usage: x509.ObjectIdentifier | None) -> KeyPair:
    """A fresh P-256 key and its certificate for ``subject``, valid two days, signed by ``issuer`` (None: a CA that
    signs itself), with the subjectAltName ``names`` and the extended key ``usage``."""
    key = ec.generate_private_key(ec.SECP256R1())
    now = datetime.now(timezone.utc)
    builder = (
        x509.CertificateBuilder()
        .subject_name(_name(subject))
        .issuer_name(issuer.cert.subject if issuer else _name(subject))
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - timedelta(hours=1))
        .not_valid_after(now + timedelta(days=2))
    )
    if issuer is None:
        builder = builder.add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
    if names:
        builder = builder.add_extension(x509.SubjectAlternativeName(names), critical=False)
    if usage is not None:
        builder = builder.add_extension(x509.ExtendedKeyUsage([usage]), critical=False)
    return KeyPair(builder.sign(issuer.key if issuer else key, hashes.SHA256()), key)


def make_ca(common_name: str = "conncheck lab CA") -> KeyPair:
    return _issue(None, common_name, None, None)


def make_server(ca: KeyPair, host: str, addresses: tuple[str, ...] = ("127.0.0.1",)) -> KeyPair:
    names: list[x509.GeneralName] = [x509.DNSName(host), x509.DNSName("localhost")]
    names += [x509.IPAddress(ipaddress.ip_address(a)) for a in addresses]
    return _issue(ca, host, names, ExtendedKeyUsageOID.SERVER_AUTH)


def make_client(ca: KeyPair, upn: str) -> KeyPair:
    """A client-authentication certificate for the account whose user principal name is ``upn``."""
    encoded = upn.encode()
    utf8_string = bytes([0x0C, len(encoded)]) + encoded  # DER UTF8String (UPNs are far shorter than 128 bytes)
    return _issue(ca, upn, [x509.OtherName(UPN, utf8_string)], ExtendedKeyUsageOID.CLIENT_AUTH)


def client_upn(cert_der: bytes) -> str | None:
    """The UPN a client certificate names in its subjectAltName, if any."""
    try:
        names = x509.load_der_x509_certificate(cert_der).extensions.get_extension_for_class(
            x509.SubjectAlternativeName).value
    except (ValueError, x509.ExtensionNotFound):
        return None
    for other in names.get_values_for_type(x509.OtherName):
        value = other.value
        if other.type_id == UPN and len(value) >= 2 and value[0] == 0x0C and value[1] == len(value) - 2:
            return value[2:].decode("utf-8", errors="replace")
    return None
