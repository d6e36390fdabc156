"""enter_course on DynamoDB Local: mapping, auto-map, NotSetUp, enrollment, races, AGS info."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from decimal import Decimal

import pytest

from coursebridge.classes.enter import CourseEntry, NotSetUp
from coursebridge.store.classes import ClassStore
from coursebridge.store.deep_links import DeepLinkStore
from coursebridge.store.members import MemberStore
from tests.classroom import INSTRUCTOR, LEARNER, MENTOR, ags, claims, deep_linking, launch, make_org

pytestmark = pytest.mark.integration


def test_first_teacher_launch_creates_class_and_unit_named_after_the_lms(stack):
    org = make_org()
    teacher = launch(claims("t-1", INSTRUCTOR, ags=ags(), custom={"max_score": "50"}), org)
    store = ClassStore()
    cls = store.get_class(teacher.class_id)
    unit = store.get_unit(teacher.unit_id)
    assert (cls.title, cls.org_id) == ("Biology 101", "acme")
    assert (unit.title, unit.class_id, unit.max_score) == ("Lab 1", cls.class_id, Decimal(50))
    assert unit.lineitem == "https://lms.example.edu/lineitems/1"
    assert unit.lineitems == "https://lms.example.edu/lineitems"
    assert unit.ags_scope == ["https://purl.imsglobal.org/spec/lti-ags/scope/score"]
    assert (unit.issuer, unit.client_id, unit.deployment_id, unit.resource_link_id) == (
        "https://lms.example.edu",
        "client-1",
        "dep-1",
        "link-1",
    )


def test_later_launches_reuse_the_mapping_and_students_get_the_same_class(stack):
    org = make_org()
    teacher = launch(claims("t-1", INSTRUCTOR), org)
    student = launch(claims("s-1", LEARNER), org)
    again = launch(claims("t-1", INSTRUCTOR, context_title="Renamed in LMS"), org)
    assert student.entry == teacher.entry == again.entry
    assert ClassStore().get_class(teacher.class_id).title == "Biology 101"


def test_mapping_is_per_deployment(stack):
    org = make_org()
    one = launch(claims("t-1", INSTRUCTOR), org)
    other = launch(claims("t-1", INSTRUCTOR, deployment_id="dep-2"), org)
    assert one.class_id != other.class_id


def test_max_score_from_the_line_item_reader_when_the_launch_names_a_line_item(stack):
    org = make_org()
    seen = []

    def reader(c):
        seen.append(c.ags.lineitem)
        return Decimal("12.5")

    teacher = launch(claims("t-1", INSTRUCTOR, ags=ags()), org, line_item_max=reader)
    assert ClassStore().get_unit(teacher.unit_id).max_score == Decimal("12.5")
    assert seen == ["https://lms.example.edu/lineitems/1"]
    no_ags = launch(claims("t-1", INSTRUCTOR, link_id="link-2"), org, line_item_max=reader)
    assert ClassStore().get_unit(no_ags.unit_id).max_score is None
    assert len(seen) == 1


def test_auto_map_off_students_get_not_set_up_until_a_teacher_launches(stack):
    org = make_org(auto_map=False)
    assert launch(claims("s-1", LEARNER), org).entry == NotSetUp("course")
    assert launch(claims("m-1", MENTOR), org).entry == NotSetUp("course")
    teacher = launch(claims("t-1", INSTRUCTOR), org)
    assert isinstance(teacher.entry, CourseEntry)
    assert launch(claims("s-1", LEARNER, link_id="link-9"), org).entry == NotSetUp("activity")
    student = launch(claims("s-1", LEARNER), org)
    assert student.entry == teacher.entry


def test_auto_map_on_student_first_launch_creates_the_class(stack):
    org = make_org()
    student = launch(claims("s-1", LEARNER), org)
    assert ClassStore().get_class(student.class_id).title == "Biology 101"


def test_enrollment_follows_the_role_of_each_launch_and_stores_profile(stack):
    org = make_org(student_id_field="student_id")
    first = launch(claims("u-1", LEARNER, custom={"student_id": "S-77"}), org)
    member = MemberStore().get(first.class_id, first.account_id)
    assert (member.role, member.sub, member.student_id) == ("STUDENT", "u-1", "S-77")
    assert (member.name, member.email, member.issuer) == (
        "U 1",
        "u-1@school.example",
        "https://lms.example.edu",
    )
    launch(claims("u-1", INSTRUCTOR, name="Dr U"), org)
    member = MemberStore().get(first.class_id, first.account_id)
    assert (member.role, member.read_only, member.name) == ("TEACHER", False, "Dr U")
    launch(claims("u-1", MENTOR), org)
    assert MemberStore().get(first.class_id, first.account_id).read_only is True


def test_concurrent_first_launches_create_one_class_and_one_unit(stack):
    org = make_org()
    launches = [claims(f"t-{i}", INSTRUCTOR) for i in range(8)]
    with ThreadPoolExecutor(max_workers=8) as pool:
        results = list(pool.map(lambda c: launch(c, org), launches))
    assert len({r.class_id for r in results}) == 1
    assert len({r.unit_id for r in results}) == 1
    assert len(ClassStore().units_of_class(results[0].class_id)) == 1
    assert len(MemberStore().members(results[0].class_id)) == 8


def test_deep_link_custom_unit_id_maps_a_new_activity_even_with_auto_map_off(stack):
    org = make_org(auto_map=False)
    teacher = launch(claims("t-1", INSTRUCTOR), org)
    student = launch(
        claims("s-1", LEARNER, link_id="link-new", custom={"unit_id": teacher.unit_id}), org
    )
    assert student.unit_id == teacher.unit_id
    # a unit id of another class is not honoured
    other = launch(claims("t-2", INSTRUCTOR, context_id="course-2"), org)
    foreign = launch(
        claims("s-1", LEARNER, link_id="link-x", custom={"unit_id": other.unit_id}), org
    )
    assert foreign.entry == NotSetUp("activity")


def test_deep_linking_launch_remembers_the_settings_for_the_picker(stack):
    org = make_org()
    teacher = launch(
        claims(
            "t-1", INSTRUCTOR, message_type="LtiDeepLinkingRequest", deep_linking=deep_linking()
        ),
        org,
    )
    assert teacher.entry.unit_id is None
    pending = DeepLinkStore().get(teacher.class_id, teacher.account_id)
    assert pending.settings.data == "opaque-data-123"
    assert pending.settings.deep_link_return_url == "https://lms.example.edu/deep_link_return"
    assert pending.client_id == "client-1"


def test_student_launch_records_a_visit(stack):
    org = make_org()
    launch(claims("t-1", INSTRUCTOR), org)
    student = launch(claims("s-1", LEARNER), org)
    launch(claims("s-1", LEARNER), org)
    visit = MemberStore().visits(student.unit_id)[student.account_id]
    assert visit.launches == 2


def test_changed_ags_details_reach_the_unit_after_unchanged_launches(stack):
    """Unchanged launches skip the unit read (a digest on the activity map); a launch
    whose LMS link details changed still updates the unit."""
    org = make_org()
    first = launch(claims("t-1", INSTRUCTOR, ags=ags()), org)
    launch(claims("s-1", LEARNER, ags=ags()), org)  # same details: nothing to write
    moved = "https://lms.example.edu/lineitems/99"
    launch(claims("s-1", LEARNER, ags=ags(lineitem=moved)), org)
    assert ClassStore().get_unit(first.unit_id).lineitem == moved


def test_student_launch_enrolls_and_records_the_visit_in_one_request(stack):
    org = make_org()
    launch(claims("t-1", INSTRUCTOR), org)
    student = launch(claims("s-1", LEARNER), org)
    member = MemberStore().get(student.class_id, student.account_id)
    assert member.role == "STUDENT"
    assert MemberStore().visits(student.unit_id)[student.account_id].launches == 1


def test_the_units_lms_is_the_launchs_tool_platform_and_follows_it(stack):
    from coursebridge.grades.release_plan import UnitInfo

    org = make_org()
    teacher = launch(claims("t-1", INSTRUCTOR, ags=ags()), org)
    unit = ClassStore().get_unit(teacher.unit_id)
    assert unit.lms_family is None and UnitInfo.of(unit).lms == "generic"
    launch(claims("s-1", LEARNER, ags=ags(), platform_family="canvas"), org)
    unit = ClassStore().get_unit(teacher.unit_id)
    assert unit.lms_family == "canvas" and UnitInfo.of(unit).lms == "canvas"
