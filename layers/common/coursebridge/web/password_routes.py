"""/app/forgot-password and /app/reset-password: a password set through an emailed link.

``POST /app/forgot-password`` answers the same page, in the same time, whether or not an
account matches (accounts/password_reset.py). ``GET /app/reset-password?token=…`` — what
the emailed link opens, and what mail scanners open — only shows the form; its ``POST``
sets the password and uses the link up. The reset module is imported by these routes
when first called.
"""

from __future__ import annotations

from aws_lambda_powertools.event_handler import Response
from aws_lambda_powertools.event_handler.router import APIGatewayHttpRouter

from coursebridge.accounts.sign_in_pages import (
    FORGOT_PASSWORD_PATH,
    RESET_PASSWORD_PATH,
    SIGN_IN_PATH,
)
from coursebridge.accounts.verification import VerificationFailed
from coursebridge.settings import get_settings
from coursebridge.web import responses
from coursebridge.web.http import as_response, error_page, form_body, page
from coursebridge.web.sign_in_routes import client_address
from coursebridge.web.signed_in import require_same_origin

router = APIGatewayHttpRouter()


def public_base_url(event: dict) -> str:
    """Our origin for the emailed link: the configured one, else the domain API Gateway
    served this request on (never a header the client chose)."""
    configured = get_settings().public_base_url
    if configured:
        return configured
    return f"https://{(event.get('requestContext') or {}).get('domainName', '')}"


@router.get(FORGOT_PASSWORD_PATH)
def forgot_page() -> Response:
    return page(200, "forgot_password.html", sent=False)


@router.post(FORGOT_PASSWORD_PATH)
def forgot() -> Response:
    from coursebridge.accounts.password_reset import PasswordResets

    event = router.current_event.raw_event
    require_same_origin(event)
    name = form_body(router.current_event).get("name", "").strip()
    PasswordResets().request(name, client_address(event), public_base_url(event))
    return page(200, "forgot_password.html", sent=True, name=name)


def _failure(failure: VerificationFailed) -> Response:
    return error_page(failure.status, failure.title, failure.message)


@router.get(RESET_PASSWORD_PATH)
def reset_page() -> Response:
    from coursebridge.accounts.password_reset import PasswordResets

    token = router.current_event.get_query_string_value("token", "") or ""
    try:
        view = PasswordResets().preview(token)
    except VerificationFailed as failure:
        return _failure(failure)
    return page(200, "reset_password.html", token=token, username=view.username, email=view.email)


@router.post(RESET_PASSWORD_PATH)
def reset() -> Response:
    from coursebridge.accounts.credentials import PasswordRejected
    from coursebridge.accounts.password_reset import PasswordResets

    require_same_origin(router.current_event.raw_event)
    form = form_body(router.current_event)
    token = form.get("token", "")
    resets = PasswordResets()
    try:
        resets.complete(token, form.get("password", ""), form.get("confirm", ""))
    except VerificationFailed as failure:
        return _failure(failure)
    except PasswordRejected as rejected:
        view = resets.preview(token)
        return page(
            400,
            "reset_password.html",
            token=token,
            username=view.username,
            email=view.email,
            problems=rejected.problems,
        )
    return as_response(responses.redirect(f"{SIGN_IN_PATH}?done=password-set", status=303))
