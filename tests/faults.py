"""DynamoDB faults injected into the product's own (cached) boto3 clients.

The product builds its clients once per process (coursebridge/aws.py), so a botocore
event hook registered on them sees every request the code under test makes. Two places:

- ``before-call`` (the default): the call returns the error without reaching the
  server and without botocore's retries, i.e. what reaches the product once botocore
  has given up (attempts or retry quota spent) or never retries (a cancelled
  transaction, unprocessed keys/items).
- ``before-send`` (``Fault(..., stage="send")``): an HTTP 400 answer in DynamoDB's JSON
  error format, parsed and retried by botocore's standard retry mode as a real one is.

Unprocessed keys/items: the request is sent with only part of its keys/items and the
rest comes back as ``UnprocessedKeys`` / ``UnprocessedItems``, as DynamoDB does under
throttling.
"""

from __future__ import annotations

import copy
import json
import random
import threading
from collections import Counter
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from botocore.awsrequest import AWSResponse

from coursebridge import aws

THROTTLED = "ProvisionedThroughputExceededException"
THROTTLING = "ThrottlingException"
IN_PROGRESS = "TransactionInProgressException"
CANCELLED = "TransactionCanceledException"
UNPROCESSED = "Unprocessed"  # a batch call answered only in part


@dataclass(frozen=True)
class Fault:
    """``error`` for ``operation`` (e.g. ``TransactWriteItems``): a code above, with
    ``reason`` the per-action cancellation reason of a ``CANCELLED`` transaction."""

    operation: str
    error: str
    reason: str = "TransactionConflict"
    stage: str = "call"  # "call" or "send"


@dataclass
class Plan:
    """When a fault fires: on calls number ``first`` (0-based count of that operation's
    calls) or, after those, at ``rate`` (seeded, so a run is reproducible)."""

    faults: Sequence[Fault]
    first: int = 0
    rate: float = 0.0
    seed: int = 16
    calls: Counter = field(default_factory=Counter)
    injected: Counter = field(default_factory=Counter)

    def __post_init__(self) -> None:
        self._random = random.Random(self.seed)
        self._lock = threading.Lock()
        self._turn = Counter()

    def pick(self, operation: str, stage: str) -> Fault | None:
        options = [f for f in self.faults if f.operation == operation and f.stage == stage]
        if not options:
            return None
        with self._lock:
            number = self.calls[(operation, stage)]
            self.calls[(operation, stage)] += 1
            if number >= self.first and self._random.random() >= self.rate:
                return None
            fault = options[self._turn[operation] % len(options)]  # each kind in turn
            self._turn[operation] += 1
            self.injected[fault.error if fault.error != CANCELLED else fault.reason] += 1
            return fault

    @property
    def total(self) -> int:
        return sum(self.injected.values())


def error_response(code: str, reasons: Sequence[str] = ()) -> dict[str, Any]:
    """A parsed DynamoDB error as botocore hands it to the client."""
    response: dict[str, Any] = {
        "Error": {"Code": code, "Message": f"injected {code}"},
        "ResponseMetadata": {"HTTPStatusCode": 400, "RequestId": "injected-fault"},
    }
    if reasons:
        response["CancellationReasons"] = [
            {"Code": reason, "Message": f"injected {reason}"}
            if reason != "None"
            else {"Code": "None"}
            for reason in reasons
        ]
    return response


class _Body:
    def __init__(self, data: bytes) -> None:
        self._data = data

    def stream(self, **_: object) -> Iterator[bytes]:
        yield self._data


def _http_error(code: str, reasons: Sequence[str]) -> AWSResponse:
    body: dict[str, Any] = {"__type": f"com.amazonaws.dynamodb.v20120810#{code}",
                            "message": f"injected {code}"}  # fmt: skip
    if reasons:
        body["CancellationReasons"] = [{"Code": reason} for reason in reasons]
    headers = {"Content-Type": "application/x-amz-json-1.0", "x-amzn-RequestId": "injected"}
    return AWSResponse("http://injected", 400, headers, _Body(json.dumps(body).encode()))


