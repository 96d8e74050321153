"""The SCEP collector: what an enrolling device sees of each SCEP URL, over HTTP(S), without credentials.

For every URL of site.toml ``[scep]`` it sends the requests that plugins declare as ``HttpRequest`` probes of the
``scep`` role and records the answers as they came (status, content type, body, redirects); it judges nothing.
A GET is an ordinary HTTP/1.1 request through ``requests`` (proxies from ``[scep] proxy`` or ``HTTPS_PROXY`` /
``NO_PROXY``, redirects followed and listed, TLS verified against ``ca_bundle`` or the system store unless
``insecure``, bodies read up to ``max_body_bytes`` within ``timeout_seconds``). A ``tls_handshake`` probe opens a
TLS connection of its own through the stdlib ``ssl`` module, which alone lets a client see the server's
CertificateRequest message: it records the server certificate, whether a client certificate was asked for in the
handshake or by renegotiation after the request, and, on a second connection, OpenSSL's verdict on the chain.

``[scep]`` keys: ``urls`` (internal URLs, required), ``external_urls`` (the published ones: Entra application
proxy or another reverse proxy), ``ca_bundle`` (PEM file, relative to site.toml), ``proxy`` (``http://host:port``),
``timeout_seconds`` (default 10), ``max_body_bytes`` (default 1 MiB), ``probe_long_url`` (default false),
``addresses`` (a table of URL host = IP address or name to connect to instead of resolving the host, as the LDAP
collector's ``address``; the Host header, SNI and the certificate's name check keep the URL's host, and through a
proxy the proxy resolves the host: see ``toolkit/collectors/scep_address.py``).
"""

from __future__ import annotations

import base64
import ipaddress
import re
import socket
import ssl
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from conncheck import __version__
from conncheck.collectors.deadline import Deadline, SocketWatch
from conncheck.config import ScepSection, SiteConfig, redacted_url, section
from conncheck.errors import ConfigError
from conncheck.facts import SCEP_ROLE, ProbeResult, Target
from conncheck.plugin import HttpRequest, Probe
from conncheck.registry import Registry

USER_AGENT = f"conncheck/{__version__} (SCEP endpoint probe)"
MAX_REDIRECTS = 5
MAX_HEAD_BYTES = 64 * 1024
GRACE_SECONDS = 1.0
_LABEL = r"[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?"
HOST_NAME = re.compile(rf"^{_LABEL}(?:\.{_LABEL})*\.?$", re.I)

# TLS record content type and handshake message types (RFC 8446 section 4, RFC 5246 section 7.4).
TLS_HANDSHAKE = 22
HELLO_REQUEST = 0
CERTIFICATE_REQUEST = 13


class ProbeError(Exception):
    """The request got no usable answer; the message is the probe's one-line error."""


@dataclass(frozen=True)
class Endpoint:
    url: str
    exposure: str  # "internal" | "external"


@dataclass(frozen=True)
class Options:
    ca_bundle: Path | None = None
    insecure: bool = False
    proxy: str | None = None
    timeout: float = 10.0
    max_body_bytes: int = 1024 * 1024
    probe_long_url: bool = False
    addresses: dict[str, str] = field(default_factory=dict)  # URL host (lower case) -> where to connect instead


def parse_section(raw: dict[str, Any], where: str, base: Path | None = None) -> tuple[list[Endpoint], Options]:
    """Validate ``[scep]`` (or ``conncheck scep``'s options): the endpoints in order (internal first) and the
    collector's options. Keys and types are site.toml's schema (conncheck.config.ScepSection); what they mean is
    checked here."""
    checked: ScepSection = section(raw, "scep", where)  # URLs included: http(s), with a host, without credentials
    internal, external = list(checked.urls), list(checked.external_urls)
    if not internal:
        raise ConfigError(f"{where}: [scep] urls must list at least one internal SCEP URL")
    seen: set[str] = set()
    for url in internal + external:
        if url in seen:
            raise ConfigError(f"{where}: [scep] lists {url} twice")
        seen.add(url)
    endpoints = [Endpoint(u, "internal") for u in internal] + [Endpoint(u, "external") for u in external]
    hosts = {urlsplit(u).hostname or "" for u in seen}
    options = Options(
        ca_bundle=_ca_bundle(checked.ca_bundle, where, base),
        proxy=_proxy(checked.proxy, where),
        timeout=checked.timeout_seconds,
        max_body_bytes=checked.max_body_bytes,
        probe_long_url=checked.probe_long_url,
        addresses=_addresses(checked.addresses, hosts, where),
    )
    return endpoints, options


