"""The SCEP GetCACert answer: the CA certificate alone, or the CA with the RA certificates in a PKCS#7 bundle.

SCEP (RFC 8894 section 4.2.1) answers ``GET ?operation=GetCACert`` with either
``application/x-x509-ca-cert``, one DER certificate (a CA that talks SCEP itself, without a registration
authority), or ``application/x-x509-ca-ra-cert``, a degenerate DER PKCS#7 SignedData ("certs-only") holding
the CA certificate and the RA certificates in no defined order. NDES answers the latter: the issuing CA (and
any CA above it that it chooses to send), the RA signing certificate (Exchange Enrollment Agent (Offline
request): digitalSignature) and the RA encryption certificate (CEP Encryption: keyEncipherment). One RA
certificate may carry both usages. Certificates are classified by what they are - basic constraints, key
usage, and the template extension when key usage is absent - never by their position."""

from __future__ import annotations

from dataclasses import dataclass

from conncheck.pki.certs import OID_CERTIFICATE_REQUEST_AGENT, CertificateError, CertInfo, from_der
from cryptography import x509
from cryptography.hazmat.primitives.serialization import Encoding, pkcs7

CA_CERT_TYPE = "application/x-x509-ca-cert"
CA_RA_CERT_TYPE = "application/x-x509-ca-ra-cert"


class BundleError(ValueError):
    """The GetCACert body is not what its content type says (or no content type SCEP defines)."""


@dataclass(frozen=True)
class RaCert:
    """A non-CA certificate of the bundle and the bundle's CA certificate that signed it (None: none did)."""

    cert: CertInfo
    issued_by: CertInfo | None

    @property
    def signs(self) -> bool:
        return self.cert.serves_ra_purpose("signing")

    @property
    def encrypts(self) -> bool:
        return self.cert.serves_ra_purpose("encryption")

    @property
    def request_agent(self) -> bool:
        """Carries the Certificate Request Agent EKU that both NDES RA templates put in their certificates."""
        return self.cert.has_eku(OID_CERTIFICATE_REQUEST_AGENT)


@dataclass(frozen=True)
class CaBundle:
    content_type: str
    cas: tuple[CertInfo, ...]
    ras: tuple[RaCert, ...]

    @property
    def has_ra(self) -> bool:
        return bool(self.ras)

    def signing(self) -> list[RaCert]:
        return [r for r in self.ras if r.signs]

    def encryption(self) -> list[RaCert]:
        return [r for r in self.ras if r.encrypts]


def _issuer_in(cert: x509.Certificate, cas: list[tuple[x509.Certificate, CertInfo]]) -> CertInfo | None:
    for ca, info in cas:
        if cert.issuer != ca.subject:
            continue
        try:
            cert.verify_directly_issued_by(ca)
        except Exception:  # InvalidSignature, ValueError, TypeError: not signed by this CA's key
            continue
        return info
    return None


def _is_ca(info: CertInfo) -> bool:
    return info.is_ca or "key_cert_sign" in info.key_usage


def parse(content_type: str | None, body: bytes) -> CaBundle:
    """Parse a GetCACert body by its content type; BundleError with one line when it cannot be read."""
    kind = (content_type or "").split(";")[0].strip().lower()
    try:
        if kind == CA_RA_CERT_TYPE:
            certs = pkcs7.load_der_pkcs7_certificates(body)
        elif kind == CA_CERT_TYPE:
            certs = [x509.load_der_x509_certificate(body)]
        else:
            raise BundleError(
                f"content type {content_type or '(none)'!r} is neither {CA_CERT_TYPE} nor {CA_RA_CERT_TYPE}"
            )
    except BundleError:
        raise
    except Exception as exc:  # cryptography raises ValueError and Rust-side errors for malformed DER
        what = "a DER PKCS#7 certs-only bundle" if kind == CA_RA_CERT_TYPE else "a DER certificate"
        raise BundleError(f"the {len(body)}-byte body is not {what}: {exc}") from None
    if not certs:
        raise BundleError("the PKCS#7 bundle holds no certificates")
    try:
        parsed = [(c, from_der(c.public_bytes(Encoding.DER))) for c in certs]
    except CertificateError as exc:
        raise BundleError(str(exc)) from None
    cas = [(c, info) for c, info in parsed if _is_ca(info)]
    ras = tuple(RaCert(info, _issuer_in(c, cas)) for c, info in parsed if not _is_ca(info))
    return CaBundle(kind, tuple(info for _, info in cas), ras)
