"""The door of every class route (web/authz.py), with in-memory stores: a change on the
cookie alone must be JSON (CSRF), a session acts only where it was launched (decided
before anything is read), the class and unit must be the organization's, and only a
current member with the route's role gets in."""

from __future__ import annotations

import pytest

from coursebridge.sessions import Session
from coursebridge.store.classes import ClassRecord, UnitRecord
from coursebridge.store.members import Member
from coursebridge.web import authz
from coursebridge.web.errors import Forbidden, NotFound, NotSignedIn

CLASS = ClassRecord(class_id="cls_1", org_id="org", title="Cells")
UNIT = UnitRecord(unit_id="unt_1", class_id="cls_1", org_id="org", title="Unit 1")
OTHER_ORGS = ClassRecord(class_id="cls_2", org_id="other", title="Atoms")
STRAY_UNIT = UnitRecord(unit_id="unt_9", class_id="cls_2", org_id="other", title="Unit 9")
CSRF = "changes need the session as 'Authorization: Bearer <token>' or a JSON request"


class Store:
    """ClassStore and MemberStore over constants, counting every read."""

    reads: list[str] = []
    members: dict[str, Member] = {}

    def get_class(self, class_id: str) -> ClassRecord | None:
        self.reads.append(class_id)
        return {c.class_id: c for c in (CLASS, OTHER_ORGS)}.get(class_id)

    def get_unit(self, unit_id: str) -> UnitRecord | None:
        self.reads.append(unit_id)
        return {u.unit_id: u for u in (UNIT, STRAY_UNIT)}.get(unit_id)

    def get(self, class_id: str, account_id: str) -> Member | None:
        self.reads.append(account_id)
        member = self.members.get(account_id)
        return member if member and member.class_id == class_id else None


@pytest.fixture
def store(monkeypatch) -> type[Store]:
    monkeypatch.setattr(Store, "reads", [])
    monkeypatch.setattr(Store, "members", {})
    monkeypatch.setattr(authz, "ClassStore", Store)
    monkeypatch.setattr(authz, "MemberStore", Store)
    monkeypatch.setattr(Member, "is_current", lambda self, now=None: self.confirmed_at == 1)
    return Store


def _session(role="TEACHER", read_only=False, class_id="cls_1", unit_id="unt_1") -> Session:
    return Session(account_id="acc_t", org_id="org", issuer="https://lms.example",
                   deployment_id="d1", role=role, read_only=read_only, class_id=class_id,
                   unit_id=unit_id)  # fmt: skip


def _member(role="TEACHER", read_only=False, confirmed_at=1, mentees=None) -> Member:
    return Member(class_id="cls_1", account_id="acc_t", role=role, read_only=read_only,
                  confirmed_at=confirmed_at, mentee_subs=mentees)  # fmt: skip


# ------------------------------------------------------------------ CSRF
def _event(method: str | None = "POST", **headers: str) -> dict:
    event: dict = {"headers": headers}
    if method is not None:
        event["requestContext"] = {"http": {"method": method}}
    return event


@pytest.mark.parametrize(
    "event",
    [
        pytest.param(_event("GET"), id="a-read"),
        pytest.param(_event("HEAD"), id="head"),
        pytest.param(_event("OPTIONS"), id="a-preflight"),
        pytest.param(_event(None), id="no-method-is-a-read"),
        pytest.param({"requestContext": {"http": {"method": "POST"}}, "headers": None,
                      "body": ""} | {"headers": {"authorization": "Bearer tok"}}, id="bearer"),
        pytest.param(_event("post", authorization="bearer tok"), id="bearer-any-case"),
        pytest.param(_event("PUT", **{"content-type": "application/json"}), id="json-put"),
        pytest.param(_event("PATCH", **{"content-type": "Application/JSON; charset=utf-8"}),
                     id="json-with-charset"),
        pytest.param(_event("DELETE", **{"content-type": " application/json "}), id="json-spaced"),
    ],
)  # fmt: skip
def test_a_read_or_a_change_another_site_cannot_forge_passes(event):
    authz._refuse_cross_site_cookie_write(event)


