"""GET /api/me — who the session belongs to, and the class and unit it was launched into."""

from __future__ import annotations

import json

from aws_lambda_powertools.event_handler import Response
from aws_lambda_powertools.event_handler.router import APIGatewayHttpRouter

from coursebridge.sessions import Session, session_from_event

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
def me() -> Response | dict:
    session = session_from_event(router.current_event.raw_event)
    if session is None:
        return Response(
            401,
            "application/json",
            '{"error": "not signed in: launch the activity from your course"}',
            headers={"cache-control": "no-store"},
        )
    return Response(
        200,
        "application/json",
        json.dumps(me_payload(session)),
        headers={"cache-control": "no-store"},
    )
