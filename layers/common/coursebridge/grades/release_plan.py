"""The rules of Release Grades, without AWS: what is released, what to send, how to
count. Pure functions over ``GradeState`` so unit tests can run every case.

Rules:
- Releasing makes every grade's *current* version the released one (one write: the unit's
  release epoch, see store/gradebook.py); a grade edited later stays hidden until the next
  release, and students keep seeing the version that was released.
- Only released grades are ever sent, and only their ``released*`` values.
- A grade is sent when ``releasedVersion > sentVersion``: a second release, or a
  redelivered message, sends nothing that the LMS has already acknowledged.
- A grade whose send failed stays unsent (with ``lastError``): nothing is lost, the next
  release (or a DLQ redrive, or a resend) sends it again — except when the LMS said it
  already holds a newer score (``superseded``): that version is never asked again.
- Canvas gets its submission extension: ``submitted_at`` from the student's last launch
  into the unit (no later than the released grade was saved: a launch to read the
  feedback is not a submission), ``new_submission: false`` once the LMS has acknowledged
  an earlier version, and ``prioritize_non_tool_grade`` (a teacher's override in Canvas
  wins). Every other LMS gets plain AGS.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from typing import Any

from coursebridge.lti.ags import (
    AgsError,
    Score,
    TokenRefused,
    TransientAgsError,
    utc_from_epoch,
)
from coursebridge.lti.ags_errors import RETRIED, Lms, Reason, classify, lms_family, reason_of
from coursebridge.lti.ags_messages import canvas_submission
from coursebridge.store.classes import UnitRecord
from coursebridge.store.gradebook import GradeRecord


class ReleaseError(Exception):
    """A release cannot be started (mapped to a 4xx in the web routes)."""


class UnitNotFound(ReleaseError):
    pass


class ReleaseNotFound(ReleaseError):
    pass


def _decimal(value: Any, default: Decimal | None = None) -> Decimal | None:
    if value is None or value == "":
        return default
    return value if isinstance(value, Decimal) else Decimal(str(value))


@dataclass(frozen=True)
class UnitInfo:
    unit_id: str
    class_id: str
    org_id: str
    title: str
    issuer: str
    client_id: str
    registration_id: str
    resource_link_id: str
    max_score: Decimal | None = None
    lineitem: str | None = None
    lineitems: str | None = None
    release_lineitem: str | None = None
    ags_scope: frozenset[str] = frozenset()
    lms: Lms = Lms.GENERIC
    gone_lineitems: frozenset[str] = frozenset()  # deleted in the LMS: never sent to again

    @classmethod
    def of(cls, unit: UnitRecord) -> UnitInfo:
        """The release's view of the unit item (store/classes.py models it)."""
        return cls(
            unit_id=unit.unit_id,
            class_id=unit.class_id,
            org_id=unit.org_id,
            title=unit.title or unit.unit_id,
            issuer=unit.issuer or "",
            client_id=unit.client_id or "",
            registration_id=unit.registration_id or "",
            resource_link_id=unit.resource_link_id or "",
            max_score=_decimal(unit.max_score),
            lineitem=unit.lineitem or None,
            lineitems=unit.lineitems or None,
            release_lineitem=unit.release_lineitem or None,
            ags_scope=frozenset(unit.ags_scope),
            lms=lms_family(unit.lms_family, unit.issuer),
            gone_lineitems=frozenset(unit.gone_lineitems),
        )

    @classmethod
    def from_item(cls, unit_id: str, item: dict) -> UnitInfo:
        return cls.of(UnitRecord.from_item({"unitId": unit_id, "classId": "", "orgId": "", **item}))

    @property
    def has_ags(self) -> bool:
        return bool(self.lineitem or self.release_lineitem or self.lineitems)


@dataclass(frozen=True)
class GradeState:
    account_id: str
    sub: str | None
    issuer: str | None
    registration_id: str | None
    score: Decimal | None
    max_score: Decimal | None
    comment: str
    version: int
    graded_at: int
    released: bool = False
    released_version: int = 0
    released_score: Decimal | None = None
    released_max_score: Decimal | None = None
    released_comment: str = ""
    released_graded_at: int = 0
    sent_version: int = 0
    sent_release: str | None = None
    last_error: dict | None = None

    @classmethod
    def of(cls, grade: GradeRecord) -> GradeState:
        """The release's view of a grade item (store/gradebook.py models it)."""
        return cls(
            account_id=grade.account_id,
            sub=grade.sub,
            issuer=grade.issuer,
            registration_id=grade.registration_id,
            score=grade.score,
            max_score=grade.max_score,
            comment=grade.comment,
            version=grade.version,
            graded_at=int(grade.graded_at or 0),
            released=grade.released,
            released_version=grade.released_version or 0,
            released_score=grade.released_score,
            released_max_score=grade.released_max_score,
            released_comment=grade.released_comment or "",
            released_graded_at=grade.released_graded_at or 0,
            sent_version=grade.sent_version,
            sent_release=grade.sent_release,
            last_error=grade.last_error,
        )

    @classmethod
    def from_item(cls, item: dict, release_epoch: int) -> GradeState:
        """A grade item read under the unit's ``release_epoch`` (see store/gradebook.py)."""
        return cls.of(GradeRecord.from_item(item, release_epoch))

    @property
    def needs_send(self) -> bool:
        return self.released and self.released_version > self.sent_version

    def failed_for_good_in(self, release_id: str) -> bool:
        """Refused permanently by the LMS for this very release and version: a
        redelivered message does not ask again (the next release does)."""
        error = self.last_error or {}
        return (
            bool(error.get("permanent"))
            and error.get("releaseId") == release_id
            and int(error.get("version") or 0) == self.released_version
        )

    @property
    def superseded(self) -> bool:
        """The LMS holds a newer score than this released version: never asked again."""
        error = self.last_error or {}
        return (
            error.get("code") == Reason.SUPERSEDED
            and int(error.get("version") or 0) == self.released_version
        )