@pytest.mark.parametrize(
    "event",
    [
        pytest.param(_event("POST"), id="no-content-type"),
        pytest.param({"requestContext": {"http": {"method": "POST"}}}, id="no-headers"),
        pytest.param(_event("post", **{"content-type": "text/plain"}), id="text-plain"),
        pytest.param(_event("PUT", **{"content-type": "application/x-www-form-urlencoded"}),
                     id="a-form"),
        pytest.param(_event("PATCH", **{"content-type": "multipart/form-data"}), id="multipart"),
        pytest.param(_event("DELETE", authorization="Bearer "), id="an-empty-bearer"),
        pytest.param(_event("POST", authorization="Basic abc"), id="not-a-bearer"),
    ],
)  # fmt: skip
def test_a_change_on_the_cookie_alone_must_be_json(event):
    with pytest.raises(Forbidden) as refused:
        authz._refuse_cross_site_cookie_write(event)
    assert refused.value.message == CSRF


def test_a_request_without_a_session_is_not_signed_in(monkeypatch):
    monkeypatch.setattr(authz, "session_from_event", lambda event: None)
    with pytest.raises(NotSignedIn) as refused:
        authz.require_session(_event("GET"))
    assert refused.value.message == "your session is missing or expired: launch the activity again"


def test_a_session_is_returned_only_after_the_csrf_rule(monkeypatch):
    session, read, write = _session(), _event("GET"), _event("POST")
    sessions = {id(read): session, id(write): session}
    monkeypatch.setattr(authz, "session_from_event", lambda event: sessions.get(id(event)))
    assert authz.require_session(read) is session
    with pytest.raises(Forbidden, match="JSON request"):
        authz.require_session(write)


# ------------------------------------------------------------------ ids and scope
@pytest.mark.parametrize(
    ("value", "valid"),
    [("cls_1", True), ("a" * 128, True), ("A-z_0.9:x", True), ("", False), ("a" * 129, False),
     ("cls 1", False), ("cls/1", False), ("cls_1\n", False), ("ü", False)],
)  # fmt: skip
def test_only_our_id_shape_reaches_the_store(value, valid):
    if valid:
        assert authz.require_valid_id(value, "class") == value
        return
    with pytest.raises(NotFound) as refused:
        authz.require_valid_id(value, "class")
    assert refused.value.message == f"no class {value[:40]!r}"


@pytest.mark.parametrize(
    ("session", "class_id", "unit_id", "message"),
    [
        pytest.param(_session(class_id=None), "cls_1", "unt_1", authz.OTHER_COURSE, id="no-class"),
        pytest.param(_session(class_id="cls_2"), "cls_1", "unt_1", authz.OTHER_COURSE,
                     id="another-class"),
        pytest.param(_session(), "cls_1", None, authz.NOT_A_PICKER, id="activity-opens-picker"),
        pytest.param(_session(unit_id=None), "cls_1", "unt_1", authz.PICKER_ONLY,
                     id="picker-opens-activity"),
        pytest.param(_session(), "cls_1", "unt_2", authz.OTHER_ACTIVITY, id="another-activity"),
    ],
)  # fmt: skip
def test_a_session_acts_only_where_it_was_launched_and_reads_nothing_else(
    store, session, class_id, unit_id, message
):
    store.members["acc_t"] = _member()
    with pytest.raises(Forbidden) as refused:
        authz.require_member(session, class_id, unit_id)
    assert refused.value.message == message
    assert store.reads == []


@pytest.mark.parametrize(
    ("class_id", "unit_id", "message"),
    [("bad id", "unt_1", "no class 'bad id'"), ("cls_1", "bad/unit", "no unit 'bad/unit'")],
)
def test_a_malformed_id_is_not_found_before_any_read(store, class_id, unit_id, message):
    with pytest.raises(NotFound) as refused:
        authz.require_member(_session(), class_id, unit_id)
    assert refused.value.message == message
    assert store.reads == []


