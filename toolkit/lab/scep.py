"""An NDES-shaped SCEP responder on loopback, over HTTP and HTTPS: the SCEP peer of ``conncheck demo --live``
and of the SCEP collector's tests and benchmark.

A real HTTP/1.1 server (``http.server``) with real certificates and real DER PKCS#7 from ``cryptography``. It answers
as NDES with the Intune policy module does - 403 on the bare URL, GetCACaps, GetCACert as
``application/x-x509-ca-ra-cert`` - and each ``Behaviour`` breaks one thing: the RA certificates in the bundle, the
status of the bare URL, URL limits, a slow answer, the TLS certificate, a client-certificate request. ``Proxy`` is a
reverse proxy in front of it that may rewrite response bodies, as a misconfigured publishing proxy does.
``sample_ndes`` serves the NDES of an example site (``conncheck.lab.samples``) over HTTPS, for ``demo --live``.
"""

from __future__ import annotations

import base64
import ssl
import tempfile
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timezone
from http.client import HTTPConnection
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any, TypeVar
from urllib.parse import parse_qs, urlsplit

from conncheck.lab.samples import CRA, Issued, SampleSite, issue, ra_cert
from conncheck.lab.samples.scep import FORBIDDEN_PAGE, IIS_SERVER, NDES_CAPS, NDES_PAGE, bundle
from conncheck.pki.pkcs7 import CA_CERT_TYPE, CA_RA_CERT_TYPE
from cryptography.hazmat.primitives import serialization
from cryptography.x509.oid import ExtendedKeyUsageOID

# Re-exported for the tests that build variants from this module alone.
__all__ = ["CA_CERT_TYPE", "CA_RA_CERT_TYPE", "NDES_PAGE", "Issued", "issue"]

SCEP_PATH = "/certsrv/mscep/mscep.dll"
RunningT = TypeVar("RunningT", bound="_Running")


@dataclass(frozen=True)
class Pki:
    root: Issued
    issuing: Issued
    ra_signing: Issued
    ra_encryption: Issued
    tls: Issued

    def ca_bundle_pem(self, directory: Path) -> Path:
        path = directory / "trust.pem"
        path.write_bytes(self.root.cert.public_bytes(serialization.Encoding.PEM))
        return path


def build_pki(now: datetime | None = None, tls_names: tuple[str, ...] = ("localhost",)) -> Pki:
    now = now or datetime.now(timezone.utc)
    root = issue("root", "Loopback Root CA", None, now, days_before=900, days_after=3000, ca=True)
    issuing = issue("issuing", "Loopback Issuing CA", root, now, days_before=400, days_after=1400, ca=True)
    return Pki(
        root,
        issuing,
        ra_signing(issuing, now),
        ra_encryption(issuing, now),
        issue(
            "tls",
            tls_names[0],
            issuing,
            now,
            days_before=10,
            days_after=300,
            key_encipherment=True,
            ekus=(ExtendedKeyUsageOID.SERVER_AUTH,),
            dns_names=tls_names,
        ),
    )


def ra_signing(issuer: Issued, now: datetime, *, days_after: float = 600, key: str = "ra-signing") -> Issued:
    return ra_cert("signing", issuer, now, days_before=60 if days_after > 0 else 800, days_after=days_after,
                   key=key, cn="NDES-MSCEP-RA")


def ra_encryption(issuer: Issued, now: datetime) -> Issued:
    return ra_cert("encryption", issuer, now, days_after=600, cn="NDES-MSCEP-RA")


def dual_use_ra(issuer: Issued, now: datetime) -> Issued:
    return issue(
        "ra-dual", "NDES-MSCEP-RA", issuer, now, days_before=60, days_after=600, ekus=(CRA,), key_encipherment=True
    )


