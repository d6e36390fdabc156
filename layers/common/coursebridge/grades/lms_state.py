"""Where a grade stands with the LMS gradebook: not sent, pending, sent or failed.

Read from the grade item alone (the send state the sender writes on it, docs/DATA.md),
so the roster shows it without a read of its own:

- not sent: never released (the LMS gets only released versions);
- sent: the LMS acknowledged the released version (when, by which release);
- pending: a resend asked for it and has not recorded its outcome yet, or a release
  owes it and has not tried it yet;
- failed: the last attempt at this version was refused: the reason (lti/ags_errors.py)
  and the platform's own message are kept.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

from coursebridge.lti.ags_errors import LABELS, NOT_RESENT, RETRIED, Reason, reason_of
from coursebridge.store.gradebook import GradeRecord

Status = Literal["not_sent", "pending", "sent", "failed"]


@dataclass(frozen=True)
class LmsState:
    status: Status
    reason: Reason | None = None
    at: int | None = None  # epoch seconds of what the status says happened
    release_id: str | None = None
    message: str | None = None  # the platform's own words, for a failure

    @property
    def resendable(self) -> bool:
        """ "Resend failed" asks again: a failure other than a newer score in the LMS."""
        return self.status == "failed" and self.reason not in NOT_RESENT

    @property
    def label(self) -> str:
        if self.status == "failed" and self.reason is not None:
            retried = " (tried again automatically)" if self.reason in RETRIED else ""
            return f"Failed: {LABELS[self.reason]}{retried}"
        return {"not_sent": "Not sent", "pending": "Pending", "sent": "Sent"}.get(
            self.status, "Failed"
        )

    def to_json(self) -> dict[str, Any]:
        return {
            "status": self.status,
            "reason": self.reason.value if self.reason else None,
            "at": self.at,
            "releaseId": self.release_id,
            "message": self.message,
        }


NOT_SENT = LmsState("not_sent")


def lms_state(grade: GradeRecord | None) -> LmsState:
    """The LMS state of a grade item read under its unit's release epoch."""
    if grade is None or not grade.released or not grade.released_version:
        return NOT_SENT
    version = grade.released_version
    if version <= grade.sent_version:
        return LmsState("sent", at=grade.sent_at, release_id=grade.sent_release)
    if grade.resend:
        return LmsState(
            "pending", at=_int(grade.resend.get("at")), release_id=grade.resend.get("releaseId")
        )
    error = grade.last_error or {}
    if error and _int(error.get("version")) == version:
        return _failed(error)
    return LmsState("pending")  # a release owes it and has not tried it yet


def _failed(error: dict[str, Any]) -> LmsState:
    return LmsState(
        "failed",
        reason=reason_of(error.get("code"), bool(error.get("permanent"))),
        at=_int(error.get("at")),
        release_id=error.get("releaseId"),
        message=str(error.get("reason") or "") or None,
    )


def _int(value: Any) -> int | None:
    return int(value) if value is not None else None
