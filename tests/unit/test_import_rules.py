# ruff: noqa: E501  (the tables read best one case per line)
"""The CSV file and row rules as pure functions: one row per file error and
per row error."""

from __future__ import annotations

import pytest

from coursebridge.imports.decode import decode_lines
from coursebridge.imports.duplicates import DuplicateFinder
from coursebridge.imports.errors import FileError, RowFailure
from coursebridge.imports.parse import Header, read_records
from coursebridge.imports.scan import open_records, scan_file
from coursebridge.imports.validate import UserRow, validate_record

HEADER = "firstName,lastName,email,isTeacher,issuedID,schoolID"
GOOD = "Jane,Doe,jane@example.com,0,1001,S1"


def chunks(data: bytes, size: int = 7):
    """Small chunks, so lines and characters straddle chunk boundaries."""
    return iter([data[i : i + size] for i in range(0, len(data), size)])


def scan(data: bytes, max_rows: int = 1000):
    with DuplicateFinder(run_entries=3) as finder:
        result, findings = scan_file(chunks(data), max_rows, finder)
        return result, sorted((f.row, f.message) for f in findings)


FILE_ERRORS = [
    ("empty file", b"", "empty", "The file is empty."),
    ("only a BOM and blank lines", b"\xef\xbb\xbf\r\n\r\n", "empty", "The file is empty."),
    ("no header (data in row 1)", b"Jane,Doe,jane@x.com,0,1,S1\n", "no_header", "No header row"),
    ("row 1 blank, data below", b"\n" + GOOD.encode() + b"\n", "no_header", "Row 1 is empty"),
    (
        "missing columns, all named",
        b"firstName,lastName,email,issuedID\nA,B,c@d.com,1\n",
        "missing_columns",
        "Missing required columns: isTeacher, schoolID",
    ),
    (
        "one missing column",
        b"firstName,lastName,email,isTeacher,issuedID\nA,B,c@d.com,0,1\n",
        "missing_columns",
        "Missing required column: schoolID",
    ),
    (
        "duplicate column (case-insensitive)",
        (HEADER + ",Email\n" + GOOD + ",x\n").encode(),
        "duplicate_column",
        "Duplicate column: Email",
    ),
    (
        "undecodable bytes, with the line",
        (HEADER + "\n" + GOOD + "\n").encode() + b"Ren\xe9,Roy,r@x.com,0,2,S1\n",
        "undecodable",
        "Line 3 contains bytes that are not valid UTF-8",
    ),
    (
        "not CSV: unterminated quote",
        (HEADER + '\n"Jane,Doe,j@x.com,0,1,S1\n').encode(),
        "not_csv",
        "is not valid CSV",
    ),
    ("not CSV: an Excel workbook", b"PK\x03\x04\x14\x00\x06\x00", "not_csv", "Excel workbook"),
    (
        "not CSV: NUL bytes",
        (HEADER + "\n").encode() + b"a\x00b,c\n",
        "not_csv",
        "NUL characters",
    ),
    ("header but no rows", (HEADER + "\n\n").encode(), "no_rows", "no user rows"),
]


@pytest.mark.parametrize(
    ("data", "code", "message"), [c[1:] for c in FILE_ERRORS], ids=[c[0] for c in FILE_ERRORS]
)
def test_file_errors_stop_everything_and_name_the_cause(data, code, message):
    with pytest.raises(FileError) as caught:
        scan(data)
    assert caught.value.code == code
    assert message in caught.value.message


def test_row_limit_is_a_file_error():
    data = (HEADER + "\n" + "\n".join([GOOD] * 4) + "\n").encode()
    with pytest.raises(FileError) as caught:
        scan(data, max_rows=3)
    assert caught.value.code == "too_many_rows"


def test_undecodable_line_is_counted_after_quoted_line_breaks():
    data = (HEADER + '\nJane,"Doe\nSmith",j@x.com,0,1,S1\n').encode() + b"\xff\n"
    with pytest.raises(FileError) as caught:
        scan(data)
    assert caught.value.line == 4


@pytest.mark.parametrize(
    ("encoded", "label"),
    [
        ((HEADER + "\n" + GOOD + "\n").encode("utf-8"), "utf-8"),
        (b"\xef\xbb\xbf" + (HEADER + "\r\n" + GOOD + "\r\n").encode("utf-8"), "utf-8 BOM"),
        (b"\xff\xfe" + (HEADER + "\r\n" + GOOD + "\n").encode("utf-16-le"), "utf-16-le"),
        (b"\xfe\xff" + (HEADER + "\n" + GOOD + "\n").encode("utf-16-be"), "utf-16-be"),
    ],
)
def test_accepted_encodings(encoded, label):
    result, _ = scan(encoded)
    assert result.rows == 1
    # Resuming from the checkpoint offset reads the same next row.
    lines = decode_lines(chunks(encoded[result.body_start :]), result.encoding, result.body_start)
    (record,) = [r for r in read_records(lines, first_row=2) if r.cells]
    assert record.cells == GOOD.split(",")
    assert record.end == len(encoded)


