"""Organization settings (/app/admin/settings): the signed-in admin's own organization.

Every school admin sees them; only an organization admin (an admin of every one of
its schools: orgs/settings.py) may change them, and only by POST from our own page.
The organization is always the admin's (web/signed_in.py), never one a form names:
a hostile admin can name another organization's registration, and is answered as if
it did not exist. Every change is audited (store/audit.py) in the write itself.
``trial`` is shown, not changed here: the operator ends a trial
(``coursebridge org update ORG --no-trial``). Like every portal route, these import
the portal's modules on first use.
"""

from __future__ import annotations

import re

from aws_lambda_powertools.event_handler import Response
from aws_lambda_powertools.event_handler.router import APIGatewayHttpRouter
from pydantic import ValidationError

from coursebridge.store.errors import SettingsChanged
from coursebridge.store.orgs import Org, OrgStore
from coursebridge.store.platforms import PlatformAlreadyRegistered, PlatformNotFound, PlatformStore
from coursebridge.web.admin_routes import ADMIN
from coursebridge.web.errors import Conflict, Forbidden, NotFound
from coursebridge.web.http import form_body, see_other
from coursebridge.web.signed_in import SchoolAdmin, require_same_origin, require_school_admin

router = APIGatewayHttpRouter()
SETTINGS = f"{ADMIN}/settings"
REGISTRATIONS = f"{SETTINGS}/registrations"
DONE = {
    "saved": "Settings saved.",
    "unchanged": "Nothing changed.",
    "added": "LMS registration added.",
    "removed": "LMS registration removed.",
}
_ON = ("on", "true", "1", "yes")
_LIST = re.compile(r"[\s,]+")


def _admin_and_org(*, change: bool = False) -> tuple[SchoolAdmin, Org]:
    from coursebridge.orgs.settings import manages_organization

    event = router.current_event.raw_event
    admin = require_school_admin(event)
    if change:
        require_same_origin(event)
    org = OrgStore().get(admin.org_id, consistent=True)
    if org is None:
        raise NotFound("your organization no longer exists")
    if change and not manages_organization(admin.schools, org):
        raise Forbidden(f"only an admin of every school of {org.name} may change its settings")
    return admin, org


def _tool_urls() -> dict[str, str]:
    """What the LMS needs to know of the tool, at the origin the browser uses."""
    headers = router.current_event.headers
    scheme = headers.get("x-forwarded-proto", "https").split(",")[0].strip()
    base = f"{scheme}://{headers.get('host', '')}"
    return {
        "OIDC login URL": f"{base}/lti/login",
        "Redirect / launch URL": f"{base}/lti/launch",
        "Public JWKS URL": f"{base}/.well-known/jwks.json",
    }


def _settings_page(
    admin: SchoolAdmin,
    org: Org,
    *,
    status: int = 200,
    error: str | None = None,
    settings_form: dict[str, str] | None = None,
    lms_form: dict[str, str] | None = None,
    check: dict | None = None,
) -> Response:
    """The page; after a refused post, the form that was sent keeps what was typed."""
    from coursebridge.orgs.settings import manages_organization
    from coursebridge.web.admin_views import admin_page, when

    done = router.current_event.get_query_string_value("done", "") or ""
    registrations = sorted(
        PlatformStore().for_org(org.org_id), key=lambda r: (r.issuer, r.client_id)
    )
    return admin_page(
        admin,
        "admin_settings.html",
        status=status,
        org=org,
        org_admin=manages_organization(admin.schools, org),
        registrations=registrations,
        tool_urls=_tool_urls(),
        notice=DONE.get(done) if status == 200 else None,
        error=error,
        settings_form=settings_form or {},
        lms_form=lms_form or {},
        added_at=when,
        check=check,
    )


@router.get(SETTINGS)
def settings_page() -> Response:
    admin, org = _admin_and_org()
    return _settings_page(admin, org)


