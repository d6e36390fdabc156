"""Release Grades end to end on the local stack with the demo LMS's AGS service:
POST release → SQS → grade_release → AGS scores with a valid bearer token → email."""

from __future__ import annotations

import time
from datetime import datetime

import jwt
import pytest

from coursebridge.lti.ags import SCOPE_SCORE
from coursebridge.lti.tool_config import forget_cached_config
from coursebridge.store.orgs import Org, OrgStore
from coursebridge.store.platforms import PlatformStore
from local.demo_lms.ags import Faults
from local.mail import sent_emails
from tests.integration.release_seed import (
    CLIENT_ID,
    ISSUER,
    TEACHER,
    TEACHER_EMAIL,
    drain,
    get_release,
    grade,
    grade_item,
    grade_state,
    my_grade,
    post_release,
    put_grade,
    running_lms,
    seed_member,
    seed_platform,
    seed_students,
    seed_unit,
    teacher_token,
)
from tests.integration.stored import everything_stored

pytestmark = pytest.mark.integration


@pytest.fixture
def lms(stack):
    with running_lms(stack) as lms:
        seed_platform(lms)
        seed_member(TEACHER, "TEACHER", "Terry Teacher")
        yield lms


def _mails(stack, release_id: str):
    return [
        m
        for m in sent_emails(stack.ports.moto_url)
        if TEACHER_EMAIL in m.to and release_id in m.text
    ]


def _release(stack) -> str:
    response = post_release(stack)
    assert response.status_code == 202, response.text
    return response.json()["releaseId"]


def test_release_sends_each_grade_as_an_ags_score_with_a_valid_token(stack, lms):
    seed_unit(lms)
    students = seed_students(3)
    for n, account_id in enumerate(students.ids):
        put_grade(stack, account_id, 7 + n * 0.5, comment=f"well done {n}")
    assert my_grade(stack, students.ids[0]) == {"released": False}

    release_id = _release(stack)
    # students see their grade as soon as the release is recorded
    assert my_grade(stack, students.ids[0]) == {
        "released": True,
        "score": 7,
        "maxScore": 10,
        "comment": "well done 0",
    }
    assert get_release(stack, release_id).json()["status"] == "pending"
    assert lms.service.scores == []  # the LMS hears of it from the worker
    assert drain(stack) == 1

    scores = {s["userId"]: s for s in lms.service.scores}
    assert set(scores) == {students.sub(a) for a in students.ids}
    first = scores[students.sub(students.ids[0])]
    assert first["scoreGiven"] == 7
    assert first["scoreMaximum"] == 10
    assert first["comment"] == "well done 0"
    assert first["activityProgress"] == "Completed"
    assert first["gradingProgress"] == "FullyGraded"
    assert datetime.fromisoformat(first["timestamp"]).tzinfo is not None
    assert first["clientId"] == CLIENT_ID
    assert scores[students.sub(students.ids[1])]["scoreGiven"] == 7.5
    assert lms.service.token_requests == 1
    (token,) = lms.service.tokens.values()
    assert SCOPE_SCORE in token.scopes

    progress = get_release(stack, release_id).json()
    assert progress["status"] == "done"
    assert (progress["sent"], progress["failed"], progress["unchanged"]) == (3, 0, 0)
    assert grade_item(students.ids[0])["sentVersion"] == 1

    (mail,) = _mails(stack, release_id)
    assert "3 sent" in mail.subject
    assert "Sent to the LMS gradebook</td><td>3" in mail.text  # moto keeps the HTML part

    put_grade(stack, students.ids[0], 2, comment="draft")  # an edit after the release
    assert my_grade(stack, students.ids[0])["score"] == 7  # stays hidden until released


