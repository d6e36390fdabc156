"""Roster sync benchmark: DynamoDB requests per member and time, against the local stack
and the demo LMS's Names and Roles service (50 members a page, like Canvas).

``sync_class_roster`` on a course of N members (default 2,000): a first sync (every
member new) and a second with nothing changed. Baseline, measured in the same run on
another course of the same size: the naive sync, every member through the launch's
path each time (``resolve_launch_account`` + ``MemberStore.enroll``, as if each person
had launched), which reads and writes every member on every run.

Absolute times are one machine's (the 2-core dev machine, DynamoDB Local); the request
counts are what DynamoDB itself would be sent.

Run: ``.venv/bin/python -m bench roster_sync`` (or ``-m bench.roster_sync [N]``)
"""

from __future__ import annotations

import sys
import tempfile
import time
from collections import Counter
from collections.abc import Callable
from pathlib import Path

from coursebridge import aws
from coursebridge.accounts.outcomes import Entered
from coursebridge.accounts.resolve import resolve_launch_account
from coursebridge.classes.roster_accounts import QuietVerifications, roster_claims
from coursebridge.classes.roster_rules import listed
from coursebridge.classes.roster_sync import default_client_factory, sync_class_roster
from coursebridge.lti.nrps import NRPS_SCOPE
from coursebridge.store.members import Member, MemberStore
from coursebridge.store.orgs import OrgStore
from coursebridge.store.platforms import PlatformStore
from coursebridge.store.roster import RosterSourceStore
from local.demo_lms import DemoLms
from local.environment import Ports
from local.servers import free_port
from local.stack import LocalStack
from tests.lti_support import registered

WRITES = {"PutItem", "UpdateItem", "DeleteItem", "TransactWriteItems", "BatchWriteItem"}


class _Calls:
    def __init__(self) -> None:
        self.operations: list[str] = []

    def __call__(self, model, **_: object) -> None:
        self.operations.append(model.name)


def _measured(fn: Callable[[], object]) -> tuple[float, list[str]]:
    calls = _Calls()
    events = aws.dynamodb().meta.client.meta.events
    events.register("before-call.dynamodb", calls)
    started = time.perf_counter()
    try:
        fn()
    finally:
        events.unregister("before-call.dynamodb", calls)
    return time.perf_counter() - started, calls.operations


def _line(label: str, members: int, seconds: float, operations: list[str]) -> str:
    writes = sum(op in WRITES for op in operations)
    top = ", ".join(f"{op} {n}" for op, n in Counter(operations).most_common(4))
    return (
        f"{label:<34} {len(operations) / members:7.4f} requests/member "
        f"({len(operations)}; writes {writes / members:.4f}/member) {seconds:7.1f} s  [{top}]"
    )


def _naive_sync(class_id: str) -> None:
    """Every listed person through the launch's path: resolve, then enroll."""
    [source] = RosterSourceStore().of_class(class_id)
    org = OrgStore().get(source.org_id)
    registration = PlatformStore().get(source.issuer, source.client_id)
    assert org is not None and registration is not None
    client = default_client_factory(source, registration, None)
    for entry in client.membership(source.memberships_url).members:
        person = listed(source.registration_id, entry, org)
        outcome = resolve_launch_account(
            roster_claims(source, person), org, verifications=QuietVerifications()
        )
        if isinstance(outcome, Entered):
            MemberStore().enroll(
                Member(
                    class_id=class_id,
                    account_id=outcome.account.account_id,
                    role=outcome.role,
                    read_only=outcome.read_only,
                    sub=entry.user_id,
                    issuer=source.issuer,
                    registration_id=source.registration_id,
                    name=person.name or outcome.account.name,
                    email=person.email or outcome.account.email,
                )
            )


def _class_of(tool, course: str) -> str:
    response = tool.full_launch("teacher", course=course)
    if response.status_code != 303:
        raise RuntimeError(f"launch failed: {response.status_code}")
    return response.headers["location"].split("/")[3]


def main(size: int = 2_000) -> None:
    ports = Ports(http=free_port(), moto=free_port(), dynamodb=free_port(), demo_lms=free_port())
    stack = LocalStack(ports, log_dir=Path(tempfile.mkdtemp()), pollers=False).start()
    lms = DemoLms(free_port(), stack.ports.tool_url).start()
    try:
        tool = registered(stack, lms)
        ours, theirs = _class_of(tool, "bio"), _class_of(tool, "bio-next")
        roster = lms.nrps()
        assert NRPS_SCOPE in roster.ags.grantable
        sync_class_roster(theirs)  # warm-up (token cached, code paths run): the 7 demo people
        roster.fill("demo-course-101", size, prefix="ours")
        roster.fill("demo-course-101-next", size, prefix="naive")
        members = len(roster.rosters["demo-course-101"])
        print(f"course of {members} members, {-(-members // 50)} NRPS pages of 50")
        seconds, ops = _measured(lambda: sync_class_roster(ours))
        print(_line("first sync (all new)", members, seconds, ops))
        first_per = len(ops) / members
        seconds, ops = _measured(lambda: sync_class_roster(ours))
        print(_line("second sync (nothing changed)", members, seconds, ops))
        second_per = len(ops) / members
        seconds, naive_first = _measured(lambda: _naive_sync(theirs))
        print(_line("baseline: naive first sync", members, seconds, naive_first))
        seconds, naive_second = _measured(lambda: _naive_sync(theirs))
        print(_line("baseline: naive second sync", members, seconds, naive_second))
        print(
            f"ratios (naive / ours, requests): first sync "
            f"{len(naive_first) / members / first_per:.1f}x, unchanged second sync "
            f"{len(naive_second) / members / second_per:.0f}x"
        )
    finally:
        lms.stop()
        stack.stop()


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 2_000)
