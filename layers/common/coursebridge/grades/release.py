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
from coursebridge.grades.line_items import replace_gone_line_item, resolve_line_item
from coursebridge.grades.release_email import send_release_summary
from coursebridge.grades.release_plan import (
    Failure,
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
    send_scores,
)
from coursebridge.grades.release_store import ReleaseStore
from coursebridge.lti.ags import AgsClient, AgsError, PermanentAgsError
from coursebridge.lti.ags_errors import Lms, Reason
from coursebridge.sessions import Session
from coursebridge.settings import get_settings
from coursebridge.store.accounts import AccountStore
from coursebridge.store.dynamo import new_id
from coursebridge.store.members import MemberStore
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
    epoch = store.open_release(release_id, unit, session.account_id, session.email, session.name)
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
        "mode": release.get("mode", "release"),
        "status": release["status"],
        "sent": int(release.get("sent", 0)),
        "failed": int(release.get("failed", 0)),
        "unchanged": int(release.get("unchanged", 0)),
        "errors": release.get("errors", []),
        "createdAt": int(release["createdAt"]),
        "completedAt": int(release["completedAt"]) if release.get("completedAt") else None,
        "lineItemReplaced": _replaced(release.get("lineItemReplaced")),
    }


def _replaced(value: dict | None) -> dict | None:
    """The line item deleted in the LMS during this release, and the one made for it."""
    if not value:
        return None
    return {"gone": value.get("gone"), "now": value.get("now"), "at": int(value.get("at") or 0)}


def grades_of(release: dict, grades: list[GradeState]) -> list[GradeState]:
    """The grades a release is about: all of the unit's, or a resend's named students."""
    if release.get("mode") != "resend":
        return grades
    named = set(release.get("accountIds") or ())
    return [g for g in grades if g.account_id in named]


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
    outcome = _send_planned(release, unit, deadline, delivery)
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
    release: dict, unit: UnitInfo | None, deadline: float | None, delivery: Delivery
) -> SendOutcome:
    """Send the grades the release still owes the LMS; fail them all if the unit is gone."""
    store, release_id = delivery.store, release["releaseId"]
    with ThreadPoolExecutor(max_workers=2) as pool:
        # the LMS client and its token, and Canvas's submission times, are prepared
        # while the grades are read
        client = pool.submit(_ready_client, unit, deadline, delivery) if unit else None
        activity = pool.submit(_last_activity, unit) if unit else None
        grades = grades_of(release, store.grades(release["unitId"]))
        plan = plan_sends(grades, release_id)
        if plan.to_send and unit is not None and client is not None and activity is not None:
            sending = _Sending(unit, grades, release_id, deadline, delivery)
            return sending.send(plan.to_send, client, activity.result())
    gone = Failure(Reason.OTHER, "the unit no longer exists")
    for grade in plan.to_send:  # the unit was deleted: nothing can be sent
        store.mark_failed(release["unitId"], grade, release_id, gone)
    return SendOutcome()


def _last_activity(unit: UnitInfo) -> dict[str, int]:
    """Each student's last launch into the unit, for Canvas's ``submitted_at``."""
    if unit.lms != Lms.CANVAS:
        return {}
    return {a: v.last_launch_at for a, v in MemberStore().visits(unit.unit_id).items()}


def _ready_client(unit: UnitInfo, deadline: float | None, delivery: Delivery) -> AgsClient:
    if not unit.has_ags:
        raise PermanentAgsError("the LMS did not offer grade passback (AGS) for this activity")
    client = delivery.client_factory(unit, deadline)
    client.warm_up()
    return client


@dataclass
class _Sending:
    """One release invocation's sends to the unit's line item."""

    unit: UnitInfo
    grades: list[GradeState]
    release_id: str
    deadline: float | None
    delivery: Delivery

    def send(
        self, to_send: list[GradeState], ready: Future[AgsClient], activity: dict[str, int]
    ) -> SendOutcome:
        store, unit = self.delivery.store, self.unit
        try:
            client = ready.result()
            lineitem = resolve_line_item(unit, client, store, self.grades)
        except AgsError as error:  # nothing can be sent: the same reason for every grade
            failure = Failure.of(error, unit.lms)
            for grade in to_send:
                store.mark_failed(unit.unit_id, grade, self.release_id, failure)
            logger.warning("release cannot reach the LMS", extra={"reason": error.reason})
            return SendOutcome(
                permanent=len(to_send) if failure.permanent else 0,
                transient=0 if failure.permanent else len(to_send),
            )

        def replace(gone: str) -> str:
            _, created = replace_gone_line_item(unit, gone, client, store, self.grades)
            store.note_line_item_replaced(self.release_id, gone, created)
            return created

        return send_scores(
            unit,
            to_send,
            lineitem,
            client,
            store,
            self.release_id,
            self.deadline,
            last_activity=activity,
            replace_line_item=replace,
        )


def _complete(
    release: dict, unit: UnitInfo | None, store: ReleaseStore, delivery: Delivery
) -> None:
    release_id = release["releaseId"]
    grades = grades_of(release, store.grades(release["unitId"]))
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
        resend=release.get("mode") == "resend",
        replaced=bool(release.get("lineItemReplaced")),
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
