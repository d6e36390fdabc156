"""Failed sign-ins (app table), counted per account, per typed name and per client address.

Items (keys: store/keys.py ``sign_in_failures``):
  SIGNINFAIL#ACCOUNT#<accountId>     / FAILURES  an account's failed sign-ins
  SIGNINFAIL#NAME#<sha256(name)>     / FAILURES  a typed email/username that is no account:
                                                 counted exactly like an account, so a lock
                                                 never tells whether the account exists
  SIGNINFAIL#ADDRESS#<sha256(ip)>    / FAILURES  a client address's failed sign-ins
Attributes: ``failures``, ``windowStart``, ``lastFailureAt``, ``lockedUntil``, ``version``
and ``ttl`` (DynamoDB removes a spent counter; expiry is also checked on read). Each key
is one account, name or address: the counters spread like the accounts themselves.

What the numbers mean is accounts/lockout.py's; this module only reads and writes them.
An account's (or name's) counter is written conditionally on the version read, so two
simultaneous attempts on one account cannot both pass the same check. An address's is
counted with atomic updates that never refuse: the pupils of one school behind one
address sign in at the same moment.
"""

from __future__ import annotations

from typing import Any

from botocore.exceptions import ClientError

from coursebridge.backoff import until_processed
from coursebridge.model import Model
from coursebridge.settings import get_settings
from coursebridge.store import keys
from coursebridge.store.dynamo import app_table, dynamodb_client, is_conditional_failure


class FailureCount(Model):
    failures: int = 0
    window_start: int = 0
    last_failure_at: int = 0
    locked_until: int = 0
    version: int = 0

    @classmethod
    def from_item(cls, item: dict[str, Any] | None) -> FailureCount:
        if not item:
            return cls()
        return cls(
            failures=int(item.get("failures", 0)),
            window_start=int(item.get("windowStart", 0)),
            last_failure_at=int(item.get("lastFailureAt", 0)),
            locked_until=int(item.get("lockedUntil", 0)),
            version=int(item.get("version", 0)),
        )


def _send_batch_get(request: dict) -> dict:
    return dynamodb_client().batch_get_item(RequestItems=request)


def _key_tuple(key: dict[str, str]) -> tuple[str, str]:
    return key["pk"], key["sk"]


class SignInFailureStore:
    def read(
        self, counters: list[dict[str, str]], account_key: dict[str, str] | None = None
    ) -> tuple[list[FailureCount], dict[str, Any] | None]:
        """The counters (in order) and, when asked, the account item: one consistent
        BatchGetItem across both tables whether or not there is an account to read."""
        settings = get_settings()
        request: dict[str, Any] = {
            settings.app_table: {"Keys": counters, "ConsistentRead": True},
        }
        if account_key is not None:
            request[settings.users_table] = {"Keys": [account_key], "ConsistentRead": True}
        found: dict[tuple[str, str], dict] = {}
        account: dict[str, Any] | None = None
        for response in until_processed(_send_batch_get, request, "UnprocessedKeys"):
            for item in response["Responses"].get(settings.app_table, []):
                found[(item["pk"], item["sk"])] = item
            for item in response["Responses"].get(settings.users_table, []):
                account = item
        return [FailureCount.from_item(found.get(_key_tuple(k))) for k in counters], account

    def reserve(self, key: dict[str, str], seen: FailureCount, new: FailureCount, ttl: int) -> bool:
        """Write ``new`` if the counter is still ``seen``; False if another attempt wrote
        it first."""
        condition = "attribute_not_exists(pk)" if seen.version == 0 else "version = :seen"
        values = {":seen": seen.version} if seen.version else None
        try:
            app_table().put_item(
                Item={
                    **key,
                    "kind": "sign-in-failures",
                    "failures": new.failures,
                    "windowStart": new.window_start,
                    "lastFailureAt": new.last_failure_at,
                    "lockedUntil": new.locked_until,
                    "version": seen.version + 1,
                    "ttl": ttl,
                },
                ConditionExpression=condition,
                **({"ExpressionAttributeValues": values} if values else {}),
            )
        except ClientError as error:
            if is_conditional_failure(error):
                return False
            raise
        return True

    def clear(self, key: dict[str, str]) -> None:
        app_table().delete_item(Key=key)

    def clear_action(self, key: dict[str, str]) -> dict:
        """The same as a TransactWriteItems Delete (a password reset clears the lock)."""
        return {"Delete": {"TableName": get_settings().app_table, "Key": key}}

    def count_address_failure(self, key: dict[str, str], now: int, window: int) -> int:
        """One more failure from an address; a window over starts again. The count now."""
        try:
            app_table().put_item(
                Item={
                    **key,
                    "kind": "sign-in-failures",
                    "failures": 1,
                    "windowStart": now,
                    "lastFailureAt": now,
                    "lockedUntil": 0,
                    "version": 1,
                    "ttl": now + window,
                },
                ConditionExpression="attribute_not_exists(pk) OR "
                "(windowStart <= :cutoff AND lockedUntil <= :now)",
                ExpressionAttributeValues={":cutoff": now - window, ":now": now},
            )
            return 1
        except ClientError as error:
            if not is_conditional_failure(error):
                raise
        updated = app_table().update_item(
            Key=key,
            UpdateExpression="ADD failures :one, version :one SET lastFailureAt = :now",
            ExpressionAttributeValues={":one": 1, ":now": now},
            ReturnValues="UPDATED_NEW",
        )
        return int(updated["Attributes"]["failures"])

    def lock_address(self, key: dict[str, str], until: int) -> None:
        app_table().update_item(
            Key=key,
            UpdateExpression="SET lockedUntil = :until, #ttl = :until",
            ExpressionAttributeNames={"#ttl": "ttl"},
            ExpressionAttributeValues={":until": until},
        )


def account_counter(account_id: str) -> dict[str, str]:
    return keys.sign_in_failures("ACCOUNT", account_id)


def name_counter(name: str) -> dict[str, str]:
    return keys.sign_in_failures("NAME", name)


def address_counter(address: str) -> dict[str, str]:
    return keys.sign_in_failures("ADDRESS", address)
