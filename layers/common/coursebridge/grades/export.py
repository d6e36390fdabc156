"""grades.csv: one unit's roster and grades for a spreadsheet (SPEC §7).

Every text cell a spreadsheet would run as a formula (starting with = + - @, tab or
CR) is prefixed with an apostrophe. The org's ``studentIdField`` is a column when set.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable

from coursebridge.classes.roster import RosterRow

_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def safe_cell(value: object) -> str:
    """The text of a cell, neutralised if a spreadsheet would evaluate it."""
    if value is None:
        return ""
    text = str(value)
    return "'" + text if text.startswith(_FORMULA_STARTS) else text


def _number(value: object) -> str:
    return "" if value is None else format(value, "f")


def grades_csv(rows: Iterable[RosterRow], student_id_field: str | None) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    header = ["accountId", "name", "email"]
    if student_id_field:
        header.append(student_id_field)
    header += ["status", "score", "maxScore", "comment", "released"]
    writer.writerow([safe_cell(h) for h in header])
    for row in rows:
        cells = [safe_cell(row.account_id), safe_cell(row.name), safe_cell(row.email)]
        if student_id_field:
            cells.append(safe_cell(row.student_id))
        cells += [
            row.status,
            _number(row.score),
            _number(row.max_score),
            safe_cell(row.comment),
            "yes" if row.released else "no",
        ]
        writer.writerow(cells)
    return out.getvalue()
