"""Release planning rules: what is sent, how a release counts (what is released:
test_grade_visibility.py)."""

from __future__ import annotations

from dataclasses import replace
from decimal import Decimal

import pytest

from coursebridge.grades.release_plan import (
    GradeState,
    UnitInfo,
    count_release,
    line_item_maximum,
    plan_sends,
    score_for,
    unsendable_reason,
)

UNIT = UnitInfo(
    unit_id="u",
    class_id="c",
    org_id="o",
    title="Essay",
    issuer="https://lms",
    client_id="cid",
    registration_id="reg_lms",
    resource_link_id="rl",
    max_score=Decimal(10),
    lineitem="https://lms/li/1",
)


def g(account: str = "a", **changes) -> GradeState:
    base = GradeState(
        account_id=account,
        sub=f"sub-{account}",
        issuer="https://lms",
        registration_id="reg_lms",
        score=Decimal(7),
        max_score=Decimal(10),
        comment="ok",
        version=1,
        graded_at=1_700_000_000,
    )
    return replace(base, **changes)


def released(grade: GradeState, **changes) -> GradeState:
    return replace(
        grade,
        released=True,
        released_version=grade.version,
        released_score=grade.score,
        released_max_score=grade.max_score,
        released_comment=grade.comment,
        released_graded_at=grade.graded_at,
        **changes,
    )


@pytest.mark.parametrize(
    ("grade", "bucket"),
    [
        (g(), None),  # not released: never sent
        (released(g()), "to_send"),
        (released(g(), sent_version=1), "unchanged"),
        (replace(released(g(), sent_version=1), version=2), "unchanged"),  # edit not released
        (released(g(version=3), sent_version=2), "to_send"),  # re-released newer version
        (
            released(g(), last_error={"permanent": True, "releaseId": "r1", "version": 1}),
            "already_failed",
        ),
        (
            released(g(), last_error={"permanent": True, "releaseId": "r0", "version": 1}),
            "to_send",  # refused in an earlier release: a new release tries again
        ),
        (
            released(g(), last_error={"permanent": False, "releaseId": "r1", "version": 1}),
            "to_send",  # transient: the redelivered message retries it
        ),
    ],
)
def test_what_a_release_sends(grade, bucket):
    plan = plan_sends([grade], "r1")
    buckets = {
        "to_send": plan.to_send,
        "already_failed": plan.already_failed,
        "unchanged": plan.unchanged,
    }
    for name, grades in buckets.items():
        assert (grade in grades) is (name == bucket), name


def test_the_score_sent_is_the_released_version_not_a_later_edit():
    grade = replace(released(g(score=Decimal(4), comment="first")), score=Decimal(9), version=2)
    score = score_for(grade, UNIT, fallback_time=0).to_json()
    assert score["scoreGiven"] == 4
    assert score["scoreMaximum"] == 10
    assert score["comment"] == "first"
    assert score["userId"] == "sub-a"
    assert score["activityProgress"] == "Completed"
    assert score["gradingProgress"] == "FullyGraded"
    assert score["timestamp"] == "2023-11-14T22:13:20.000+00:00"


def test_fractional_scores_stay_fractional_and_an_empty_comment_is_left_out():
    grade = released(g(score=Decimal("7.25"), comment=""))
    body = score_for(grade, UNIT, fallback_time=0).to_json()
    assert body["scoreGiven"] == 7.25
    assert "comment" not in body


@pytest.mark.parametrize(
    ("grade", "reason"),
    [
        (released(g()), None),
        (released(g(sub=None)), "no LTI user id"),
        (released(g(registration_id="reg_other")), "different platform"),
        # same issuer, another registration (another organization's Canvas client)
        (released(g(issuer="https://lms", registration_id="reg_other")), "different platform"),
        (released(g(max_score=None)), None),  # falls back to the unit's maximum
    ],
)
def test_grades_that_cannot_reach_the_lms(grade, reason):
    found = unsendable_reason(grade, UNIT)
    assert (found is None) if reason is None else (reason in (found or ""))


def test_line_item_maximum_prefers_the_unit_then_the_grades_then_100():
    assert line_item_maximum(UNIT, []) == 10
    no_max = replace(UNIT, max_score=None)
    assert line_item_maximum(no_max, [released(g(max_score=Decimal(20)))]) == 20
    assert line_item_maximum(no_max, []) == 100


def test_counts_come_from_the_grades_so_redelivery_cannot_double_them():
    grades = [
        released(g("sent"), sent_version=1, sent_release="r1"),
        released(g("before"), sent_version=1, sent_release="r0"),
        released(
            g("refused"), last_error={"reason": "HTTP 400: not enrolled", "code": "not_enrolled"}
        ),
        g("hidden"),  # never released: not part of any release
    ]
    counts = count_release(grades, "r1", {"refused": "Rita Refused"})
    assert (counts.sent, counts.failed, counts.unchanged) == (1, 1, 1)
    (error,) = counts.errors
    assert error.to_item() == {
        "accountId": "refused",
        "name": "Rita Refused",
        "reason": "HTTP 400: not enrolled",
        "code": "not_enrolled",
    }


def test_the_summary_email_has_counts_and_each_failure_in_text_and_html():
    from coursebridge.grades.release_email import release_summary
    from coursebridge.grades.release_plan import ReleaseCounts, ReleaseFailure

    counts = ReleaseCounts(
        sent=2,
        failed=1,
        unchanged=4,
        errors=[ReleaseFailure("a1", "<Ann>", "HTTP 400: nope", "not_enrolled")],
    )
    subject, text, html = release_summary("Essay <1>", counts, "rel_1")
    assert subject == "Grades released: Essay <1> (2 sent, 1 failed)"
    for line in ("Sent to the LMS gradebook: 2", "Failed: 1", "Unchanged (already in the LMS): 4"):
        assert line in text
    assert "- <Ann>: not enrolled in the LMS course (HTTP 400: nope)" in text
    assert "&lt;Ann&gt;: not enrolled in the LMS course (HTTP 400: nope)" in html
    assert "<Ann>" not in html  # escaped
    assert "Essay &lt;1&gt;" in html
    assert "column" not in text  # no line item was replaced


def test_the_summary_of_a_resend_says_so_and_reports_a_replaced_line_item():
    from coursebridge.grades.release_email import release_summary
    from coursebridge.grades.release_plan import ReleaseCounts

    subject, text, html = release_summary(
        "Essay", ReleaseCounts(2, 0, 0), "rel_2", resend=True, replaced=True
    )
    assert subject == "Grades resent: Essay (2 sent, all delivered)"
    assert text.startswith('Grade resend for "Essay" is complete.')
    assert "gradebook column of this activity had been deleted" in text
    assert "gradebook column of this activity had been deleted" in html
