"""The demo LMS's gradebook: its page, its data, and the fault-injection settings
(``/gradebook``, ``/gradebook/data.json``, ``/gradebook/faults``)."""

from __future__ import annotations

import html
import json
from dataclasses import asdict
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qs

from local.demo_lms.ags_faults import Faults, Reply, error_reply, json_reply

if TYPE_CHECKING:
    from local.demo_lms.ags import AgsService


def gradebook(service: AgsService, method: str, rest: list[str], body: bytes) -> Reply:
    if rest == ["faults"] and method == "POST":
        try:
            data = json.loads(body)
        except ValueError:
            form = {k: v[0] for k, v in parse_qs(body.decode(errors="replace")).items()}
            data = faults_from_form(form)
        try:
            faults = Faults.from_json(data if isinstance(data, dict) else {})
        except TypeError as error:
            return error_reply(400, "invalid_request", str(error))
        with service._lock:
            service.faults = faults
        return json_reply(200, asdict(faults))
    if rest == ["faults"]:
        return json_reply(200, asdict(service.faults))
    if rest == ["data.json"]:
        return json_reply(
            200,
            {
                "tokenRequests": service.token_requests,
                "lineItems": service.line_items,
                "scores": service.scores,
                "rejected": service.rejected,
            },
        )
    if not rest and method == "GET":
        return 200, {"Content-Type": "text/html; charset=utf-8"}, gradebook_html(service).encode()
    return error_reply(404, "not_found", "no such gradebook page")


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
        elif key == "refuse_all":
            out[key] = value.strip()
        elif key == "forget_tool_key":
            out[key] = value not in ("", "0", "false")
        elif key.startswith("rate_"):
            out[key] = float(value or 0)
        else:
            out[key] = int(value or 0)
    return out
