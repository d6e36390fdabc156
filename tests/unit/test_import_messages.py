# ruff: noqa: E501  (the tables read best one case per line)
"""What the admin reads: every CSV file error and row error, whole, with the line of a
file error, the delimiter a file is read with, and the row of a failed row."""

from __future__ import annotations

import pytest

from coursebridge.imports.decode import decode_lines
from coursebridge.imports.duplicates import DuplicateFinder
from coursebridge.imports.errors import FileError, RowFailure
from coursebridge.imports.parse import Header, declared_delimiter, detect_delimiter, read_records
from coursebridge.imports.scan import scan_file
from coursebridge.imports.validate import UserRow, validate_record

HEADER = "firstName,lastName,email,isTeacher,issuedID,schoolID"
GOOD = "Jane,Doe,jane@example.com,0,1001,S1"
COLUMNS = "firstName, lastName, email, isTeacher, issuedID, schoolID"
LONG_CELLS = ",".join(c * 50 for c in "abcdef")  # 310 characters once joined with ", "


def scan(data: bytes, max_rows: int = 1000):
    chunks = iter([data[i : i + 7] for i in range(0, len(data), 7)])
    with DuplicateFinder(run_entries=3) as finder:
        result, findings = scan_file(chunks, max_rows, finder)
        return result, sorted((f.row, f.field, f.message) for f in findings)


def body(*rows: str) -> bytes:
    return "".join(row + "\n" for row in (HEADER, *rows)).encode()


FILE_ERRORS = [
    ("empty", b"", {"code": "empty", "message": "The file is empty."}),
    ("blank rows only", b"\r\n \r\n", {"code": "empty", "message": "The file is empty."}),
    ("row 1 blank", b"\n" + GOOD.encode() + b"\n", {"code": "no_header", "message": f"Row 1 is empty: the first row must name the columns {COLUMNS}."}),
    ("data in row 1", b"Jane,Doe,jane@x.com,0,1,S1\n", {"code": "no_header", "message": f"No header row: the first row must name the columns {COLUMNS} (found: Jane, Doe, jane@x.com, 0, 1, S1)."}),
    ("what was found is cut at 200 characters", LONG_CELLS.encode() + b"\n", {"code": "no_header", "message": f"No header row: the first row must name the columns {COLUMNS} (found: {', '.join(c * 50 for c in 'abcdef')[:200]})."}),
    ("columns missing", b"firstName,lastName,email,issuedID\nA,B,c@d.com,1\n", {"code": "missing_columns", "message": "Missing required columns: isTeacher, schoolID"}),
    ("one column missing", b"firstName,lastName,email,isTeacher,issuedID\nA,B,c@d.com,0,1\n", {"code": "missing_columns", "message": "Missing required column: schoolID"}),
    ("a semicolon header naming one column", b"email;Notes\nj@x.com;hi\n", {"code": "missing_columns", "message": "Missing required columns: firstName, lastName, isTeacher, issuedID, schoolID"}),
    ("duplicate column", (HEADER + ",Email\n" + GOOD + ",x\n").encode(), {"code": "duplicate_column", "message": "Duplicate column: Email"}),
    ("a bad quote: the line it is on", body('"Jane"x,Doe,j@x.com,0,1,S1', GOOD), {"code": "not_csv", "message": "Row 2 (line 2) is not valid CSV: a quoted cell goes on after its closing quote (a ',' or the line's end must follow it; a quote inside a quoted cell is written twice: \"\").", "line": 2}),
    ("a bad quote on the second line of a record", body('Tom,"Lee\nX"y,t@x.com,0,2,S1'), {"code": "not_csv", "message": "Row 2 (line 3) is not valid CSV: a quoted cell goes on after its closing quote (a ',' or the line's end must follow it; a quote inside a quoted cell is written twice: \"\").", "line": 3}),
    ("a bad quote after a quoted line break", body('Tom,"Lee\nX",t@x.com,0,2,S1', '"Jane"x,Doe'), {"code": "not_csv", "message": "Row 3 (line 4) is not valid CSV: a quoted cell goes on after its closing quote (a ',' or the line's end must follow it; a quote inside a quoted cell is written twice: \"\").", "line": 4}),
    ("an unclosed quote: the line it opens on", body(GOOD, '"Jane,Doe', "more"), {"code": "not_csv", "message": "Row 3 (line 3) is not valid CSV: a quote opened on this line is never closed.", "line": 3}),
    ("a cell past the csv module's limit", body(GOOD, '"' + "x" * 140_000), {"code": "not_csv", "message": "Row 3 (line 3) is not valid CSV: a cell is longer than 131,072 characters (an unclosed quote?).", "line": 3}),
    ("a bad quote in a tab-separated file", (HEADER.replace(",", "\t") + '\n"Jane"x\tDoe\n').encode(), {"code": "not_csv", "message": "Row 2 (line 2) is not valid CSV: a quoted cell goes on after its closing quote (a tab or the line's end must follow it; a quote inside a quoted cell is written twice: \"\").", "line": 2}),
    ("NUL characters", body(GOOD, "a\x00b,c"), {"code": "not_csv", "message": "Line 3 contains NUL characters: this is not a text CSV file.", "line": 3}),
    ("undecodable bytes", body(GOOD) + b"Ren\xe9,Roy,r@x.com,0,2,S1\n", {"code": "undecodable", "message": "Line 3 contains bytes that are not valid UTF-8 (byte 4 of the line): save the file as CSV UTF-8.", "line": 3}),
    ("an Excel workbook", b"PK\x03\x04\x14\x00\x06\x00", {"code": "not_csv", "message": "This is an Excel workbook or ZIP archive, not a CSV file: save it as CSV (UTF-8)."}),
    ("header but no rows", body(""), {"code": "no_rows", "message": "The file has a header but no user rows."}),
    ("more rows than allowed", body(GOOD, GOOD, GOOD, GOOD), {"code": "too_many_rows", "message": "The file has more than 3 rows: split it into smaller files."}),
]  # fmt: skip


