"""The release epoch on DynamoDB Local: releasing is one write, and a grade saved while a
release happens is either in it (visible at once) or not (hidden, the released version
kept) — never lost, never visible without a release."""

from __future__ import annotations

import random
import threading
from decimal import Decimal

import pytest

from coursebridge.grades.release_plan import UnitInfo
from coursebridge.grades.release_store import ReleaseStore
from coursebridge.store.dynamo import new_id
from coursebridge.store.gradebook import GradebookStore, GradeWrite, grades_state_key

pytestmark = pytest.mark.integration

UNIT = UnitInfo("unit_e", "cls_e", "org", "Essay", "https://lms", "cid", "rl", Decimal(10))


def save(account_id: str, score: int, store: GradebookStore | None = None) -> bool:
    return (store or GradebookStore()).save(
        GradeWrite(
            class_id=UNIT.class_id,
            unit_id=UNIT.unit_id,
            account_id=account_id,
            sub=f"sub-{account_id}",
            issuer=UNIT.issuer,
            score=Decimal(score),
            max_score=Decimal(10),
            comment=f"score {score}",
            graded_by="teacher",
        )
    )


def release(store: ReleaseStore | None = None) -> int:
    return (store or ReleaseStore()).open_release(new_id("rel"), UNIT, "teacher", None)


def seen(account_id: str) -> Decimal | None:
    """What the student sees."""
    grade = GradebookStore().get(UNIT.unit_id, account_id)
    return grade.released_score if grade and grade.released else None


def test_one_release_makes_every_current_grade_visible_with_one_transaction(stack):
    for n in range(30):
        save(f"s{n}", n % 11)
    assert seen("s3") is None
    assert release() == 1
    assert [seen(f"s{n}") for n in range(30)] == [Decimal(n % 11) for n in range(30)]
    save("s3", 9)  # an edit after the release: hidden, the released 3 stays
    assert seen("s3") == 3
    assert release() == 2
    assert seen("s3") == 9
    grades = GradebookStore().grades_of_unit(UNIT.unit_id)
    assert len(grades) == 30 and all(
        g.released and not g.changed_since_release for g in grades.values()
    )


def test_a_release_between_a_saves_read_and_write_keeps_the_released_version(stack, monkeypatch):
    save("ann", 4)
    original = GradebookStore._write
    raced = []

    def release_first(grade, current, epoch):
        if not raced:  # the teacher presses Release Grades just before this save lands
            raced.append(release())
        return original(grade, current, epoch)

    monkeypatch.setattr(GradebookStore, "_write", staticmethod(release_first))
    assert save("ann", 8)
    assert raced == [1]
    assert seen("ann") == 4  # released at 4 (the save came after the release)
    item = GradebookStore().get(UNIT.unit_id, "ann")
    assert (item.score, item.version, item.released_version) == (8, 2, 1)
    monkeypatch.undo()
    release()
    assert seen("ann") == 8


def test_a_save_between_a_releases_read_and_write_is_in_the_release(stack, monkeypatch):
    save("bob", 2)
    original = ReleaseStore._release_epoch
    raced = []

    def save_first(unit_id):
        epoch = original(unit_id)
        if not raced:  # the teacher's save lands while the release is being recorded
            raced.append(save("bob", 6))
        return epoch

    monkeypatch.setattr(ReleaseStore, "_release_epoch", staticmethod(save_first))
    assert release() == 1  # the first attempt was refused: the save changed nothing it read…
    # …but the save did commit before the release: what the teacher saw is what is released
    assert raced == [True]
    assert seen("bob") == 6


def test_concurrent_saves_and_releases_lose_nothing(stack):
    students = [f"s{n}" for n in range(8)]
    saves = {s: 0 for s in students}
    lock = threading.Lock()
    errors: list[BaseException] = []

    def teacher(seed: int) -> None:
        rng = random.Random(seed)
        try:
            for _ in range(25):
                student = rng.choice(students)
                if save(student, rng.randint(0, 10)):
                    with lock:
                        saves[student] += 1
        except BaseException as error:
            errors.append(error)

    def releaser() -> None:
        try:
            for _ in range(6):
                release()
        except BaseException as error:
            errors.append(error)

    threads = [threading.Thread(target=teacher, args=(n,)) for n in range(3)]
    threads.append(threading.Thread(target=releaser))
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    grades = GradebookStore().grades_of_unit(UNIT.unit_id)
    for student, count in saves.items():
        if count:  # every successful save made exactly one new version
            assert grades[student].version == count
            assert grades[student].released_version is None or (
                grades[student].released_version <= count
            )
    final = release()
    assert final == 7
    state = ReleaseStore()._release_epoch(UNIT.unit_id)
    assert state == 7
    for student, count in saves.items():
        if count:
            grade = GradebookStore().get(UNIT.unit_id, student)
            assert grade.released and grade.released_version == count


def test_the_gradebook_state_item_is_not_a_grade(stack):
    save("ann", 5)
    release()
    assert set(GradebookStore().grades_of_unit(UNIT.unit_id)) == {"ann"}
    assert ReleaseStore().grades(UNIT.unit_id)[0].account_id == "ann"
    assert grades_state_key(UNIT.unit_id)["sk"] > "GRADE#\uffff"
