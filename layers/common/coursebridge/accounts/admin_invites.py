"""Admin rights for an account that is not (yet) a member of the organization.

``coursebridge admin add`` grants school-admin rights at once only to an account that
already belongs to the organization (or to a new account it creates). An account that
belongs to other organizations only — an LMS-created account elsewhere included — gets
an emailed invitation instead: its link opens a page naming the organization and the
school (``preview``, writes nothing), and only that page's POST (``accept``) grants the
rights and joins the organization, in one transaction with the token's deletion.
Tokens are signed like verification tokens but in their own domain, so one kind never
passes for the other; the table keeps only their hash.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from urllib.parse import urlencode

from botocore.exceptions import BotoCoreError, ClientError

from coursebridge.accounts.admin_invite_email import admin_invite_email
from coursebridge.accounts.verification import (
    VerificationFailed,
    expired_link,
    issue_token,
    open_emailed_token,
    token_hash,
)
from coursebridge.notify.mailer import Mailer, SendsEmail
from coursebridge.sessions import _SecretCache
from coursebridge.settings import get_settings
from coursebridge.store.accounts import Account, AccountStore
from coursebridge.store.audit import AuditRecord
from coursebridge.store.dynamo import now_epoch
from coursebridge.store.invitations import InvitationStore, PendingInvitation
from coursebridge.store.orgs import Org, OrgStore, admin_item
from coursebridge.store.transactions import AccountChanged, TokenGone, transact

INVITE_PATH = "/app/invite"
INVITE_LIFETIME_SECONDS = 7 * 24 * 3600
_DOMAIN = b"coursebridge/admin-invite/v1:"


@dataclass(frozen=True)
class InvitationView:
    org_name: str
    school_id: str
    email: str


@dataclass(frozen=True)
class Accepted:
    account_id: str
    org_name: str
    school_id: str


def invite_url(base_url: str, token: str) -> str:
    return f"{base_url.rstrip('/')}{INVITE_PATH}?{urlencode({'token': token})}"


@dataclass
class AdminInvitations:
    store: InvitationStore = field(default_factory=InvitationStore)
    accounts: AccountStore = field(default_factory=AccountStore)
    orgs: OrgStore = field(default_factory=OrgStore)
    mailer: SendsEmail = field(default_factory=Mailer)
    secret: Callable[[], bytes] = _SecretCache.get
    clock: Callable[[], int] = now_epoch

    def invite(self, org: Org, school_id: str, account: Account, base_url: str) -> str:
        """Keep an invitation for ``account`` and email its link; returns the address."""
        assert account.email is not None
        now = self.clock()
        token, expires_at = issue_token(self.secret(), now, INVITE_LIFETIME_SECONDS, _DOMAIN)
        pending = PendingInvitation(
            token_hash=token_hash(token),
            account_id=account.account_id,
            org_id=org.org_id,
            school_id=school_id,
            email=account.email,
            expires_at=expires_at,
            created_at=now,
        )
        self.store.put(pending)
        message = admin_invite_email(
            account.email,
            org.name,
            school_id,
            invite_url(base_url, token),
            INVITE_LIFETIME_SECONDS // 86400,
        )
        try:
            self.mailer.send(message)
        except (ClientError, BotoCoreError):
            self.store.delete(pending)  # an invitation nobody can open must not linger
            raise
        return account.email

    def _pending(self, token: object, now: int) -> tuple[PendingInvitation, Org]:
        pending = open_emailed_token(token, self.secret(), now, self.store.get, _DOMAIN)
        org = self.orgs.get(pending.org_id)
        if org is None or pending.school_id not in org.schools:
            raise VerificationFailed(
                404, "Organization not found", "This organization or school no longer exists."
            )
        return pending, org

    def preview(self, token: object) -> InvitationView:
        """What ``token`` would grant; writes nothing. Raises VerificationFailed."""
        pending, org = self._pending(token, self.clock())
        return InvitationView(org.name, pending.school_id, pending.email)

    def accept(self, token: object) -> Accepted:
        """Grant the invitation (once). Raises VerificationFailed with a status."""
        now = self.clock()
        pending, org = self._pending(token, now)
        record = AuditRecord(
            org_id=org.org_id,
            action="admin-granted",
            account_id=pending.account_id,
            actor="invitation",
            details={"school": pending.school_id, "email": pending.email},
        )
        try:
            transact(
                [
                    pending.consume_action(now),
                    self.accounts.grant_admin_action(
                        pending.account_id, org.org_id, pending.school_id
                    ),
                    {
                        "Put": {
                            "TableName": get_settings().app_table,
                            "Item": admin_item(org.org_id, pending.school_id, pending.account_id),
                        }
                    },
                    record.put_action(),
                ]
            )
        except TokenGone:
            raise expired_link() from None
        except AccountChanged:
            raise VerificationFailed(
                404, "Account not found", "The invited account no longer exists."
            ) from None
        return Accepted(pending.account_id, org.name, pending.school_id)
