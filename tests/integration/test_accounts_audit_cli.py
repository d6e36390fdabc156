"""`coursebridge accounts audit --org ORG`: who was created, linked or updated, by which launch."""

from __future__ import annotations

import pytest

from coursebridge.accounts.resolve import resolve_launch_account
from coursebridge.accounts.verification import Verifications
from coursebridge.cli import main
from coursebridge.store import keys
from coursebridge.store.audit import AuditRecord, AuditStore
from tests.integration.accounts_support import (
    INSTRUCTOR,
    FakeMailer,
    launch,
    make_account,
    make_org,
)

pytestmark = pytest.mark.integration


def run(capsys, *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def test_audit_lists_every_account_event_of_the_org_with_its_launch(stack, capsys):
    make_org("elsewhere")
    org = make_org()
    make_account("member@example.edu", orgs={"acme"})
    make_account("outsider@example.edu", orgs={"elsewhere"})
    created = launch("s1", email="s1@example.edu")
    renamed = launch("s1", email="s1@example.edu", given_name="Ada", family_name="Byron")
    linked = launch("t1", roles=[INSTRUCTOR], email="member@example.edu")
    verifying = launch("t2", roles=[INSTRUCTOR], email="outsider@example.edu")
    for claims in (created, renamed, linked, verifying):
        resolve_launch_account(claims, org, verifications=Verifications(mailer=FakeMailer()))
    resolve_launch_account(launch("x1"), make_org("unrelated"))

    code, out, err = run(capsys, "accounts", "audit", "--org", "acme")
    assert code == 0, err
    lines = [line.split("\t") for line in out.strip().splitlines()]
    assert [(fields[1], fields[4]) for fields in lines] == [
        ("created", created.launch_id),
        ("updated", renamed.launch_id),
        ("linked", linked.launch_id),
        ("verification-sent", verifying.launch_id),
    ]
    assert all(fields[0].endswith("Z") and fields[2].startswith("acc_") for fields in lines)
    assert lines[0][3] == "https://lms.example.edu client-1 s1"
    assert "last_name" in lines[1][5] and "matched=email" in lines[2][5]


def test_audit_of_an_org_without_records_and_of_an_unknown_org(stack, capsys):
    make_org()
    assert run(capsys, "accounts", "audit", "--org", "acme")[1].strip() == (
        "no audit records for org acme"
    )
    code, _, err = run(capsys, "accounts", "audit", "--org", "nope")
    assert code == 1 and "unknown org 'nope'" in err


def test_records_spread_over_shards_are_listed_in_time_order_newest_kept(stack):
    store = AuditStore()
    records = [
        AuditRecord(org_id="acme", action="created", account_id=f"acc_{n}", at_ms=1_000 + n)
        for n in range(60)
    ]
    for record in reversed(records):  # written in any order
        store.record(record)
    store.record(AuditRecord(org_id="other", action="created", account_id="acc_x"))
    assert len({keys.audit("acme", 0, r.nonce)["pk"] for r in records}) > 1  # several shards
    listed = store.list_for_org("acme")
    assert [r.account_id for r in listed] == [r.account_id for r in records]
    newest = store.list_for_org("acme", limit=5)
    assert [r.account_id for r in newest] == [r.account_id for r in records[-5:]]
