"""The roster sync's rules without AWS: who is new, changed, unchanged or leaving."""

from __future__ import annotations

from coursebridge.classes.roster_rules import listed, plan_roster
from coursebridge.lti.nrps import NrpsMember
from coursebridge.store.members import Member
from coursebridge.store.orgs import Org

LIS = "http://purl.imsglobal.org/vocab/lis/v2/membership#"
ORG = Org(org_id="acme", name="Acme", student_id_field="student_id")
REG = "reg_a"


def _entry(user_id: str, role: str = "Learner", **kw) -> NrpsMember:
    return NrpsMember(
        user_id=user_id,
        roles=[LIS + role],
        name=kw.pop("name", user_id.title()),
        email=kw.pop("email", f"{user_id}@school.example"),
        **kw,
    )


def _member(sub: str | None, **kw) -> Member:
    values = {
        "class_id": "cls_1",
        "account_id": f"acc_{sub}",
        "role": "STUDENT",
        "sub": sub,
        "registration_id": REG,
        "name": (sub or "").title(),
        "email": f"{sub}@school.example",
        "confirmed_at": 1,
    }
    values.update(kw)
    return Member(**values)


def test_new_changed_unchanged_and_leaving():
    members = [_member("ann"), _member("bob"), _member("cal")]
    roster = [_entry("ann"), _entry("bob", name="Robert"), _entry("dee")]
    plan = plan_roster(members, {REG: roster}, ORG)
    assert [p.entry.user_id for p in plan.new] == ["dee"]
    assert [(c.member.sub, c.values) for c in plan.changed] == [("bob", {"name": "Robert"})]
    assert plan.unchanged == 1
    assert [m.sub for m in plan.leaving] == ["cal"]


def test_what_the_roster_does_not_say_is_no_change():
    plan = plan_roster([_member("ann")], {REG: [_entry("ann", name=None, email=None)]}, ORG)
    assert (plan.changed, plan.unchanged) == ([], 1)


def test_a_role_change_and_a_mentor():
    members = [_member("ann"), _member("tom")]
    roster = [_entry("ann", "Instructor"), _entry("tom", "Mentor")]
    plan = plan_roster(members, {REG: roster}, ORG)
    assert {c.member.sub: c.values for c in plan.changed} == {
        "ann": {"role": "TEACHER"},
        "tom": {"role": "TEACHER", "readOnly": True},
    }


def test_a_listed_member_who_had_left_is_reactivated():
    plan = plan_roster([_member("ann", left_at=5)], {REG: [_entry("ann")]}, ORG)
    [change] = plan.changed
    assert change.values == {"leftAt": None}
    assert change.reactivates and not change.profile_changed


def test_an_inactive_status_is_leaving_and_a_leaver_is_not_left_again():
    members = [_member("ann"), _member("bob", left_at=5)]
    plan = plan_roster(members, {REG: [_entry("ann", status="Inactive")]}, ORG)
    assert [m.sub for m in plan.leaving] == ["ann"]
    assert plan.new == []


def test_other_registrations_anonymous_members_and_the_syncing_teacher_stay():
    members = [
        _member("ann", registration_id="reg_b"),
        _member(None, account_id="acc_anon"),
        _member("teacher", role="TEACHER"),
    ]
    plan = plan_roster(members, {REG: []}, ORG, keep={"acc_teacher"})
    assert plan.leaving == []


def test_a_registration_not_read_has_nobody_leaving():
    plan = plan_roster([_member("ann")], {}, ORG)
    assert plan.leaving == [] and plan.new == []


def test_students_are_never_matched_by_email():
    members = [_member("ann", email="shared@school.example")]
    plan = plan_roster(members, {REG: [_entry("zed", email="shared@school.example")]}, ORG)
    assert [p.entry.user_id for p in plan.new] == ["zed"]
    assert [m.sub for m in plan.leaving] == ["ann"]


def test_listed_cleans_like_a_launch():
    entry = NrpsMember(
        user_id="u1",
        roles=["Learner"],
        given_name="  Ada\u202e ",
        family_name="Lovelace",
        email=" Ada@Example.ORG ",
        custom={"student_id": " S-1 "},
    )
    person = listed(REG, entry, ORG)
    assert (person.name, person.email, person.student_id, person.role) == (
        "Ada Lovelace",
        "ada@example.org",
        "S-1",
        "STUDENT",
    )
    assert listed(REG, entry, Org(org_id="x", name="X")).student_id is None
