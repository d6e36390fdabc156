"""Delivered twice, cut short, crashed half way, dry run: counts stay exact."""

from __future__ import annotations

import pytest

from coursebridge import aws
from coursebridge.imports import run
from coursebridge.imports.jobs import JobStore
from coursebridge.store.dynamo import users_table
from local.runtime import LambdaContext
from tests.integration.accounts_support import users_of_kind
from tests.integration.import_support import (
    account_by_email,
    emails_to,
    invoke,
    job_for,
    mail_count,
    make_admin,
    read_report,
    rows,
    run_until_done,
    s3_event,
    upload,
)

pytestmark = pytest.mark.integration


BATCH = 10  # the tests set run.BATCH_ROWS to this: rows per batch and checkpoint
FIRST_ROW = 2  # row 1 is the header: a spreadsheet row number
# a new user is written as its account, its email claim, its issuedID claim, its username claim
ITEMS_PER_NEW_USER = 4


def batch_rows(batch: int, size: int = BATCH) -> list[int]:
    """The spreadsheet rows of batch ``batch`` (1-based) of a file of single-line rows."""
    first = FIRST_ROW + (batch - 1) * size
    return list(range(first, first + size))


def user_lines(count: int, start: int = 0) -> list[str]:
    return [f"First{i},Last{i},user{i}@example.com,0,ID{i},S1" for i in range(start, start + count)]


def count_accounts() -> int:
    return len(users_of_kind("account"))


def test_the_same_object_version_delivered_twice_is_processed_once(stack):
    admin = make_admin()
    seen = mail_count(stack)
    uploaded = upload(stack, admin, rows(*user_lines(3)), name="Fall+Roster %.csv")
    event = s3_event(stack, uploaded)
    assert invoke(event) == {"batchItemFailures": []}
    assert invoke(s3_event(stack, uploaded, "m2")) == {"batchItemFailures": []}
    job = job_for(stack, uploaded)
    assert job.status == "completed" and job.counts["created"] == 3
    assert len(emails_to(stack, "admin@school.edu", since=seen)) == 1  # one report, not two
    assert count_accounts() == 4


def test_a_crash_half_way_resumes_without_losing_or_duplicating_a_row(stack, monkeypatch):
    monkeypatch.setattr(run, "BATCH_ROWS", BATCH)
    admin = make_admin()
    seen = mail_count(stack)
    lines = [*user_lines(25), "Bad,Row,not-an-email,0,X1,S1"]
    uploaded = upload(stack, admin, rows(*lines), send_welcome="true")
    real_save = JobStore.save
    saves = {"n": 0}

    def crash_after_writing_the_second_batch(self, job, previous_offset, previous_status):
        if previous_status == "importing" and job.status == "importing":
            saves["n"] += 1
            if saves["n"] == 2:  # batch 2 is written, its checkpoint is not
                raise RuntimeError("simulated crash")
        return real_save(self, job, previous_offset, previous_status)

    monkeypatch.setattr(JobStore, "save", crash_after_writing_the_second_batch)
    event = s3_event(stack, uploaded)
    assert invoke(event)["batchItemFailures"] == [{"itemIdentifier": "m1"}]
    job = job_for(stack, uploaded)
    assert job.status == "importing" and job.counts["created"] == BATCH  # batch 1's checkpoint
    assert count_accounts() == 1 + 20  # batch 2 reached the table before the crash

    monkeypatch.setattr(JobStore, "save", real_save)
    assert invoke(event) == {"batchItemFailures": []}  # the redelivered message
    job = job_for(stack, uploaded)
    assert job.status == "completed"
    assert job.counts == {"created": 25, "updated": 0, "unchanged": 0, "failed": 1}
    assert count_accounts() == 1 + 25
    report, _errors_csv = read_report(stack, job)
    assert (report["created"], report["failed"]) == (25, 1)
    assert [e["row"] for e in report["errors"]] == [27]
    welcomed = {m.to[0] for m in emails_to(stack, "@example.com", since=seen)}
    assert welcomed == {f"user{i}@example.com" for i in range(25)}


