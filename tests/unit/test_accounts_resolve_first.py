"""The account of a first launch (accounts/resolve.py), over an in-memory users table:
a teacher is matched by email, a student always gets a new account (or the org's CSV
account its studentIdField names), a launch without a stable id gets an unlinked account,
and a trial org turns students away before anything is written."""

from __future__ import annotations

import pytest

from coursebridge.accounts.outcomes import Entered, TrialBlocked, VerificationRequired
from coursebridge.accounts.profile import anonymous_name
from tests.unit.accounts_launch import (
    ACME,
    CSV_ORG,
    LEARNER,
    MENTOR,
    TRIAL,
    Mailbox,
    account,
    claims,
    resolve,
    teacher,
    the_link,
)
from tests.unit.fake_accounts import World

pytestmark = pytest.mark.usefixtures("table_settings")


def test_a_trial_org_turns_a_student_away_before_anything_is_written():
    world = World()
    before = world.snapshot()
    assert resolve(world, claims(), TRIAL) == TrialBlocked()
    assert world.snapshot() == before


def test_a_trial_org_lets_a_teacher_in():
    outcome = resolve(World(), teacher(), TRIAL)
    assert isinstance(outcome, Entered) and outcome.role == "TEACHER"


@pytest.mark.parametrize(
    ("held_by_another", "account_email"),
    [
        pytest.param(False, "ann@school.edu", id="a-free-email-is-claimed"),
        pytest.param(True, None, id="a-held-email-stays-with-its-holder"),
    ],
)
def test_an_unknown_student_always_gets_a_new_linked_account(held_by_another, account_email):
    world = World()
    if held_by_another:
        world.add(account("acc_other", email="ann@school.edu", orgs={"acme"}))
    outcome = resolve(world, claims(email="Ann@School.edu"))
    assert isinstance(outcome, Entered)
    new = world.accounts[outcome.account.account_id]
    assert outcome.account.account_id != "acc_other"
    assert (new.email, new.first_name, new.last_name, new.display_name) == (
        account_email, "Ann", "Lee", "Ann Lee"
    )  # fmt: skip
    assert (new.orgs, new.is_teacher, new.source, new.student_id) == ({"acme"}, False, "lti", None)
    assert world.emails["ann@school.edu"] == ("acc_other" if held_by_another else new.account_id)
    assert (outcome.role, outcome.read_only, outcome.mentee_subs) == ("STUDENT", False, None)
    link = the_link(world)
    assert (link.account_id, link.org_id, link.issuer, link.deployment_id) == (
        new.account_id, "acme", "https://lms.example", "dep-1"
    )  # fmt: skip
    assert (link.lms_email, link.lms_given_name, link.lms_name) == (
        "ann@school.edu", "Ann", "Ann Lee"
    )  # fmt: skip
    [record] = world.audit
    assert (record.action, record.account_id, record.org_id) == ("created", new.account_id, "acme")
    assert record.details == ({"email": "ann@school.edu"} if account_email else {})
    assert record.actor == "https://lms.example client-1 sub-1"
    assert record.launch_id == "launch-1"


@pytest.mark.parametrize(
    ("fields", "display_name", "anonymous"),
    [
        pytest.param({}, "Ann Lee", None, id="named"),
        pytest.param({"given_name": None, "family_name": None, "name": None}, None, None,
                     id="email-only-gets-a-generated-name"),
        pytest.param({"given_name": None, "family_name": None, "name": None, "email": None},
                     None, "True", id="no-email-no-name-is-anonymous"),
    ],
)  # fmt: skip
def test_a_launch_without_a_name_gets_a_generated_display_name(fields, display_name, anonymous):
    world = World()
    outcome = resolve(world, claims(**fields))
    created = world.accounts[outcome.account.account_id]
    assert created.display_name == (display_name or anonymous_name(created.account_id))
    assert created.display_name.startswith("Anonymous ") is (display_name is None)
    assert world.audit[0].details.get("anonymous") == anonymous