@pytest.mark.parametrize(
    ("data", "expected"), [c[1:] for c in FILE_ERRORS], ids=[c[0] for c in FILE_ERRORS]
)
def test_a_file_error_says_exactly_what_is_wrong_and_where(data, expected):
    with pytest.raises(FileError) as caught:
        scan(data, max_rows=3)
    assert caught.value.as_dict() == expected


def test_a_row_after_a_sep_line_is_numbered_as_excel_shows_it_and_its_line_as_the_file_has_it():
    data = b"sep=;\n" + (HEADER.replace(",", ";") + '\n"Jane"x;Doe\n').encode()
    with pytest.raises(FileError) as caught:
        scan(data)
    assert (caught.value.message, caught.value.line) == (
        "Row 2 (line 3) is not valid CSV: a quoted cell goes on after its closing quote (a ';' "
        'or the line\'s end must follow it; a quote inside a quoted cell is written twice: "").',
        3,
    )


DETECTED = [
    ("semicolons", "firstName;lastName;email\r\n", ";"),
    ("one required column is enough", "email;Notes\n", ";"),
    ("a tie between comma and semicolon: comma", "firstName,lastName;email\n", ","),
    ("a tie between semicolon and tab: semicolon", "firstName;lastName\temail\n", ";"),
    ("a delimiter that cannot read the line is passed over", 'email;"Notes\rmore";firstName\n', ";"),
    ("no column named with any delimiter: comma", "Jane;Doe;j@x.com\n", ","),
    ("an empty line: comma", "", ","),
]  # fmt: skip


@pytest.mark.parametrize(
    ("line", "delimiter"), [c[1:] for c in DETECTED], ids=[c[0] for c in DETECTED]
)
def test_the_delimiter_is_the_first_that_names_the_most_required_columns(line, delimiter):
    assert detect_delimiter(line) == delimiter


