"""The account rules of a launch against DynamoDB Local: one row per rule.

Each row is a scenario: it sets up what exists, launches through
``resolve_launch_account`` and asserts what the user gets and what the table holds.
"""

from __future__ import annotations

from collections.abc import Callable

import pytest

from coursebridge.accounts.resolve import (
    Entered,
    TrialBlocked,
    VerificationRequired,
    resolve_launch_account,
)
from coursebridge.accounts.verification import Verifications
from coursebridge.store import keys
from coursebridge.store.accounts import AccountStore
from coursebridge.store.dynamo import users_table
from tests.integration.accounts_support import (
    INSTRUCTOR,
    LEARNER,
    MENTOR,
    OTHER_ISSUER,
    FakeMailer,
    all_accounts,
    audit_actions,
    email_claims,
    launch,
    link_target,
    links_of,
    make_account,
    make_org,
)

pytestmark = pytest.mark.integration

ROWS: list[Callable[[], None]] = []


def row(scenario: Callable[[], None]) -> Callable[[], None]:
    ROWS.append(scenario)
    return scenario


def resolve(claims, org, mailer: FakeMailer | None = None):
    return resolve_launch_account(
        claims, org, verifications=Verifications(mailer=mailer or FakeMailer())
    )


# ------------------------------------------------------------------ rule 1: known link
@row
def known_link_is_the_same_account():
    org = make_org()
    first = resolve(launch("u1"), org)
    second = resolve(launch("u1", email="ada@example.edu"), org)
    assert isinstance(first, Entered) and isinstance(second, Entered)
    assert first.account.account_id == second.account.account_id
    assert len(all_accounts()) == 1 and len(links_of()) == 1
    assert audit_actions("acme") == ["created"]  # nothing changed the second time


@row
def known_link_copies_a_name_change():
    org = make_org()
    first = resolve(launch("u1"), org)
    second = resolve(launch("u1", given_name="Ada", family_name="King", name="Ada King"), org)
    stored = AccountStore().get(first.account.account_id, consistent=True)
    assert (stored.first_name, stored.last_name, stored.display_name) == ("Ada", "King", "Ada King")
    assert second.account.name == "Ada King"
    assert audit_actions("acme") == ["created", "updated"]


@row
def known_link_moves_a_changed_email_with_its_claim():
    org = make_org()
    first = resolve(launch("u1", email="ada@old.edu"), org)
    second = resolve(launch("u1", email="Ada@New.edu"), org)
    account_id = first.account.account_id
    assert second.account.email == "ada@new.edu"
    assert AccountStore().get(account_id, consistent=True).email == "ada@new.edu"
    assert email_claims() == {"ada@new.edu": account_id}  # old claim gone, new one held
    # The old address is free again: someone else can have it.
    other = resolve(launch("u2", email="ada@old.edu", name="Other"), org)
    assert other.account.email == "ada@old.edu"


@row
def known_link_keeps_the_email_when_another_account_holds_it():
    org = make_org()
    holder = make_account("taken@example.edu", first_name="Holder")
    first = resolve(launch("u1", email="ada@example.edu"), org)
    second = resolve(launch("u1", email="taken@example.edu"), org)
    assert isinstance(second, Entered)
    assert second.account.email == "ada@example.edu"
    assert AccountStore().get(first.account.account_id, consistent=True).email == (
        "ada@example.edu"
    )
    assert email_claims() == {
        "taken@example.edu": holder.account_id,
        "ada@example.edu": first.account.account_id,
    }
    assert audit_actions("acme") == ["created", "email-kept"]
    resolve(launch("u1", email="taken@example.edu"), org)  # logged once, not at every launch
    assert audit_actions("acme") == ["created", "email-kept"]


@row
def known_link_to_a_deleted_account_starts_over():
    org = make_org()
    first = resolve(launch("u1"), org)
    users_table().delete_item(Key=keys.account(first.account.account_id))
    users_table().delete_item(Key=keys.email_claim("ada@example.edu"))
    second = resolve(launch("u1"), org)
    assert second.account.account_id != first.account.account_id
    assert link_target("u1") == second.account.account_id


@row
def same_issuer_and_sub_from_another_registration_is_another_person():
    """Two organizations register the same issuer (Canvas cloud): a ``sub`` vouched for by
    one registration never reaches the links of the other."""
    home, other = make_org("home"), make_org("other")
    first = resolve(launch("u1", registration_id="reg_home"), home)
    second = resolve(launch("u1", email="mallory@example.org", registration_id="reg_other"), other)
    assert second.account.account_id != first.account.account_id
    kept = AccountStore().get(first.account.account_id, consistent=True)
    assert (kept.orgs, kept.email) == ({"home"}, "ada@example.edu")


