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
  release (or a DLQ redrive) sends it again.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from typing import Any

from coursebridge.lti.ags import Score, utc_from_epoch
from coursebridge.store.gradebook import ReleasedGrade, released_grade


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


def _present(item: dict, name: str) -> Any:
    """The item's attribute, None when it is missing or empty."""
    return item.get(name) or None


def _count(item: dict, name: str) -> int:
    return int(item.get(name) or 0)


NOTHING_RELEASED = ReleasedGrade(version=0, score=None, max_score=None, comment="", graded_at=0)


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

    @classmethod
    def from_item(cls, unit_id: str, item: dict) -> UnitInfo:
        return cls(
            unit_id=unit_id,
            class_id=str(item.get("classId", "")),
            org_id=str(item.get("orgId", "")),
            title=str(item.get("title") or unit_id),
            issuer=str(item.get("issuer", "")),
            client_id=str(item.get("clientId", "")),
            registration_id=str(item.get("registrationId", "")),
            resource_link_id=str(item.get("resourceLinkId", "")),
            max_score=_decimal(item.get("maxScore")),
            lineitem=item.get("lineitem") or None,
            lineitems=item.get("lineitems") or None,
            release_lineitem=item.get("releaseLineitem") or None,
            ags_scope=frozenset(item.get("agsScope") or ()),
        )

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
    def from_item(cls, item: dict, release_epoch: int) -> GradeState:
        """A grade item read under the unit's ``release_epoch`` (see store/gradebook.py)."""
        released = released_grade(item, release_epoch)
        shown = released or NOTHING_RELEASED
        return cls(
            account_id=str(item.get("accountId") or item["sk"].removeprefix("GRADE#")),
            sub=_present(item, "sub"),
            issuer=_present(item, "issuer"),
            registration_id=_present(item, "registrationId"),
            score=_decimal(item.get("score")),
            max_score=_decimal(item.get("maxScore")),
            comment=str(item.get("comment") or ""),
            version=_count(item, "version"),
            graded_at=_count(item, "gradedAt"),
            released=released is not None,
            released_version=shown.version,
            released_score=_decimal(shown.score),
            released_max_score=_decimal(shown.max_score),
            released_comment=shown.comment,
            released_graded_at=shown.graded_at,
            sent_version=_count(item, "sentVersion"),
            sent_release=_present(item, "sentRelease"),
            last_error=_present(item, "lastError"),
        )

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
        elif grade.failed_for_good_in(release_id):
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


def score_for(grade: GradeState, unit: UnitInfo, fallback_time: int) -> Score:
    """The AGS Score of the *released* version of a grade."""
    assert grade.sub is not None and grade.released_score is not None
    maximum = grade.released_max_score or unit.max_score
    assert maximum is not None
    moment: datetime = utc_from_epoch(grade.released_graded_at or fallback_time)
    return Score(
        user_id=grade.sub,
        score_given=grade.released_score,
        score_maximum=maximum,
        comment=grade.released_comment,
        timestamp=moment,
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
    reason: str

    def to_item(self) -> dict[str, str]:
        return {"accountId": self.account_id, "name": self.name, "reason": self.reason}


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
            reason = (grade.last_error or {}).get("reason") or "not delivered to the LMS yet"
            errors.append(
                ReleaseFailure(grade.account_id, names.get(grade.account_id, ""), str(reason))
            )
        elif grade.sent_release == release_id:
            sent += 1
        else:
            unchanged += 1
    errors.sort(key=lambda e: (e.name.lower(), e.account_id))
    return ReleaseCounts(sent, failed, unchanged, errors)
