"""`coursebridge grades export --class C --unit U` against the local stack."""

from __future__ import annotations

import csv
import io

import pytest

from coursebridge.cli import main
from coursebridge.grades.grading import save_grade
from coursebridge.store.classes import ClassStore
from tests.classroom import INSTRUCTOR, LEARNER, claims, launch, make_org

pytestmark = pytest.mark.integration


def test_grades_export_prints_the_csv_and_names_a_bad_unit(stack, capsys, tmp_path):
    org = make_org(student_id_field="sis_id")
    teacher = launch(claims("t-1", INSTRUCTOR, custom={"max_score": "4"}), org)
    student = launch(claims("s-1", LEARNER, custom={"sis_id": "+42"}), org)
    unit = ClassStore().get_unit(teacher.unit_id)
    save_grade(unit, student.account_id, {"score": 3}, teacher.account_id)

    assert main(["grades", "export", "--class", teacher.class_id, "--unit", teacher.unit_id]) == 0
    rows = list(csv.DictReader(io.StringIO(capsys.readouterr().out)))
    assert [(r["name"], r["sis_id"], r["score"], r["maxScore"]) for r in rows] == [
        ("S 1", "'+42", "3", "4")
    ]

    target = tmp_path / "grades.csv"
    args = ["grades", "export", "--class", teacher.class_id, "--unit", teacher.unit_id]
    assert main([*args, "--output", str(target)]) == 0
    assert target.read_text(encoding="utf-8").startswith("accountId,name,email,sis_id")

    capsys.readouterr()
    assert main(["grades", "export", "--class", "cls_other", "--unit", teacher.unit_id]) == 1
    err = capsys.readouterr().err
    assert err.startswith("coursebridge: no unit") and err.count("\n") == 1
