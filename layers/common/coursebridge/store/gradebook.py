"""Grade items and the unit's release epoch (app table).

  UNIT#<unitId> / GRADE#<accountId>
      classId, unitId, accountId, sub, issuer, score, maxScore, comment, gradedAt, gradedBy,
      version (+1 on every change), editEpoch (the unit's releaseEpoch when saved) — grading;
      releasedVersion, releasedScore, releasedMaxScore, releasedComment, releasedGradedAt —
      the snapshot of the released version, copied by the save that replaces it;
      sentVersion, sentRelease, sentAt, lastError {reason, code, status, releaseId, version,
      permanent, at} — the release's sender; resend {releaseId, at} — a resend asked for
      this grade and has not recorded its outcome yet (see grades/lms_state.py).
  UNIT#<unitId> / GRADES
      releaseEpoch (how many releases so far), lastReleaseId, releasedAt, releasedBy.

Releasing adds 1 to ``releaseEpoch`` and nothing else: one write, whatever the class size.
What a student sees follows from it (``released_grade``): a grade last saved before the
latest release (``editEpoch < releaseEpoch``) is released as it is; a grade saved since is
not, and shows the snapshot of the version that was. A save checks in the same transaction
that the epoch it read is still current, so an edit racing a release never loses the
released version, and never becomes visible without a release.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from botocore.exceptions import ClientError

from coursebridge.model import Model
from coursebridge.settings import get_settings
from coursebridge.store import keys
from coursebridge.store.dynamo import app_table, batch_get, dynamodb_client, now_epoch
from coursebridge.store.queries import Update, query_pages
from coursebridge.store.transactions import cancellation

GRADES_SK = keys.GRADES  # sorts right after every "GRADE#…" item: one query reads both
SAVE_ATTEMPTS = 8


class GradeChangedTooOften(Exception):
    """A grade kept changing under a save (other saves or releases won every race)."""


grade_key = keys.grade
grades_state_key = keys.gradebook


def epoch_condition(epoch: int) -> dict[str, Any]:
    """Condition (for a ConditionCheck or Update of the GRADES item) that no release
    happened since ``epoch`` was read."""
    if epoch == 0:
        return {"ConditionExpression": "attribute_not_exists(releaseEpoch)"}
    return {
        "ConditionExpression": "releaseEpoch = :epoch",
        "ExpressionAttributeValues": {":epoch": epoch},
    }


@dataclass(frozen=True)
class ReleasedGrade:
    """The version of a grade that students (and the LMS) may see."""

    version: int
    score: Decimal | None
    max_score: Decimal | None
    comment: str
    graded_at: int


def released_grade(item: dict[str, Any], release_epoch: int) -> ReleasedGrade | None:
    """The released version of a grade item under the unit's ``release_epoch``, or None."""
    version = int(item.get("version") or 0)
    if (
        item.get("score") is not None
        and version > 0
        and int(item.get("editEpoch") or 0) < release_epoch
    ):
        return ReleasedGrade(
            version=version,
            score=item.get("score"),
            max_score=item.get("maxScore"),
            comment=str(item.get("comment") or ""),
            graded_at=int(item.get("gradedAt") or 0),
        )
    return _released_snapshot(item)


def _released_snapshot(item: dict[str, Any]) -> ReleasedGrade | None:
    """The copy of the released version that a save since the release kept, if any."""
    if not item.get("releasedVersion"):
        return None
    return ReleasedGrade(
        version=int(item["releasedVersion"]),
        score=item.get("releasedScore"),
        max_score=item.get("releasedMaxScore"),
        comment=str(item.get("releasedComment") or ""),
        graded_at=int(item.get("releasedGradedAt") or 0),
    )


def release_epoch_of(item: dict[str, Any] | None) -> int:
    return int((item or {}).get("releaseEpoch") or 0)


def unit_grade_items(unit_id: str) -> tuple[int, list[dict[str, Any]]]:
    """(releaseEpoch, grade items) of a unit: one strongly consistent query, so the
    epoch and the grades are read together."""
    epoch, items = 0, []
    for item in query_pages(
        app_table(),
        KeyConditionExpression="pk = :pk AND begins_with(sk, :grade)",
        ExpressionAttributeValues={":pk": keys.unit_partition(unit_id), ":grade": "GRADE"},
        ConsistentRead=True,
    ):
        if item["sk"] == GRADES_SK:
            epoch = release_epoch_of(item)
        else:
            items.append(item)
    return epoch, items


class GradeRecord(Model):
    """A grade item read under its unit's release epoch: the one model of that item
    (Release Grades reads it through its ``GradeState`` view)."""

    unit_id: str
    account_id: str
    score: Decimal | None = None
    max_score: Decimal | None = None
    comment: str = ""
    version: int = 0
    graded_at: int | None = None
    sub: str | None = None
    issuer: str | None = None
    registration_id: str | None = None  # the registration that vouched for ``sub``
    released: bool = False
    released_score: Decimal | None = None
    released_max_score: Decimal | None = None
    released_comment: str | None = None
    released_version: int | None = None
    released_graded_at: int | None = None
    sent_version: int = 0
    sent_release: str | None = None
    sent_at: int | None = None
    last_error: dict | None = None
    resend: dict | None = None

    @property
    def changed_since_release(self) -> bool:
        return self.released_version != self.version

    @classmethod
    def from_item(cls, item: dict[str, Any], release_epoch: int) -> GradeRecord:
        unit_id, account_id = keys.grade_ids(item)
        return cls(
            unit_id=unit_id,
            account_id=str(item.get("accountId") or account_id),
            score=_decimal(item.get("score")),
            max_score=_decimal(item.get("maxScore")),
            comment=str(item.get("comment") or ""),
            version=int(item.get("version") or 0),
            graded_at=item.get("gradedAt"),
            sub=item.get("sub") or None,
            issuer=item.get("issuer") or None,
            registration_id=item.get("registrationId") or None,
            **_released_fields(released_grade(item, release_epoch)),
            sent_version=int(item.get("sentVersion") or 0),
            sent_release=item.get("sentRelease") or None,
            sent_at=_epoch(item.get("sentAt")),
            last_error=item.get("lastError") or None,
            resend=item.get("resend"),
        )


