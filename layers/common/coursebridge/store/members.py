"""Class membership and unit visits (app table).

Items:
  CLASS#<classId> / MEMBER#<accountId>  role, readOnly, menteeSubs, sub, issuer,
                                         registrationId, name, email, studentId, confirmedAt,
                                         updatedAt; gsi1 = ACCOUNT#<accountId>#CLASSES / classId
  UNIT#<unitId>   / VISIT#<accountId>   firstLaunchAt, lastLaunchAt, launches (student status)
Every launch upserts the member (role, mentor scope and profile follow the LMS; there are
no invitations) and stamps ``confirmedAt``: the LMS vouched for this membership then.
What a session may do in a class is what this item says, never what the session says.
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel

from coursebridge.settings import get_settings
from coursebridge.store import keys
from coursebridge.store.dynamo import app_table, dynamodb_client, now_epoch
from coursebridge.store.queries import Update, query_all

Role = Literal["TEACHER", "STUDENT"]  # what a membership (and so a session) acts as


class Member(BaseModel):
    class_id: str
    account_id: str
    role: Role
    read_only: bool = False  # a mentor
    mentee_subs: list[str] | None = None  # a mentor limited to these students' LTI subs
    sub: str | None = None
    issuer: str | None = None
    registration_id: str | None = None  # the registration that vouched for ``sub``
    name: str = ""
    email: str | None = None
    student_id: str | None = None
    confirmed_at: int | None = None  # epoch seconds of the last launch that enrolled it

    @classmethod
    def from_item(cls, item: dict[str, Any]) -> Member:
        class_id, account_id = keys.member_ids(item)
        return cls(
            class_id=class_id,
            account_id=account_id,
            role=item["role"],
            read_only=bool(item.get("readOnly")),
            mentee_subs=list(item["menteeSubs"]) if item.get("menteeSubs") else None,
            sub=item.get("sub"),
            issuer=item.get("issuer"),
            registration_id=item.get("registrationId"),
            name=item.get("name", ""),
            email=item.get("email"),
            student_id=item.get("studentId"),
            # Items written before confirmedAt existed: only a launch ever wrote them.
            confirmed_at=_epoch(item.get("confirmedAt", item.get("updatedAt"))),
        )

    def is_current(self, now: int | None = None) -> bool:
        """Confirmed by a launch within ``membership_max_age_days``.

        A membership grants nothing once the LMS has stopped confirming it: a person
        dropped from the course never launches again, and nothing else tells us. The
        next launch confirms it again (and so will a roster sync from the LMS, once there is one).
        """
        if self.confirmed_at is None:
            return False
        max_age = get_settings().membership_max_age_days * 86_400
        return (now if now is not None else now_epoch()) - self.confirmed_at <= max_age


def _epoch(value: Any) -> int | None:
    return int(value) if value is not None else None


class Visit(BaseModel):
    account_id: str
    first_launch_at: int
    last_launch_at: int
    launches: int


class MemberStore:
    def enroll(self, member: Member, *, visit_unit_id: str | None = None) -> None:
        """Create or update the membership; the role follows the latest launch.

        With ``visit_unit_id`` the student's visit of that unit is recorded in the same
        request (one TransactWriteItems instead of two UpdateItems).
        """
        enroll = _enroll_update(member)
        if visit_unit_id is None:
            app_table().update_item(**enroll)
            return
        table = get_settings().app_table
        visit = _visit_update(visit_unit_id, member.account_id)
        dynamodb_client().transact_write_items(
            TransactItems=[
                {"Update": {"TableName": table, **enroll}},
                {"Update": {"TableName": table, **visit}},
            ]
        )

    def get(self, class_id: str, account_id: str) -> Member | None:
        item = (
            app_table()
            .get_item(
                Key=keys.member(class_id, account_id),
                ConsistentRead=True,
            )
            .get("Item")
        )
        return Member.from_item(item) if item else None

    def members(self, class_id: str) -> list[Member]:
        items = query_all(
            app_table(),
            KeyConditionExpression="pk = :pk AND begins_with(sk, :member)",
            ExpressionAttributeValues={
                ":pk": keys.class_partition(class_id),
                ":member": keys.MEMBER,
            },
            ConsistentRead=True,
        )
        return [Member.from_item(item) for item in items]

    def classes_of(self, account_id: str) -> list[str]:
        """Class ids the account is a member of (gsi1, eventually consistent)."""
        items = query_all(
            app_table(),
            IndexName="gsi1",
            KeyConditionExpression="gsi1pk = :pk",
            ExpressionAttributeValues={":pk": keys.classes_of_account(account_id)},
        )
        return [item["gsi1sk"] for item in items]

    def visits(self, unit_id: str) -> dict[str, Visit]:
        items = query_all(
            app_table(),
            KeyConditionExpression="pk = :pk AND begins_with(sk, :visit)",
            ExpressionAttributeValues={":pk": keys.unit_partition(unit_id), ":visit": keys.VISIT},
            ConsistentRead=True,
        )
        visits = {}
        for item in items:
            account_id = item["sk"].removeprefix(keys.VISIT)
            visits[account_id] = Visit(
                account_id=account_id,
                first_launch_at=int(item["firstLaunchAt"]),
                last_launch_at=int(item["lastLaunchAt"]),
                launches=int(item.get("launches", 1)),
            )
        return visits


def _enroll_update(member: Member) -> dict[str, Any]:
    now = now_epoch()
    values: dict[str, Any] = {
        "role": member.role,
        "readOnly": member.read_only,
        "menteeSubs": member.mentee_subs or None,
        "confirmedAt": now,
        "updatedAt": now,
        "gsi1pk": keys.classes_of_account(member.account_id),
        "gsi1sk": member.class_id,
        "kind": "membership",
        "name": member.name,
        "sub": member.sub,
        "issuer": member.issuer,
        "registrationId": member.registration_id,
        "email": member.email,
        "studentId": member.student_id,
    }
    update = Update().set_all(values).set("createdAt", now, if_absent=True)
    # Whatever the LMS stopped sending goes: a stale email, or a mentor scope the
    # latest launch no longer has.
    for attribute in ("email", "menteeSubs"):
        if values[attribute] is None:
            update.remove(attribute)
    return update.request(keys.member(member.class_id, member.account_id))


def _visit_update(unit_id: str, account_id: str) -> dict[str, Any]:
    update = Update().set("lastLaunchAt", now_epoch()).set("kind", "visit")
    update.set("firstLaunchAt", now_epoch(), if_absent=True).add("launches", 1)
    return update.request(keys.visit(unit_id, account_id))
