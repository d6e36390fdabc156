"""Organizations, their schools and admins (app table).

Items:
  ORG#<orgId>     / META                      the org and its settings
  SCHOOL#<school> / META                      which org owns a school (ids are global)
  ORG#<orgId>     / ADMIN#<school>#<account>  an admin of one school (listing)
The account item also carries ``adminSchools`` so an upload can be authorised with
the one GetItem that loads the uploader.
"""

from __future__ import annotations

from pydantic import BaseModel, Field

from coursebridge.settings import get_settings
from coursebridge.store import keys
from coursebridge.store.dynamo import app_table, now_epoch
from coursebridge.store.errors import OrgAlreadyExists, SchoolAlreadyOwned
from coursebridge.store.transactions import transact

__all__ = ["Org", "OrgAlreadyExists", "OrgStore", "SchoolAlreadyOwned", "admin_item"]


class Org(BaseModel):
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

    def get(self, org_id: str) -> Org | None:
        item = app_table().get_item(Key=keys.org(org_id)).get("Item")
        return Org.from_item(item) if item else None

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
