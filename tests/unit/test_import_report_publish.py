"""The report as published to S3 (its keys, content types, bytes and size), its
timestamp, the counter each plan adds to, and duplicates found across spilled runs."""

from __future__ import annotations

import codecs
import json

import pytest

from coursebridge.imports import report
from coursebridge.imports.duplicates import DuplicateFinder
from coursebridge.imports.errors import RowError, RowFailure
from coursebridge.imports.jobs import COUNTERS
from coursebridge.imports.plan import (
    AlreadyApplied,
    Create,
    Existing,
    Unchanged,
    Update,
    outcome_of,
    row_number,
)
from coursebridge.imports.report import ReportSummary, publish_report, timestamp
from coursebridge.imports.validate import UserRow
from coursebridge.store.accounts import Account


class FakeS3:
    def __init__(self) -> None:
        self.uploads: dict[str, tuple[str, str, bytes]] = {}

    def upload_fileobj(self, raw, bucket: str, key: str, ExtraArgs: dict) -> None:
        self.uploads[key] = (bucket, ExtraArgs["ContentType"], raw.read())


@pytest.fixture
def s3(monkeypatch):
    fake = FakeS3()
    monkeypatch.setattr(report.aws, "client", lambda service: {"s3": fake}[service])
    return fake


def summary(**changes) -> ReportSummary:
    values = dict(file="r.csv", status="completed", dry_run=False,
                  counts={"created": 1, "failed": 1}, file_errors=[],
                  ignored_columns=[])  # fmt: skip
    values.update(changes)
    return ReportSummary(**values)


def test_both_documents_are_uploaded_under_the_stem_with_their_content_types(s3):
    failure = RowFailure(3, ["Zoë", "=1+1"], [RowError(3, "email", "Missing value for email")])
    published = summary()
    publish_report(
        "bucket", "reports/acc_1/roster.20240101T000000Z", published, ["a", "b"], [failure]
    )
    stem = "reports/acc_1/roster.20240101T000000Z"
    assert (published.json_key, published.csv_key) == (f"{stem}.json", f"{stem}.errors.csv")
    assert set(s3.uploads) == {f"{stem}.json", f"{stem}.errors.csv"}
    bucket, content_type, raw = s3.uploads[f"{stem}.json"]
    assert (bucket, content_type) == ("bucket", "application/json")
    assert json.loads(raw.decode("utf-8"))["errors"] == [
        {"row": 3, "field": "email", "message": "Missing value for email"}
    ]
    bucket, content_type, raw = s3.uploads[f"{stem}.errors.csv"]
    assert (bucket, content_type) == ("bucket", "text/csv; charset=utf-8")
    # A BOM, so a spreadsheet reads it as UTF-8; CRLF rows; the size is the object's bytes.
    assert raw == codecs.BOM_UTF8 + "a,b,error\r\nZoë,'=1+1,Missing value for email\r\n".encode()
    assert published.csv_size == len(raw)


def test_a_short_row_keeps_its_error_in_the_error_column(s3):
    """A row that left out trailing columns: empty cells up to the header, then its error."""
    failure = RowFailure(2, ["Jane", "x"], [RowError(2, "email", "Missing value for email")])
    publish_report("bucket", "reports/acc_1/r.1", summary(), ["a", "b", "notes"], [failure])
    _bucket, _type, raw = s3.uploads["reports/acc_1/r.1.errors.csv"]
    assert raw.decode("utf-8-sig") == "a,b,notes,error\r\nJane,x,,Missing value for email\r\n"


def test_a_file_error_report_is_the_errors_alone(s3):
    error = {"code": "not_csv", "message": "Row 2 (line 2) is not valid CSV.", "line": 2}
    published = summary(status="failed", counts={}, file_errors=[error])
    publish_report("bucket", "reports/a/r.1", published, None, [])
    _, _, raw = s3.uploads["reports/a/r.1.json"]
    assert json.loads(raw) == {
        "file": "r.csv", "status": "failed", "dryRun": False,
        "created": 0, "updated": 0, "unchanged": 0, "failed": 0,
        "errors": [], "fileErrors": [error], "ignoredColumns": [],
    }  # fmt: skip
    _, _, raw = s3.uploads["reports/a/r.1.errors.csv"]
    assert raw.decode("utf-8-sig") == "error\r\nRow 2 (line 2) is not valid CSV.\r\n"


@pytest.mark.parametrize(
    ("epoch", "stamp"),
    [
        (0, "19700101T000000Z"),
        (1_700_000_000, "20231114T221320Z"),
        (951_827_696, "20000229T123456Z"),
    ],
)
def test_a_report_timestamp_is_utc_basic_iso_8601(epoch, stamp):
    assert timestamp(epoch) == stamp


ROW = UserRow(7, "Jane", "Doe", "jane@x.com", False, "1001", "S1", [])
PLANS = [
    ("create", Create(ROW, Account(email="jane@x.com")), "created"),
    ("update", Update(ROW, Existing(Account(email="jane@x.com"), None), "org1", None), "updated"),
    ("unchanged", Unchanged(ROW), "unchanged"),
    ("replayed create", AlreadyApplied(ROW, "created"), "created"),
    ("replayed update", AlreadyApplied(ROW, "updated"), "updated"),
    ("failure", RowFailure(7, [], [RowError(7, "email", "x")]), "failed"),
]


@pytest.mark.parametrize(("plan", "outcome"), [p[1:] for p in PLANS], ids=[p[0] for p in PLANS])
def test_each_plan_counts_under_one_of_the_job_counters_and_keeps_its_row(plan, outcome):
    assert outcome_of(plan) == outcome and outcome in COUNTERS
    assert row_number(plan) == 7


def test_duplicates_are_found_across_spilled_runs_of_more_than_one_read_block():
    """3,000 keys in runs of 1,500: each run is read back in several blocks, the second
    run from the middle of the spill file."""
    with DuplicateFinder(run_entries=1500) as finder:
        for row in range(2, 3002):
            finder.add("email", f"user{row}@x.com", row)
        finder.add("email", "user2999@x.com", 3002)
        found = sorted((e.row, e.field, e.message) for e in finder.findings())
    assert found == [
        (2999, "email", "Duplicate email with row 3002"),
        (3002, "email", "Duplicate email with row 2999"),
    ]
