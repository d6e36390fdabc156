"""LTI Dynamic Registration of an organization's LMS, from a registration URL.

``review`` (the page the LMS opens, GET) checks the URL and the platform's OpenID
configuration and says what would be registered; it writes nothing. ``register`` (that
page's POST) checks both again, claims the URL, registers the tool at the platform's
registration endpoint and stores the client it answers with as a registration of the
URL's organization — through orgs/registrations.py, exactly as ``platform add`` does
(random registration id, outbound checks, audit) — in one transaction with the URL
marked used.

Tenancy: the organization is the URL's, never a request's; a registration of another
organization can be neither named (``replace``) nor overwritten (the platform's answer
naming a client registered elsewhere is refused). "Already registered" is decided by
issuer + client id, as everywhere: the same LMS may be registered twice (two Canvas
accounts share one issuer), so a second registration of an issuer is offered as a new
one or as the update of one of the organization's own (a reinstall: the registration
keeps its id, so its LMS identities, classes and grades, and takes the new client id
and deployment). Every refusal is a ``RegistrationRefused`` for a page; none of them
has written anything.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from pydantic import ValidationError

from coursebridge.lti.dynamic_registration import (
    TOOL_CONFIGURATION,
    RegisteredClient,
    RegistrationFailed,
    register_client,
    registration_request,
)
from coursebridge.lti.platform_configuration import (
    ConfigurationRefused,
    PlatformConfiguration,
    fetch_platform_configuration,
)
from coursebridge.lti.tool_description import SCOPE_NAMES, SCOPES, ToolUrls
from coursebridge.orgs.registration_urls import TOKEN_PARAM, token_hash
from coursebridge.orgs.registrations import (
    RegistrationRefused as UrlRefused,
)
from coursebridge.orgs.registrations import (
    add_registration,
    new_registration,
    update_registration,
)
from coursebridge.orgs.settings import Actor
from coursebridge.store.dynamo import now_epoch
from coursebridge.store.errors import ItemChanged
from coursebridge.store.orgs import Org, OrgStore
from coursebridge.store.platforms import (
    PlatformAlreadyRegistered,
    PlatformNotFound,
    PlatformRegistration,
    PlatformStore,
)
from coursebridge.store.registration_urls import RegistrationUrl, RegistrationUrlStore

MAX_TOKEN = 512


class RegistrationRefused(Exception):
    """Nothing was registered: ``status`` and ``title`` for the page, ``message`` says
    what to fix, ``check`` names it (for logs, metrics and tests)."""

    def __init__(self, status: int, check: str, title: str, message: str) -> None:
        super().__init__(f"{check}: {message}")
        self.status = status
        self.check = check
        self.title = title
        self.message = message


@dataclass(frozen=True)
class Review:
    """What the confirmation page shows (and its form posts back)."""

    org: Org
    config: PlatformConfiguration
    messages: list[str]
    scopes: list[str]
    custom: dict[str, str]
    existing: list[PlatformRegistration]
    warnings: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class Registered:
    org: Org
    config: PlatformConfiguration
    registration: PlatformRegistration
    updated: PlatformRegistration | None  # the registration it replaced, if any


def review(token: str, config_url: str, tool: ToolUrls) -> Review:
    url = _url(token, now_epoch(), allow_busy=True)
    org = _org(url)
    config = _configuration(config_url)
    request = registration_request(config, tool, org.student_id_field)
    lti = request[TOOL_CONFIGURATION]
    scopes = request["scope"].split()
    return Review(
        org=org,
        config=config,
        messages=[m["type"] for m in lti["messages"]],
        scopes=scopes,
        custom=lti.get("custom_parameters", {}),
        existing=_of_issuer(org, config.issuer),
        warnings=_warnings(config, scopes, org),
    )


def register(
    token: str,
    config_url: str,
    registration_token: str | None,
    tool: ToolUrls,
    *,
    replace: str | None = None,
) -> Registered:
    """Register the platform for the URL's organization (``replace``: the client id of
    the organization's registration of this issuer that the new client replaces)."""
    now = now_epoch()
    url = _url(token, now)
    org = _org(url)
    config = _configuration(config_url)
    old = _replaced(org, config.issuer, replace)
    body = registration_request(config, tool, org.student_id_field)
    claim = RegistrationUrlStore().claim(url, now)
    if claim is None:
        raise _gone(_url_again(url), now)
    try:
        client = _register_at_platform(config, registration_token, body)
        registration = _registration(org, config, client, old)
        _store(url, claim, now, registration, old)
    except BaseException:
        RegistrationUrlStore().release(url, claim)
        raise
    return Registered(org=org, config=config, registration=registration, updated=old)


