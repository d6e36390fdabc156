"""One retry policy for DynamoDB refusals that botocore leaves to us: bounded, jittered.

botocore (standard mode, 5 attempts: see aws.py) retries a throttled *request*
(``ProvisionedThroughputExceededException``, ``ThrottlingException``,
``TransactionInProgressException``) with full-jitter backoff, while the client's retry
quota lasts (100 throttling retries, refilled by successes). It never retries what is a
well-formed answer: a transaction cancelled because of a conflict or throttling
(``TransactionCanceledException`` whose reasons are ``TransactionConflict`` /
``ThrottlingError``) and the ``UnprocessedKeys`` / ``UnprocessedItems`` of batch calls;
and once its attempts or quota run out a throttling error reaches us. The product's
loops over those use this module, so every one of them is bounded and jittered alike.
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from functools import partial
from typing import Any, TypeVar

from botocore.exceptions import ClientError

T = TypeVar("T")

THROTTLING_CODES = frozenset(
    {
        "ProvisionedThroughputExceededException",
        "ThrottlingException",
        "RequestLimitExceeded",
        "TransactionInProgressException",  # another request with the same token is running
    }
)
# cancellation reasons that say "not now", never "no": the same transaction may succeed
TRANSIENT_REASONS = frozenset({"TransactionConflict", "ThrottlingError"})


class RetriesExhausted(RuntimeError):
    """DynamoDB still refused after every attempt the policy allows (nothing is lost:
    the caller's unit of work is retried later as a whole)."""


@dataclass(frozen=True)
class Backoff:
    """Truncated exponential backoff with full jitter: attempt ``n`` waits a random
    time in [0, min(cap, base·2ⁿ)] seconds, at most ``attempts`` tries in all."""

    attempts: int = 10
    base: float = 0.025
    cap: float = 1.0

    def delay(self, attempt: int) -> float:
        return random.uniform(0, min(self.cap, self.base * 2**attempt))

    def pause(self, attempt: int) -> None:
        time.sleep(self.delay(attempt))


DYNAMODB = Backoff()


def policy_or_default(policy: Backoff | None) -> Backoff:
    return policy or DYNAMODB


def is_transient(error: ClientError) -> bool:
    """Throttled, or a transaction cancelled only by conflicts/throttling: try again."""
    code = error.response.get("Error", {}).get("Code")
    if code in THROTTLING_CODES:
        return True
    if code != "TransactionCanceledException":
        return False
    reasons = error.response.get("CancellationReasons") or []
    codes = {reason.get("Code") for reason in reasons} - {"None", None}
    return bool(codes) and codes <= TRANSIENT_REASONS


def retry_transient(call: Callable[[], T], policy: Backoff | None = None) -> T:
    """``call()``, again after a backoff while it fails transiently; the last transient
    error is raised after ``policy.attempts`` tries, any other error at once."""
    policy = policy_or_default(policy)
    for attempt in range(policy.attempts - 1):
        try:
            return call()
        except ClientError as error:
            if not is_transient(error):
                raise
        policy.pause(attempt)
    return call()


def until_processed(
    send: Callable[[dict], dict[str, Any]],
    request: dict,
    unprocessed: str,
    policy: Backoff | None = None,
) -> Iterator[dict[str, Any]]:
    """Send a batch request, then what it left ``unprocessed`` (``UnprocessedKeys`` or
    ``UnprocessedItems``), with backoff, until nothing is left; yields each response.

    The attempt count starts over whenever a response made progress (fewer left than
    sent), so a throttled but moving batch finishes; one that makes no progress for
    ``policy.attempts`` responses raises RetriesExhausted.
    """
    policy = policy_or_default(policy)
    stalled = 0
    left = _size(request)
    while request:
        response = retry_transient(partial(send, request), policy)
        yield response
        request = response.get(unprocessed) or {}
        if not request:
            return
        remaining = _size(request)
        stalled = 0 if remaining < left else stalled + 1
        if stalled >= policy.attempts:
            raise RetriesExhausted(f"{remaining} request(s) still {unprocessed}")
        left = remaining
        policy.pause(stalled)


def _size(request: dict) -> int:
    return sum(
        len(spec["Keys"]) if isinstance(spec, dict) else len(spec) for spec in request.values()
    )