_NOT_RELEASED: dict[str, Any] = {
    "released": False,
    "released_score": None,
    "released_max_score": None,
    "released_comment": None,
    "released_version": None,
    "released_graded_at": None,
}


def _released_fields(released: ReleasedGrade | None) -> dict[str, Any]:
    """``GradeRecord``'s ``released*`` fields: the released version's, or none."""
    if released is None:
        return _NOT_RELEASED
    return {
        "released": True,
        "released_score": _decimal(released.score),
        "released_max_score": _decimal(released.max_score),
        "released_comment": released.comment,
        "released_version": released.version,
        "released_graded_at": released.graded_at,
    }


def _epoch(value: Any) -> int | None:
    return int(value) if value else None


def _decimal(value: Any) -> Decimal | None:
    if value is None or value == "":
        return None
    return value if isinstance(value, Decimal) else Decimal(str(value))


class GradeWrite(Model):
    class_id: str
    unit_id: str
    account_id: str
    sub: str | None
    issuer: str | None
    registration_id: str | None = None
    score: Decimal
    max_score: Decimal
    comment: str
    graded_by: str


class GradebookStore:
    def _grade_and_epoch(self, unit_id: str, account_id: str) -> tuple[dict | None, int]:
        """The grade item and the unit's release epoch: one consistent BatchGetItem."""
        grade, state = grade_key(unit_id, account_id), grades_state_key(unit_id)
        found = batch_get(get_settings().app_table, [grade, state], consistent=True)
        return found.get((grade["pk"], grade["sk"])), release_epoch_of(
            found.get((state["pk"], state["sk"]))
        )

    def get(self, unit_id: str, account_id: str) -> GradeRecord | None:
        item, epoch = self._grade_and_epoch(unit_id, account_id)
        return GradeRecord.from_item(item, epoch) if item else None

    def grades_of_unit(self, unit_id: str) -> dict[str, GradeRecord]:
        epoch, items = unit_grade_items(unit_id)
        records = (GradeRecord.from_item(item, epoch) for item in items)
        return {record.account_id: record for record in records}

    def save(self, grade: GradeWrite) -> bool:
        """Write score/maxScore/comment; ``version`` +1 only when one of them changes.

        Returns False when the stored grade already had these values (nothing written).
        Replacing a released version first copies it to the ``released*`` snapshot, so
        students keep seeing it until the next release. One transaction: the grade
        (conditional on the version read) and a check that no release happened since
        the epoch was read; on a race, read again and retry.
        """
        for _ in range(SAVE_ATTEMPTS):
            current, epoch = self._grade_and_epoch(grade.unit_id, grade.account_id)
            if current is not None and _same_values(current, grade):
                return False
            try:
                self._write(grade, current, epoch)
            except ClientError as error:
                cancellation(error, [])  # re-raises anything but a cancelled transaction
                continue  # the grade or the epoch moved: read again
            return True
        raise GradeChangedTooOften(f"grade {grade.unit_id}/{grade.account_id}")

    @staticmethod
    def _write(grade: GradeWrite, current: dict | None, epoch: int) -> None:
        values = saved_values(grade, current, epoch)
        write = Update().set_all(values)
        if current is None:
            write.when("attribute_not_exists(pk)")
        else:
            write.when("#version = :read", read=values["version"] - 1)
        update = {
            "TableName": get_settings().app_table,
            **write.request(grade_key(grade.unit_id, grade.account_id)),
        }
        check = {
            "TableName": get_settings().app_table,
            "Key": grades_state_key(grade.unit_id),
            **epoch_condition(epoch),
        }
        dynamodb_client().transact_write_items(
            TransactItems=[{"Update": update}, {"ConditionCheck": check}]
        )


def saved_values(grade: GradeWrite, current: dict | None, epoch: int) -> dict[str, Any]:
    """The attributes a save sets on the grade item read as ``current`` under ``epoch``."""
    version = int(current.get("version") or 0) if current else 0
    values: dict[str, Any] = {
        "score": grade.score,
        "maxScore": grade.max_score,
        "comment": grade.comment,
        "gradedAt": now_epoch(),
        "gradedBy": grade.graded_by,
        "classId": grade.class_id,
        "unitId": grade.unit_id,
        "accountId": grade.account_id,
        "kind": "grade",
        "sub": grade.sub,
        "issuer": grade.issuer,
        "registrationId": grade.registration_id,
        "version": version + 1,
        "editEpoch": epoch,
    }
    released = released_grade(current, epoch) if current else None
    if released is not None and released.version == version:
        values |= {  # this save replaces the released version: keep a copy of it
            "releasedVersion": released.version,
            "releasedScore": released.score,
            "releasedMaxScore": released.max_score,
            "releasedComment": released.comment,
            "releasedGradedAt": released.graded_at,
        }
    return values


def _same_values(item: dict[str, Any], grade: GradeWrite) -> bool:
    return (
        item.get("score") == grade.score
        and item.get("maxScore") == grade.max_score
        and (item.get("comment") or "") == grade.comment
    )
