"""Each grade's LMS state, Resend, and the release history, on DynamoDB Local with the
demo LMS's AGS service playing Canvas.

The scenario teachers ask for: a release where the LMS refuses 2 of 30 students (one
not enrolled, one whose course section has concluded) shows both failed with their
reasons; once the LMS side is fixed, "Resend failed" delivers exactly those two and
nothing is sent twice to the other 28.
"""

from __future__ import annotations

import pytest
import requests

from coursebridge import aws
from coursebridge.store import keys
from coursebridge.store.dynamo import app_table
from local.demo_lms.ags import Faults
from tests.integration.release_seed import (
    CLASS_ID,
    TEACHER,
    UNIT_ID,
    drain,
    get_release,
    grade,
    grade_item,
    running_lms,
    seed_member,
    seed_platform,
    seed_students,
    seed_unit,
    teacher_token,
)
from tests.integration.stored import everything_stored

pytestmark = pytest.mark.integration

API = f"/api/classes/{CLASS_ID}/units/{UNIT_ID}"


@pytest.fixture
def canvas(stack):
    with running_lms(stack, flavour="canvas") as lms:
        seed_platform(lms)
        seed_member(TEACHER, "TEACHER", "Terry Teacher")
        seed_unit(lms, family="canvas")
        yield lms


def _call(stack, method: str, path: str, token: str | None = None, **kwargs) -> requests.Response:
    return requests.request(
        method,
        f"{stack.ports.tool_url}{path}",
        headers={"Authorization": f"Bearer {token or teacher_token()}"},
        timeout=30,
        **kwargs,
    )


def _roster(stack) -> dict[str, dict]:
    response = _call(stack, "GET", f"{API}/grades")
    assert response.status_code == 200, response.text
    return {row["accountId"]: row for row in response.json()}


def _released(stack) -> str:
    response = _call(stack, "POST", f"{API}/release")
    assert response.status_code == 202, response.text
    drain(stack)
    return response.json()["releaseId"]


def test_two_refused_of_thirty_show_their_reasons_and_resend_delivers_exactly_them(stack, canvas):
    students = seed_students(30)
    for n, account_id in enumerate(students.ids):
        grade(account_id, n % 11)
    not_enrolled, concluded = students.ids[3], students.ids[17]
    canvas.service.faults = Faults(
        refuse_user_ids={
            students.sub(not_enrolled): "not_enrolled",
            students.sub(concluded): "course_concluded",
        }
    )
    before = {a: _roster(stack)[a]["lms"]["status"] for a in students.ids}
    assert set(before.values()) == {"not_sent"}

    first = _released(stack)
    assert (
        get_release(stack, first).json()["sent"],
        get_release(stack, first).json()["failed"],
    ) == (
        28,
        2,
    )
    rows = _roster(stack)
    assert rows[not_enrolled]["lms"] | {"at": None} == {
        "status": "failed",
        "reason": "not_enrolled",
        "at": None,
        "releaseId": first,
        "message": "HTTP 422: User not found in course or is not a student",
    }
    assert rows[concluded]["lms"]["reason"] == "course_concluded"
    assert "has concluded" in rows[concluded]["lms"]["message"]
    sent = {a for a, row in rows.items() if row["lms"]["status"] == "sent"}
    assert sent == set(students.ids) - {not_enrolled, concluded}
    assert {rows[a]["lms"]["releaseId"] for a in sent} == {first}
    assert len(canvas.service.scores) == 28

    canvas.service.faults = Faults()  # the LMS side is fixed
    failed = [a for a, row in rows.items() if row["lms"]["status"] == "failed"]  # the button
    resend = _call(stack, "POST", f"{API}/resend", json={"accountIds": failed})
    assert resend.status_code == 202, resend.text
    assert sorted(resend.json()["queued"]) == sorted([not_enrolled, concluded])
    pending = _roster(stack)
    assert {pending[a]["lms"]["status"] for a in failed} == {"pending"}
    drain(stack)

    done = get_release(stack, resend.json()["releaseId"]).json()
    assert (done["mode"], done["sent"], done["failed"], done["unchanged"]) == ("resend", 2, 0, 0)
    assert sorted(s["userId"] for s in canvas.service.scores[28:]) == sorted(
        students.sub(a) for a in failed
    )
    users = [s["userId"] for s in canvas.service.scores]
    assert len(users) == 30 and len(set(users)) == 30  # nothing sent twice
    after = _roster(stack)
    assert {after[a]["lms"]["status"] for a in students.ids} == {"sent"}
    assert {after[a]["lms"]["releaseId"] for a in failed} == {resend.json()["releaseId"]}
    assert {after[a]["lms"]["releaseId"] for a in sent} == {first}  # the 28 untouched

    history = _call(stack, "GET", f"{API}/releases").json()["releases"]
    assert [(h["mode"], h["sent"], h["failed"]) for h in history] == [
        ("resend", 2, 0),
        ("release", 28, 2),
    ]
    assert history[0]["students"] == 2
    assert history[1]["requestedBy"] == {
        "accountId": TEACHER,
        "name": "Terry Teacher",
        "email": "teacher@acme.edu",
    }


