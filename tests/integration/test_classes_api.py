"""The JSON API and pages through the local API Gateway stand-in (real DynamoDB Local)."""

from __future__ import annotations

import csv
import io
import time

import pytest
from botocore.exceptions import ClientError

from coursebridge.grades.release_store import ReleaseStore
from coursebridge.sessions import encode_session
from coursebridge.store import keys
from coursebridge.store.dynamo import app_table, new_id
from coursebridge.store.gradebook import GradebookStore
from tests.classroom import INSTRUCTOR, LEARNER, MENTOR, Client, claims, launch, make_org
from tests.integration.stored import everything_stored

pytestmark = pytest.mark.integration


@pytest.fixture
def course(stack):
    org = make_org(student_id_field="student_id")
    teacher = launch(claims("t-1", INSTRUCTOR, custom={"max_score": "10"}), org)
    ann = launch(claims("ann", LEARNER, custom={"student_id": "=HYPERLINK(1)"}), org)
    bob = launch(claims("bob", LEARNER, custom={"student_id": "S-2"}), org)
    return org, teacher, ann, bob, Client(stack.ports.tool_url)


def _path(launched, suffix=""):
    return f"/api/classes/{launched.class_id}/units/{launched.unit_id}{suffix}"


def _release(unit_id, account_id):
    """Release the unit's grades as Release Grades does (its store; no LMS involved)."""
    store = ReleaseStore()
    store.open_release(new_id("rel"), store.unit(unit_id), account_id, None)


def test_teacher_grades_student_sees_nothing_until_released(course):
    _, teacher, ann, _, http = course
    put = http.request(
        "PUT",
        _path(teacher, f"/grades/{ann.account_id}"),
        teacher.token,
        json={"score": 8, "maxScore": 10, "comment": "good"},
    )
    assert put.status_code == 200, put.text
    assert put.json()["version"] == 1

    mine = http.request("GET", _path(ann, "/my-grade"), ann.token)
    assert mine.status_code == 200
    assert mine.json() == {"released": False}
    page = http.request("GET", f"/app/classes/{ann.class_id}/units/{ann.unit_id}", ann.token)
    assert "not been released yet" in page.text
    assert "8" not in page.text.split("Your grade")[1]

    _release(ann.unit_id, ann.account_id)
    assert http.request("GET", _path(ann, "/my-grade"), ann.token).json() == {
        "released": True,
        "score": 8,
        "maxScore": 10,
        "comment": "good",
    }
    # a later change stays hidden until the next release
    http.request(
        "PUT",
        _path(teacher, f"/grades/{ann.account_id}"),
        teacher.token,
        json={"score": 9, "maxScore": 10, "comment": "better"},
    )
    assert http.request("GET", _path(ann, "/my-grade"), ann.token).json()["score"] == 8
    roster = http.request("GET", _path(teacher, "/grades"), teacher.token).json()
    row = next(r for r in roster if r["accountId"] == ann.account_id)
    assert (row["score"], row["status"], row["released"]) == (9, "changed since release", True)


def test_a_grade_that_keeps_changing_under_a_save_is_a_409_not_a_500(course, monkeypatch):
    _, teacher, ann, _, http = course

    def always_raced(self, grade, current, epoch):
        raise ClientError(
            {"Error": {"Code": "TransactionCanceledException"}, "CancellationReasons": []},
            "TransactWriteItems",
        )

    monkeypatch.setattr(GradebookStore, "_write", always_raced)
    put = http.request(
        "PUT", _path(teacher, f"/grades/{ann.account_id}"), teacher.token, json={"score": 3}
    )
    assert put.status_code == 409
    assert "kept changing" in put.json()["error"]
    monkeypatch.undo()
    assert GradebookStore().get(ann.unit_id, ann.account_id) is None  # nothing half-written


