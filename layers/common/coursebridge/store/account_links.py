"""The writes a launch makes to accounts, each one transaction with its audit records.

- ``create_with_link``: new account + its email claim (when free) + the LMS link.
- ``link_account``: the LMS link + the existing account's org membership (teacher
  matched by email, CSV account matched by studentIdField, clicked verification).
- ``update_on_launch``: copy LMS changes onto a linked account; moving the email
  deletes the old EMAIL claim and puts the new one (conditional) in the same
  transaction as the account update, so the email stays unique at every instant.
"""

from __future__ import annotations

from dataclasses import dataclass

from coursebridge.settings import get_settings
from coursebridge.store import claims, keys
from coursebridge.store.accounts import Account, AccountStore, with_username
from coursebridge.store.audit import AuditRecord
from coursebridge.store.dynamo import now_epoch
from coursebridge.store.links import LmsLink
from coursebridge.store.queries import Update
from coursebridge.store.transactions import transact


@dataclass
class AccountChanges:
    """What to change on an account; ``None`` / False / empty means leave it."""

    first_name: str | None = None
    last_name: str | None = None
    display_name: str | None = None
    student_id: str | None = None
    make_teacher: bool = False
    join_org: str | None = None
    new_email: str | None = None
    old_email: str | None = None  # the email the account holds now (with new_email)
    mark_linked: bool = False

    def changed(self) -> list[str]:
        """Names of the account attributes this changes (for the audit record)."""
        found = [
            name
            for name in ("first_name", "last_name", "display_name", "student_id")
            if getattr(self, name) is not None
        ]
        if self.make_teacher:
            found.append("is_teacher")
        if self.join_org:
            found.append("orgs")
        if self.new_email:
            found.append("email")
        return found


def _account_update(
    account_id: str, changes: AccountChanges, now: int, only_unlinked_csv: bool = False
) -> dict:
    update = Update().when("attribute_exists(userId)")
    update.set_all(
        {
            "firstName": changes.first_name,
            "lastName": changes.last_name,
            "displayName": changes.display_name,
            "studentId": changes.student_id,
        }
    )
    if changes.make_teacher:
        update.set("isTeacher", True)
    if changes.new_email:
        update.set("email", changes.new_email)
        if changes.old_email:
            update.when("#email = :oldEmail", oldEmail=changes.old_email)
        else:
            update.when("attribute_not_exists(#email)")
    if changes.mark_linked:
        update.set("linkedAt", now, if_absent=True)
    if only_unlinked_csv:
        update.when(
            "#source = :csv AND attribute_not_exists(#linkedAt)", ("source", "linkedAt"), csv="csv"
        )
    update.set("updatedAt", now)
    if changes.join_org:
        update.add("orgs", {changes.join_org})
    return {
        "Update": {
            "TableName": get_settings().users_table,
            **update.request(keys.account(account_id)),
        }
    }


def _email_move(account_id: str, changes: AccountChanges) -> list[dict]:
    """Release the old email claim and take the new one, in the account's transaction."""
    if not changes.new_email:
        return []
    table = get_settings().users_table
    actions: list[dict] = []
    if changes.old_email:
        actions.append(claims.release_claim(table, keys.email_claim(changes.old_email), account_id))
    actions.append(claims.put_claim(table, claims.email_claim_item(changes.new_email, account_id)))
    return actions


def _link_refresh(link: LmsLink, seen_version: int, now: int) -> dict:
    """Record what the LMS said this time on the link, if nobody did since we read it.

    The version check serialises simultaneous launches of one user: one copies the
    change (and writes its audit record), the others re-read and find nothing to do.
    """
    update = Update().when("accountId = :account", account=link.account_id)
    update.set_all(
        {
            "lmsGivenName": link.lms_given_name,
            "lmsFamilyName": link.lms_family_name,
            "lmsName": link.lms_name,
            "updatedAt": now,
            "version": seen_version + 1,
        }
    )
    if link.lms_email:
        update.set("lmsEmail", link.lms_email)
    else:
        update.remove("lmsEmail")
    if seen_version == 0:
        update.when("(#version = :seen OR attribute_not_exists(#version))", seen=0)
    else:
        update.when("#version = :seen", seen=seen_version)
    return {"Update": {"TableName": get_settings().users_table, **update.request(link.key)}}


class AccountLinkStore:
    def __init__(self, accounts: AccountStore | None = None) -> None:
        self.accounts = accounts or AccountStore()

    def create_with_link(self, account: Account, link: LmsLink, records: list[AuditRecord]) -> None:
        """Account + claims + link + audit, all or nothing (a taken username: again with
        the next one).

        Raises LinkAlreadyExists, EmailAlreadyClaimed or WriteConflict.
        """
        account.linked_at = account.linked_at or now_epoch()
        others = [link.put_action(get_settings().users_table), *(r.put_action() for r in records)]
        with_username(account, lambda: transact(self.accounts.claim_actions(account) + others))

    def link_account(
        self,
        link: LmsLink,
        changes: AccountChanges,
        records: list[AuditRecord],
        only_unlinked_csv: bool = False,
        extra_actions: list[dict] | None = None,
    ) -> None:
        """Link (issuer, sub) to an existing account and update it, all or nothing.

        ``only_unlinked_csv``: the account must be CSV-provisioned with no LMS link yet.
        Raises LinkAlreadyExists, AccountChanged, TokenGone or WriteConflict.
        """
        changes.mark_linked = True
        actions = [
            *(extra_actions or []),
            link.put_action(get_settings().users_table),
            _account_update(link.account_id, changes, now_epoch(), only_unlinked_csv),
            *(r.put_action() for r in records),
        ]
        transact(actions)

    def update_on_launch(
        self,
        link: LmsLink,
        changes: AccountChanges,
        records: list[AuditRecord],
        seen_version: int,
    ) -> None:
        """Copy changes onto the linked account and what the LMS said onto the link.

        ``seen_version``: the link's version when it was read. Raises
        EmailAlreadyClaimed (nothing written), LinkAlreadyExists (the link changed
        meanwhile: re-read), AccountChanged or WriteConflict.
        """
        now = now_epoch()
        actions = [
            _account_update(link.account_id, changes, now),
            *_email_move(link.account_id, changes),
            _link_refresh(link, seen_version, now),
            *(r.put_action() for r in records),
        ]
        transact(actions)