def test_a_crash_between_a_batchs_writes_and_its_welcome_emails_still_welcomes_everyone(
    stack, monkeypatch
):
    """Batch 2 is written (write-first), then the invocation dies before its welcome
    emails: the replay recognises the rows as created by this import and mails them."""
    from coursebridge.imports.welcome_email import WelcomeMailer

    monkeypatch.setattr(run, "BATCH_ROWS", BATCH)
    admin = make_admin()
    seen = mail_count(stack)
    uploaded = upload(stack, admin, rows(*user_lines(25)), send_welcome="true")
    real_send = WelcomeMailer.send
    crashed = {"done": False}

    def dies_at_user_10(self, email, first_name, username=None):
        if email == "user10@example.com" and not crashed["done"]:
            crashed["done"] = True
            raise RuntimeError("simulated crash")
        return real_send(self, email, first_name, username)

    monkeypatch.setattr(WelcomeMailer, "send", dies_at_user_10)
    event = s3_event(stack, uploaded)
    assert invoke(event)["batchItemFailures"] == [{"itemIdentifier": "m1"}]
    assert count_accounts() == 1 + 20
    assert invoke(event) == {"batchItemFailures": []}
    job = job_for(stack, uploaded)
    assert job.counts == {"created": 25, "updated": 0, "unchanged": 0, "failed": 0}
    welcomed = {m.to[0] for m in emails_to(stack, "@example.com", since=seen)}
    assert welcomed == {f"user{i}@example.com" for i in range(25)}


def test_a_long_import_hands_over_to_a_new_invocation(stack, monkeypatch):
    monkeypatch.setattr(run, "BATCH_ROWS", 100)
    admin = make_admin()
    mail_count(stack)
    uploaded = upload(stack, admin, rows(*user_lines(230)))
    remaining = iter([900_000, 1_000] + [900_000] * 100)  # lease, then after batch 1
    monkeypatch.setattr(LambdaContext, "get_remaining_time_in_millis", lambda self: next(remaining))
    poller = stack.make_pollers()["CsvImportFunction"]
    poller.poll_once(wait_seconds=5)  # S3 event: scan + one batch, then time runs "low"
    job = job_for(stack, uploaded)
    assert (job.status, job.counts["created"], job.row) == ("importing", 100, 102)
    done = run_until_done(stack, uploaded)  # the continuation message finishes it
    assert done.counts == {"created": 230, "updated": 0, "unchanged": 0, "failed": 0}
    assert count_accounts() == 231
    assert poller.invocations == 1


def test_a_classic_mac_file_is_read_with_its_bare_cr_line_ends_after_a_hand_over(
    stack, monkeypatch
):
    """Excel for Mac's "CSV (Macintosh)" ends every line with CR alone: the scan finds that,
    the job keeps it, and the continuation reads on from the checkpoint with it."""
    monkeypatch.setattr(run, "BATCH_ROWS", 100)
    admin = make_admin()
    mail_count(stack)
    header = "firstName,lastName,email,isTeacher,issuedID,schoolID"
    body = "\r".join([header, *user_lines(150), "Bad,Row,not-an-email,0,X1,S1"]) + "\r"
    uploaded = upload(stack, admin, body.encode(), name="mac.csv")
    remaining = iter([900_000, 1_000] + [900_000] * 100)  # lease, then after batch 1
    monkeypatch.setattr(LambdaContext, "get_remaining_time_in_millis", lambda self: next(remaining))
    stack.make_pollers()["CsvImportFunction"].poll_once(wait_seconds=5)
    job = job_for(stack, uploaded)
    assert (job.status, job.newline, job.row) == ("importing", "\r", 102)
    done = run_until_done(stack, uploaded)
    assert done.counts == {"created": 150, "updated": 0, "unchanged": 0, "failed": 1}
    report, _errors_csv = read_report(stack, done)
    assert report["errors"] == [
        {"row": 152, "field": "email", "message": "Validation isEmail on email failed"}
    ]
    assert account_by_email("user149@example.com").last_name == "Last149"