def _ca_bundle(bundle: str | None, where: str, base: Path | None) -> Path | None:
    if bundle is None:
        return None
    path = Path(bundle).expanduser()
    path = path if path.is_absolute() or base is None else base / path
    if not path.is_file():
        raise ConfigError(f"{where}: [scep] ca_bundle {path}: no such file")
    return path


def _proxy(proxy: str | None, where: str) -> str | None:
    if proxy is None:
        return None
    try:
        parts = urlsplit(proxy)
        parts.port  # noqa: B018  (a port that is not a number)
    except ValueError:
        parts = urlsplit("")
    if parts.scheme != "http" or not parts.hostname:
        raise ConfigError(f"{where}: [scep] proxy must be an http://host:port URL")
    return proxy


def _addresses(raw: dict[str, str], hosts: set[str], where: str) -> dict[str, str]:
    """``[scep] addresses``: each key the host of a configured URL, each value an IP address or a host name."""
    found: dict[str, str] = {}
    for name, address in raw.items():
        host = name.lower().rstrip(".")
        if host not in hosts:
            raise ConfigError(f"{where}: [scep] addresses: {name!r} is the host of no URL in urls or external_urls")
        if not _is_address(address):
            raise ConfigError(f"{where}: [scep] addresses: {name} must map to an IP address or a host name")
        found[host] = address
    return found


def _is_address(value: str) -> bool:
    try:
        ipaddress.ip_address(value)
    except ValueError:
        return len(value) <= 253 and bool(HOST_NAME.match(value))
    return True


def collect_endpoints(
    config: SiteConfig, registry: Registry, *, insecure: bool = False, probe_long_url: bool = False
) -> dict[str, Target]:
    """One Target per URL of ``[scep]`` (none without the section), each with every HTTP probe of the registry."""
    raw = config.sections.get("scep")
    if not raw:
        return {}
    where = str(config.path or "site.toml")
    endpoints, options = parse_section(raw, where, config.path.parent if config.path else None)
    options = replace(options, insecure=insecure, probe_long_url=options.probe_long_url or probe_long_url)
    return collect(endpoints, registry, options)


def collect(endpoints: list[Endpoint], registry: Registry, options: Options) -> dict[str, Target]:
    # Imported here, once, before the threads: requests' modules import each other, and a first import running in
    # several threads at once can see one of them half initialised.
    import conncheck.collectors.scep_address  # noqa: F401
    import requests.utils  # noqa: F401

    probes = [p for p in registry.probes_for_role(SCEP_ROLE) if p.http is not None]
    with ThreadPoolExecutor(max_workers=max(1, min(8, len(endpoints)))) as pool:
        targets = list(pool.map(lambda e: collect_endpoint(e, probes, options), endpoints))
    return {t.name: t for t in targets}


def collect_endpoint(endpoint: Endpoint, probes: list[Probe], options: Options) -> Target:
    """Every probe of one URL at once, each on its own connections and under its own deadline: an endpoint that
    hangs costs one ``timeout``, not one per probe."""
    requests = [(p.name, p.http) for p in probes if p.http is not None]
    with ThreadPoolExecutor(max_workers=max(1, len(requests)), thread_name_prefix="scep-probe") as pool:
        answers = list(pool.map(lambda r: run_probe(endpoint.url, r[1], options), requests))
    results = {name: answer for (name, _), answer in zip(requests, answers, strict=True)}
    return Target(endpoint.url, (SCEP_ROLE,), results, {"exposure": endpoint.exposure})


