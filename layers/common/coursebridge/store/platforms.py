"""LMS platform registrations (app table).

Items:
  PLATFORM#<issuer> / CLIENT#<clientId>   one registration; gsi1 = ORG#<org>#PLATFORMS
Login initiation may omit client_id, so registrations of one issuer share a partition.

A registration is the tenant boundary of everything an LMS vouches for: each gets a
random ``registration_id`` when it is added, and LMS identities, course and activity
maps and AGS tokens are keyed by it, never by the issuer alone. Two organizations may
register the same issuer (every Canvas cloud customer has the same one) with their own
client ids; a registration removed and added again starts with no identities at all.
"""

from __future__ import annotations

from collections.abc import Sequence
from urllib.parse import urlsplit

from botocore.exceptions import ClientError
from pydantic import Field, HttpUrl, ValidationInfo, field_validator

from coursebridge.backoff import is_transient
from coursebridge.model import Model
from coursebridge.outbound import UrlNotAllowed, outbound_policy
from coursebridge.settings import get_settings
from coursebridge.store import keys
from coursebridge.store.audit import AuditRecord
from coursebridge.store.dynamo import (
    app_table,
    dynamodb_client,
    is_conditional_failure,
    new_id,
    now_epoch,
)
from coursebridge.store.errors import ItemChanged, WriteConflict
from coursebridge.store.transactions import cancellation, key_of


class PlatformAlreadyRegistered(Exception):
    def __init__(self, issuer: str, client_id: str) -> None:
        super().__init__(f"platform {issuer} with client_id {client_id} is already registered")


class PlatformNotFound(Exception):
    def __init__(self, issuer: str, client_id: str) -> None:
        super().__init__(f"no platform {issuer} with client_id {client_id}")


class PlatformRegistration(Model):
    issuer: str = Field(min_length=1, max_length=512)
    client_id: str = Field(min_length=1, max_length=256)
    # Launches of any deployment of this client are accepted: only a Dynamic Registration
    # whose LMS named no deployment (Canvas deploys after registering) sets it.
    any_deployment: bool = False
    deployment_ids: list[str]
    auth_login_url: HttpUrl
    auth_token_url: HttpUrl
    jwks_url: HttpUrl
    org_id: str = Field(min_length=1)
    registration_id: str = Field(default_factory=lambda: new_id("reg"), min_length=1)
    # Origins the LMS serves its pages from when they are not on the issuer's or the auth
    # login URL's domain (a school's own domain in a hosted LMS): they may frame our pages
    # and receive Deep Linking responses (lti/platform_origins.py).
    lms_origins: list[str] = Field(default_factory=list, max_length=20)

    @field_validator("issuer")
    @classmethod
    def _issuer_is_url(cls, value: str) -> str:
        HttpUrl(value)  # raises a ValidationError naming the field when it is not a URL
        return value

    @field_validator("auth_login_url", "auth_token_url", "jwks_url")
    @classmethod
    def _fetchable(cls, value: HttpUrl, info: ValidationInfo) -> HttpUrl:
        """URLs we fetch (and send browsers to) follow the outbound policy: https to a
        public address. Checked when a registration is made; one already stored is read
        as it is (a fetch checks it again, every time)."""
        if not (info.context or {}).get("stored"):
            try:
                outbound_policy().check_url(str(value))
            except UrlNotAllowed as refused:
                raise ValueError(str(refused)) from None
        return value

    @field_validator("lms_origins")
    @classmethod
    def _origins(cls, value: list[str]) -> list[str]:
        origins = []
        for raw in value:
            parts = urlsplit(raw.strip())
            if parts.scheme not in ("https", "http") or not parts.hostname or parts.path.strip("/"):
                raise ValueError(f"an LMS origin is scheme://host[:port], not {raw!r}")
            if parts.scheme == "http" and not outbound_policy().allow_loopback:
                raise ValueError(f"an LMS origin must be https: {raw!r}")
            port = f":{parts.port}" if parts.port else ""
            origins.append(f"{parts.scheme}://{parts.hostname}{port}")
        return list(dict.fromkeys(origins))

    @field_validator("deployment_ids")
    @classmethod
    def _no_blank_deployments(cls, value: list[str], info: ValidationInfo) -> list[str]:
        if any(not d.strip() for d in value):
            raise ValueError("deployment ids must not be blank")
        if not value and not info.data.get("any_deployment"):
            raise ValueError("at least one deployment id is needed")
        return list(dict.fromkeys(value))

    @property
    def deployments_label(self) -> str:
        """The deployments as people read them: the ids, and ``(any)`` when any is accepted."""
        return ",".join([*self.deployment_ids, *(["(any)"] if self.any_deployment else [])])

    def accepts_deployment(self, deployment_id: str) -> bool:
        """Whether a launch of ``deployment_id`` belongs to this registration."""
        return self.any_deployment or deployment_id in self.deployment_ids

    def to_item(self) -> dict:
        data = self.model_dump(mode="json")
        return {
            **keys.platform(self.issuer, self.client_id),
            "kind": "platform",
            "gsi1pk": keys.platforms_of_org(self.org_id),
            "gsi1sk": f"{self.issuer}#{self.client_id}",
            **data,
            "createdAt": now_epoch(),
        }

    @classmethod
    def from_item(cls, item: dict) -> PlatformRegistration:
        return cls.model_validate(item, context={"stored": True})


