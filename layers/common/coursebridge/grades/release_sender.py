"""Sending released grades to the LMS as AGS scores, concurrently.

Concurrency is bounded per platform by the AGS client's gate; progress is added to
the release item about once a second so the teacher's page can show it move. Each
refusal is recorded on its grade with its class (lti/ags_errors.py). A 404 makes the
sender ask once whether the line item itself is gone (deleted in the LMS): then no
score is posted to it any more, and those grades go once more to its replacement
(grades/line_items.py).
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor, as_completed
from dataclasses import dataclass, field
from enum import Enum

from aws_lambda_powertools import Logger

from coursebridge.grades.release_plan import (
    Failure,
    GradeState,
    UnitInfo,
    score_for,
    unsendable_reason,
)
from coursebridge.grades.release_store import ReleaseStore
from coursebridge.keyring import active_signing_key_id
from coursebridge.lti.ags import AgsClient, AgsError, PermanentAgsError, TransientAgsError
from coursebridge.lti.ags_errors import Reason
from coursebridge.lti.ags_token import AgsPlatform
from coursebridge.signing import KmsSigner
from coursebridge.store.dynamo import now_epoch
from coursebridge.store.platforms import PlatformStore

logger = Logger(child=True)

ClientFactory = Callable[[UnitInfo, float | None], AgsClient]
ReplaceLineItem = Callable[[str], str]  # gone line item URL → the one to use now

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
        platform=AgsPlatform.of(registration),
        scopes=unit.ags_scope,
        sign_assertion=signer.sign_jwt,
        deadline=deadline,
    )


class Result(Enum):
    POSTED = "posted"  # acknowledged by the LMS, not yet recorded
    SENT = "sent"
    ALREADY_SENT = "already_sent"
    PERMANENT = "permanent"
    TRANSIENT = "transient"
    NOT_STARTED = "not_started"
    GONE = "gone"  # the line item was deleted in the LMS: to its replacement


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


class _LineItemCheck:
    """Whether the line item is gone, asked of the LMS once however many 404s come back."""

    def __init__(self, client: AgsClient, lineitem: str) -> None:
        self.client, self.lineitem = client, lineitem
        self.gone: bool | None = None
        self._lock = threading.Lock()

    def is_gone(self) -> bool:
        with self._lock:
            if self.gone is None:
                try:
                    self.gone = not self.client.line_item_exists(self.lineitem)
                except AgsError:
                    self.gone = False  # cannot tell: the score's own refusal stands
            return self.gone


@dataclass
class _Run:
    """One pass of sends to one line item."""

    unit: UnitInfo
    client: AgsClient
    store: ReleaseStore
    release_id: str
    deadline: float | None
    lineitem: str
    last_activity: dict[str, int]
    now: int = field(default_factory=now_epoch)

    def __post_init__(self) -> None:
        self.check = _LineItemCheck(self.client, self.lineitem)

    def send_one(self, grade: GradeState) -> Result:
        if self.deadline is not None and time.monotonic() > self.deadline:
            return Result.NOT_STARTED
        reason = unsendable_reason(grade, self.unit)
        if reason:
            return self._failed(grade, Failure(Reason.OTHER, reason))
        if self.check.gone:
            return Result.GONE
        score = score_for(grade, self.unit, self.now, self.last_activity.get(grade.account_id))
        try:
            self.client.post_score(self.lineitem, score)
        except PermanentAgsError as error:
            if error.status in (404, 410) and self.check.is_gone():
                return Result.GONE
            return self._failed(grade, Failure.of(error, self.unit.lms))
        except TransientAgsError as error:
            return self._failed(grade, Failure.of(error, self.unit.lms))
        return Result.POSTED

    def _failed(self, grade: GradeState, failure: Failure) -> Result:
        self.store.mark_failed(self.unit.unit_id, grade, self.release_id, failure)
        return Result.PERMANENT if failure.permanent else Result.TRANSIENT

    def run(self, grades: list[GradeState], outcome: SendOutcome) -> list[GradeState]:
        """Send ``grades``; returns those whose line item turned out to be gone."""
        gone: list[GradeState] = []
        recorder = _Recorder(self.unit.unit_id, self.store, self.release_id)
        with ThreadPoolExecutor(max_workers=self.client.concurrency) as pool:
            futures = {pool.submit(self.send_one, g): g for g in grades}
            for future in as_completed(futures):
                result = future.result()
                if result is Result.POSTED:
                    recorder.posted.append(futures[future])
                elif result is Result.GONE:
                    gone.append(futures[future])
                else:
                    outcome.add(result)
                    recorder.failed += result is Result.PERMANENT
                if recorder.due():
                    recorder.flush()
        recorder.close(outcome)
        return gone


def send_scores(
    unit: UnitInfo,
    grades: list[GradeState],
    lineitem: str,
    client: AgsClient,
    store: ReleaseStore,
    release_id: str,
    deadline: float | None,
    *,
    last_activity: dict[str, int] | None = None,
    replace_line_item: ReplaceLineItem | None = None,
) -> SendOutcome:
    """Send each grade's released version; every outcome is recorded on the grade.

    ``last_activity``: each student's last launch into the unit (Canvas's
    ``submitted_at``). ``replace_line_item``: called once if the line item turns out
    to be deleted in the LMS; the grades it cost go to the line item it returns.

    If the process dies between the LMS's acknowledgement and the record, the grade is
    sent again on redelivery: the same score with the same timestamp, which AGS
    platforms apply idempotently."""
    outcome = SendOutcome()
    activity = last_activity or {}
    job = _Run(unit, client, store, release_id, deadline, lineitem, activity)
    gone = job.run(grades, outcome)
    if gone and replace_line_item is not None:
        try:
            replacement = replace_line_item(lineitem)
        except AgsError as error:
            failure = Failure(Reason.LINE_ITEM_GONE, f"no new line item: {error.reason}")
        else:
            job = _Run(unit, client, store, release_id, deadline, replacement, activity)
            gone = job.run(gone, outcome)
            failure = Failure(Reason.LINE_ITEM_GONE, "the new line item was deleted too", 404)
    else:
        failure = Failure(Reason.LINE_ITEM_GONE, "the LMS line item was deleted", 404)
    for grade in gone:
        outcome.add(job._failed(grade, failure))
    store.add_progress(release_id, 0, len(gone))
    logger.info("scores sent", extra={"releaseId": release_id, **outcome.summary()})
    return outcome
