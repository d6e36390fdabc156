"""GET /.well-known/jwks.json — the tool's public keys (private halves stay in KMS)."""

from __future__ import annotations

from coursebridge import cold_start  # before any other import: see its docstring

# isort: split
import json

from aws_lambda_powertools import Logger, Tracer
from aws_lambda_powertools.logging import correlation_paths
from aws_lambda_powertools.utilities.typing import LambdaContext

from coursebridge import aws
from coursebridge.keyring import published_key_ids
from coursebridge.signing import public_jwks

logger = Logger()
tracer = Tracer(patch_modules=aws.TRACED_MODULES)


@logger.inject_lambda_context(correlation_id_path=correlation_paths.API_GATEWAY_HTTP)
@tracer.capture_lambda_handler
def handler(event: dict, context: LambdaContext) -> dict:
    jwks = public_jwks(published_key_ids())
    return {
        "statusCode": 200,
        "headers": {
            "content-type": "application/json",
            # Platforms cache the JWKS; rotation keeps old keys published for longer.
            "cache-control": "public, max-age=300",
        },
        "body": json.dumps(jwks),
    }


cold_start.finished()
