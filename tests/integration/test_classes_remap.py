"""Re-mapping an LMS activity to another unit and an LMS course to another class."""

from __future__ import annotations

import pytest

from coursebridge.classes.enter import NotSetUp
from tests.classroom import INSTRUCTOR, LEARNER, Client, claims, launch, make_org

pytestmark = pytest.mark.integration


def _remap(http, teacher, **form):
    return http.request(
        "POST",
        f"/app/classes/{teacher.class_id}/units/{teacher.unit_id}/remap",
        data={"cb_session": teacher.token, **form},
    )


def test_teacher_remaps_an_activity_to_another_unit(stack):
    org = make_org()
    lab1 = launch(claims("t-1", INSTRUCTOR, link_id="l1", link_title="Lab 1"), org)
    lab2 = launch(claims("t-1", INSTRUCTOR, link_id="l2", link_title="Lab 2"), org)
    http = Client(stack.ports.tool_url)
    page = http.request("GET", f"/app/classes/{lab1.class_id}/units/{lab1.unit_id}", lab1.token)
    assert "Map activity" in page.text and "Lab 2" in page.text
    response = _remap(http, lab1, target_unit=lab2.unit_id)
    assert response.status_code == 303
    assert f"/units/{lab2.unit_id}?" in response.headers["location"]
    student = launch(claims("s-1", LEARNER, link_id="l1"), org)
    assert student.unit_id == lab2.unit_id
    # the page was stale: the same re-map again is a conflict, not a silent overwrite
    again = _remap(http, lab1, target_unit=lab2.unit_id)
    assert again.status_code == 409


def test_teacher_remaps_the_course_to_another_class_they_teach(stack):
    org = make_org(auto_map=False)
    old = launch(claims("t-1", INSTRUCTOR, context_id="c1", link_id="l1"), org)
    target = launch(
        claims("t-1", INSTRUCTOR, context_id="c2", context_title="Target", link_id="l2"), org
    )
    launch(claims("t-2", INSTRUCTOR, context_id="c3", context_title="Not mine", link_id="l3"), org)
    http = Client(stack.ports.tool_url)
    page = http.request("GET", f"/app/classes/{old.class_id}/units/{old.unit_id}", old.token)
    assert "Target" in page.text and "Not mine" not in page.text
    refused = _remap(http, old, target_class="cls_not_mine")
    assert refused.status_code == 400
    done = _remap(http, old, target_class=target.class_id)
    assert done.status_code == 200 and "Target" in done.text
    # students now enter the target class; the old activity is not set up there yet
    assert launch(claims("s-1", LEARNER, context_id="c1", link_id="l1"), org).entry == NotSetUp(
        "activity"
    )
    teacher_again = launch(claims("t-1", INSTRUCTOR, context_id="c1", link_id="l1"), org)
    assert teacher_again.class_id == target.class_id
    assert teacher_again.unit_id != old.unit_id
    student = launch(claims("s-1", LEARNER, context_id="c1", link_id="l1"), org)
    assert (student.class_id, student.unit_id) == (target.class_id, teacher_again.unit_id)


def test_remap_without_a_choice_is_400(stack):
    org = make_org()
    teacher = launch(claims("t-1", INSTRUCTOR), org)
    assert _remap(Client(stack.ports.tool_url), teacher).status_code == 400
