"""What the demo LMS does wrong on purpose, and how each LMS words its refusals.

``Faults`` is set with ``POST /gradebook/faults`` (JSON) or the gradebook page's form.
``REFUSALS`` answers a refused score the way Canvas, Moodle, Blackboard, D2L or a
generic AGS platform does (status, body and content type as their gradebooks send
them), so the tool's classification can be tried against each one.
"""

from __future__ import annotations

import json
import random
import threading
from dataclasses import dataclass, field
from typing import Any

Reply = tuple[int, dict[str, str], bytes]


def json_reply(status: int, payload: Any, content_type: str = "application/json") -> Reply:
    return status, {"Content-Type": content_type}, json.dumps(payload).encode()


def error_reply(status: int, error: str, description: str, **headers: str) -> Reply:
    code, base, body = json_reply(status, {"error": error, "error_description": description})
    return code, {**base, **headers}, body


def _canvas(status: int, message: str) -> tuple[int, str, Any]:
    return status, "application/json", {"errors": [{"message": message}]}


# (LMS, situation) → (status, content type, body). ``{user}`` is the refused userId.
REFUSALS: dict[tuple[str, str], tuple[int, str, Any]] = {
    ("canvas", "not_enrolled"): _canvas(422, "User not found in course or is not a student"),
    ("canvas", "course_concluded"): _canvas(
        422, "This course has concluded. AGS requests will no longer be accepted for this course."
    ),
    ("canvas", "max_attempts"): _canvas(
        422, "The maximum number of allowed attempts has been reached for this submission"
    ),
    ("canvas", "stale"): (
        400,
        "application/json",
        {
            "errors": {
                "type": "bad_request",
                "message": "Provided timestamp of {stamp} before last updated timestamp",
            }
        },
    ),
    ("moodle", "not_enrolled"): (400, "text/plain", "Incorrect score received"),
    ("blackboard", "not_enrolled"): (
        400,
        "application/json",
        {"status": 400, "message": "User could not be found: {user}"},
    ),
    ("d2l", "not_enrolled"): (403, "text/plain", ""),
    ("d2l", "not_enrolled_404"): (404, "text/plain", ""),
    ("generic", "not_enrolled"): (
        400,
        "application/json",
        {"error": "invalid_user", "error_description": "user is not enrolled"},
    ),
    ("generic", "course_concluded"): (
        403,
        "application/json",
        {"error": "course_concluded", "error_description": "the course has concluded"},
    ),
    ("generic", "stale"): (
        409,
        "application/json",
        {"error": "stale_score", "error_description": "a newer score for this user is on record"},
    ),
    ("generic", "other"): (
        400,
        "application/json",
        {"error": "invalid_request", "error_description": "the gradebook refused this score"},
    ),
}


def refusal(lms: str, situation: str, user_id: str, stamp: str = "") -> Reply:
    """A score refused as ``lms`` words ``situation`` (generic wording when it has none)."""
    status, content_type, body = REFUSALS.get(
        (lms, situation), REFUSALS.get(("generic", situation), REFUSALS[("generic", "other")])
    )
    text = body if isinstance(body, str) else json.dumps(body)
    text = text.replace("{user}", user_id).replace("{stamp}", stamp)
    return status, {"Content-Type": content_type}, text.encode()


@dataclass
class Faults:
    """What the platform does wrong on purpose.

    On ``/ags/*`` calls: ``count_*`` (the next N calls fail that way), ``rate_*`` (each
    call fails with that probability), ``latency_ms``. On scores: ``fail_user_ids``
    (a 400 with this message for a userId), ``refuse_user_ids`` (a userId refused in
    one of the ``REFUSALS`` situations, worded as the platform's LMS does),
    ``refuse_all`` (every score refused in that situation: a concluded course). On the
    token endpoint: ``clock_offset_seconds`` (the platform's clock is that far off),
    ``forget_tool_key`` (the tool's key is not registered), ``grant_scopes`` (the only
    scopes the platform grants)."""

    latency_ms: int = 0
    rate_429: float = 0.0
    count_429: int = 0
    retry_after_seconds: int = 1
    rate_503: float = 0.0
    count_503: int = 0
    count_401: int = 0
    fail_user_ids: dict[str, str] = field(default_factory=dict)
    refuse_user_ids: dict[str, str] = field(default_factory=dict)
    refuse_all: str = ""
    clock_offset_seconds: int = 0
    forget_tool_key: bool = False
    grant_scopes: list[str] | None = None

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Faults:
        known = {k: data[k] for k in cls.__dataclass_fields__ if k in data}
        return cls(**known)

    def call_fault(self, lock: threading.Lock) -> Reply | None:
        """The injected failure of one ``/ags/*`` call, if any."""
        with lock:
            if self.count_429 > 0 or (self.rate_429 and random.random() < self.rate_429):
                self.count_429 = max(0, self.count_429 - 1)
                return error_reply(
                    429,
                    "rate_limited",
                    "too many requests",
                    **{"Retry-After": str(self.retry_after_seconds)},
                )
            if self.count_503 > 0 or (self.rate_503 and random.random() < self.rate_503):
                self.count_503 = max(0, self.count_503 - 1)
                return error_reply(503, "unavailable", "the gradebook is temporarily unavailable")
            if self.count_401 > 0:
                self.count_401 -= 1
                return error_reply(
                    401,
                    "invalid_token",
                    "the access token was revoked",
                    **{"WWW-Authenticate": 'Bearer error="invalid_token"'},
                )
        return None

    def score_refusal(self, lms: str, user_id: str, stamp: str) -> Reply | None:
        """A score for ``user_id`` refused on purpose, if any."""
        if user_id in self.fail_user_ids:
            message = self.fail_user_ids[user_id] or "user is not enrolled"
            return error_reply(400, "invalid_user", message)
        situation = self.refuse_user_ids.get(user_id) or self.refuse_all
        return refusal(lms, situation, user_id, stamp) if situation else None
