"""Pure classroom rules: grade parsing, CSV cells, roster status, deep-link claims."""

from __future__ import annotations

import csv
import io
from decimal import Decimal

import pytest

from coursebridge.classes.deep_linking import DeepLinkRefused, response_claims
from coursebridge.classes.enter import max_score_from_claims
from coursebridge.classes.roster import RosterRow, _status, student_view_of_grade
from coursebridge.grades.export import grades_csv, safe_cell
from coursebridge.grades.grading import GradeInvalid, parse_grade
from coursebridge.lti.claims import DeepLinkingSettings, LaunchClaims
from coursebridge.store.classes import UnitRecord
from coursebridge.store.deep_links import PendingDeepLink
from coursebridge.store.gradebook import GradeRecord

UNIT = UnitRecord(unit_id="unt_1", class_id="cls_1", org_id="o", title="Lab", max_score=Decimal(10))
UNGRADED = UNIT.model_copy(update={"max_score": None})


@pytest.mark.parametrize(
    ("unit", "body", "expected"),
    [
        (UNIT, {"score": 7}, (Decimal(7), Decimal(10), "")),
        (UNIT, {"score": "7.5", "comment": "  ok "}, (Decimal("7.5"), Decimal(10), "ok")),
        (UNIT, {"score": 0, "maxScore": 5}, (Decimal(0), Decimal(5), "")),
        (UNGRADED, {"score": 3, "maxScore": "4"}, (Decimal(3), Decimal(4), "")),
        (UNIT, {"score": 10, "comment": None}, (Decimal(10), Decimal(10), "")),
    ],
)
def test_parse_grade_accepts(unit, body, expected):
    assert parse_grade(unit, body) == expected


@pytest.mark.parametrize(
    ("unit", "body", "message"),
    [
        (UNIT, {}, "score is required"),
        (UNIT, {"score": True}, "score is required"),
        (UNIT, {"score": "NaN"}, "finite"),
        (UNIT, {"score": "Infinity"}, "finite"),
        (UNIT, {"score": "1e999999"}, "at most 100000"),
        (UNIT, {"score": "1.23456"}, "at most 4 decimal places"),
        (UNIT, {"score": 10.01}, "between 0 and 10"),
        (UNIT, {"score": -0.5}, "between 0 and 10"),
        (UNIT, {"score": 1, "maxScore": -1}, "more than 0"),
        (UNIT, {"score": 1, "maxScore": 10**9}, "at most"),
        (UNGRADED, {"score": 1}, "no maximum score"),
        (UNIT, {"score": 1, "comment": ["x"]}, "comment must be text"),
        (UNIT, "not a dict", "must be an object"),
    ],
)
def test_parse_grade_refuses_with_a_message(unit, body, message):
    with pytest.raises(GradeInvalid, match=message):
        parse_grade(unit, body)


@pytest.mark.parametrize(
    ("value", "cell"),
    [
        ("=1+1", "'=1+1"),
        ("+1", "'+1"),
        ("-1", "'-1"),
        ("@SUM(A1)", "'@SUM(A1)"),
        ("\tx", "'\tx"),
        ("\rx", "'\rx"),
        ("Ann", "Ann"),
        ("a=b", "a=b"),
        (None, ""),
    ],
)
def test_safe_cell(value, cell):
    assert safe_cell(value) == cell


def _row(**overrides):
    values = {
        "account_id": "acc_1",
        "name": "=cmd|' /C calc'!A0",
        "email": "a@x.org",
        "student_id": "S1",
        "status": "graded",
        "score": Decimal("7.5"),
        "max_score": Decimal(10),
        "comment": "ok",
        "released": False,
    }
    values.update(overrides)
    return RosterRow(**values)


def test_grades_csv_columns_follow_the_org_student_id_field():
    with_field = list(csv.reader(io.StringIO(grades_csv([_row()], "student_number"))))
    assert with_field[0][3] == "student_number"
    assert with_field[1][1] == "'=cmd|' /C calc'!A0"
    assert with_field[1][3:8] == ["S1", "graded", "7.5", "10", "ok"]
    without = list(csv.reader(io.StringIO(grades_csv([_row()], None))))
    assert "S1" not in without[1] and len(without[0]) == len(with_field[0]) - 1


def _grade(**overrides):
    values = {"unit_id": "u", "account_id": "a", "score": Decimal(5), "max_score": Decimal(10)}
    values.update(overrides)
    return GradeRecord(**values)


@pytest.mark.parametrize(
    ("grade", "opened", "status"),
    [
        (None, False, "not opened"),
        (None, True, "opened"),
        (_grade(version=1), True, "graded"),
        (_grade(version=1, released=True, released_version=1), True, "released"),
        (_grade(version=2, released=True, released_version=1), True, "changed since release"),
    ],
)
def test_roster_status(grade, opened, status):
    assert _status(grade, opened) == status


def test_students_see_only_released_values():
    draft = _grade(version=2, comment="draft")
    assert student_view_of_grade(draft) == {"released": False}
    assert student_view_of_grade(None) == {"released": False}
    released = _grade(
        version=2,
        score=Decimal(9),
        released=True,
        released_version=1,
        released_score=Decimal(5),
        released_max_score=Decimal(10),
        released_comment="first",
    )
    assert student_view_of_grade(released) == {
        "released": True,
        "score": 5,
        "maxScore": 10,
        "comment": "first",
    }


def _claims(custom):
    return LaunchClaims(
        launch_id="l",
        issuer="i",
        client_id="c",
        registration_id="reg_c",
        deployment_id="d",
        message_type="LtiResourceLinkRequest",
        target_link_uri="https://t",
        custom=custom,
    )


@pytest.mark.parametrize(
    ("custom", "expected"),
    [
        ({}, None),
        ({"max_score": "25"}, Decimal(25)),
        ({"points_possible": 7.5}, Decimal("7.5")),
        ({"canvas_assignment_points_possible": "$Canvas.assignment.pointsPossible"}, None),
        ({"max_score": "0"}, None),
        ({"max_score": "-3", "points_possible": "4"}, Decimal(4)),
    ],
)
def test_max_score_from_claims(custom, expected):
    assert max_score_from_claims(_claims(custom)) == expected


def _pending(**settings):
    return PendingDeepLink(
        class_id="cls_1",
        account_id="acc_1",
        launch_id="launch",
        issuer="https://lms",
        client_id="client",
        deployment_id="dep",
        target_link_uri="https://tool/lti/launch",
        settings=DeepLinkingSettings(deep_link_return_url="https://lms/return", **settings),
        expires_at=0,
    )


def test_deep_link_claims_echo_data_only_when_given_and_honour_accept_settings():
    claims = response_claims(_pending(), [UNIT])
    assert (claims["iss"], claims["aud"]) == ("client", "https://lms")
    assert "https://purl.imsglobal.org/spec/lti-dl/claim/data" not in claims
    assert claims["exp"] > claims["iat"]
    with_data = response_claims(_pending(data="d1"), [UNIT])
    assert with_data["https://purl.imsglobal.org/spec/lti-dl/claim/data"] == "d1"
    with pytest.raises(DeepLinkRefused, match="only one"):
        response_claims(_pending(), [UNIT, UNGRADED])
    assert (
        len(
            response_claims(_pending(accept_multiple=True), [UNIT, UNGRADED])[
                "https://purl.imsglobal.org/spec/lti-dl/claim/content_items"
            ]
        )
        == 2
    )
    with pytest.raises(DeepLinkRefused, match="resource links"):
        response_claims(_pending(accept_types=["file"]), [UNIT])
