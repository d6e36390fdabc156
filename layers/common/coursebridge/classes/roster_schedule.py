"""The roster schedule: every class with a roster source is synced once a day.

An EventBridge rule invokes the roster sync function every hour; the hour of the event
names one of ``keys.ROSTER_SHARDS`` (24) shards, and each class of that shard (gsi1
``ROSTERSYNC#<hour>``, a class's shard is a digest of its id) becomes one message on
``RosterSyncQueue``. The same function then syncs one class per message, with the time
it has; a sync that runs out of time queues its own continuation (bounded), and a
transient LMS failure leaves the message to SQS's retries and the DLQ.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from aws_lambda_powertools import Logger

from coursebridge import aws
from coursebridge.classes.roster_sync import (
    RosterUnavailable,
    SyncResult,
    enqueue_roster_sync,
    sync_class_roster,
)
from coursebridge.settings import get_settings
from coursebridge.store import keys
from coursebridge.store.roster import RosterSourceStore

logger = Logger(child=True)

MAX_CONTINUATIONS = 10
BATCH = 10  # SQS SendMessageBatch's limit


def shard_at(moment: str | None) -> int:
    """The shard of an EventBridge event's ``time`` (ISO 8601, UTC); now when absent."""
    try:
        when = datetime.fromisoformat(str(moment).replace("Z", "+00:00"))
    except ValueError:
        when = datetime.now(UTC)
    return when.astimezone(UTC).hour % keys.ROSTER_SHARDS


def _send_batch(entries: list[dict[str, str]]) -> None:
    answer = aws.client("sqs").send_message_batch(
        QueueUrl=get_settings().roster_sync_queue_url, Entries=entries
    )
    if answer.get("Failed"):
        raise RuntimeError(f"{len(answer['Failed'])} roster sync message(s) not queued")


def dispatch(shard: int, send: Callable[[list[dict[str, str]]], None] = _send_batch) -> int:
    """Queue one message per class of ``shard``; returns how many."""
    classes = RosterSourceStore().classes_in_shard(shard)
    for start in range(0, len(classes), BATCH):
        send(
            [
                {"Id": str(n), "MessageBody": json.dumps({"classId": class_id})}
                for n, class_id in enumerate(classes[start : start + BATCH])
            ]
        )
    logger.info("roster syncs queued", extra={"shard": shard, "classes": len(classes)})
    return len(classes)


def run_queued(message: dict[str, Any], deadline: float | None) -> SyncResult | None:
    """Sync the message's class; None when it has no roster to read (nothing to retry)."""
    class_id = str(message["classId"])
    continuation = int(message.get("continuation", 0))
    requested_by = message.get("requestedBy")
    try:
        result = sync_class_roster(class_id, requested_by=requested_by, deadline=deadline)
    except RosterUnavailable as error:
        logger.info("roster not synced", extra={"classId": class_id, "reason": str(error)})
        if error.transient:
            raise  # SQS brings the message back (and, after its last try, to the DLQ)
        return None
    if not result.complete and continuation < MAX_CONTINUATIONS:
        enqueue_roster_sync(class_id, requested_by=requested_by, continuation=continuation + 1)
    return result
