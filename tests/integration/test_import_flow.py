"""CSV import end to end: S3 upload → SQS → handler → accounts, report files, SES mail."""

from __future__ import annotations

import pytest

from coursebridge import aws
from coursebridge.imports.password import verify_password
from tests.integration.accounts_support import issued_claims, users_of_kind
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


def test_upload_creates_accounts_and_reports_by_email(stack):
    admin = make_admin()
    seen = mail_count(stack)
    body = rows(
        "Jane,Doe,Jane.Doe@Example.com,0,1001,S1",
        "Tom,Lee,tom@example.com,1,T-7,S2",
        "Bad,Email,not-an-email,0,1002,S1",
        "Eve,Other,eve@example.com,0,1003,S9",
        "=HYPERLINK(1),X,dup@example.com,0,1004,S1",
        "Dup,Two,DUP@example.com,0,1005,S1",
    )
    uploaded = upload(stack, admin, body, name="Fall Roster + TAs.csv")
    job = run_until_done(stack, uploaded)
    report, errors_csv = read_report(stack, job)

    assert report["status"] == "completed"
    assert (report["created"], report["updated"], report["unchanged"], report["failed"]) == (
        2, 0, 0, 4,
    )  # fmt: skip
    assert report["file"] == "Fall Roster + TAs.csv"
    assert job.report_key.startswith(f"reports/{admin}/Fall Roster + TAs.")
    messages = {(e["row"], e["message"]) for e in report["errors"]}
    assert messages == {
        (4, "Validation isEmail on email failed"),
        (5, "Unauthorized school"),
        (6, "Duplicate email with row 7"),
        (7, "Duplicate email with row 6"),
    }
    assert errors_csv[0] == [*rows("").splitlines()[0].split(","), "error"]
    assert errors_csv[3][0] == "'=HYPERLINK(1)"  # formula neutralised
    assert [r[-1] for r in errors_csv[1:]] == [
        "Validation isEmail on email failed",
        "Unauthorized school",
        "Duplicate email with row 7",
        "Duplicate email with row 6",
    ]

    jane = account_by_email("jane.doe@example.com")
    assert jane is not None
    assert (jane.first_name, jane.is_teacher, jane.source) == ("Jane", False, "csv")
    assert jane.issued_ids == {"S1": "1001"} and jane.schools == {"S1"} and jane.orgs == {"org1"}
    assert not jane.admin_schools
    tom = account_by_email("tom@example.com")
    assert tom is not None and tom.is_teacher

    (mail,) = emails_to(stack, "admin@school.edu", since=seen)
    assert "Created:   2" in mail.text and "Row 4: Validation isEmail on email failed" in mail.text
    (attachment,) = mail.attachments.values()
    assert b"Unauthorized school" in attachment


def test_second_upload_updates_and_counts_unchanged_without_duplicates(stack):
    admin = make_admin()
    mail_count(stack)
    first = rows("Jane,Doe,jane@example.com,0,1001,S1", "Tom,Lee,tom@example.com,1,2002,S1")
    run_until_done(stack, upload(stack, admin, first))
    second = rows("Jane,Smith,JANE@example.com,1,1009,S1", "Tom,Lee,tom@example.com,1,2002,S1")
    job = run_until_done(stack, upload(stack, admin, second))
    report, _ = read_report(stack, job)
    assert (report["created"], report["updated"], report["unchanged"], report["failed"]) == (
        0, 1, 1, 0,
    )  # fmt: skip
    accounts = users_of_kind("account")
    assert len(accounts) == 3  # the admin, Jane, Tom: no duplicates
    jane = account_by_email("jane@example.com")
    assert (jane.last_name, jane.is_teacher, jane.issued_ids) == ("Smith", True, {"S1": "1009"})
    assert set(issued_claims("S1")) == {"1009", "2002"}  # the old 1001 claim is released


def test_custom_password_is_hashed_and_removed_from_the_object(stack):
    admin = make_admin()
    mail_count(stack)
    uploaded = upload(
        stack, admin, rows("Jane,Doe,jane@example.com,0,1001,S1"), custom_password="Sesame-42"
    )
    job = run_until_done(stack, uploaded)
    jane = account_by_email("jane@example.com")
    assert jane.must_change_password and verify_password("Sesame-42", jane.password_hash)
    assert "Sesame-42" not in str(job.to_item())
    s3 = aws.client("s3")
    bucket = stack.resource("ImportsBucket")
    head = s3.head_object(Bucket=bucket, Key=uploaded["key"])
    assert "custom-password" not in head["Metadata"]
    versions = s3.list_object_versions(Bucket=bucket, Prefix=uploaded["key"])["Versions"]
    for version in versions:
        meta = s3.head_object(Bucket=bucket, Key=uploaded["key"], VersionId=version["VersionId"])
        assert "custom-password" not in meta["Metadata"]


def test_an_excel_unicode_text_export_imports_like_a_csv(stack):
    """Excel's "Unicode Text": UTF-16 LE with a BOM, tab-separated, CRLF. The errors CSV
    comes back as a plain comma CSV with the same cells."""
    admin = make_admin()
    mail_count(stack)
    lines = [
        "firstName\tlastName\temail\tisTeacher\tissuedID\tschoolID",
        "Jane\tDoe, Jr.\tjane@example.com\t0\t1001\tS1",
        "Bad\tEmail\tnot-an-email\t0\t1002\tS1",
    ]
    body = b"\xff\xfe" + "\r\n".join(lines).encode("utf-16-le") + "\r\n".encode("utf-16-le")
    job = run_until_done(stack, upload(stack, admin, body, name="roster.txt.csv"))
    report, errors_csv = read_report(stack, job)
    assert (report["created"], report["failed"]) == (1, 1)
    assert report["errors"] == [
        {"row": 3, "field": "email", "message": "Validation isEmail on email failed"}
    ]
    assert errors_csv == [
        ["firstName", "lastName", "email", "isTeacher", "issuedID", "schoolID", "error"],
        ["Bad", "Email", "not-an-email", "0", "1002", "S1", "Validation isEmail on email failed"],
    ]
    assert account_by_email("jane@example.com").last_name == "Doe, Jr."
