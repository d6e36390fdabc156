"""The rules of grade passback, pure: each grade's LMS state (grades/lms_state.py), which
named students a resend queues (grades/resend.py), a failure's class from the client's
error, Canvas's extension on a Score, and what a superseded version means for a release."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime

import pytest

from coursebridge.grades.lms_state import LmsState, lms_state
from coursebridge.grades.release import grades_of
from coursebridge.grades.release_plan import Failure, plan_sends, score_for
from coursebridge.grades.resend import ResendRefused, account_ids_of, plan_resend
from coursebridge.lti.ags import PermanentAgsError, TokenRefused, TransientAgsError
from coursebridge.lti.ags_errors import Lms, Reason
from coursebridge.store.gradebook import GradeRecord
from tests.unit.test_release_plan import UNIT, g, released

CANVAS = replace(UNIT, lms=Lms.CANVAS)
EXT = "https://canvas.instructure.com/lti/submission"


def record(**fields) -> GradeRecord:
    values = {"unit_id": "u", "account_id": "a", "score": 7, "version": 1}
    return GradeRecord(**(values | fields))


RELEASED = {"released": True, "released_version": 1, "released_score": 7}
ERROR = {"reason": "HTTP 422: User not found", "code": "not_enrolled", "version": 1,
         "permanent": True, "releaseId": "rel_1", "at": 100}  # fmt: skip


@pytest.mark.parametrize(
    ("grade", "state"),
    [
        pytest.param(None, LmsState("not_sent"), id="no-grade"),
        pytest.param(record(), LmsState("not_sent"), id="never-released"),
        pytest.param(
            record(**RELEASED, sent_version=1, sent_release="rel_1", sent_at=50),
            LmsState("sent", at=50, release_id="rel_1"),
            id="sent",
        ),
        pytest.param(
            record(**RELEASED, version=2, sent_version=1, sent_release="rel_1", sent_at=50),
            LmsState("sent", at=50, release_id="rel_1"),
            id="sent-then-edited-not-released",
        ),
        pytest.param(record(**RELEASED), LmsState("pending"), id="owed-by-a-release"),
        pytest.param(
            record(**RELEASED, last_error=ERROR),
            LmsState("failed", Reason.NOT_ENROLLED, 100, "rel_1", "HTTP 422: User not found"),
            id="failed",
        ),
        pytest.param(
            record(**RELEASED, last_error=ERROR, resend={"releaseId": "rel_2", "at": 200}),
            LmsState("pending", at=200, release_id="rel_2"),
            id="resend-asked",
        ),
        pytest.param(
            record(**{**RELEASED, "released_version": 2}, version=2, last_error=ERROR),
            LmsState("pending"),
            id="failed-version-1-version-2-released",
        ),
        pytest.param(
            record(**RELEASED, last_error={"reason": "HTTP 503", "version": 1, "permanent": False}),
            LmsState("failed", Reason.PLATFORM_UNAVAILABLE, message="HTTP 503"),
            id="stored-before-reasons-transient",
        ),
    ],
)
def test_the_lms_state_of_a_grade(grade, state):
    assert lms_state(grade) == state


@pytest.mark.parametrize(
    ("state", "label", "resendable"),
    [
        (LmsState("not_sent"), "Not sent", False),
        (LmsState("pending"), "Pending", False),
        (LmsState("sent"), "Sent", False),
        (LmsState("failed", Reason.NOT_ENROLLED), "Failed: not enrolled in the LMS course", True),
        (LmsState("failed", Reason.SUPERSEDED), "Failed: the LMS already has a newer score", False),
        (
            LmsState("failed", Reason.PLATFORM_UNAVAILABLE),
            "Failed: the LMS is unavailable (tried again automatically)",
            True,
        ),
    ],
)
def test_what_the_teacher_reads_and_may_resend(state, label, resendable):
    assert (state.label, state.resendable) == (label, resendable)


def test_the_roster_json_of_a_state():
    state = LmsState("failed", Reason.COURSE_CONCLUDED, 5, "rel_1", "HTTP 422: concluded")
    assert state.to_json() == {"status": "failed", "reason": "course_concluded", "at": 5,
                               "releaseId": "rel_1", "message": "HTTP 422: concluded"}  # fmt: skip
    assert LmsState("sent").to_json()["reason"] is None


@pytest.mark.parametrize(
    ("body", "ids"),
    [
        ({"accountIds": ["a", "b", "a"]}, ["a", "b"]),
        ({"accountIds": ["acc_1.x:y-z"]}, ["acc_1.x:y-z"]),
    ],
)
def test_the_named_students_each_once(body, ids):
    assert account_ids_of(body) == ids


@pytest.mark.parametrize(
    "body",
    [None, [], {}, {"accountIds": []}, {"accountIds": "a"}, {"accountIds": [1]},
     {"accountIds": ["a b"]}, {"accountIds": ["x" * 129]}, {"accountIds": ["a"] * 1001}],
)  # fmt: skip
def test_a_resend_body_that_names_no_students_is_refused(body):
    with pytest.raises(ResendRefused):
        account_ids_of(body)


def test_a_resend_queues_only_what_the_lms_still_needs():
    superseded = {"code": "superseded", "version": 1, "permanent": True}
    grades = [
        released(g("failed"), last_error={"code": "not_enrolled", "version": 1}),
        released(g("sent"), sent_version=1),
        g("draft"),
        released(g("newer"), last_error=superseded),
        released(g("owed")),
    ]
    plan = plan_resend(grades, ["failed", "sent", "draft", "newer", "owed", "nobody"])
    assert [grade.account_id for grade in plan.queued] == ["failed", "owed"]
    assert plan.skipped == {
        "sent": "already in the LMS gradebook",
        "draft": "not released yet: press Release Grades",
        "newer": "the LMS already has a newer score",
        "nobody": "no grade for this student in this unit",
    }


def test_a_resend_is_about_its_students_and_a_release_about_all():
    grades = [g("a"), g("b"), g("c")]
    assert grades_of({"mode": "resend", "accountIds": ["c", "a"]}, grades) == [grades[0], grades[2]]
    assert grades_of({"mode": "release"}, grades) == grades
    assert grades_of({}, grades) == grades


def test_a_superseded_version_is_not_sent_again_but_a_newer_one_is():
    superseded = {"code": "superseded", "version": 1, "permanent": True, "releaseId": "r0"}
    stale = released(g(), last_error=superseded)
    assert plan_sends([stale], "r1").already_failed == [stale]
    regraded = released(g(version=2), last_error=superseded)
    assert plan_sends([regraded], "r1").to_send == [regraded]


@pytest.mark.parametrize(
    ("error", "code", "permanent"),
    [
        (TokenRefused("no token", 401), Reason.TOKEN_REFUSED, True),
        (TransientAgsError("HTTP 503", 503), Reason.PLATFORM_UNAVAILABLE, False),
        (TransientAgsError("no answer"), Reason.PLATFORM_UNAVAILABLE, False),
        (PermanentAgsError("redirect refused"), Reason.OTHER, True),
        (PermanentAgsError("HTTP 422: This course has concluded", 422), Reason.COURSE_CONCLUDED,
         True),
        (PermanentAgsError("HTTP 408: timeout", 408), Reason.PLATFORM_UNAVAILABLE, False),
    ],
)  # fmt: skip
def test_a_failure_takes_its_class_from_the_clients_error(error, code, permanent):
    failure = Failure.of(error, Lms.CANVAS)
    assert (failure.code, failure.permanent, failure.message) == (code, permanent, error.reason)


def test_canvas_scores_carry_the_submission_extension_and_others_none():
    grade = released(g(graded_at=1_700_000_900))
    first = score_for(grade, CANVAS, 1, last_activity=1_700_000_600).to_json()
    assert first[EXT] == {"new_submission": True, "prioritize_non_tool_grade": True,
                          "submitted_at": "2023-11-14T22:23:20.000+00:00"}  # fmt: skip
    late_look = score_for(grade, CANVAS, 1, last_activity=1_800_000_000).to_json()
    assert late_look[EXT]["submitted_at"] == "2023-11-14T22:28:20.000+00:00"  # capped at the save
    never = score_for(grade, CANVAS, 1).to_json()
    assert "submitted_at" not in never[EXT]
    again = score_for(replace(grade, sent_version=1, version=2, released_version=2), CANVAS, 1)
    assert again.to_json()[EXT]["new_submission"] is False
    assert EXT not in score_for(grade, UNIT, 1, last_activity=1_700_000_600).to_json()
    assert datetime.fromisoformat(first["timestamp"]) == datetime.fromtimestamp(1_700_000_900, UTC)