def test_invisible_characters_around_header_names_are_not_part_of_them():
    """A second byte-order mark (a file saved twice with one) and zero-width spaces that a
    copy from a web page leaves in a cell: the admin sees the column names, so do we."""
    header = "\ufeff" + HEADER.replace("email", "\u200bemail\u200b")
    result, _ = scan(b"\xef\xbb\xbf" + (header + "\n" + GOOD + "\n").encode())
    assert result.rows == 1 and result.header.index["firstName"] == 0
    assert result.header.index["email"] == 2 and result.header.ignored == []


def test_header_is_case_insensitive_trimmed_any_order_extra_columns_listed():
    data = b" EMAIL ,Notes,schoolid,FirstName,lastname,ISTEACHER,issuedid\n"
    data += b"jane@example.com,hi,S1,Jane,Doe,0,7\n"
    result, _ = scan(data)
    assert result.header.ignored == ["Notes"]
    (record,) = list(open_records(chunks(data))[1])[1:]
    row = validate_record(record, result.header, {"S1"})
    assert isinstance(row, UserRow)
    assert (row.first_name, row.email, row.school_id, row.issued_id) == (
        "Jane",
        "jane@example.com",
        "S1",
        "7",
    )


def test_duplicates_name_each_other_case_insensitively_and_per_school():
    data = "\n".join(
        [
            HEADER,
            "A,A,a@x.com,0,1,S1",  # row 2
            "B,B,b@x.com,0,1,S2",  # row 3: same issuedID, other school: fine
            "C,C,A@X.COM,0,3,S1",  # row 4: duplicate email of row 2
            "D,D,d@x.com,0,1,S1",  # row 5: duplicate issuedID of row 2 (S1)
            "E,E,a@x.com,0,5,S1",  # row 6: third use of the email
        ]
    ).encode()
    _, findings = scan(data)
    assert findings == [
        (2, "Duplicate email with row 4"),
        (2, "Duplicate issuedID with row 5"),
        (4, "Duplicate email with row 2"),
        (5, "Duplicate issuedID with row 2"),
        (6, "Duplicate email with row 2"),
    ]


def test_row_numbers_follow_the_spreadsheet_with_quoted_line_breaks_and_blank_rows():
    data = (HEADER + '\nJane,"Doe\nSmith",j@x.com,0,1,S1\n\nTom,Lee,t@x.com,0,2,S1\n').encode()
    records = list(open_records(chunks(data))[1])
    assert [(r.row, r.line) for r in records] == [(1, 1), (2, 3), (3, 4), (4, 5)]


HEADER_CELLS = HEADER.split(",")
ROW_ERRORS = [
    ("bad email", "Jane,Doe,jane.example.com,0,1,S1", [("email", "Validation isEmail on email failed")]),
    ("email with spaces", "Jane,Doe,jane doe@x.com,0,1,S1", [("email", "Validation isEmail on email failed")]),
    ("email without domain dot", "Jane,Doe,jane@localhost,0,1,S1", [("email", "Validation isEmail on email failed")]),
    ("unauthorized school", "Jane,Doe,j@x.com,0,1,S9", [("schoolID", "Unauthorized school")]),
    ("missing first name", " ,Doe,j@x.com,0,1,S1", [("firstName", "Missing value for firstName")]),
    ("missing issuedID", "Jane,Doe,j@x.com,0,,S1", [("issuedID", "Missing value for issuedID")]),
    ("missing schoolID", "Jane,Doe,j@x.com,0,1,", [("schoolID", "Missing value for schoolID")]),
    ("isTeacher not 0/1", "Jane,Doe,j@x.com,yes,1,S1", [("isTeacher", "isTeacher must be 0 or 1")]),
    ("too few fields", "Jane,Doe,j@x.com,0,1", [("", "Row has 5 fields but the header has 6"), ("schoolID", "Missing value for schoolID")]),
    ("too many fields", "Jane,Doe,j@x.com,0,1,S1,extra", [("", "Row has 7 fields but the header has 6")]),
    ("name too long", "J" * 201 + ",Doe,j@x.com,0,1,S1", [("firstName", "firstName is longer than 200 characters")]),
    ("control characters", "Ja\x07ne,Doe,j@x.com,0,1,S1", [("firstName", "firstName contains control characters")]),
    ("several at once", ",,bad,2,,S1", [
        ("firstName", "Missing value for firstName"),
        ("lastName", "Missing value for lastName"),
        ("issuedID", "Missing value for issuedID"),
        ("email", "Validation isEmail on email failed"),
        ("isTeacher", "isTeacher must be 0 or 1"),
    ]),
]  # fmt: skip


