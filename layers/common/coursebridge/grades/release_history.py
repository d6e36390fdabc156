"""A unit's releases and resends, newest first: who, when, sent, failed (the page's
history, ``GET /api/classes/{classId}/units/{unitId}/releases``).

One query of gsi1 ``UNIT#<unitId>#RELEASES`` (eventually consistent: a release
started a moment ago may appear a fraction of a second later).
"""

from __future__ import annotations

from typing import Any

from coursebridge.store import keys
from coursebridge.store.dynamo import app_table

HISTORY_LIMIT = 20


def unit_releases(unit_id: str, limit: int = HISTORY_LIMIT) -> list[dict[str, Any]]:
    page = app_table().query(
        IndexName="gsi1",
        KeyConditionExpression="gsi1pk = :pk",
        ExpressionAttributeValues={":pk": keys.releases_of_unit(unit_id)},
        ScanIndexForward=False,
        Limit=limit,
    )
    return [history_entry(item) for item in page["Items"]]


def history_entry(item: dict[str, Any]) -> dict[str, Any]:
    """One release item as the history shows it (never its error list's other fields)."""
    mode = item.get("mode", "release")
    return {
        "releaseId": item["releaseId"],
        "mode": mode,
        "status": item.get("status"),
        "requestedBy": {
            "accountId": item.get("requestedBy"),
            "name": item.get("requestedByName"),
            "email": item.get("requestedByEmail"),
        },
        "createdAt": int(item.get("createdAt") or 0),
        "completedAt": int(item["completedAt"]) if item.get("completedAt") else None,
        "sent": int(item.get("sent") or 0),
        "failed": int(item.get("failed") or 0),
        "unchanged": int(item.get("unchanged") or 0),
        "students": len(item.get("accountIds") or ()) if mode == "resend" else None,
        "lineItemReplaced": bool(item.get("lineItemReplaced")),
    }
