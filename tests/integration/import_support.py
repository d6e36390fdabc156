"""Helpers for the CSV import tests: an org with an admin, uploads, reports."""

from __future__ import annotations

import csv
import io
import json
import time
from collections import Counter

from coursebridge import aws
from coursebridge.imports.jobs import FINISHED, Job, JobStore
from coursebridge.imports.options import ImportOptions, Upload
from coursebridge.imports.ticket import TICKET_METADATA, TicketTerms, issue_ticket
from coursebridge.sessions import _SecretCache
from coursebridge.store.accounts import Account, AccountStore
from coursebridge.store.orgs import Org, OrgStore
from local.mail import sent_emails

HEADER = "firstName,lastName,email,isTeacher,issuedID,schoolID"


def make_admin(
    schools=("S1", "S2"),
    override: bool = False,
    email: str = "admin@school.edu",
    org_id: str = "org1",
    password_hash: str | None = None,
) -> str:
    """An org owning ``schools`` and an admin of all of them; the admin's account id."""
    OrgStore().create(
        Org(org_id=org_id, name=f"Org {org_id}", schools=list(schools),
            csv_password_override=override)
    )  # fmt: skip
    admin = AccountStore().create(
        Account(email=email, first_name="Ada", is_teacher=True, password_hash=password_hash)
    )
    for school in schools:
        AccountStore().grant_admin(admin.account_id, org_id, school)
    return admin.account_id


ISSUE = "issue"  # upload(): sign a ticket for this very upload, as the CLI does


def ticket_for(key: str, metadata: dict[str, str], now: int | None = None, **issue) -> str:
    """The ticket `coursebridge import` would put on an upload to ``key``."""
    terms = TicketTerms.of(key, ImportOptions.from_metadata(metadata))
    issued_at = int(time.time()) if now is None else now
    return issue_ticket(terms, _SecretCache.get(), issued_at, **issue)


def upload(
    stack,
    admin_id: str,
    body: bytes | str,
    name: str = "roster.csv",
    ticket: str | None = ISSUE,
    **metadata,
) -> dict:
    """Put an upload as the admin's CLI would; ``ticket=None`` (or another ticket) makes
    it a direct drop into the bucket."""
    if isinstance(body, str):
        body = body.encode()
    key = f"uploads/{admin_id}/{name}"
    meta = {k.replace("_", "-"): str(v) for k, v in metadata.items()}
    if ticket is not None:
        meta[TICKET_METADATA] = ticket_for(key, meta) if ticket == ISSUE else ticket
    put = aws.client("s3").put_object(
        Bucket=stack.resource("ImportsBucket"), Key=key, Body=body, Metadata=meta
    )
    return {"key": key, "version": put.get("VersionId") or put["ETag"].strip('"')}


def job_for(stack, uploaded: dict) -> Job | None:
    return JobStore("test").get(
        Upload(stack.resource("ImportsBucket"), uploaded["key"], uploaded["version"])
    )


def run_until_done(stack, uploaded: dict, timeout: float = 60) -> Job:
    poller = stack.make_pollers()["CsvImportFunction"]
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        poller.poll_once(wait_seconds=0)
        job = job_for(stack, uploaded)
        if job and job.status in FINISHED:
            return job
    raise AssertionError(f"import not finished: {job_for(stack, uploaded)}")


def read_report(stack, job: Job) -> tuple[dict, list[list[str]]]:
    s3 = aws.client("s3")
    bucket = stack.resource("ImportsBucket")
    report = json.loads(s3.get_object(Bucket=bucket, Key=job.report_key)["Body"].read())
    csv_key = job.report_key.removesuffix(".json") + ".errors.csv"
    text = s3.get_object(Bucket=bucket, Key=csv_key)["Body"].read().decode("utf-8-sig")
    return report, list(csv.reader(io.StringIO(text)))


def mail_count(stack) -> Counter:
    """moto keeps every SES message for the server's life (simple and raw ones in
    separate lists): tests look only at messages that are new since this snapshot."""
    return Counter(_mail_id(m) for m in sent_emails(stack.ports.moto_url))


def _mail_id(message) -> tuple:
    return (message.source, tuple(message.to), message.subject, message.text)


def emails_to(stack, address: str, since: Counter | None = None):
    remaining = Counter(since or {})
    found = []
    for message in sent_emails(stack.ports.moto_url):
        if remaining[_mail_id(message)] > 0:
            remaining[_mail_id(message)] -= 1
        elif any(address in to for to in message.to):
            found.append(message)
    return found


def account_by_email(email: str) -> Account | None:
    account_id = AccountStore().account_id_for_email(email)
    return AccountStore().get(account_id) if account_id else None


def rows(*lines: str) -> str:
    return "\n".join([HEADER, *lines]) + "\n"


def _import_handler():
    from local.runtime import load_handler
    from local.template import Template

    (spec,) = [s for s in Template().functions() if s.logical_id == "CsvImportFunction"]
    return load_handler(spec)  # loaded once per process (load_handler caches the module)


def s3_event(stack, uploaded: dict, message_id: str = "m1") -> dict:
    """An SQS event carrying the S3 notification, as real S3 sends it (key encoded,
    with the version id)."""
    from urllib.parse import quote_plus

    body = {"Records": [{
        "eventName": "ObjectCreated:Put",
        "s3": {"bucket": {"name": stack.resource("ImportsBucket")},
               "object": {"key": quote_plus(uploaded["key"]), "versionId": uploaded["version"],
                          "eTag": "x"}},
    }]}  # fmt: skip
    return {"Records": [{"messageId": message_id, "receiptHandle": "r", "body": json.dumps(body),
                         "attributes": {}, "messageAttributes": {}, "md5OfBody": "",
                         "eventSource": "aws:sqs", "eventSourceARN": "arn:aws:sqs:::q",
                         "awsRegion": "us-east-1"}]}  # fmt: skip


def invoke(event: dict, timeout: int = 900) -> dict:
    """The import function's handler, called as Lambda calls it for an SQS batch."""
    from local.runtime import LambdaContext

    return _import_handler()(event, LambdaContext("CsvImportFunction", timeout))
