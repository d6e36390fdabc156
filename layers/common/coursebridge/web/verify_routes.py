"""GET /app/verify?token=… — the link in a verification email (SPEC §3 rule 2).

Uses the token once, links the LMS user to their account, joins the org, then does
what the launch would have done: enters the course and starts a session, and
redirects to the content that was launched (the token rides along in the URL for
browsers that block the cookie in the LMS iframe).
"""

from __future__ import annotations

from aws_lambda_powertools.event_handler import Response
from aws_lambda_powertools.event_handler.router import APIGatewayHttpRouter

from coursebridge.accounts.confirm import Confirmations
from coursebridge.accounts.resolve import AccountBusy
from coursebridge.accounts.verification import VerificationFailed
from coursebridge.classes.enter import CourseEntry, enter_course
from coursebridge.lti.sign_in import landing_url, session_for
from coursebridge.sessions import encode_session, session_cookie
from coursebridge.web import responses

router = APIGatewayHttpRouter()


def _response(shape: dict) -> Response:
    headers = dict(shape.get("headers") or {})
    content_type = headers.pop("content-type", None)
    return Response(
        status_code=shape["statusCode"],
        content_type=content_type,
        body=shape.get("body", ""),
        headers=headers,
        cookies=shape.get("cookies"),
    )


@router.get("/app/verify")
def verify() -> Response:
    token = router.current_event.get_query_string_value("token", "") or ""
    try:
        verified = Confirmations().confirm(token)
    except VerificationFailed as failure:
        return _response(responses.error_page(failure.status, failure.title, failure.message))
    except AccountBusy as busy:
        return _response(responses.error_page(busy.status, "Busy", busy.message))
    entry = enter_course(verified.claims, verified.entered, verified.org)
    if not isinstance(entry, CourseEntry):
        return _response(
            responses.error_page(
                409,
                "Not set up yet",
                "Your account is confirmed, but this course is not set up yet. "
                "Ask your teacher, then open it from your LMS again.",
            )
        )
    session_token = encode_session(
        session_for(
            verified.claims,
            verified.entered,
            verified.org.org_id,
            entry,
            verified.entered.account.name,
        )
    )
    return _response(
        responses.redirect(
            landing_url(verified.claims, entry, session_token),
            cookies=[session_cookie(session_token)],
        )
    )
