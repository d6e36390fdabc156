"""Classes, units and the LMS → tool mappings (app table).

Items:
  CLASS#<classId>                              / META  class: orgId, title, copiedFrom
  UNIT#<unitId>                                / META  unit: classId, orgId,
        title, maxScore, issuer, clientId, registrationId, deploymentId, resourceLinkId,
        contextId, lineitem, lineitems, agsScope, lmsFamily (the launch's tool_platform);
        Release Grades adds releaseLineitem, goneLineitems; gsi1 = CLASS#<classId>#UNITS /
        <createdAt>#<unitId> (listing); copiedFrom (the unit of an earlier term it was cloned from)
  COURSEMAP#<registrationId>#<deployment>#<contextId>  / MAP   targetId = classId, rosterSig
  LINKMAP#<registrationId>#<deployment>#<linkId>       / MAP   targetId = unitId, classId
Maps are keyed by the platform registration that signed the launch (see
store/platforms.py): another registration of the same issuer has maps of its own.
A map and the record it creates are written in one transaction whose condition is
``attribute_not_exists(pk)`` on the map: two concurrent first launches of one course
create one class; the loser reads the winner's map.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from botocore.exceptions import ClientError
from pydantic import Field

from coursebridge.model import Model
from coursebridge.settings import get_settings
from coursebridge.store import keys
from coursebridge.store.dynamo import (
    app_table,
    batch_get,
    dynamodb_client,
    is_conditional_failure,
    new_id,
    now_epoch,
)
from coursebridge.store.queries import Update, query_all
from coursebridge.store.transactions import cancellation

NEW = "attribute_not_exists(pk)"
MAX_TRANSACTION = 100


class ClassRecord(Model):
    class_id: str = Field(default_factory=lambda: new_id("cls"))
    org_id: str
    title: str
    copied_from: str | None = None  # the class of a copied course's earlier term

    def to_item(self) -> dict[str, Any]:
        item = {
            **keys.klass(self.class_id),
            "kind": "class",
            "classId": self.class_id,
            "orgId": self.org_id,
            "title": self.title,
            "createdAt": now_epoch(),
        }
        if self.copied_from:
            item["copiedFrom"] = self.copied_from
        return item

    @classmethod
    def from_item(cls, item: dict[str, Any]) -> ClassRecord:
        return cls(
            class_id=item["classId"],
            org_id=item["orgId"],
            title=item.get("title", ""),
            copied_from=item.get("copiedFrom"),
        )


class UnitRecord(Model):
    unit_id: str = Field(default_factory=lambda: new_id("unt"))
    class_id: str
    org_id: str
    title: str
    max_score: Decimal | None = None
    issuer: str | None = None
    client_id: str | None = None
    registration_id: str | None = None
    deployment_id: str | None = None
    resource_link_id: str | None = None
    context_id: str | None = None
    lineitem: str | None = None
    lineitems: str | None = None
    ags_scope: list[str] = Field(default_factory=list)
    release_lineitem: str | None = None  # the line item Release Grades found or created
    gone_lineitems: list[str] = Field(default_factory=list)  # deleted in the LMS
    lms_family: str | None = None  # the launch's tool_platform.product_family_code
    created_at: int = Field(default_factory=now_epoch)
    copied_from: str | None = None  # the unit of an earlier term this one was cloned from

    @property
    def graded(self) -> bool:
        return self.max_score is not None

    def to_item(self) -> dict[str, Any]:
        item: dict[str, Any] = {
            **keys.unit(self.unit_id),
            "kind": "unit",
            "unitId": self.unit_id,
            "classId": self.class_id,
            "orgId": self.org_id,
            "title": self.title,
            "agsScope": list(self.ags_scope),
            "createdAt": self.created_at,
            "gsi1pk": keys.units_of_class(self.class_id),
            "gsi1sk": keys.unit_index_sort(self.created_at, self.unit_id),
        }
        optional = {
            "maxScore": self.max_score,
            "issuer": self.issuer,
            "clientId": self.client_id,
            "registrationId": self.registration_id,
            "deploymentId": self.deployment_id,
            "resourceLinkId": self.resource_link_id,
            "contextId": self.context_id,
            "lineitem": self.lineitem,
            "lineitems": self.lineitems,
            "releaseLineitem": self.release_lineitem,
            "goneLineitems": set(self.gone_lineitems) or None,
            "lmsFamily": self.lms_family,
        }
        item.update({k: v for k, v in optional.items() if v is not None})
        if self.copied_from:
            item["copiedFrom"] = self.copied_from
        return item

    @classmethod
    def from_item(cls, item: dict[str, Any]) -> UnitRecord:
        return cls(
            unit_id=item["unitId"],
            class_id=item["classId"],
            org_id=item["orgId"],
            title=item.get("title", ""),
            max_score=item.get("maxScore"),
            issuer=item.get("issuer"),
            client_id=item.get("clientId"),
            registration_id=item.get("registrationId"),
            deployment_id=item.get("deploymentId"),
            resource_link_id=item.get("resourceLinkId"),
            context_id=item.get("contextId"),
            lineitem=item.get("lineitem"),
            lineitems=item.get("lineitems"),
            ags_scope=list(item.get("agsScope") or []),
            release_lineitem=item.get("releaseLineitem"),
            gone_lineitems=sorted(item.get("goneLineitems") or ()),
            lms_family=item.get("lmsFamily"),
            created_at=int(item.get("createdAt", 0)),
            copied_from=item.get("copiedFrom"),
        )


course_map_key = keys.course_map
link_map_key = keys.link_map


class ClassStore:
    """Reads are strongly consistent: a launch right after a write must see it."""

    # ------------------------------------------------------------ reads
    def get_class(self, class_id: str) -> ClassRecord | None:
        item = app_table().get_item(Key=keys.klass(class_id), ConsistentRead=True).get("Item")
        return ClassRecord.from_item(item) if item else None

    def get_unit(self, unit_id: str) -> UnitRecord | None:
        item = app_table().get_item(Key=keys.unit(unit_id), ConsistentRead=True).get("Item")
        return UnitRecord.from_item(item) if item else None

    def units_of_class(self, class_id: str) -> list[UnitRecord]:
        """Oldest first (gsi1; a unit created a moment ago may lag by a fraction of a second)."""
        items = query_all(
            app_table(),
            IndexName="gsi1",
            KeyConditionExpression="gsi1pk = :pk",
            ExpressionAttributeValues={":pk": keys.units_of_class(class_id)},
        )
        return [UnitRecord.from_item(item) for item in items]

    def mapped_target(self, key: dict[str, str]) -> dict[str, Any] | None:
        return app_table().get_item(Key=key, ConsistentRead=True).get("Item")

    def mapped_targets(self, keys: list[dict[str, str]]) -> list[dict[str, Any] | None]:
        """Several maps in one strongly consistent BatchGetItem: a launch reads its
        course map and activity map together (one round trip instead of two)."""
        found = batch_get(get_settings().app_table, keys, consistent=True)
        return [found.get((k["pk"], k["sk"])) for k in keys]

    def mark_link_recorded(self, map_key: dict[str, str], signature: str) -> None:
        """Remember on the activity map which LMS link/AGS details the unit already has,
        so the next launch with the same details needs no unit read."""
        try:
            app_table().update_item(
                Key=map_key,
                UpdateExpression="SET linkSig = :sig",
                ConditionExpression="attribute_exists(pk)",
                ExpressionAttributeValues={":sig": signature},
            )
        except ClientError as error:
            if not is_conditional_failure(error):
                raise

    def mark_roster_recorded(self, map_key: dict[str, str], signature: str) -> None:
        """Remember on the course map which roster service the class's roster source
        already names, so the next launch with the same one writes nothing."""
        try:
            app_table().update_item(
                Key=map_key,
                UpdateExpression="SET rosterSig = :sig",
                ConditionExpression="attribute_exists(pk)",
                ExpressionAttributeValues={":sig": signature},
            )
        except ClientError as error:
            if not is_conditional_failure(error):
                raise

    def copies_of(self, class_id: str, unit_id: str) -> list[UnitRecord]:
        """The units of ``class_id`` cloned from ``unit_id`` (a copied course's class)."""
        return [u for u in self.units_of_class(class_id) if u.copied_from == unit_id]

    # ------------------------------------------------------------ creation (races)
    def create_mapped(
        self,
        map_key: dict[str, str],
        record: ClassRecord | UnitRecord,
        extra: list[dict[str, Any]] | None = None,
    ) -> str:
        """Create ``record`` (and the ``extra`` new items) and map ``map_key`` to it,
        unless someone mapped it first.

        Returns the id the map points to (ours, or the concurrent winner's).
        """
        target_id = record.class_id if isinstance(record, ClassRecord) else record.unit_id
        map_item = {**map_key, "kind": "map", "targetId": target_id, "createdAt": now_epoch()}
        if isinstance(record, UnitRecord):
            map_item["classId"] = record.class_id
        table = get_settings().app_table
        actions = [
            {"Put": {"TableName": table, "Item": item, "ConditionExpression": NEW}}
            for item in (map_item, record.to_item(), *(extra or []))
        ]
        try:
            dynamodb_client().transact_write_items(TransactItems=actions)
        except ClientError as error:
            if 0 in cancellation(error, actions).refused:  # the map: someone mapped it first
                winner = self.mapped_target(map_key)
                if winner:
                    return winner["targetId"]
            raise
        return target_id

    def create_copied(
        self, map_key: dict[str, str], record: ClassRecord, units: list[UnitRecord]
    ) -> str:
        """Like ``create_mapped`` for a class cloned from an earlier term's: the map, the
        class and its units in one transaction (units past a transaction's 100 actions
        follow it), unless someone mapped the course first."""
        first, rest = units[: MAX_TRANSACTION - 2], units[MAX_TRANSACTION - 2 :]
        target = self.create_mapped(map_key, record, extra=[u.to_item() for u in first])
        if target == record.class_id:
            for unit in rest:
                self.create_unit(unit)
        return target

    def create_unit(self, unit: UnitRecord) -> UnitRecord:
        """A unit not (yet) mapped to an LMS activity (deep linking's "new unit")."""
        app_table().put_item(Item=unit.to_item(), ConditionExpression="attribute_not_exists(pk)")
        return unit

    def map_to(
        self,
        map_key: dict[str, str],
        target_id: str,
        *,
        class_id: str | None = None,
        expected: str | None = None,
    ) -> bool:
        """Point a map at ``target_id``.

        ``expected``: the target the caller saw (None: the map must not exist). Returns
        False when someone changed the map in between (the caller re-reads).
        """
        item = {**map_key, "kind": "map", "targetId": target_id, "createdAt": now_epoch()}
        if class_id:
            item["classId"] = class_id
        condition: dict[str, Any] = {"ConditionExpression": "attribute_not_exists(pk)"}
        if expected is not None:
            condition = {
                "ConditionExpression": "targetId = :expected",
                "ExpressionAttributeValues": {":expected": expected},
            }
        try:
            app_table().put_item(Item=item, **condition)
        except ClientError as error:
            if is_conditional_failure(error):
                return False
            raise
        return True

    # ------------------------------------------------------------ updates
    def update_unit_link(self, unit_id: str, values: dict[str, Any]) -> None:
        """SET the given unit attributes (AGS info, link identity, maxScore)."""
        update = Update().set_all(values)
        if not update.sets:
            return
        app_table().update_item(**update.when("attribute_exists(pk)").request(keys.unit(unit_id)))
