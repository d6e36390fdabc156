"""What a student sees of a grade under the unit's release epoch, and what a save keeps.

Releasing only adds 1 to the unit's ``releaseEpoch``; these rules (store/gradebook.py)
turn that one number and the grade item into the released version."""

from __future__ import annotations

from decimal import Decimal

import pytest

from coursebridge.grades.release_plan import GradeState
from coursebridge.store.gradebook import GradeRecord, GradeWrite, released_grade, saved_values


def item(score=7, version=1, edit_epoch=0, **extra) -> dict:
    base = {
        "pk": "UNIT#u",
        "sk": "GRADE#a",
        "score": Decimal(score) if score is not None else None,
        "maxScore": Decimal(10),
        "comment": f"v{version}",
        "version": version,
        "gradedAt": 1_700_000_000 + version,
        "editEpoch": edit_epoch,
    }
    return {k: v for k, v in {**base, **extra}.items() if v is not None}


SNAPSHOT_V1 = {
    "releasedVersion": 1,
    "releasedScore": Decimal(7),
    "releasedMaxScore": Decimal(10),
    "releasedComment": "v1",
    "releasedGradedAt": 1_700_000_001,
}


@pytest.mark.parametrize(
    ("grade_item", "epoch", "visible_version"),
    [
        (item(), 0, None),  # graded, never released
        (item(), 1, 1),  # graded, then released: visible as it is
        (item(edit_epoch=1), 1, None),  # first graded after the release: hidden
        (item(version=2, edit_epoch=1, **SNAPSHOT_V1), 1, 1),  # edited after: old version
        (item(version=2, edit_epoch=1, **SNAPSHOT_V1), 2, 2),  # released again: new version
        (item(version=3, edit_epoch=2, **SNAPSHOT_V1), 2, 1),  # edits between releases 1, 2
        (item(score=None, version=0), 3, None),  # nothing graded
        (item(version=5, edit_epoch=0), 7, 5),  # several releases since the last edit
    ],
)
def test_which_version_a_student_sees(grade_item, epoch, visible_version):
    released = released_grade(grade_item, epoch)
    assert (released.version if released else None) == visible_version
    record = GradeRecord.from_item(grade_item, epoch)
    state = GradeState.from_item(grade_item, epoch)
    assert record.released is state.released is (visible_version is not None)
    if released:
        assert record.released_comment == state.released_comment == f"v{visible_version}"
        assert record.changed_since_release is (visible_version != grade_item["version"])


def write(score=9, comment="better") -> GradeWrite:
    return GradeWrite(
        class_id="c",
        unit_id="u",
        account_id="a",
        sub="sub-a",
        issuer="https://lms",
        score=Decimal(score),
        max_score=Decimal(10),
        comment=comment,
        graded_by="t",
    )


def test_a_save_that_replaces_the_released_version_keeps_a_copy_of_it():
    values = saved_values(write(), item(), epoch=1)
    assert values["version"] == 2 and values["editEpoch"] == 1
    assert values["releasedVersion"] == 1
    assert (values["releasedScore"], values["releasedComment"]) == (Decimal(7), "v1")
    # the student keeps seeing version 1 after the save, until the next release
    after = {**item(), **values}
    assert released_grade(after, 1).version == 1
    assert released_grade(after, 2).version == 2


def test_a_save_of_an_unreleased_version_keeps_the_older_copy():
    current = item(version=2, edit_epoch=1, **SNAPSHOT_V1)
    values = saved_values(write(), current, epoch=1)
    assert "releasedVersion" not in values  # the stored copy of version 1 stays as it is
    assert released_grade({**current, **values}, 1).version == 1


def test_a_first_save_has_nothing_to_keep():
    values = saved_values(write(), None, epoch=4)
    assert values["version"] == 1 and values["editEpoch"] == 4
    assert "releasedVersion" not in values
    assert released_grade({"pk": "UNIT#u", "sk": "GRADE#a", **values}, 4) is None
