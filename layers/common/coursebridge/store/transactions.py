"""TransactWriteItems with the cancellation reasons turned into our own exceptions.

Each action's key says what it guarded: the LMS link, an email or issuedID claim, the
account, or a verification token. A cancelled transaction wrote nothing; the caller
decides whether to re-read and retry (``WriteConflict``, ``LinkAlreadyExists``) or to
carry on without the contested value (``EmailAlreadyClaimed``).
"""

from __future__ import annotations

from botocore.exceptions import ClientError

from coursebridge.backoff import is_transient
from coursebridge.store.accounts import (
    ACCOUNT,
    EMAIL,
    EmailAlreadyClaimed,
    IssuedIdAlreadyClaimed,
)
from coursebridge.store.dynamo import dynamodb_client

VERIFY_PREFIX = "VERIFY#"
INVITE_PREFIX = "INVITE#"


class LinkAlreadyExists(Exception):
    """Another launch linked this (issuer, sub) first: re-read the link."""


class AccountChanged(Exception):
    """The account no longer matched what the write expected (changed meanwhile)."""


class TokenGone(Exception):
    """The verification or invitation token was used (or removed) meanwhile."""


class WriteConflict(Exception):
    """Another transaction touched the same items at the same moment, or DynamoDB
    throttled the transaction: retry (with coursebridge.backoff's bounded backoff)."""


def single_use_delete(table: str, key: dict[str, str], now: int) -> dict:
    """TransactWriteItems Delete of an emailed token's item that fails (``TokenGone``)
    if the token was used or has expired: what makes such a link work once."""
    return {
        "Delete": {
            "TableName": table,
            "Key": key,
            "ConditionExpression": "attribute_exists(pk) AND expiresAt > :now",
            "ExpressionAttributeValues": {":now": now},
        }
    }


def _key_of(action: dict) -> dict:
    body = next(iter(action.values()))
    return body.get("Item") or body.get("Key") or {}


def _classify(key: dict) -> Exception:
    platform = str(key.get("platform", ""))
    if "pk" in key:
        if str(key["pk"]).startswith((VERIFY_PREFIX, INVITE_PREFIX)):
            return TokenGone()
        return AccountChanged()
    if platform == EMAIL:
        return EmailAlreadyClaimed(str(key["userId"]))
    if platform.startswith("ISSUED#"):
        return IssuedIdAlreadyClaimed(platform[len("ISSUED#") :], str(key["userId"]))
    if platform == ACCOUNT:
        return AccountChanged()
    return LinkAlreadyExists()


_PRIORITY = (LinkAlreadyExists, TokenGone, EmailAlreadyClaimed, IssuedIdAlreadyClaimed)


def transact(actions: list[dict]) -> None:
    """Run ``actions`` as one transaction, or raise the reason it was cancelled."""
    try:
        dynamodb_client().transact_write_items(TransactItems=actions)
    except ClientError as error:
        if is_transient(error):  # conflicting or throttled (past botocore's retries)
            raise WriteConflict() from None
        if error.response["Error"]["Code"] != "TransactionCanceledException":
            raise
        reasons = error.response.get("CancellationReasons") or []
        failures = [
            _classify(_key_of(action))
            for action, reason in zip(actions, reasons, strict=False)
            if reason.get("Code") == "ConditionalCheckFailed"
        ]
        for kind in _PRIORITY:
            for failure in failures:
                if isinstance(failure, kind):
                    raise failure from None
        if failures:
            raise failures[0] from None
        raise
