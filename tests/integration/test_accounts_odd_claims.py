"""Odd launch claims never 5xx and never corrupt a record (DynamoDB Local)."""

from __future__ import annotations

import pytest

from coursebridge.accounts.resolve import Entered, resolve_launch_account
from coursebridge.store.accounts import AccountStore
from tests.integration.accounts_support import (
    INSTRUCTOR,
    all_accounts,
    email_claims,
    launch,
    link_target,
    make_org,
)

pytestmark = pytest.mark.integration

LONG = "Ж" * 300


@pytest.mark.parametrize(
    ("claims", "email", "name"),
    [
        (dict(email="  Ada@Example.EDU  "), "ada@example.edu", "Ada Lovelace"),
        (dict(email="ada lovelace@example.edu"), None, "Ada Lovelace"),
        (dict(email="not-an-email"), None, "Ada Lovelace"),
        (dict(email="", name="", given_name="", family_name=""), None, "Anonymous "),
        (dict(given_name=LONG, family_name=LONG, name=LONG), "ada@example.edu", "Ж" * 200),
        (dict(given_name="🦄👩🏽‍💻", family_name="Ünïcødé"), "ada@example.edu", "🦄👩🏽‍💻 Ünïcødé"),
        (dict(given_name="Ada\x00\u202e", family_name="\nLovelace\t"), "ada@example.edu", "Ada"),
        (dict(roles=[]), "ada@example.edu", "Ada Lovelace"),
        (dict(roles=["", "  ", "garbage#"]), "ada@example.edu", "Ada Lovelace"),
        (dict(sub="s" * 3000), "ada@example.edu", "Ada Lovelace"),
        (dict(sub="ü/#?&=:\u00a0"), "ada@example.edu", "Ada Lovelace"),
        (dict(custom={"student_id": {"nested": "object"}}), "ada@example.edu", "Ada Lovelace"),
        (dict(custom={"student_id": "x" * 5000}), "ada@example.edu", "Ada Lovelace"),
    ],
)
def test_odd_claims_make_a_clean_account_and_relaunch_finds_it(stack, claims, email, name):
    org = make_org(student_id_field="student_id")
    fields = {"sub": "odd-user", **claims}
    first = resolve_launch_account(launch(**fields), org)
    assert isinstance(first, Entered)
    stored = AccountStore().get(first.account.account_id, consistent=True)
    assert stored.email == email
    assert stored.name.startswith(name)
    assert len(stored.first_name) <= 200 and len(stored.display_name) <= 200
    assert stored.student_id is None or len(stored.student_id) <= 256
    assert email_claims() == ({email: stored.account_id} if email else {})
    # The same launch again is the same account (the link key survived the oddities).
    again = resolve_launch_account(launch(**fields), org)
    assert again.account.account_id == stored.account_id
    assert len(all_accounts()) == 1
    assert link_target(fields["sub"]) == stored.account_id


def test_teacher_with_odd_email_matching_is_case_and_space_insensitive(stack):
    org = make_org()
    first = resolve_launch_account(launch("t1", roles=[INSTRUCTOR], email="MiXeD@Example.edu"), org)
    second = resolve_launch_account(
        launch("t2", roles=[INSTRUCTOR], email="  mixed@EXAMPLE.EDU"), org
    )
    assert second.account.account_id == first.account.account_id
