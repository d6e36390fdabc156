"""GET/POST /lti/register (LTI Dynamic Registration) and GET /lti/canvas.json (the Canvas
configuration): what an LMS admin's install of the tool touches.

The registration pages import their modules (the outbound HTTP client, the platform
checks, the templates) on first use: a container that serves only the Canvas
configuration never loads them.
"""

from __future__ import annotations

from coursebridge import cold_start  # before any other import: see its docstring

# isort: split
from aws_lambda_powertools import Logger, Tracer
from aws_lambda_powertools.logging import correlation_paths
from aws_lambda_powertools.utilities.typing import LambdaContext

from coursebridge import aws
from coursebridge.web.canvas_config_endpoint import canvas_config_endpoint
from coursebridge.web.responses import json_error

logger = Logger()
tracer = Tracer(patch_modules=aws.TRACED_MODULES)


@logger.inject_lambda_context(correlation_id_path=correlation_paths.API_GATEWAY_HTTP)
@tracer.capture_lambda_handler
def handler(event: dict, context: LambdaContext) -> dict:
    path = event.get("rawPath", "")
    if path == "/lti/canvas.json":
        return canvas_config_endpoint(event)
    if path == "/lti/register":
        from coursebridge.web.dynamic_registration_endpoint import registration_endpoint

        return registration_endpoint(event)
    return json_error(404, "no such route")


cold_start.finished()
