"""Release Grades JSON API, a Powertools Router included by functions/web/app.py.

POST /api/classes/<classId>/units/<unitId>/release   teacher (not mentor) → 202 {releaseId}
POST /api/classes/<classId>/units/<unitId>/resend    teacher, {accountIds} → 202 {releaseId,
                                                      queued, skipped} (grades/resend.py)
GET  /api/classes/<classId>/units/<unitId>/releases  teacher → the unit's releases and resends
GET  /api/releases/<releaseId>                        teacher, session of that unit → progress

The release machinery (grades/release.py: the AGS client, the summary email and its
templates) is imported by these routes when first called: every other page and API
call of the web function starts without it.
"""

from __future__ import annotations

from aws_lambda_powertools.event_handler import Response
from aws_lambda_powertools.event_handler.router import APIGatewayHttpRouter

from coursebridge.web.authz import require_session, require_teacher, require_valid_id
from coursebridge.web.errors import BadRequest, Conflict, NotFound
from coursebridge.web.http import json_body, json_ok

router = APIGatewayHttpRouter()
UNIT = "/api/classes/<class_id>/units/<unit_id>"


@router.post(f"{UNIT}/release")
def release_grades(class_id: str, unit_id: str) -> Response:
    session = require_session(router.current_event.raw_event)
    require_valid_id(class_id, "class")
    require_valid_id(unit_id, "unit")
    require_teacher(session, class_id, unit_id, write=True)
    from coursebridge.grades.release import start_release
    from coursebridge.grades.release_plan import ReleaseError

    try:
        release_id = start_release(session, class_id, unit_id)
    except ReleaseError as error:  # grade saves kept winning the race with the release
        raise Conflict(str(error)) from error
    return json_ok(status=202, payload={"releaseId": release_id})


@router.post(f"{UNIT}/resend")
def resend_grades(class_id: str, unit_id: str) -> Response:
    session = require_session(router.current_event.raw_event)
    require_teacher(session, class_id, unit_id, write=True)
    body = json_body(router.current_event)
    from coursebridge.grades.resend import NothingToResend, ResendRefused, start_resend

    try:
        queued = start_resend(session, class_id, unit_id, body)
    except ResendRefused as error:
        raise BadRequest(str(error)) from error
    except NothingToResend as error:
        raise Conflict(str(error)) from error
    return json_ok(status=202, payload=queued)


@router.get(f"{UNIT}/releases")
def release_history(class_id: str, unit_id: str) -> Response:
    session = require_session(router.current_event.raw_event)
    require_teacher(session, class_id, unit_id, write=True)
    from coursebridge.grades.release_history import unit_releases

    return json_ok({"releases": unit_releases(unit_id)})


@router.get("/api/releases/<release_id>")
def get_release(release_id: str) -> Response:
    session = require_session(router.current_event.raw_event)
    require_valid_id(release_id, "release")
    from coursebridge.grades.release import release_progress
    from coursebridge.grades.release_plan import ReleaseNotFound

    try:
        progress = release_progress(release_id)
    except ReleaseNotFound as error:
        raise NotFound(str(error)) from error
    # The release item names its class and unit; nothing of it leaves unless the
    # session was launched into that unit.
    require_teacher(session, progress["classId"], progress["unitId"], write=True)
    return json_ok(progress)
