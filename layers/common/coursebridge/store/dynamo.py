"""Small helpers shared by the store modules: clocks, ids, transaction errors."""

from __future__ import annotations

import time
import uuid
from collections.abc import Sequence
from typing import Any

from botocore.exceptions import ClientError

from coursebridge import aws
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


def is_conditional_failure(error: ClientError) -> bool:
    return error.response["Error"]["Code"] == "ConditionalCheckFailedException"


def cancellation_codes(error: ClientError) -> list[str]:
    """Per-action reasons of a cancelled TransactWriteItems, in action order."""
    if error.response["Error"]["Code"] != "TransactionCanceledException":
        raise error
    reasons: Sequence[dict] = error.response.get("CancellationReasons", [])
    return [reason.get("Code", "None") for reason in reasons]