def test_dry_run_changes_nothing_but_reports(stack):
    admin = make_admin()
    mail_count(stack)
    run_until_done(stack, upload(stack, admin, rows("Jane,Doe,jane@example.com,0,1,S1")))
    before = users_table().scan()["Items"]
    body = rows("Jane,Smith,jane@example.com,0,1,S1", "Tom,Lee,tom@example.com,0,2,S1",
                "X,Y,bad,0,3,S1")  # fmt: skip
    job = run_until_done(stack, upload(stack, admin, body, name="dry.csv", dry_run="true"))
    report, _ = read_report(stack, job)
    assert report["dryRun"] is True
    assert (report["created"], report["updated"], report["failed"]) == (1, 1, 1)
    assert users_table().scan()["Items"] == before
    assert account_by_email("tom@example.com") is None


@pytest.mark.parametrize(
    ("body", "code"),
    [(b"firstName,lastName\nA,B\n", "missing_columns"), (b"", "empty"),
     (b"PK\x03\x04zip", "not_csv")],
)  # fmt: skip
def test_file_errors_import_nothing_and_are_reported(stack, body, code):
    admin = make_admin()
    seen = mail_count(stack)
    job = run_until_done(stack, upload(stack, admin, body))
    report, errors_csv = read_report(stack, job)
    assert report["status"] == "file_error"
    assert [e["code"] for e in report["fileErrors"]] == [code]
    assert errors_csv[0] == ["error"] and len(errors_csv) == 2
    assert count_accounts() == 1
    (mail,) = emails_to(stack, "admin@school.edu", since=seen)
    assert "file rejected" in mail.subject


def test_an_upload_that_conflicts_with_another_users_issued_id_fails_alone(stack):
    admin = make_admin()
    mail_count(stack)
    run_until_done(stack, upload(stack, admin, rows("Jane,Doe,jane@example.com,0,1001,S1")))
    job = run_until_done(stack, upload(stack, admin, rows(
        "Tom,Lee,tom@example.com,0,1001,S1", "Ann,Bee,ann@example.com,0,1002,S1")))  # fmt: skip
    report, _ = read_report(stack, job)
    assert (report["created"], report["failed"]) == (1, 1)
    assert report["errors"] == [
        {"row": 2, "field": "issuedID", "message": "issuedID already used by another user"}
    ]


def test_row_level_write_conflict_falls_back_to_one_transaction_per_row(stack, monkeypatch):
    """A claim taken between the look-up and the write fails that row only."""
    admin = make_admin()
    mail_count(stack)
    from coursebridge.imports.apply import AccountBatches
    from coursebridge.store.accounts import Account, AccountStore

    real_lookup = AccountBatches.lookup

    def racing_lookup(self, valid_rows):
        found = real_lookup(self, valid_rows)
        AccountStore().create(Account(email="racer@example.com"))  # wins the race
        return found

    monkeypatch.setattr(AccountBatches, "lookup", racing_lookup)
    _looked_up_first(monkeypatch)
    job = run_until_done(stack, upload(stack, admin, rows(
        "A,A,a@example.com,0,1,S1", "R,R,racer@example.com,0,2,S1",
        "B,B,b@example.com,0,3,S1")))  # fmt: skip
    assert job.counts == {"created": 2, "updated": 0, "unchanged": 0, "failed": 1}
    report, _ = read_report(stack, job)
    assert report["errors"][0]["row"] == 3 and report["errors"][0]["field"] == "email"
    racer = account_by_email("racer@example.com")
    assert racer is not None and racer.first_name == ""  # the racer's account, untouched
    assert count_accounts() == 1 + 1 + 2  # the admin, the racer, the two other rows


