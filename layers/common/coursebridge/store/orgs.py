"""Organizations, their schools and admins (app table).

Items:
  ORG#<orgId>     / META                      the org and its settings
  SCHOOL#<school> / META                      which org owns a school (ids are global)
  ORG#<orgId>     / ADMIN#<school>#<account>  an admin of one school (listing)
The account item also carries ``adminSchools`` so an upload can be authorised with
the one GetItem that loads the uploader.
"""

from __future__ import annotations

from botocore.exceptions import ClientError
from pydantic import BaseModel, Field

from coursebridge.settings import get_settings
from coursebridge.store.dynamo import app_table, cancellation_codes, dynamodb_client, now_epoch


class OrgAlreadyExists(Exception):
    def __init__(self, org_id: str) -> None:
        super().__init__(f"organization {org_id!r} already exists")


class SchoolAlreadyOwned(Exception):
    def __init__(self, school_id: str) -> None:
        super().__init__(f"school {school_id!r} already belongs to another organization")


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
            "pk": f"ORG#{self.org_id}",
            "sk": "META",
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
                            "pk": f"SCHOOL#{school_id}",
                            "sk": "META",
                            "kind": "school",
                            "schoolId": school_id,
                            "orgId": org.org_id,
                        },
                        "ConditionExpression": "attribute_not_exists(pk)",
                    }
                }
            )
        try:
            dynamodb_client().transact_write_items(TransactItems=actions)
        except ClientError as error:
            codes = cancellation_codes(error)
            if codes and codes[0] == "ConditionalCheckFailed":
                raise OrgAlreadyExists(org.org_id) from None
            for school_id, code in zip(org.schools, codes[1:], strict=False):
                if code == "ConditionalCheckFailed":
                    raise SchoolAlreadyOwned(school_id) from None
            raise

    def get(self, org_id: str) -> Org | None:
        item = app_table().get_item(Key={"pk": f"ORG#{org_id}", "sk": "META"}).get("Item")
        return Org.from_item(item) if item else None

    def org_of_school(self, school_id: str) -> str | None:
        item = app_table().get_item(Key={"pk": f"SCHOOL#{school_id}", "sk": "META"}).get("Item")
        return item["orgId"] if item else None

    def record_admin(self, org_id: str, school_id: str, account_id: str) -> None:
        app_table().put_item(Item=admin_item(org_id, school_id, account_id))

    def list_admins(self, org_id: str) -> list[dict]:
        response = app_table().query(
            KeyConditionExpression="pk = :pk AND begins_with(sk, :admin)",
            ExpressionAttributeValues={":pk": f"ORG#{org_id}", ":admin": "ADMIN#"},
        )
        return response["Items"]


def admin_item(org_id: str, school_id: str, account_id: str) -> dict:
    """The listing item of one school admin (the rights are on the account)."""
    return {
        "pk": f"ORG#{org_id}",
        "sk": f"ADMIN#{school_id}#{account_id}",
        "kind": "admin",
        "orgId": org_id,
        "schoolId": school_id,
        "accountId": account_id,
        "createdAt": now_epoch(),
    }
