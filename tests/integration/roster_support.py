"""Helpers for roster sync and course copy tests: launches through the demo LMS over HTTP,
the roster sync route, DynamoDB requests counted, the class's members as stored."""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import parse_qs, urlsplit

import requests

from coursebridge import aws
from coursebridge.lti.ags_token import TokenProvider
from coursebridge.store.members import Member, MemberStore
from tests.lti_support import ToolClient

WRITES = {
    "PutItem",
    "UpdateItem",
    "DeleteItem",
    "TransactWriteItems",
    "BatchWriteItem",
}


@dataclass(frozen=True)
class Landed:
    class_id: str
    unit_id: str | None
    token: str


def land(tool: ToolClient, person: str = "teacher", **kw: str) -> Landed:
    """A launch through the tool's HTTP endpoints; where it landed and its session."""
    response = tool.full_launch(person, **kw)
    assert response.status_code == 303, response.text
    location = urlsplit(response.headers["location"])
    parts = location.path.split("/")
    unit_id = parts[5] if len(parts) > 5 and parts[4] == "units" else None
    return Landed(parts[3], unit_id, parse_qs(location.query)["cb_session"][0])


def sync(tool: ToolClient, landed: Landed, class_id: str | None = None) -> requests.Response:
    return requests.post(
        f"{tool.tool_url}/api/classes/{class_id or landed.class_id}/roster/sync",
        headers={"authorization": f"Bearer {landed.token}"},
        timeout=120,
    )


def members_by_sub(class_id: str) -> dict[str, Member]:
    return {m.sub or m.account_id: m for m in MemberStore().members(class_id)}


class DynamoCalls:
    """Counts the DynamoDB requests the process makes (the local stack runs in it)."""

    def __init__(self) -> None:
        self.operations: list[str] = []

    def __call__(self, model, **_: object) -> None:
        self.operations.append(model.name)

    def __enter__(self) -> DynamoCalls:
        aws.dynamodb().meta.client.meta.events.register("before-call.dynamodb", self)
        return self

    def __exit__(self, *_: object) -> None:
        aws.dynamodb().meta.client.meta.events.unregister("before-call.dynamodb", self)

    @property
    def writes(self) -> list[str]:
        return [op for op in self.operations if op in WRITES]


def fresh_tokens() -> None:
    TokenProvider.forget_process_cache()


def stored_but_tokens() -> list[dict]:
    """Everything stored but the LMS access token cache (a first LMS call caches one)."""
    from tests.integration.stored import everything_stored

    return [i for i in everything_stored() if not str(i.get("pk", "")).startswith("AGSTOKEN#")]
