"""What a Score an LMS accepts looks like (AGS 2.0 §3.4): the demo platform's checks."""

from __future__ import annotations

from datetime import datetime
from typing import Any

ACTIVITY_PROGRESS = {"Initialized", "Started", "InProgress", "Submitted", "Completed"}
GRADING_PROGRESS = {"FullyGraded", "Pending", "PendingManual", "Failed", "NotReady"}


def score_problem(data: dict[str, Any]) -> str | None:
    """What is wrong with a Score body (AGS 2.0 §3.4), or None."""
    if not isinstance(data.get("userId"), str) or not data["userId"]:
        return "userId is required"
    if data.get("activityProgress") not in ACTIVITY_PROGRESS:
        return "activityProgress is missing or not an AGS value"
    if data.get("gradingProgress") not in GRADING_PROGRESS:
        return "gradingProgress is missing or not an AGS value"
    stamp = data.get("timestamp")
    try:
        parsed = datetime.fromisoformat(stamp) if isinstance(stamp, str) else None
    except ValueError:
        parsed = None
    if parsed is None or parsed.tzinfo is None:
        return "timestamp must be ISO 8601 with a time zone"
    given, maximum = data.get("scoreGiven"), data.get("scoreMaximum")
    if given is not None:
        if not _is_number(given) or given < 0:
            return "scoreGiven must be a number >= 0"
        if not _is_number(maximum) or maximum <= 0:
            return "scoreMaximum must be a number > 0 when scoreGiven is present"
    if "comment" in data and not isinstance(data["comment"], str):
        return "comment must be a string"
    return None


def _is_number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)
