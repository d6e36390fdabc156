"""Release Grades while DynamoDB throttles and transactions conflict (faults injected
into the product's clients, the web request and the worker alike): every grade reaches
the LMS exactly once and the release's counts are exact."""

from __future__ import annotations

from collections import Counter

import pytest

from tests.faults import (
    CANCELLED,
    IN_PROGRESS,
    THROTTLED,
    THROTTLING,
    Fault,
    Plan,
    injected,
)
from tests.integration.release_seed import (
    TEACHER,
    drain,
    get_release,
    grade,
    grade_item,
    post_release,
    running_lms,
    seed_member,
    seed_platform,
    seed_students,
    seed_unit,
)

pytestmark = pytest.mark.integration


@pytest.fixture
def lms(stack):
    with running_lms(stack) as lms:
        seed_platform(lms)
        seed_member(TEACHER, "TEACHER", "Terry Teacher")
        seed_unit(lms)
        yield lms


TRANSACTION_FAULTS = [
    Fault("TransactWriteItems", CANCELLED, reason="TransactionConflict"),
    Fault("TransactWriteItems", THROTTLED),
    Fault("TransactWriteItems", CANCELLED, reason="ThrottlingError"),
    Fault("TransactWriteItems", THROTTLING),
    Fault("TransactWriteItems", IN_PROGRESS),
]
# single requests: answered 400 on the wire, retried by botocore itself (standard mode)
REQUEST_FAULTS = [
    Fault("GetItem", THROTTLED, stage="send"),
    Fault("Query", THROTTLING, stage="send"),
    Fault("UpdateItem", THROTTLED, stage="send"),
    Fault("PutItem", THROTTLING, stage="send"),
]


def test_a_release_under_throttling_and_conflicts_sends_each_grade_once(stack, lms):
    students = seed_students(30)  # more than one progress transaction (25 actions each)
    for n, account_id in enumerate(students.ids):
        grade(account_id, n % 10)
    transactions = Plan(TRANSACTION_FAULTS, first=5, rate=0.3)  # each kind, then 30%
    requests = Plan(REQUEST_FAULTS, first=1)  # the first request of each kind
    with injected(transactions, requests):
        response = post_release(stack)
        assert response.status_code == 202, response.text
        release_id = response.json()["releaseId"]
        assert drain(stack) == 1  # one worker invocation, no redelivery needed
    assert transactions.injected.keys() == {"TransactionConflict", THROTTLED, "ThrottlingError",
                                            THROTTLING, IN_PROGRESS}  # fmt: skip
    assert requests.injected == {THROTTLED: 2, THROTTLING: 2}

    sent = Counter(score["userId"] for score in lms.service.scores)
    assert sent == Counter({students.sub(a): 1 for a in students.ids})
    progress = get_release(stack, release_id).json()
    assert progress["status"] == "done"
    assert (progress["sent"], progress["failed"], progress["unchanged"]) == (30, 0, 0)
    assert {int(grade_item(a)["sentVersion"]) for a in students.ids} == {1}


def test_a_release_opened_through_a_run_of_conflicts_releases_once(stack, lms):
    """Opening the release is one transaction racing grade saves: the first attempts
    conflict (and one is throttled), the bounded retries open it once."""
    students = seed_students(3)
    for account_id in students.ids:
        grade(account_id, 8)
    conflicts = Plan(
        [Fault("TransactWriteItems", CANCELLED), Fault("TransactWriteItems", THROTTLED)], first=4
    )
    with injected(conflicts):
        response = post_release(stack)
    assert response.status_code == 202, response.text
    assert conflicts.injected == {"TransactionConflict": 2, THROTTLED: 2}
    release_id = response.json()["releaseId"]
    assert drain(stack) == 1
    assert Counter(s["userId"] for s in lms.service.scores) == Counter(
        {students.sub(a): 1 for a in students.ids}
    )
    assert get_release(stack, release_id).json()["sent"] == 3