def test_the_client_assertion_follows_the_security_framework(stack, lms):
    seed_unit(lms)
    students = seed_students(1)
    grade(students.ids[0], 5)
    seen: list[str] = []
    original = lms.service._verify_assertion

    def spy(assertion: str, audience: str):
        seen.append(assertion)
        return original(assertion, audience)

    lms.service._verify_assertion = spy  # type: ignore[method-assign]
    _release(stack)
    drain(stack)
    (assertion,) = seen
    header = jwt.get_unverified_header(assertion)
    claims = jwt.decode(assertion, options={"verify_signature": False})
    assert header["alg"] == "RS256" and header["kid"]
    assert claims["iss"] == claims["sub"] == CLIENT_ID
    assert claims["aud"] == f"{lms.base_url}/token"
    assert claims["jti"] and claims["exp"] > claims["iat"] >= time.time() - 60


def test_releasing_again_sends_nothing_new_and_a_regrade_sends_only_that_grade(stack, lms):
    seed_unit(lms)
    students = seed_students(3)
    for account_id in students.ids:
        grade(account_id, 6)
    _release(stack)
    drain(stack)
    assert len(lms.service.scores) == 3

    second = _release(stack)
    drain(stack)
    assert len(lms.service.scores) == 3  # nothing new
    progress = get_release(stack, second).json()
    assert (progress["sent"], progress["failed"], progress["unchanged"]) == (0, 0, 3)

    grade(students.ids[1], 9, comment="regraded")
    assert grade_state(students.ids[1]).released_score == 6  # the student still sees 6
    third = _release(stack)
    drain(stack)
    assert len(lms.service.scores) == 4
    assert lms.service.scores[-1]["scoreGiven"] == 9
    assert lms.service.scores[-1]["userId"] == students.sub(students.ids[1])
    progress = get_release(stack, third).json()
    assert (progress["sent"], progress["failed"], progress["unchanged"]) == (1, 0, 2)
    assert lms.service.token_requests == 1  # the cached token served all three releases


def test_a_redelivered_message_sends_nothing_twice(stack, lms):
    seed_unit(lms)
    students = seed_students(2)
    for account_id in students.ids:
        grade(account_id, 8)
    release_id = _release(stack)
    drain(stack)
    from coursebridge.grades.release import deliver_release

    deliver_release(release_id)  # the same message again (SQS delivers at least once)
    assert len(lms.service.scores) == 2
    progress = get_release(stack, release_id).json()
    assert (progress["sent"], progress["unchanged"]) == (2, 0)
    assert len(_mails(stack, release_id)) == 1


def test_an_unreleased_edit_is_never_sent(stack, lms):
    seed_unit(lms)
    students = seed_students(1)
    grade(students.ids[0], 4)
    release_id = _release(stack)
    grade(students.ids[0], 10)  # edited after pressing Release, before the worker ran
    drain(stack)
    (score,) = lms.service.scores
    assert score["scoreGiven"] == 4
    assert get_release(stack, release_id).json()["sent"] == 1


def test_line_item_is_found_or_created_once_when_the_launch_gave_only_the_container(stack, lms):
    seed_unit(lms, coupled=False, max_score=None)
    students = seed_students(2)
    grade(students.ids[0], 3, max_score=20)
    grade(students.ids[1], 4, max_score=20)
    _release(stack)
    drain(stack)
    (items,) = lms.service.line_items.values()
    (item,) = items.values()
    assert item["resourceLinkId"] == "rl-1"
    assert item["label"] == "Essay 1"
    assert item["scoreMaximum"] == 20
    assert {s["lineItemId"] for s in lms.service.scores} == {item["id"].rsplit("/", 1)[1]}

    grade(students.ids[0], 5, max_score=20)
    _release(stack)
    drain(stack)
    assert len(lms.service.line_items[next(iter(lms.service.line_items))]) == 1
    assert len(lms.service.scores) == 3


