"""``POST /api/classes/{classId}/roster/sync``: a teacher brings the class in line with the
LMS's roster now (classes/roster_sync.py; the schedule does the same once a day).

Authorized before anything is read or written (web/authz.py ``require_class_teacher``:
a full teacher of this very class, from a session launched into it). The sync runs in
the request while the function has time; what is left when it runs out goes on to the
roster sync worker (``RosterSyncQueue``) and the answer is a 202 with the counts so far.
"""

from __future__ import annotations

import time

from aws_lambda_powertools.event_handler import Response
from aws_lambda_powertools.event_handler.api_gateway import Router

from coursebridge.web.authz import require_class_teacher, require_session
from coursebridge.web.errors import HttpProblem
from coursebridge.web.http import json_ok

router = Router()
MARGIN_SECONDS = 4.0  # left to answer (and queue the rest) before the function's timeout
DEFAULT_SECONDS = 10.0


class RosterNotRead(HttpProblem):
    status = 502
    title = "The LMS did not give the roster"


def _deadline() -> float:
    context = getattr(router, "lambda_context", None)
    remaining = (
        context.get_remaining_time_in_millis() / 1000
        if context is not None and hasattr(context, "get_remaining_time_in_millis")
        else DEFAULT_SECONDS + MARGIN_SECONDS
    )
    return time.monotonic() + max(1.0, remaining - MARGIN_SECONDS)


@router.post("/api/classes/<classId>/roster/sync")
def sync_roster(classId: str) -> Response:
    session = require_session(router.current_event.raw_event)
    require_class_teacher(session, classId)
    # The sync's modules (NRPS client, requests) load on first use: pages do not need them.
    from coursebridge.classes.roster_sync import (
        RosterUnavailable,
        enqueue_roster_sync,
        sync_class_roster,
    )

    try:
        result = sync_class_roster(classId, requested_by=session.account_id, deadline=_deadline())
    except RosterUnavailable as error:
        raise RosterNotRead(str(error)) from None
    if not result.complete:
        enqueue_roster_sync(classId, requested_by=session.account_id)
        return json_ok({**result.to_json(), "continuing": True}, status=202)
    return json_ok(result.to_json())
