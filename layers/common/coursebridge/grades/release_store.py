"""DynamoDB access for Release Grades (app table); the items are listed in docs/DATA.md.

Items read:   UNIT#<unitId>/META (unit), UNIT#<unitId>/GRADE#… with UNIT#<unitId>/GRADES
              (grades and release epoch, one query), CLASS#<classId>/MEMBER#<accountId> (names)
Items written:
  UNIT#<unitId>/GRADES             releaseEpoch +1, lastReleaseId, releasedAt (at release: this
                                   one write releases every grade, see store/gradebook.py)
  RELEASE#<releaseId>/META         the release and its progress; gsi1 = UNIT#<unitId>#RELEASES
  UNIT#<unitId>/GRADE#<accountId>  sentVersion, sentRelease, sentAt, lastError (by the sender);
                                   resend (a resend owes it, grades/resend.py)
  UNIT#<unitId>/META               line item attributes: grades/line_items.py
Every write to a grade is conditional on the version it acts on, so a grade is never
recorded as sent twice, and a newer released version is never recorded as sent.
"""

from __future__ import annotations

import time
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from botocore.exceptions import ClientError

from coursebridge.backoff import DYNAMODB, is_transient
from coursebridge.grades.line_items import LineItemStore
from coursebridge.grades.release_plan import (
    Failure,
    GradeState,
    ReleaseCounts,
    ReleaseError,
    UnitInfo,
)
from coursebridge.settings import get_settings
from coursebridge.store import keys
from coursebridge.store.dynamo import (
    app_table,
    batch_get,
    dynamodb_client,
    is_conditional_failure,
    now_epoch,
)
from coursebridge.store.gradebook import (
    epoch_condition,
    grade_key,
    grades_state_key,
    release_epoch_of,
    unit_grade_items,
)
from coursebridge.store.members import MemberStore
from coursebridge.store.transactions import cancellation

# Small transactions, several in flight: measured fastest on DynamoDB Local, and a
# cancelled (conflicting) transaction retries less work.
_TRANSACTION_SIZE = 25
_WRITERS = 8
_OPEN_ATTEMPTS = 8


def conditional_updates(actions: list[dict[str, Any]]) -> list[bool]:
    """Apply many conditional Update actions with few calls: small transactions.

    Returns, per action, whether it was applied. An action whose condition fails is
    left out and the rest of its transaction is retried without it, so the outcome is
    the same as one UpdateItem per action, with 1/25th of the round trips.
    """
    table = get_settings().app_table
    chunks = [
        list(range(start, min(start + _TRANSACTION_SIZE, len(actions))))
        for start in range(0, len(actions), _TRANSACTION_SIZE)
    ]
    applied = [False] * len(actions)

    def run(chunk: list[int]) -> None:
        pending = chunk
        for attempt in range(DYNAMODB.attempts):
            if not pending:
                return
            batch = [{"Update": {"TableName": table, **actions[i]}} for i in pending]
            try:
                dynamodb_client().transact_write_items(TransactItems=batch)
            except ClientError as error:
                if is_transient(error):  # conflicting transaction or throttling: try again
                    DYNAMODB.pause(attempt)
                    continue
                refused = {pending[n] for n in cancellation(error, batch).refused}
                if not refused:
                    raise
                pending = [i for i in pending if i not in refused]
                continue
            for i in pending:
                applied[i] = True
            return
        raise RuntimeError("grade updates kept conflicting with other writes")

    with ThreadPoolExecutor(max_workers=_WRITERS) as pool:
        list(pool.map(run, chunks))
    return applied


_release_key = keys.release


def release_item(
    release_id: str,
    unit: UnitInfo,
    requested_by: str,
    requested_by_email: str | None,
    requested_by_name: str | None,
    mode: str = "release",
) -> dict[str, Any]:
    """A new release (or resend) item, pending; listed under the unit (gsi1)."""
    now = now_epoch()
    item: dict[str, Any] = {
        **_release_key(release_id),
        "kind": "release",
        "mode": mode,
        "releaseId": release_id,
        "unitId": unit.unit_id,
        "classId": unit.class_id,
        "requestedBy": requested_by,
        "status": "pending",
        "sent": 0,
        "failed": 0,
        "unchanged": 0,
        "errors": [],
        "createdAt": now,
        "gsi1pk": keys.releases_of_unit(unit.unit_id),
        # epoch ms, 13 digits: newest last, also after older items keyed by 12-digit seconds
        "gsi1sk": f"{time.time_ns() // 1_000_000:013d}#{release_id}",
    }
    if requested_by_email:
        item["requestedByEmail"] = requested_by_email
    if requested_by_name:
        item["requestedByName"] = requested_by_name
    return item