@dataclass
class Behaviour:
    """What the responder answers; the defaults are a healthy NDES with the Intune policy module."""

    cacert: tuple[bytes, str]  # GetCACert body and content type
    bare: tuple[int, bytes] = (403, FORBIDDEN_PAGE)  # the URL without an operation
    caps: bytes = NDES_CAPS
    every_status: int | None = None  # answer every request with this status (a stopped app pool: 503)
    max_query: int | None = None  # longer queries get 414, as HTTP.sys does past its limit
    delay: float = 0.0  # seconds before any answer


def healthy(pki: Pki) -> Behaviour:
    return Behaviour((bundle([pki.issuing.cert, pki.ra_signing.cert, pki.ra_encryption.cert]), CA_RA_CERT_TYPE))


def with_bundle(*certs: Issued) -> Behaviour:
    return Behaviour((bundle([c.cert for c in certs]), CA_RA_CERT_TYPE))


def single_ca(ca: Issued) -> Behaviour:
    return Behaviour((ca.der, CA_CERT_TYPE))


@dataclass
class Tls:
    cert: Issued
    chain: tuple[Issued, ...] = ()  # intermediates sent after the leaf
    client_cert: ssl.VerifyMode = ssl.CERT_NONE  # CERT_OPTIONAL / CERT_REQUIRED: ask for a client certificate
    trust: Issued | None = None  # the CA the server names in its CertificateRequest


def _server_context(tls: Tls, directory: Path) -> ssl.SSLContext:
    chain = directory / "chain.pem"
    key = directory / "key.pem"
    chain.write_bytes(b"".join(c.cert.public_bytes(serialization.Encoding.PEM) for c in (tls.cert, *tls.chain)))
    key.write_bytes(
        tls.cert.key.private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        )
    )
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ctx.load_cert_chain(chain, key)
    if tls.client_cert != ssl.CERT_NONE:
        assert tls.trust is not None, "a client-certificate request names the CAs it accepts"
        ctx.load_verify_locations(cadata=tls.trust.cert.public_bytes(serialization.Encoding.PEM).decode("ascii"))
        ctx.verify_mode = tls.client_cert
    return ctx


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    ssl_context: ssl.SSLContext | None = None
    stopping: threading.Event

    def get_request(self) -> tuple[Any, Any]:
        sock, addr = super().get_request()
        if self.ssl_context is not None:
            # The handshake runs in the handler's thread on first read, so a stuck client blocks nobody else.
            sock = self.ssl_context.wrap_socket(sock, server_side=True, do_handshake_on_connect=False)
        return sock, addr


class _Handler(BaseHTTPRequestHandler):
    server: _Server
    protocol_version = "HTTP/1.1"
    answer: Callable[[_Handler], tuple[int, bytes, str]]

    def log_message(self, format: str, *args: Any) -> None:  # keep pytest output clean
        pass

    def version_string(self) -> str:
        return IIS_SERVER

    def do_GET(self) -> None:
        try:
            status, body, content_type = self.answer(self)
        except ssl.SSLError:
            return
        if self.server.stopping.is_set():
            return
        self.send_response(status)
        if status in (301, 302, 307, 308):
            self.send_header("Location", body.decode("ascii"))
            body = b""
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)


class _Running:
    """A server thread on 127.0.0.1 and an ephemeral port; a context manager that stops it."""

    def __init__(self, answer: Callable[[_Handler], tuple[int, bytes, str]], ssl_context: ssl.SSLContext | None):
        handler = type("Handler", (_Handler,), {"answer": staticmethod(answer)})
        self.server = _Server(("127.0.0.1", 0), handler)
        self.server.ssl_context = ssl_context
        self.server.stopping = threading.Event()
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    @property
    def port(self) -> int:
        return int(self.server.server_address[1])

    @property
    def address(self) -> str:
        return str(self.server.server_address[0])

    def url(self, host: str = "127.0.0.1", path: str = SCEP_PATH) -> str:
        scheme = "https" if self.server.ssl_context else "http"
        return f"{scheme}://{host}:{self.port}{path}"

    def stop(self) -> None:
        self.server.stopping.set()
        self.server.shutdown()
        self.server.server_close()

    def __enter__(self: RunningT) -> RunningT:
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()