class PlatformStore:
    def add(
        self,
        registration: PlatformRegistration,
        audit: AuditRecord | None = None,
        also: Sequence[dict] = (),
    ) -> None:
        """Put the registration unless (issuer, client_id) is registered already; with
        ``audit`` (and the actions ``also``), all in one transaction: a refused action of
        ``also`` is ``ItemChanged`` naming its key, and nothing is written."""
        condition = "attribute_not_exists(pk)"
        if audit is None:
            try:
                app_table().put_item(Item=registration.to_item(), ConditionExpression=condition)
            except ClientError as error:
                if is_conditional_failure(error):
                    raise PlatformAlreadyRegistered(
                        registration.issuer, registration.client_id
                    ) from None
                raise
            return
        put = {
            "TableName": get_settings().app_table,
            "Item": registration.to_item(),
            "ConditionExpression": condition,
        }
        refused = _refused([{"Put": put}, audit.put_action(), *also])
        if 0 in refused:
            raise PlatformAlreadyRegistered(registration.issuer, registration.client_id)
        _raise_for_also(refused, also, first=2)

    def replace(
        self,
        old: PlatformRegistration,
        new: PlatformRegistration,
        audit: AuditRecord,
        also: Sequence[dict] = (),
    ) -> None:
        """Store ``new`` in place of ``old`` (read as it is), in one transaction with
        ``audit`` and ``also``: ``PlatformNotFound`` when ``old`` is no longer that
        organization's with that registration id, ``PlatformAlreadyRegistered`` when
        ``new`` names another client that is registered already."""
        table = get_settings().app_table
        still_old = {
            "ConditionExpression": "org_id = :org AND registration_id = :reg",
            "ExpressionAttributeValues": {":org": old.org_id, ":reg": old.registration_id},
        }
        same_key = (old.issuer, old.client_id) == (new.issuer, new.client_id)
        actions: list[dict] = [
            {"Put": {"TableName": table, "Item": new.to_item(), **still_old}}
            if same_key
            else {
                "Delete": {
                    "TableName": table,
                    "Key": keys.platform(old.issuer, old.client_id),
                    **still_old,
                }
            }
        ]
        if not same_key:
            actions.append(
                {
                    "Put": {
                        "TableName": table,
                        "Item": new.to_item(),
                        "ConditionExpression": "attribute_not_exists(pk)",
                    }
                }
            )
        first_also = len(actions) + 1
        refused = _refused([*actions, audit.put_action(), *also])
        if 0 in refused:
            raise PlatformNotFound(old.issuer, old.client_id)
        if 1 in refused and not same_key:
            raise PlatformAlreadyRegistered(new.issuer, new.client_id)
        _raise_for_also(refused, also, first=first_also)

    def get(self, issuer: str, client_id: str) -> PlatformRegistration | None:
        item = app_table().get_item(Key=keys.platform(issuer, client_id)).get("Item")
        return PlatformRegistration.from_item(item) if item else None

    def for_issuer(self, issuer: str) -> list[PlatformRegistration]:
        items = app_table().query(
            KeyConditionExpression="pk = :pk",
            ExpressionAttributeValues={":pk": keys.platforms_of_issuer(issuer)},
        )["Items"]
        return [PlatformRegistration.from_item(i) for i in items]

    def for_org(self, org_id: str) -> list[PlatformRegistration]:
        items = app_table().query(
            IndexName="gsi1",
            KeyConditionExpression="gsi1pk = :pk",
            ExpressionAttributeValues={":pk": keys.platforms_of_org(org_id)},
        )["Items"]
        return [PlatformRegistration.from_item(i) for i in items]

    def remove(self, issuer: str, client_id: str) -> None:
        try:
            app_table().delete_item(
                Key=keys.platform(issuer, client_id),
                ConditionExpression="attribute_exists(pk)",
            )
        except ClientError as error:
            if is_conditional_failure(error):
                raise PlatformNotFound(issuer, client_id) from None
            raise

    def remove_of_org(self, registration: PlatformRegistration, audit: AuditRecord) -> None:
        """Delete the registration read as ``registration`` with its audit record, only
        while it is still that organization's, with that registration id (otherwise:
        ``PlatformNotFound``, nothing written)."""
        delete = {
            "TableName": get_settings().app_table,
            "Key": keys.platform(registration.issuer, registration.client_id),
            "ConditionExpression": "org_id = :org AND registration_id = :reg",
            "ExpressionAttributeValues": {
                ":org": registration.org_id,
                ":reg": registration.registration_id,
            },
        }
        if 0 in _refused([{"Delete": delete}, audit.put_action()]):
            raise PlatformNotFound(registration.issuer, registration.client_id)


def _refused(actions: list[dict]) -> list[int]:
    """Run ``actions`` as one transaction; the indexes of the actions whose condition
    refused it (then nothing was written), empty when it was written."""
    try:
        dynamodb_client().transact_write_items(TransactItems=actions)
    except ClientError as error:
        if is_transient(error):
            raise WriteConflict() from None
        refused = cancellation(error, actions).refused
        if refused:
            return refused
        raise
    return []


def _raise_for_also(refused: list[int], also: Sequence[dict], *, first: int) -> None:
    for index in refused:
        if index >= first:
            raise ItemChanged(key_of(also[index - first]))
