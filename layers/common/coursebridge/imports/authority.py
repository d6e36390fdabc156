"""Who uploaded, which schools they administer, and those schools' settings."""

from __future__ import annotations

from dataclasses import dataclass, field

from coursebridge.imports.plan import School
from coursebridge.settings import get_settings
from coursebridge.store.accounts import Account, AccountStore
from coursebridge.store.orgs import Org, OrgStore


@dataclass(frozen=True)
class Uploader:
    """The uploading admin. A row's schoolID must be in ``schools`` (administered by
    them and existing), or the row fails with ``Unauthorized school``."""

    account: Account | None
    schools: dict[str, School] = field(default_factory=dict)
    sender: str = ""

    @property
    def email(self) -> str | None:
        return self.account.email if self.account else None


def load_uploader(admin_id: str) -> Uploader:
    sender = get_settings().sender_email
    account = AccountStore().get(admin_id)
    if account is None:
        return Uploader(None, {}, sender)
    orgs = OrgStore()
    org_cache: dict[str, Org | None] = {}
    schools: dict[str, School] = {}
    for school_id in sorted(account.admin_schools):
        org_id = orgs.org_of_school(school_id)
        if org_id is None:
            continue  # the school does not exist (any more)
        if org_id not in org_cache:
            org_cache[org_id] = orgs.get(org_id)
        org = org_cache[org_id]
        if org is None:
            continue
        schools[school_id] = School(school_id, org_id, org.csv_password_override)
        if org.sender_email and sender == get_settings().sender_email:
            sender = org.sender_email
    return Uploader(account, schools, sender)