@dataclass
class Responder(_Running):
    """NDES on loopback: ``Responder(healthy(pki))`` for HTTP, ``Responder(b, tls=Tls(pki.tls))`` for HTTPS."""

    behaviour: Behaviour
    tls: Tls | None = None
    requests: list[str] = field(default_factory=list)
    host_headers: list[str | None] = field(default_factory=list)  # the Host header of each request

    def __post_init__(self) -> None:
        self._tmp = tempfile.TemporaryDirectory(prefix="scep-responder-")
        ctx = _server_context(self.tls, Path(self._tmp.name)) if self.tls else None
        super().__init__(self._answer, ctx)

    def _answer(self, handler: _Handler) -> tuple[int, bytes, str]:
        b = self.behaviour
        self.requests.append(handler.path)
        self.host_headers.append(handler.headers.get("Host"))
        if b.delay:
            self.server.stopping.wait(b.delay)
        query = urlsplit(handler.path).query
        if b.max_query is not None and len(query) > b.max_query:
            return 414, b"<h2>Bad Request - Request URL Too Long</h2>", "text/html"
        if b.every_status is not None:
            return b.every_status, b"<h1>Service Unavailable</h1>", "text/html"
        operation = (parse_qs(query).get("operation") or [""])[0]
        if operation == "GetCACaps":
            return 200, b.caps, "text/plain"
        if operation == "GetCACert":
            body, content_type = b.cacert
            return 200, body, content_type
        if operation == "PKIOperation":
            return 400, b"the SCEP message is not a PKCS#7 message", "text/plain"
        status, body = b.bare
        return status, body, "text/html"

    def stop(self) -> None:
        super().stop()
        self._tmp.cleanup()


def sample_ndes(site: SampleSite) -> Responder:
    """An example site's NDES over HTTPS: GetCACert answers the bundle its facts record (the CA and the RA
    certificates NDES holds), and the TLS handshake sends NDES's certificate with the issuing CA, as IIS does."""
    (endpoint,) = site.facts.scep.values()
    getcacert = endpoint.probes["scep_getcacert"].data
    behaviour = Behaviour((base64.b64decode(getcacert["body_b64"]), getcacert["content_type"]))
    return Responder(behaviour, tls=Tls(site.pki.ndes_tls, (site.pki.issuing,)))


class Proxy(_Running):
    """A reverse proxy (HTTP) in front of an upstream responder that passes bodies through ``rewrite``."""

    def __init__(self, upstream_port: int, rewrite: Callable[[bytes], bytes] = lambda b: b) -> None:
        self.upstream_port = upstream_port
        self.rewrite = rewrite
        super().__init__(self._answer, None)

    def _answer(self, handler: _Handler) -> tuple[int, bytes, str]:
        conn = HTTPConnection("127.0.0.1", self.upstream_port, timeout=10)
        try:
            conn.request("GET", handler.path)
            response = conn.getresponse()
            body = response.read()
            return response.status, self.rewrite(body), response.getheader("Content-Type") or "text/plain"
        finally:
            conn.close()


def text_mode(body: bytes) -> bytes:
    """What a proxy that treats bodies as text does to them: line feeds become CR LF."""
    return body.replace(b"\n", b"\r\n")


class Redirect(_Running):
    """Answers every request with 302 to the same path and query on ``target`` (an http -> https move, say)."""

    def __init__(self, target: str) -> None:
        parts = urlsplit(target)
        self.base = f"{parts.scheme}://{parts.netloc}"
        super().__init__(self._answer, None)

    def _answer(self, handler: _Handler) -> tuple[int, bytes, str]:
        return 302, f"{self.base}{handler.path}".encode("ascii"), "text/html"