def run_probe(url: str, request: HttpRequest, options: Options) -> ProbeResult:
    """One exchange under one deadline covering connect, TLS and the whole answer; what came after the deadline
    cut it is discarded (the answer is incomplete), and the probe fails with the deadline as its reason."""
    from conncheck.collectors.scep_address import watching

    if request.opt_in and not getattr(options, request.opt_in, False):
        return ProbeResult.success({"sent": False, "reason": f"off by default; {request.opt_in} turns it on"})
    started = time.monotonic()
    data: dict[str, Any] | None = None
    error = ""
    watch = SocketWatch()
    try:
        with watching(watch), Deadline(watch, options.timeout, f"no complete answer within {options.timeout:g} s"):
            exchange = tls_exchange if request.tls_handshake else http_exchange
            data = exchange(url, request, options)
    except ProbeError as exc:
        error = str(exc)
    except Exception:
        if not watch.expired:  # a socket shut down under a library raises whatever it raises; else it is a bug
            raise
    finally:
        watch.close()
    if watch.reason is not None:
        return ProbeResult.failure(watch.reason, _ms(started))
    if data is None:
        return ProbeResult.failure(error, _ms(started))
    return ProbeResult.success(data, _ms(started))


def _ms(started: float) -> float:
    return round((time.monotonic() - started) * 1000, 1)


def with_query(url: str, query: str) -> str:
    if not query:
        return url
    return f"{url}{'&' if '?' in url else '?'}{query}"


def proxy_for(url: str, options: Options) -> str | None:
    if options.proxy:
        return options.proxy
    from requests.utils import get_environ_proxies, select_proxy

    found: str | None = select_proxy(url, get_environ_proxies(url))
    return found


def _reason(exc: BaseException) -> str:
    """The innermost cause of a requests/urllib3 error, on one line, without object reprs."""
    inner: Any = exc
    while True:
        nxt = getattr(inner, "reason", None)
        if not isinstance(nxt, BaseException) and inner.args and isinstance(inner.args[0], BaseException):
            nxt = inner.args[0]
        if not isinstance(nxt, BaseException) or nxt is inner:
            break
        inner = nxt
    if isinstance(inner, ssl.SSLCertVerificationError):
        return f"certificate verify failed: {inner.verify_message}"
    text = re.sub(r"<[^>]*object at 0x[0-9a-f]+>:?\s*", "", str(inner))
    return " ".join(text.split()) or type(inner).__name__


def _session(options: Options) -> Any:
    """A requests session whose connections are under the exchange's deadline (and go to ``[scep] addresses``)."""
    import requests
    from conncheck.collectors.scep_address import AddressAdapter, WatchedAdapter

    session = requests.Session()
    session.trust_env = False  # proxies are chosen per URL below; no .netrc credentials are ever sent
    session.max_redirects = MAX_REDIRECTS
    adapter = AddressAdapter(options.addresses) if options.addresses else WatchedAdapter()
    session.mount("http://", adapter)
    session.mount("https://", adapter)
    return session


def http_exchange(url: str, request: HttpRequest, options: Options) -> dict[str, Any]:
    """One request as a device sends it; the answer as it came, body capped at ``max_body_bytes``."""
    import requests
    import urllib3

    query = request.query
    if request.pad_query_to > len(query):
        query += "A" * (request.pad_query_to - len(query))
    target = with_query(url, query)
    proxy = proxy_for(target, options)
    if options.insecure:
        urllib3.disable_warnings(urllib3.exceptions.InsecureRequestWarning)
    verify: bool | str = False if options.insecure else (str(options.ca_bundle) if options.ca_bundle else True)
    try:
        with _session(options) as session, session.request(
            request.method, target, timeout=_socket_timeout(options), stream=True, allow_redirects=True,
            verify=verify, proxies={"http": proxy, "https": proxy} if proxy else {},
            headers={"User-Agent": USER_AGENT},
        ) as response:
            body, truncated = _read_capped(response, options.max_body_bytes)
    except requests.exceptions.SSLError as exc:
        raise ProbeError(f"TLS: {_reason(exc)}") from None
    except requests.exceptions.Timeout:
        raise ProbeError(f"no answer within {options.timeout:g} s") from None
    except requests.exceptions.TooManyRedirects:
        raise ProbeError(f"more than {MAX_REDIRECTS} redirects") from None
    except requests.exceptions.RequestException as exc:
        raise ProbeError(f"{urlsplit(url).netloc}{_at(url, options)}: {_reason(exc)}") from None
    data: dict[str, Any] = {
        "url": with_query(url, request.query),
        "status": response.status_code,
        "reason": response.reason,
        "content_type": response.headers.get("Content-Type"),
        "server": response.headers.get("Server"),
        "body_b64": base64.b64encode(body).decode("ascii"),
        "body_bytes": len(body),
        "truncated": truncated,
        "redirects": [
            {"status": r.status_code, "url": r.url, "location": r.headers.get("Location")} for r in response.history
        ],
    }
    if request.pad_query_to:
        data["query_chars"] = len(query)
    return data


