"""grades.csv: one unit's roster and grades for a spreadsheet.

Every text cell a spreadsheet would run as a formula is neutralised by the same rule as
the import's errors CSV (``spreadsheet.neutralise``). The org's ``studentIdField`` is a
column when set.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable

from coursebridge.classes.roster import RosterRow
from coursebridge.spreadsheet import neutralise


def safe_cell(value: object) -> str:
    """The text of a cell, neutralised if a spreadsheet would evaluate it."""
    if value is None:
        return ""
    return neutralise(str(value))


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


class ExportNotFound(Exception):
    """No such class/unit pair."""


def export_unit(class_id: str, unit_id: str) -> str:
    """grades.csv of one unit, for the admin CLI (no session: the admin's own credentials)."""
    from coursebridge.classes.roster import unit_roster
    from coursebridge.store.classes import ClassStore
    from coursebridge.store.orgs import OrgStore

    unit = ClassStore().get_unit(unit_id)
    if unit is None or unit.class_id != class_id:
        raise ExportNotFound(f"no unit {unit_id} in class {class_id}")
    org = OrgStore().get(unit.org_id)
    return grades_csv(unit_roster(class_id, unit_id), org.student_id_field if org else None)