def test_a_conflict_in_one_of_several_concurrent_transactions_fails_that_row_alone(
    stack, monkeypatch
):
    """120 new rows = 4 transactions sent together; a claim raced away in the third fails
    only its row, and every other row of every transaction is written."""
    admin = make_admin()
    mail_count(stack)
    from coursebridge.imports.apply import AccountBatches
    from coursebridge.store.accounts import Account, AccountStore

    real_lookup = AccountBatches.lookup

    def racing_lookup(self, valid_rows):
        found = real_lookup(self, valid_rows)
        AccountStore().create(Account(email="user80@example.com"))  # wins the race
        return found

    monkeypatch.setattr(AccountBatches, "lookup", racing_lookup)
    _looked_up_first(monkeypatch)
    job = run_until_done(stack, upload(stack, admin, rows(*user_lines(120))))
    assert job.counts == {"created": 119, "updated": 0, "unchanged": 0, "failed": 1}
    report, _ = read_report(stack, job)
    assert [(e["row"], e["field"]) for e in report["errors"]] == [(82, "email")]
    assert count_accounts() == 1 + 1 + 119
    assert account_by_email("user119@example.com") is not None


class LookupSpy:
    """Records which rows each batch looked up before writing."""

    def __init__(self, monkeypatch) -> None:
        from coursebridge.imports.apply import AccountBatches

        self.looked_up: list[list[int]] = []
        real_lookup = AccountBatches.lookup

        def spy(batches, valid_rows):
            valid_rows = list(valid_rows)
            self.looked_up.append([row.row for row in valid_rows])
            return real_lookup(batches, valid_rows)

        monkeypatch.setattr(AccountBatches, "lookup", spy)


def test_after_a_batch_of_new_users_rows_are_written_first_and_only_refused_ones_looked_up(
    stack, monkeypatch
):
    """Batch 1 (all new) is looked up; batch 2 is written straight away, and only the
    rows the claims refuse (an existing user, another user's issuedID) are looked up
    and then updated, kept or failed exactly as in a looked-up batch."""
    monkeypatch.setattr(run, "BATCH_ROWS", BATCH)
    admin = make_admin()
    mail_count(stack)
    run_until_done(stack, upload(stack, admin, rows(
        "Old,Same,same@example.com,0,S-1,S1", "Old,Name,renamed@example.com,0,S-2,S1",
        "Ann,Holder,holder@example.com,0,TAKEN,S1"), name="first.csv"))  # fmt: skip
    spy = LookupSpy(monkeypatch)
    lines = user_lines(BATCH)  # batch 1, all new
    lines += [
        "Old,Same,same@example.com,0,S-1,S1",  # row 12: unchanged
        "New,Name,renamed@example.com,1,S-2,S1",  # row 13: updated
        "Tom,Lee,tom@example.com,0,TAKEN,S1",  # row 14: issuedID of another user
        *user_lines(7, start=10),  # rows 15-21: new
    ]
    job = run_until_done(stack, upload(stack, admin, rows(*lines), send_welcome="true"))
    assert job.counts == {"created": 17, "updated": 1, "unchanged": 1, "failed": 1}
    assert spy.looked_up == [batch_rows(1), batch_rows(2)[:3]]  # only the 3 refused rows
    report, _ = read_report(stack, job)
    assert report["errors"] == [
        {"row": 14, "field": "issuedID", "message": "issuedID already used by another user"}
    ]
    renamed = account_by_email("renamed@example.com")
    assert (renamed.first_name, renamed.is_teacher) == ("New", True)
    assert account_by_email("tom@example.com") is None
    assert account_by_email("user16@example.com").issued_ids == {"S1": "ID16"}
    assert count_accounts() == 1 + 3 + 17


def test_a_dry_run_never_writes_first(stack, monkeypatch):
    monkeypatch.setattr(run, "BATCH_ROWS", BATCH)
    admin = make_admin()
    mail_count(stack)
    spy = LookupSpy(monkeypatch)
    job = run_until_done(stack, upload(stack, admin, rows(*user_lines(30)), dry_run="true"))
    assert job.counts["created"] == 30
    assert spy.looked_up == [batch_rows(1), batch_rows(2), batch_rows(3)]
    assert count_accounts() == 1