# ---------------------------------------------------------------- the URL and the org
def _url(token: str, now: int, *, allow_busy: bool = False) -> RegistrationUrl:
    if not token:
        raise RegistrationRefused(
            400,
            "token",
            "This registration URL is incomplete",
            f"It has no {TOKEN_PARAM} part. Paste the whole URL that "
            "`coursebridge platform registration-url` printed into the LMS.",
        )
    url = RegistrationUrlStore().get(token_hash(token)) if len(token) <= MAX_TOKEN else None
    if url is None:
        raise RegistrationRefused(
            404,
            "token",
            "Unknown registration URL",
            "This registration URL is not one the tool issued (or it expired more than a "
            "month ago). Ask for a new one: `coursebridge platform registration-url --org ORG`.",
        )
    state = url.state(now)
    if state == "usable" or (state == "busy" and allow_busy):
        return url
    raise _gone(url, now)


def _url_again(url: RegistrationUrl) -> RegistrationUrl:
    return RegistrationUrlStore().get(url.token_hash) or url


def _gone(url: RegistrationUrl, now: int) -> RegistrationRefused:
    state = url.state(now)
    if state == "used":
        client = url.used_for.get("clientId", "")
        return RegistrationRefused(
            410,
            "used",
            "This registration URL was already used",
            f"It registered the LMS {url.used_for.get('issuer', '')} (client id {client}) and "
            "works only once. Ask for a new URL to register another LMS.",
        )
    if state == "expired":
        return RegistrationRefused(
            410,
            "expired",
            "This registration URL has expired",
            "Ask for a new one: `coursebridge platform registration-url --org ORG`.",
        )
    return RegistrationRefused(
        409,
        "busy",
        "This registration is in progress",
        "Another request is registering the LMS with this URL right now. Wait a minute, then "
        "open the registration again from the LMS if it did not finish.",
    )


def _org(url: RegistrationUrl) -> Org:
    org = OrgStore().get(url.org_id, consistent=True)
    if org is None:
        raise RegistrationRefused(
            404, "org", "Unknown organization", f"The organization {url.org_id} no longer exists."
        )
    return org


def _configuration(config_url: str) -> PlatformConfiguration:
    if not config_url:
        raise RegistrationRefused(
            400,
            "openid_configuration",
            "Open this URL from your LMS",
            "The LMS adds the location of its configuration (openid_configuration) when it "
            "opens a registration URL: paste the URL into the LMS's Dynamic Registration "
            "(LTI Advantage) instead of opening it in a browser.",
        )
    try:
        return fetch_platform_configuration(config_url)
    except ConfigurationRefused as refused:
        title = "Issuer mismatch" if refused.check == "issuer" else "LMS configuration refused"
        raise RegistrationRefused(
            400,
            refused.check,
            title,
            f"{refused.message}. Nothing was registered; fix the LMS's configuration (or its "
            "address) and open the registration again.",
        ) from None


def _of_issuer(org: Org, issuer: str) -> list[PlatformRegistration]:
    return [r for r in PlatformStore().for_org(org.org_id) if r.issuer == issuer]


def _replaced(org: Org, issuer: str, client_id: str | None) -> PlatformRegistration | None:
    if not client_id:
        return None
    found = PlatformStore().get(issuer, client_id)
    if found is None or found.org_id != org.org_id:  # another org's looks like none at all
        raise RegistrationRefused(
            404,
            "replace",
            "No such registration",
            f"{org.name} has no registration of {issuer} with client id {client_id} to update.",
        )
    return found


