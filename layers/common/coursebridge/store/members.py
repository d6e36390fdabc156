"""Class membership and unit visits (app table).

Items:
  CLASS#<classId> / MEMBER#<accountId>  role, readOnly, menteeSubs, sub, issuer,
                                         registrationId, name, email, studentId, confirmedAt,
                                         updatedAt, leftAt (inactive: left the LMS course),
                                         joinedBy (``roster``: enrolled by a roster sync);
                                         gsi1 = ACCOUNT#<accountId>#CLASSES / classId
  UNIT#<unitId>   / VISIT#<accountId>   firstLaunchAt, lastLaunchAt, launches (student status)
Every launch upserts the member (role, mentor scope and profile follow the LMS; there are
no invitations), stamps ``confirmedAt`` (the LMS vouched for this membership then) and
removes ``leftAt``: whoever the LMS launches is in the course. A roster sync
(classes/roster_sync.py) enrolls members without ``confirmedAt`` — they grant nothing
until their first launch — and sets ``leftAt`` on members the LMS no longer lists.
What a session may do in a class is what this item says, never what the session says.
"""

from __future__ import annotations

from functools import partial
from typing import Any, Literal

from botocore.exceptions import ClientError

from coursebridge.backoff import is_transient, retry_transient
from coursebridge.model import Model
from coursebridge.settings import get_settings
from coursebridge.store import keys
from coursebridge.store.dynamo import (
    app_table,
    dynamodb_client,
    is_conditional_failure,
    now_epoch,
)
from coursebridge.store.queries import Update, query_all
from coursebridge.store.transactions import WriteConflict, cancellation

Role = Literal["TEACHER", "STUDENT"]  # what a membership (and so a session) acts as


class Member(Model):
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
    left_at: int | None = None  # when a roster sync found it gone from the LMS course
    joined_by: str | None = None  # "roster": enrolled by a roster sync, not a launch
    updated_at: int | None = None

    @property
    def active(self) -> bool:
        return self.left_at is None

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
            confirmed_at=_confirmed_at(item),
            left_at=_epoch(item.get("leftAt")),
            joined_by=item.get("joinedBy"),
            updated_at=_epoch(item.get("updatedAt")),
        )

    def is_current(self, now: int | None = None) -> bool:
        """Confirmed by a launch within ``membership_max_age_days``.

        A membership grants nothing once the LMS has stopped confirming it: a person
        dropped from the course never launches again, and nothing else tells us. The
        next launch confirms it again. A member the roster sync found gone from the LMS
        course grants nothing either, until the LMS launches them again.
        """
        if self.confirmed_at is None or not self.active:
            return False
        max_age = get_settings().membership_max_age_days * 86_400
        return (now if now is not None else now_epoch()) - self.confirmed_at <= max_age


def _epoch(value: Any) -> int | None:
    return int(value) if value is not None else None


def _confirmed_at(item: dict[str, Any]) -> int | None:
    if "confirmedAt" in item:
        return int(item["confirmedAt"])
    if item.get("joinedBy"):  # enrolled from the LMS's roster: no launch confirmed it yet
        return None
    # Items written before confirmedAt existed: only a launch ever wrote them.
    return _epoch(item.get("updatedAt"))