def test_a_picker_session_opens_its_class_page(store):
    store.members["acc_t"] = _member()
    access = authz.require_member(_session(unit_id=None), "cls_1", None)
    assert (access.cls, access.found_unit) == (CLASS, None)
    with pytest.raises(LookupError):
        access.unit  # noqa: B018


@pytest.mark.parametrize(
    ("session", "class_id", "unit_id", "problem", "message"),
    [
        pytest.param(_session(class_id="cls_3"), "cls_3", "unt_1", NotFound, "no class cls_3",
                     id="no-such-class"),
        pytest.param(_session(class_id="cls_2", unit_id="unt_9"), "cls_2", "unt_9", Forbidden,
                     "this class belongs to another organization", id="another-orgs-class"),
        pytest.param(_session(unit_id="unt_9"), "cls_1", "unt_9", NotFound,
                     "no unit unt_9 in class cls_1", id="a-unit-of-another-class"),
        pytest.param(_session(unit_id="unt_8"), "cls_1", "unt_8", NotFound,
                     "no unit unt_8 in class cls_1", id="no-such-unit"),
    ],
)  # fmt: skip
def test_the_class_and_unit_must_exist_and_be_the_organizations(
    store, session, class_id, unit_id, problem, message
):
    store.members["acc_t"] = _member()
    with pytest.raises(problem) as refused:
        authz.require_member(session, class_id, unit_id)
    assert refused.value.message == message
    assert "acc_t" not in store.reads  # refused before the membership is read


@pytest.mark.parametrize(
    ("member", "message"),
    [
        pytest.param(None, "you are not a member of this class", id="not-a-member"),
        pytest.param(_member(confirmed_at=2), "your LMS has not confirmed your place in this "
                     "class for a long time: open the activity from your LMS again", id="stale"),
    ],
)  # fmt: skip
def test_only_a_current_member_gets_in(store, member, message):
    if member:
        store.members["acc_t"] = member
    with pytest.raises(Forbidden) as refused:
        authz.require_member(_session(), "cls_1", "unt_1")
    assert refused.value.message == message


def test_a_member_gets_the_class_the_unit_and_the_membership(store):
    store.members["acc_t"] = _member()
    access = authz.require_member(_session(), "cls_1", "unt_1")
    assert (access.member, access.cls, access.unit, access.read_only) == (
        _member(), CLASS, UNIT, False
    )  # fmt: skip


@pytest.mark.parametrize(
    ("read_only", "mentees", "scoped"),
    [(True, ("s-1",), True), (True, None, False), (False, ("s-1",), False)],
)
def test_only_a_mentor_whose_launch_named_mentees_is_scoped(store, read_only, mentees, scoped):
    store.members["acc_t"] = _member(read_only=read_only, mentees=mentees)
    assert authz.require_member(_session(), "cls_1", "unt_1").scoped is scoped


# ------------------------------------------------------------------ roles
@pytest.mark.parametrize(
    ("session_role", "member_role", "allowed"),
    [("STUDENT", "STUDENT", True), ("TEACHER", "STUDENT", False), ("STUDENT", "TEACHER", False),
     ("TEACHER", "TEACHER", False)],
)  # fmt: skip
def test_only_a_student_session_of_a_student_membership_has_a_grade(
    store, session_role, member_role, allowed
):
    store.members["acc_t"] = _member(role=member_role)
    if allowed:
        access = authz.require_student(_session(role=session_role), "cls_1", "unt_1")
        assert access.member.role == "STUDENT"
        return
    with pytest.raises(Forbidden) as refused:
        authz.require_student(_session(role=session_role), "cls_1", "unt_1")
    assert refused.value.message == "only students of this class have a grade here"


def test_the_refusals_of_a_teacher_route_say_why(store):
    store.members["acc_t"] = _member(read_only=True)
    with pytest.raises(Forbidden) as mentor:
        authz.require_teacher(_session(), "cls_1", "unt_1")
    assert mentor.value.message == "mentors have read-only access"
    store.members["acc_t"] = _member(role="STUDENT")
    with pytest.raises(Forbidden) as student:
        authz.require_teacher(_session(), "cls_1", "unt_1", write=False)
    assert student.value.message == "only teachers of this class may do this"