@pytest.mark.parametrize(
    ("line", "expected"), [c[1:] for c in ROW_ERRORS], ids=[c[0] for c in ROW_ERRORS]
)
def test_row_errors(line, expected):
    data = (HEADER + "\n" + line + "\n").encode()
    header_record, record = list(open_records(chunks(data))[1])
    result = validate_record(record, Header.from_cells(header_record.cells), {"S1"})
    assert isinstance(result, RowFailure)
    assert {(e.field, e.message) for e in result.errors} == set(expected)
    assert {e.row for e in result.errors} == {2}


def test_trailing_empty_cells_are_tolerated_and_email_is_lower_cased():
    data = (HEADER + "\nJane,Doe,Jane@Example.COM,1,1,S1,,\n").encode()
    header_record, record = list(open_records(chunks(data))[1])
    row = validate_record(record, Header.from_cells(header_record.cells), {"S1"})
    assert isinstance(row, UserRow)
    assert (row.email, row.is_teacher) == ("jane@example.com", True)


def _validated(data: bytes) -> list[UserRow | RowFailure]:
    header_record, *records = list(open_records(chunks(data))[1])
    header = Header.from_cells(header_record.cells)
    return [validate_record(record, header, {"S1"}) for record in records]


def test_a_row_may_leave_out_trailing_columns_the_import_ignores():
    """Some exports stop a row at its last non-empty cell: an empty "notes" column after
    the required ones is no reason to fail the row."""
    data = (
        HEADER + ",notes,grade\n" + GOOD + "\n" + GOOD.replace("1001", "1002") + ",x\n"
    ).encode()
    short, partial = _validated(data)
    assert isinstance(short, UserRow) and short.issued_id == "1001"
    assert isinstance(partial, UserRow) and partial.issued_id == "1002"


def test_a_row_that_stops_before_a_required_column_is_misaligned():
    data = ("notes," + HEADER + "\nx,Jane,Doe,jane@example.com,0,1001\n").encode()
    (row,) = _validated(data)
    assert isinstance(row, RowFailure)
    assert {(e.field, e.message) for e in row.errors} == {
        ("", "Row has 6 fields but the header has 7"),
        ("schoolID", "Missing value for schoolID"),
    }


def test_a_row_with_cells_past_the_header_is_misaligned():
    """An unquoted comma in a name pushes every later cell one column on."""
    (row,) = _validated((HEADER + "\nJane,Doe, Jr.,jane@example.com,0,1001,S1\n").encode())
    assert isinstance(row, RowFailure)
    assert ("", "Row has 7 fields but the header has 6") in {
        (e.field, e.message) for e in row.errors
    }


CLASSIC_MAC = (HEADER + "\r" + GOOD + '\r"Ann","Lee\rSmith",ann@example.com,1,1002,S1\r').encode()


@pytest.mark.parametrize("encoding", ["utf-8", "utf-16-le"])
def test_a_file_whose_lines_end_with_a_bare_cr_reads_like_any_other(encoding):
    """Excel for Mac's "CSV (Macintosh)": every line ends with CR alone. Rows, quoted line
    breaks and the resume offsets work as with LF."""
    text = CLASSIC_MAC.decode()
    data = text.encode(encoding) if encoding == "utf-8" else b"\xff\xfe" + text.encode(encoding)
    result, _ = scan(data)
    assert (result.newline, result.rows) == ("\r", 2)
    rest = data[result.body_start :]
    lines = decode_lines(chunks(rest), result.encoding, result.body_start, newline="\r")
    records = [r for r in read_records(lines, first_row=2) if r.cells]
    assert [r.cells for r in records] == [
        GOOD.split(","),
        ["Ann", "Lee\rSmith", "ann@example.com", "1", "1002", "S1"],
    ]
    assert [r.row for r in records] == [2, 3]
    assert records[-1].end == len(data)