def test_roster_lists_students_with_profile_and_status(course):
    _, teacher, ann, bob, http = course
    roster = http.request("GET", _path(teacher, "/grades"), teacher.token)
    assert roster.status_code == 200
    rows = {r["accountId"]: r for r in roster.json()}
    assert set(rows) == {ann.account_id, bob.account_id}  # the teacher is not a student
    assert abs(rows[bob.account_id]["confirmedAt"] - time.time()) < 60  # bob's launch
    assert rows[bob.account_id] | {"accountId": None, "confirmedAt": None} == {
        "accountId": None,
        "confirmedAt": None,
        "name": "Bob",
        "email": "bob@school.example",
        "studentId": "S-2",
        "status": "opened",
        "active": True,
        "score": None,
        "maxScore": None,
        "comment": "",
        "released": False,
        "lms": {"status": "not_sent", "reason": None, "at": None, "releaseId": None,
                "message": None},
    }  # fmt: skip


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ({"score": 11, "maxScore": 10}, "between 0 and 10"),
        ({"score": -1}, "between 0 and 10"),
        ({"score": "abc"}, "must be a number"),
        ({"maxScore": 10}, "score is required"),
        ({"score": 1, "maxScore": 0}, "maxScore must be more than 0"),
        ({"score": 1, "comment": 5}, "comment must be text"),
        ({"score": 1, "comment": "x" * 2001}, "longer than 2000"),
        ([1, 2], "JSON object"),
    ],
)
def test_bad_grades_are_400_with_a_message_and_nothing_written(course, body, message):
    _, teacher, ann, _, http = course
    response = http.request(
        "PUT", _path(teacher, f"/grades/{ann.account_id}"), teacher.token, json=body
    )
    assert response.status_code == 400
    assert message in response.json()["error"]
    key = keys.grade(ann.unit_id, ann.account_id)
    assert "Item" not in app_table().get_item(Key=key)


def test_not_json_is_400(course):
    _, teacher, ann, _, http = course
    response = http.request(
        "PUT", _path(teacher, f"/grades/{ann.account_id}"), teacher.token, data="{nope"
    )
    assert response.status_code == 400
    assert "not valid JSON" in response.json()["error"]


def test_grading_a_non_student_or_unknown_account_is_404(course):
    _, teacher, _, _, http = course
    for account_id in (teacher.account_id, "acc_nobody"):
        response = http.request(
            "PUT", _path(teacher, f"/grades/{account_id}"), teacher.token, json={"score": 1}
        )
        assert response.status_code == 404


def test_same_grade_twice_does_not_bump_the_version(course):
    _, teacher, ann, _, http = course
    body = {"score": 5, "maxScore": 10, "comment": "ok"}
    path = _path(teacher, f"/grades/{ann.account_id}")
    assert http.request("PUT", path, teacher.token, json=body).json()["version"] == 1
    assert http.request("PUT", path, teacher.token, json=body).json()["version"] == 1
    body["comment"] = "ok!"
    assert http.request("PUT", path, teacher.token, json=body).json()["version"] == 2


def test_csv_export_has_the_student_id_column_and_neutralises_formulas(course):
    _, teacher, ann, _, http = course
    http.request(
        "PUT",
        _path(teacher, f"/grades/{ann.account_id}"),
        teacher.token,
        json={"score": 7.5, "comment": "@SUM(A1)"},
    )
    response = http.request("GET", _path(teacher, "/grades.csv"), teacher.token)
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/csv")
    assert "attachment" in response.headers["content-disposition"]
    rows = list(csv.DictReader(io.StringIO(response.text)))
    assert list(rows[0]) == [
        "accountId",
        "name",
        "email",
        "student_id",
        "status",
        "score",
        "maxScore",
        "comment",
        "released",
    ]
    ann_row = next(r for r in rows if r["accountId"] == ann.account_id)
    assert ann_row["student_id"] == "'=HYPERLINK(1)"
    assert ann_row["comment"] == "'@SUM(A1)"
    assert (ann_row["score"], ann_row["maxScore"], ann_row["status"]) == ("7.5", "10", "graded")


def test_mentor_scoped_sees_only_mentees_and_cannot_write(course):
    org, _teacher, _ann, bob, http = course
    mentor = launch(claims("m-1", MENTOR, role_scope_mentor=["bob"]), org)
    roster = http.request("GET", _path(mentor, "/grades"), mentor.token)
    assert roster.status_code == 200
    assert [r["accountId"] for r in roster.json()] == [bob.account_id]
    put = http.request(
        "PUT", _path(mentor, f"/grades/{bob.account_id}"), mentor.token, json={"score": 1}
    )
    assert put.status_code == 403
    page = http.request(
        "GET", f"/app/classes/{mentor.class_id}/units/{mentor.unit_id}", mentor.token
    )
    assert page.status_code == 200
    assert "read-only" in page.text and "<form" not in page.text
    assert "Bob" in page.text and "Ann" not in page.text


