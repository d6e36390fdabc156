"""A total deadline per outbound request, whatever the server does.

``requests`` timeouts bound each socket operation, not the request: a server that
sends one byte every few seconds keeps a request alive for ever. A ``Deadline`` is
handed to every connection the request uses (fresh or pooled); one watchdog thread
per process shuts those sockets down when the deadline passes, which wakes the
blocked read, and the request fails with ``DeadlineExceeded``.
"""

from __future__ import annotations

import contextlib
import contextvars
import heapq
import itertools
import socket
import threading
import time
from typing import Any

current_deadline: contextvars.ContextVar[Deadline | None] = contextvars.ContextVar(
    "outbound_deadline", default=None
)


class Deadline:
    def __init__(self, seconds: float) -> None:
        self.seconds = seconds
        self.at = time.monotonic() + seconds
        self.expired = False
        self._done = False
        self._connections: list[Any] = []
        self._lock = threading.Lock()

    def left(self) -> float:
        return max(0.001, self.at - time.monotonic())

    def attach(self, connection: Any) -> None:
        """``connection`` (a urllib3 connection) carries this request now."""
        with self._lock:
            if self.expired:
                _shut_down(connection)
            else:
                self._connections.append(connection)

    def expire(self) -> None:
        with self._lock:
            if self._done:
                return
            self.expired = True
            for connection in self._connections:
                _shut_down(connection)

    def finish(self) -> None:
        with self._lock:
            self._done = True
            self._connections.clear()


def _shut_down(connection: Any) -> None:
    sock = getattr(connection, "sock", None)
    if sock is None:
        return
    # The plain socket's shutdown, also under TLS: it wakes a read blocked in another
    # thread without touching the TLS object that thread is using.
    with contextlib.suppress(OSError):  # already closed
        socket.socket.shutdown(sock, socket.SHUT_RDWR)


class _Watchdog:
    """One thread that expires deadlines in order (no thread per request)."""

    def __init__(self) -> None:
        self._heap: list[tuple[float, int, Deadline]] = []
        self._order = itertools.count()
        self._wake = threading.Condition()
        self._thread: threading.Thread | None = None

    def watch(self, deadline: Deadline) -> None:
        with self._wake:
            heapq.heappush(self._heap, (deadline.at, next(self._order), deadline))
            if self._thread is None:
                self._thread = threading.Thread(
                    target=self._run, name="outbound-deadlines", daemon=True
                )
                self._thread.start()
            self._wake.notify()

    def _run(self) -> None:
        while True:
            with self._wake:
                while not self._heap:
                    self._wake.wait()
                at, _, deadline = self._heap[0]
                wait = at - time.monotonic()
                if wait > 0:
                    self._wake.wait(wait)
                    continue
                heapq.heappop(self._heap)
            deadline.expire()


watchdog = _Watchdog()
