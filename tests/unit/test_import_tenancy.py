"""A CSV row changes only accounts of the uploader's organization alone (``plan_row``)."""

from __future__ import annotations

import pytest

from coursebridge.imports.errors import RowError, RowFailure
from coursebridge.imports.plan import (
    FOREIGN_ACCOUNT,
    AlreadyApplied,
    Create,
    Existing,
    Lookups,
    School,
    Stamp,
    Unchanged,
    Update,
    plan_row,
    within_authority,
)
from coursebridge.imports.validate import UserRow
from coursebridge.store.accounts import Account

SCHOOLS = {
    "A1": School("A1", "orgA", password_override=True),
    "A2": School("A2", "orgA", password_override=False),
}


def user_row(**changes) -> UserRow:
    values = dict(row=5, first_name="Bea", last_name="Stone", email="bea@b.org",
                  is_teacher=True, issued_id="77", school_id="A1",
                  cells=["Bea", "Stone", "bea@b.org", "1", "77", "A1"])  # fmt: skip
    values.update(changes)
    return UserRow(**values)


def account(orgs: set[str], **changes) -> Account:
    values = dict(account_id="acc_bea", email="bea@b.org", first_name="Beatrice",
                  last_name="Old", orgs=orgs, schools={"B1"}, issued_ids={"B1": "77"},
                  admin_schools={"B1"}, password_hash="scrypt$old")  # fmt: skip
    values.update(changes)
    return Account(**values)


def plan(row: UserRow, existing: Account | None, password_hash: str | None = None,
         holders=None, stamp: Stamp | None = None):  # fmt: skip
    found = {row.email: Existing(existing, stamp)} if existing else {}
    return plan_row(row, Lookups(found, holders or {}), SCHOOLS, "job1", password_hash)


FOREIGN = [
    ("another organization's admin", account({"orgB"})),
    ("an account shared by this organization and another", account({"orgA", "orgB"})),
    ("an account of no organization", account(set(), admin_schools=set())),
    ("another organization's, its names identical to the row",
     account({"orgB"}, first_name="Bea", last_name="Stone", issued_ids={"A1": "77"},
             schools={"A1"})),
]  # fmt: skip


@pytest.mark.parametrize("password_hash", [None, "scrypt$new"], ids=["no password", "password"])
@pytest.mark.parametrize(("label", "existing"), FOREIGN, ids=[f[0] for f in FOREIGN])
def test_a_row_naming_an_account_outside_the_organization_fails_on_its_email(
    label, existing, password_hash
):
    result = plan(user_row(), existing, password_hash)
    assert result == RowFailure(5, user_row().cells, [RowError(5, "email", FOREIGN_ACCOUNT)])
    assert FOREIGN_ACCOUNT == "Email belongs to an account of another organization"


def test_the_email_error_comes_first_even_when_the_issued_id_is_held_elsewhere():
    result = plan(user_row(), account({"orgB"}), holders={("A1", "77"): "acc_someone"})
    assert isinstance(result, RowFailure)
    assert result.errors == [RowError(5, "email", FOREIGN_ACCOUNT)]


def test_an_account_of_this_organization_alone_is_updated_password_included():
    mine = account({"orgA"}, schools={"A1"}, issued_ids={"A1": "70"}, admin_schools=set())
    result = plan(user_row(), mine, "scrypt$new")
    assert isinstance(result, Update)
    assert (result.org_id, result.password_hash, result.old_issued_id) == (
        "orgA", "scrypt$new", "70",
    )  # fmt: skip


def test_an_identical_account_of_this_organization_is_unchanged():
    mine = account({"orgA"}, first_name="Bea", last_name="Stone", is_teacher=True,
                   schools={"A2"}, issued_ids={"A2": "77"})  # fmt: skip
    assert isinstance(plan(user_row(school_id="A2"), mine), Unchanged)


def test_a_new_email_still_creates_an_account_of_the_schools_organization():
    result = plan(user_row(), None)
    assert isinstance(result, Create) and result.account.orgs == {"orgA"}


def test_a_row_this_job_already_wrote_is_counted_as_recorded():
    """The stamp can only come from this job's own write, made while it was allowed."""
    mine = account({"orgA"})
    assert plan(user_row(), mine, stamp=Stamp("job1", 5, "created")) == AlreadyApplied(
        user_row(), "created"
    )


@pytest.mark.parametrize(
    ("orgs", "allowed"),
    [({"orgA"}, True), ({"orgB"}, False), ({"orgA", "orgB"}, False), (set(), False)],
)
def test_within_authority(orgs, allowed):
    assert within_authority(account(orgs), "orgA") is allowed