class Injector:
    """Hooks one plan into the product's DynamoDB clients; ``remove()`` unhooks it."""

    def __init__(self, plan: Plan) -> None:
        self.plan = plan
        self._hooks: list[tuple[Any, str, Any]] = []
        for client in (aws.dynamodb().meta.client, aws.bulk_client("dynamodb")):
            self._hook(client, "before-parameter-build.dynamodb", self._choose)
            self._hook(client, "before-call.dynamodb", self._before_call)
            self._hook(client, "before-send.dynamodb", self._before_send)
            self._hook(client, "after-call.dynamodb", self._after_call)

    def _hook(self, client: Any, event: str, handler: Any) -> None:
        client.meta.events.register(event, handler)
        self._hooks.append((client, event, handler))

    def remove(self) -> None:
        for client, event, handler in self._hooks:
            client.meta.events.unregister(event, handler)
        self._hooks.clear()

    def _choose(self, params: dict, model: Any, context: dict, **_: object) -> None:
        """Decide this call's fault once, before botocore builds the request."""
        fault = self.plan.pick(model.name, "call")
        if fault is None:
            return
        if fault.error == UNPROCESSED:
            context["faults.withheld"] = _withhold(params["RequestItems"])
        else:
            context["faults.error"] = error_response(fault.error, _reasons(fault, params))

    def _before_call(self, context: dict, **_: object) -> Any:
        error = context.pop("faults.error", None)
        if error is None:
            return None
        return AWSResponse("http://injected", 400, {}, None), error

    def _before_send(self, request: Any, **_: object) -> Any:
        target = request.headers.get("X-Amz-Target", b"")
        name = (target.decode() if isinstance(target, bytes) else target).split(".")[-1]
        fault = self.plan.pick(name, "send")
        if fault is None:
            return None
        params = json.loads(request.body or b"{}")
        return _http_error(fault.error, _reasons(fault, params))

    def _after_call(self, parsed: dict, model: Any, context: dict, **_: object) -> None:
        withheld = context.pop("faults.withheld", None)
        if not withheld:
            return
        field_name = "UnprocessedKeys" if model.name == "BatchGetItem" else "UnprocessedItems"
        left = parsed.setdefault(field_name, {})
        for table, spec in withheld.items():
            if isinstance(spec, dict):
                left.setdefault(table, {**spec, "Keys": []})["Keys"].extend(spec["Keys"])
            else:
                left.setdefault(table, []).extend(spec)


def _reasons(fault: Fault, params: dict) -> list[str]:
    """One reason per action of a cancelled transaction, as DynamoDB gives them."""
    if fault.error != CANCELLED:
        return []
    count = max(1, len(params.get("TransactItems", ())))
    return [fault.reason] + ["None"] * (count - 1)


def _withhold(request_items: dict) -> dict:
    """Keep the first half of each table's keys/items in the request; return the rest."""
    withheld: dict = {}
    for table, spec in request_items.items():
        if isinstance(spec, dict):  # BatchGetItem: {"Keys": [...], ...}
            keys = spec["Keys"]
            keep = max(1, len(keys) // 2)
            if len(keys) > keep:
                withheld[table] = copy.deepcopy({**spec, "Keys": keys[keep:]})
                del keys[keep:]
        else:  # BatchWriteItem: [{"PutRequest": ...}, ...]
            keep = max(1, len(spec) // 2)
            if len(spec) > keep:
                withheld[table] = copy.deepcopy(spec[keep:])
                del spec[keep:]
    return withheld


@contextmanager
def injected(*plans: Plan) -> Iterator[tuple[Plan, ...]]:
    """Faults from ``plans`` for the duration of the block (clients as cached now)."""
    injectors = [Injector(plan) for plan in plans]
    try:
        yield plans
    finally:
        for injector in injectors:
            injector.remove()
