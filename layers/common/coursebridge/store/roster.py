"""Roster sources: the LMS courses whose membership (NRPS) a class follows (app table).

Item:
  CLASS#<classId> / ROSTER#<registrationId>#<digest(deployment, context)>
        registrationId, issuer, clientId, deploymentId, contextId, membershipsUrl,
        resourceLinkId (a link of the course, for the ``rlid`` of a roster with custom
        values), orgId, updatedAt; gsi1 = ROSTERSYNC#<shard 00..23> / <classId>#<sk>
A launch writes it when its course map is new or its ``context_memberships_url`` changed
(the course map keeps a digest, ``rosterSig``, so an ordinary launch reads nothing more).
The source is keyed by the registration that signed the launch: only that registration's
token reads the roster, and only that registration's people are enrolled from it.
"""

from __future__ import annotations

from typing import Any

from coursebridge.model import Model
from coursebridge.store import keys
from coursebridge.store.dynamo import app_table, now_epoch
from coursebridge.store.queries import query_all


class RosterSource(Model):
    class_id: str
    org_id: str
    registration_id: str
    issuer: str
    client_id: str
    deployment_id: str
    context_id: str
    memberships_url: str
    resource_link_id: str | None = None

    @property
    def key(self) -> dict[str, str]:
        return keys.roster_source(
            self.class_id, self.registration_id, self.deployment_id, self.context_id
        )

    def to_item(self) -> dict[str, Any]:
        key = self.key
        item: dict[str, Any] = {
            **key,
            "kind": "rosterSource",
            "classId": self.class_id,
            "orgId": self.org_id,
            "registrationId": self.registration_id,
            "issuer": self.issuer,
            "clientId": self.client_id,
            "deploymentId": self.deployment_id,
            "contextId": self.context_id,
            "membershipsUrl": self.memberships_url,
            "updatedAt": now_epoch(),
            "gsi1pk": keys.roster_sources_in(keys.roster_shard(self.class_id)),
            "gsi1sk": f"{self.class_id}#{key['sk']}",
        }
        if self.resource_link_id:
            item["resourceLinkId"] = self.resource_link_id
        return item

    @classmethod
    def from_item(cls, item: dict[str, Any]) -> RosterSource:
        return cls(
            class_id=item["classId"],
            org_id=item["orgId"],
            registration_id=item["registrationId"],
            issuer=item["issuer"],
            client_id=item["clientId"],
            deployment_id=item["deploymentId"],
            context_id=item["contextId"],
            memberships_url=item["membershipsUrl"],
            resource_link_id=item.get("resourceLinkId"),
        )


class RosterSourceStore:
    def put(self, source: RosterSource) -> None:
        app_table().put_item(Item=source.to_item())

    def of_class(self, class_id: str) -> list[RosterSource]:
        items = query_all(
            app_table(),
            KeyConditionExpression="pk = :pk AND begins_with(sk, :roster)",
            ExpressionAttributeValues={
                ":pk": keys.class_partition(class_id),
                ":roster": keys.ROSTER,
            },
            ConsistentRead=True,
        )
        return [RosterSource.from_item(item) for item in items]

    def classes_in_shard(self, shard: int) -> list[str]:
        """Class ids with a roster source in one of the schedule's shards (gsi1)."""
        items = query_all(
            app_table(),
            IndexName="gsi1",
            KeyConditionExpression="gsi1pk = :pk",
            ExpressionAttributeValues={":pk": keys.roster_sources_in(shard)},
            ProjectionExpression="classId",
        )
        return list(dict.fromkeys(item["classId"] for item in items))

    def delete(self, source: RosterSource) -> None:
        app_table().delete_item(Key=source.key)
