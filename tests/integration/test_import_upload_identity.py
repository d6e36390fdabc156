"""An import runs as admin X only when the upload proves it came from X: an object under
``uploads/<X>/`` without a valid upload ticket for X and that key imports nothing,
writes no report, sends no email, and its job record says why."""

from __future__ import annotations

import json
import logging
import time

import pytest

from coursebridge import aws
from coursebridge.imports.ticket import TICKET_METADATA
from coursebridge.store.dynamo import users_table
from tests.integration.import_support import (
    account_by_email,
    job_for,
    mail_count,
    make_admin,
    rows,
    run_until_done,
    ticket_for,
    upload,
)

pytestmark = pytest.mark.integration

BODY = rows("Mallory,Planted,mallory@evil.example.com,1,M-1,S1", "Ann,Admin,ann@a.edu,0,A-9,S1")


@pytest.fixture
def admins(stack):
    """Org A's admin Ann and org B's admin Bob; each administers their own org's school S1/T1."""
    ann = make_admin(("S1",), email="ann@a.edu", org_id="orgA")
    bob = make_admin(("T1",), email="bob@b.org", org_id="orgB")
    return {"ann": ann, "bob": bob}


def objects_under(stack, prefix: str) -> list[str]:
    listed = aws.client("s3").list_objects_v2(Bucket=stack.resource("ImportsBucket"),
                                              Prefix=prefix)  # fmt: skip
    return [o["Key"] for o in listed.get("Contents", [])]


def all_users_items() -> list[dict]:
    return sorted(users_table().scan()["Items"], key=lambda i: (i["platform"], i["userId"]))


def assert_refused(stack, uploaded: dict, admin: str, code: str, before: list, seen) -> None:
    job = run_until_done(stack, uploaded)
    assert job.status == "rejected"
    assert job.rejection["code"] == code and job.rejection["message"]
    assert sum(job.counts.values()) == 0 and job.report_key is None
    assert all_users_items() == before  # no account read into a plan, none written
    assert objects_under(stack, f"reports/{admin}/") == []
    assert mail_count(stack) == seen  # no report, no welcome email


def test_a_direct_drop_under_another_admins_prefix_imports_nothing(stack, admins):
    before, seen = all_users_items(), mail_count(stack)
    uploaded = upload(stack, admins["bob"], BODY, ticket=None, send_welcome="true")
    assert_refused(stack, uploaded, admins["bob"], "no_ticket", before, seen)
    assert account_by_email("mallory@evil.example.com") is None


def test_a_ticket_for_admin_a_is_refused_under_admin_bs_prefix(stack, admins):
    before, seen = all_users_items(), mail_count(stack)
    anns_ticket = ticket_for(f"uploads/{admins['ann']}/roster.csv", {})
    uploaded = upload(stack, admins["bob"], BODY, ticket=anns_ticket)
    assert_refused(stack, uploaded, admins["bob"], "wrong_ticket", before, seen)


@pytest.mark.parametrize(
    ("label", "ticket_terms", "metadata"),
    [
        ("issued for another file name", ("other.csv", {}), {}),
        ("issued for a dry run, uploaded as a real one", ("roster.csv", {"dry-run": "true"}), {}),
        ("issued without a password, uploaded with one", ("roster.csv", {}),
         {"custom_password": "Pwn-1234"}),
    ],
    ids=lambda v: v if isinstance(v, str) else "",
)  # fmt: skip
def test_a_ticket_for_other_terms_is_refused(stack, admins, label, ticket_terms, metadata):
    before, seen = all_users_items(), mail_count(stack)
    name, ticket_meta = ticket_terms
    ticket = ticket_for(f"uploads/{admins['ann']}/{name}", ticket_meta)
    uploaded = upload(stack, admins["ann"], BODY, ticket=ticket, **metadata)
    assert_refused(stack, uploaded, admins["ann"], "wrong_ticket", before, seen)


def test_a_tampered_ticket_is_refused(stack, admins):
    before, seen = all_users_items(), mail_count(stack)
    good = ticket_for(f"uploads/{admins['ann']}/roster.csv", {})
    version, _expires, signature = good.split(".")
    forged = f"{version}.{int(time.time()) + 86_400}.{signature}"  # a longer life
    uploaded = upload(stack, admins["ann"], BODY, ticket=forged)
    assert_refused(stack, uploaded, admins["ann"], "wrong_ticket", before, seen)


def test_an_expired_ticket_is_refused(stack, admins):
    before, seen = all_users_items(), mail_count(stack)
    old = ticket_for(f"uploads/{admins['ann']}/roster.csv", {}, now=int(time.time()) - 7200)
    uploaded = upload(stack, admins["ann"], BODY, ticket=old)
    assert_refused(stack, uploaded, admins["ann"], "expired_ticket", before, seen)


def test_a_refused_upload_loses_its_password_and_logs_neither_password_nor_ticket(
    stack, admins, capsys, caplog
):
    caplog.set_level(logging.DEBUG, logger="coursebridge")  # our loggers, not botocore's
    ticket = ticket_for(f"uploads/{admins['bob']}/roster.csv", {"custom-password": "x"})
    uploaded = upload(stack, admins["ann"], BODY, ticket=ticket, custom_password="Pwn-1234")
    job = run_until_done(stack, uploaded)
    assert job.status == "rejected" and job.password_hash is None
    assert "Pwn-1234" not in json.dumps(job.to_item(), default=str)
    head = aws.client("s3").head_object(Bucket=stack.resource("ImportsBucket"),
                                        Key=uploaded["key"])  # fmt: skip
    assert "custom-password" not in head["Metadata"]
    captured = capsys.readouterr()
    logged = captured.out + captured.err + caplog.text
    assert "upload refused" in logged
    assert "Pwn-1234" not in logged and ticket.split(".")[2] not in logged


def test_a_refused_upload_delivered_again_stays_refused(stack, admins):
    uploaded = upload(stack, admins["ann"], BODY, ticket=None)
    assert run_until_done(stack, uploaded).status == "rejected"
    first = job_for(stack, uploaded).to_item()
    poller = stack.make_pollers()["CsvImportFunction"]
    aws.client("sqs").send_message(  # a redelivery of the same notification
        QueueUrl=stack.resource("ImportQueue"),
        MessageBody=json.dumps({"Records": [{
            "eventName": "ObjectCreated:Put",
            "s3": {"bucket": {"name": stack.resource("ImportsBucket")},
                   "object": {"key": uploaded["key"], "eTag": uploaded["version"]}},
        }]}),
    )  # fmt: skip
    poller.poll_once(wait_seconds=1)
    again = job_for(stack, uploaded).to_item()
    assert {k: v for k, v in again.items() if k != "updatedAt"} == {
        k: v for k, v in first.items() if k != "updatedAt"
    }
    assert account_by_email("mallory@evil.example.com") is None


def test_the_same_file_with_its_ticket_imports_as_its_admin(stack, admins):
    uploaded = upload(stack, admins["ann"], BODY)
    assert (
        TICKET_METADATA
        in aws.client("s3").head_object(
            Bucket=stack.resource("ImportsBucket"), Key=uploaded["key"]
        )["Metadata"]
    )
    job = run_until_done(stack, uploaded)
    assert job.status == "completed" and job.counts["created"] == 1
    assert objects_under(stack, f"reports/{admins['ann']}/")