@row
def an_lms_never_changes_the_email_of_an_account_shared_with_another_org():
    """The address other organizations reach the person at is not one LMS's to move."""
    home, _ = make_org("home"), make_org("other")
    account_id = resolve(launch("u1"), home).account.account_id
    users_table().update_item(  # the person confirmed joining "other" too
        Key=keys.account(account_id),
        UpdateExpression="ADD orgs :other",
        ExpressionAttributeValues={":other": {"other"}},
    )
    again = resolve(launch("u1", email="moved@attacker.example"), home)
    assert isinstance(again, Entered) and again.account.email == "ada@example.edu"
    assert AccountStore().get(account_id, consistent=True).email == "ada@example.edu"
    assert email_claims() == {"ada@example.edu": account_id}
    assert audit_actions("home") == ["created", "email-kept"]


@row
def an_lms_still_copies_an_email_change_onto_an_account_of_its_org_alone():
    home = make_org("home")
    account_id = resolve(launch("u1"), home).account.account_id
    resolve(launch("u1", email="ada@new.example"), home)
    assert AccountStore().get(account_id, consistent=True).email == "ada@new.example"


# ------------------------------------------------------------------ rule 2: teachers
@row
def unknown_teacher_matching_a_member_is_linked():
    org = make_org()
    member = make_account("Grace@Example.edu", first_name="Grace", orgs={"acme"})
    outcome = resolve(launch("t1", roles=[INSTRUCTOR], email="  GRACE@example.EDU "), org)
    assert isinstance(outcome, Entered) and outcome.role == "TEACHER"
    assert outcome.account.account_id == member.account_id
    assert link_target("t1") == member.account_id
    assert len(all_accounts()) == 1
    assert audit_actions("acme") == ["linked"]


@row
def unknown_teacher_matching_a_non_member_must_verify():
    make_org("elsewhere")
    org = make_org()
    holder = make_account("grace@example.edu", orgs={"elsewhere"})
    mailer = FakeMailer()
    outcome = resolve(launch("t1", roles=[INSTRUCTOR], email="grace@example.edu"), org, mailer)
    assert outcome == VerificationRequired("grace@example.edu")
    assert link_target("t1") is None  # nothing linked before the click
    assert AccountStore().get(holder.account_id, consistent=True).orgs == {"elsewhere"}
    (email,) = mailer.sent
    assert email.to == "grace@example.edu" and "/app/verify?token=" in email.text
    assert audit_actions("acme") == ["verification-sent"]


@row
def unknown_teacher_without_an_account_gets_a_new_one():
    org = make_org()
    outcome = resolve(launch("t1", roles=[INSTRUCTOR], email="new@example.edu"), org)
    assert isinstance(outcome, Entered) and outcome.role == "TEACHER"
    assert outcome.account.is_teacher and outcome.account.email == "new@example.edu"
    assert email_claims() == {"new@example.edu": outcome.account.account_id}
    assert link_target("t1") == outcome.account.account_id


# ------------------------------------------------------------------ rule 3: students
@row
def unknown_student_gets_a_new_account_even_if_the_email_exists():
    org = make_org()
    existing = make_account("ada@example.edu", orgs={"acme"})
    outcome = resolve(launch("s1", email="ada@example.edu"), org)
    assert isinstance(outcome, Entered) and outcome.role == "STUDENT"
    assert outcome.account.account_id != existing.account_id
    assert outcome.account.email is None  # created without the held email
    assert email_claims() == {"ada@example.edu": existing.account_id}
    assert len(all_accounts()) == 2


@row
def unknown_student_claims_a_free_email():
    org = make_org()
    outcome = resolve(launch("s1", email="ada@example.edu"), org)
    assert email_claims() == {"ada@example.edu": outcome.account.account_id}
    assert AccountStore().get(outcome.account.account_id).orgs == {"acme"}


@row
def student_id_field_links_an_unlinked_csv_account():
    org = make_org(schools=["s-north", "s-south"], student_id_field="student_id")
    csv = make_account(
        "pupil@school.edu", source="csv", schools={"s-south"}, issued_ids={"s-south": "A-17"}
    )
    outcome = resolve(launch("s1", email="pupil@lms.edu", custom={"student_id": "A-17"}), org)
    assert outcome.account.account_id == csv.account_id
    stored = AccountStore().get(csv.account_id, consistent=True)
    assert stored.linked_at is not None and stored.student_id == "A-17" and "acme" in stored.orgs
    assert len(all_accounts()) == 1
    # A second LMS user with the same value cannot take the now-linked account.
    other = resolve(launch("s2", email=None, custom={"student_id": "A-17"}), org)
    assert other.account.account_id != csv.account_id


