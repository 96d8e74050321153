"""Deadlines for network exchanges: a point in time by which the whole exchange is over, however slowly the peer talks.

A socket timeout bounds each wait, not the exchange: a peer that sends one byte a second resets it forever, and a TLS
handshake waits on the socket inside OpenSSL. So every socket an exchange opens is registered with a ``SocketWatch``
(as a duplicate of its descriptor, which stays valid while TLS wraps the original), and a ``Deadline`` shuts every
watched socket down when it passes: whatever call was blocked on one of them (connect, TLS handshake, read) returns at
once with an error, and the caller turns that into the reason the deadline gives.

One timer thread per process serves every deadline (a heap of expiry times), so arming one costs a heap push, not a
thread.
"""

from __future__ import annotations

import contextlib
import heapq
import itertools
import socket
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from types import TracebackType


class SocketWatch:
    """The sockets of one exchange (or one host's exchanges), so a deadline can cut them all."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._sockets: list[socket.socket] = []
        self.reason: str | None = None  # set by the first deadline that cut the sockets

    @property
    def expired(self) -> bool:
        return self.reason is not None

    def add(self, sock: socket.socket) -> None:
        """Watch ``sock`` (a duplicate is kept); after a deadline has passed it is shut down at once."""
        try:  # fromfd duplicates the descriptor (an SSLSocket refuses dup(); its descriptor is the TCP socket's)
            duplicate = socket.fromfd(sock.fileno(), sock.family, sock.type)
        except OSError:
            return  # already closed: nothing left to cut
        with self._lock:
            self._sockets.append(duplicate)
            if self.reason is None:
                return
        _shutdown(duplicate)

    def cut(self, reason: str) -> None:
        """Shut every watched socket down; the first reason given is the one kept."""
        with self._lock:
            if self.reason is None:
                self.reason = reason
            sockets = list(self._sockets)
        for sock in sockets:
            _shutdown(sock)

    def close(self) -> None:
        """Release the duplicates (the exchange's own sockets are its owner's to close)."""
        with self._lock:
            sockets, self._sockets = self._sockets, []
        for sock in sockets:
            sock.close()


def _shutdown(sock: socket.socket) -> None:
    with contextlib.suppress(OSError):  # not connected yet, or already gone
        sock.shutdown(socket.SHUT_RDWR)


class Deadline:
    """``with Deadline(watch, seconds, reason):`` cuts ``watch``'s sockets if the block is still running after
    ``seconds``; the block's own error then says nothing useful, ``watch.reason`` does."""

    def __init__(self, watch: SocketWatch, seconds: float, reason: str) -> None:
        self.watch = watch
        self.seconds = seconds
        self.reason = reason
        self._entry: _Entry | None = None

    def __enter__(self) -> Deadline:
        self._entry = _TIMER.schedule(time.monotonic() + self.seconds, lambda: self.watch.cut(self.reason))
        return self

    def __exit__(self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None) -> None:
        if self._entry is not None:
            self._entry.cancelled = True


@dataclass(order=True)
class _Entry:
    at: float
    order: int
    action: Callable[[], None] = field(compare=False)
    cancelled: bool = field(default=False, compare=False)


class _Timer:
    """One daemon thread running the actions of every deadline that passes, in time order."""

    def __init__(self) -> None:
        self._heap: list[_Entry] = []
        self._order = itertools.count()
        self._wake = threading.Condition()
        self._thread: threading.Thread | None = None

    def schedule(self, at: float, action: Callable[[], None]) -> _Entry:
        entry = _Entry(at, next(self._order), action)
        with self._wake:
            heapq.heappush(self._heap, entry)
            if self._thread is None or not self._thread.is_alive():  # first use, or a child process after fork
                self._thread = threading.Thread(target=self._run, name="conncheck-deadlines", daemon=True)
                self._thread.start()
            elif self._heap[0] is entry:
                self._wake.notify()
        return entry

    def _run(self) -> None:
        while True:
            with self._wake:
                while self._heap and self._heap[0].cancelled:
                    heapq.heappop(self._heap)
                if not self._heap:
                    self._wake.wait()
                    continue
                wait = self._heap[0].at - time.monotonic()
                if wait > 0:
                    self._wake.wait(wait)
                    continue
                entry = heapq.heappop(self._heap)
            entry.action()


_TIMER = _Timer()
