"""HTTP shape of /lti/launch: the id_token checked, then the person signed in (or the
outcome page that says why not). Rejections go through ``launch/rejections.py``."""

from __future__ import annotations

from aws_lambda_powertools import Logger

from coursebridge.launch.rejections import count, frame_ancestors, rejection_response
from coursebridge.launch.sign_in import OutcomePage, sign_in
from coursebridge.lti.errors import LaunchRejected
from coursebridge.lti.launch import NeedsPlatformStorage, validate_launch
from coursebridge.lti.request import ApiGatewayRequest
from coursebridge.sessions import session_cookie
from coursebridge.web.responses import html, redirect, render

logger = Logger(child=True)


def launch_endpoint(event: dict) -> dict:
    request = ApiGatewayRequest(event)
    if request.method != "POST":
        return rejection_response(
            LaunchRejected("method", "a launch must be a form POST from the platform", status=405),
            "launch",
            request,
        )
    try:
        launch = validate_launch(request)
        if isinstance(launch, NeedsPlatformStorage):
            logger.info("launch needs platform storage")
            config = {"target": launch.target, "origin": launch.origin, "key": launch.key}
            page = render(
                "lti_storage_launch.html",
                config=config,
                id_token=launch.id_token,
                state=launch.state,
            )
            return html(200, page, frame_ancestors=frame_ancestors(request))
        result = sign_in(launch)
    except LaunchRejected as error:
        return rejection_response(error, "launch", request)
    claims = launch.claims
    log = {
        "launchId": claims.launch_id,
        "issuer": claims.issuer,
        "messageType": claims.message_type,
    }
    if isinstance(result, OutcomePage):
        logger.info("launch outcome", extra={**log, "outcome": result.outcome})
        count("LaunchOutcome", outcome=result.outcome)
        body = render(
            "lti_outcome.html", title=result.title, message=result.message, outcome=result.outcome
        )
        ancestors = frame_ancestors(request)
        return html(result.status, body, cookies=launch.clear_cookies, frame_ancestors=ancestors)
    logger.info(
        "launch accepted",
        extra={**log, "accountId": result.session.account_id, "role": result.session.role},
    )
    count("LaunchAccepted", messageType=claims.message_type)
    response = redirect(
        result.location, cookies=[*launch.clear_cookies, session_cookie(result.token)]
    )
    response["statusCode"] = 303  # POST → GET of the page
    return response
