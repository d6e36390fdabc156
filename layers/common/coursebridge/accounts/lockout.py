"""When failed sign-ins slow down and lock (pure; the counters are store/sign_in_failures.py).

Per account — and per typed email/username that is no account, counted the same way, so
a lock never tells whether an account exists:
  - a failure is forgotten 15 minutes after the last one, and all are cleared by a
    successful sign-in or a password reset;
  - from the 5th failure on, the next attempt must wait 2^(n-5) seconds after the last
    one (1, 2, 4 … at most 60);
  - the 20th failure locks sign-in for 15 minutes: every attempt is refused, the right
    password included (a password reset still works, and unlocks).
Per client address (a school's pupils may share one), in 15-minute windows counted from
the window's first failure:
  - from the 100th failure, each attempt waits 2^(n-100) seconds (at most 10);
  - the 300th locks the address for 15 minutes. A success does not clear it.
A refused attempt checks no password and counts nothing.
"""

from __future__ import annotations

from dataclasses import dataclass

from coursebridge.store.sign_in_failures import FailureCount


@dataclass(frozen=True)
class LockoutRule:
    slow_from: int  # failures before the first wait
    lock_at: int  # the failure that locks
    lock_seconds: int
    max_wait: int
    window: int  # seconds a count is kept
    window_from_last: bool  # the window runs from the last failure (else from the first)

    def current(self, count: FailureCount, now: int) -> FailureCount:
        """The count as it stands at ``now``: a spent window or lock counts as nothing."""
        start = count.last_failure_at if self.window_from_last else count.window_start
        if count.locked_until > now or (count.failures and start + self.window > now):
            return count
        return FailureCount(version=count.version)

    def wait(self, count: FailureCount, now: int) -> int:
        """Seconds before an attempt may be made (0: now)."""
        count = self.current(count, now)
        if count.locked_until > now:
            return count.locked_until - now
        if count.failures < self.slow_from:
            return 0
        delay = min(2 ** (count.failures - self.slow_from), self.max_wait)
        return max(0, count.last_failure_at + delay - now)

    def locked(self, count: FailureCount, now: int) -> bool:
        return self.current(count, now).locked_until > now

    def after_failure(self, count: FailureCount, now: int) -> FailureCount:
        count = self.current(count, now)
        failures = count.failures + 1
        return FailureCount(
            failures=failures,
            window_start=count.window_start if count.failures else now,
            last_failure_at=now,
            locked_until=now + self.lock_seconds if failures >= self.lock_at else 0,
            version=count.version,
        )

    def expires(self, count: FailureCount) -> int:
        """When DynamoDB may drop the counter (its TTL)."""
        start = count.last_failure_at if self.window_from_last else count.window_start
        return max(start + self.window, count.locked_until)


ACCOUNT_RULE = LockoutRule(
    slow_from=5, lock_at=20, lock_seconds=900, max_wait=60, window=900, window_from_last=True
)
ADDRESS_RULE = LockoutRule(
    slow_from=100, lock_at=300, lock_seconds=900, max_wait=10, window=900, window_from_last=False
)
