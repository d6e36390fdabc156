"""What a launch of a known link copies onto the account (accounts/sync.py), with an
in-memory email index: a change is judged against what the LMS said last time, so a
value set by a CSV import is not overwritten by an LMS that says the same again."""

from __future__ import annotations

import pytest

from coursebridge.accounts.profile import LmsProfile
from coursebridge.accounts.sync import plan_sync
from coursebridge.store.accounts import Account
from coursebridge.store.links import LmsLink
from coursebridge.store.orgs import Org

ORG = Org(org_id="acme", name="Acme")


class Emails:
    """``account_id_for_email`` over a dict: who holds which address."""

    def __init__(self, holders: dict[str, str] | None = None) -> None:
        self.holders = holders or {}

    def account_id_for_email(self, email: str) -> str | None:
        return self.holders.get(email)


def _account(email: str | None, orgs: set[str] | None = None) -> Account:
    return Account(account_id="acc_1", email=email, first_name="Ann", last_name="Lee",
                   display_name="Ann Lee", orgs={"acme"} if orgs is None else orgs)  # fmt: skip


def _link(lms_email: str | None, given: str = "Ann", family: str = "Lee") -> LmsLink:
    return LmsLink(registration_id="reg_1", issuer="https://lms.example", sub="s-1",
                   account_id="acc_1", org_id="acme", lms_email=lms_email, lms_given_name=given,
                   lms_family_name=family, lms_name=f"{given} {family}")  # fmt: skip


def _profile(email: str | None, given: str = "Ann", family: str = "Lee") -> LmsProfile:
    return LmsProfile(email=email, given_name=given, family_name=family,
                      name=f"{given} {family}", student_id=None)  # fmt: skip


@pytest.mark.parametrize(
    ("account_email", "lms_said_last_time", "lms_says_now", "new_email"),
    [
        pytest.param("csv@school.edu", "lms@school.edu", "lms@school.edu", None,
                     id="csv-set-email-kept-when-the-lms-says-the-same-again"),
        pytest.param("csv@school.edu", "lms@school.edu", "new@school.edu", "new@school.edu",
                     id="a-new-lms-email-is-copied"),
        pytest.param(None, "lms@school.edu", "lms@school.edu", "lms@school.edu",
                     id="an-account-without-email-claims-the-lms-one"),
        pytest.param("csv@school.edu", None, None, None, id="no-lms-email-changes-nothing"),
        pytest.param("same@school.edu", None, "same@school.edu", None,
                     id="an-email-the-account-has-is-no-change"),
    ],
)  # fmt: skip
def test_an_email_change_is_judged_against_what_the_lms_said_last_time(
    account_email, lms_said_last_time, lms_says_now, new_email
):
    plan = plan_sync(_account(account_email), _link(lms_said_last_time),
                     _profile(lms_says_now), ORG, False, Emails())  # fmt: skip
    assert plan.changes.new_email == new_email
    assert plan.apply(_account(account_email)).email == (new_email or account_email)
    assert plan.link.lms_email == (lms_says_now or lms_said_last_time)


def test_a_new_lms_email_held_by_another_account_is_kept_and_audited():
    plan = plan_sync(_account("old@school.edu"), _link("old@school.edu"),
                     _profile("taken@school.edu"), ORG, False,
                     Emails({"taken@school.edu": "acc_2"}))  # fmt: skip
    assert plan.changes.new_email is None
    assert (plan.email_held_by, plan.email_kept) == ("acc_2", True)


def test_the_email_of_an_account_shared_with_another_organization_never_moves():
    plan = plan_sync(_account("old@school.edu", orgs={"acme", "beta"}), _link("old@school.edu"),
                     _profile("new@school.edu"), ORG, False, Emails())  # fmt: skip
    assert plan.changes.new_email is None
    assert (plan.email_shared, plan.email_kept) == (True, True)


def test_names_the_lms_repeats_do_not_overwrite_names_set_elsewhere():
    account = _account("a@school.edu").model_copy(update={"first_name": "Annie"})
    same = plan_sync(account, _link("a@school.edu"), _profile("a@school.edu"), ORG, False, Emails())
    assert same.changes.first_name is None and same.refresh_link is False
    renamed = plan_sync(account, _link("a@school.edu"), _profile("a@school.edu", given="Anna"),
                        ORG, False, Emails())  # fmt: skip
    assert (renamed.changes.first_name, renamed.refresh_link) == ("Anna", True)
    assert renamed.apply(account).first_name == "Anna"


@pytest.mark.parametrize(("full_teacher", "is_teacher"), [(True, True), (False, False)])
def test_a_full_teacher_launch_makes_the_account_a_teacher(full_teacher, is_teacher):
    plan = plan_sync(_account(None, orgs=set()), _link(None), _profile(None), ORG, full_teacher,
                     Emails())  # fmt: skip
    updated = plan.apply(_account(None, orgs=set()))
    assert (updated.is_teacher, updated.orgs) == (is_teacher, {"acme"})


@pytest.mark.parametrize(
    ("account_email", "lms_said_last_time", "lms_says_now", "news"),
    [
        pytest.param("csv@school.edu", "lms@school.edu", "lms@school.edu", False,
                     id="the-same-again"),
        pytest.param("csv@school.edu", "lms@school.edu", "new@school.edu", True,
                     id="a-new-email-taken"),
        pytest.param("new@school.edu", "lms@school.edu", "new@school.edu", True,
                     id="a-new-email-the-account-already-has"),
        pytest.param(None, "lms@school.edu", "lms@school.edu", False, id="the-same-claimed"),
    ],
)  # fmt: skip
def test_the_link_is_refreshed_exactly_when_the_lms_says_something_new(
    account_email, lms_said_last_time, lms_says_now, news
):
    plan = plan_sync(_account(account_email), _link(lms_said_last_time),
                     _profile(lms_says_now), ORG, False, Emails())  # fmt: skip
    assert (plan.refresh_link, plan.email_is_news) == (news, news)


def test_an_email_claimed_by_the_account_itself_is_not_held_by_another():
    plan = plan_sync(_account("old@school.edu"), _link("old@school.edu"),
                     _profile("new@school.edu"), ORG, False,
                     Emails({"new@school.edu": "acc_1"}))  # fmt: skip
    assert (plan.email_held_by, plan.email_kept) == (None, False)


@pytest.mark.parametrize(
    ("stored", "launch", "written", "after"),
    [
        pytest.param("S-1", "S-2", "S-2", "S-2", id="a-new-student-id-is-copied"),
        pytest.param("S-1", "S-1", None, "S-1", id="the-same-student-id-is-not-written"),
        pytest.param("S-1", None, None, "S-1", id="a-launch-without-one-keeps-it"),
    ],
)
def test_the_orgs_student_id_is_copied_when_the_launch_carries_a_new_one(
    stored, launch, written, after
):
    account = _account("a@school.edu").model_copy(update={"student_id": stored})
    profile = LmsProfile(email="a@school.edu", given_name="Ann", family_name="Lee",
                         name="Ann Lee", student_id=launch)  # fmt: skip
    plan = plan_sync(account, _link("a@school.edu"), profile, ORG, False, Emails())
    assert plan.changes.student_id == written
    assert plan.apply(account).student_id == after


def test_applying_a_plan_leaves_the_account_it_was_given_unchanged():
    account = _account(None, orgs=set())
    plan = plan_sync(account, _link(None), _profile(None), ORG, True, Emails())
    assert plan.apply(account).orgs == {"acme"}
    assert account.orgs == set() and account.is_teacher is False
