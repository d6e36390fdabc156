"""Adding and removing an organization's LMS registrations, the same way for the
operator (``coursebridge platform add|remove``) and for the organization's admins
(Admin Portal): validated alike, audited alike (``registration-added`` /
``registration-removed``), and a removal does the same thing wherever it comes from.

A registration added gets a new random ``registration_id``; removing it deletes the
registration item only. Its LMS identities, maps and units are keyed by that id, so
they stay unreachable: adding the same issuer and client id again starts with none of
them (docs/TENANCY.md). Launches already cached by a warm container keep working for
up to a minute (lti/tool_config.py).
"""

from __future__ import annotations

from collections.abc import Sequence

from coursebridge.lti.tool_config import forget_cached_config
from coursebridge.orgs.settings import Actor
from coursebridge.outbound import UrlNotAllowed, outbound_policy
from coursebridge.store.audit import AuditRecord
from coursebridge.store.platforms import PlatformNotFound, PlatformRegistration, PlatformStore

URL_FIELDS = ("auth_login_url", "auth_token_url", "jwks_url")


class RegistrationRefused(Exception):
    """A URL the tool would not fetch: ``field`` (e.g. ``jwks_url``) and why."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(f"invalid {field.replace('_', '-')}: {message}")
        self.field = field
        self.message = message


def new_registration(
    org_id: str,
    *,
    issuer: str,
    client_id: str,
    deployment_ids: Sequence[str],
    auth_login_url: str,
    auth_token_url: str,
    jwks_url: str,
    lms_origins: Sequence[str] = (),
) -> PlatformRegistration:
    """A registration of ``org_id``, checked (pydantic's ``ValidationError`` names a bad
    field; ``RegistrationRefused`` a URL whose host resolves where the tool never
    connects)."""
    registration = PlatformRegistration.model_validate(
        {
            "issuer": issuer,
            "client_id": client_id,
            "deployment_ids": list(deployment_ids),
            "auth_login_url": auth_login_url,
            "auth_token_url": auth_token_url,
            "jwks_url": jwks_url,
            "org_id": org_id,
            "lms_origins": list(lms_origins),
        }
    )
    for name in URL_FIELDS:
        try:
            outbound_policy().check_resolved(str(getattr(registration, name)))
        except UrlNotAllowed as refused:
            raise RegistrationRefused(name, str(refused)) from None
    return registration


def add_registration(registration: PlatformRegistration, actor: Actor) -> None:
    """Store it (``PlatformAlreadyRegistered`` when issuer + client id are taken)."""
    PlatformStore().add(registration, _audit("registration-added", registration, actor))
    forget_cached_config()


def remove_registration(
    issuer: str, client_id: str, actor: Actor, *, org_id: str | None = None
) -> PlatformRegistration:
    """Remove the registration of (issuer, client id) and say which it was. With
    ``org_id`` (an organization's admin) only that organization's: another one's is
    answered exactly like one that does not exist (``PlatformNotFound``)."""
    found = PlatformStore().get(issuer, client_id)
    if found is None or (org_id is not None and found.org_id != org_id):
        raise PlatformNotFound(issuer, client_id)
    PlatformStore().remove_of_org(found, _audit("registration-removed", found, actor))
    forget_cached_config()
    return found


def _audit(action: str, registration: PlatformRegistration, actor: Actor) -> AuditRecord:
    return AuditRecord(
        org_id=registration.org_id,
        action=action,
        account_id=actor.account_id,
        actor=actor.label,
        details={
            "issuer": registration.issuer,
            "clientId": registration.client_id,
            "registrationId": registration.registration_id,
            "deployments": ",".join(registration.deployment_ids),
        },
    )