class ReleaseStore(LineItemStore):
    # ------------------------------------------------------------ reads
    def grades(self, unit_id: str) -> list[GradeState]:
        """The unit's grades, except those of students who left the LMS course (a roster
        sync marked them): kept and shown, never sent again."""
        epoch, items = unit_grade_items(unit_id)
        unit = self.unit(unit_id)
        left = MemberStore().left_members(unit.class_id) if unit and unit.class_id else set()
        return [
            GradeState.from_item(item, epoch)
            for item in items
            if keys.grade_ids(item)[1] not in left
        ]

    def member_names(self, class_id: str, account_ids: list[str]) -> dict[str, str]:
        """Display names of these members (BatchGetItem, 100 keys a call)."""
        wanted = [keys.member(class_id, a) for a in account_ids]
        items = batch_get(
            get_settings().app_table, wanted, projection="pk, sk, #n, email", names={"#n": "name"}
        )
        return {
            keys.member_ids(item)[1]: item.get("name") or item.get("email") or ""
            for item in items.values()
        }

    def release(self, release_id: str) -> dict | None:
        return app_table().get_item(Key=_release_key(release_id), ConsistentRead=True).get("Item")

    # ------------------------------------------------------------ release (web)
    def open_release(
        self,
        release_id: str,
        unit: UnitInfo,
        requested_by: str,
        requested_by_email: str | None,
        requested_by_name: str | None = None,
    ) -> int:
        """Record the release and release every grade of the unit as it is now, in one
        transaction: the release item and the unit's release epoch +1 (conditional on the
        epoch read, so a grade saved meanwhile is either in this release or not, never
        half). Returns the new epoch."""
        for attempt in range(_OPEN_ATTEMPTS):
            epoch = self._release_epoch(unit.unit_id)
            now = now_epoch()
            item = release_item(
                release_id, unit, requested_by, requested_by_email, requested_by_name
            )
            item["releaseEpoch"] = epoch + 1
            condition = epoch_condition(epoch)
            try:
                dynamodb_client().transact_write_items(
                    TransactItems=[
                        {
                            "Put": {
                                "TableName": get_settings().app_table,
                                "Item": item,
                                "ConditionExpression": "attribute_not_exists(pk)",
                            }
                        },
                        {
                            "Update": {
                                "TableName": get_settings().app_table,
                                "Key": grades_state_key(unit.unit_id),
                                "UpdateExpression": (
                                    "SET releaseEpoch = :next, lastReleaseId = :release, "
                                    "releasedAt = :now, releasedBy = :by"
                                ),
                                "ConditionExpression": condition["ConditionExpression"],
                                "ExpressionAttributeValues": {
                                    **condition.get("ExpressionAttributeValues", {}),
                                    ":next": epoch + 1,
                                    ":release": release_id,
                                    ":now": now,
                                    ":by": requested_by,
                                },
                            }
                        },
                    ]
                )
            except ClientError as error:
                if not is_transient(error):
                    cancellation(error, [])  # anything but a cancelled transaction is raised
                DYNAMODB.pause(attempt)  # a grade save or another release won the race
                continue
            return epoch + 1
        raise ReleaseError("the grades kept changing while they were being released; try again")

    @staticmethod
    def _release_epoch(unit_id: str) -> int:
        item = app_table().get_item(Key=grades_state_key(unit_id), ConsistentRead=True)
        return release_epoch_of(item.get("Item"))

    # ------------------------------------------------------------ sending (worker)
    def set_running(self, release_id: str) -> None:
        try:
            app_table().update_item(
                Key=_release_key(release_id),
                UpdateExpression="SET #s = :running, startedAt = :now",
                ConditionExpression="#s = :pending",
                ExpressionAttributeNames={"#s": "status"},
                ExpressionAttributeValues={
                    ":running": "running",
                    ":pending": "pending",
                    ":now": now_epoch(),
                },
            )
        except ClientError as error:
            if not is_conditional_failure(error):  # running or done already: leave it
                raise

    def mark_sent(self, unit_id: str, grades: list[GradeState], release_id: str) -> list[bool]:
        """Record that the LMS acknowledged each grade's ``releasedVersion``. False for a
        grade someone already recorded (a redelivered message), so nobody counts it twice;
        a grade re-released meanwhile keeps its newer version to send."""
        now = now_epoch()
        return conditional_updates(
            [
                {
                    "Key": grade_key(unit_id, grade.account_id),
                    "UpdateExpression": (
                        "SET sentVersion = :v, sentRelease = :release, sentAt = :now "
                        "REMOVE lastError, resend"
                    ),
                    "ConditionExpression": "attribute_not_exists(sentVersion) OR sentVersion < :v",
                    "ExpressionAttributeValues": {
                        ":v": grade.released_version,
                        ":release": release_id,
                        ":now": now,
                    },
                }
                for grade in grades
            ]
        )

    def mark_failed(
        self, unit_id: str, grade: GradeState, release_id: str, failure: Failure
    ) -> None:
        """Keep the failure on the grade (its class and the platform's own words); it
        stays unsent, so the next release, a resend or a redrive of the DLQ message sends
        it again (a newer score in the LMS excepted, release_plan.py)."""
        try:
            app_table().update_item(
                Key=grade_key(unit_id, grade.account_id),
                UpdateExpression="SET lastError = :error REMOVE resend",
                ConditionExpression="attribute_not_exists(sentVersion) OR sentVersion < :v",
                ExpressionAttributeValues={
                    ":v": grade.released_version,
                    ":error": {
                        "reason": failure.message,
                        "code": failure.code.value,
                        "status": failure.status,
                        "releaseId": release_id,
                        "version": grade.released_version,
                        "permanent": failure.permanent,
                        "at": now_epoch(),
                    },
                },
            )
        except ClientError as error:
            if not is_conditional_failure(error):  # delivered meanwhile: nothing to record
                raise

    def note_line_item_replaced(self, release_id: str, gone: str, created: str) -> None:
        """Report on the release that its line item was deleted in the LMS and replaced."""
        app_table().update_item(
            Key=_release_key(release_id),
            UpdateExpression="SET lineItemReplaced = :replaced",
            ExpressionAttributeValues={
                ":replaced": {"gone": gone, "now": created, "at": now_epoch()}
            },
        )

    def add_progress(self, release_id: str, sent: int, failed: int) -> None:
        if not (sent or failed):
            return
        app_table().update_item(
            Key=_release_key(release_id),
            UpdateExpression="ADD sent :sent, failed :failed",
            ExpressionAttributeValues={":sent": sent, ":failed": failed},
        )

    def mark_emailed(self, release_id: str) -> None:
        app_table().update_item(
            Key=_release_key(release_id),
            UpdateExpression="SET emailedAt = :now",
            ExpressionAttributeValues={":now": now_epoch()},
        )

    def finish(self, release_id: str, counts: ReleaseCounts) -> bool:
        """Write the final counts; True only for the call that completed the release
        (so exactly one summary email goes out, however often the message comes back)."""
        values = {
            ":sent": counts.sent,
            ":failed": counts.failed,
            ":unchanged": counts.unchanged,
            ":errors": [e.to_item() for e in counts.errors],
            ":now": now_epoch(),
        }
        table = app_table()
        try:
            table.update_item(
                Key=_release_key(release_id),
                UpdateExpression=(
                    "SET #s = :done, sent = :sent, failed = :failed, unchanged = :unchanged, "
                    "errors = :errors, completedAt = :now"
                ),
                ConditionExpression="attribute_exists(pk) AND #s <> :done",
                ExpressionAttributeNames={"#s": "status"},
                ExpressionAttributeValues={**values, ":done": "done"},
            )
        except ClientError as error:
            if not is_conditional_failure(error):
                raise
            table.update_item(  # already done: keep the numbers true (e.g. a DLQ redrive)
                Key=_release_key(release_id),
                UpdateExpression=(
                    "SET sent = :sent, failed = :failed, unchanged = :unchanged, "
                    "errors = :errors, updatedAt = :now"
                ),
                ConditionExpression="attribute_exists(pk)",
                ExpressionAttributeValues=values,
            )
            return False
        return True
