"""First contact with a domain controller: the certificate it presents, a connection pinned to it, and the CA chain
to trust from then on.

Before any credential is sent, a TLS handshake without verification reads the certificate the DC presents (and the
chain it sends with it). The operator compares its SHA-256 fingerprint with the DC's own, and says so: trust on first
use is explicit (``--trust-fingerprint`` or an interactive yes), never silent. The bind then runs over a connection
whose certificate must have exactly that fingerprint. The CA certificates AD publishes (Certification Authorities,
AIA, Enrollment Services, NTAuth) and those the DC sent complete the chain from the DC's certificate to a self-signed
root: that chain is the bundle site.toml's ``[ldap] ca_bundle`` names, so later runs verify the DC the ordinary way
(certificate chain and name) without any pin.

With a CA bundle given, the connection verifies the ordinary way from the start and nothing is pinned.

Every exchange with the DC (connect and TLS, StartTLS, the bind, one page of a search) must be over within the
address's ``timeout``, however slowly the DC answers: a ``SocketWatch`` cuts it at the deadline, as the directory
collector does.
"""

from __future__ import annotations

import contextlib
import re
import ssl
import warnings
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from conncheck.collectors.deadline import Deadline, SocketWatch
from conncheck.errors import ConncheckError, InputError
from cryptography import x509
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.utils import CryptographyDeprecationWarning


class DirectoryUnreachable(ConncheckError):
    """The DC could not be reached, refused TLS or the bind, or presented another certificate than the one trusted."""

    exit_code = 3


@dataclass(frozen=True)
class DcAddress:
    server: str  # the DC's DNS name (checked against its certificate once a bundle is trusted)
    address: str | None  # connect here instead of resolving server
    tls: str  # ldaps | starttls
    port: int
    timeout: int = 10

    @property
    def where(self) -> str:
        return f"{self.server}:{self.port} ({self.tls})"


def fingerprint(cert: x509.Certificate, algorithm: hashes.HashAlgorithm | None = None) -> str:
    """``AB:CD:…``: the certificate's SHA-256 fingerprint (or another hash's) as OpenSSL prints it."""
    digest = cert.fingerprint(algorithm or hashes.SHA256()).hex().upper()
    return ":".join(digest[i : i + 2] for i in range(0, len(digest), 2))


def normalized(spelled: str) -> str:
    """A fingerprint as given (colons, spaces, either case) → the form ``fingerprint`` prints; bad input is exit 2."""
    hexed = re.sub(r"[\s:]", "", spelled).upper()
    if not re.fullmatch(r"[0-9A-F]{64}", hexed):
        raise InputError(f"--trust-fingerprint {spelled!r}: give the DC certificate's SHA-256 fingerprint "
                         "(64 hex digits, colons optional)")
    return ":".join(hexed[i : i + 2] for i in range(0, 64, 2))


def describe(cert: x509.Certificate) -> list[str]:
    """What an operator compares before trusting: names, validity and both fingerprints (Windows shows the SHA-1)."""
    return [
        f"subject:     {cert.subject.rfc4514_string()}",
        f"issuer:      {cert.issuer.rfc4514_string()}",
        f"valid:       {cert.not_valid_before_utc:%Y-%m-%d} to {cert.not_valid_after_utc:%Y-%m-%d}",
        f"SHA-256:     {fingerprint(cert)}",
        f"SHA-1 (the thumbprint Windows shows): {fingerprint(cert, hashes.SHA1()).replace(':', '')}",
    ]


def load_der(der: bytes) -> x509.Certificate:
    """A certificate from DER, quietly: cryptography warns about a non-positive serial number (Samba's self-made
    certificates have them), which says nothing the operator can act on here."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", CryptographyDeprecationWarning)
        return x509.load_der_x509_certificate(der)


@dataclass
class DcConnection:
    """A connection to the DC; each exchange on it is cut at ``dc.timeout`` (then it raises DirectoryUnreachable)."""

    conn: Any
    dc: DcAddress
    watch: SocketWatch = field(default_factory=SocketWatch)

    @contextlib.contextmanager
    def exchange(self) -> Any:
        with Deadline(self.watch, self.dc.timeout, f"no complete answer from {self.dc.where} within "
                                                   f"{self.dc.timeout} s (timeout)"):
            yield
        if self.watch.expired:
            raise DirectoryUnreachable(str(self.watch.reason))

    def search(self, base: str, flt: str, scope: Any, attributes: list[str], **kwargs: Any) -> dict[str, Any]:
        """One search request (one page), as the directory collector's queries read a session."""
        with self.exchange():
            self.conn.search(base, flt, search_scope=scope, attributes=attributes, **kwargs)
        return dict(self.conn.result or {})

    def close(self) -> None:
        """Unbind (a DC that is gone or cut at the deadline makes that fail: nothing is left to close then)."""
        from ldap3.core.exceptions import LDAPException

        with contextlib.suppress(LDAPException, OSError), Deadline(self.watch, self.dc.timeout, "closing"):
            self.conn.unbind()
        self.watch.close()


