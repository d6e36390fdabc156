"""Sending released grades to the LMS: the line item, then the scores, concurrently.

Concurrency is bounded per platform by the AGS client's gate; progress is added to
the release item about once a second so the teacher's page can show it move.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor, as_completed
from dataclasses import dataclass
from enum import Enum

from aws_lambda_powertools import Logger

from coursebridge.grades.release_plan import (
    GradeState,
    UnitInfo,
    line_item_maximum,
    score_for,
    unsendable_reason,
)
from coursebridge.grades.release_store import ReleaseStore
from coursebridge.keyring import active_signing_key_id
from coursebridge.lti.ags import AgsClient, PermanentAgsError, TransientAgsError
from coursebridge.lti.ags_token import AgsPlatform
from coursebridge.signing import KmsSigner
from coursebridge.store.dynamo import now_epoch
from coursebridge.store.platforms import PlatformStore

logger = Logger(child=True)

ClientFactory = Callable[[UnitInfo, float | None], AgsClient]

LINEITEM_WAIT_SECONDS = 10.0
PROGRESS_EVERY_SECONDS = 1.0


def default_client_factory(unit: UnitInfo, deadline: float | None) -> AgsClient:
    """An AGS client for the unit's platform registration, signing with the KMS key."""
    registration = PlatformStore().get(unit.issuer, unit.client_id)
    if registration is None:
        raise PermanentAgsError(
            f"the LMS {unit.issuer} (client {unit.client_id}) is no longer registered"
        )
    signer = KmsSigner(active_signing_key_id())
    return AgsClient(
        platform=AgsPlatform(unit.issuer, unit.client_id, str(registration.auth_token_url)),
        scopes=unit.ags_scope,
        sign_assertion=signer.sign_jwt,
        deadline=deadline,
    )


def resolve_line_item(
    unit: UnitInfo, client: AgsClient, store: ReleaseStore, grades: list[GradeState]
) -> str:
    """The launch's line item, else the one found or created for the resource link
    (once per unit: stored on the unit meta, and a lease keeps two workers from both
    creating one)."""
    if unit.lineitem:
        return unit.lineitem
    if unit.release_lineitem:
        return unit.release_lineitem
    if not unit.lineitems:
        raise PermanentAgsError("the LMS gave no line item for this activity")
    if not store.try_line_item_lease(unit.unit_id):
        deadline = time.monotonic() + LINEITEM_WAIT_SECONDS
        while time.monotonic() < deadline:
            time.sleep(0.2)
            fresh = store.unit(unit.unit_id)
            if fresh and fresh.release_lineitem:
                return fresh.release_lineitem
    found = client.find_line_item(unit.lineitems, unit.resource_link_id)
    created = found or client.create_line_item(
        unit.lineitems,
        label=unit.title,
        score_maximum=line_item_maximum(unit, grades),
        resource_link_id=unit.resource_link_id,
    )
    logger.info("line item resolved", extra={"unitId": unit.unit_id, "lineItemCreated": not found})
    return store.save_line_item(unit.unit_id, created)


class Result(Enum):
    SENT = "sent"
    ALREADY_SENT = "already_sent"
    PERMANENT = "permanent"
    TRANSIENT = "transient"
    NOT_STARTED = "not_started"


@dataclass
class SendOutcome:
    sent: int = 0
    already_sent: int = 0
    permanent: int = 0
    transient: int = 0
    not_started: int = 0

    def add(self, result: Result) -> None:
        setattr(self, result.value, getattr(self, result.value) + 1)

    def summary(self) -> dict[str, int]:
        return dict(self.__dict__)


def send_scores(
    unit: UnitInfo,
    grades: list[GradeState],
    lineitem: str,
    client: AgsClient,
    store: ReleaseStore,
    release_id: str,
    deadline: float | None,
) -> SendOutcome:
    """Send each grade's released version; every outcome is recorded on the grade."""
    now = now_epoch()

    def send_one(grade: GradeState) -> Result:
        if deadline is not None and time.monotonic() > deadline:
            return Result.NOT_STARTED
        reason = unsendable_reason(grade, unit)
        if reason:
            store.mark_failed(unit.unit_id, grade, release_id, reason, permanent=True)
            return Result.PERMANENT
        try:
            client.post_score(lineitem, score_for(grade, unit, now))
        except PermanentAgsError as error:
            store.mark_failed(unit.unit_id, grade, release_id, error.reason, permanent=True)
            return Result.PERMANENT
        except TransientAgsError as error:
            store.mark_failed(unit.unit_id, grade, release_id, error.reason, permanent=False)
            return Result.TRANSIENT
        if store.mark_sent(unit.unit_id, grade, release_id):
            return Result.SENT
        return Result.ALREADY_SENT

    outcome = SendOutcome()
    pending_sent = pending_failed = 0
    last_flush = time.monotonic()
    with ThreadPoolExecutor(max_workers=client.concurrency) as pool:
        for future in as_completed([pool.submit(send_one, g) for g in grades]):
            result = future.result()
            outcome.add(result)
            pending_sent += result is Result.SENT
            pending_failed += result is Result.PERMANENT
            if time.monotonic() - last_flush >= PROGRESS_EVERY_SECONDS:
                store.add_progress(release_id, pending_sent, pending_failed)
                pending_sent = pending_failed = 0
                last_flush = time.monotonic()
    store.add_progress(release_id, pending_sent, pending_failed)
    logger.info("scores sent", extra={"releaseId": release_id, **outcome.summary()})
    return outcome
