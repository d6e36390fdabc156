"""Reading a report back: the first row errors exactly as report.py wrote them,
whatever the chunking, stopping as soon as it has enough; download names."""

from __future__ import annotations

import io
from collections.abc import Iterator

import pytest

from coursebridge.imports.errors import RowError, RowFailure
from coursebridge.imports.report import ReportSummary, write_report
from coursebridge.imports.report_view import attachment, errors_csv_key, first_row_errors

MESSAGES = [
    RowError(2, "email", "Duplicate email with row 3"),
    RowError(3, "email", "Duplicate email with row 2"),
    RowError(4, "schoolID", "Unauthorized school"),
    RowError(5, "email", "Validation isEmail on email failed"),
    RowError(6, "", 'odd "quotes", commas ] and brackets [ é'),
]


def report_bytes(errors: list[RowError], file: str = "roster.csv") -> bytes:
    summary = ReportSummary(file, "completed", False, {"failed": len(errors)}, [], ["extra"])
    failures = [RowFailure(e.row, ["a"], [e]) for e in errors]
    out = io.StringIO()
    write_report(summary, ["firstName"], failures, out, io.StringIO())
    return out.getvalue().encode()


def chunked(data: bytes, size: int) -> Iterator[bytes]:
    for start in range(0, len(data), size):
        yield data[start : start + size]


@pytest.mark.parametrize("size", [1, 3, 17, 64 * 1024])
def test_the_row_errors_come_back_exactly_as_reported_whatever_the_chunks(size):
    found = first_row_errors(chunked(report_bytes(MESSAGES), size))
    assert found.errors == [e.as_dict() for e in MESSAGES]
    assert found.more is False


def test_a_file_name_that_looks_like_the_list_does_not_start_it():
    data = report_bytes(MESSAGES[:1], file='x", "errors": [{"row": 99}].csv')
    assert first_row_errors(chunked(data, 5)).errors == [MESSAGES[0].as_dict()]


def test_reading_stops_after_the_limit_and_says_there_is_more():
    many = [RowError(row, "email", "Validation isEmail on email failed") for row in range(2, 5002)]
    data = report_bytes(many)
    read: list[int] = []

    def counted() -> Iterator[bytes]:
        for chunk in chunked(data, 1024):
            read.append(len(chunk))
            yield chunk

    found = first_row_errors(counted(), limit=10)
    assert [e["row"] for e in found.errors] == list(range(2, 12))
    assert found.more is True
    assert sum(read) < 3 * 1024  # a few chunks, not the whole report


@pytest.mark.parametrize("count", [0, 10])
def test_exactly_the_limit_or_none_is_not_more(count):
    errors = [RowError(row, "email", "x") for row in range(2, 2 + count)]
    found = first_row_errors(chunked(report_bytes(errors), 7), limit=10)
    assert len(found.errors) == count and found.more is False


def test_the_errors_csv_sits_next_to_the_json():
    key = "reports/acc_1/20240101T000000Z-0123abcd/roster.20240101T000001Z.json"
    assert errors_csv_key(key) == key.removesuffix(".json") + ".errors.csv"


@pytest.mark.parametrize(
    ("name", "header"),
    [
        (
            "roster.errors.csv",
            "attachment; filename=\"roster.errors.csv\"; filename*=UTF-8''roster.errors.csv",
        ),
        ('é "x".csv', "attachment; filename=\"_ _x_.csv\"; filename*=UTF-8''%C3%A9%20%22x%22.csv"),
    ],
)
def test_downloads_keep_their_name(name, header):
    assert attachment(name) == header