def _connection(dc: DcAddress, validate: ssl.VerifyMode, ca_bundle: Path | None = None,
                **bind: Any) -> DcConnection:
    import ldap3
    from conncheck.collectors.ldap_wire import WatchedTls

    watch = SocketWatch()
    names = {} if validate == ssl.CERT_NONE else {"valid_names": [dc.server]}
    tls = WatchedTls(watch, validate=validate, version=ssl.PROTOCOL_TLS_CLIENT, sni=dc.server,
                     ca_certs_file=str(ca_bundle) if ca_bundle else None, **names)
    server = ldap3.Server(dc.address or dc.server, port=dc.port, use_ssl=dc.tls == "ldaps", tls=tls,
                          get_info=ldap3.NONE, connect_timeout=dc.timeout)
    conn = ldap3.Connection(server, read_only=True, receive_timeout=dc.timeout, raise_exceptions=False,
                            auto_referrals=False, **bind)
    return DcConnection(conn, dc, watch)


def _open(dc_conn: DcConnection) -> None:
    """TCP and the TLS handshake (LDAPS at once, StartTLS after the extended operation); no bind yet."""
    from ldap3.core.exceptions import LDAPException

    conn, dc = dc_conn.conn, dc_conn.dc
    try:
        with dc_conn.exchange():
            conn.open()
        dc_conn.watch.add(conn.socket)
        if dc.tls == "starttls":
            with dc_conn.exchange():
                started = conn.start_tls()
            if not started:
                raise DirectoryUnreachable(f"StartTLS refused by {dc.where}: {conn.result}")
    except (LDAPException, OSError) as exc:
        dc_conn.close()
        reason = dc_conn.watch.reason or (exc.strerror if isinstance(exc, OSError) and exc.strerror else exc)
        raise DirectoryUnreachable(f"cannot connect to {dc.where}: {reason}") from None
    except DirectoryUnreachable:
        dc_conn.close()
        raise


def _der_chain(sock: ssl.SSLSocket) -> list[bytes]:
    """The certificates the server sent, its own first (Python 3.13 names the call; 3.10-3.12 keep it private)."""
    public = getattr(sock, "get_unverified_chain", None)
    sent = public() if public is not None else sock._sslobj.get_unverified_chain()  # type: ignore[attr-defined]
    if not sent:
        der = sock.getpeercert(binary_form=True)
        return [der] if der else []
    return [c if isinstance(c, bytes) else c.public_bytes(ssl._ssl.ENCODING_DER) for c in sent]  # type: ignore


def presented(dc: DcAddress) -> list[x509.Certificate]:
    """The DC's certificate and the chain it sends, read without verifying anything and without a bind."""
    dc_conn = _connection(dc, ssl.CERT_NONE)
    _open(dc_conn)
    try:
        chain = [load_der(der) for der in _der_chain(dc_conn.conn.socket)]
    finally:
        dc_conn.close()
    if not chain:
        raise DirectoryUnreachable(f"{dc.where} presented no certificate")
    return chain


def connect(dc: DcAddress, bind: dict[str, Any], *, pin: str | None, ca_bundle: Path | None) -> DcConnection:
    """A bound, read-only connection: pinned to the certificate whose SHA-256 is ``pin``, or verified by
    ``ca_bundle`` (chain and name). A certificate that is not the pinned one ends it before the bind."""
    from ldap3.core.exceptions import LDAPException

    dc_conn = _connection(dc, ssl.CERT_NONE if pin is not None else ssl.CERT_REQUIRED, ca_bundle, **bind)
    _open(dc_conn)
    conn = dc_conn.conn
    if pin is not None:
        der = conn.socket.getpeercert(binary_form=True)
        seen = fingerprint(load_der(der)) if der else "nothing"
        if seen != pin:
            dc_conn.close()
            raise DirectoryUnreachable(f"{dc.where} now presents the certificate {seen}, not the trusted {pin}; "
                                       "nothing was sent")
    try:
        with dc_conn.exchange():
            bound = conn.bind()
    except (LDAPException, OSError) as exc:
        dc_conn.close()
        raise DirectoryUnreachable(f"the bind to {dc.where} failed: {dc_conn.watch.reason or exc}") from None
    except DirectoryUnreachable:
        dc_conn.close()
        raise
    if not bound:
        result = conn.result or {}
        dc_conn.close()
        raise DirectoryUnreachable(f"the bind to {dc.where} was refused: "
                                   f"{result.get('description', '')} {result.get('message', '')}".strip())
    return dc_conn


def _issued(cert: x509.Certificate, issuer: x509.Certificate) -> bool:
    if cert.issuer != issuer.subject:
        return False
    try:
        cert.verify_directly_issued_by(issuer)
    except (ValueError, TypeError, InvalidSignature):
        return False
    return True


def chain_to_root(leaf: x509.Certificate, known: list[x509.Certificate]) -> tuple[list[x509.Certificate], bool]:
    """The issuers of ``leaf`` up to a self-signed root, found among ``known`` by name and signature.

    Returns the CA certificates (nearest issuer first) and whether the chain reached a self-signed root.
    """
    chain: list[x509.Certificate] = []
    current = leaf
    while not _issued(current, current):
        issuer = next((c for c in known if c not in chain and c != current and _issued(current, c)), None)
        if issuer is None:
            return chain, False
        chain.append(issuer)
        current = issuer
    return chain, True


def pem(certs: list[x509.Certificate]) -> str:
    """A PEM bundle with a comment line naming each certificate (OpenSSL skips text between blocks)."""
    out = []
    for cert in certs:
        out.append(f"# {cert.subject.rfc4514_string()}  SHA-256 {fingerprint(cert)}")
        out.append(cert.public_bytes(serialization.Encoding.PEM).decode("ascii").strip())
    return "\n".join(out) + "\n"