def test_a_launch_without_a_stable_id_gets_an_account_that_is_neither_linked_nor_claims():
    world = World()
    outcome = resolve(world, claims(sub=None, email="ann@school.edu"))
    assert isinstance(outcome, Entered)
    created = world.accounts[outcome.account.account_id]
    assert (created.email, created.display_name) == (None, "Ann Lee")
    assert (world.links, world.emails) == ({}, {})
    [item] = world.extra_items
    assert (item["action"], item["accountId"]) == ("created", created.account_id)
    assert item["actor"] == "https://lms.example client-1 (no sub)"


def test_an_anonymous_launch_without_a_stable_id_is_audited_as_anonymous():
    world = World()
    anonymous = {"given_name": None, "family_name": None, "name": None, "email": None}
    outcome = resolve(world, claims(sub=None, **anonymous))
    assert outcome.account.display_name == anonymous_name(outcome.account.account_id)
    assert world.extra_items[0]["details"] == {"anonymous": "True"}


# ------------------------------------------------------------------ teachers
def test_an_unknown_teacher_whose_email_nobody_holds_gets_a_new_teacher_account():
    world = World()
    outcome = resolve(world, teacher())
    created = world.accounts[outcome.account.account_id]
    assert (created.email, created.is_teacher) == ("ann@school.edu", True)
    assert world.emails == {"ann@school.edu": created.account_id}
    assert (outcome.role, outcome.read_only) == ("TEACHER", False)
    assert the_link(world).account_id == created.account_id


def test_an_unknown_teacher_without_email_gets_a_new_account():
    world = World()
    outcome = resolve(world, teacher(email=None))
    assert world.accounts[outcome.account.account_id].email is None
    assert the_link(world).account_id == outcome.account.account_id


@pytest.mark.parametrize(
    ("holder_orgs", "holder_is_teacher", "made_teacher"),
    [
        pytest.param({"acme"}, False, True, id="a-member-becomes-a-teacher-account"),
        pytest.param({"acme", "beta"}, True, True, id="a-teacher-member-stays-one"),
    ],
)
def test_an_unknown_teacher_holding_a_members_email_is_linked_to_that_account(
    holder_orgs, holder_is_teacher, made_teacher
):
    world = World()
    world.add(account("acc_ann", email="ann@school.edu", orgs=holder_orgs,
                      is_teacher=holder_is_teacher))  # fmt: skip
    outcome = resolve(world, teacher(email="ANN@school.edu"))
    assert isinstance(outcome, Entered)
    assert outcome.account.account_id == "acc_ann"
    assert (outcome.account.is_teacher, outcome.account.orgs) == (made_teacher, holder_orgs)
    stored = world.accounts["acc_ann"]
    assert (stored.is_teacher, stored.linked_at is not None) == (made_teacher, True)
    assert the_link(world).account_id == "acc_ann"
    assert [(r.action, r.details) for r in world.audit] == [("linked", {"matched": "email"})]
    assert len(world.accounts) == 1


def test_an_unknown_teacher_holding_another_orgs_email_must_verify_it_first():
    world = World()
    world.add(account("acc_ann", email="ann@school.edu", orgs={"beta"}))
    before = world.snapshot()
    mailbox = Mailbox()
    outcome = resolve(world, teacher(), mailbox=mailbox)
    assert outcome == VerificationRequired("ann@school.edu")
    assert mailbox.started == [
        ("launch-1", "acme", "acc_ann", "ann@school.edu", "https://tool.example")
    ]
    assert world.snapshot() == before


def test_an_email_claim_without_its_account_is_not_guessed_at():
    world = World(emails={"ann@school.edu": "acc_gone"})
    outcome = resolve(world, teacher())
    created = world.accounts[outcome.account.account_id]
    assert created.account_id != "acc_gone"
    assert created.email is None
    assert world.emails == {"ann@school.edu": "acc_gone"}
    assert the_link(world).account_id == created.account_id


def test_a_teacher_whose_email_is_claimed_meanwhile_is_matched_to_the_new_holder():
    world = World()
    world.before_next_write(
        lambda: world.add(account("acc_ann", email="ann@school.edu", orgs={"acme"}))
    )
    outcome = resolve(world, teacher())
    assert outcome.account.account_id == "acc_ann"
    assert list(world.accounts) == ["acc_ann"]
    assert the_link(world).account_id == "acc_ann"


