"""Slow peers on loopback: raw TCP servers that answer one byte at a time, or never, to test deadlines.

``DrippingPeer(answer)`` accepts every connection, reads what the client sends first (a request, a TLS ClientHello,
an LDAP StartTLS request), then sends ``answer`` one byte per ``interval`` seconds and holds the connection open:
a client that only bounds each read waits for ever, one whose exchange has a deadline gives up at the deadline.
``answer=b""`` is a peer that accepts and never says anything. ``served`` counts the connections it accepted.
"""

from __future__ import annotations

import socket
import threading
from types import TracebackType

# What the slow peers drip: the start of a WinRM listener's first answer, of a TLS ServerHello, of a proxy's reply
# to CONNECT, and of an LDAP ExtendedResponse (a SEQUENCE with a long-form length), each enough to keep a client
# reading.
HTTP_401 = (b"HTTP/1.1 401 \r\nWWW-Authenticate: Negotiate\r\nContent-Length: 0\r\nServer: Microsoft-HTTPAPI/2.0\r\n"
            b"\r\n")
TLS_SERVER_HELLO = bytes.fromhex("160303007a020000760303") + bytes(32) + b"\x20" + bytes(32)
PROXY_CONNECTED = b"HTTP/1.1 200 Connection established\r\nProxy-Agent: slow\r\n\r\n"
LDAP_EXTENDED_RESPONSE = bytes.fromhex("3084000000") + bytes(64)


class DrippingPeer:
    def __init__(self, answer: bytes, interval: float = 1.0, address: str = "127.0.0.1") -> None:
        self.answer = answer
        self.interval = interval
        self.served = 0
        self._listener = socket.create_server((address, 0))
        self._stop = threading.Event()
        self._connections: list[socket.socket] = []
        self._thread = threading.Thread(target=self._accept, name="dripping-peer", daemon=True)

    @property
    def address(self) -> str:
        return str(self._listener.getsockname()[0])

    @property
    def port(self) -> int:
        return int(self._listener.getsockname()[1])

    def __enter__(self) -> DrippingPeer:
        self._thread.start()
        return self

    def __exit__(self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None) -> None:
        self._stop.set()
        self._listener.close()
        for conn in self._connections:
            conn.close()
        self._thread.join(5)

    def _accept(self) -> None:
        self._listener.settimeout(0.2)
        while not self._stop.is_set():
            try:
                conn, _ = self._listener.accept()
            except (TimeoutError, OSError):
                continue
            self.served += 1
            self._connections.append(conn)
            threading.Thread(target=self._drip, args=(conn,), daemon=True).start()

    def _drip(self, conn: socket.socket) -> None:
        try:
            conn.settimeout(5)
            conn.recv(65536)  # the client's first words, whatever they are
            for byte in self.answer:
                if self._stop.wait(self.interval):
                    return
                conn.sendall(bytes([byte]))
            while not self._stop.wait(self.interval):
                pass  # said everything it will say; holds the connection open
        except OSError:
            return  # the client gave up and closed: what a deadline is for
