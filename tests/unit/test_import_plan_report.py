"""Planning (create/update/unchanged/replay), the report documents, options, pacing."""

from __future__ import annotations

import io
import json

import pytest

from coursebridge.imports.errors import RowError, RowFailure
from coursebridge.imports.options import ImportOptions, NotAnUpload, Upload
from coursebridge.imports.password import hash_password, verify_password
from coursebridge.imports.plan import (
    AlreadyApplied,
    Create,
    Existing,
    Lookups,
    School,
    Stamp,
    Unchanged,
    Update,
    plan_row,
)
from coursebridge.imports.report import ReportSummary, write_report
from coursebridge.imports.validate import UserRow
from coursebridge.imports.welcome_email import WelcomeMailer
from coursebridge.store.accounts import Account

SCHOOLS = {
    "S1": School("S1", "org1", password_override=False),
    "S2": School("S2", "org1", password_override=True),
}


def user_row(**changes) -> UserRow:
    values = dict(row=2, first_name="Jane", last_name="Doe", email="jane@x.com",
                  is_teacher=False, issued_id="1001", school_id="S1", cells=[])  # fmt: skip
    values.update(changes)
    return UserRow(**values)


def stored(**changes) -> Account:
    values = dict(account_id="acc_1", email="jane@x.com", first_name="Jane", last_name="Doe",
                  orgs={"org1"}, schools={"S1"}, issued_ids={"S1": "1001"},
                  admin_schools={"S1"})  # fmt: skip
    values.update(changes)
    return Account(**values)


def plan(row: UserRow, account: Account | None = None, stamp=None, holders=None, pw=None):
    existing = {row.email: Existing(account, stamp)} if account else {}
    return plan_row(row, Lookups(existing, holders or {}), SCHOOLS, "job1", pw)


PLANS = [
    ("new email → create", user_row(), None, {}, None, Create),
    ("identical → unchanged", user_row(), stored(), {}, None, Unchanged),
    ("new name → update", user_row(last_name="Smith"), stored(), {}, None, Update),
    ("teacher flag → update", user_row(is_teacher=True), stored(), {}, None, Update),
    ("new school membership → update", user_row(school_id="S2"), stored(), {}, None, Update),
    ("new issuedID → update", user_row(issued_id="9"), stored(), {}, None, Update),
    ("password, school forbids override → unchanged", user_row(), stored(), {}, "h", Unchanged),
    (
        "issuedID held by another account → fails",
        user_row(), None, {("S1", "1001"): "acc_other"}, None, RowFailure,
    ),
    (
        "issuedID held by this account → fine",
        user_row(), stored(), {("S1", "1001"): "acc_1"}, None, Unchanged,
    ),
]  # fmt: skip


@pytest.mark.parametrize(
    ("row", "account", "holders", "pw", "kind"), [p[1:] for p in PLANS], ids=[p[0] for p in PLANS]
)
def test_plan(row, account, holders, pw, kind):
    result = plan(row, account, holders=holders, pw=pw)
    assert isinstance(result, kind)
    if isinstance(result, RowFailure):
        assert result.errors == [RowError(2, "issuedID", "issuedID already used by another user")]


def test_create_is_a_csv_account_with_a_forced_password_change_and_no_admin_rights():
    result = plan(user_row(is_teacher=True), pw="scrypt$...")
    assert isinstance(result, Create)
    account = result.account
    assert (account.source, account.password_hash, account.must_change_password) == (
        "csv", "scrypt$...", True,
    )  # fmt: skip
    assert account.issued_ids == {"S1": "1001"} and account.admin_schools == set()


def test_password_overrides_an_existing_user_only_where_the_school_allows():
    allowed = plan(user_row(school_id="S2"), stored(schools={"S2"}, issued_ids={"S2": "1001"}),
                   pw="hash")  # fmt: skip
    assert isinstance(allowed, Update) and allowed.password_hash == "hash"
    forbidden = plan(user_row(last_name="New"), stored(), pw="hash")
    assert isinstance(forbidden, Update) and forbidden.password_hash is None


def test_update_keeps_the_old_issued_id_to_release():
    result = plan(user_row(issued_id="2002"), stored())
    assert isinstance(result, Update) and result.old_issued_id == "1001"


@pytest.mark.parametrize("outcome", ["created", "updated"])
def test_a_replayed_row_counts_with_its_recorded_outcome(outcome):
    result = plan(user_row(), stored(), stamp=Stamp("job1", 2, outcome))
    assert result == AlreadyApplied(user_row(), outcome)
    # A stamp from another job or row is just history.
    assert isinstance(plan(user_row(), stored(), stamp=Stamp("job0", 2, outcome)), Unchanged)
    assert isinstance(plan(user_row(), stored(), stamp=Stamp("job1", 3, outcome)), Unchanged)


