"""HTTP shape of /lti/login and /lti/launch, and the one place where LTI failures
become responses: a 4xx page naming the failed check, a structured log line with the
reason (never the token) and a metric per reason."""

from __future__ import annotations

import jwt
from aws_lambda_powertools import Logger
from aws_lambda_powertools.metrics import MetricUnit, single_metric

from coursebridge.launch.sign_in import OutcomePage, sign_in
from coursebridge.lti.errors import LaunchRejected, LoginRejected, LtiRejected
from coursebridge.lti.id_token import MAX_TOKEN_LENGTH
from coursebridge.lti.launch import NeedsPlatformStorage, validate_launch
from coursebridge.lti.login import start_login
from coursebridge.lti.request import ApiGatewayRequest
from coursebridge.sessions import session_cookie
from coursebridge.web.framing import platform_frame_ancestors
from coursebridge.web.responses import html, redirect, render

logger = Logger(child=True)


def _frame_ancestors(request: ApiGatewayRequest) -> tuple[str, ...]:
    """These pages are shown in the LMS's frame: the LMS origins of the org that
    registered the platform the request names (at a launch, the id_token's unverified
    ``iss``/``aud``: they choose only who may frame a page, not what it says)."""
    issuer: object = request.get_param("iss")
    client_id: object = request.get_param("client_id")
    token = request.get_param("id_token")
    if token and len(token) <= MAX_TOKEN_LENGTH:
        try:
            claims = jwt.decode(token, options={"verify_signature": False})
        except jwt.PyJWTError:
            claims = {}
        audience = claims.get("aud")
        issuer = claims.get("iss") if isinstance(claims.get("iss"), str) else None
        client_id = audience[0] if isinstance(audience, list) and audience else audience
    return platform_frame_ancestors(
        issuer if isinstance(issuer, str) and issuer else None,
        client_id if isinstance(client_id, str) else None,
    )


def _count(name: str, **dimensions: str) -> None:
    with single_metric(name=name, unit=MetricUnit.Count, value=1) as metric:
        for key, value in dimensions.items():
            metric.add_dimension(name=key, value=value)


def rejection_response(error: LtiRejected, stage: str, request: ApiGatewayRequest) -> dict:
    logger.warning(
        f"{stage} rejected",
        extra={"stage": stage, "reason": error.check, "detail": error.message},
    )
    _count(f"{stage.capitalize()}Rejected", reason=error.check)
    title = "Sign-in failed" if stage == "login" else "Launch rejected"
    body = render(
        "lti_rejected.html",
        title=title,
        message=error.message,
        check=error.check,
        status=error.status,
    )
    return html(error.status, body, frame_ancestors=_frame_ancestors(request))


def login_endpoint(event: dict) -> dict:
    request = ApiGatewayRequest(event)
    try:
        login = start_login(request)
    except LoginRejected as error:
        return rejection_response(error, "login", request)
    logger.info("login started", extra={"storage": bool(login.storage)})
    if login.storage is None:
        return redirect(login.auth_url, cookies=login.cookies)
    config = {**login.storage, "authUrl": login.auth_url}
    page = render("lti_storage_login.html", config=config, auth_url=login.auth_url)
    return html(200, page, cookies=login.cookies, frame_ancestors=_frame_ancestors(request))


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
            return html(200, page, frame_ancestors=_frame_ancestors(request))
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
        _count("LaunchOutcome", outcome=result.outcome)
        body = render(
            "lti_outcome.html", title=result.title, message=result.message, outcome=result.outcome
        )
        ancestors = _frame_ancestors(request)
        return html(result.status, body, cookies=launch.clear_cookies, frame_ancestors=ancestors)
    logger.info(
        "launch accepted",
        extra={**log, "accountId": result.session.account_id, "role": result.session.role},
    )
    _count("LaunchAccepted", messageType=claims.message_type)
    response = redirect(
        result.location, cookies=[*launch.clear_cookies, session_cookie(result.token)]
    )
    response["statusCode"] = 303  # POST → GET of the page
    return response