@dataclass(frozen=True)
class Failure:
    """Why a grade did not reach the LMS: its class, and the platform's own words."""

    code: Reason
    message: str
    status: int | None = None

    @property
    def permanent(self) -> bool:
        return self.code not in RETRIED

    @classmethod
    def of(cls, error: AgsError, lms: Lms, *, line_item_missing: bool = False) -> Failure:
        if isinstance(error, TokenRefused):
            code = Reason.TOKEN_REFUSED
        elif isinstance(error, TransientAgsError):
            code = Reason.PLATFORM_UNAVAILABLE
        elif error.status is None:  # refused before any answer (URL, redirect, size)
            code = Reason.OTHER
        else:
            code = classify(lms, error.status, error.reason, line_item_missing=line_item_missing)
        return cls(code, error.reason, error.status)


@dataclass(frozen=True)
class SendPlan:
    to_send: list[GradeState]
    already_failed: list[GradeState]  # refused for good earlier in this release
    unchanged: list[GradeState]


def plan_sends(grades: list[GradeState], release_id: str) -> SendPlan:
    to_send, already_failed, unchanged = [], [], []
    for grade in grades:
        if not grade.released:
            continue  # never released: never sent
        if not grade.needs_send:
            unchanged.append(grade)
        elif grade.failed_for_good_in(release_id) or grade.superseded:
            already_failed.append(grade)
        else:
            to_send.append(grade)
    return SendPlan(to_send, already_failed, unchanged)


def unsendable_reason(grade: GradeState, unit: UnitInfo) -> str | None:
    """Why this grade cannot go to the unit's LMS at all, or None."""
    if not grade.sub:
        return "the student has not opened this activity from the LMS (no LTI user id)"
    if grade.registration_id != unit.registration_id:
        return "the student's LMS account is on a different platform than this activity"
    if grade.released_score is None:
        return "the released grade has no score"
    if not grade.released_max_score and not unit.max_score:
        return "the released grade has no maximum score"
    return None


def score_for(
    grade: GradeState, unit: UnitInfo, fallback_time: int, last_activity: int | None = None
) -> Score:
    """The AGS Score of the *released* version of a grade (``last_activity``: the
    student's last launch into the unit, for Canvas)."""
    assert grade.sub is not None and grade.released_score is not None
    maximum = grade.released_max_score or unit.max_score
    assert maximum is not None
    graded_at = grade.released_graded_at or fallback_time
    moment: datetime = utc_from_epoch(graded_at)
    extensions = {}
    if unit.lms == Lms.CANVAS:
        submitted = utc_from_epoch(min(last_activity, graded_at)) if last_activity else None
        extensions = canvas_submission(resend=grade.sent_version > 0, submitted_at=submitted)
    return Score(
        user_id=grade.sub,
        score_given=grade.released_score,
        score_maximum=maximum,
        comment=grade.released_comment,
        timestamp=moment,
        extensions=extensions,
    )


def line_item_maximum(unit: UnitInfo, grades: list[GradeState]) -> Decimal:
    """scoreMaximum for a line item the tool creates: the unit's, else the largest
    released maximum, else 100."""
    if unit.max_score:
        return unit.max_score
    maxima = [g.released_max_score for g in grades if g.released_max_score]
    return max(maxima) if maxima else Decimal(100)


@dataclass(frozen=True)
class ReleaseFailure:
    account_id: str
    name: str
    reason: str  # the platform's own message (or why nothing could be sent)
    code: str = Reason.OTHER.value  # its class (lti/ags_errors.py)

    def to_item(self) -> dict[str, str]:
        return {
            "accountId": self.account_id,
            "name": self.name,
            "reason": self.reason,
            "code": self.code,
        }


@dataclass(frozen=True)
class ReleaseCounts:
    sent: int
    failed: int
    unchanged: int
    errors: list[ReleaseFailure] = field(default_factory=list)


def count_release(
    grades: list[GradeState], release_id: str, names: dict[str, str]
) -> ReleaseCounts:
    """Counts from the grades themselves, so they are right however many times the
    message was delivered: sent = acknowledged for this release; failed = released but
    still not acknowledged; unchanged = acknowledged before this release."""
    sent = failed = unchanged = 0
    errors: list[ReleaseFailure] = []
    for grade in grades:
        if not grade.released:
            continue
        if grade.needs_send:
            failed += 1
            errors.append(_failure(grade, names.get(grade.account_id, "")))
        elif grade.sent_release == release_id:
            sent += 1
        else:
            unchanged += 1
    errors.sort(key=lambda e: (e.name.lower(), e.account_id))
    return ReleaseCounts(sent, failed, unchanged, errors)


def _failure(grade: GradeState, name: str) -> ReleaseFailure:
    error = grade.last_error or {}
    reason = error.get("reason") or "not delivered to the LMS yet"
    code = reason_of(error.get("code"), bool(error.get("permanent", True)))
    return ReleaseFailure(grade.account_id, name, str(reason), code.value)
