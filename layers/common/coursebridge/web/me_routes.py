"""GET /api/me — who the session belongs to, and the class and unit it was launched into."""

from __future__ import annotations

from aws_lambda_powertools.event_handler import Response
from aws_lambda_powertools.event_handler.router import APIGatewayHttpRouter

from coursebridge.sessions import Session, session_from_event
from coursebridge.web import responses
from coursebridge.web.http import as_response, json_ok

router = APIGatewayHttpRouter()


def me_payload(session: Session) -> dict:
    return {
        "accountId": session.account_id,
        "name": session.name,
        "email": session.email,
        "orgId": session.org_id,
        "classId": session.class_id,
        "unitId": session.unit_id,
        "role": session.role,
        "readOnly": session.read_only,
    }


@router.get("/api/me")
def me() -> Response:
    session = session_from_event(router.current_event.raw_event)
    if session is None:
        return as_response(
            responses.json_error(401, "not signed in: launch the activity from your course")
        )
    return json_ok(me_payload(session))