def test_injected_429s_and_503s_are_retried_until_every_grade_is_delivered(stack, lms):
    seed_unit(lms)
    students = seed_students(6)
    for account_id in students.ids:
        grade(account_id, 5)
    lms.service.faults = Faults(count_429=4, retry_after_seconds=1, count_503=2)
    release_id = _release(stack)
    started = time.monotonic()
    drain(stack)
    assert time.monotonic() - started >= 1  # Retry-After was honoured
    assert {s["userId"] for s in lms.service.scores} == {students.sub(a) for a in students.ids}
    progress = get_release(stack, release_id).json()
    assert (progress["status"], progress["sent"], progress["failed"]) == ("done", 6, 0)


def test_a_permanent_400_is_reported_in_the_release_and_the_email(stack, lms):
    seed_unit(lms)
    students = seed_students(3)
    for account_id in students.ids:
        grade(account_id, 5)
    refused = students.ids[2]
    lms.service.faults = Faults(fail_user_ids={students.sub(refused): "user is not enrolled"})
    release_id = _release(stack)
    drain(stack)

    progress = get_release(stack, release_id).json()
    assert (progress["status"], progress["sent"], progress["failed"]) == ("done", 2, 1)
    (error,) = progress["errors"]
    assert error["accountId"] == refused
    assert error["name"] == "Student 0002"
    assert "user is not enrolled" in error["reason"] and "400" in error["reason"]
    item = grade_item(refused)
    assert grade_state(refused).released and "sentVersion" not in item  # kept, not lost
    assert "user is not enrolled" in item["lastError"]["reason"]

    (mail,) = _mails(stack, release_id)
    assert "1 failed" in mail.subject
    assert "Student 0002: not enrolled in the LMS course (HTTP 400" in mail.text
    assert "user is not enrolled" in mail.text
    assert error["code"] == "not_enrolled"

    lms.service.faults = Faults()  # the teacher fixed the enrolment and releases again
    again = _release(stack)
    drain(stack)
    progress = get_release(stack, again).json()
    assert (progress["sent"], progress["failed"], progress["unchanged"]) == (1, 0, 2)
    assert len(lms.service.scores) == 3


def test_only_teachers_of_the_class_may_release_and_read_progress(stack, lms):
    seed_unit(lms)
    seed_member("acc_mentor", "TEACHER", "Mo Mentor", read_only=True)
    seed_member("acc_pupil", "STUDENT", "Pat Pupil")
    mentor = teacher_token(account_id="acc_mentor", read_only=True)
    student = teacher_token(account_id="acc_pupil", role="STUDENT")
    stranger = teacher_token(account_id="acc_other_teacher")
    before = everything_stored()
    assert post_release(stack, mentor).status_code == 403
    assert post_release(stack, student).status_code == 403
    assert post_release(stack, stranger).status_code == 403
    assert post_release(stack, "not-a-session").status_code == 401
    assert everything_stored() == before  # no release, no grade marked as sent
    release_id = _release(stack)
    assert get_release(stack, release_id, student).status_code == 403
    assert get_release(stack, "rel_doesnotexist").status_code == 404


def test_a_registration_removed_and_added_again_never_receives_the_old_units_grades(stack, lms):
    """Whoever registers the same issuer + client id later (another organization, say) is a
    new tenant: the unit's grades are not sent to it, and the release says why."""
    seed_unit(lms)
    students = seed_students(2)
    for account_id in students.ids:
        grade(account_id, 5)
    store = PlatformStore()
    old = store.get(ISSUER, CLIENT_ID)
    store.remove(ISSUER, CLIENT_ID)
    OrgStore().create(Org(org_id="newcomer", name="Newcomer"))
    store.add(old.model_copy(update={"org_id": "newcomer", "registration_id": "reg_newcomer"}))
    forget_cached_config()

    release_id = _release(stack)
    drain(stack)
    progress = get_release(stack, release_id).json()
    assert (progress["sent"], progress["failed"]) == (0, 2)
    assert all("no longer registered" in e["reason"] for e in progress["errors"])
    assert lms.service.scores == [] and lms.service.token_requests == 0
