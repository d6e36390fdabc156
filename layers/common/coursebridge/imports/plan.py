"""What each valid row does to the database: create, update, nothing, or fail (pure).

A CSV acts only within the uploader's authority: an existing account is theirs to
update only when it belongs to the row's school's organization and to no other one.
An account of another organization, of several (this one included) or of none
fails the row, and nothing of it changes: a person who also works elsewhere keeps
names, flags and password that no single organization's spreadsheet may rewrite.

Rows already applied by this same import (a batch replayed after a crash) are
recognised by the stamp the write left on the account (``importJob``/``importRow``)
and counted with the outcome recorded then, so counters stay exact.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from coursebridge.imports.errors import RowError, RowFailure
from coursebridge.imports.validate import UserRow
from coursebridge.store.accounts import Account, give_username

ISSUED_TAKEN = "issuedID already used by another user"
FOREIGN_ACCOUNT = "Email belongs to an account of another organization"


@dataclass(frozen=True)
class School:
    school_id: str
    org_id: str
    password_override: bool


@dataclass(frozen=True)
class Stamp:
    job_id: str
    row: int
    outcome: str  # "created" | "updated"


@dataclass(frozen=True)
class Existing:
    account: Account
    stamp: Stamp | None


@dataclass(frozen=True)
class Create:
    row: UserRow
    account: Account


@dataclass(frozen=True)
class Update:
    row: UserRow
    before: Existing
    org_id: str
    password_hash: str | None  # set only when the school allows overriding

    @property
    def old_issued_id(self) -> str | None:
        old = self.before.account.issued_ids.get(self.row.school_id)
        return old if old and old != self.row.issued_id else None


@dataclass(frozen=True)
class Unchanged:
    row: UserRow


@dataclass(frozen=True)
class AlreadyApplied:
    row: UserRow
    outcome: str
    username: str | None = None  # the account's, for a replayed batch's welcome email


Plan = Create | Update | Unchanged | AlreadyApplied | RowFailure


@dataclass(frozen=True)
class Lookups:
    accounts_by_email: Mapping[str, Existing]
    issued_holders: Mapping[tuple[str, str], str]  # (schoolID, issuedID) → accountId


def within_authority(account: Account, org_id: str) -> bool:
    """May an upload for ``org_id`` change this account? Only if it is that org's alone."""
    return account.orgs == {org_id}


def _is_unchanged(row: UserRow, account: Account, org_id: str) -> bool:
    return (
        account.first_name == row.first_name
        and account.last_name == row.last_name
        and account.is_teacher == row.is_teacher
        and account.issued_ids.get(row.school_id) == row.issued_id
        and row.school_id in account.schools
        and org_id in account.orgs
    )


def plan_create(row: UserRow, org_id: str, password_hash: str | None) -> Create:
    """The row as a new account of ``org_id``: what ``plan_row`` decides when no account
    holds its email and no other account its issuedID."""
    account = Account(
        email=row.email,
        first_name=row.first_name,
        last_name=row.last_name,
        is_teacher=row.is_teacher,
        orgs={org_id},
        schools={row.school_id},
        issued_ids={row.school_id: row.issued_id},
        password_hash=password_hash,
        must_change_password=password_hash is not None,
        source="csv",
    )
    give_username(account)  # its first choice; the writer takes another if it is taken
    return Create(row, account)


def _refusal(
    row: UserRow, existing: Existing | None, lookups: Lookups, org_id: str
) -> RowFailure | None:
    """The row's failure when its email is an account outside the uploader's authority or
    its issuedID is another account's; None when the row may go on."""
    if existing is not None and not within_authority(existing.account, org_id):
        return RowFailure(row.row, row.cells, [RowError(row.row, "email", FOREIGN_ACCOUNT)])
    holder = lookups.issued_holders.get((row.school_id, row.issued_id))
    if holder and (existing is None or holder != existing.account.account_id):
        return RowFailure(row.row, row.cells, [RowError(row.row, "issuedID", ISSUED_TAKEN)])
    return None


def plan_row(
    row: UserRow,
    lookups: Lookups,
    schools: Mapping[str, School],
    job_id: str,
    password_hash: str | None,
) -> Plan:
    existing = lookups.accounts_by_email.get(row.email)
    stamp = existing.stamp if existing else None
    if stamp and (stamp.job_id, stamp.row) == (job_id, row.row):
        assert existing is not None
        return AlreadyApplied(row, stamp.outcome, existing.account.username)
    school = schools[row.school_id]
    refused = _refusal(row, existing, lookups, school.org_id)
    if refused is not None:
        return refused
    if existing is None:
        return plan_create(row, school.org_id, password_hash)
    new_password = password_hash if school.password_override else None
    if new_password is None and _is_unchanged(row, existing.account, school.org_id):
        return Unchanged(row)
    return Update(row, existing, school.org_id, new_password)


def row_number(plan: Plan) -> int:
    return plan.row if isinstance(plan, RowFailure) else plan.row.row


def outcome_of(plan: Plan) -> str:
    if isinstance(plan, Create):
        return "created"
    if isinstance(plan, Update):
        return "updated"
    if isinstance(plan, Unchanged):
        return "unchanged"
    if isinstance(plan, AlreadyApplied):
        return plan.outcome
    return "failed"
