"""A total deadline for one network exchange, however slowly the peer answers.

A socket timeout bounds each wait, not the exchange: a peer that sends one byte a second never trips a 2 s timeout,
and a read of a 64 KiB block or of a whole TLS record waits for all of it. ``Deadline`` shuts down every socket
registered with it when its time is up; the blocked read returns at once, and the caller reports "no complete
answer within N s" instead of whatever error the interrupted read raised.

Sockets register through ``watch``, which finds the deadline of the exchange running in this thread (``with
Deadline(...)``): code that opens its own connections (urllib3, see ``WatchedAdapter`` in
conncheck.collectors.scep_address) takes part through a one-line hook. The deadline keeps a duplicate descriptor
of each connection (a TLS wrapper takes over the original socket object), closed when the exchange ends. Name
resolution is not a socket and is not interrupted; it is bounded by the resolver's own timeouts.
"""

from __future__ import annotations

import contextlib
import socket
import threading
import time
from contextvars import ContextVar, Token
from types import TracebackType

GRACE_SECONDS = 1.0
_current: ContextVar[Deadline | None] = ContextVar("conncheck_deadline", default=None)


class Deadline:
    """``with Deadline(seconds) as deadline:`` around one exchange; ``deadline.expired`` says whether it was cut."""

    def __init__(self, seconds: float) -> None:
        self.seconds = seconds
        self._ends = time.monotonic() + seconds
        self._lock = threading.Lock()
        self._sockets: list[socket.socket] = []
        self._expired = False
        self._timer = threading.Timer(seconds, self._expire)
        self._timer.daemon = True
        self._token: Token[Deadline | None] | None = None

    def __enter__(self) -> Deadline:
        self._token = _current.set(self)
        self._timer.start()
        return self

    def __exit__(self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None) -> None:
        self._timer.cancel()
        if self._token is not None:
            _current.reset(self._token)
        with self._lock:
            for sock in self._sockets:
                sock.close()
            self._sockets.clear()

    @property
    def expired(self) -> bool:
        return self._expired

    def socket_timeout(self) -> float:
        """A timeout for a socket opened now: the time left and a grace second, so that the deadline, which says
        why, cuts the exchange rather than a socket timeout (the TLS handshake's is a total, like ours)."""
        return max(0.0, self._ends - time.monotonic()) + GRACE_SECONDS

    def watch(self, sock: socket.socket) -> None:
        # A duplicate descriptor of the same connection: wrapping in TLS detaches the caller's socket object, and
        # the caller may close it; the duplicate still reaches the connection, and is closed when the exchange ends.
        try:
            own = sock.dup()
        except OSError:
            return
        with self._lock:
            self._sockets.append(own)
            if self._expired:
                _shut(own)

    def _expire(self) -> None:
        with self._lock:
            self._expired = True
            for sock in self._sockets:
                _shut(sock)


def watch(sock: socket.socket) -> None:
    """Put ``sock`` under the deadline of the exchange running in this thread, if there is one."""
    deadline = _current.get()
    if deadline is not None:
        deadline.watch(sock)


def socket_timeout(default: float) -> float:
    """``Deadline.socket_timeout`` of the exchange running in this thread, or ``default`` outside one."""
    deadline = _current.get()
    return default if deadline is None else deadline.socket_timeout()


def _shut(sock: socket.socket) -> None:
    with contextlib.suppress(OSError):  # already closed or never connected: nothing to interrupt
        sock.shutdown(socket.SHUT_RDWR)
