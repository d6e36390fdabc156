"""Two organizations on one deployment: a CSV of org A never changes an account that is
not org A's alone (another org's admin, an account shared by A and B, one of no org),
whether the row is looked up first, written first, dry-run or carries a password."""

from __future__ import annotations

import pytest

from coursebridge import aws
from coursebridge.imports import run
from coursebridge.imports.apply import AccountBatches
from coursebridge.imports.password import hash_password, verify_password
from coursebridge.settings import get_settings
from coursebridge.store import keys
from coursebridge.store.accounts import Account, AccountStore
from coursebridge.store.dynamo import users_table
from tests.integration.accounts_support import email_claims, issued_claims
from tests.integration.import_support import (
    account_by_email,
    emails_to,
    mail_count,
    make_admin,
    read_report,
    rows,
    run_until_done,
    upload,
)

pytestmark = pytest.mark.integration

FOREIGN = "Email belongs to an account of another organization"


def raw_account(account_id: str) -> dict | None:
    """The account as DynamoDB stores it (wire format): every attribute, every byte."""
    client = aws.client("dynamodb")
    key = keys.account(account_id)
    return client.get_item(
        TableName=get_settings().users_table,
        Key={name: {"S": value} for name, value in key.items()},
        ConsistentRead=True,
    ).get("Item")


@pytest.fixture
def two_orgs(stack):
    """Org A (schools A1, A2; CSV passwords may replace existing ones) and org B (B1),
    each with an admin; plus an account shared by both and one of org A alone."""
    admin_a = make_admin(("A1", "A2"), override=True, email="ann@a.edu", org_id="orgA")
    admin_b = make_admin(("B1",), email="bob@b.org", org_id="orgB",
                         password_hash=hash_password("Bob-own-1"))  # fmt: skip
    store = AccountStore()
    shared = store.create(Account(
        email="sam@both.org", first_name="Sam", last_name="Both", orgs={"orgA", "orgB"},
        schools={"A1", "B1"}, issued_ids={"A1": "SAM-A", "B1": "SAM-B"},
        password_hash=hash_password("Sam-own-1"), source="lti",
    ))  # fmt: skip
    mine = store.create(Account(
        email="mia@a.edu", first_name="Mia", last_name="Old", orgs={"orgA"}, schools={"A1"},
        issued_ids={"A1": "MIA-1"}, source="csv",
    ))  # fmt: skip
    mail_count(stack)
    return {"A": admin_a, "B": admin_b, "shared": shared.account_id, "mine": mine.account_id}


def snapshot(account_ids) -> dict:
    return {
        "accounts": {a: raw_account(a) for a in account_ids},
        "issued": {school: issued_claims(school) for school in ("A1", "A2", "B1")},
        "emails": email_claims(),
    }


def test_a_row_naming_another_orgs_admin_or_a_shared_account_fails_and_changes_nothing(
    stack, two_orgs
):
    foreign = [two_orgs["B"], two_orgs["shared"]]
    before = snapshot(foreign)
    seen = mail_count(stack)
    body = rows(
        "Mallory,Takeover,BOB@b.org,0,NEW-1,A1",  # row 2: org B's admin
        "Sam,Rewritten,sam@both.org,1,NEW-2,A2",  # row 3: shared by A and B
        "Mia,New,mia@a.edu,1,MIA-2,A1",  # row 4: org A's alone: updated
        "Neo,Fresh,neo@a.edu,0,N-1,A1",  # row 5: new
    )
    job = run_until_done(stack, upload(stack, two_orgs["A"], body, custom_password="Pwn-1234",
                                       send_welcome="true"))  # fmt: skip
    report, errors_csv = read_report(stack, job)

    assert (report["created"], report["updated"], report["unchanged"], report["failed"]) == (
        1, 1, 0, 2,
    )  # fmt: skip
    assert report["errors"] == [
        {"row": 2, "field": "email", "message": FOREIGN},
        {"row": 3, "field": "email", "message": FOREIGN},
    ]
    assert errors_csv[1] == ["Mallory", "Takeover", "BOB@b.org", "0", "NEW-1", "A1", FOREIGN]
    assert errors_csv[2] == ["Sam", "Rewritten", "sam@both.org", "1", "NEW-2", "A2", FOREIGN]
    assert snapshot(foreign)["accounts"] == before["accounts"]  # password hash included
    assert verify_password("Bob-own-1", account_by_email("bob@b.org").password_hash)
    issued = snapshot(foreign)["issued"]
    assert "NEW-1" not in issued["A1"] and "NEW-2" not in issued["A2"]
    assert issued["B1"] == before["issued"]["B1"]
    assert issued["A1"]["SAM-A"] == two_orgs["shared"]

    mia = account_by_email("mia@a.edu")
    assert (mia.last_name, mia.is_teacher, mia.issued_ids, mia.orgs) == (
        "New", True, {"A1": "MIA-2"}, {"orgA"},
    )  # fmt: skip
    assert verify_password("Pwn-1234", mia.password_hash)  # org A allows the override
    welcomed = {m.to[0] for m in emails_to(stack, "", since=seen)} - {"ann@a.edu"}
    assert welcomed == {"neo@a.edu"}  # nobody of org B hears from org A's import


