"""Pending deep-linking requests (app table), kept between the launch and the picker.

  CLASS#<classId> / DEEPLINK#<accountId>  the LtiDeepLinkingRequest's settings, issuer,
      clientId, deploymentId, targetLinkUri, launchId; ``ttl`` = one hour.
The launch stores it (``enter_course``); the picker reads it with the session's class
and account, and deletes it when the response is sent (a response is one-shot).
The launch id is echoed by the picker form, so an older tab cannot answer a newer request.
"""

from __future__ import annotations

import json
from typing import Any

from botocore.exceptions import ClientError
from pydantic import Field

from coursebridge.model import Model
from coursebridge.store import keys
from coursebridge.store.dynamo import app_table, is_conditional_failure, now_epoch

PENDING_SECONDS = 3600


class DeepLinkingSettings(Model):
    """The LTI Deep Linking settings claim (kept with the pending request it answers).

    ``data`` is opaque to the tool (Deep Linking 2.0 §4.4.1): any JSON value the
    platform sent — a string, an object, a list, ``null`` — goes back unchanged, and only
    when the request carried it (``has_data``)."""

    deep_link_return_url: str
    accept_types: list[str] = Field(default_factory=list)
    accept_presentation_document_targets: list[str] = Field(default_factory=list)
    accept_multiple: bool = False
    auto_create: bool = False
    title: str | None = None
    text: str | None = None
    data: Any = None

    @property
    def has_data(self) -> bool:
        return "data" in self.model_fields_set


class PendingDeepLink(Model):
    class_id: str
    account_id: str
    launch_id: str
    issuer: str
    client_id: str
    deployment_id: str
    target_link_uri: str
    settings: DeepLinkingSettings
    expires_at: int


class DeepLinkStore:
    def put(self, pending: PendingDeepLink) -> None:
        app_table().put_item(
            Item={
                **keys.deep_link(pending.class_id, pending.account_id),
                "kind": "deep-link-request",
                "launchId": pending.launch_id,
                "issuer": pending.issuer,
                "clientId": pending.client_id,
                "deploymentId": pending.deployment_id,
                "targetLinkUri": pending.target_link_uri,
                "settings": pending.settings.model_dump_json(exclude_unset=True),
                "ttl": pending.expires_at,
            }
        )

    def get(self, class_id: str, account_id: str) -> PendingDeepLink | None:
        item = (
            app_table()
            .get_item(
                Key=keys.deep_link(class_id, account_id),
                ConsistentRead=True,
            )
            .get("Item")
        )
        if not item or int(item["ttl"]) <= now_epoch():  # TTL deletion is lazy
            return None
        return _from_item(class_id, account_id, item)

    def consume(self, class_id: str, account_id: str, launch_id: str) -> bool:
        """Delete the pending request if it is still the one with ``launch_id``."""
        try:
            app_table().delete_item(
                Key=keys.deep_link(class_id, account_id),
                ConditionExpression="launchId = :launch",
                ExpressionAttributeValues={":launch": launch_id},
            )
        except ClientError as error:
            if is_conditional_failure(error):
                return False
            raise
        return True


def _from_item(class_id: str, account_id: str, item: dict[str, Any]) -> PendingDeepLink:
    return PendingDeepLink(
        class_id=class_id,
        account_id=account_id,
        launch_id=item["launchId"],
        issuer=item["issuer"],
        client_id=item["clientId"],
        deployment_id=item["deploymentId"],
        target_link_uri=item["targetLinkUri"],
        settings=DeepLinkingSettings.model_validate(json.loads(item["settings"])),
        expires_at=int(item["ttl"]),
    )
