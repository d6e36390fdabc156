"""Who may sync a roster, and what a sync may touch: only its own class, only its own
registration's people, only with its own registration's token. A refused request writes
nothing."""

from __future__ import annotations

import pytest

from coursebridge.lti.tool_config import forget_cached_config
from coursebridge.store.members import Member, MemberStore
from coursebridge.store.orgs import Org, OrgStore
from coursebridge.store.platforms import PlatformRegistration, PlatformStore
from coursebridge.store.roster import RosterSource, RosterSourceStore
from tests.integration.roster_support import land, members_by_sub, stored_but_tokens, sync
from tests.integration.stored import everything_stored

pytestmark = pytest.mark.integration


@pytest.fixture
def roster(tool):
    roster = tool.lms.nrps()
    saved = {cid: dict(members) for cid, members in roster.rosters.items()}
    yield roster
    roster.rosters = saved


@pytest.mark.parametrize("person", ["student", "mentor", "anonymous"])
def test_only_a_teacher_of_the_class_may_sync(tool, roster, person):
    teacher = land(tool)
    other = land(tool, person)
    before = everything_stored()
    response = sync(tool, other, class_id=teacher.class_id)
    assert response.status_code == 403, response.text
    assert everything_stored() == before


def test_a_teacher_of_another_class_is_refused_before_anything_is_read(tool, roster):
    teacher = land(tool)
    elsewhere = land(tool, course="bio-next")  # another class (a copy of this one)
    before = everything_stored()
    requests_before = roster.requests
    response = sync(tool, elsewhere, class_id=teacher.class_id)
    assert response.status_code == 403
    assert "another course" in response.json()["error"]
    assert everything_stored() == before
    assert roster.requests == requests_before  # the LMS was not asked either


def test_a_teacher_may_sync_from_the_picker_or_another_activity_of_the_class(tool, roster):
    land(tool)
    picker = land(tool, message_type="LtiDeepLinkingRequest")
    assert picker.unit_id is None
    assert sync(tool, picker).status_code == 200
    other_activity = land(tool, activity="photosynthesis")
    assert sync(tool, other_activity).status_code == 200


def test_members_of_another_registration_are_never_marked_as_left(tool, roster):
    teacher = land(tool)
    MemberStore().enroll(
        Member(
            class_id=teacher.class_id,
            account_id="acc_from_elsewhere",
            role="STUDENT",
            sub="demo-student",  # the same sub, vouched for by another registration
            issuer="https://other-lms.example",
            registration_id="reg_other",
            name="Someone Else",
        )
    )
    roster.rosters["demo-course-101"].pop("demo-student")
    result = sync(tool, teacher).json()
    assert result["deactivated"] == 0
    assert MemberStore().get(teacher.class_id, "acc_from_elsewhere").active


def test_a_removed_registration_is_not_read_and_nothing_changes(tool, roster):
    teacher = land(tool)
    config = tool.lms.config()
    PlatformStore().remove(config["issuer"], config["client_id"])
    forget_cached_config()
    before = stored_but_tokens()
    response = sync(tool, teacher)
    assert response.status_code in (401, 403, 502)
    assert stored_but_tokens() == before


def test_a_roster_source_naming_another_organizations_registration_is_never_read(tool, roster):
    teacher = land(tool)
    OrgStore().create(Org(org_id="beta", name="Beta"))
    theirs = PlatformRegistration(
        issuer=tool.lms.platform.issuer,
        client_id="beta-client",
        deployment_ids=["dep-b"],
        auth_login_url=f"{tool.lms.base_url}/auth",
        auth_token_url=f"{tool.lms.base_url}/token",
        jwks_url=f"{tool.lms.base_url}/jwks",
        org_id="beta",
    )
    PlatformStore().add(theirs)
    for source in RosterSourceStore().of_class(teacher.class_id):
        RosterSourceStore().delete(source)
    RosterSourceStore().put(  # as if written for this class with beta's registration
        RosterSource(
            class_id=teacher.class_id,
            org_id="beta",
            registration_id=theirs.registration_id,
            issuer=theirs.issuer,
            client_id=theirs.client_id,
            deployment_id="dep-b",
            context_id="demo-course-101",
            memberships_url=f"{tool.lms.base_url}/nrps/demo-course-101/memberships",
        )
    )
    requests_before = roster.requests
    before = stored_but_tokens()
    response = sync(tool, teacher)
    assert response.status_code == 502
    assert roster.requests == requests_before
    assert stored_but_tokens() == before


def test_a_sync_touches_only_its_own_class(tool, roster):
    teacher = land(tool)
    copy_teacher = land(tool, course="bio-next")
    land(tool, "student", course="bio-next")
    theirs = members_by_sub(copy_teacher.class_id)
    roster.rosters["demo-course-101"].pop("demo-student")
    sync(tool, teacher)
    assert members_by_sub(copy_teacher.class_id) == theirs
