"""An in-memory users table for the account rules of a launch (accounts/resolve.py).

``World`` answers as AccountStore and AccountLinkStore do (``world.link_store()`` as
LinkStore), with the same
conditions as their transactions (store/account_links.py): a link is created only where
none exists, an email is claimed only when free, a CSV account is linked only while
unlinked, a link refresh only at the version that was read. A refused write changes
nothing and raises what ``store.transactions.transact`` would, in the same order (the
link first, then a claim, then the account). An eventually consistent read may not see
the newest writes, so here it sees nothing: the rules must read consistently.

``world.before_next_write(fn)`` runs ``fn`` just before the next write: another launch
winning a race between our read and our write. ``world.refuse(exc)`` makes the next write
raise ``exc`` (a conflict) without writing.
"""

from __future__ import annotations

import copy
from collections.abc import Callable
from dataclasses import dataclass, field

from coursebridge.store.account_links import AccountChanges
from coursebridge.store.accounts import Account, normalize_email
from coursebridge.store.audit import AuditRecord
from coursebridge.store.errors import AccountChanged, EmailAlreadyClaimed, LinkAlreadyExists
from coursebridge.store.links import LmsLink


@dataclass
class World:
    accounts: dict[str, Account] = field(default_factory=dict)
    emails: dict[str, str] = field(default_factory=dict)  # email → account id
    issued: dict[tuple[str, str], str] = field(default_factory=dict)  # (school, id) → account
    links: dict[tuple[str, str], LmsLink] = field(default_factory=dict)
    audit: list[AuditRecord] = field(default_factory=list)
    extra_items: list[dict] = field(default_factory=list)  # other actions' items
    writes: int = 0  # write calls that went through
    _races: list[Callable[[], None]] = field(default_factory=list)
    _refusals: list[Exception] = field(default_factory=list)

    # ------------------------------------------------------------ setting up
    def add(self, account: Account) -> Account:
        """Store ``account`` with its claims, as an import or an earlier launch would."""
        self.accounts[account.account_id] = account.model_copy(deep=True)
        if account.email:
            self.emails[account.email] = account.account_id
        for school, issued in account.issued_ids.items():
            self.issued[(school, issued)] = account.account_id
        return account

    def add_link(self, link: LmsLink) -> LmsLink:
        self.links[(link.registration_id, link.sub)] = link.model_copy(deep=True)
        return link

    def before_next_write(self, race: Callable[[], None]) -> None:
        self._races.append(race)

    def refuse(self, *errors: Exception) -> None:
        self._refusals.extend(errors)

    def snapshot(self) -> tuple:
        """Everything stored, to assert that a refused launch wrote nothing."""
        return copy.deepcopy(
            (self.accounts, self.emails, self.issued, self.links, self.audit, self.extra_items)
        )

    def actions(self) -> list[str]:
        return [record.action for record in self.audit]

    # ------------------------------------------------------------ AccountStore
    def get(self, account_id: str, consistent: bool = False) -> Account | None:
        assert isinstance(account_id, str)  # the store builds its key from it
        if consistent is not True:
            return None  # not replicated yet, as far as this read knows
        account = self.accounts.get(account_id)
        return account.model_copy(deep=True) if account else None

    def issued_holder(self, school_id: str, issued_id: str) -> str | None:
        return self.issued.get((school_id, issued_id))

    def account_id_for_email(self, email: str) -> str | None:
        return self.emails.get(normalize_email(email) or "")

    def create(self, account: Account, extra_actions: list[dict] | None = None) -> Account:
        self._before_write()
        account.email = normalize_email(account.email)
        self._check_claims(account)
        self._store_new(account)
        self.extra_items.extend(a["Put"]["Item"] for a in extra_actions or [])
        return account

    # ------------------------------------------------------------ LinkStore
    def link_store(self) -> Links:
        return Links(self)

    # ------------------------------------------------------------ AccountLinkStore
    def create_with_link(self, account: Account, link: LmsLink, records: list[AuditRecord]) -> None:
        self._before_write()
        if (link.registration_id, link.sub) in self.links:
            raise LinkAlreadyExists()
        self._check_claims(account)
        account.linked_at = account.linked_at or 1
        self._store_new(account)
        self.add_link(link)
        self.audit.extend(records)

    def link_account(
        self,
        link: LmsLink,
        changes: AccountChanges,
        records: list[AuditRecord],
        only_unlinked_csv: bool = False,
    ) -> None:
        self._before_write()
        if (link.registration_id, link.sub) in self.links:
            raise LinkAlreadyExists()
        account = self.accounts.get(link.account_id)
        if account is None:
            raise AccountChanged()
        if only_unlinked_csv and (account.source != "csv" or account.linked_at is not None):
            raise AccountChanged()
        changes.mark_linked = True
        self._apply(account, changes)
        self.add_link(link)
        self.audit.extend(records)

    def update_on_launch(
        self, link: LmsLink, changes: AccountChanges, records: list[AuditRecord], seen: int
    ) -> None:
        self._before_write()
        stored_link = self.links.get((link.registration_id, link.sub))
        if stored_link is None or stored_link.version != seen:
            raise LinkAlreadyExists()
        holder = self.emails.get(changes.new_email or "")
        if changes.new_email and holder is not None and holder != link.account_id:
            raise EmailAlreadyClaimed(changes.new_email)
        account = self.accounts.get(link.account_id)
        if account is None or (changes.new_email and account.email != changes.old_email):
            raise AccountChanged()
        if changes.old_email:
            self.emails.pop(changes.old_email, None)
        self._apply(account, changes)
        self.add_link(link.model_copy(update={"version": seen + 1}))
        self.audit.extend(records)

    # ------------------------------------------------------------ conditions
    def _before_write(self) -> None:
        while self._races:
            self._races.pop(0)()
        if self._refusals:
            raise self._refusals.pop(0)
        self.writes += 1

    def _check_claims(self, account: Account) -> None:
        if account.email and account.email in self.emails:
            raise EmailAlreadyClaimed(account.email)

    def _store_new(self, account: Account) -> None:
        assert account.account_id not in self.accounts
        self.add(account)

    def _apply(self, account: Account, changes: AccountChanges) -> None:
        for name in ("first_name", "last_name", "display_name", "student_id"):
            if getattr(changes, name) is not None:
                setattr(account, name, getattr(changes, name))
        account.is_teacher = account.is_teacher or changes.make_teacher
        if changes.join_org:
            account.orgs.add(changes.join_org)
        if changes.new_email:
            account.email = changes.new_email
            self.emails[changes.new_email] = account.account_id
        if changes.mark_linked and account.linked_at is None:
            account.linked_at = 1


@dataclass
class Links:
    """The World as LinkStore answers (its ``get`` takes a registration and a sub)."""

    world: World

    def get(self, registration_id: str, sub: str) -> LmsLink | None:
        link = self.world.links.get((registration_id, sub))
        return link.model_copy(deep=True) if link else None

    def delete_dangling(self, link: LmsLink) -> None:
        stored = self.world.links.get((link.registration_id, link.sub))
        if stored is not None and stored.account_id == link.account_id:
            del self.world.links[(link.registration_id, link.sub)]
