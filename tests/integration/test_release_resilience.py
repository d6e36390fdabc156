"""Release Grades when things go wrong: a platform that keeps failing (retry, then DLQ,
the release shows the grades failed, nothing lost), the token cache shared across
invocations in DynamoDB (encrypted), a continuation when the time budget runs out."""

from __future__ import annotations

import time

import pytest

from coursebridge import aws
from coursebridge.grades.release import (
    MAX_CONTINUATIONS,
    MAX_RECEIVE_COUNT,
    Delivery,
    ReleaseIncomplete,
    deliver_release,
)
from coursebridge.lti.ags import RetryPolicy
from coursebridge.lti.ags_token import TokenProvider
from coursebridge.store import keys
from coursebridge.store.dynamo import app_table
from local.demo_lms.ags import Faults
from local.mail import sent_emails
from tests.integration.release_seed import (
    TEACHER,
    TEACHER_EMAIL,
    UNIT_ID,
    drain,
    get_release,
    grade,
    grade_item,
    grade_state,
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


def _fast_retries(monkeypatch) -> None:
    monkeypatch.setattr(
        "coursebridge.lti.ags.default_retry_policy",
        lambda: RetryPolicy(3, base_delay=0.01, max_delay=0.02),
    )


def _release(stack) -> str:
    response = post_release(stack)
    assert response.status_code == 202, response.text
    return response.json()["releaseId"]


def test_a_platform_that_keeps_failing_sends_the_message_back_then_to_the_dlq(
    stack, lms, monkeypatch
):
    _fast_retries(monkeypatch)
    students = seed_students(2)
    for account_id in students.ids:
        grade(account_id, 5)
    lms.service.faults = Faults(rate_503=1.0)
    release_id = _release(stack)

    # Lambda run by the local SQS mapping: the record is reported as a batch failure
    poller = stack.make_pollers()["GradeReleaseFunction"]
    assert poller.poll_once(wait_seconds=0) == 1
    sqs = aws.client("sqs")
    attrs = sqs.get_queue_attributes(
        QueueUrl=stack.resource("ReleaseQueue"),
        AttributeNames=["ApproximateNumberOfMessagesNotVisible"],
    )["Attributes"]
    assert attrs["ApproximateNumberOfMessagesNotVisible"] == "1"  # kept for a retry
    assert get_release(stack, release_id).json()["status"] == "running"
    assert "HTTP 503" in grade_item(students.ids[0])["lastError"]["reason"]

    with pytest.raises(ReleaseIncomplete):  # a middle receive: retried again later
        deliver_release(release_id, receive_count=2)
    assert get_release(stack, release_id).json()["status"] == "running"

    with pytest.raises(ReleaseIncomplete, match="DLQ"):  # the last receive
        deliver_release(release_id, receive_count=MAX_RECEIVE_COUNT)
    progress = get_release(stack, release_id).json()
    assert (progress["status"], progress["sent"], progress["failed"]) == ("done", 0, 2)
    assert all("HTTP 503" in e["reason"] for e in progress["errors"])
    mails = [m for m in sent_emails(stack.ports.moto_url) if release_id in m.text]
    assert len(mails) == 1 and TEACHER_EMAIL in mails[0].to
    for account_id in students.ids:  # released and kept, ready for the next try
        item = grade_item(account_id)
        assert grade_state(account_id).released and "sentVersion" not in item

    # the platform recovers and an operator redrives the DLQ message
    lms.service.faults = Faults()
    deliver_release(release_id, receive_count=1)
    assert len(lms.service.scores) == 2
    progress = get_release(stack, release_id).json()
    assert (progress["sent"], progress["failed"]) == (2, 0)
    assert len([m for m in sent_emails(stack.ports.moto_url) if release_id in m.text]) == 1


def test_the_token_is_cached_in_dynamodb_encrypted_and_shared_by_invocations(stack, lms):
    students = seed_students(2)
    grade(students.ids[0], 5)
    _release(stack)
    drain(stack)
    (cached,) = [
        i
        for i in app_table().scan()["Items"]
        if i["pk"].startswith("AGSTOKEN#") and i["sk"] == "TOKEN"
    ]
    (token,) = lms.service.tokens
    assert token.encode() not in bytes(cached["tokenCiphertext"])
    assert token not in repr(cached)
    assert cached["expiresAt"] > time.time() + 3000
    assert cached["ttl"] >= cached["expiresAt"]

    TokenProvider.forget_process_cache()  # a new Lambda container
    grade(students.ids[1], 6)
    _release(stack)
    drain(stack)
    assert len(lms.service.scores) == 2
    assert lms.service.token_requests == 1


def test_out_of_time_the_release_continues_in_a_new_message(stack, lms):
    students = seed_students(3)
    for account_id in students.ids:
        grade(account_id, 5)
    release_id = _release(stack)
    queued: list[tuple[str, int]] = []
    deliver_release(
        release_id,
        deadline=time.monotonic() - 1,  # no time left before the first send
        delivery=Delivery(enqueue=lambda rid, n: queued.append((rid, n))),
    )
    assert queued == [(release_id, 1)]
    assert lms.service.scores == []
    assert get_release(stack, release_id).json()["status"] == "running"
    deliver_release(release_id, continuation=1)
    assert len(lms.service.scores) == 3
    assert get_release(stack, release_id).json()["status"] == "done"


def test_a_chain_of_continuations_is_bounded_and_then_reports_what_is_left(stack, lms):
    students = seed_students(2)
    for account_id in students.ids:
        grade(account_id, 5)
    release_id = _release(stack)
    queued: list[tuple[str, int]] = []
    with pytest.raises(ReleaseIncomplete):
        deliver_release(
            release_id,
            continuation=MAX_CONTINUATIONS,
            deadline=time.monotonic() - 1,
            delivery=Delivery(enqueue=lambda rid, n: queued.append((rid, n))),
        )
    assert queued == []
    progress = get_release(stack, release_id).json()
    assert (progress["status"], progress["failed"]) == ("done", 2)
    assert {e["reason"] for e in progress["errors"]} == {"not delivered to the LMS yet"}


def test_a_unit_without_ags_releases_in_the_tool_and_reports_why_nothing_was_sent(stack, lms):
    app_table().update_item(Key=keys.unit(UNIT_ID), UpdateExpression="REMOVE lineitem, lineitems")
    students = seed_students(1)
    grade(students.ids[0], 5)
    release_id = _release(stack)
    drain(stack)
    assert grade_state(students.ids[0]).released
    progress = get_release(stack, release_id).json()
    assert (progress["status"], progress["failed"]) == ("done", 1)
    assert "did not offer grade passback" in progress["errors"][0]["reason"]
