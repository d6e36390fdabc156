"""GET/POST /lti/login — OIDC third-party login initiation (LTI 1.3 Core §4.1)."""

from __future__ import annotations

from aws_lambda_powertools import Logger, Tracer
from aws_lambda_powertools.logging import correlation_paths
from aws_lambda_powertools.utilities.typing import LambdaContext

from coursebridge.web.responses import error_page

logger = Logger()
tracer = Tracer()

REQUIRED = ("iss", "login_hint", "target_link_uri")


@logger.inject_lambda_context(correlation_id_path=correlation_paths.API_GATEWAY_HTTP)
@tracer.capture_lambda_handler
def handler(event: dict, context: LambdaContext) -> dict:
    params = event.get("queryStringParameters") or {}
    missing = [name for name in REQUIRED if not params.get(name)]
    if missing:
        return error_page(
            400, "Login request incomplete", f"The LMS did not send: {', '.join(missing)}."
        )
    return error_page(
        503, "LTI login not available", "This tool is not yet accepting LTI launches."
    )