def _at(url: str, options: Options) -> str:
    """`` (at 10.0.0.7)`` when a direct connection to the URL's host goes to an address of ``[scep] addresses``."""
    address = options.addresses.get(urlsplit(url).hostname or "")
    return f" (at {address})" if address and proxy_for(url, options) is None else ""


def _read_capped(response: Any, cap: int) -> tuple[bytes, bool]:
    chunks: list[bytes] = []
    size = 0
    for chunk in response.iter_content(64 * 1024):
        chunks.append(chunk)
        size += len(chunk)
        if size > cap:
            return b"".join(chunks)[:cap], True
    return b"".join(chunks), False


@dataclass
class _Handshake:
    """What the message callback saw of the handshake messages the server sent."""

    done: bool = False
    client_certificate_requested: str | None = None

    def observe(self, conn: Any, direction: str, version: Any, content_type: Any, msg_type: Any, data: Any) -> None:
        if direction != "read" or int(content_type) != TLS_HANDSHAKE:
            return
        if int(msg_type) == CERTIFICATE_REQUEST and self.client_certificate_requested is None:
            self.client_certificate_requested = "renegotiation" if self.done else "handshake"


def _connect(host: str, port: int, url: str, options: Options) -> socket.socket:
    """A TCP connection to the endpoint, tunnelled with CONNECT when a proxy applies."""
    proxy = proxy_for(url, options)
    try:
        if proxy is None:
            return _watched((options.addresses.get(host, host), port), options)
        parts = urlsplit(proxy)
        if parts.scheme != "http" or not parts.hostname:
            raise ProbeError(f"proxy {redacted_url(proxy)}: only http:// proxies are supported for the TLS probe")
        sock = _watched((parts.hostname, parts.port or 8080), options)
        sock.sendall(f"CONNECT {host}:{port} HTTP/1.1\r\nHost: {host}:{port}\r\n\r\n".encode("ascii"))
        head = _read_head(sock)
        status_line = head.split(b"\r\n", 1)[0].decode("latin-1")
        if len(status_line.split()) < 2 or status_line.split()[1] != "200":
            sock.close()
            raise ProbeError(f"proxy {parts.hostname} refused the tunnel: {status_line or 'no answer'}")
        return sock
    except TimeoutError:
        raise ProbeError(f"no connection within {options.timeout:g} s") from None
    except OSError as exc:
        raise ProbeError(f"{host}:{port}{_at(url, options)}: {exc.strerror or exc}") from None


def _watched(address: tuple[str, int], options: Options) -> socket.socket:
    from conncheck.collectors.scep_address import watch_socket

    sock = socket.create_connection(address, timeout=_socket_timeout(options))
    watch_socket(sock)
    return sock


def _socket_timeout(options: Options) -> float:
    """Each socket wait: the deadline and a grace period, a backstop only, so that the deadline, which says why,
    cuts a slow exchange rather than a socket timeout (a TLS handshake's timeout is a total, like the deadline)."""
    return options.timeout + GRACE_SECONDS


def _read_head(sock: Any) -> bytes:
    head = b""
    while b"\r\n\r\n" not in head and len(head) < MAX_HEAD_BYTES:
        chunk = sock.recv(4096)
        if not chunk:
            break
        head += chunk
    return head


