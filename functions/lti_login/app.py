"""GET/POST /lti/login — OIDC third-party login initiation (LTI 1.3 Core §4.1)."""

from __future__ import annotations

from coursebridge import cold_start  # before any other import: see its docstring

# isort: split
from aws_lambda_powertools import Logger, Tracer
from aws_lambda_powertools.logging import correlation_paths
from aws_lambda_powertools.utilities.typing import LambdaContext

from coursebridge import aws
from coursebridge.launch.login_endpoint import login_endpoint

logger = Logger()
tracer = Tracer(patch_modules=aws.TRACED_MODULES)


@logger.inject_lambda_context(correlation_id_path=correlation_paths.API_GATEWAY_HTTP)
@tracer.capture_lambda_handler
def handler(event: dict, context: LambdaContext) -> dict:
    return login_endpoint(event)


cold_start.finished()
