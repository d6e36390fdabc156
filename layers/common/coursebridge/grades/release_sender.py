"""Sending released grades to the LMS: the line item, then the scores, concurrently.

Concurrency is bounded per platform by the AGS client's gate; progress is added to
the release item about once a second so the teacher's page can show it move.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor, as_completed
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
RECORD_BATCH = 25
RECORD_WRITERS = 4


def default_client_factory(unit: UnitInfo, deadline: float | None) -> AgsClient:
    """An AGS client for the unit's platform registration, signing with the KMS key."""
    registration = PlatformStore().get(unit.issuer, unit.client_id)
    if (
        registration is None
        or registration.registration_id != unit.registration_id
        or registration.org_id != unit.org_id
    ):  # removed, or removed and registered again: a new tenant, not this unit's
        raise PermanentAgsError(
            f"the LMS {unit.issuer} (client {unit.client_id}) is no longer registered"
        )
    signer = KmsSigner(active_signing_key_id())
    return AgsClient(
        platform=AgsPlatform(
            unit.issuer, unit.client_id, str(registration.auth_token_url), unit.registration_id
        ),
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
    POSTED = "posted"  # acknowledged by the LMS, not yet recorded
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

    def add(self, result: Result, count: int = 1) -> None:
        setattr(self, result.value, getattr(self, result.value) + count)

    def summary(self) -> dict[str, int]:
        return dict(self.__dict__)


class _Recorder:
    """Records acknowledged scores in batches (one small transaction each, several in
    flight, while the sends go on) and adds them to the release's progress."""

    def __init__(self, unit_id: str, store: ReleaseStore, release_id: str) -> None:
        self.unit_id, self.store, self.release_id = unit_id, store, release_id
        self.posted: list[GradeState] = []
        self.failed = 0
        self.last_flush = time.monotonic()
        self.writers = ThreadPoolExecutor(max_workers=RECORD_WRITERS)
        self.batches: list[Future[list[bool]]] = []

    def due(self) -> bool:
        return (
            len(self.posted) >= RECORD_BATCH
            or time.monotonic() - self.last_flush >= PROGRESS_EVERY_SECONDS
        )

    def _record(self, grades: list[GradeState], failed: int) -> list[bool]:
        recorded = self.store.mark_sent(self.unit_id, grades, self.release_id) if grades else []
        self.store.add_progress(self.release_id, sum(recorded), failed)
        return recorded

    def flush(self) -> None:
        if self.posted or self.failed:
            self.batches.append(self.writers.submit(self._record, self.posted, self.failed))
        self.posted, self.failed = [], 0
        self.last_flush = time.monotonic()

    def close(self, outcome: SendOutcome) -> None:
        self.flush()
        self.writers.shutdown(wait=True)
        for batch in self.batches:
            recorded = batch.result()
            outcome.add(Result.SENT, sum(recorded))
            outcome.add(Result.ALREADY_SENT, len(recorded) - sum(recorded))


def send_scores(
    unit: UnitInfo,
    grades: list[GradeState],
    lineitem: str,
    client: AgsClient,
    store: ReleaseStore,
    release_id: str,
    deadline: float | None,
) -> SendOutcome:
    """Send each grade's released version; every outcome is recorded on the grade.

    If the process dies between the LMS's acknowledgement and the record, the grade is
    sent again on redelivery: the same score with the same timestamp, which AGS
    platforms apply idempotently."""
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
        return Result.POSTED

    outcome = SendOutcome()
    recorder = _Recorder(unit.unit_id, store, release_id)
    with ThreadPoolExecutor(max_workers=client.concurrency) as pool:
        futures = {pool.submit(send_one, g): g for g in grades}
        for future in as_completed(futures):
            result = future.result()
            if result is Result.POSTED:
                recorder.posted.append(futures[future])
            else:
                outcome.add(result)
                recorder.failed += result is Result.PERMANENT
            if recorder.due():
                recorder.flush()
    recorder.close(outcome)
    logger.info("scores sent", extra={"releaseId": release_id, **outcome.summary()})
    return outcome
