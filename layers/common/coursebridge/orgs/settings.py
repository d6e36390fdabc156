"""Changing an organization's settings: cleaned values, one audited write.

Who may change what: the operator (``coursebridge org update``) every setting; an
organization admin (web/admin_settings_routes.py) every setting but ``trial``, which
decides whether the organization pays, not how it works. An organization admin is an
admin of *every* school of the organization: its settings (the student-ID claim, the
password override, auto-mapping, the sender address, its LMSs) act on all of its
schools, so an admin of some of them sees them read-only.

A change writes only the settings whose value differs, with an audit record naming
each old and new value (``org-settings-changed``), in one transaction conditional on
the values read (store/orgs.py): two admins saving at once never make the audit lie.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Collection, Mapping
from dataclasses import dataclass
from typing import Any

from coursebridge import aws
from coursebridge.accounts.profile import clean_email
from coursebridge.lti.tool_config import forget_cached_config
from coursebridge.store.audit import AuditRecord
from coursebridge.store.orgs import SETTINGS, Org, OrgNotFound, OrgStore

ADMIN_SETTINGS = ("student_id_field", "csv_password_override", "auto_map", "sender_email")
MAX_CLAIM_NAME = 64
_CLAIM_NAME = re.compile(rf"^[A-Za-z0-9_.-]{{1,{MAX_CLAIM_NAME}}}$")


class SettingRefused(Exception):
    """A value that cannot be stored: ``setting`` (the people's name) and why."""

    def __init__(self, setting: str, message: str) -> None:
        super().__init__(f"{setting}: {message}")
        self.setting = setting
        self.message = message


@dataclass(frozen=True)
class Actor:
    """Who changes something, as the audit record names them."""

    account_id: str  # the admin's account; "" for the operator
    label: str

    @classmethod
    def admin(cls, account_id: str) -> Actor:
        return cls(account_id, f"admin {account_id}")

    @classmethod
    def operator(cls, command: str) -> Actor:
        return cls("", f"operator: coursebridge {command}")


def manages_organization(admin_schools: Collection[str], org: Org) -> bool:
    """An organization admin administers every one of its schools."""
    return bool(org.schools) and set(org.schools) <= set(admin_schools)


def clean_student_id_field(value: str | None) -> str | None:
    """The custom LTI claim's name, or None (no student-ID field) for an empty value."""
    name = (value or "").strip()
    if not name:
        return None
    if not _CLAIM_NAME.match(name):
        raise SettingRefused(
            "studentIdField",
            f"a custom claim name is 1 to {MAX_CLAIM_NAME} letters, digits, '_', '-' or '.'",
        )
    return name


def ses_can_send_as(address: str) -> bool:
    """SES has verified the address itself or its domain."""
    domain = address.rpartition("@")[2]
    found = aws.client("ses").get_identity_verification_attributes(Identities=[address, domain])
    statuses = found.get("VerificationAttributes", {}).values()
    return any(status.get("VerificationStatus") == "Success" for status in statuses)


def clean_sender_email(
    value: str | None, can_send_as: Callable[[str], bool] = ses_can_send_as
) -> str | None:
    """The address the organization's emails come from, or None (the deployment's)."""
    raw = (value or "").strip()
    if not raw:
        return None
    address = clean_email(raw)
    if address is None:
        raise SettingRefused("senderEmail", f"{raw!r} is not an email address")
    if not can_send_as(address):
        raise SettingRefused(
            "senderEmail",
            f"{address} is not verified in Amazon SES (neither the address nor its domain): "
            "mail sent from it would be refused. Ask the operator to verify it first.",
        )
    return address


def change_settings(org_id: str, wanted: Mapping[str, Any], actor: Actor) -> dict[str, tuple]:
    """Store the ``wanted`` values (already cleaned) that differ from the stored ones;
    what changed, setting → (old, new). Nothing differs: nothing is written."""
    unknown = set(wanted) - set(SETTINGS)
    if unknown:
        raise ValueError(f"not settings: {sorted(unknown)}")
    org = OrgStore().get(org_id, consistent=True)
    if org is None:
        raise OrgNotFound(org_id)
    stored = org.model_dump()
    changes = {
        name: (stored[name], value) for name, value in wanted.items() if stored[name] != value
    }
    if not changes:
        return {}
    details = {
        SETTINGS[name]: f"{_shown(old)} -> {_shown(new)}" for name, (old, new) in changes.items()
    }
    audit = AuditRecord(
        org_id=org_id,
        action="org-settings-changed",
        account_id=actor.account_id,
        actor=actor.label,
        details=details,
    )
    OrgStore().update_settings(org_id, changes, audit)
    forget_cached_config()  # this container sees the change at once; others within 60 s
    return changes


def _shown(value: Any) -> str:
    if value is None:
        return "(none)"
    return str(value).lower() if isinstance(value, bool) else str(value)
