"""/app/invite — the link in an admin invitation email.

``GET`` shows what accepting grants (organization, school, account email) with a
button and changes nothing; the page's ``POST`` accepts (accounts/admin_invites.py, imported
by these routes when first called: the other pages start without it).
"""

from __future__ import annotations

from aws_lambda_powertools.event_handler import Response
from aws_lambda_powertools.event_handler.router import APIGatewayHttpRouter

from coursebridge.accounts.verification import VerificationFailed
from coursebridge.web.http import error_page, form_body, page

router = APIGatewayHttpRouter()


def _failure(failure: VerificationFailed) -> Response:
    return error_page(failure.status, failure.title, failure.message)


@router.get("/app/invite")
def invite_page() -> Response:
    from coursebridge.accounts.admin_invites import AdminInvitations

    token = router.current_event.get_query_string_value("token", "") or ""
    try:
        view = AdminInvitations().preview(token)
    except VerificationFailed as failure:
        return _failure(failure)
    return page(
        200,
        "invite_confirm.html",
        org_name=view.org_name,
        school_id=view.school_id,
        email=view.email,
        token=token,
    )


@router.post("/app/invite")
def invite_accept() -> Response:
    from coursebridge.accounts.admin_invites import AdminInvitations

    try:
        accepted = AdminInvitations().accept(form_body(router.current_event).get("token", ""))
    except VerificationFailed as failure:
        return _failure(failure)
    return page(
        200,
        "invite_accepted.html",
        org_name=accepted.org_name,
        school_id=accepted.school_id,
    )
