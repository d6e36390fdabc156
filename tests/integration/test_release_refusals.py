"""One test per row of docs/GRADES.md "Refusals by LMS": the demo LMS answers as that
LMS does (local/demo_lms/ags_faults.py) and the grade's LMS state shows the row's
reason; a permanent reason is not asked again when the message comes back, a retried
one is delivered by the next attempt once the LMS answers again."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

import pytest
import requests

from coursebridge.grades.release import deliver_release
from coursebridge.lti.ags import RetryPolicy
from local.demo_lms.ags import Faults
from tests.integration.release_seed import (
    ALL_SCOPES,
    CLASS_ID,
    CONTEXT,
    RESOURCE_LINK,
    TEACHER,
    UNIT_ID,
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
    teacher_token,
)

pytestmark = pytest.mark.integration

DOC = Path(__file__).resolve().parents[2] / "docs" / "GRADES.md"


@dataclass(frozen=True)
class Row:
    lms: str
    reason: str
    permanent: bool = True
    refuse: str = ""  # the demo LMS's situation (REFUSALS), for this student
    faults: dict = field(default_factory=dict)  # or these faults
    words: str = ""  # the platform's own words kept in the message


ROWS = {
    "canvas-not-enrolled": Row("canvas", "not_enrolled", refuse="not_enrolled",
                               words="User not found in course or is not a student"),
    "canvas-concluded": Row("canvas", "course_concluded", refuse="course_concluded",
                            words="This course has concluded"),
    "canvas-max-attempts": Row("canvas", "other", refuse="max_attempts",
                               words="maximum number of allowed attempts"),
    "canvas-stale": Row("canvas", "superseded", refuse="stale", words="before last updated"),
    "moodle-not-gradable": Row("moodle", "not_enrolled", refuse="not_enrolled",
                               words="Incorrect score received"),
    "blackboard-user-unknown": Row("blackboard", "not_enrolled", refuse="not_enrolled",
                                   words="User could not be found: sub-acc_s0000"),
    "d2l-forbidden": Row("d2l", "not_enrolled", refuse="not_enrolled", words="HTTP 403"),
    "d2l-not-found": Row("d2l", "not_enrolled", refuse="not_enrolled_404", words="HTTP 404"),
    "generic-not-enrolled": Row("generic", "not_enrolled", refuse="not_enrolled",
                                words="user is not enrolled"),
    "generic-concluded": Row("generic", "course_concluded", refuse="course_concluded",
                             words="the course has concluded"),
    "generic-stale": Row("generic", "superseded", refuse="stale",
                         words="a newer score for this user is on record"),
    "rate-limited": Row("generic", "platform_unavailable", permanent=False,
                        faults={"count_429": 100, "retry_after_seconds": 0}, words="HTTP 429"),
    "unavailable": Row("generic", "platform_unavailable", permanent=False,
                       faults={"count_503": 100}, words="HTTP 503"),
    "token-revoked": Row("generic", "token_refused", faults={"count_401": 100},
                         words="the access token was revoked"),
    "token-endpoint-refuses": Row("generic", "token_refused", faults={"forget_tool_key": True},
                                  words="not a key registered for this tool"),
    "generic-other": Row("generic", "other", refuse="other",
                         words="the gradebook refused this score"),
}  # fmt: skip
SPECIAL = {"line-item-gone"}  # its own tests below


def _documented_rows() -> list[str]:
    section = DOC.read_text(encoding="utf-8").split("## Refusals by LMS")[1]
    return re.findall(r"^\| `([a-z0-9-]+)` \|", section, re.MULTILINE)


def test_every_documented_row_has_a_test_and_every_test_a_row():
    assert sorted(_documented_rows()) == sorted([*ROWS, *SPECIAL])


@pytest.fixture(autouse=True)
def fast_retries(monkeypatch):
    monkeypatch.setattr(
        "coursebridge.lti.ags.default_retry_policy",
        lambda: RetryPolicy(3, base_delay=0.01, max_delay=0.02),
    )


def _lms_state(stack, account_id: str) -> dict:
    response = requests.get(
        f"{stack.ports.tool_url}/api/classes/{CLASS_ID}/units/{UNIT_ID}/grades",
        headers={"Authorization": f"Bearer {teacher_token()}"},
        timeout=30,
    )
    (row,) = [r for r in response.json() if r["accountId"] == account_id]
    return row["lms"]


def _release(stack) -> str:
    response = post_release(stack)
    assert response.status_code == 202, response.text
    drain(stack)
    return response.json()["releaseId"]


@pytest.mark.parametrize("row_id", sorted(ROWS))
def test_each_refusal_is_classified_as_the_table_says(stack, row_id):
    row = ROWS[row_id]
    with running_lms(stack, flavour=row.lms) as lms:
        seed_platform(lms)
        seed_member(TEACHER, "TEACHER", "Terry Teacher")
        seed_unit(lms, family=row.lms)
        students = seed_students(1)
        (account_id,) = students.ids
        grade(account_id, 6)
        sub = students.sub(account_id)
        lms.service.faults = Faults.from_json(
            {**row.faults, **({"refuse_user_ids": {sub: row.refuse}} if row.refuse else {})}
        )
        release_id = _release(stack)

        state = _lms_state(stack, account_id)
        assert (state["status"], state["reason"]) == ("failed", row.reason)
        assert row.words in state["message"]
        assert grade_item(account_id)["lastError"]["permanent"] is row.permanent

        lms.service.faults = Faults()  # the LMS answers again; the message comes back
        asked = len(lms.service.rejected)
        deliver_release(release_id, receive_count=2)
        if row.permanent:  # not asked again for this version
            assert len(lms.service.rejected) == asked
            assert lms.service.scores == []
            assert _lms_state(stack, account_id)["reason"] == row.reason
        else:  # retried: delivered without anyone acting
            assert [s["userId"] for s in lms.service.scores] == [sub]
            assert _lms_state(stack, account_id)["status"] == "sent"
            assert get_release(stack, release_id).json()["status"] == "done"


def test_line_item_gone_is_recreated_once_and_reported(stack):
    with running_lms(stack) as lms:
        seed_platform(lms)
        seed_member(TEACHER, "TEACHER", "Terry Teacher")
        seed_unit(lms)  # the launch's line item
        students = seed_students(12)
        for account_id in students.ids:
            grade(account_id, 8)
        old = lms.lineitem
        lms.service.delete_line_item(old)  # the teacher deleted the column in the LMS
        release_id = _release(stack)

        progress = get_release(stack, release_id).json()
        assert (progress["sent"], progress["failed"]) == (12, 0)
        (item,) = lms.service.line_items[CONTEXT].values()  # one new line item, not twelve
        assert item["id"] != old and item["resourceLinkId"] == RESOURCE_LINK
        assert item["tag"] == "coursebridge" and item["resourceId"] == UNIT_ID
        assert progress["lineItemReplaced"]["gone"] == old
        assert progress["lineItemReplaced"]["now"] == item["id"]
        assert {s["lineItemId"] for s in lms.service.scores} == {item["id"].rsplit("/", 1)[1]}
        states = {_lms_state(stack, a)["status"] for a in students.ids}
        assert states == {"sent"}

        grade(students.ids[0], 9)  # the next release goes straight to the new one
        _release(stack)
        assert len(lms.service.line_items[CONTEXT]) == 1
        assert lms.service.scores[-1]["lineItemId"] == item["id"].rsplit("/", 1)[1]


def test_line_item_gone_that_cannot_be_recreated_fails_with_its_reason(stack):
    scopes = [s for s in ALL_SCOPES if not s.endswith("/lineitem")]  # may not create
    with running_lms(stack) as lms:
        seed_platform(lms)
        seed_member(TEACHER, "TEACHER", "Terry Teacher")
        seed_unit(lms, scopes=scopes)
        (account_id,) = seed_students(1).ids
        grade(account_id, 8)
        lms.service.delete_line_item(lms.lineitem)
        _release(stack)
        state = _lms_state(stack, account_id)
        assert (state["status"], state["reason"]) == ("failed", "line_item_gone")
        assert lms.service.line_items[CONTEXT] == {}
