"""/app/verify — the link in a verification email.

``GET /app/verify?token=…`` (what the emailed link opens, and what mail scanners open)
only shows a page that names the organization, the LMS and the email address, with a
button. Its ``POST`` uses the token once, links the LMS user to their account, joins
the organization, then does what the launch would have done: enters the course, starts
a session and redirects to the content that was launched (the session token rides
along in the URL for browsers that block the cookie in the LMS iframe).

The confirmation and sign-in modules are imported by the two routes that use them: an
emailed link is a rare first request, and every other page starts without them.
"""

from __future__ import annotations

from aws_lambda_powertools.event_handler import Response
from aws_lambda_powertools.event_handler.router import APIGatewayHttpRouter

from coursebridge.accounts.verification import VerificationFailed
from coursebridge.sessions import encode_session, session_cookie
from coursebridge.web import responses
from coursebridge.web.http import as_response, error_page, form_body, page

router = APIGatewayHttpRouter()


def _failure(failure: VerificationFailed) -> Response:
    return error_page(failure.status, failure.title, failure.message)


@router.get("/app/verify")
def verify_page() -> Response:
    from coursebridge.accounts.confirm import Confirmations

    token = router.current_event.get_query_string_value("token", "") or ""
    try:
        pending = Confirmations().preview(token)
    except VerificationFailed as failure:
        return _failure(failure)
    return page(
        200,
        "verify_confirm.html",
        org_name=pending.org_name,
        email=pending.email,
        lms=pending.lms,
        course=pending.course,
        token=token,
    )


@router.post("/app/verify")
def verify_confirm() -> Response:
    from coursebridge.accounts.confirm import Confirmations
    from coursebridge.accounts.resolve import AccountBusy
    from coursebridge.classes.enter import CourseEntry, enter_course
    from coursebridge.launch.sign_in import landing_url, session_for

    try:
        verified = Confirmations().confirm(form_body(router.current_event).get("token", ""))
    except VerificationFailed as failure:
        return _failure(failure)
    except AccountBusy as busy:
        return as_response(responses.error_page(busy.status, "Busy", busy.message))
    entry = enter_course(verified.claims, verified.entered, verified.org)
    if not isinstance(entry, CourseEntry):
        return as_response(
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
    return as_response(
        responses.redirect(
            landing_url(verified.claims, entry, session_token),
            cookies=[session_cookie(session_token)],
            status=303,
        )
    )
