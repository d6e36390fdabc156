"""A count of sends in a window (app table): at most ``limit`` per ``window`` seconds.

Used for emails anyone can make us send — verification links, password reset links —
so that nobody can flood an inbox or our SES reputation: one item per throttled
thing (an address's hash, a client's), ``count`` and ``windowStart``, ``ttl``.
"""

from __future__ import annotations

from botocore.exceptions import ClientError

from coursebridge.store.dynamo import app_table, is_conditional_failure


def claim_window_slot(key: dict[str, str], kind: str, now: int, limit: int, window: int) -> bool:
    """True if fewer than ``limit`` were counted for ``key`` in the current window (and
    counts this one).

    Two conditional writes at most: start a new window when the last one is over,
    else count one more while under the limit.
    """
    try:
        app_table().put_item(
            Item={**key, "kind": kind, "count": 1, "windowStart": now, "ttl": now + window},
            ConditionExpression="attribute_not_exists(pk) OR windowStart <= :cutoff",
            ExpressionAttributeValues={":cutoff": now - window},
        )
        return True
    except ClientError as error:
        if not is_conditional_failure(error):
            raise
    try:
        app_table().update_item(
            Key=key,
            UpdateExpression="ADD #count :one",
            ConditionExpression="#count < :limit AND windowStart > :cutoff",
            ExpressionAttributeNames={"#count": "count"},
            ExpressionAttributeValues={":one": 1, ":limit": limit, ":cutoff": now - window},
        )
        return True
    except ClientError as error:
        if is_conditional_failure(error):
            return False
        raise