def test_a_new_row_cannot_take_an_issued_id_a_shared_account_holds(stack, two_orgs):
    before = snapshot([two_orgs["shared"]])
    job = run_until_done(stack, upload(stack, two_orgs["A"], rows("Eve,X,eve@a.edu,0,SAM-A,A1")))
    report, _ = read_report(stack, job)
    assert report["errors"] == [
        {"row": 2, "field": "issuedID", "message": "issuedID already used by another user"}
    ]
    assert snapshot([two_orgs["shared"]]) == before
    assert account_by_email("eve@a.edu") is None


def test_a_dry_run_reports_the_same_row_errors(stack, two_orgs):
    body = rows("M,T,bob@b.org,0,NEW-1,A1", "S,R,sam@both.org,1,NEW-2,A1", "M,N,mia@a.edu,1,M,A1")
    before = snapshot([two_orgs["B"], two_orgs["shared"], two_orgs["mine"]])
    job = run_until_done(stack, upload(stack, two_orgs["A"], body, dry_run="true"))
    report, _ = read_report(stack, job)
    assert report["dryRun"] is True
    assert (report["updated"], report["failed"]) == (1, 2)
    assert [(e["row"], e["field"], e["message"]) for e in report["errors"]] == [
        (2, "email", FOREIGN), (3, "email", FOREIGN),
    ]  # fmt: skip
    assert snapshot([two_orgs["B"], two_orgs["shared"], two_orgs["mine"]]) == before


def test_rows_written_first_are_refused_by_the_claim_and_then_by_the_rule(
    stack, two_orgs, monkeypatch
):
    """Batch 1 is all new, so batch 2 is written first: the foreign emails' claims refuse
    their rows, which are then looked up and fail like looked-up rows."""
    monkeypatch.setattr(run, "BATCH_ROWS", 10)
    looked_up: list[list[int]] = []
    real_lookup = AccountBatches.lookup

    def spy(batches, valid_rows):
        valid_rows = list(valid_rows)
        looked_up.append([row.row for row in valid_rows])
        return real_lookup(batches, valid_rows)

    monkeypatch.setattr(AccountBatches, "lookup", spy)
    before = snapshot([two_orgs["B"], two_orgs["shared"]])
    lines = [f"U{i},L{i},u{i}@a.edu,0,U-{i},A1" for i in range(10)]  # rows 2-11: new
    lines += [
        "Mallory,Takeover,bob@b.org,1,NEW-1,A1",  # row 12
        "Sam,Rewritten,sam@both.org,1,NEW-2,A1",  # row 13
        "Mia,Written,mia@a.edu,0,MIA-1,A1",  # row 14: org A's alone
        *[f"V{i},L{i},v{i}@a.edu,0,V-{i},A1" for i in range(5)],  # rows 15-19
    ]
    job = run_until_done(stack, upload(stack, two_orgs["A"], rows(*lines),
                                       custom_password="Pwn-1234"))  # fmt: skip
    assert looked_up == [list(range(2, 2 + 10)), [12, 13, 14]]  # batch 2 was written first:
    # only its rows the claims refused (the two foreign emails and mia's) were looked up
    assert job.counts == {"created": 15, "updated": 1, "unchanged": 0, "failed": 2}
    report, _ = read_report(stack, job)
    assert report["errors"] == [
        {"row": 12, "field": "email", "message": FOREIGN},
        {"row": 13, "field": "email", "message": FOREIGN},
    ]
    assert snapshot([two_orgs["B"], two_orgs["shared"]])["accounts"] == before["accounts"]
    assert account_by_email("mia@a.edu").last_name == "Written"


def test_an_account_that_joins_another_org_between_look_up_and_write_is_not_updated(
    stack, two_orgs, monkeypatch
):
    """The write itself checks that the account is still org A's alone."""
    real_lookup = AccountBatches.lookup

    def lookup_then_join(batches, valid_rows):
        found = real_lookup(batches, valid_rows)
        users_table().update_item(  # org B links Mia; updatedAt left as the look-up saw it
            Key=keys.account(two_orgs["mine"]),
            UpdateExpression="ADD orgs :b",
            ExpressionAttributeValues={":b": {"orgB"}},
        )
        return found

    monkeypatch.setattr(AccountBatches, "lookup", lookup_then_join)
    job = run_until_done(stack, upload(stack, two_orgs["A"], rows("Mia,Gone,mia@a.edu,1,X,A1")))
    assert job.counts["failed"] == 1 and job.counts["updated"] == 0
    mia = account_by_email("mia@a.edu")
    assert (mia.last_name, mia.issued_ids, mia.orgs) == ("Old", {"A1": "MIA-1"}, {"orgA", "orgB"})
    assert issued_claims("A1").get("X") is None
