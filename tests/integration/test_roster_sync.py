"""Roster sync end to end: the demo LMS's Names and Roles service (paged like Canvas),
the teacher's POST, the class's members on DynamoDB Local."""

from __future__ import annotations

import pytest
import requests

from coursebridge.grades.release_store import ReleaseStore
from coursebridge.store.members import MemberStore
from coursebridge.store.roster import RosterSourceStore
from tests.integration.roster_support import (
    DynamoCalls,
    land,
    members_by_sub,
    stored_but_tokens,
    sync,
)
from tests.integration.stored import everything_stored

pytestmark = pytest.mark.integration


@pytest.fixture
def roster(tool):
    roster = tool.lms.nrps()
    saved = {cid: dict(members) for cid, members in roster.rosters.items()}
    yield roster
    roster.rosters = saved
    roster.loop_pages = False


def test_a_launch_records_the_courses_roster_once(tool, roster):
    teacher = land(tool)
    [source] = RosterSourceStore().of_class(teacher.class_id)
    assert source.memberships_url == f"{tool.lms.base_url}/nrps/demo-course-101/memberships"
    with DynamoCalls() as calls:
        land(tool, "student")
    # the login's state is the one PutItem; the course map's digest says the source is known
    assert calls.operations.count("PutItem") == 1
    assert "UpdateItem" not in calls.operations


def test_first_sync_enrolls_the_lms_roster_and_a_second_writes_nothing(tool, roster):
    teacher = land(tool)
    land(tool, "student")
    first = sync(tool, teacher)
    assert first.status_code == 200, first.text
    counts = first.json()
    # ta, mentor, the two roster-only students, the anonymous student (a sub, no name)
    assert (counts["added"], counts["updated"], counts["deactivated"]) == (5, 0, 0)
    assert counts["unchanged"] == 2  # the teacher and the student who launched
    members = members_by_sub(teacher.class_id)
    riley = members["demo-roster-riley"]
    assert (riley.role, riley.name, riley.active, riley.confirmed_at) == (
        "STUDENT",
        "Riley Roster",
        True,
        None,
    )
    assert not riley.is_current()  # enrolled from the roster: grants nothing before a launch
    assert (members["demo-mentor"].role, members["demo-mentor"].read_only) == ("TEACHER", True)

    before = everything_stored()
    with DynamoCalls() as calls:
        second = sync(tool, teacher)
    assert second.json()["unchanged"] == 7
    assert (second.json()["added"], second.json()["updated"]) == (0, 0)
    assert calls.writes == []
    assert everything_stored() == before


def _grade(tool, teacher, account_id: str, score: float):
    response = requests.put(
        f"{tool.tool_url}/api/classes/{teacher.class_id}/units/{teacher.unit_id}/grades/{account_id}",
        headers={"authorization": f"Bearer {teacher.token}"},
        json={"score": score, "maxScore": 10},
        timeout=20,
    )
    assert response.status_code == 200, response.text


def _roster_rows(tool, teacher) -> dict[str, dict]:
    response = requests.get(
        f"{tool.tool_url}/api/classes/{teacher.class_id}/units/{teacher.unit_id}/grades",
        headers={"authorization": f"Bearer {teacher.token}"},
        timeout=20,
    )
    assert response.status_code == 200, response.text
    return {row["name"]: row for row in response.json()}


def test_leavers_are_inactive_with_their_grades_kept_and_never_sent_returners_come_back(
    tool, roster
):
    teacher = land(tool)
    student = land(tool, "student")
    sam = MemberStore().get(
        student.class_id, members_by_sub(student.class_id)["demo-student"].account_id
    )
    assert sam is not None
    _grade(tool, teacher, sam.account_id, 8)
    assert sync(tool, teacher).status_code == 200

    gone = roster.rosters["demo-course-101"].pop("demo-student")
    left = sync(tool, teacher).json()
    assert (left["deactivated"], left["added"], left["updated"]) == (1, 0, 0)
    stored = MemberStore().get(teacher.class_id, sam.account_id)
    assert stored is not None and not stored.active and not stored.is_current()
    rows = _roster_rows(tool, teacher)
    assert rows["Sam Student"]["active"] is False
    assert rows["Sam Student"]["score"] == 8  # kept
    assert rows["Riley Roster"]["active"] is True
    assert sam.account_id not in {g.account_id for g in ReleaseStore().grades(teacher.unit_id)}
    page = requests.get(
        f"{tool.tool_url}/app/classes/{teacher.class_id}/units/{teacher.unit_id}",
        params={"cb_session": teacher.token},
        timeout=20,
    ).text
    assert "Left the course" in page
    # the student's own session grants nothing while they are out of the course
    mine = requests.get(
        f"{tool.tool_url}/api/classes/{student.class_id}/units/{student.unit_id}/my-grade",
        headers={"authorization": f"Bearer {student.token}"},
        timeout=20,
    )
    assert mine.status_code == 403

    again = sync(tool, teacher).json()  # still gone: nothing more to do
    assert (again["deactivated"], again["updated"]) == (0, 0)

    roster.rosters["demo-course-101"]["demo-student"] = gone
    back = sync(tool, teacher).json()
    assert (back["updated"], back["reactivated"], back["deactivated"]) == (1, 1, 0)
    assert _roster_rows(tool, teacher)["Sam Student"]["active"] is True
    assert sam.account_id in {g.account_id for g in ReleaseStore().grades(teacher.unit_id)}