@router.post(SETTINGS)
def save_settings() -> Response:
    from coursebridge.orgs.settings import (
        Actor,
        SettingRefused,
        change_settings,
        clean_sender_email,
        clean_student_id_field,
    )

    admin, org = _admin_and_org(change=True)
    form = form_body(router.current_event)
    try:
        wanted = {
            "student_id_field": clean_student_id_field(form.get("studentIdField")),
            "csv_password_override": form.get("csvPasswordOverride") in _ON,
            "auto_map": form.get("autoMap") in _ON,
            "sender_email": clean_sender_email(form.get("senderEmail")),
        }
    except SettingRefused as refused:
        return _settings_page(admin, org, status=400, error=refused.message, settings_form=form)
    try:
        changed = change_settings(org.org_id, wanted, Actor.admin(admin.account.account_id))
    except SettingsChanged:
        raise Conflict("someone changed these settings meanwhile: open the page again") from None
    return see_other(f"{SETTINGS}?done={'saved' if changed else 'unchanged'}")


@router.post(REGISTRATIONS)
def add_lms() -> Response:
    from coursebridge.orgs.registrations import (
        RegistrationRefused,
        add_registration,
        new_registration,
    )
    from coursebridge.orgs.settings import Actor

    admin, org = _admin_and_org(change=True)
    form = form_body(router.current_event)
    try:
        registration = new_registration(
            org.org_id,
            issuer=form.get("issuer", "").strip(),
            client_id=form.get("clientId", "").strip(),
            deployment_ids=[d for d in _LIST.split(form.get("deploymentIds", "")) if d],
            auth_login_url=form.get("authLoginUrl", "").strip(),
            auth_token_url=form.get("authTokenUrl", "").strip(),
            jwks_url=form.get("jwksUrl", "").strip(),
            lms_origins=[o for o in _LIST.split(form.get("lmsOrigins", "")) if o],
        )
        add_registration(registration, Actor.admin(admin.account.account_id))
    except ValidationError as invalid:
        return _settings_page(admin, org, status=400, error=_named(invalid), lms_form=form)
    except RegistrationRefused as refused:
        return _settings_page(admin, org, status=400, error=str(refused), lms_form=form)
    except PlatformAlreadyRegistered as taken:
        return _settings_page(admin, org, status=409, error=str(taken), lms_form=form)
    return see_other(f"{SETTINGS}?done=added")


@router.post(f"{REGISTRATIONS}/remove")
def remove_lms() -> Response:
    """First the consequences and a button (``confirm=yes``), then the removal."""
    from coursebridge.orgs.registrations import remove_registration
    from coursebridge.orgs.settings import Actor
    from coursebridge.web.admin_views import admin_page

    admin, org = _admin_and_org(change=True)
    form = form_body(router.current_event)
    issuer, client_id = form.get("issuer", ""), form.get("clientId", "")
    if form.get("confirm") != "yes":
        found = PlatformStore().get(issuer, client_id)
        if found is None or found.org_id != org.org_id:
            raise NotFound("no such LMS registration in your organization")
        return admin_page(admin, "admin_registration_remove.html", org=org, registration=found)
    try:
        remove_registration(
            issuer, client_id, Actor.admin(admin.account.account_id), org_id=org.org_id
        )
    except PlatformNotFound:
        raise NotFound("no such LMS registration in your organization") from None
    return see_other(f"{SETTINGS}?done=removed")


@router.post(f"{REGISTRATIONS}/check")
def check_lms() -> Response:
    """Test the connection of one of the organization's registrations: a token request
    (lti/platform_check.py names what fails). Writes nothing."""
    from coursebridge.keyring import active_signing_key_id
    from coursebridge.lti.platform_check import check_connection
    from coursebridge.signing import KmsSigner

    admin, org = _admin_and_org(change=True)
    form = form_body(router.current_event)
    found = PlatformStore().get(form.get("issuer", ""), form.get("clientId", ""))
    if found is None or found.org_id != org.org_id:
        raise NotFound("no such LMS registration in your organization")
    steps = check_connection(found, KmsSigner(active_signing_key_id()).sign_jwt)
    return _settings_page(admin, org, check={"registration": found, "steps": steps})


def _named(invalid: ValidationError) -> str:
    first = invalid.errors()[0]
    field = ".".join(str(part) for part in first["loc"]) or "value"
    message = str(first["msg"]).removeprefix("Value error, ")
    return f"{field.replace('_', ' ')}: {message}"
