"""Release Grades JSON API (SPEC §7), a Powertools Router included by functions/web/app.py.

POST /api/classes/<classId>/units/<unitId>/release   teacher (not mentor) → 202 {releaseId}
GET  /api/releases/<releaseId>                        teacher of the class → progress
"""

from __future__ import annotations

import re

from aws_lambda_powertools.event_handler import Response
from aws_lambda_powertools.event_handler.router import APIGatewayHttpRouter

from coursebridge.grades.release import release_progress, start_release
from coursebridge.grades.release_plan import ReleaseError, ReleaseNotFound, UnitNotFound
from coursebridge.web.authz import Forbidden, NotSignedIn, require_session, require_teacher
from coursebridge.web.responses import json_response

router = APIGatewayHttpRouter()

_ID = re.compile(r"^[A-Za-z0-9_.:-]{1,128}$")


def _json(status: int, payload: object) -> Response:
    response = json_response(status, payload)
    return Response(status, "application/json", response["body"], headers=response["headers"])


def _check_ids(*ids: str) -> None:
    if not all(_ID.match(value) for value in ids):
        raise UnitNotFound("malformed id")


@router.post("/api/classes/<class_id>/units/<unit_id>/release")
def release_grades(class_id: str, unit_id: str) -> Response:
    session = require_session(router.current_event.raw_event)
    _check_ids(class_id, unit_id)
    require_teacher(session, class_id, write=True)
    release_id = start_release(session, class_id, unit_id)
    return _json(202, {"releaseId": release_id})


@router.get("/api/releases/<release_id>")
def get_release(release_id: str) -> Response:
    session = require_session(router.current_event.raw_event)
    _check_ids(release_id)
    progress = release_progress(release_id)
    require_teacher(session, progress["classId"], write=True)
    return _json(200, progress)


@router.exception_handler(NotSignedIn)
def _not_signed_in(error: NotSignedIn) -> Response:
    return _json(401, {"error": str(error)})


@router.exception_handler(Forbidden)
def _forbidden(error: Forbidden) -> Response:
    return _json(403, {"error": str(error)})


@router.exception_handler([UnitNotFound, ReleaseNotFound])
def _not_found(error: ReleaseError) -> Response:
    return _json(404, {"error": str(error)})


@router.exception_handler(ReleaseError)
def _conflict(error: ReleaseError) -> Response:
    return _json(409, {"error": str(error)})
