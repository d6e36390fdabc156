"""The rules of a roster sync, without AWS: who is new, who changed, who left.

A member of the class is matched to the LMS's roster by the registration that vouched
for them and their LTI ``sub`` (the NRPS ``user_id``); nothing else (no email) matches.
For every registration whose roster was read whole:

- listed and active, no member yet → **new** (an account is found or made by the launch
  rules, then enrolled);
- listed and active, a member → **changed** when the roster says another role, name,
  email or studentIdField value, or when the member had left (re-activated); else
  **unchanged** (nothing is written);
- a member with a ``sub`` from that registration, active, not listed (or listed with a
  status other than Active) → **leaving**: marked inactive, never deleted, grades kept.

What the roster does not say is left as it is: a missing name or email is not a change,
and a mentor's mentees (``role_scope_mentor`` comes only with a launch) stay. Members of
other registrations, and members without a ``sub`` (anonymous launches), are never
touched. The person who asked for the sync is never marked as leaving by it (an LMS
admin is often not enrolled in the course they open).
"""

from __future__ import annotations

from collections.abc import Collection, Iterable
from dataclasses import dataclass, field
from typing import Any

from coursebridge.accounts.profile import MAX_NAME, MAX_STUDENT_ID, clean_email, clean_text
from coursebridge.accounts.roles import class_role
from coursebridge.lti.nrps import NrpsMember
from coursebridge.store.members import Member
from coursebridge.store.orgs import Org


@dataclass(frozen=True)
class Listed:
    """One active member of the LMS's roster, as the class would record them."""

    registration_id: str
    entry: NrpsMember
    role: str
    read_only: bool
    name: str | None
    email: str | None
    student_id: str | None


@dataclass(frozen=True)
class Change:
    member: Member
    listed: Listed
    values: dict[str, Any]  # member attributes to set (None: remove)

    @property
    def reactivates(self) -> bool:
        return "leftAt" in self.values

    @property
    def profile_changed(self) -> bool:
        """Something the account copies from the LMS (name, email, studentId, role)."""
        return bool(set(self.values) - {"leftAt"})


@dataclass
class RosterPlan:
    new: list[Listed] = field(default_factory=list)
    changed: list[Change] = field(default_factory=list)
    unchanged: int = 0
    leaving: list[Member] = field(default_factory=list)


def listed(registration_id: str, entry: NrpsMember, org: Org) -> Listed:
    grant = class_role(entry.roles)
    full = " ".join(p for p in (entry.given_name, entry.family_name) if p)
    student_id = None
    if org.student_id_field and org.student_id_field in entry.custom:
        student_id = clean_text(entry.custom[org.student_id_field], MAX_STUDENT_ID) or None
    return Listed(
        registration_id=registration_id,
        entry=entry,
        role=grant.role,
        read_only=grant.read_only,
        name=clean_text(entry.name, MAX_NAME) or clean_text(full, MAX_NAME) or None,
        email=clean_email(entry.email),
        student_id=student_id,
    )


def changes_of(member: Member, wanted: Listed) -> dict[str, Any]:
    values: dict[str, Any] = {}
    if member.role != wanted.role:
        values["role"] = wanted.role
    if member.read_only != wanted.read_only:
        values["readOnly"] = wanted.read_only
    for attribute, now, said in (
        ("name", member.name, wanted.name),
        ("email", member.email, wanted.email),
        ("studentId", member.student_id, wanted.student_id),
    ):
        if said is not None and said != now:
            values[attribute] = said
    if not member.active:
        values["leftAt"] = None
    return values


def plan_roster(
    members: Iterable[Member],
    rosters: dict[str, list[NrpsMember]],
    org: Org,
    *,
    keep: Collection[str] = (),
) -> RosterPlan:
    """``rosters``: registration id → the whole roster read from it. ``keep``: account
    ids never marked as leaving (the person syncing)."""
    by_key: dict[tuple[str, str], Member] = {
        (m.registration_id, m.sub): m for m in members if m.registration_id and m.sub
    }
    plan = RosterPlan()
    listed_keys: set[tuple[str, str]] = set()
    for registration_id, entry in _active(rosters):
        listed_keys.add((registration_id, entry.user_id))
        wanted = listed(registration_id, entry, org)
        _plan_listed(plan, by_key.get((registration_id, entry.user_id)), wanted)
    plan.leaving = [
        member
        for key, member in by_key.items()
        if key[0] in rosters and key not in listed_keys and _may_leave(member, keep)
    ]
    return plan


def _may_leave(member: Member, keep: Collection[str]) -> bool:
    return member.active and member.account_id not in keep


def _active(rosters: dict[str, list[NrpsMember]]) -> Iterable[tuple[str, NrpsMember]]:
    for registration_id, entries in rosters.items():
        for entry in entries:
            if entry.active:
                yield registration_id, entry


def _plan_listed(plan: RosterPlan, member: Member | None, wanted: Listed) -> None:
    if member is None:
        plan.new.append(wanted)
        return
    values = changes_of(member, wanted)
    if values:
        plan.changed.append(Change(member, wanted, values))
    else:
        plan.unchanged += 1