def _warnings(config: PlatformConfiguration, scopes: list[str], org: Org) -> list[str]:
    notes = []
    if not config.supports_deep_linking:
        notes.append(
            "The LMS does not offer Deep Linking: teachers add the activity by its launch URL."
        )
    missing = [SCOPE_NAMES[s] for s in SCOPES if s not in scopes]
    if missing:
        notes.append(f"The LMS does not offer these services: {', '.join(missing)}.")
    claims = config.claims_supported
    if claims is not None and not {"email", "name"} <= set(claims):
        notes.append(
            "The LMS does not list names and email among its claims: accounts may be created "
            "without them."
        )
    variables = config.variables
    if org.student_id_field and variables is not None and "Person.sourcedId" not in variables:
        notes.append(
            f"The LMS does not list Person.sourcedId: the student ID ({org.student_id_field})"
            " may arrive empty."
        )
    return notes


# ---------------------------------------------------------------- registering
def _register_at_platform(
    config: PlatformConfiguration, registration_token: str | None, body: dict
) -> RegisteredClient:
    try:
        return register_client(config, registration_token or None, body)
    except RegistrationFailed as failed:
        raise RegistrationRefused(
            400,
            "registration_endpoint",
            "The LMS did not register the tool",
            f"{failed.message}. Nothing was stored here; open the registration again from the LMS.",
        ) from None


def _registration(
    org: Org,
    config: PlatformConfiguration,
    client: RegisteredClient,
    old: PlatformRegistration | None,
) -> PlatformRegistration:
    deployments = [client.deployment_id] if client.deployment_id else []
    any_deployment = client.deployment_id is None
    if old is not None:
        deployments = [*old.deployment_ids, *deployments]
        any_deployment = any_deployment or old.any_deployment
    try:
        return new_registration(
            org.org_id,
            issuer=config.issuer,
            client_id=client.client_id,
            deployment_ids=deployments,
            any_deployment=any_deployment,
            auth_login_url=config.authorization_endpoint,
            auth_token_url=config.token_endpoint,
            jwks_url=config.jwks_uri,
            lms_origins=old.lms_origins if old else (),
            registration_id=old.registration_id if old else None,
        )
    except (ValidationError, UrlRefused) as error:
        raise RegistrationRefused(
            400,
            "registration",
            "The LMS's answer cannot be stored",
            f"{error}. Remove the tool the LMS just created and open the registration again.",
        ) from None


def _store(
    url: RegistrationUrl,
    claim: str,
    now: int,
    registration: PlatformRegistration,
    old: PlatformRegistration | None,
) -> None:
    used_for = {
        "issuer": registration.issuer,
        "clientId": registration.client_id,
        "registrationId": registration.registration_id,
    }
    used = url.used_action(claim, now, used_for)
    actor = Actor("", f"dynamic registration {url.url_id}")
    try:
        if old is None:
            add_registration(registration, actor, also=[used])
        else:
            update_registration(old, registration, actor, also=[used])
    except PlatformAlreadyRegistered:
        raise _already_registered(registration, url.org_id) from None
    except PlatformNotFound:
        raise RegistrationRefused(
            409,
            "replace",
            "The registration changed meanwhile",
            f"The registration with client id {old.client_id if old else ''} was changed or "
            "removed while this one was made. Open the registration again from the LMS.",
        ) from None
    except ItemChanged:
        raise _gone(_url_again(url), now) from None


def _already_registered(registration: PlatformRegistration, org_id: str) -> RegistrationRefused:
    holder = PlatformStore().get(registration.issuer, registration.client_id)
    mine = holder is not None and holder.org_id == org_id
    fix = (
        "It is already one of this organization's registrations: open the registration "
        "again from the LMS and choose to update it."
        if mine
        else "It is registered to another organization here: remove the tool the LMS just "
        "created, and ask the operator."
    )
    return RegistrationRefused(
        409,
        "already_registered",
        "Already registered",
        f"The LMS answered with client id {registration.client_id} of {registration.issuer}. {fix}",
    )
