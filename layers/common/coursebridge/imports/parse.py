"""Text lines → CSV records numbered as a spreadsheet shows them (header = row 1)."""

from __future__ import annotations

import csv
from collections.abc import Iterable, Iterator
from dataclasses import dataclass

from coursebridge.imports.decode import Line
from coursebridge.imports.errors import FileError

REQUIRED = ("firstName", "lastName", "email", "isTeacher", "issuedID", "schoolID")
_CANONICAL = {name.lower(): name for name in REQUIRED}
# Comma first: it wins ties. Excel writes ';' where the decimal mark is a comma, and tabs
# in "Unicode Text" (UTF-16); some exports use '|'.
DELIMITERS = (",", ";", "\t", "|")


def detect_delimiter(header_line: str) -> str:
    """The delimiter that makes the header line name the most required columns; a
    comma when none names any (the header's own error then says what is wrong)."""
    best, best_count = ",", 0
    for delimiter in DELIMITERS:
        try:
            cells = next(csv.reader([header_line], delimiter=delimiter), [])
        except csv.Error:
            continue
        count = sum(cell.strip().lower() in _CANONICAL for cell in cells)
        if count > best_count:
            best, best_count = delimiter, count
    return best


def declared_delimiter(first_line: str) -> str | None:
    """Excel's ``sep=;`` line, which declares the delimiter and is not a row."""
    text = first_line.strip("\r\n")
    if len(text) == 5 and text[:4].lower() == "sep=":
        return text[4]
    return None


_INVISIBLE = "\ufeff\u200b\u200c\u200d\u2060"  # BOMs and zero-width characters


def _header_name(cell: str) -> str:
    """A header cell as the admin sees it: trimmed, and without the invisible characters
    some tools leave in it (a second byte-order mark, zero-width spaces)."""
    return cell.translate(dict.fromkeys(map(ord, _INVISIBLE))).strip()


@dataclass(frozen=True)
class Record:
    row: int  # spreadsheet row: one per record, quoted line breaks included
    cells: list[str]
    line: int  # last physical line of the record
    end: int  # byte offset after the record: where to resume


@dataclass(frozen=True)
class Header:
    """Where each required column is, and the extra columns that are ignored."""

    cells: list[str]
    index: dict[str, int]
    ignored: list[str]
    delimiter: str = ","

    @classmethod
    def from_cells(cls, cells: list[str], delimiter: str = ",") -> Header:
        names = [_header_name(cell) for cell in cells]
        if not any(names):
            raise FileError(
                "no_header",
                "Row 1 is empty: the first row must name the columns " + ", ".join(REQUIRED) + ".",
            )
        index, ignored = _column_positions(names)
        _require_columns(names, index)
        return cls(cells=list(cells), index=index, ignored=ignored, delimiter=delimiter)

    def to_state(self) -> dict:
        return {"cells": self.cells, "index": self.index, "ignored": self.ignored,
                "delimiter": self.delimiter}  # fmt: skip

    @classmethod
    def from_state(cls, state: dict) -> Header:
        return cls(
            cells=list(state["cells"]),
            index={k: int(v) for k, v in state["index"].items()},
            ignored=list(state["ignored"]),
            delimiter=state.get("delimiter", ","),  # jobs started before it was stored
        )


def _column_positions(names: list[str]) -> tuple[dict[str, int], list[str]]:
    """Where each required column is (any case), and the other named columns, in order."""
    index: dict[str, int] = {}
    ignored: list[str] = []
    seen: dict[str, str] = {}
    for position, name in enumerate(names):
        key = name.lower()
        if key in seen and name:
            raise FileError("duplicate_column", f"Duplicate column: {name}")
        seen[key] = name
        if key in _CANONICAL:
            index[_CANONICAL[key]] = position
        elif name:
            ignored.append(name)
    return index, ignored


def _require_columns(names: list[str], index: dict[str, int]) -> None:
    """No required column at all: not a header; some missing: which ones."""
    missing = [name for name in REQUIRED if name not in index]
    if len(missing) == len(REQUIRED):
        raise FileError(
            "no_header",
            "No header row: the first row must name the columns "
            + ", ".join(REQUIRED)
            + f" (found: {', '.join(n for n in names if n)[:200]}).",
        )
    if missing:
        raise FileError(
            "missing_columns",
            f"Missing required column{'s' if len(missing) > 1 else ''}: {', '.join(missing)}",
        )


class _Tracker:
    """Feeds lines to csv.reader and remembers how far it got (it reads no further
    than the record it returns): the last line read, and the first line of the record
    being read."""

    def __init__(self, lines: Iterable[Line]) -> None:
        self._lines = iter(lines)
        self.line = 0
        self.start = 0
        self.end = 0
        self.exhausted = False
        self._new_record = True

    def next_record(self) -> None:
        self._new_record = True

    def error_line(self) -> int:
        """Where a csv error is: the line being read, or at the end of the file the
        line where the unfinished record (an unclosed quote) began."""
        return self.start if self.exhausted else self.line

    def __iter__(self) -> Iterator[str]:
        for line in self._lines:
            if "\x00" in line.text:
                raise FileError(
                    "not_csv",
                    f"Line {line.number} contains NUL characters: this is not a text CSV file.",
                    line=line.number,
                )
            if self._new_record:
                self.start, self._new_record = line.number, False
            self.line = line.number
            self.end = line.end
            yield line.text
        self.exhausted = True


def read_records(
    lines: Iterable[Line], first_row: int = 1, delimiter: str = ","
) -> Iterator[Record]:
    """Every record, blank ones included (they keep the numbering right)."""
    tracker = _Tracker(lines)
    reader = csv.reader(tracker, delimiter=delimiter, strict=True)
    row = first_row
    while True:
        tracker.next_record()
        try:
            cells = next(reader)
        except StopIteration:
            return
        except csv.Error as error:
            line = tracker.error_line()
            raise FileError(
                "not_csv",
                f"Row {row} (line {line}) is not valid CSV: {_csv_problem(error, delimiter)}.",
                line=line,
            ) from None
        yield Record(row=row, cells=cells, line=tracker.line, end=tracker.end)
        row += 1


def _csv_problem(error: csv.Error, delimiter: str) -> str:
    """What the csv module found, in the words of someone editing the file."""
    text = str(error)
    shown = {"\t": "tab"}.get(delimiter, f"'{delimiter}'")
    if text.endswith("expected after '\"'"):
        return (
            f"a quoted cell goes on after its closing quote (a {shown} or the line's end must "
            'follow it; a quote inside a quoted cell is written twice: "")'
        )
    if text == "unexpected end of data":
        return "a quote opened on this line is never closed"
    if text.startswith("new-line character seen in unquoted field"):
        return "a line break inside a cell that is not in quotes"
    if text.startswith("field larger than field limit"):
        limit = csv.field_size_limit()
        return f"a cell is longer than {limit:,} characters (an unclosed quote?)"
    return text


def is_blank(cells: list[str]) -> bool:
    return not any(cell.strip() for cell in cells)
