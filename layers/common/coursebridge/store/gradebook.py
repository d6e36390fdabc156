"""Grade items (app table), per GRADES_CONTRACT.md.

  UNIT#<unitId> / GRADE#<accountId>  classId, unitId, accountId, sub, issuer, score, maxScore,
      comment, gradedAt, gradedBy, version  — written here (grading);
      released, releasedVersion, releasedScore/MaxScore/Comment, sentVersion, lastError —
      written only by the grades release.
Grading never touches the released*/sent* attributes, so a student keeps seeing the
released values until the next release.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from botocore.exceptions import ClientError
from pydantic import BaseModel

from coursebridge.store.dynamo import app_table, is_conditional_failure, now_epoch


class GradeRecord(BaseModel):
    unit_id: str
    account_id: str
    score: Decimal | None = None
    max_score: Decimal | None = None
    comment: str = ""
    version: int = 0
    graded_at: int | None = None
    released: bool = False
    released_score: Decimal | None = None
    released_max_score: Decimal | None = None
    released_comment: str | None = None
    released_version: int | None = None

    @property
    def changed_since_release(self) -> bool:
        return self.released_version != self.version

    @classmethod
    def from_item(cls, item: dict[str, Any]) -> GradeRecord:
        return cls(
            unit_id=item["pk"].removeprefix("UNIT#"),
            account_id=item["sk"].removeprefix("GRADE#"),
            score=item.get("score"),
            max_score=item.get("maxScore"),
            comment=item.get("comment", ""),
            version=int(item.get("version", 0)),
            graded_at=item.get("gradedAt"),
            released=bool(item.get("released")),
            released_score=item.get("releasedScore"),
            released_max_score=item.get("releasedMaxScore"),
            released_comment=item.get("releasedComment"),
            released_version=item.get("releasedVersion"),
        )


class GradeWrite(BaseModel):
    class_id: str
    unit_id: str
    account_id: str
    sub: str | None
    issuer: str | None
    score: Decimal
    max_score: Decimal
    comment: str
    graded_by: str


class GradebookStore:
    def get(self, unit_id: str, account_id: str) -> GradeRecord | None:
        item = (
            app_table()
            .get_item(
                Key={"pk": f"UNIT#{unit_id}", "sk": f"GRADE#{account_id}"}, ConsistentRead=True
            )
            .get("Item")
        )
        return GradeRecord.from_item(item) if item else None

    def grades_of_unit(self, unit_id: str) -> dict[str, GradeRecord]:
        kwargs: dict[str, Any] = {
            "KeyConditionExpression": "pk = :pk AND begins_with(sk, :grade)",
            "ExpressionAttributeValues": {":pk": f"UNIT#{unit_id}", ":grade": "GRADE#"},
            "ConsistentRead": True,
        }
        grades: dict[str, GradeRecord] = {}
        while True:
            page = app_table().query(**kwargs)
            for item in page["Items"]:
                record = GradeRecord.from_item(item)
                grades[record.account_id] = record
            if "LastEvaluatedKey" not in page:
                return grades
            kwargs["ExclusiveStartKey"] = page["LastEvaluatedKey"]

    def save(self, grade: GradeWrite) -> bool:
        """Write score/maxScore/comment; ``version`` +1 only when one of them changes.

        Returns False when the stored grade already had these values (nothing written).
        One conditional UpdateItem: concurrent saves each bump the version once.
        """
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
        }
        present = {k: v for k, v in values.items() if v is not None}
        names = {f"#{k}": k for k in [*present, "version"]}
        sets = [f"#{k} = :{k}" for k in present]
        sets.append("#version = if_not_exists(#version, :zero) + :one")
        try:
            app_table().update_item(
                Key={"pk": f"UNIT#{grade.unit_id}", "sk": f"GRADE#{grade.account_id}"},
                UpdateExpression="SET " + ", ".join(sets),
                ConditionExpression=(
                    "attribute_not_exists(pk) OR #score <> :score OR #maxScore <> :maxScore "
                    "OR #comment <> :comment"
                ),
                ExpressionAttributeNames=names,
                ExpressionAttributeValues={
                    **{f":{k}": v for k, v in present.items()},
                    ":zero": 0,
                    ":one": 1,
                },
            )
        except ClientError as error:
            if is_conditional_failure(error):
                return False
            raise
        return True