def test_canvas_gets_its_submission_extension_and_a_resend_is_no_new_submission(stack, canvas):
    students = seed_students(1)
    (account_id,) = students.ids
    app_table().put_item(
        Item={**keys.visit(UNIT_ID, account_id), "firstLaunchAt": 1700000000,
              "lastLaunchAt": 1700000600, "launches": 2}
    )  # fmt: skip
    grade(account_id, 7)
    _released(stack)
    grade(account_id, 9)
    _released(stack)
    first, second = canvas.service.scores
    extension = "https://canvas.instructure.com/lti/submission"
    assert first[extension] == {
        "new_submission": True,
        "prioritize_non_tool_grade": True,
        "submitted_at": "2023-11-14T22:23:20.000+00:00",  # the last launch, not the release
    }
    assert second[extension]["new_submission"] is False
    assert second[extension]["prioritize_non_tool_grade"] is True


def test_other_lmss_get_plain_ags(stack):
    with running_lms(stack) as lms:
        seed_platform(lms)
        seed_member(TEACHER, "TEACHER", "Terry Teacher")
        seed_unit(lms, family="moodle")
        (account_id,) = seed_students(1).ids
        grade(account_id, 4)
        _released(stack)
        (score,) = lms.service.scores
        assert not any("canvas" in key for key in score)


def test_the_roster_with_lms_states_costs_the_queries_it_did_before(stack, canvas):
    students = seed_students(30)
    for account_id in students.ids:
        grade(account_id, 5)
    canvas.service.faults = Faults(refuse_user_ids={students.sub(students.ids[0]): "not_enrolled"})
    _released(stack)
    _roster(stack)  # warm: session secret, registrations
    calls: list[str] = []
    events = aws.dynamodb().meta.client.meta.events
    count = lambda model, **_: calls.append(model.name)  # noqa: E731
    events.register("before-call.dynamodb", count)
    try:
        rows = _roster(stack)
    finally:
        events.unregister("before-call.dynamodb", count)
    assert {row["lms"]["status"] for row in rows.values()} == {"sent", "failed"}
    # the checks (class, unit, membership), then members, grades + release epoch, visits
    assert calls == ["GetItem", "GetItem", "GetItem", "Query", "Query", "Query"]


@pytest.mark.parametrize(
    ("body", "status", "message"),
    [
        ({}, 400, "name the students"),
        ({"accountIds": []}, 400, "name the students"),
        ({"accountIds": "acc_1"}, 400, "name the students"),
        ({"accountIds": ["../x"]}, 400, "not an account id"),
        ({"accountIds": [7]}, 400, "not an account id"),
        ({"accountIds": ["acc_nobody"]}, 409, "no grade for this student"),
        ({"accountIds": [f"acc_{n}" for n in range(1001)]}, 400, "at most 1000"),
    ],
)
def test_a_resend_that_names_nothing_to_send_is_refused_and_writes_nothing(
    stack, canvas, body, status, message
):
    (account_id,) = seed_students(1).ids
    grade(account_id, 5)
    before = everything_stored()
    response = _call(stack, "POST", f"{API}/resend", json=body)
    assert response.status_code == status, response.text
    assert message in response.json()["error"]
    assert everything_stored() == before


def test_a_resend_skips_grades_the_lms_has_or_never_got_released(stack, canvas):
    students = seed_students(3)
    sent, refused, draft = students.ids
    grade(sent, 5)
    grade(refused, 6)
    canvas.service.faults = Faults(refuse_user_ids={students.sub(refused): "not_enrolled"})
    _released(stack)
    grade(draft, 7)  # graded after the release: not released
    canvas.service.faults = Faults()
    response = _call(stack, "POST", f"{API}/resend", json={"accountIds": [sent, refused, draft]})
    assert response.status_code == 202, response.text
    assert response.json()["queued"] == [refused]
    assert {s["accountId"]: s["why"] for s in response.json()["skipped"]} == {
        sent: "already in the LMS gradebook",
        draft: "not released yet: press Release Grades",
    }
    drain(stack)
    assert [s["userId"] for s in canvas.service.scores] == [
        students.sub(sent),
        students.sub(refused),
    ]


def test_a_superseded_grade_is_never_asked_again(stack, canvas):
    students = seed_students(1)
    (account_id,) = students.ids
    grade(account_id, 5)
    canvas.service.faults = Faults(refuse_user_ids={students.sub(account_id): "stale"})
    _released(stack)
    state = _roster(stack)[account_id]["lms"]
    assert (state["status"], state["reason"]) == ("failed", "superseded")
    assert "before last updated" in state["message"]
    canvas.service.faults = Faults()
    response = _call(stack, "POST", f"{API}/resend", json={"accountIds": [account_id]})
    assert response.status_code == 409
    assert "newer score" in response.json()["error"]
    _released(stack)  # a release does not ask again for that version either
    assert canvas.service.scores == []
    assert grade_item(account_id)["lastError"]["code"] == "superseded"


@pytest.mark.parametrize(
    ("role", "read_only", "status"),
    [("TEACHER", True, 403), ("STUDENT", False, 403)],
)
def test_only_full_teachers_resend_and_read_the_history(stack, canvas, role, read_only, status):
    (account_id,) = seed_students(1).ids
    grade(account_id, 5)
    token = teacher_token(read_only=read_only, role=role)
    before = everything_stored()
    assert (
        _call(stack, "POST", f"{API}/resend", token, json={"accountIds": [account_id]}).status_code
        == status
    )
    assert _call(stack, "GET", f"{API}/releases", token).status_code == status
    assert everything_stored() == before
