"""Sign-in: does an unknown name take the same time as a wrong password?

Against the local stack (DynamoDB Local, the HTTP stand-in of API Gateway), attempts of
each kind interleaved (so load on the machine hits them alike), each on a name of its
own (so no slow-down applies; the client address's count is removed between attempts,
outside the timing):
- ``wrong``: an account with a password, a wrong password — the baseline;
- ``unknown``: a name no account has;
- ``no-pw``: an account made by a launch, without a password;
- ``legacy``: an account whose hash is an older scrypt one (slower to check).
Two runs: POST /app/sign-in over HTTP as shipped (with the floor of
``credentials.FLOOR_SECONDS``), and ``Credentials.sign_in`` in-process with no floor (the
work itself). Prints median, 10th/90th percentile and mean in ms, and each kind's ratio
to ``wrong``. Absolute figures are one machine's. Run: ``.venv/bin/python -m bench.sign_in``.
"""

from __future__ import annotations

import base64
import hashlib
import statistics
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import requests

from coursebridge.accounts.credentials import Credentials, SignInRefused
from coursebridge.accounts.passwords import hash_password
from coursebridge.store import keys
from coursebridge.store.accounts import Account, AccountStore
from coursebridge.store.dynamo import app_table, users_table
from coursebridge.store.sign_in_failures import address_counter
from local.environment import Ports
from local.servers import free_port
from local.stack import LocalStack

N = 60
KINDS = ("wrong", "unknown", "no-pw", "legacy")
PASSWORD = "bench-password-right-1"


def _scrypt(password: str) -> str:
    salt = b"bench-salt-16byt"
    digest = hashlib.scrypt(password.encode(), salt=salt, n=2**14, r=8, p=1, dklen=32)
    parts = (base64.b64encode(x).decode().rstrip("=") for x in (salt, digest))
    return "scrypt$n=16384,r=8,p=1${}${}".format(*parts)


def _names(kind: str, n: int) -> list[str]:
    """``n`` sign-in names of ``kind``, each used once."""
    if kind == "unknown":
        return [f"nobody{i}.{time.time_ns()}@bench.example" for i in range(n)]
    stored = {"wrong": hash_password(PASSWORD), "no-pw": None, "legacy": _scrypt(PASSWORD)}[kind]
    names = []
    for i in range(n):
        account = AccountStore().create(
            Account(email=f"{kind}{i}.{time.time_ns()}@bench.example", source="csv")
        )
        if stored:
            users_table().update_item(
                Key=keys.account(account.account_id),
                UpdateExpression="SET passwordHash = :h",
                ExpressionAttributeValues={":h": stored},
            )
        names.append(account.username or "")
    return names


def _measure(attempt: Callable[[str], None], n: int) -> dict[str, list[float]]:
    names = {kind: _names(kind, n) for kind in KINDS}
    times: dict[str, list[float]] = {kind: [] for kind in KINDS}
    for i in range(n):
        for kind in KINDS:
            start = time.perf_counter()
            attempt(names[kind][i])
            times[kind].append((time.perf_counter() - start) * 1000)
            app_table().delete_item(Key=address_counter("127.0.0.1"))
    return times


def _report(title: str, times: dict[str, list[float]]) -> None:
    base = statistics.median(times["wrong"])
    print(f"{title} (n={len(times['wrong'])} each; ms, one machine's)")
    for kind in KINDS:
        samples = sorted(times[kind])
        deciles = statistics.quantiles(samples, n=10)
        median = statistics.median(samples)
        print(
            f"  {kind:8} median {median:7.1f}  p10 {deciles[0]:7.1f}  p90 {deciles[-1]:7.1f}  "
            f"mean {statistics.fmean(samples):7.1f}  | ratio to wrong {median / base:5.3f}"
        )


def _run(stack: LocalStack) -> None:
    url = f"{stack.ports.tool_url}/app/sign-in"
    session = requests.Session()

    def over_http(name: str) -> None:
        answer = session.post(
            url,
            data={"name": name, "password": "not-the-password"},
            headers={"origin": stack.ports.tool_url},
            allow_redirects=False,
            timeout=30,
        )
        assert answer.status_code == 401, answer.status_code

    credentials = Credentials(floor_seconds=0)

    def in_process(name: str) -> None:
        try:
            credentials.sign_in(name, "not-the-password", "127.0.0.1")
        except SignInRefused as refused:
            assert refused.reason == "wrong", refused.reason
            return
        raise AssertionError("signed in")

    over_http("warm-up@bench.example")
    _report("POST /app/sign-in over HTTP, as shipped", _measure(over_http, N))
    _report("Credentials.sign_in in-process, no floor", _measure(in_process, N))


def main() -> None:
    ports = Ports(http=free_port(), moto=free_port(), dynamodb=free_port(), demo_lms=free_port())
    stack = LocalStack(ports, log_dir=Path(tempfile.mkdtemp(prefix="cb-bench-")), pollers=False)
    stack.start()
    try:
        _run(stack)
    finally:
        stack.stop()


if __name__ == "__main__":
    main()
