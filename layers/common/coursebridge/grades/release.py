"""Release Grades: start a release (web request) and deliver it (SQS worker).

``start_release`` records the release, makes the unit's current grades visible to
students (one transaction however many grades: see store/gradebook.py) and queues the
delivery. ``deliver_release`` (one SQS message) sends every released-but-unacknowledged
grade to the LMS as an AGS Score, concurrently, records each outcome on the grade, and
when nothing is left to try, completes the release and mails the teacher a summary.
See ``release_plan`` for the rules.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any

from aws_lambda_powertools import Logger

from coursebridge import aws
from coursebridge.grades.release_email import send_release_summary
from coursebridge.grades.release_plan import (
    GradeState,
    ReleaseNotFound,
    UnitInfo,
    UnitNotFound,
    count_release,
    plan_sends,
)
from coursebridge.grades.release_sender import (
    ClientFactory,
    SendOutcome,
    default_client_factory,
    resolve_line_item,
    send_scores,
)
from coursebridge.grades.release_store import ReleaseStore
from coursebridge.lti.ags import AgsClient, AgsError, PermanentAgsError
from coursebridge.sessions import Session
from coursebridge.settings import get_settings
from coursebridge.store.accounts import AccountStore
from coursebridge.store.dynamo import new_id
from coursebridge.store.orgs import OrgStore

logger = Logger(child=True)

# The release queue's redrive policy (template.yaml ReleaseQueue maxReceiveCount):
# on this receive the message is about to go to the DLQ, so the release is completed
# with whatever is still unsent counted as failed. A unit test keeps the two equal.
MAX_RECEIVE_COUNT = 5
# A release bigger than one invocation continues in a new message; this bounds the chain
# when the platform is so slow that no invocation gets through its share.
MAX_CONTINUATIONS = 50


class ReleaseIncomplete(Exception):
    """Some grades met only transient failures: the message must come back later."""


def enqueue_release(release_id: str, continuation: int = 0) -> None:
    aws.client("sqs").send_message(
        QueueUrl=get_settings().release_queue_url,
        MessageBody=json.dumps({"releaseId": release_id, "continuation": continuation}),
    )


def start_release(
    session: Session,
    class_id: str,
    unit_id: str,
    *,
    store: ReleaseStore | None = None,
    enqueue: Callable[[str, int], None] = enqueue_release,
) -> str:
    """POST …/release: returns the new release id (202)."""
    store = store or ReleaseStore()
    unit = store.unit(unit_id)
    if unit is None or unit.class_id != class_id:
        raise UnitNotFound(f"unit {unit_id} is not in class {class_id}")
    release_id = new_id("rel")
    epoch = store.open_release(release_id, unit, session.account_id, session.email)
    enqueue(release_id, 0)
    logger.info("release started", extra={"releaseId": release_id, "releaseEpoch": epoch})
    return release_id


def release_progress(release_id: str, store: ReleaseStore | None = None) -> dict[str, Any]:
    """GET /api/releases/{id}: what the teacher sees while and after it runs."""
    release = (store or ReleaseStore()).release(release_id)
    if release is None:
        raise ReleaseNotFound(f"no release {release_id}")
    return {
        "releaseId": release_id,
        "classId": release["classId"],
        "unitId": release["unitId"],
        "status": release["status"],
        "sent": int(release.get("sent", 0)),
        "failed": int(release.get("failed", 0)),
        "unchanged": int(release.get("unchanged", 0)),
        "errors": release.get("errors", []),
        "createdAt": int(release["createdAt"]),
        "completedAt": int(release["completedAt"]) if release.get("completedAt") else None,
    }


@dataclass
class Delivery:
    """Collaborators of ``deliver_release`` (real ones by default)."""

    store: ReleaseStore = field(default_factory=ReleaseStore)
    client_factory: ClientFactory = default_client_factory
    mail_summary: Callable[[dict, UnitInfo | None, Any], None] | None = None
    enqueue: Callable[[str, int], None] = enqueue_release


def deliver_release(
    release_id: str,
    *,
    receive_count: int = 1,
    continuation: int = 0,
    deadline: float | None = None,
    delivery: Delivery | None = None,
) -> None:
    """Handle one release message. Raises ``ReleaseIncomplete`` to have it retried."""
    delivery = delivery or Delivery()
    store = delivery.store
    release = store.release(release_id)
    if release is None:
        logger.warning("release message for an unknown release", extra={"releaseId": release_id})
        return
    store.set_running(release_id)
    unit = store.unit(release["unitId"])
    outcome = _send_planned(release_id, release["unitId"], unit, deadline, delivery)
    if outcome.not_started and continuation < MAX_CONTINUATIONS:
        delivery.enqueue(release_id, continuation + 1)  # out of time: a new invocation goes on
        logger.info("release continues", extra={"releaseId": release_id, **outcome.summary()})
        return
    last_try = receive_count >= MAX_RECEIVE_COUNT or continuation >= MAX_CONTINUATIONS
    if outcome.transient and not last_try:
        raise ReleaseIncomplete(f"{outcome.transient} grade(s) to retry")
    _complete(release, unit, store, delivery)
    if outcome.transient or outcome.not_started:
        raise ReleaseIncomplete(f"{outcome.transient} grade(s) undelivered: to the DLQ")


def _send_planned(
    release_id: str,
    unit_id: str,
    unit: UnitInfo | None,
    deadline: float | None,
    delivery: Delivery,
) -> SendOutcome:
    """Send the grades the release still owes the LMS; fail them all if the unit is gone."""
    store = delivery.store
    with ThreadPoolExecutor(max_workers=1) as pool:
        # the LMS client and its token are prepared while the grades are read
        client = pool.submit(_ready_client, unit, deadline, delivery) if unit else None
        grades = store.grades(unit_id)
        plan = plan_sends(grades, release_id)
        if plan.to_send and unit is not None and client is not None:
            return _send(unit, grades, plan.to_send, release_id, client, deadline, delivery)
    for grade in plan.to_send:  # the unit was deleted: nothing can be sent
        store.mark_failed(unit_id, grade, release_id, "the unit no longer exists", True)
    return SendOutcome()


def _ready_client(unit: UnitInfo, deadline: float | None, delivery: Delivery) -> AgsClient:
    if not unit.has_ags:
        raise PermanentAgsError("the LMS did not offer grade passback (AGS) for this activity")
    client = delivery.client_factory(unit, deadline)
    client.warm_up()
    return client


def _send(
    unit: UnitInfo,
    grades: list[GradeState],
    to_send: list[GradeState],
    release_id: str,
    ready_client: Future[AgsClient],
    deadline: float | None,
    delivery: Delivery,
) -> SendOutcome:
    store = delivery.store
    try:
        client = ready_client.result()
        lineitem = resolve_line_item(unit, client, store, grades)
    except AgsError as error:  # nothing can be sent: the same reason for every grade
        permanent = isinstance(error, PermanentAgsError)
        for grade in to_send:
            store.mark_failed(unit.unit_id, grade, release_id, error.reason, permanent)
        logger.warning("release cannot reach the LMS", extra={"reason": error.reason})
        return SendOutcome(
            permanent=len(to_send) if permanent else 0,
            transient=0 if permanent else len(to_send),
        )
    return send_scores(unit, to_send, lineitem, client, store, release_id, deadline)


def _complete(
    release: dict, unit: UnitInfo | None, store: ReleaseStore, delivery: Delivery
) -> None:
    release_id = release["releaseId"]
    grades = store.grades(release["unitId"])
    failing = [g.account_id for g in grades if g.needs_send]
    names = store.member_names(release["classId"], failing) if failing else {}
    counts = count_release(grades, release_id, names)
    store.finish(release_id, counts)
    logger.info(
        "release complete",
        extra={"releaseId": release_id, "sent": counts.sent, "failed": counts.failed},
    )
    fresh = store.release(release_id) or release
    if fresh.get("emailedAt"):
        return
    mail = delivery.mail_summary or mail_release_summary
    mail(fresh, unit, counts)
    store.mark_emailed(release_id)


def mail_release_summary(release: dict, unit: UnitInfo | None, counts: Any) -> None:
    """The summary email to the teacher who pressed Release Grades."""
    to = release.get("requestedByEmail")
    if not to:
        account = AccountStore().get(release["requestedBy"])
        to = account.email if account else None
    if not to:
        logger.warning(
            "no email for the releasing teacher", extra={"releaseId": release["releaseId"]}
        )
        return
    org = OrgStore().get(unit.org_id) if unit and unit.org_id else None
    sender = (org.sender_email if org else None) or get_settings().sender_email
    send_release_summary(
        sender=sender,
        to=to,
        title=unit.title if unit else release["unitId"],
        counts=counts,
        release_id=release["releaseId"],
    )


def remaining_deadline(remaining_ms: int, margin_seconds: float = 10.0) -> float:
    """A monotonic deadline that leaves ``margin_seconds`` to record and report."""
    return time.monotonic() + max(1.0, remaining_ms / 1000 - margin_seconds)


__all__ = [
    "MAX_RECEIVE_COUNT",
    "Delivery",
    "ReleaseIncomplete",
    "deliver_release",
    "release_progress",
    "start_release",
]