def test_a_mentor_enters_read_only_limited_to_the_mentees_named():
    outcome = resolve(World(), claims(roles=[MENTOR], role_scope_mentor=["s-2", "s-3"]))
    assert (outcome.role, outcome.read_only, outcome.mentee_subs) == (
        "TEACHER",
        True,
        ("s-2", "s-3"),
    )
    assert outcome.account.is_teacher is False


# ------------------------------------------------------------------ studentIdField
def _csv_student(account_id: str = "acc_csv", school: str = "south", **fields):
    return account(account_id, **{"source": "csv", "issued_ids": {school: "S-42"}, **fields})


def test_a_student_is_linked_to_the_unlinked_csv_account_its_student_id_names():
    world = World()
    world.add(_csv_student(email="csv@school.edu"))
    outcome = resolve(world, claims(custom={"sis_id": " S-42 "}), CSV_ORG)
    assert outcome.account.account_id == "acc_csv"
    stored = world.accounts["acc_csv"]
    assert (stored.orgs, stored.student_id, stored.linked_at is not None) == (
        {"acme"},
        "S-42",
        True,
    )
    assert outcome.account.orgs == {"acme"} and outcome.account.student_id == "S-42"
    assert (stored.email, world.emails) == ("csv@school.edu", {"csv@school.edu": "acc_csv"})
    assert the_link(world).account_id == "acc_csv"
    assert [(r.action, r.details) for r in world.audit] == [
        ("linked", {"matched": "studentIdField"})
    ]


@pytest.mark.parametrize(
    ("org", "custom", "csv_account"),
    [
        pytest.param(ACME, {"sis_id": "S-42"}, _csv_student(), id="org-without-student-id-field"),
        pytest.param(CSV_ORG, {}, _csv_student(), id="launch-without-the-field"),
        pytest.param(CSV_ORG, {"sis_id": "S-42"}, _csv_student(linked_at=5), id="already-linked"),
        pytest.param(CSV_ORG, {"sis_id": "S-42"}, _csv_student(source="lti"), id="not-from-a-csv"),
        pytest.param(CSV_ORG, {"sis_id": "S-42"}, _csv_student(school="elsewhere"),
                     id="a-school-of-another-org"),
    ],
)  # fmt: skip
def test_a_student_id_that_names_no_unlinked_csv_account_of_the_org_makes_a_new_account(
    org, custom, csv_account
):
    world = World()
    world.add(csv_account)
    outcome = resolve(world, claims(custom=custom), org)
    assert outcome.account.account_id != "acc_csv"
    assert the_link(world).account_id == outcome.account.account_id
    assert world.actions() == ["created"]


def test_a_student_id_matching_csv_accounts_in_two_schools_links_neither():
    world = World()
    world.add(_csv_student("acc_north", school="north"))
    world.add(_csv_student("acc_south", school="south"))
    outcome = resolve(world, claims(custom={"sis_id": "S-42"}), CSV_ORG)
    assert outcome.account.account_id not in {"acc_north", "acc_south"}
    assert world.accounts["acc_north"].linked_at is None is world.accounts["acc_south"].linked_at


def test_a_csv_account_linked_meanwhile_leaves_the_student_a_new_account():
    world = World()
    world.add(_csv_student())
    world.before_next_write(lambda: setattr(world.accounts["acc_csv"], "linked_at", 7))
    outcome = resolve(world, claims(custom={"sis_id": "S-42"}), CSV_ORG)
    assert outcome.account.account_id != "acc_csv"
    assert outcome.account.student_id == "S-42"
    assert the_link(world).account_id == outcome.account.account_id
    assert world.actions() == ["created"]


def test_a_learner_with_a_student_id_but_no_csv_account_keeps_it_on_the_new_account():
    world = World()
    outcome = resolve(world, claims(roles=[LEARNER], custom={"sis_id": "S-9"}), CSV_ORG)
    assert world.accounts[outcome.account.account_id].student_id == "S-9"
