"""The SCEP collector's requests adapters: every connection under the exchange's deadline (``WatchedAdapter``), and
optionally to a given address instead of what DNS says for the URL's host, keeping the host everywhere else
(``AddressAdapter``).

site.toml ``[scep] addresses = {"ndes01.contoso.com" = "10.0.0.7"}`` is for an NDES whose name does not resolve
from where conncheck runs (a jump host outside the internal DNS, a lab on loopback). Only the TCP connection goes to
the address: the Host header, the TLS server name (SNI) and the certificate's name check keep the URL's host, so a
certificate that does not name the host fails exactly as it would through DNS. Redirects to a listed host go to its
address too. Through a proxy nothing changes: the proxy is asked for the host by name and resolves it itself.

The wire: urllib3 opens the pool to the address and is told the server's name apart (``server_hostname`` for SNI,
``assert_hostname`` for the certificate check, both documented pool keywords); the request carries ``Host`` itself.
"""

from __future__ import annotations

import socket
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any
from urllib.parse import urlsplit

from conncheck.collectors.deadline import SocketWatch
from requests.adapters import HTTPAdapter
from requests.utils import select_proxy
from urllib3.connection import HTTPConnection, HTTPSConnection
from urllib3.connectionpool import HTTPConnectionPool, HTTPSConnectionPool

# The sockets of the exchange running in this thread (``watching``): urllib3 opens them deep inside requests.
_current: ContextVar[SocketWatch | None] = ContextVar("conncheck_scep_watch", default=None)


@contextmanager
def watching(watch: SocketWatch) -> Iterator[None]:
    """Within the block, every socket this thread's SCEP exchange opens (``watch_socket``) goes to ``watch``."""
    token = _current.set(watch)
    try:
        yield
    finally:
        _current.reset(token)


def watch_socket(sock: socket.socket) -> None:
    watch = _current.get()
    if watch is not None:
        watch.add(sock)


def connect_address(addresses: Mapping[str, str], host: str) -> str:
    """Where a connection to ``host`` goes: its configured address, else the host itself (resolved by DNS)."""
    return addresses.get(host.lower().rstrip("."), host)


class _WatchedHTTPConnection(HTTPConnection):
    def _new_conn(self) -> socket.socket:
        sock = super()._new_conn()
        watch_socket(sock)
        return sock


class _WatchedHTTPSConnection(HTTPSConnection):
    def _new_conn(self) -> socket.socket:
        sock = super()._new_conn()
        watch_socket(sock)  # the TLS layer wraps this socket: shutting it down interrupts the handshake too
        return sock


class _WatchedHTTPPool(HTTPConnectionPool):
    ConnectionCls = _WatchedHTTPConnection


class _WatchedHTTPSPool(HTTPSConnectionPool):
    ConnectionCls = _WatchedHTTPSConnection


WATCHED_POOLS = {"http": _WatchedHTTPPool, "https": _WatchedHTTPSPool}


class WatchedAdapter(HTTPAdapter):
    """A requests adapter whose every connection (direct or through a proxy) goes to the exchange's SocketWatch
    (conncheck.collectors.deadline): a server that drips its answer is cut off when the deadline passes."""

    def init_poolmanager(self, *args: Any, **kwargs: Any) -> None:
        super().init_poolmanager(*args, **kwargs)
        self.poolmanager.pool_classes_by_scheme = WATCHED_POOLS

    def proxy_manager_for(self, proxy: str, **proxy_kwargs: Any) -> Any:
        manager = super().proxy_manager_for(proxy, **proxy_kwargs)
        manager.pool_classes_by_scheme = WATCHED_POOLS
        return manager


class AddressAdapter(WatchedAdapter):
    """A requests adapter whose direct connections to the hosts it lists go to their addresses."""

    def __init__(self, addresses: Mapping[str, str]) -> None:
        self.addresses = {host.lower().rstrip("."): address for host, address in addresses.items()}
        super().__init__()

    def _address(self, url: str, proxies: Mapping[str, str] | None) -> str | None:
        host = (urlsplit(url).hostname or "").rstrip(".")
        if host not in self.addresses or select_proxy(url, dict(proxies or {})):
            return None
        return self.addresses[host]

    def get_connection_with_tls_context(
        self, request: Any, verify: Any, proxies: dict[str, str] | None = None, cert: Any = None
    ) -> Any:
        address = self._address(request.url, proxies)
        if address is None:
            return super().get_connection_with_tls_context(request, verify, proxies, cert)
        host_params, pool_kwargs = self.build_connection_pool_key_attributes(request, verify, cert)
        if host_params["scheme"] == "https":
            name = host_params["host"]
            pool_kwargs.update(server_hostname=name, assert_hostname=name)
        return self.poolmanager.connection_from_host(**{**host_params, "host": address}, pool_kwargs=pool_kwargs)

    def send(
        self, request: Any, stream: bool = False, timeout: Any = None, verify: Any = True, cert: Any = None,
        proxies: dict[str, str] | None = None,
    ) -> Any:
        if self._address(request.url, proxies) is not None:
            # http.client would name the address in Host; the server must see the URL's host, as through DNS.
            request = request.copy()
            request.headers["Host"] = urlsplit(request.url).netloc.rpartition("@")[2]
        return super().send(request, stream=stream, timeout=timeout, verify=verify, cert=cert, proxies=proxies)
