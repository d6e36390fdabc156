"""Launch → account against DynamoDB Local: what the rules cost per launch.

Figures (median ms per launch, n launches each):
- known link (the common launch: 2 consistent reads, no write), baseline: one
  consistent GetItem in the same run;
- first launch of a new student (reads + one transaction of 4 puts), baseline: one
  PutItem;
- 50 simultaneous first launches of ONE user (one winner, 49 re-read), wall time,
  baseline: 50 simultaneous first launches of 50 DIFFERENT users.
Run: ``.venv/bin/python -m bench.accounts``. Not asserted anywhere.
"""

from __future__ import annotations

import statistics
import tempfile
import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from coursebridge.accounts.resolve import resolve_launch_account
from coursebridge.lti.claims import LaunchClaims
from coursebridge.store import keys
from coursebridge.store.dynamo import users_table
from coursebridge.store.orgs import Org, OrgStore
from local.environment import Ports
from local.servers import free_port
from local.stack import LocalStack

N = 200


def _median_ms(run: Callable[[int], object], n: int = N) -> float:
    samples = []
    for i in range(n):
        start = time.perf_counter()
        run(i)
        samples.append((time.perf_counter() - start) * 1000)
    return statistics.median(samples)


def launch(sub: str, email: str = "ada@example.edu") -> LaunchClaims:
    return LaunchClaims(
        launch_id=f"bench-{sub}",
        issuer="https://lms.example.edu",
        client_id="client-1",
        registration_id="reg_bench",
        deployment_id="dep-1",
        message_type="LtiResourceLinkRequest",
        target_link_uri="https://tool.example.com/lti/launch",
        sub=sub,
        email=email,
        given_name="Ada",
        family_name="Lovelace",
        roles=["http://purl.imsglobal.org/vocab/lis/v2/membership#Learner"],
    )


def _race_ms(claims_list: list[LaunchClaims], org: Org) -> float:
    barrier = threading.Barrier(len(claims_list))

    def one(claims):
        barrier.wait()
        return resolve_launch_account(claims, org)

    start = time.perf_counter()
    with ThreadPoolExecutor(max_workers=len(claims_list)) as pool:
        list(pool.map(one, claims_list))
    return (time.perf_counter() - start) * 1000


def _run() -> None:
    org = Org(org_id="bench", name="Bench")
    OrgStore().create(org)
    table = users_table()

    resolve_launch_account(launch("known"), org)
    known = _median_ms(lambda i: resolve_launch_account(launch("known"), org))
    get = _median_ms(lambda i: table.get_item(Key=keys.account("x"), ConsistentRead=True))
    first = _median_ms(
        lambda i: resolve_launch_account(launch(f"new-{i}", email=f"new-{i}@example.edu"), org)
    )
    put = _median_ms(lambda i: table.put_item(Item={"platform": "BENCH", "userId": str(i)}))
    same = _race_ms([launch("race-one", email="race@example.edu") for _ in range(50)], org)
    different = _race_ms(
        [launch(f"race-{i}", email=f"race-{i}@example.edu") for i in range(50)], org
    )

    print(
        f"known-link launch      {known:7.2f} ms  | baseline GetItem {get:6.2f} ms  "
        f"| ratio {known / get:5.1f}x"
    )
    print(
        f"new student (1st)      {first:7.2f} ms  | baseline PutItem {put:6.2f} ms  "
        f"| ratio {first / put:5.1f}x"
    )
    print(
        f"50-way race, one user  {same:7.1f} ms  | baseline 50 users {different:6.1f} ms "
        f"| ratio {same / different:5.2f}x"
    )


def main() -> None:
    ports = Ports(http=free_port(), moto=free_port(), dynamodb=free_port(), demo_lms=free_port())
    stack = LocalStack(ports, log_dir=Path(tempfile.mkdtemp(prefix="cb-bench-")), pollers=False)
    stack.start()
    try:
        _run()
    finally:
        stack.stop()


if __name__ == "__main__":
    main()
