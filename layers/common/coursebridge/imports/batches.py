"""An import's rows cut into batches and validated, before anything is written."""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass

from coursebridge.imports.apply import Transaction
from coursebridge.imports.errors import RowError, RowFailure
from coursebridge.imports.parse import Header, Record, is_blank
from coursebridge.imports.plan import Create, School
from coursebridge.imports.validate import UserRow, validate_record

Ahead = tuple[list[Create], list[Transaction]]  # a batch's rows as new accounts, built ahead


class DuplicateCursor:
    """Walks the duplicate findings in row order alongside the rows."""

    def __init__(self, findings: Iterator[RowError]) -> None:
        self._findings = findings
        self._next = next(findings, None)

    def upto(self, last_row: int) -> dict[int, list[RowError]]:
        found: dict[int, list[RowError]] = {}
        while self._next is not None and self._next.row <= last_row:
            found.setdefault(self._next.row, []).append(self._next)
            self._next = next(self._findings, None)
        return found


@dataclass(frozen=True)
class CheckedBatch:
    """A batch after validation: rows to plan and write, rows already failed, and
    where the next batch starts."""

    valid: list[UserRow]
    failures: list[RowFailure]
    end: int  # byte offset after the batch's last record
    next_row: int
    next_line: int
    ahead: Ahead | None = None  # its rows as new accounts, built ahead (``Importer._build_ahead``)


def batches_of(records: Iterable[Record], size: int) -> Iterator[list[Record]]:
    batch: list[Record] = []
    for record in records:
        batch.append(record)
        if len(batch) >= size:
            yield batch
            batch = []
    if batch:
        yield batch


def check_batch(
    batch: list[Record],
    header: Header,
    duplicates: DuplicateCursor,
    allowed: Mapping[str, School],
) -> CheckedBatch:
    """Validate a batch (no writes): each row valid, or failed with all its errors."""
    dups = duplicates.upto(batch[-1].row)
    failures: list[RowFailure] = []
    valid: list[UserRow] = []
    for record in batch:
        if is_blank(record.cells):
            continue
        checked = validate_record(record, header, allowed)
        found = dups.get(record.row, [])
        if isinstance(checked, RowFailure):
            checked.errors.extend(found)
            failures.append(checked)
        elif found:
            failures.append(RowFailure(record.row, record.cells, list(found)))
        else:
            valid.append(checked)
    last = batch[-1]
    return CheckedBatch(valid, failures, last.end, last.row + 1, last.line + 1)
