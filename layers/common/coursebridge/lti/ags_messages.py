"""What goes over the wire to an AGS platform: scores, line item URLs, the platform's
own words when it refuses, and the errors the client raises.

Spec: 1EdTech LTI AGS 2.0 (Score §3.4, line items §3.2); Canvas's Score extension
``https://canvas.instructure.com/lti/submission``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import requests

CANVAS_SUBMISSION = "https://canvas.instructure.com/lti/submission"
LINE_ITEM_TAG = "coursebridge"  # the tag of the line items the tool creates


class AgsError(Exception):
    """A request to the platform did not succeed. ``reason`` is the platform's own
    message (``HTTP 422: …``) or what happened instead of an answer."""

    def __init__(self, reason: str, status: int | None = None) -> None:
        super().__init__(reason)
        self.reason = reason
        self.status = status


class PermanentAgsError(AgsError):
    """The platform refused for good (4xx other than 401/429): retrying cannot help."""


class TokenRefused(PermanentAgsError):
    """The platform would not give the tool an access token (or the scope it needs)."""


class TransientAgsError(AgsError):
    """429, 5xx or no answer after the last retry: a later attempt may succeed."""


@dataclass(frozen=True)
class Score:
    """One AGS Score (§3.4): the released grade of one user. ``extensions`` are added
    to the body as they are (Canvas's submission extension)."""

    user_id: str
    score_given: Decimal
    score_maximum: Decimal
    timestamp: datetime
    comment: str = ""
    activity_progress: str = "Completed"
    grading_progress: str = "FullyGraded"
    extensions: dict[str, Any] = field(default_factory=dict)

    def to_json(self) -> dict[str, Any]:
        body: dict[str, Any] = {
            "userId": self.user_id,
            "scoreGiven": number(self.score_given),
            "scoreMaximum": number(self.score_maximum),
            "activityProgress": self.activity_progress,
            "gradingProgress": self.grading_progress,
            "timestamp": iso_timestamp(self.timestamp),
        }
        if self.comment:
            body["comment"] = self.comment
        body.update(self.extensions)
        return body


def canvas_submission(
    *, resend: bool, submitted_at: datetime | None = None
) -> dict[str, dict[str, Any]]:
    """Canvas's Score extension: lateness from the student's own submission time, no new
    attempt when a grade is sent again, and a teacher's override in Canvas kept."""
    submission: dict[str, Any] = {"new_submission": not resend, "prioritize_non_tool_grade": True}
    if submitted_at is not None:
        submission["submitted_at"] = iso_timestamp(submitted_at)
    return {CANVAS_SUBMISSION: submission}


def number(value: Decimal) -> int | float:
    return int(value) if value == value.to_integral_value() else float(value)


def iso_timestamp(moment: datetime) -> str:
    """ISO 8601 with milliseconds and an explicit offset, as §3.4.6 asks."""
    return moment.astimezone(UTC).isoformat(timespec="milliseconds")


def utc_from_epoch(seconds: float) -> datetime:
    return datetime.fromtimestamp(seconds, UTC)


def scores_url(lineitem_url: str) -> str:
    """``<lineitem>/scores``, keeping any query string the platform put on the line item
    (Moodle: ``…/lineitem?type_id=3`` → ``…/lineitem/scores?type_id=3``)."""
    parts = urlsplit(lineitem_url)
    return urlunsplit(parts._replace(path=parts.path.rstrip("/") + "/scores"))


_MESSAGE_KEYS = ("error", "error_description", "message", "reason", "detail")


def _messages(body: Any) -> list[str]:
    """The human words of an error body: OAuth/Problem keys, and Canvas's ``errors``
    (a list of ``{message}`` or one ``{type, message}``)."""
    if isinstance(body, list):
        return [m for entry in body for m in _messages(entry)]
    if not isinstance(body, dict):
        return [body] if isinstance(body, str) and body else []
    parts = [str(body[k]) for k in _MESSAGE_KEYS if body.get(k)]
    return parts + _messages(body.get("errors"))


def platform_message(response: requests.Response) -> str:
    """The platform's own explanation of an error response, short enough to show."""
    text = response.text.strip()
    try:
        body = response.json()
    except ValueError:
        body = None
    parts = list(dict.fromkeys(_messages(body))) if isinstance(body, dict | list) else []
    if parts:
        text = ": ".join(parts)
    return f"HTTP {response.status_code}: {text[:300] or response.reason}"
