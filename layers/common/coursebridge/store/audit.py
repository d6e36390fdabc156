"""Audit records of account changes (app table), listable per org.

Item: ``AUDIT#<orgId>#<shard>`` / ``<epoch ms, 13 digits>#<random>`` with ``action``
(created, linked, updated, email-kept, verification-sent, verified), ``accountId``,
``actor`` (the LMS identity ``issuer sub`` or who ran a tool), ``launchId`` and
``details``. Records of a write are put in the same transaction as the write, so a
cancelled write (a lost race) leaves no record and a done write always has one.

An organization's records are spread over ``keys.AUDIT_SHARDS`` partitions (the shard
follows from the record's random nonce): every launch of a busy organization writes
one, and one partition would cap them all. The listing queries every shard at once
and merges them by time.
"""

from __future__ import annotations

import heapq
import secrets
import time
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from pydantic import Field

from coursebridge.model import Model
from coursebridge.settings import get_settings
from coursebridge.store import keys
from coursebridge.store.dynamo import app_table

MAX_LIST = 1000


def _now_ms() -> int:
    return int(time.time() * 1000)


class AuditRecord(Model):
    org_id: str
    action: str
    account_id: str
    actor: str = ""
    launch_id: str | None = None
    details: dict[str, str] = Field(default_factory=dict)
    at_ms: int = Field(default_factory=_now_ms)
    nonce: str = Field(default_factory=lambda: secrets.token_hex(4))

    @property
    def at(self) -> int:
        return self.at_ms // 1000

    def to_item(self) -> dict[str, Any]:
        item: dict[str, Any] = {
            **keys.audit(self.org_id, self.at_ms, self.nonce),
            "kind": "audit",
            "orgId": self.org_id,
            "action": self.action,
            "accountId": self.account_id,
            "actor": self.actor,
            "details": self.details,
            "at": self.at,
        }
        if self.launch_id:
            item["launchId"] = self.launch_id
        return item

    @classmethod
    def from_item(cls, item: dict[str, Any]) -> AuditRecord:
        at_ms, _, nonce = item["sk"].partition("#")
        return cls(
            org_id=item["orgId"],
            action=item["action"],
            account_id=item["accountId"],
            actor=item.get("actor", ""),
            launch_id=item.get("launchId"),
            details={k: str(v) for k, v in (item.get("details") or {}).items()},
            at_ms=int(at_ms),
            nonce=nonce,
        )

    def put_action(self) -> dict:
        return {"Put": {"TableName": get_settings().app_table, "Item": self.to_item()}}


class AuditStore:
    def record(self, record: AuditRecord) -> None:
        """A record that belongs to no other write (e.g. an email was kept)."""
        app_table().put_item(Item=record.to_item())

    def list_for_org(self, org_id: str, limit: int = MAX_LIST) -> list[AuditRecord]:
        """The org's records, oldest first (at most ``limit``, the newest ones)."""
        partitions = keys.audit_partitions(org_id)
        with ThreadPoolExecutor(max_workers=len(partitions)) as pool:
            shards = list(pool.map(lambda pk: _newest(pk, limit), partitions))
        merged = heapq.merge(*shards, key=lambda item: item["sk"], reverse=True)
        newest = [item for _, item in zip(range(limit), merged, strict=False)]
        return [AuditRecord.from_item(i) for i in reversed(newest)]


def _newest(partition: str, limit: int) -> list[dict]:
    """Up to ``limit`` records of one shard, newest first."""
    items: list[dict] = []
    query: dict[str, Any] = {
        "KeyConditionExpression": "pk = :pk",
        "ExpressionAttributeValues": {":pk": partition},
        "ScanIndexForward": False,
    }
    while len(items) < limit:
        response = app_table().query(**query, Limit=limit - len(items))
        items.extend(response["Items"])
        if "LastEvaluatedKey" not in response:
            break
        query["ExclusiveStartKey"] = response["LastEvaluatedKey"]
    return items
