"""TransactWriteItems, and what a cancelled one means: the one mapping from a refused
item to our own exception.

A cancelled transaction wrote nothing and says, action by action, why
(``CancellationReasons``). The key of each action whose condition failed names what it
guarded — the LMS link, an email, issuedID or username claim, the account, an emailed token, an
org or a school — and ``refusal`` turns that key into the matching exception. Callers
decide whether to re-read and retry (``WriteConflict``, ``LinkAlreadyExists``), to carry
on without the contested value (``EmailAlreadyClaimed``) or to drop the refused actions
and send the rest again (``Cancellation.refused``: the importer, the release sender).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from botocore.exceptions import ClientError

from coursebridge.backoff import is_transient
from coursebridge.store import keys
from coursebridge.store.dynamo import dynamodb_client
from coursebridge.store.errors import (
    AccountChanged,
    EmailAlreadyClaimed,
    IssuedIdAlreadyClaimed,
    ItemChanged,
    LinkAlreadyExists,
    OrgAlreadyExists,
    SchoolAlreadyOwned,
    TokenGone,
    UsernameAlreadyClaimed,
    WriteConflict,
)

__all__ = [
    "AccountChanged",
    "Cancellation",
    "LinkAlreadyExists",
    "TokenGone",
    "UsernameAlreadyClaimed",
    "WriteConflict",
    "cancellation",
    "refusal",
    "single_use_delete",
    "transact",
]

REFUSED = "ConditionalCheckFailed"


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


def key_of(action: dict) -> dict:
    body = next(iter(action.values()))
    return body.get("Item") or body.get("Key") or {}


def refusal(key: dict) -> Exception:
    """The exception for an item whose condition refused, named by its key."""
    plain = {name: _plain(value) for name, value in key.items()}
    claim = keys.claim_of(plain)
    if claim is not None:
        return _claim_refusal(*claim)
    if keys.is_lms_link(plain):
        return LinkAlreadyExists()
    if keys.is_account(plain):
        return AccountChanged()
    if keys.is_emailed_token(plain):
        return TokenGone()
    pk = plain.get("pk", "")
    if pk.startswith("ORG#") and plain.get("sk") == keys.META:
        return OrgAlreadyExists(pk.removeprefix("ORG#"))
    if pk.startswith("SCHOOL#"):
        return SchoolAlreadyOwned(pk.removeprefix("SCHOOL#"))
    return ItemChanged(plain)


def _claim_refusal(kind: str, value: str) -> Exception:
    if kind == "email":
        return EmailAlreadyClaimed(value)
    if kind == "username":
        return UsernameAlreadyClaimed(value)
    return IssuedIdAlreadyClaimed(kind.removeprefix("issued:"), value)


def _plain(value: Any) -> str:
    """A key attribute as a string, from plain Python or DynamoDB's wire format."""
    return str(next(iter(value.values()))) if isinstance(value, dict) else str(value)


@dataclass(frozen=True)
class Cancellation:
    """A cancelled TransactWriteItems: each action with the reason DynamoDB gave."""

    actions: Sequence[dict]
    codes: Sequence[str]

    @property
    def refused(self) -> list[int]:
        """Indexes of the actions whose condition failed."""
        return [i for i, code in enumerate(self.codes) if code == REFUSED]

    def errors(self) -> list[Exception]:
        """The exception of each refused action, in action order."""
        return [refusal(key_of(self.actions[i])) for i in self.refused if i < len(self.actions)]

    @property
    def only_conflicts(self) -> bool:
        """Cancelled only because other transactions held the items (retry as it is)."""
        return set(self.codes) - {"None"} <= {"TransactionConflict"}


def cancellation(error: ClientError, actions: Sequence[dict]) -> Cancellation:
    """What a cancelled transaction said; any other error is raised again."""
    if error.response["Error"]["Code"] != "TransactionCanceledException":
        raise error
    reasons = error.response.get("CancellationReasons") or []
    return Cancellation(actions, [str(reason.get("Code") or "None") for reason in reasons])


_PRIORITY = (
    LinkAlreadyExists,
    TokenGone,
    EmailAlreadyClaimed,
    IssuedIdAlreadyClaimed,
    UsernameAlreadyClaimed,
)


def transact(actions: list[dict]) -> None:
    """Run ``actions`` as one transaction, or raise the reason it was cancelled: the
    refused item's exception (a link, a token, then a claim first), ``WriteConflict``."""
    try:
        dynamodb_client().transact_write_items(TransactItems=actions)
    except ClientError as error:
        if is_transient(error):  # conflicting or throttled (past botocore's retries)
            raise WriteConflict() from None
        cancelled = cancellation(error, actions)
        failures = cancelled.errors()
        for kind in _PRIORITY:
            for failure in failures:
                if isinstance(failure, kind):
                    raise failure from None
        if failures:
            raise failures[0] from None
        if cancelled.only_conflicts:
            raise WriteConflict() from None
        raise