DECLARED = [
    ("semicolon", "sep=;\r\n", ";"),
    ("any case", "SEP=|\n", "|"),
    ("a tab is a character too", "sep=\t\r\n", "\t"),
    ("any one character", "sep=X\n", "X"),
    ("two characters are not a declaration", "sep=;;\n", None),
    ("no character", "sep=\n", None),
    ("five characters, not sep=", "email\n", None),
    ("a header", "email,firstName\n", None),
]


@pytest.mark.parametrize(
    ("line", "delimiter"), [c[1:] for c in DECLARED], ids=[c[0] for c in DECLARED]
)
def test_an_excel_sep_line_declares_one_character_as_the_delimiter(line, delimiter):
    assert declared_delimiter(line) == delimiter


def test_a_header_built_without_a_delimiter_is_a_comma_header_and_survives_a_job_state():
    assert Header.from_cells(HEADER.split(",")).delimiter == ","
    header = Header.from_cells(["Notes", *HEADER.split(","), "Extra"], ";")
    assert Header.from_state(header.to_state()) == header
    assert header.ignored == ["Notes", "Extra"]


ROW_ERRORS = [
    ("issuedID too long", "Jane,Doe,j@x.com,0," + "7" * 65 + ",S1", [("issuedID", "issuedID is longer than 64 characters")]),
    ("issuedID with control characters", "Jane,Doe,j@x.com,0,10\x0701,S1", [("issuedID", "issuedID contains control characters")]),
    ("lastName too long", "Jane," + "D" * 201 + ",j@x.com,0,1,S1", [("lastName", "lastName is longer than 200 characters")]),
    ("missing email", "Jane,Doe, ,0,1,S1", [("email", "Missing value for email")]),
    ("missing isTeacher", "Jane,Doe,j@x.com,,1,S1", [("isTeacher", "Missing value for isTeacher")]),
]  # fmt: skip


@pytest.mark.parametrize(
    ("line", "expected"), [c[1:] for c in ROW_ERRORS], ids=[c[0] for c in ROW_ERRORS]
)
def test_a_failed_row_keeps_its_row_its_cells_as_uploaded_and_each_message(line, expected):
    header_record, _, record = read_records(decode_lines([body(GOOD, line)], "utf-8", 0))
    result = validate_record(record, Header.from_cells(header_record.cells), {"S1"})
    assert isinstance(result, RowFailure)
    assert (result.row, result.cells) == (3, line.split(","))
    assert [e.as_dict() for e in result.errors] == [
        {"row": 3, "field": field, "message": message} for field, message in expected
    ]


def test_a_valid_row_keeps_its_row_and_cells_as_uploaded():
    line = " Jane , Doe ,Jane@X.com,1,1001,S1,"
    _, _, record = read_records(decode_lines([body(GOOD, line)], "utf-8", 0))
    row = validate_record(record, Header.from_cells(HEADER.split(",")), {"S1"})
    assert row == UserRow(3, "Jane", "Doe", "jane@x.com", True, "1001", "S1", line.split(","))


DUPLICATE_EMAILS = [
    ("equal once lower-cased, the Kelvin sign is k", "\u212a@x.com", "k@x.com", [(2, "email", "Duplicate email with row 3"), (3, "email", "Duplicate email with row 2")]),
    ("different once lower-cased, sharp s is not ss", "stra\u00dfe@x.com", "STRASSE@x.com", []),
]  # fmt: skip


@pytest.mark.parametrize(
    ("first", "second", "findings"),
    [c[1:] for c in DUPLICATE_EMAILS],
    ids=[c[0] for c in DUPLICATE_EMAILS],
)
def test_duplicate_emails_are_the_emails_as_stored(first, second, findings):
    _, found = scan(body(f"A,A,{first},0,1,S1", f"B,B,{second},0,2,S1"))
    assert found == findings