@pytest.mark.parametrize(
    ("data", "newline"),
    [
        pytest.param((HEADER + "\r\n" + GOOD + "\r\n").encode(), "\n", id="CRLF"),
        pytest.param((HEADER + "\n" + GOOD + "\r\n").encode(), "\n", id="LF"),
        pytest.param((HEADER + "\r" + GOOD + "\r").encode(), "\r", id="bare CR"),
        pytest.param((HEADER + "\r\n").encode()[:-1] + b"\n" + GOOD.encode(), "\n", id="CRLF cut"),
    ],
)
def test_the_line_break_is_the_one_the_first_line_ends_with(data, newline):
    """Chunks of 7 bytes: the first line's end may straddle two of them."""
    assert scan(data)[0].newline == newline


@pytest.mark.parametrize("encoding", ["utf-8", "utf-16-le", "utf-16-be"])
def test_many_lines_in_one_chunk_keep_exact_resume_offsets(encoding):
    """Lines are cut from a chunk without re-copying it per line; in UTF-16 a newline's
    bytes straddling two other characters (U+0A41 U+4100) is not a line break."""
    texts = ["a,\u0a41\u4100b\n", "c,d\n", "\u4100\u0a41,e\n", "tail"]
    data = "".join(texts).encode(encoding)
    lines = list(decode_lines([data[:9], data[9:]], encoding, start=3, first_line=5))
    assert [line.text for line in lines] == texts
    assert [line.number for line in lines] == [5, 6, 7, 8]
    ends = [3 + len("".join(texts[: i + 1]).encode(encoding)) for i in range(len(texts))]
    assert [line.end for line in lines] == ends


EXCEL_SEMICOLONS = (
    b"\xef\xbb\xbf"
    + (HEADER.replace(",", ";") + "\r\nJane;Doe, Jr.;jane@example.com;0;1001;S1\r\n").encode()
)
EXCEL_UNICODE_TEXT = b"\xff\xfe" + (
    HEADER.replace(",", "\t") + "\r\nJane\tDoe, Jr.\tjane@example.com\t0\t1001\tS1\r\n"
).encode("utf-16-le")


@pytest.mark.parametrize(
    ("data", "delimiter"),
    [
        pytest.param(
            EXCEL_SEMICOLONS,
            ";",
            id="Excel CSV where the decimal mark is a comma (';', UTF-8 BOM, CRLF)",
        ),
        pytest.param(EXCEL_UNICODE_TEXT, "\t", id="Excel Unicode Text (tabs, UTF-16 LE BOM)"),
        pytest.param(
            (HEADER.replace(",", "|") + "\nJane|Doe, Jr.|jane@example.com|0|1001|S1\n").encode(),
            "|",
            id="pipes",
        ),
        pytest.param(b"sep=;\r\n" + EXCEL_SEMICOLONS[3:], ";", id="Excel sep= line"),
        pytest.param(
            (
                "Notes; misc," + HEADER + '\n"a;b",Jane,"Doe, Jr.",jane@example.com,0,1001,S1\n'
            ).encode(),
            ",",
            id="commas win over a stray ';' in a header",
        ),
    ],
)
def test_the_delimiter_is_the_one_that_makes_the_header_name_the_columns(data, delimiter):
    result, _ = scan(data)
    assert (result.header.delimiter, result.rows, result.first_row) == (delimiter, 1, 2)
    # The second pass (and a resume) reads the body with the delimiter kept on the job.
    header = Header.from_state(result.header.to_state())
    lines = decode_lines(chunks(data[result.body_start :]), result.encoding, result.body_start)
    (record,) = [r for r in read_records(lines, 2, header.delimiter) if r.cells]
    row = validate_record(record, header, {"S1"})
    assert isinstance(row, UserRow)
    assert (record.row, row.last_name, row.email, row.issued_id) == (
        2,
        "Doe, Jr.",
        "jane@example.com",
        "1001",
    )


def test_a_header_that_names_no_column_with_any_delimiter_is_still_no_header():
    with pytest.raises(FileError) as error:
        scan(b"Jane;Doe;jane@x.com;0;1;S1\n")
    assert error.value.code == "no_header"


def test_a_sep_line_is_not_a_row_so_row_numbers_match_excel():
    data = b"sep=;\n" + (HEADER.replace(",", ";") + "\nJane;Doe;not-an-email;0;1;S1\n").encode()
    result, _ = scan(data)
    lines = decode_lines(
        chunks(data[result.body_start :]), result.encoding, result.body_start, result.first_line
    )
    (record,) = list(read_records(lines, result.first_row, result.header.delimiter))
    failure = validate_record(record, result.header, {"S1"})
    assert isinstance(failure, RowFailure)
    assert (failure.row, record.line) == (2, 3)  # Excel shows row 2; the file's line 3


def test_jobs_stored_before_the_delimiter_was_kept_read_as_commas():
    state = Header.from_cells(HEADER.split(",")).to_state()
    del state["delimiter"]
    assert Header.from_state(state).delimiter == ","