def test_a_conflict_costs_one_more_transaction_not_one_per_row(stack, monkeypatch):
    """Two rows of one 25-row transaction lose their claims to a racer: the
    cancellation names them, they fail, and the other 31 rows go again together."""
    admin = make_admin()
    mail_count(stack)
    from coursebridge.imports.apply import AccountBatches
    from coursebridge.store.accounts import Account, AccountStore

    real_lookup = AccountBatches.lookup

    def racing_lookup(self, valid_rows):
        found = real_lookup(self, valid_rows)
        AccountStore().create(Account(email="user3@example.com"))
        AccountStore().create(Account(email="user20@example.com"))
        return found

    monkeypatch.setattr(AccountBatches, "lookup", racing_lookup)
    _looked_up_first(monkeypatch)
    sent: list[int] = []

    def count(params, **_):
        sent.append(len(params["TransactItems"]))

    bulk = aws.bulk_client("dynamodb")
    bulk.meta.events.register("provide-client-params.dynamodb.TransactWriteItems", count)
    try:
        job = run_until_done(stack, upload(stack, admin, rows(*user_lines(25))))
    finally:
        bulk.meta.events.unregister("provide-client-params.dynamodb.TransactWriteItems", count)
    assert job.counts == {"created": 23, "updated": 0, "unchanged": 0, "failed": 2}
    # One transaction for the 25 users; the two whose claims the racer took fail, and the
    # other 23 go again together.
    assert sent == [ITEMS_PER_NEW_USER * 25, ITEMS_PER_NEW_USER * (25 - 2)]
    report, _ = read_report(stack, job)
    assert [(e["row"], e["field"]) for e in report["errors"]] == [(5, "email"), (22, "email")]


def _looked_up_first(monkeypatch) -> None:
    """The first batch planned from its look-up (no write-first guess from a sample):
    the race these tests stage is between that look-up and the write."""
    monkeypatch.setattr(run.Importer, "_guess_new", lambda self, rows, batches: False)


class _Calls:
    """DynamoDB calls of the importer's bulk client, by operation."""

    def __init__(self) -> None:
        self.seen: list[str] = []
        aws.bulk_client("dynamodb").meta.events.register("before-call.dynamodb", self)

    def __call__(self, model, **_: object) -> None:
        self.seen.append(model.name)

    def stop(self) -> None:
        aws.bulk_client("dynamodb").meta.events.unregister("before-call.dynamodb", self)


def _users(count: int, last: str = "Last") -> list[str]:
    return [f"F{i},{last}{i},u{i}@example.com,0,N{i},S1" for i in range(count)]


def test_a_first_upload_of_new_users_looks_up_a_sample_only_and_writes_the_rest_at_once(stack):
    admin = make_admin()
    calls = _Calls()
    try:
        job = run_until_done(stack, upload(stack, admin, rows(*_users(300)), name="new.csv"))
    finally:
        calls.stop()
    assert job.counts == {"created": 300, "updated": 0, "unchanged": 0, "failed": 0}
    # the sample: 50 rows' email and issuedID claims, 100 keys, one request
    assert calls.seen.count("BatchGetItem") == 1
    per_transaction = 100 // ITEMS_PER_NEW_USER
    assert calls.seen.count("TransactWriteItems") == -(-300 // per_transaction)


def test_a_second_upload_of_the_same_users_is_planned_from_its_look_up(stack):
    admin = make_admin()
    run_until_done(stack, upload(stack, admin, rows(*_users(300)), name="first.csv"))
    calls = _Calls()
    try:
        job = run_until_done(
            stack, upload(stack, admin, rows(*_users(300, last="New")), name="again.csv")
        )
    finally:
        calls.stop()
    assert job.counts == {"created": 0, "updated": 300, "unchanged": 0, "failed": 0}
    assert account_by_email("u7@example.com").last_name == "New7"
    # the sample found the rows held, so no row was first written as a new account:
    # 300 one-action updates, 100 a transaction
    assert calls.seen.count("TransactWriteItems") == 3
