"""Role policy at the door (web/authz.py), with in-memory stores: a session acts only
where it was launched, and the membership and the session together decide read-only
(either one makes it read-only; a session can narrow a membership, never widen it)."""

from __future__ import annotations

import pytest

from coursebridge.sessions import Session
from coursebridge.store.classes import ClassRecord, UnitRecord
from coursebridge.store.dynamo import now_epoch
from coursebridge.store.members import Member
from coursebridge.web import authz
from coursebridge.web.errors import Forbidden

CLASS = ClassRecord(class_id="cls_1", org_id="org", title="Cells")
UNIT = UnitRecord(unit_id="unt_1", class_id="cls_1", org_id="org", title="Unit 1")


class Classes:
    def get_class(self, class_id: str) -> ClassRecord | None:
        return CLASS if class_id == CLASS.class_id else None

    def get_unit(self, unit_id: str) -> UnitRecord | None:
        return UNIT if unit_id == UNIT.unit_id else None


@pytest.fixture
def members(monkeypatch) -> dict[str, Member]:
    stored: dict[str, Member] = {}

    class Members:
        def get(self, class_id: str, account_id: str) -> Member | None:
            member = stored.get(account_id)
            return member if member and member.class_id == class_id else None

    monkeypatch.setattr(authz, "ClassStore", Classes)
    monkeypatch.setattr(authz, "MemberStore", Members)
    monkeypatch.setattr(Member, "is_current", lambda self, now=None: True)
    return stored


def _session(read_only: bool, role: str = "TEACHER") -> Session:
    return Session(account_id="acc_t", org_id="org", issuer="https://lms.example",
                   deployment_id="d1", role=role, read_only=read_only,
                   class_id=CLASS.class_id, unit_id=UNIT.unit_id)  # fmt: skip


def _member(read_only: bool, role: str = "TEACHER") -> Member:
    return Member(class_id=CLASS.class_id, account_id="acc_t", role=role, read_only=read_only,
                  confirmed_at=now_epoch())  # fmt: skip


@pytest.mark.parametrize(
    ("membership_read_only", "session_read_only", "read_only"),
    [
        pytest.param(False, False, False, id="full-teacher"),
        pytest.param(True, False, True, id="mentor-membership-with-a-full-session"),
        pytest.param(False, True, True, id="full-membership-with-a-mentor-session"),
        pytest.param(True, True, True, id="mentor"),
    ],
)
def test_read_only_is_the_memberships_or_the_sessions(
    members, membership_read_only, session_read_only, read_only
):
    members["acc_t"] = _member(membership_read_only)
    session = _session(session_read_only)
    access = authz.require_teacher(session, CLASS.class_id, UNIT.unit_id, write=False)
    assert access.read_only is read_only
    if read_only:
        with pytest.raises(Forbidden):
            authz.require_teacher(session, CLASS.class_id, UNIT.unit_id)
    else:
        assert authz.require_teacher(session, CLASS.class_id, UNIT.unit_id).read_only is False


@pytest.mark.parametrize(
    ("member_role", "session_role"),
    [("STUDENT", "TEACHER"), ("TEACHER", "STUDENT"), ("STUDENT", "STUDENT")],
)
def test_only_a_teacher_session_of_a_teacher_membership_teaches(members, member_role, session_role):
    members["acc_t"] = _member(False, member_role)
    with pytest.raises(Forbidden, match="only teachers"):
        authz.require_teacher(_session(False, session_role), CLASS.class_id, UNIT.unit_id)


def test_a_session_without_a_membership_is_refused(members):
    with pytest.raises(Forbidden, match="not a member"):
        authz.require_member(_session(False), CLASS.class_id, UNIT.unit_id)
