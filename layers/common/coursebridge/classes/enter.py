"""Launch → class + unit + membership (SPEC §4). CONTRACT used by the launch handler.

``enter_course`` maps the launch's course and activity (creating them when the org
auto-maps) and enrolls the user. This first version always auto-maps; the classes
issue completes it (autoMap off → NotSetUp, re-mapping, line item max score, races)
behind the same signature and outcome types.
"""

from __future__ import annotations

from dataclasses import dataclass

from coursebridge.accounts.resolve import Entered
from coursebridge.lti.claims import LaunchClaims
from coursebridge.store.dynamo import app_table, new_id, now_epoch
from coursebridge.store.orgs import Org


@dataclass(frozen=True)
class CourseEntry:
    class_id: str
    unit_id: str | None  # None for a deep-linking launch (no activity yet)


@dataclass(frozen=True)
class NotSetUp:
    """The course or activity is not mapped and the org does not auto-map."""

    what: str  # "course" or "activity"


def _get_or_create(key: dict, item: dict) -> str:
    table = app_table()
    found = table.get_item(Key=key, ConsistentRead=True).get("Item")
    if found:
        return found["targetId"]
    try:
        table.put_item(Item={**key, **item}, ConditionExpression="attribute_not_exists(pk)")
    except table.meta.client.exceptions.ConditionalCheckFailedException:
        return table.get_item(Key=key, ConsistentRead=True)["Item"]["targetId"]
    return item["targetId"]


def enter_course(claims: LaunchClaims, entered: Entered, org: Org) -> CourseEntry | NotSetUp:
    scope = f"{claims.issuer}#{claims.deployment_id}"
    class_id = _get_or_create(
        {"pk": f"COURSEMAP#{scope}#{claims.context_id}", "sk": "MAP"},
        {
            "kind": "course-map",
            "targetId": new_id("cls"),
            "orgId": org.org_id,
            "title": claims.context_title or claims.context_id or "",
        },
    )
    unit_id = None
    if claims.resource_link_id:
        unit_id = _get_or_create(
            {"pk": f"LINKMAP#{scope}#{claims.resource_link_id}", "sk": "MAP"},
            {
                "kind": "link-map",
                "targetId": new_id("unt"),
                "classId": class_id,
                "title": claims.resource_link_title or "",
            },
        )
    app_table().put_item(
        Item={
            "pk": f"CLASS#{class_id}",
            "sk": f"MEMBER#{entered.account.account_id}",
            "kind": "membership",
            "role": entered.role,
            "readOnly": entered.read_only,
            "sub": claims.sub,
            "updatedAt": now_epoch(),
        }
    )
    return CourseEntry(class_id, unit_id)
