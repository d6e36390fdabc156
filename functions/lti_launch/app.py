"""POST /lti/launch — validates the id_token and signs the user in; POST /lti/notices —
the platform's notices (a course copied), checked the same way."""

from __future__ import annotations

from coursebridge import cold_start  # before any other import: see its docstring

# isort: split
from aws_lambda_powertools import Logger, Tracer
from aws_lambda_powertools.logging import correlation_paths
from aws_lambda_powertools.utilities.typing import LambdaContext

from coursebridge import aws
from coursebridge.launch.launch_endpoint import launch_endpoint
from coursebridge.launch.notice_endpoint import notice_endpoint

logger = Logger()
tracer = Tracer(patch_modules=aws.TRACED_MODULES)


@logger.inject_lambda_context(correlation_id_path=correlation_paths.API_GATEWAY_HTTP)
@tracer.capture_lambda_handler
def handler(event: dict, context: LambdaContext) -> dict:
    if event.get("rawPath") == "/lti/notices":
        return notice_endpoint(event)
    return launch_endpoint(event)


cold_start.finished()
