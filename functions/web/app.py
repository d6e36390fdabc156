"""Pages (/app/*) and the JSON API (/api/*)."""

from __future__ import annotations

from aws_lambda_powertools import Logger, Tracer
from aws_lambda_powertools.event_handler import APIGatewayHttpResolver, Response
from aws_lambda_powertools.logging import correlation_paths
from aws_lambda_powertools.utilities.typing import LambdaContext

from coursebridge.web import me_routes, verify_routes

logger = Logger()
tracer = Tracer()
app = APIGatewayHttpResolver()
app.include_router(me_routes.router)

app.include_router(verify_routes.router)


@app.not_found
def not_found(_: Exception) -> Response:
    return Response(404, "application/json", '{"error": "not found"}')


@logger.inject_lambda_context(correlation_id_path=correlation_paths.API_GATEWAY_HTTP)
@tracer.capture_lambda_handler
def handler(event: dict, context: LambdaContext) -> dict:
    return app.resolve(event, context)
