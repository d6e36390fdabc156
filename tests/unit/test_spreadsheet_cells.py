"""One rule for every CSV a person opens in a spreadsheet: a cell that starts like a
formula (= + - @, a tab, a carriage return) is shown as text, in the import's errors
CSV and in a unit's grades.csv alike."""

from __future__ import annotations

import csv
import io
from decimal import Decimal

import pytest

from coursebridge.classes.roster import RosterRow
from coursebridge.grades.export import grades_csv
from coursebridge.imports.errors import RowError, RowFailure
from coursebridge.imports.report import ReportSummary, write_report
from coursebridge.spreadsheet import neutralise

FORMULA_STARTS = ["=", "+", "-", "@", "\t", "\r"]


def _errors_csv_cell(cell: str) -> str:
    summary = ReportSummary(
        file="r.csv", status="completed", dry_run=False, counts={}, file_errors=[],
        ignored_columns=[],
    )  # fmt: skip
    failure = RowFailure(2, [cell], [RowError(2, "email", "bad")])
    csv_out = io.StringIO()
    write_report(summary, ["firstName"], [failure], io.StringIO(), csv_out)
    return list(csv.reader(io.StringIO(csv_out.getvalue())))[1][0]


def _grades_csv_name(name: str) -> str:
    row = RosterRow(account_id="acc_1", name=name, email=None, student_id=None,
                    status="graded", score=Decimal(1), max_score=Decimal(2))  # fmt: skip
    return list(csv.reader(io.StringIO(grades_csv([row], None))))[1][1]


@pytest.mark.parametrize("start", FORMULA_STARTS, ids=repr)
def test_a_cell_starting_like_a_formula_is_shown_as_text(start):
    cell = start + "HYPERLINK(1)"
    assert neutralise(cell) == "'" + cell


@pytest.mark.parametrize("start", FORMULA_STARTS, ids=repr)
def test_the_import_errors_csv_and_grades_csv_neutralise_the_same_cells(start):
    cell = start + "cmd"
    assert _errors_csv_cell(cell) == "'" + cell
    assert _grades_csv_name(cell) == "'" + cell


@pytest.mark.parametrize("cell", ["Jane", "a=b", "O'Neil", " =x", ""])
def test_a_cell_that_does_not_start_like_a_formula_is_kept(cell):
    assert neutralise(cell) == cell
    assert _errors_csv_cell(cell) == cell