def tls_exchange(url: str, request: HttpRequest, options: Options) -> dict[str, Any]:
    """Handshake, send the request, read the answer; then a second, verifying handshake for the trust verdict."""
    parts = urlsplit(url)
    if parts.scheme != "https":
        return {"tls": False}
    host, port = parts.hostname or "", parts.port or 443
    seen = _Handshake()
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    ctx.check_hostname = False
    ctx.verify_mode = ssl.CERT_NONE  # this connection only looks; the second one verifies
    # The stdlib's only hook into handshake messages: the one way to see a CertificateRequest from Python.
    ctx._msg_callback = seen.observe  # type: ignore[attr-defined]
    data: dict[str, Any] = {"tls": True, "host": host, "port": port, "certificate_b64": None, "status": None,
                            "error": None}
    if _at(url, options):
        data["address"] = options.addresses[host]
    sock = _connect(host, port, url, options)
    try:
        tls = ctx.wrap_socket(sock, server_hostname=host)
    except (ssl.SSLError, OSError) as exc:
        sock.close()
        if seen.client_certificate_requested is None:
            raise ProbeError(f"TLS handshake with {host}:{port} failed: {_reason(exc)}") from None
        data["error"] = f"handshake ended after the server asked for a client certificate: {_reason(exc)}"
    else:
        with tls:
            seen.done = True
            der = tls.getpeercert(binary_form=True)
            data.update(
                certificate_b64=base64.b64encode(der).decode("ascii") if der else None,
                tls_version=tls.version(),
                cipher=(tls.cipher() or (None,))[0],
            )
            _request_over(tls, host, parts, request, options, data)
    data["client_certificate_requested"] = seen.client_certificate_requested
    data.update(_verify(host, port, url, options))
    return data


def _request_over(
    tls: ssl.SSLSocket, host: str, parts: Any, request: HttpRequest, options: Options, data: dict[str, Any]
) -> None:
    """Send the GET over the looking connection and read the status: a server may renegotiate only now."""
    path = with_query(parts.path or "/", request.query)
    if parts.query:
        path = with_query(f"{parts.path}?{parts.query}", request.query)
    netloc = host if parts.port in (None, 443) else f"{host}:{parts.port}"
    wire = (
        f"{request.method} {path} HTTP/1.1\r\nHost: {netloc}\r\nUser-Agent: {USER_AGENT}\r\n"
        "Connection: close\r\n\r\n"
    )
    try:
        tls.sendall(wire.encode("ascii"))
        head = b""
        while b"\r\n" not in head and len(head) < MAX_HEAD_BYTES:
            chunk = tls.recv(4096)
            if not chunk:
                break
            head += chunk
    except (ssl.SSLError, OSError) as exc:
        data["error"] = f"the request over TLS failed: {_reason(exc)}"
        return
    match = re.match(rb"HTTP/\d(?:\.\d)? (\d{3})", head)
    if match:
        data["status"] = int(match.group(1))
    else:
        data["error"] = "no HTTP status line in the answer" if head else "the server closed without answering"


def _verify(host: str, port: int, url: str, options: Options) -> dict[str, Any]:
    """OpenSSL's verdict on the chain against the CA bundle (or the system store); the name is judged apart."""
    trust = str(options.ca_bundle) if options.ca_bundle else "system"
    try:
        ctx = ssl.create_default_context(cafile=str(options.ca_bundle) if options.ca_bundle else None)
    except (ssl.SSLError, OSError) as exc:
        return {"verified": None, "verify_error": f"CA bundle {trust} unreadable: {exc}", "trust": trust}
    ctx.check_hostname = False
    try:
        sock = _connect(host, port, url, options)
    except ProbeError as exc:
        return {"verified": None, "verify_error": f"second connection failed: {exc}", "trust": trust}
    verdict: dict[str, Any] = {"verified": True, "verify_error": None, "trust": trust}
    try:
        ctx.wrap_socket(sock, server_hostname=host).close()
    except ssl.SSLCertVerificationError as exc:
        verdict.update(verified=False, verify_error=str(exc.verify_message))
    except (ssl.SSLError, OSError) as exc:
        verdict.update(verified=None, verify_error=f"the verifying handshake did not complete: {_reason(exc)}")
    finally:
        sock.close()
    return verdict