class Visit(Model):
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

    def left_members(self, class_id: str) -> set[str]:
        """Account ids of the class's members who left the LMS course (``leftAt``)."""
        items = query_all(
            app_table(),
            KeyConditionExpression="pk = :pk AND begins_with(sk, :member)",
            FilterExpression="attribute_exists(leftAt)",
            ProjectionExpression="sk",
            ExpressionAttributeValues={
                ":pk": keys.class_partition(class_id),
                ":member": keys.MEMBER,
            },
            ConsistentRead=True,
        )
        return {item["sk"].removeprefix(keys.MEMBER) for item in items}

    # ------------------------------------------------------------ roster sync
    def add_from_roster(self, members: list[Member]) -> list[Member]:
        """Enroll members the class does not have yet, 100 a transaction, each only if
        it is still absent (a launch may enroll the same person meanwhile: it wins).
        Returns the members written."""
        table = get_settings().app_table
        written: list[Member] = []
        for start in range(0, len(members), MAX_TRANSACTION):
            pending = members[start : start + MAX_TRANSACTION]
            while pending:
                actions = [
                    {
                        "Put": {
                            "TableName": table,
                            "Item": _roster_item(m),
                            "ConditionExpression": NEW,
                        }
                    }
                    for m in pending
                ]
                refused = _refused_actions(actions)
                if refused is None:
                    written.extend(pending)
                    break
                pending = [m for i, m in enumerate(pending) if i not in refused]
        return written

    def update_from_roster(self, member: Member, changes: dict[str, Any]) -> bool:
        """SET what the roster changed (``None`` removes it; ``leftAt`` None re-activates),
        only if the member is as read (``updatedAt``): a launch meanwhile wins."""
        update = Update().set("updatedAt", now_epoch())
        for attribute, value in changes.items():
            if value is None:
                update.remove(attribute)
            else:
                update.set(attribute, value)
        update.when("attribute_exists(pk)")
        if member.updated_at is None:
            update.when("attribute_not_exists(#updatedAt)")
        else:
            update.when("#updatedAt = :seen", seen=member.updated_at)
        try:
            app_table().update_item(
                **update.request(keys.member(member.class_id, member.account_id))
            )
        except ClientError as error:
            if is_conditional_failure(error):
                return False
            raise
        return True

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


MAX_TRANSACTION = 100
NEW = "attribute_not_exists(pk)"


def _refused_actions(actions: list[dict[str, Any]]) -> set[int] | None:
    """None when the transaction went through, else the indexes its conditions refused;
    one cancelled only by conflicting writes or throttling is sent again (backoff.py)."""
    send = partial(dynamodb_client().transact_write_items, TransactItems=actions)
    try:
        retry_transient(send)
    except ClientError as error:
        if is_transient(error):
            raise WriteConflict() from None
        cancelled = cancellation(error, actions)
        if cancelled.refused:
            return set(cancelled.refused)
        if cancelled.only_conflicts:
            raise WriteConflict() from None
        raise
    return None


def _membership_attributes(member: Member) -> dict[str, Any]:
    """What a launch and a roster sync both write of a membership (None: absent)."""
    return {
        "kind": "membership",
        "role": member.role,
        "readOnly": member.read_only,
        "name": member.name,
        "sub": member.sub,
        "issuer": member.issuer,
        "registrationId": member.registration_id,
        "email": member.email,
        "studentId": member.student_id,
        "gsi1pk": keys.classes_of_account(member.account_id),
        "gsi1sk": member.class_id,
    }


def _roster_item(member: Member) -> dict[str, Any]:
    """A membership enrolled from the LMS's roster: no ``confirmedAt`` (no launch yet)."""
    now = now_epoch()
    item: dict[str, Any] = {
        **keys.member(member.class_id, member.account_id),
        **_membership_attributes(member),
        "joinedBy": "roster",
        "createdAt": now,
        "updatedAt": now,
    }
    return {k: v for k, v in item.items() if v is not None}


def _enroll_update(member: Member) -> dict[str, Any]:
    now = now_epoch()
    values: dict[str, Any] = {
        **_membership_attributes(member),
        "menteeSubs": member.mentee_subs or None,
        "confirmedAt": now,
        "updatedAt": now,
    }
    update = Update().set_all(values).set("createdAt", now, if_absent=True)
    # Whatever the LMS stopped sending goes: a stale email, or a mentor scope the
    # latest launch no longer has.
    for attribute in ("email", "menteeSubs"):
        if values[attribute] is None:
            update.remove(attribute)
    update.remove("leftAt")  # the LMS launched them: they are in the course
    return update.request(keys.member(member.class_id, member.account_id))


def _visit_update(unit_id: str, account_id: str) -> dict[str, Any]:
    update = Update().set("lastLaunchAt", now_epoch()).set("kind", "visit")
    update.set("firstLaunchAt", now_epoch(), if_absent=True).add("launches", 1)
    return update.request(keys.visit(unit_id, account_id))
