"""The demo LMS's gradebook page and its fault-injection form."""

from __future__ import annotations

import html
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from local.demo_lms.ags import AgsService


def gradebook_html(service: AgsService) -> str:
    """The scores the demo LMS received, as a page (``GET /gradebook``)."""
    rows = []
    with service._lock:
        results = sorted(service.results.values(), key=lambda r: (r["lineItemId"], r["userId"]))
        labels = {
            (ctx, iid): item.get("label", "")
            for ctx, items in service.line_items.items()
            for iid, item in items.items()
        }
    for r in results:
        cells = [
            labels.get((r["contextId"], r["lineItemId"]), r["lineItemId"]),
            r["userId"],
            f"{r.get('scoreGiven', '')} / {r.get('scoreMaximum', '')}",
            r.get("comment", ""),
            r["activityProgress"],
            r["gradingProgress"],
            r["timestamp"],
        ]
        rows.append("<tr>" + "".join(f"<td>{html.escape(str(c))}</td>" for c in cells) + "</tr>")
    head = "".join(
        f"<th>{h}</th>"
        for h in ("Line item", "User", "Score", "Comment", "Activity", "Grading", "Timestamp")
    )
    return (
        "<!doctype html><html><head><title>Demo LMS gradebook</title></head><body>"
        f"<h1>Gradebook</h1><p>{len(service.scores)} scores received, "
        f"{service.token_requests} token requests.</p>"
        f"<table border=1><tr>{head}</tr>{''.join(rows)}</table></body></html>"
    )


def faults_from_form(data: dict[str, str]) -> dict[str, Any]:
    """The fault settings posted by the gradebook page's form."""
    out: dict[str, Any] = {}
    for key, value in data.items():
        if key == "fail_user_ids":
            out[key] = {u.strip(): "user is not enrolled" for u in value.split(",") if u.strip()}
        elif key.startswith("rate_"):
            out[key] = float(value or 0)
        else:
            out[key] = int(value or 0)
    return out