@row
def student_id_field_ignores_non_csv_and_other_orgs_accounts():
    make_org("other", schools=["s-other"])
    org = make_org(schools=["s-north"], student_id_field="student_id")
    lti_made = make_account(None, source="lti", issued_ids={"s-north": "B-1"})
    other_org = make_account(None, source="csv", issued_ids={"s-other": "C-1"})
    for sub, value in (("s1", "B-1"), ("s2", "C-1")):
        outcome = resolve(launch(sub, email=None, custom={"student_id": value}), org)
        assert outcome.account.account_id not in {lti_made.account_id, other_org.account_id}


@row
def student_id_field_value_is_stored_on_the_account():
    org = make_org(student_id_field="student_id")
    first = resolve(launch("s1", custom={"student_id": " 0042 "}), org)
    assert AccountStore().get(first.account.account_id).student_id == "0042"
    resolve(launch("s1", custom={"student_id": "0043"}), org)
    assert AccountStore().get(first.account.account_id, consistent=True).student_id == "0043"


# ------------------------------------------------------------------ rules 4-6
@row
def anonymous_student_gets_a_generated_name():
    org = make_org()
    claims = launch("anon-1", email=None, name=None, given_name=None, family_name=None)
    first = resolve(claims, org)
    assert first.account.display_name.startswith("Anonymous ")
    assert first.account.email is None
    again = resolve(claims, org)
    assert again.account.account_id == first.account.account_id


@row
def anonymous_launch_without_sub_is_an_unlinked_account():
    org = make_org()
    claims = launch(None, email=None, name=None, given_name=None, family_name=None)
    outcome = resolve(claims, org)
    assert isinstance(outcome, Entered) and outcome.account.name.startswith("Anonymous ")
    assert links_of() == []


@row
def trial_org_blocks_students_and_creates_nothing():
    org = make_org(trial=True)
    assert resolve(launch("s1"), org) == TrialBlocked()
    assert users_table().scan()["Items"] == []


@row
def trial_org_lets_teachers_in():
    org = make_org(trial=True)
    outcome = resolve(launch("t1", roles=[INSTRUCTOR]), org)
    assert isinstance(outcome, Entered) and outcome.role == "TEACHER"


@row
def lms_accounts_have_no_password():
    org = make_org()
    for sub, roles in (("s1", [LEARNER]), ("t1", [INSTRUCTOR])):
        outcome = resolve(launch(sub, roles=roles, email=f"{sub}@example.edu"), org)
        item = users_table().get_item(Key=keys.account(outcome.account.account_id))["Item"]
        assert "passwordHash" not in item and not item["mustChangePassword"]


# ------------------------------------------------------------------ roles
@row
def roles_are_re_applied_at_every_launch():
    org = make_org()
    assert resolve(launch("u1", roles=[LEARNER]), org).role == "STUDENT"
    promoted = resolve(launch("u1", roles=[INSTRUCTOR]), org)
    assert (promoted.role, promoted.read_only) == ("TEACHER", False)
    assert AccountStore().get(promoted.account.account_id, consistent=True).is_teacher
    assert resolve(launch("u1", roles=[LEARNER]), org).role == "STUDENT"


@row
def mentor_is_a_read_only_teacher_scoped_to_mentees():
    org = make_org()
    scoped = resolve(launch("m1", roles=[MENTOR], role_scope_mentor=["s1", "s2"]), org)
    assert (scoped.role, scoped.read_only, scoped.mentee_subs) == ("TEACHER", True, ("s1", "s2"))
    unscoped = resolve(launch("m1", roles=[MENTOR]), org)
    assert unscoped.mentee_subs is None
    assert not AccountStore().get(scoped.account.account_id, consistent=True).is_teacher


@row
def the_same_sub_on_another_platform_is_another_person():
    org = make_org()
    first = resolve(launch("u1", email=None), org)
    second = resolve(launch("u1", email=None, issuer=OTHER_ISSUER), org)
    assert first.account.account_id != second.account.account_id


@pytest.mark.parametrize("scenario", ROWS, ids=[r.__name__ for r in ROWS])
def test_account_rule(stack, scenario):
    scenario()
