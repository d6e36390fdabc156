"""Release planning, rule by rule (grades/release_plan.py): the exact reason a grade
cannot reach the LMS, which grades a release sends, the Score of the released version,
and the counts and failures a release reports (test_release_plan.py: the main cases)."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime
from decimal import Decimal

import pytest

from coursebridge.grades.release_plan import (
    GradeState,
    ReleaseFailure,
    UnitInfo,
    count_release,
    line_item_maximum,
    plan_sends,
    score_for,
    unsendable_reason,
)
from coursebridge.store.classes import UnitRecord
from coursebridge.store.gradebook import GradeRecord
from tests.unit.test_release_plan import UNIT, g, released

NO_SUB = "the student has not opened this activity from the LMS (no LTI user id)"
OTHER_PLATFORM = "the student's LMS account is on a different platform than this activity"
NO_SCORE = "the released grade has no score"
NO_MAXIMUM = "the released grade has no maximum score"
NO_UNIT_MAX = replace(UNIT, max_score=None)
REFUSED = {"permanent": True, "releaseId": "r1"}  # for good, in release r1


@pytest.mark.parametrize(
    ("grade", "unit", "reason"),
    [
        pytest.param(released(g(sub=None)), UNIT, NO_SUB, id="no-sub"),
        pytest.param(released(g(sub="")), UNIT, NO_SUB, id="empty-sub"),
        pytest.param(released(g(registration_id=None)), UNIT, OTHER_PLATFORM, id="no-registration"),
        pytest.param(released(g(registration_id="reg_x")), UNIT, OTHER_PLATFORM, id="other-reg"),
        pytest.param(released(g(score=None)), UNIT, NO_SCORE, id="no-score"),
        pytest.param(released(g(max_score=None)), NO_UNIT_MAX, NO_MAXIMUM, id="no-maximum"),
        pytest.param(released(g(max_score=Decimal(0))), NO_UNIT_MAX, NO_MAXIMUM, id="zero-max"),
        pytest.param(released(g(max_score=None)), UNIT, None, id="the-units-maximum"),
        pytest.param(released(g()), NO_UNIT_MAX, None, id="the-grades-maximum"),
        pytest.param(released(g(score=Decimal(0))), UNIT, None, id="a-zero-score-is-a-score"),
    ],
)  # fmt: skip
def test_the_reason_a_grade_cannot_reach_the_lms(grade, unit, reason):
    assert unsendable_reason(grade, unit) == reason


def test_a_release_sends_in_the_order_of_the_grades_and_skips_unreleased_ones():
    grades = [released(g("b")), g("hidden"), released(g("a")), released(g("c"), sent_version=1)]
    plan = plan_sends(grades, "r1")
    assert [x.account_id for x in plan.to_send] == ["b", "a"]
    assert [x.account_id for x in plan.unchanged] == ["c"]
    assert plan.already_failed == []


@pytest.mark.parametrize(
    ("error", "for_good"),
    [
        pytest.param({**REFUSED, "version": 1}, True, id="this-release"),
        pytest.param({**REFUSED, "version": "1"}, True, id="str-version"),
        pytest.param({**REFUSED, "version": 2}, False, id="other-version"),
        pytest.param(REFUSED, False, id="no-version"),
        pytest.param({**REFUSED, "releaseId": "r0", "version": 1}, False, id="other-release"),
        pytest.param({"releaseId": "r1", "version": 1}, False, id="not-permanent"),
        pytest.param(None, False, id="no-error"),
    ],
)  # fmt: skip
def test_a_grade_failed_for_good_only_for_this_release_and_version(error, for_good):
    assert released(g(), last_error=error).failed_for_good_in("r1") is for_good


def test_a_version_never_released_has_no_version_zero_failure():
    grade = replace(g(), released=True, last_error={"permanent": True, "releaseId": "r1"})
    assert grade.failed_for_good_in("r1") is True  # version 0 released, refused at version 0


@pytest.mark.parametrize(
    ("released_flag", "released_version", "sent_version", "needs"),
    [(True, 2, 1, True), (True, 1, 1, False), (True, 1, 2, False), (False, 2, 1, False)],
)
def test_a_grade_is_sent_while_its_released_version_is_newer_than_the_sent_one(
    released_flag, released_version, sent_version, needs
):
    grade = replace(g(), released=released_flag, released_version=released_version,
                    sent_version=sent_version)  # fmt: skip
    assert grade.needs_send is needs


# ------------------------------------------------------------------ the Score
def test_the_score_carries_the_released_values_and_the_grades_maximum_first():
    grade = released(g(max_score=Decimal(20), comment="well done"))
    score = score_for(grade, UNIT, fallback_time=5)
    assert (score.user_id, score.score_given, score.score_maximum, score.comment) == (
        "sub-a", Decimal(7), Decimal(20), "well done"
    )  # fmt: skip
    assert score.timestamp == datetime.fromtimestamp(1_700_000_000, UTC)


def test_a_grade_without_maximum_or_time_takes_the_units_maximum_and_the_release_time():
    grade = replace(released(g(max_score=None)), released_graded_at=0)
    score = score_for(grade, UNIT, fallback_time=1_800_000_000)
    assert score.score_maximum == Decimal(10)
    assert score.timestamp == datetime.fromtimestamp(1_800_000_000, UTC)


@pytest.mark.parametrize(
    ("unit_max", "grade_maxima", "maximum"),
    [
        pytest.param(Decimal(10), [Decimal(50)], Decimal(10), id="the-units"),
        pytest.param(None, [Decimal(20), Decimal(50), Decimal(30)], Decimal(50), id="largest"),
        pytest.param(None, [None, Decimal(0), Decimal(5)], Decimal(5), id="empty-ones-ignored"),
        pytest.param(None, [None], Decimal(100), id="else-100"),
        pytest.param(Decimal(0), [], Decimal(100), id="a-zero-unit-max-is-none"),
    ],
)
def test_a_created_line_item_takes_the_units_maximum_else_the_largest_else_100(
    unit_max, grade_maxima, maximum
):
    grades = [released(g(str(i), max_score=m)) for i, m in enumerate(grade_maxima)]
    assert line_item_maximum(replace(UNIT, max_score=unit_max), grades) == maximum


# ------------------------------------------------------------------ counts
def test_failures_are_listed_by_name_then_account_with_a_default_reason():
    grades = [
        released(g("a2"), last_error={"reason": "HTTP 400"}),
        released(g("a1")),
        released(g("a3"), last_error={"reason": ""}),
        released(g("a0"), last_error={"reason": 404}),
    ]
    names = {"a1": "bob", "a2": "Bob", "a3": "alice"}
    counts = count_release(grades, "r1", names)
    assert (counts.sent, counts.failed, counts.unchanged) == (0, 4, 0)
    assert counts.errors == [
        ReleaseFailure("a0", "", "404"),
        ReleaseFailure("a3", "alice", "not delivered to the LMS yet"),
        ReleaseFailure("a1", "bob", "not delivered to the LMS yet"),
        ReleaseFailure("a2", "Bob", "HTTP 400"),
    ]


def test_a_release_failure_is_stored_under_its_item_names():
    assert ReleaseFailure("a1", "Ann", "HTTP 400").to_item() == {
        "accountId": "a1", "name": "Ann", "reason": "HTTP 400", "code": "other"
    }  # fmt: skip


# ------------------------------------------------------------------ the views
def test_the_release_view_of_a_unit_fills_what_the_item_lacks():
    unit = UnitInfo.of(UnitRecord(unit_id="unt_1", class_id="cls_1", org_id="acme", title="",
                                  lineitem="", ags_scope=["a", "b"]))  # fmt: skip
    assert unit == UnitInfo(unit_id="unt_1", class_id="cls_1", org_id="acme", title="unt_1",
                            issuer="", client_id="", registration_id="", resource_link_id="",
                            ags_scope=frozenset({"a", "b"}))  # fmt: skip
    assert unit.has_ags is False


def test_the_release_view_of_a_unit_item_keeps_its_values():
    item = {"title": "Essay", "maxScore": "12.5", "issuer": "https://lms", "clientId": "cid",
            "registrationId": "reg", "resourceLinkId": "rl", "lineitem": "https://lms/li/1",
            "lineitems": "https://lms/li", "releaseLineitem": "https://lms/li/2"}  # fmt: skip
    unit = UnitInfo.from_item("unt_1", item)
    assert unit == UnitInfo(unit_id="unt_1", class_id="", org_id="", title="Essay",
                            issuer="https://lms", client_id="cid", registration_id="reg",
                            resource_link_id="rl", max_score=Decimal("12.5"),
                            lineitem="https://lms/li/1", lineitems="https://lms/li",
                            release_lineitem="https://lms/li/2")  # fmt: skip


@pytest.mark.parametrize("line_item", ["lineitem", "lineitems", "release_lineitem"])
def test_a_unit_with_any_line_item_url_has_ags(line_item):
    assert replace(NO_UNIT_MAX, **{"lineitem": None, line_item: "https://lms/li"}).has_ags


def test_the_release_view_of_a_grade_reads_absent_values_as_nothing_released():
    grade = GradeState.of(GradeRecord(unit_id="u", account_id="a1", score=Decimal(3),
                                      version=2, sent_version=1))  # fmt: skip
    assert grade == GradeState(account_id="a1", sub=None, issuer=None, registration_id=None,
                               score=Decimal(3), max_score=None, comment="", version=2,
                               graded_at=0, sent_version=1)  # fmt: skip


def test_the_release_view_of_a_grade_keeps_every_released_value():
    record = GradeRecord(unit_id="u", account_id="a1", score=Decimal(3), max_score=Decimal(5),
                         comment="c", version=2, graded_at=9, sub="s", issuer="i",
                         registration_id="r", released=True, released_score=Decimal(2),
                         released_max_score=Decimal(4), released_comment="rc",
                         released_version=1, released_graded_at=8, sent_version=1,
                         sent_release="rel", last_error={"reason": "x"})  # fmt: skip
    assert GradeState.of(record) == GradeState(
        account_id="a1", sub="s", issuer="i", registration_id="r", score=Decimal(3),
        max_score=Decimal(5), comment="c", version=2, graded_at=9, released=True,
        released_version=1, released_score=Decimal(2), released_max_score=Decimal(4),
        released_comment="rc", released_graded_at=8, sent_version=1, sent_release="rel",
        last_error={"reason": "x"},
    )  # fmt: skip


def test_each_grade_counts_once_however_the_grades_are_ordered():
    grades = [
        g("hidden"),  # never released: skipped, the rest still counted
        released(g("s1"), sent_version=1, sent_release="r1"),
        released(g("s2"), sent_version=1, sent_release="r1"),
        released(g("u1"), sent_version=1, sent_release="r0"),
        released(g("u2"), sent_version=1, sent_release=None),
        released(g("u3"), sent_version=1, sent_release="r0"),
        released(g("f1")),
    ]
    counts = count_release(grades, "r1", {})
    assert (counts.sent, counts.failed, counts.unchanged) == (2, 1, 3)


def test_failures_sort_by_the_lower_case_name():
    grades = [released(g("a1")), released(g("a2"))]
    counts = count_release(grades, "r1", {"a1": "ann", "a2": "_Zed"})
    assert [e.name for e in counts.errors] == ["_Zed", "ann"]  # "_" sorts before "a", after "A"


@pytest.mark.parametrize(
    "grade",
    [released(g(sub=None)), released(g(score=None))],
    ids=["no-sub", "no-score"],
)
def test_a_grade_without_a_sub_or_a_score_never_becomes_a_score(grade):
    with pytest.raises(AssertionError):
        score_for(grade, UNIT, fallback_time=0)