def test_report_json_has_exactly_the_documented_shape():
    summary = ReportSummary(
        file="r.csv", status="completed", dry_run=True,
        counts={"created": 1, "updated": 2, "unchanged": 3, "failed": 1},
        file_errors=[], ignored_columns=["Notes"],
    )  # fmt: skip
    failure = RowFailure(
        4, ["=cmd", "Doe"], [RowError(4, "email", "Validation isEmail on email failed")]
    )
    json_out, csv_out = io.StringIO(), io.StringIO()
    write_report(summary, ["firstName", "lastName"], [failure], json_out, csv_out)
    assert json.loads(json_out.getvalue()) == {
        "file": "r.csv", "status": "completed", "dryRun": True,
        "created": 1, "updated": 2, "unchanged": 3, "failed": 1,
        "errors": [{"row": 4, "field": "email", "message": "Validation isEmail on email failed"}],
        "fileErrors": [], "ignoredColumns": ["Notes"],
    }  # fmt: skip
    assert csv_out.getvalue().splitlines() == [
        "firstName,lastName,error",
        "'=cmd,Doe,Validation isEmail on email failed",
    ]
    assert summary.first_errors == failure.errors


@pytest.mark.parametrize(
    ("key", "admin", "name", "stem"),
    [("uploads/acc_1/Fall Roster.csv", "acc_1", "Fall Roster.csv", "Fall Roster"),
     ("uploads/acc_1/term/list.CSV", "acc_1", "term/list.CSV", "term/list")],
)  # fmt: skip
def test_upload_key_names_the_admin_and_the_report(key, admin, name, stem):
    Upload.check_key(key)
    upload = Upload("b", key, "v1")
    assert (upload.admin_id, upload.file_name, upload.report_stem) == (admin, name, stem)
    assert upload.job_id != Upload("b", key, "v2").job_id


@pytest.mark.parametrize("key", ["uploads/x.csv", "reports/a/b.csv", "uploads//x.csv"])
def test_keys_outside_an_admin_prefix_are_not_uploads(key):
    with pytest.raises(NotAnUpload):
        Upload.check_key(key)


def test_options_come_from_metadata_and_never_print_the_password():
    options = ImportOptions.from_metadata(
        {"Send-Welcome": "TRUE", "dry-run": "false", "custom-password": "Sesame"}
    )
    assert (options.send_welcome, options.dry_run, options.custom_password) == (
        True,
        False,
        "Sesame",
    )
    assert "Sesame" not in repr(options)
    assert ImportOptions.from_metadata({}) == ImportOptions()


def test_password_hash_is_salted_argon2id_and_verifies():
    first, second = hash_password("Sesame"), hash_password("Sesame")
    assert first != second and first.startswith("$argon2id$") and "Sesame" not in first
    assert verify_password("Sesame", first) and not verify_password("sesame", first)


def test_welcome_mailer_paces_sends():
    sent, slept = [], []
    clock = iter([0.0, 0.0, 0.0, 0.5, 0.5]).__next__

    class Ses:
        def send_email(self, **kwargs):
            sent.append(kwargs["Destination"]["ToAddresses"][0])

    mailer = WelcomeMailer(Ses(), "no-reply@x", per_second=2, with_password=False,
                           clock=clock, sleep=slept.append)  # fmt: skip
    for address in ("a@x", "b@x", "c@x"):
        mailer.send(address, "A")
    assert sent == ["a@x", "b@x", "c@x"]
    assert slept == [0.5, 0.5]


def test_transaction_actions_are_sent_in_wire_format():
    from coursebridge.imports.apply import wire_action

    action = {
        "Update": {
            "TableName": "users",
            "Key": {"platform": "ACCOUNT", "userId": "acc_1"},
            "UpdateExpression": "SET isTeacher = :t ADD schools :s",
            "ConditionExpression": "updatedAt = :seen",
            "ExpressionAttributeValues": {":t": True, ":s": {"S1"}, ":seen": 5},
        }
    }
    wired = wire_action(action)["Update"]
    assert wired["Key"] == {"platform": {"S": "ACCOUNT"}, "userId": {"S": "acc_1"}}
    assert wired["ExpressionAttributeValues"] == {
        ":t": {"BOOL": True}, ":s": {"SS": ["S1"]}, ":seen": {"N": "5"}
    }  # fmt: skip
    assert wired["ConditionExpression"] == "updatedAt = :seen"
    assert action["Update"]["Key"]["userId"] == "acc_1"  # the plain action is left as it was
