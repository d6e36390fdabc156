"""Roster of a unit (the teacher view's data): three strongly consistent Queries
(members, grades, visits) whatever the class size, against DynamoDB Local.

Baseline measured in the same run: the naive shape — one Query for the members, then
one GetItem per student for their grade and one for their visit.
"""

from __future__ import annotations

import statistics
import tempfile
import time
from decimal import Decimal
from pathlib import Path

from coursebridge.classes.roster import unit_roster
from coursebridge.store import keys
from coursebridge.store.dynamo import app_table
from coursebridge.store.members import MemberStore
from local.environment import Ports
from local.servers import free_port
from local.stack import LocalStack

SIZES = (30, 300)
ROUNDS = 5


def _seed(class_id: str, unit_id: str, students: int) -> None:
    with app_table().batch_writer() as batch:
        for i in range(students):
            account = f"acc_{i:05d}"
            batch.put_item(
                Item={
                    **keys.member(class_id, account),
                    "role": "STUDENT",
                    "confirmedAt": int(time.time()),
                    "name": f"Student {i}",
                    "email": f"s{i}@example.edu",
                    "sub": f"sub-{i}",
                }
            )
            batch.put_item(
                Item={
                    **keys.visit(unit_id, account),
                    "firstLaunchAt": 1,
                    "lastLaunchAt": 2,
                    "launches": 1,
                }
            )
            if i % 2 == 0:
                batch.put_item(
                    Item={
                        **keys.grade(unit_id, account),
                        "score": Decimal(i % 10),
                        "maxScore": Decimal(10),
                        "comment": "",
                        "version": 1,
                    }
                )


def _naive(class_id: str, unit_id: str) -> int:
    table = app_table()
    members = MemberStore().members(class_id)
    for member in members:
        for key in (keys.grade, keys.visit):
            table.get_item(Key=key(unit_id, member.account_id), ConsistentRead=True)
    return len(members)


def _median_ms(fn) -> float:
    times = []
    for _ in range(ROUNDS):
        start = time.perf_counter()
        fn()
        times.append((time.perf_counter() - start) * 1000)
    return statistics.median(times)


def main() -> None:
    ports = Ports(http=free_port(), moto=free_port(), dynamodb=free_port(), demo_lms=free_port())
    stack = LocalStack(ports, log_dir=Path(tempfile.mkdtemp()), pollers=False).start()
    try:
        for size in SIZES:
            class_id, unit_id = f"cls_bench{size}", f"unt_bench{size}"
            _seed(class_id, unit_id, size)
            assert len(unit_roster(class_id, unit_id)) == size
            ours = _median_ms(lambda c=class_id, u=unit_id: unit_roster(c, u))
            naive = _median_ms(lambda c=class_id, u=unit_id: _naive(c, u))
            print(
                f"roster of {size:4d} students: 3 queries {ours:8.1f} ms | "
                f"baseline query + 2 GetItem/student {naive:8.1f} ms | "
                f"{naive / ours:5.1f}x faster (median of {ROUNDS})"
            )
    finally:
        stack.stop()


if __name__ == "__main__":
    main()
