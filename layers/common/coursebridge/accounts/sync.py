"""Known link: what to copy from the LMS onto the account at this launch.

A *change* is judged against what the LMS said last time (kept on the link), not
against the account: an account linked from two LMSs with different emails does not
flip-flop, and values set by a CSV import are not overwritten by an unchanged LMS.
An account without an email claims the LMS email as soon as it is free.

The email of an account that also belongs to another organization is never changed by
a launch: that address is where the other organizations reach the person, and one
organization's LMS has no say over it.
"""

from __future__ import annotations

from dataclasses import dataclass

from coursebridge.accounts.profile import LmsProfile
from coursebridge.store.account_links import AccountChanges
from coursebridge.store.accounts import Account, AccountStore
from coursebridge.store.links import LmsLink
from coursebridge.store.orgs import Org


@dataclass(frozen=True)
class SyncPlan:
    changes: AccountChanges
    link: LmsLink  # carrying what the LMS said this time
    refresh_link: bool
    email_held_by: str | None = None  # another account holds the LMS email
    email_is_news: bool = False  # the LMS email differs from last time
    email_shared: bool = False  # kept: the account belongs to other organizations too

    @property
    def email_kept(self) -> bool:
        """The LMS sent a new email and the account keeps its old one (audited)."""
        return self.email_is_news and (self.email_held_by is not None or self.email_shared)

    def apply(self, account: Account) -> Account:
        """``account`` as it is after the write."""
        c = self.changes
        updated = account.model_copy(deep=True)
        updated.first_name = c.first_name if c.first_name is not None else updated.first_name
        updated.last_name = c.last_name if c.last_name is not None else updated.last_name
        if c.display_name is not None:
            updated.display_name = c.display_name
        updated.student_id = c.student_id or updated.student_id
        updated.is_teacher = updated.is_teacher or c.make_teacher
        if c.join_org:
            updated.orgs.add(c.join_org)
        if c.new_email:
            updated.email = c.new_email
        return updated


def launch_changes(
    account: Account, org_id: str, full_teacher: bool, profile: LmsProfile
) -> AccountChanges:
    """What every launch that reaches ``account`` changes on it, whether it links it or
    finds it linked: it joins the org, a full teacher makes it a teacher account, and the
    org's student id is copied when the launch carries one."""
    return AccountChanges(
        join_org=org_id if org_id not in account.orgs else None,
        make_teacher=full_teacher and not account.is_teacher,
        student_id=profile.student_id
        if profile.student_id and profile.student_id != account.student_id
        else None,
    )


def plan_sync(
    account: Account,
    link: LmsLink,
    profile: LmsProfile,
    org: Org,
    full_teacher: bool,
    accounts: AccountStore,
) -> SyncPlan:
    changes = launch_changes(account, org.org_id, full_teacher, profile)
    names_news = _sync_names(changes, account, link, profile)
    email = _sync_email(changes, account, link, profile, org.org_id, accounts)
    seen = link.model_copy(
        update={
            "lms_email": profile.email or link.lms_email,
            "lms_given_name": profile.given_name,
            "lms_family_name": profile.family_name,
            "lms_name": profile.name,
        }
    )
    return SyncPlan(
        changes=changes,
        link=seen,
        refresh_link=names_news or email.is_news,
        email_held_by=email.held_by,
        email_is_news=email.is_news,
        email_shared=email.shared,
    )


def _sync_names(
    changes: AccountChanges, account: Account, link: LmsLink, profile: LmsProfile
) -> bool:
    """Copy the names the LMS says, when they differ from last time; True if they do."""
    said = (profile.given_name, profile.family_name, profile.name)
    names_news = said != (link.lms_given_name, link.lms_family_name, link.lms_name)
    if names_news and profile.has_name:
        for attribute, value in zip(("first_name", "last_name", "display_name"), said, strict=True):
            if value != getattr(account, attribute):
                setattr(changes, attribute, value)
    return names_news


@dataclass(frozen=True)
class _EmailSync:
    is_news: bool = False  # the LMS email differs from last time
    held_by: str | None = None  # another account holds the LMS email
    shared: bool = False  # kept: the account belongs to other organizations too


def _sync_email(
    changes: AccountChanges,
    account: Account,
    link: LmsLink,
    profile: LmsProfile,
    org_id: str,
    accounts: AccountStore,
) -> _EmailSync:
    """Take the LMS email when it is news (or the account has none), the account belongs
    to this organization only, and no other account holds it."""
    wanted = profile.email
    if wanted is None:
        return _EmailSync()
    is_news = wanted != link.lms_email
    if wanted == account.email:
        return _EmailSync(is_news)
    if account.orgs - {org_id}:
        return _EmailSync(is_news, shared=True)
    if not is_news and account.email is not None:
        return _EmailSync(is_news)
    holder = accounts.account_id_for_email(wanted)
    if holder is None:
        changes.new_email, changes.old_email = wanted, account.email
        return _EmailSync(is_news)
    return _EmailSync(is_news, held_by=holder if holder != account.account_id else None)
