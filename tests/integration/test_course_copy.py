"""Course copy on DynamoDB Local: a copied course's first teacher launch lands in a class
cloned from the old one's units (not its members or grades), and only when the old
course is this registration's."""

from __future__ import annotations

import pytest
import requests

from coursebridge.store.classes import ClassStore
from coursebridge.store.gradebook import GradebookStore
from coursebridge.store.members import MemberStore
from tests.classroom import INSTRUCTOR, LEARNER, claims, launch, make_org
from tests.integration.roster_support import land

pytestmark = pytest.mark.integration


def _units(class_id: str) -> list[tuple[str, object]]:
    return sorted((u.title, u.max_score) for u in ClassStore().units_of_class(class_id))


def test_a_copied_courses_first_teacher_launch_lands_in_a_ready_class(tool):
    old = land(tool, activity="cells")
    land(tool, activity="photosynthesis")
    old_unit = ClassStore().get_unit(old.unit_id)
    assert old_unit is not None
    requests.put(
        f"{tool.tool_url}/api/classes/{old.class_id}/units/{old.unit_id}/grades/x",
        headers={"authorization": f"Bearer {old.token}"},
        json={"score": 1},
        timeout=20,
    )
    land(tool, "student", activity="cells")

    new = land(tool, activity="cells", course="bio-next")
    assert new.class_id != old.class_id
    cls = ClassStore().get_class(new.class_id)
    assert cls is not None
    assert (cls.title, cls.copied_from) == ("Biology 101 (next term)", old.class_id)
    assert _units(new.class_id) == _units(old.class_id)  # both activities, ready
    landed = ClassStore().get_unit(new.unit_id or "")
    assert landed is not None and landed.copied_from == old.unit_id  # the copied activity's clone
    assert landed.resource_link_id == "demo-link-cells-next"
    # members and grades stay with the old class
    assert [m.sub for m in MemberStore().members(new.class_id)] == ["demo-teacher"]
    assert GradebookStore().grades_of_unit(new.unit_id or "") == {}
    # the other copied activity opens its clone too, and the old course is untouched
    other = land(tool, activity="photosynthesis", course="bio-next")
    assert other.class_id == new.class_id
    assert ClassStore().get_unit(other.unit_id or "").copied_from is not None
    assert len(ClassStore().units_of_class(new.class_id)) == 2
    again = land(tool, activity="cells")
    assert (again.class_id, again.unit_id) == (old.class_id, old.unit_id)


def test_a_student_first_in_the_copy_lands_in_the_clone_too(tool):
    old = land(tool, activity="cells")
    student = land(tool, "student", activity="cells", course="bio-next")  # autoMap is on
    assert student.class_id != old.class_id
    assert _units(student.class_id) == _units(old.class_id)


def test_another_registrations_course_history_never_clones_its_class(stack):
    acme = make_org("acme")
    mine = launch(claims("t-1", INSTRUCTOR, context_id="course-1", link_id="l-1"), acme)
    beta = make_org("beta")
    other_registration = claims(
        "t-2",
        INSTRUCTOR,
        context_id="course-2",
        link_id="l-2",
        registration_id="reg_other",
        client_id="client-2",
        context_history=["course-1"],  # names acme's course: another tenant's id
        link_history=["l-1"],
    )
    theirs = launch(other_registration, beta)
    cls = ClassStore().get_class(theirs.class_id)
    assert cls is not None and cls.copied_from is None and cls.org_id == "beta"
    assert [u.title for u in ClassStore().units_of_class(theirs.class_id)] == ["Lab 1"]
    assert all(u.copied_from is None for u in ClassStore().units_of_class(theirs.class_id))
    assert theirs.class_id != mine.class_id


def test_a_copy_from_the_same_registration_clones_and_maps_by_link_history(stack):
    org = make_org("acme")
    old = launch(
        claims("t-1", INSTRUCTOR, context_id="fall", link_id="l-1", link_title="Lab 1"), org
    )
    launch(claims("t-1", INSTRUCTOR, context_id="fall", link_id="l-2", link_title="Lab 2"), org)
    renamed = claims(
        "t-1",
        INSTRUCTOR,
        context_id="spring",
        link_id="l-9",
        link_title="Lab one (renamed)",
        context_history=["fall"],
        link_history=["l-1"],
    )
    new = launch(renamed, org)
    unit = ClassStore().get_unit(new.unit_id)
    assert unit is not None and (unit.copied_from, unit.title) == (old.unit_id, "Lab 1")
    student = launch(claims("s-1", LEARNER, context_id="spring", link_id="l-9"), org)
    assert (student.class_id, student.unit_id) == (new.class_id, new.unit_id)
