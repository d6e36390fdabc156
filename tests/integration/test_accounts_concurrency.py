"""Races on DynamoDB Local with real threads: uniqueness holds under simultaneous launches."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor

import pytest

from coursebridge.accounts.resolve import Entered, resolve_launch_account
from tests.integration.accounts_support import (
    INSTRUCTOR,
    LEARNER,
    all_accounts,
    audit_actions,
    email_claims,
    launch,
    link_target,
    links_of,
    make_org,
)

pytestmark = pytest.mark.integration


def race(claims_list, org):
    """Run every launch at the same moment (a barrier releases all threads together)."""
    barrier = threading.Barrier(len(claims_list))

    def one(claims):
        barrier.wait()
        return resolve_launch_account(claims, org)

    with ThreadPoolExecutor(max_workers=len(claims_list)) as pool:
        return list(pool.map(one, claims_list))


@pytest.mark.parametrize("roles", [[LEARNER], [INSTRUCTOR]], ids=["student", "teacher"])
def test_fifty_first_launches_of_one_user_make_one_account_and_one_link(stack, roles):
    org = make_org()
    outcomes = race([launch("same-user", roles=roles) for _ in range(50)], org)
    assert all(isinstance(o, Entered) for o in outcomes)
    account_ids = {o.account.account_id for o in outcomes}
    (account,) = all_accounts()
    assert account_ids == {account.account_id}
    assert len(links_of()) == 1 and link_target("same-user") == account.account_id
    assert email_claims() == {"ada@example.edu": account.account_id}
    assert audit_actions("acme") == ["created"]  # the losers' writes left no record


def test_two_students_racing_for_one_email_make_two_accounts_one_holding_it(stack):
    org = make_org()
    for _ in range(5):  # several rounds: the winner differs, the invariant does not
        stack.reset()
        org = make_org()
        outcomes = race(
            [
                launch("student-a", email="Shared@Example.edu"),
                launch("student-b", email="shared@example.edu"),
            ],
            org,
        )
        accounts = {a.account_id: a for a in all_accounts()}
        assert len(accounts) == 2 and len(links_of()) == 2
        holders = [a for a in accounts.values() if a.email == "shared@example.edu"]
        assert len(holders) == 1
        assert email_claims() == {"shared@example.edu": holders[0].account_id}
        assert {o.account.account_id for o in outcomes} == set(accounts)


def test_a_changed_email_racing_a_new_student_for_it_stays_unique(stack):
    org = make_org()
    mover = resolve_launch_account(launch("mover", email="old@example.edu"), org)
    race(
        [
            launch("mover", email="wanted@example.edu"),
            launch("newcomer", email="wanted@example.edu"),
        ],
        org,
    )
    claims = email_claims()
    holder = claims["wanted@example.edu"]
    accounts = {a.account_id: a for a in all_accounts()}
    assert [a.account_id for a in accounts.values() if a.email == "wanted@example.edu"] == [holder]
    # Whoever won, the mover either moved (old claim released) or kept the old email.
    if holder == mover.account.account_id:
        assert "old@example.edu" not in claims
    else:
        assert claims["old@example.edu"] == mover.account.account_id


def test_simultaneous_launches_with_a_changed_name_copy_it_once(stack):
    org = make_org()
    first = resolve_launch_account(launch("known"), org)
    renamed = [launch("known", given_name="Ada", family_name="King") for _ in range(20)]
    outcomes = race(renamed, org)
    assert {o.account.account_id for o in outcomes} == {first.account.account_id}
    assert {o.account.name for o in outcomes} == {"Ada King"}
    assert audit_actions("acme") == ["created", "updated"]  # one copy, one record
