"""Organizations, their schools and admins (app table).

Items:
  ORG#<orgId>     / META                      the org and its settings
  SCHOOL#<school> / META                      which org owns a school (ids are global)
  ORG#<orgId>     / ADMIN#<school>#<account>  an admin of one school (listing)
The account item also carries ``adminSchools`` so an upload can be authorised with
the one GetItem that loads the uploader.
"""

from __future__ import annotations

from typing import Any

from botocore.exceptions import ClientError
from pydantic import Field

from coursebridge.backoff import is_transient
from coursebridge.model import Model
from coursebridge.settings import get_settings
from coursebridge.store import keys
from coursebridge.store.audit import AuditRecord
from coursebridge.store.dynamo import app_table, dynamodb_client, now_epoch
from coursebridge.store.errors import (
    OrgAlreadyExists,
    OrgNotFound,
    SchoolAlreadyOwned,
    SettingsChanged,
    WriteConflict,
)
from coursebridge.store.queries import Update
from coursebridge.store.transactions import cancellation, transact

__all__ = [
    "SETTINGS",
    "Org",
    "OrgAlreadyExists",
    "OrgNotFound",
    "OrgStore",
    "SchoolAlreadyOwned",
    "SettingsChanged",
    "admin_item",
]

# The settings an organization can change after it was created (attribute → the name
# admins and the CLI use for it); the item stores the model's field names.
SETTINGS = {
    "trial": "trial",
    "student_id_field": "studentIdField",
    "csv_password_override": "csvPasswordOverride",
    "auto_map": "autoMap",
    "sender_email": "senderEmail",
}


class Org(Model):
    org_id: str = Field(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9_.-]+$")
    name: str = Field(min_length=1, max_length=200)
    schools: list[str] = Field(default_factory=list)
    trial: bool = False
    student_id_field: str | None = None
    auto_map: bool = True
    csv_password_override: bool = False
    sender_email: str | None = None

    def to_item(self) -> dict:
        item = {
            **keys.org(self.org_id),
            "kind": "org",
            **self.model_dump(by_alias=False),
            "createdAt": now_epoch(),
        }
        return {k: v for k, v in item.items() if v is not None}

    @classmethod
    def from_item(cls, item: dict) -> Org:
        return cls.model_validate(item)


class OrgStore:
    def create(self, org: Org) -> None:
        """Create the org and claim its schools atomically."""
        table = get_settings().app_table
        actions = [
            {
                "Put": {
                    "TableName": table,
                    "Item": org.to_item(),
                    "ConditionExpression": "attribute_not_exists(pk)",
                }
            }
        ]
        for school_id in org.schools:
            actions.append(
                {
                    "Put": {
                        "TableName": table,
                        "Item": {
                            **keys.school(school_id),
                            "kind": "school",
                            "schoolId": school_id,
                            "orgId": org.org_id,
                        },
                        "ConditionExpression": "attribute_not_exists(pk)",
                    }
                }
            )
        transact(actions)  # OrgAlreadyExists / SchoolAlreadyOwned: nothing written

    def get(self, org_id: str, consistent: bool = False) -> Org | None:
        item = app_table().get_item(Key=keys.org(org_id), ConsistentRead=consistent).get("Item")
        return Org.from_item(item) if item else None

    def update_settings(
        self, org_id: str, changes: dict[str, tuple[Any, Any]], audit: AuditRecord
    ) -> None:
        """Write ``changes`` (setting → (value read, new value); a new value of None
        removes the setting) with its audit record, in one transaction conditional on
        the org existing and on every changed setting still holding the value read:
        a concurrent change raises ``SettingsChanged`` and writes nothing."""
        update = Update()
        for attribute, (was, new) in changes.items():
            if attribute not in SETTINGS:
                raise ValueError(f"{attribute} is not a setting")
            if new is None:
                update.remove(attribute)
            else:
                update.set(attribute, new)
            name = f"#{attribute}"
            if was is None:
                update.when(f"attribute_not_exists({name})", names=(attribute,))
            else:
                condition = f"(attribute_not_exists({name}) OR {name} = :was_{attribute})"
                update.when(condition, names=(attribute,), **{f"was_{attribute}": was})
        update.when("attribute_exists(pk)")
        table = get_settings().app_table
        actions = [
            {"Update": {"TableName": table, **update.request(keys.org(org_id))}},
            audit.put_action(),
        ]
        try:
            dynamodb_client().transact_write_items(TransactItems=actions)
        except ClientError as error:
            if is_transient(error):
                raise WriteConflict() from None
            if 0 not in cancellation(error, actions).refused:
                raise
            if self.get(org_id, consistent=True) is None:
                raise OrgNotFound(org_id) from None
            raise SettingsChanged(org_id) from None

    def org_of_school(self, school_id: str) -> str | None:
        item = app_table().get_item(Key=keys.school(school_id)).get("Item")
        return item["orgId"] if item else None

    def record_admin(self, org_id: str, school_id: str, account_id: str) -> None:
        app_table().put_item(Item=admin_item(org_id, school_id, account_id))


def admin_item(org_id: str, school_id: str, account_id: str) -> dict:
    """The listing item of one school admin (the rights are on the account)."""
    return {
        **keys.admin(org_id, school_id, account_id),
        "kind": "admin",
        "orgId": org_id,
        "schoolId": school_id,
        "accountId": account_id,
        "createdAt": now_epoch(),
    }
