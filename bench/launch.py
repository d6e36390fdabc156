"""Launch benchmark: warm LTI launches against the local stack with the demo LMS.

Prints, per warm launch: latency (median, p95), DynamoDB calls (total and the LTI
part), JWKS fetches; and baselines measured in the same run: a cold-cache launch
(registration, org and JWKS caches dropped) and the floor of the local HTTP path
(GET /.well-known/jwks.json, one KMS key cached). Not asserted anywhere.

Run: ``.venv/bin/python -m bench.launch [N]``
"""

from __future__ import annotations

import statistics
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

import requests

from coursebridge import aws
from coursebridge.lti.jwks_cache import jwks_cache
from coursebridge.lti.tool_config import forget_cached_config
from local.demo_lms import DemoLms
from local.demo_lms.setup import register_demo
from local.environment import Ports
from local.servers import free_port
from local.stack import LocalStack
from tests.lti_support import ToolClient


class _Calls:
    def __init__(self) -> None:
        self.operations: list[str] = []

    def __call__(self, model, **_: object) -> None:
        self.operations.append(model.name)


def _timed_launch(tool: ToolClient, person: str, calls: _Calls) -> tuple[float, list[str]]:
    login = tool.login(person)
    token = tool.lms.platform.keys.sign(tool.claims(login, person))
    calls.operations.clear()
    started = time.perf_counter()
    response = tool.launch(token, login.state, login.cookie_header)
    elapsed = time.perf_counter() - started
    if response.status_code != 303:
        raise RuntimeError(f"launch failed: {response.status_code} {response.text[:200]}")
    return elapsed, list(calls.operations)


def _p95(values: list[float]) -> float:
    ordered = sorted(values)
    return ordered[max(0, int(len(ordered) * 0.95) - 1)]


def main(runs: int = 30) -> None:
    ports = Ports(http=free_port(), moto=free_port(), dynamodb=free_port(), demo_lms=free_port())
    stack = LocalStack(ports, log_dir=Path(tempfile.mkdtemp()), pollers=False).start()
    lms = DemoLms(ports.demo_lms, ports.tool_url).start()
    try:
        register_demo(lms)
        tool = ToolClient(ports.tool_url, lms)
        calls = _Calls()
        aws.dynamodb().meta.client.meta.events.register("before-call.dynamodb", calls)

        cold = []
        for _ in range(5):
            forget_cached_config()
            jwks_cache.clear()
            cold.append(_timed_launch(tool, "student", calls)[0])
        _timed_launch(tool, "student", calls)  # warm every cache
        fetches = jwks_cache.fetches
        warm, per_launch = [], Counter()
        for _ in range(runs):
            elapsed, operations = _timed_launch(tool, "student", calls)
            warm.append(elapsed)
            per_launch[len(operations)] += 1
            last_operations = operations
        floor = []
        for _ in range(runs):
            started = time.perf_counter()
            requests.get(f"{ports.tool_url}/.well-known/jwks.json", timeout=10)
            floor.append(time.perf_counter() - started)

        warm_ms, cold_ms, floor_ms = (statistics.median(v) * 1000 for v in (warm, cold, floor))
        print(f"warm launch  (n={runs}): median {warm_ms:.1f} ms, p95 {_p95(warm) * 1000:.1f} ms")
        print(
            f"cold caches  (n=5):  median {cold_ms:.1f} ms  → warm/cold = {warm_ms / cold_ms:.2f}"
        )
        print(
            f"HTTP floor   (n={runs}): median {floor_ms:.1f} ms"
            f"  → warm/floor = {warm_ms / floor_ms:.1f}"
        )
        print(f"DynamoDB calls per warm launch: {dict(per_launch)}; last: {last_operations}")
        print("  of which LTI (state + nonce, one conditional DeleteItem): 1")
        print(f"JWKS fetches during {runs} warm launches: {jwks_cache.fetches - fetches}")
    finally:
        lms.stop()
        stack.stop()


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 30)
