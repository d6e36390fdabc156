"""The one place where LTI failures become responses: a 4xx page naming the failed
check, a structured log line with the reason (never the token) and a metric per reason.
Shared by the login (``launch/login_endpoint.py``) and the launch
(``launch/launch_endpoint.py``)."""

from __future__ import annotations

from aws_lambda_powertools import Logger
from aws_lambda_powertools.metrics import MetricUnit, single_metric

from coursebridge.lti.errors import LtiRejected
from coursebridge.lti.request import MAX_TOKEN_LENGTH, ApiGatewayRequest
from coursebridge.web.framing import platform_frame_ancestors
from coursebridge.web.responses import html, render

logger = Logger(child=True)


def frame_ancestors(request: ApiGatewayRequest) -> tuple[str, ...]:
    """These pages are shown in the LMS's frame: the LMS origins of the org that
    registered the platform the request names (at a launch, the id_token's unverified
    ``iss``/``aud``: they choose only who may frame a page, not what it says)."""
    issuer: object = request.get_param("iss")
    client_id: object = request.get_param("client_id")
    token = request.get_param("id_token")
    if token and len(token) <= MAX_TOKEN_LENGTH:
        # Imported here: only a launch carries an id_token, and the login handler's cold
        # start should not load PyJWT and cryptography for it.
        import jwt

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


def count(name: str, **dimensions: str) -> None:
    with single_metric(name=name, unit=MetricUnit.Count, value=1) as metric:
        for key, value in dimensions.items():
            metric.add_dimension(name=key, value=value)


def rejection_response(error: LtiRejected, stage: str, request: ApiGatewayRequest) -> dict:
    logger.warning(
        f"{stage} rejected",
        extra={"stage": stage, "reason": error.check, "detail": error.message},
    )
    count(f"{stage.capitalize()}Rejected", reason=error.check)
    title = "Sign-in failed" if stage == "login" else "Launch rejected"
    body = render(
        "lti_rejected.html",
        title=title,
        message=error.message,
        check=error.check,
        status=error.status,
    )
    return html(error.status, body, frame_ancestors=frame_ancestors(request))
