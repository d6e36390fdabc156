"""boto3 clients, created once per process and shared (Lambda reuses them when warm).

Endpoints come from the standard ``AWS_ENDPOINT_URL`` / ``AWS_ENDPOINT_URL_<SERVICE>``
variables, which is how the local stack points the same code at DynamoDB Local and
moto server.
"""

from __future__ import annotations

from functools import cache
from typing import Any

import boto3
from botocore.config import Config

# What X-Ray traces in Lambda (Powertools' Tracer patches these at import): AWS calls and
# outbound HTTP (LMS token/AGS/JWKS requests). The Tracer's default patches every library
# the X-Ray SDK knows (databases, httpx, …), importing each one we never use.
TRACED_MODULES = ("botocore", "requests")

_CONFIG = Config(retries={"mode": "standard", "max_attempts": 5}, max_pool_connections=50)
# Bulk paths build their requests themselves (already in DynamoDB's wire format):
# client-side parameter validation would only repeat what the service checks anyway,
# and it costs more CPU than the request itself at thousands of items per second.
_BULK_CONFIG = _CONFIG.merge(Config(parameter_validation=False))


@cache
def client(service: str) -> Any:
    return boto3.session.Session().client(service, config=_CONFIG)


@cache
def s3_signer() -> Any:
    """The S3 client that signs presigned POSTs and URLs for browsers: Signature
    Version 4, the one S3 accepts in every region (botocore may pick the legacy one
    for a presigned POST)."""
    config = _CONFIG.merge(Config(signature_version="s3v4"))
    return boto3.session.Session().client("s3", config=config)


@cache
def dynamodb() -> Any:
    """The DynamoDB *resource*: its client (``.meta.client``) takes and returns plain
    Python values for every operation, transactions included."""
    return boto3.session.Session().resource("dynamodb", config=_CONFIG)


@cache
def bulk_client(service: str) -> Any:
    """A low-level client without client-side validation, for requests in wire format."""
    return boto3.session.Session().client(service, config=_BULK_CONFIG)


@cache
def table(name: str) -> Any:
    """The Table resource, built once per name: building one costs more CPU (~1 ms)
    than the request made with it, and its calls are safe to share between threads
    (all of them go through the one thread-safe client)."""
    return dynamodb().Table(name)


def reset() -> None:
    """Forget cached clients (used when the local stack's endpoints change)."""
    client.cache_clear()
    s3_signer.cache_clear()
    bulk_client.cache_clear()
    dynamodb.cache_clear()
    table.cache_clear()
