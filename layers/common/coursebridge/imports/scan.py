"""First pass over the file: file errors and duplicates, before anything is written.

Both rows of a duplicate fail and a file error imports nothing, so neither can be
discovered half-way through writing; this pass reads the whole file once (streamed)
and records what it found on the job.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from itertools import chain

from coursebridge.imports.decode import (
    LF,
    MAX_LINE_BYTES,
    decode_lines,
    sniff_encoding,
    sniff_newline,
)
from coursebridge.imports.duplicates import DuplicateFinder
from coursebridge.imports.errors import FileError, RowError
from coursebridge.imports.parse import (
    Header,
    Record,
    declared_delimiter,
    detect_delimiter,
    is_blank,
    read_records,
)
from coursebridge.imports.validate import cell, email_key


@dataclass
class ScanResult:
    encoding: str
    newline: str  # decode.LF or decode.CR
    header: Header
    body_start: int  # offset of the first row after the header
    first_row: int
    first_line: int
    rows: int


@dataclass(frozen=True)
class Layout:
    """How the file is written, from its first bytes and its header line."""

    encoding: str
    bom: int  # bytes of byte-order mark before the first line
    newline: str
    delimiter: str


def _head(chunks: Iterator[bytes]) -> bytes:
    """The first bytes: enough to see the encoding and the first line's end."""
    head = b""
    for chunk in chunks:
        head += chunk
        if len(head) < 4:  # the longest byte-order mark, and a byte more
            continue
        encoding, bom = sniff_encoding(head)
        if sniff_newline(head[bom:], encoding) or len(head) > MAX_LINE_BYTES:
            break
    return head


def open_records(chunks: Iterator[bytes]) -> tuple[Layout, Iterator[Record]]:
    """Sniff the encoding from the first bytes, the line break from the first line's end
    and the delimiter from the header line; return that layout and the records. An Excel
    ``sep=`` line is read and skipped, as Excel does: the header after it is row 1."""
    first = _head(chunks)
    if not first.strip(b"\xef\xbb\xbf\xff\xfe\x00 \r\n\t"):
        raise FileError("empty", "The file is empty.")
    encoding, bom = sniff_encoding(first)
    newline = sniff_newline(first[bom:], encoding) or LF
    lines = decode_lines(chain([first[bom:]], chunks), encoding, start=bom, newline=newline)
    first_line = next(lines)
    delimiter = declared_delimiter(first_line.text)
    if delimiter is None:
        delimiter = detect_delimiter(first_line.text)
        lines = chain([first_line], lines)
    return Layout(encoding, bom, newline, delimiter), read_records(lines, delimiter=delimiter)


def scan_file(
    chunks: Iterator[bytes], max_rows: int, finder: DuplicateFinder
) -> tuple[ScanResult, Iterator[RowError]]:
    """Raises FileError; returns the layout and the duplicate findings."""
    layout, records = open_records(chunks)
    header_record = _header_record(records)
    header = Header.from_cells(header_record.cells, layout.delimiter)
    rows = _find_duplicates(records, header, max_rows, finder)
    if rows == 0:
        raise FileError("no_rows", "The file has a header but no user rows.")
    result = ScanResult(
        encoding=layout.encoding,
        newline=layout.newline,
        header=header,
        body_start=header_record.end,
        first_row=header_record.row + 1,
        first_line=header_record.line + 1,
        rows=rows,
    )
    return result, finder.findings()


def _header_record(records: Iterator[Record]) -> Record:
    """Row 1; a file of blank rows only is empty (it reads them all to know)."""
    header_record = next(records, None)
    if header_record is None:
        raise FileError("empty", "The file is empty.")
    if is_blank(header_record.cells) and all(is_blank(r.cells) for r in records):
        raise FileError("empty", "The file is empty.")
    return header_record


def _find_duplicates(
    records: Iterator[Record], header: Header, max_rows: int, finder: DuplicateFinder
) -> int:
    """Give every row's email and (school, issuedID) to the finder; returns the rows
    that are not blank. More than ``max_rows`` is a file error."""
    rows = 0
    for record in records:
        if is_blank(record.cells):
            continue
        rows += 1
        if rows > max_rows:
            raise FileError(
                "too_many_rows",
                f"The file has more than {max_rows} rows: split it into smaller files.",
            )
        finder.add("email", email_key(record, header), record.row)
        school, issued = cell(record, header, "schoolID"), cell(record, header, "issuedID")
        if school and issued:
            finder.add("issuedID", f"{school}\x00{issued}", record.row)
    return rows