def test_a_launch_brings_a_leaver_back_at_once(tool, roster):
    teacher = land(tool)
    land(tool, "student")
    sync(tool, teacher)
    roster.rosters["demo-course-101"].pop("demo-student")
    assert sync(tool, teacher).json()["deactivated"] == 1
    land(tool, "student")  # the LMS launched them: they are in the course
    assert members_by_sub(teacher.class_id)["demo-student"].active


def test_changes_in_the_lms_are_copied_and_students_are_never_matched_by_email(tool, roster):
    teacher = land(tool)
    sync(tool, teacher)
    riley = roster.rosters["demo-course-101"]["demo-roster-riley"]
    riley.name, riley.email = "Riley Renamed", "tess.taylor@demo.example"  # the teacher's address
    changed = sync(tool, teacher).json()
    assert (changed["updated"], changed["added"]) == (1, 0)
    members = members_by_sub(teacher.class_id)
    assert members["demo-roster-riley"].name == "Riley Renamed"
    assert members["demo-roster-riley"].account_id != members["demo-teacher"].account_id

    roster.rosters["demo-course-101"]["demo-ta"].roles = [
        "http://purl.imsglobal.org/vocab/lis/v2/membership#Learner"
    ]
    assert sync(tool, teacher).json()["updated"] == 1
    assert members_by_sub(teacher.class_id)["demo-ta"].role == "STUDENT"


def test_the_teacher_syncing_is_never_marked_as_left(tool, roster):
    teacher = land(tool)
    roster.rosters["demo-course-101"].pop("demo-teacher")  # an LMS admin, not enrolled
    result = sync(tool, teacher)
    assert result.status_code == 200
    assert members_by_sub(teacher.class_id)["demo-teacher"].active
    assert sync(tool, teacher).status_code == 200  # still allowed to sync


def test_a_roster_whose_pages_loop_changes_nothing(tool, roster):
    teacher = land(tool)
    roster.loop_pages = True
    before = stored_but_tokens()
    response = sync(tool, teacher)
    assert response.status_code == 502
    assert "already read" in response.json()["error"]
    assert stored_but_tokens() == before


def test_a_class_without_a_roster_service_says_what_to_do(tool, roster):
    teacher = land(tool)
    for source in RosterSourceStore().of_class(teacher.class_id):
        RosterSourceStore().delete(source)
    response = sync(tool, teacher)
    assert response.status_code == 502
    assert "Names and Roles" in response.json()["error"]


def test_a_2000_member_roster_syncs_in_pages_and_its_second_sync_writes_nothing(
    tool, roster, capsys
):
    teacher = land(tool)
    roster.fill("demo-course-101", 2_000)
    listed = len(roster.rosters["demo-course-101"])
    pages_before = roster.requests
    with DynamoCalls() as first_calls:
        first = sync(tool, teacher)
    assert first.status_code == 200, first.text
    body = first.json()
    assert body["complete"] is True
    assert body["added"] == listed - 1  # everyone but the teacher who launched
    assert body["pages"] == -(-listed // 50) == roster.requests - pages_before  # 50 a page
    assert len(MemberStore().members(teacher.class_id)) == listed

    before = stored_but_tokens()
    with DynamoCalls() as second_calls:
        second = sync(tool, teacher)
    assert second.json()["unchanged"] == listed
    assert second_calls.writes == []
    assert stored_but_tokens() == before
    first_per_member = len(first_calls.operations) / listed
    second_per_member = len(second_calls.operations) / listed
    assert first_per_member < 1.2  # one account transaction each, the rest batched
    assert second_per_member < 0.01  # the class's members, a query page per ~1 MB
    with capsys.disabled():
        print(
            f"\nroster sync of {listed} members: first {first_per_member:.3f} DynamoDB "
            f"requests/member ({len(first_calls.operations)}), unchanged second "
            f"{second_per_member:.4f} ({len(second_calls.operations)}: "
            f"{sorted(set(second_calls.operations))})"
        )
