"""How AGS calls wait: retries with backoff (honouring ``Retry-After``) and one gate per
platform that bounds concurrent calls and pauses everybody after a ``Retry-After``."""

from __future__ import annotations

import email.utils
import random
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass

DEFAULT_CONCURRENCY = 32


@dataclass
class RetryPolicy:
    max_attempts: int = 5
    base_delay: float = 0.5
    max_delay: float = 20.0
    max_retry_after: float = 60.0

    def delay(self, attempt: int, retry_after: float | None) -> float:
        """Full-jitter exponential backoff; never earlier than ``Retry-After``."""
        backoff = random.uniform(0, min(self.max_delay, self.base_delay * 2**attempt))
        if retry_after is None:
            return backoff
        return min(retry_after, self.max_retry_after) + backoff * 0.1


def default_retry_policy() -> RetryPolicy:
    return RetryPolicy()


def parse_retry_after(value: str | None, now: float | None = None) -> float | None:
    """Seconds to wait from a ``Retry-After`` header (delta-seconds or HTTP-date)."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        moment = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return max(0.0, moment.timestamp() - (time.time() if now is None else now))


class PlatformGate:
    """Bounded concurrency for one platform, and a shared pause after ``Retry-After``."""

    _gates: dict[str, PlatformGate] = {}
    _guard = threading.Lock()

    def __init__(self, limit: int) -> None:
        self.limit = limit
        self._slots = threading.BoundedSemaphore(limit)
        self._paused_until = 0.0
        self._lock = threading.Lock()

    @classmethod
    def for_platform(cls, issuer: str, limit: int = DEFAULT_CONCURRENCY) -> PlatformGate:
        with cls._guard:
            gate = cls._gates.get(issuer)
            if gate is None or gate.limit != limit:
                gate = cls._gates[issuer] = PlatformGate(limit)
            return gate

    def pause(self, seconds: float) -> None:
        with self._lock:
            self._paused_until = max(self._paused_until, time.monotonic() + seconds)

    def wait_for_pause(self, sleep: Callable[[float], None]) -> None:
        while (left := self._paused_until - time.monotonic()) > 0:
            sleep(min(left, 1.0))

    def __enter__(self) -> PlatformGate:
        self._slots.acquire()
        return self

    def __exit__(self, *_: object) -> None:
        self._slots.release()
