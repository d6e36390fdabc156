"""A CSV import while DynamoDB throttles and transactions conflict (faults injected into
the importer's own clients): every row is written exactly once, no row fails for
throttling, and a batch throttled past the retry bound is replayed, not given up."""

from __future__ import annotations

from collections import Counter

import pytest

from coursebridge.imports import run
from coursebridge.store.dynamo import users_table
from tests.faults import (
    CANCELLED,
    IN_PROGRESS,
    THROTTLED,
    THROTTLING,
    UNPROCESSED,
    Fault,
    Plan,
    injected,
)
from tests.integration.import_support import (
    account_by_email,
    invoke,
    job_for,
    make_admin,
    read_report,
    rows,
    run_until_done,
    s3_event,
    upload,
)

pytestmark = pytest.mark.integration

EVERY_WRITE_FAULT = [
    Fault("TransactWriteItems", THROTTLED),
    Fault("TransactWriteItems", CANCELLED, reason="TransactionConflict"),
    Fault("TransactWriteItems", THROTTLING),
    Fault("TransactWriteItems", CANCELLED, reason="ThrottlingError"),
    Fault("TransactWriteItems", IN_PROGRESS),
]
EVERY_READ_FAULT = [Fault("BatchGetItem", UNPROCESSED), Fault("BatchGetItem", THROTTLED)]


def user_lines(count: int, start: int = 0, last: str = "Last") -> list[str]:
    return [
        f"First{i},{last}{i},user{i}@example.com,0,ID{i},S1" for i in range(start, start + count)
    ]


def users_items() -> Counter:
    """Items of the users table by kind: accounts, email, issuedID and username claims."""
    kinds: Counter = Counter()
    for item in users_table().scan()["Items"]:
        kinds[item["platform"].split("#")[0]] += 1
    return kinds


def test_an_import_under_throttling_and_conflicts_writes_every_row_exactly_once(stack, monkeypatch):
    monkeypatch.setattr(run, "BATCH_ROWS", 5)  # several batches: look-up and write-first paths
    admin = make_admin()
    run_until_done(stack, upload(stack, admin, rows(*user_lines(10)), name="first.csv"))
    body = rows(*user_lines(10, last="Renamed"), *user_lines(30, start=10))
    plan = Plan(EVERY_WRITE_FAULT + EVERY_READ_FAULT, rate=0.5)
    with injected(plan):
        uploaded = upload(stack, admin, body, name="second.csv")
        job = run_until_done(stack, uploaded)
    assert plan.injected.keys() >= {THROTTLED, THROTTLING, IN_PROGRESS, "TransactionConflict",
                                    "ThrottlingError", UNPROCESSED}  # fmt: skip
    assert job.status == "completed"
    assert job.counts == {"created": 30, "updated": 10, "unchanged": 0, "failed": 0}
    report, errors_csv = read_report(stack, job)
    assert report["errors"] == [] and len(errors_csv) == 1  # the header only
    assert users_items() == {"ACCOUNT": 1 + 40, "EMAIL": 1 + 40, "ISSUED": 40, "USERNAME": 1 + 40}
    assert account_by_email("user3@example.com").last_name == "Renamed3"
    assert account_by_email("user39@example.com").issued_ids == {"S1": "ID39"}


def test_a_batch_throttled_past_the_retry_bound_is_replayed_not_failed(stack, monkeypatch):
    monkeypatch.setattr(run, "BATCH_ROWS", 10)
    admin = make_admin()
    uploaded = upload(stack, admin, rows(*user_lines(25)))
    storm = Plan([Fault("TransactWriteItems", THROTTLED)], first=10**6)  # every write
    real_write = run.Importer._write_batch
    written = {"batches": 0}

    def throttled_from_batch_two(self, checked, accounts, mailer):
        written["batches"] += 1
        if written["batches"] != 2:
            return real_write(self, checked, accounts, mailer)
        with injected(storm):
            return real_write(self, checked, accounts, mailer)

    monkeypatch.setattr(run.Importer, "_write_batch", throttled_from_batch_two)
    event = s3_event(stack, uploaded)
    assert invoke(event)["batchItemFailures"] == [{"itemIdentifier": "m1"}]  # message back
    assert storm.injected[THROTTLED] >= 10  # the bounded retries, then it gave up
    job = job_for(stack, uploaded)
    assert job.status == "importing"
    assert job.counts == {"created": 10, "updated": 0, "unchanged": 0, "failed": 0}
    assert users_items()["ACCOUNT"] == 1 + 10  # batch 2 wrote nothing and failed no row

    monkeypatch.setattr(run.Importer, "_write_batch", real_write)
    assert invoke(event) == {"batchItemFailures": []}  # the redelivery resumes at batch 2
    job = job_for(stack, uploaded)
    assert job.status == "completed"
    assert job.counts == {"created": 25, "updated": 0, "unchanged": 0, "failed": 0}
    assert users_items() == {"ACCOUNT": 1 + 25, "EMAIL": 1 + 25, "ISSUED": 25, "USERNAME": 1 + 25}
