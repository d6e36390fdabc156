"""Small helpers shared by the store modules: clocks, ids, tables, batched reads."""

from __future__ import annotations

import time
import uuid
from typing import Any

from botocore.exceptions import ClientError

from coursebridge import aws
from coursebridge.backoff import until_processed
from coursebridge.settings import get_settings


def now_epoch() -> int:
    return int(time.time())


def new_id(prefix: str) -> str:
    return f"{prefix}_{uuid.uuid4().hex}"


def users_table() -> Any:
    return aws.table(get_settings().users_table)


def app_table() -> Any:
    return aws.table(get_settings().app_table)


def dynamodb_client() -> Any:
    """Low-level client that still speaks plain Python values (resource-injected)."""
    return aws.dynamodb().meta.client


def batch_get(
    table: str,
    keys: list[dict[str, str]],
    *,
    consistent: bool = False,
    projection: str | None = None,
    names: dict[str, str] | None = None,
    key_names: tuple[str, str] = ("pk", "sk"),
) -> dict[tuple[str, str], dict[str, Any]]:
    """Items of a table by key (``key_names``: the app table's ``pk``/``sk`` unless told),
    100 keys a BatchGetItem; keys the table does not have are absent from the result.
    Unprocessed keys (throttling) are asked again with backoff (coursebridge.backoff);
    still unprocessed after its bound is an error, never a missing item."""
    hash_key, range_key = key_names
    unique = list({(k[hash_key], k[range_key]): k for k in keys}.values())
    found: dict[tuple[str, str], dict[str, Any]] = {}
    for start in range(0, len(unique), 100):
        spec: dict[str, Any] = {"Keys": unique[start : start + 100], "ConsistentRead": consistent}
        if projection:
            spec["ProjectionExpression"] = projection
        if names:
            spec["ExpressionAttributeNames"] = names
        request: dict[str, Any] = {table: spec}
        for response in until_processed(_send_batch_get, request, "UnprocessedKeys"):
            for item in response["Responses"].get(table, []):
                found[(item[hash_key], item[range_key])] = item
    return found


def _send_batch_get(request: dict) -> dict:
    return dynamodb_client().batch_get_item(RequestItems=request)


def is_conditional_failure(error: ClientError) -> bool:
    return error.response["Error"]["Code"] == "ConditionalCheckFailedException"
