"""Every account gets a username, unique under concurrency (USERNAME claims on DynamoDB
Local): created by a launch, the CLI's store, a CSV import; old accounts on first use."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import pytest
from sign_in_support import GOOD_PASSWORD, Browser, make_account

from coursebridge.store import keys
from coursebridge.store.accounts import Account, AccountStore
from coursebridge.store.dynamo import users_table
from tests.classroom import LEARNER, claims, launch, make_org
from tests.integration.import_support import (
    account_by_email,
    make_admin,
    rows,
    run_until_done,
    upload,
)

pytestmark = pytest.mark.integration


def _holder(username: str) -> str | None:
    item = users_table().get_item(Key=keys.username_claim(username), ConsistentRead=True)
    return item.get("Item", {}).get("accountId")


def test_a_taken_username_gives_the_next_account_the_name_with_digits(stack):
    first = AccountStore().create(Account(email="sam@one.edu"))
    second = AccountStore().create(Account(email="sam@two.edu"))
    assert first.username == "sam"
    assert second.username.startswith("sam") and second.username[3:].isdigit()
    assert _holder("sam") == first.account_id and _holder(second.username) == second.account_id


def test_simultaneous_accounts_with_one_base_all_get_their_own_username(stack):
    def create(index: int) -> Account:
        return AccountStore().create(Account(email=f"kim@school{index}.edu"))

    with ThreadPoolExecutor(12) as pool:
        created = list(pool.map(create, range(12)))
    names = [account.username for account in created]
    assert len(set(names)) == 12 and "kim" in names
    assert all(_holder(a.username) == a.account_id for a in created)


def test_an_lms_launch_creates_the_account_with_a_username(stack):
    org = make_org()
    student = launch(claims("ann-lee", LEARNER), org)
    account = AccountStore().get(student.account_id)
    assert account.username == "ann.lee"
    assert _holder("ann.lee") == account.account_id


def test_a_csv_import_gives_rows_sharing_a_base_their_own_usernames(stack):
    AccountStore().create(Account(email="lee@elsewhere.org"))  # holds "lee" already
    admin = make_admin(schools=("S1",))
    uploaded = upload(
        stack,
        admin,
        rows(
            "Lee,One,lee@a.edu,0,1,S1",
            "Lee,Two,lee@b.edu,0,2,S1",
            "Lee,Three,LEE@c.edu,0,3,S1",
        ),
    )
    assert run_until_done(stack, uploaded).counts["created"] == 3
    accounts = [account_by_email(f"lee@{d}.edu") for d in "abc"]
    names = {a.username for a in accounts}
    assert len(names) == 3 and "lee" not in names
    assert all(_holder(a.username) == a.account_id for a in accounts)


def test_an_account_made_before_usernames_gets_one_when_it_signs_in_by_email(stack):
    account = make_account("old.timer@school.edu")
    users_table().delete_item(Key=keys.username_claim(account.username))
    users_table().update_item(
        Key=keys.account(account.account_id), UpdateExpression="REMOVE username"
    )
    assert AccountStore().get(account.account_id).username is None
    assert (
        Browser(stack.ports.tool_url).sign_in("old.timer@school.edu", GOOD_PASSWORD).status_code
        == 303
    )
    given = AccountStore().get(account.account_id).username
    assert given == "old.timer" and _holder(given) == account.account_id
    assert Browser(stack.ports.tool_url).sign_in("Old.Timer", GOOD_PASSWORD).status_code == 303