def test_teacher_page_shows_roster_form_release_and_csv_link_carrying_the_token(course):
    _, teacher, _ann, _, http = course
    page = http.request(
        "GET", f"/app/classes/{teacher.class_id}/units/{teacher.unit_id}?cb_session={teacher.token}"
    )
    assert page.status_code == 200
    text = page.text
    assert "Release Grades" in text and "Export grades (CSV)" in text
    assert f"grades.csv?cb_session={teacher.token}" in text
    assert f'name="cb_session" value="{teacher.token}"' in text
    assert "=HYPERLINK(1)" in text and "student_id" in text  # the org's field label


def test_page_form_grading_redirects_back_and_keeps_input_on_error(course):
    _, teacher, ann, _, http = course
    action = f"/app/classes/{teacher.class_id}/units/{teacher.unit_id}/grades/{ann.account_id}"
    bad = http.request(
        "POST", action, data={"cb_session": teacher.token, "score": "12", "comment": "kept <b>"}
    )
    assert bad.status_code == 400
    assert "between 0 and 10" in bad.text
    assert 'value="kept &lt;b&gt;"' in bad.text  # input kept, escaped
    good = http.request("POST", action, data={"cb_session": teacher.token, "score": "9"})
    assert good.status_code == 303
    assert good.headers["location"].startswith(
        f"/app/classes/{teacher.class_id}/units/{teacher.unit_id}?cb_session="
    )
    roster = http.request("GET", _path(teacher, "/grades"), teacher.token).json()
    assert next(r for r in roster if r["accountId"] == ann.account_id)["score"] == 9


def test_page_form_post_with_only_a_cookie_is_refused(course):
    _, teacher, ann, _, http = course
    action = f"/app/classes/{teacher.class_id}/units/{teacher.unit_id}/grades/{ann.account_id}"
    before = everything_stored()
    response = http.request(
        "POST", action, data={"score": "9"}, headers={"cookie": f"cb_session={teacher.token}"}
    )
    assert response.status_code == 401
    assert everything_stored() == before  # no grade written


def test_student_page_escapes_lms_supplied_text(stack):
    org = make_org()
    launch(claims("t-1", INSTRUCTOR, link_title="<script>alert(1)</script>"), org)
    student = launch(claims("s-1", LEARNER), org)
    http = Client(stack.ports.tool_url)
    page = http.request(
        "GET", f"/app/classes/{student.class_id}/units/{student.unit_id}", student.token
    )
    assert page.status_code == 200
    assert "<script>alert(1)</script>" not in page.text
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page.text


def test_ids_outside_the_session_are_403_unknown_ones_404_and_no_session_is_401(course):
    _, teacher, _, _, http = course
    # Another class or unit than the session's: refused from the session alone.
    other_class = http.request("GET", "/api/classes/cls_x/units/unt_x/grades", teacher.token)
    assert other_class.status_code == 403
    assert "another course" in other_class.json()["error"]
    other_unit = http.request(
        "GET", _path(teacher, "/grades").replace(teacher.unit_id, "unt_x"), teacher.token
    )
    assert other_unit.status_code == 403
    assert "another activity" in other_unit.json()["error"]
    # A session launched into a class or unit that no longer exists.
    for gone in ({"class_id": "cls_x", "unit_id": "unt_x"}, {"unit_id": "unt_x"}):
        session = teacher.session.model_copy(update=gone)
        path = f"/api/classes/{session.class_id}/units/{session.unit_id}/grades"
        assert http.request("GET", path, encode_session(session)).status_code == 404
    assert http.request("GET", _path(teacher, "/grades")).status_code == 401
    page = http.request("GET", f"/app/classes/{teacher.class_id}/units/{teacher.unit_id}")
    assert page.status_code == 401 and "text/html" in page.headers["content-type"]
    assert http.request("GET", _path(teacher, "/grades"), "forged.token").status_code == 401


def test_over_long_or_odd_ids_are_404_not_500(course):
    _, teacher, _, _, http = course
    long_id = "x" * 3000
    for path in (
        f"/api/classes/{long_id}/units/{teacher.unit_id}/grades",
        f"/api/classes/{teacher.class_id}/units/{long_id}/grades",
        _path(teacher, f"/grades/{long_id}"),
    ):
        method = "PUT" if path.endswith(long_id) else "GET"
        response = http.request(method, path, teacher.token, json={"score": 1})
        assert response.status_code == 404, (path[:80], response.status_code)
    remap = http.request(
        "POST",
        f"/app/classes/{teacher.class_id}/units/{teacher.unit_id}/remap",
        data={"cb_session": teacher.token, "target_unit": long_id},
    )
    assert remap.status_code == 404
