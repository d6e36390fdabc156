"""The uniqueness claims of the users table: who holds an email, a username, a school's issuedID.

A claim is written in the same TransactWriteItems as the account it points to, with
``attribute_not_exists(userId)``, so two writers can never both hold one value: the
email-index GSI (eventually consistent) is only ever used for look-ups. Every writer —
a launch, the CLI, the CSV importer — builds its claim actions here; the importer only
turns them into wire format.
"""

from __future__ import annotations

from typing import Any

from coursebridge.store import keys

FREE = "attribute_not_exists(userId)"
FREE_OR_MINE = "attribute_not_exists(userId) OR accountId = :me"


def email_claim_item(email: str, account_id: str) -> dict[str, Any]:
    return {**keys.email_claim(email), "kind": "email-claim", "accountId": account_id}


def username_claim_item(username: str, account_id: str) -> dict[str, Any]:
    return {**keys.username_claim(username), "kind": "username-claim", "accountId": account_id}


def issued_claim_item(school_id: str, issued_id: str, account_id: str) -> dict[str, Any]:
    return {
        **keys.issued_claim(school_id, issued_id),
        "kind": "issued-claim",
        "schoolId": school_id,
        "accountId": account_id,
    }


def put_claim(table: str, item: dict[str, Any], *, or_mine: bool = False) -> dict:
    """Put that claims ``item``'s value; fails if another account holds it (``or_mine``:
    holding it already is fine)."""
    body: dict[str, Any] = {"TableName": table, "Item": item, "ConditionExpression": FREE}
    if or_mine:
        body["ConditionExpression"] = FREE_OR_MINE
        body["ExpressionAttributeValues"] = {":me": item["accountId"]}
    return {"Put": body}


def release_claim(
    table: str, key: dict[str, str], account_id: str, *, or_gone: bool = False
) -> dict:
    """Delete of a claim ``account_id`` holds (``or_gone``: or that nobody holds)."""
    return {
        "Delete": {
            "TableName": table,
            "Key": key,
            "ConditionExpression": FREE_OR_MINE if or_gone else "accountId = :me",
            "ExpressionAttributeValues": {":me": account_id},
        }
    }


def claim_actions(
    table: str,
    account_id: str,
    email: str | None,
    issued: dict[str, str],
    username: str | None = None,
) -> list[dict]:
    """The claims of a new account: its email (when it has one), each school's issuedID,
    then its username (last: a refused email or issuedID is named first)."""
    actions = [put_claim(table, email_claim_item(email, account_id))] if email else []
    actions += [
        put_claim(table, issued_claim_item(school_id, issued_id, account_id))
        for school_id, issued_id in sorted(issued.items())
    ]
    if username:
        actions.append(put_claim(table, username_claim_item(username, account_id)))
    return actions
