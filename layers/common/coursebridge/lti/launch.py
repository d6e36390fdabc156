"""Launch validation: id_token + state → ``LaunchClaims`` (or a rejection naming the check).

Order: the id_token's signature and times (id_token.py) → the login state, consumed
exactly once together with its nonce (launch_data.py) → the browser binding (the
browser key from our Partitioned cookie, or from the platform's postMessage
storage) → the LTI claims. A browser that sent no state cookie for a login that
used platform storage first gets a small page that reads the key from the platform
and posts the launch again (``NeedsPlatformStorage``).
"""

from __future__ import annotations

import hmac
from dataclasses import dataclass
from typing import Any

from pydantic import ValidationError

from coursebridge.lti.claims import (
    AGS_CLAIM,
    CLAIM,
    DL_SETTINGS_CLAIM,
    AgsEndpoint,
    DeepLinkingSettings,
    LaunchClaims,
)
from coursebridge.lti.context_claims import (
    context_history,
    link_history,
    memberships_url,
    notice_service_url,
)
from coursebridge.lti.cookies import ApiGatewayCookieService
from coursebridge.lti.errors import LaunchRejected
from coursebridge.lti.id_token import check_lti_claims, verify_id_token
from coursebridge.lti.jwks_cache import JwksCache, jwks_cache
from coursebridge.lti.launch_data import LoginState, LoginStateStore, key_hash
from coursebridge.lti.login import PLATFORM_STORAGE_PREFIX, STATE_COOKIE, origin_of, storage_key
from coursebridge.lti.request import ApiGatewayRequest
from coursebridge.settings import get_settings
from coursebridge.store.dynamo import new_id
from coursebridge.store.platforms import PlatformRegistration

STORAGE_KEY_FIELD = "lti_storage_key"  # posted back by the platform-storage page
STORAGE_CHECKED_FIELD = "lti_storage_checked"
MAX_STATE_LENGTH = 128


@dataclass(frozen=True)
class ValidLaunch:
    claims: LaunchClaims
    registration: PlatformRegistration
    clear_cookies: list[str]


@dataclass(frozen=True)
class NeedsPlatformStorage:
    """Render the page that fetches the browser key from the platform's storage."""

    id_token: str
    state: str
    target: str
    origin: str
    key: str


def validate_launch(
    request: ApiGatewayRequest,
    *,
    store: LoginStateStore | None = None,
    jwks: JwksCache | None = None,
) -> ValidLaunch | NeedsPlatformStorage:
    store = store or LoginStateStore()
    if request.get_param("error"):
        raise LaunchRejected(
            "platform_error",
            f"the platform refused the login: {request.get_param('error')[:200]}",
        )
    token = request.get_param("id_token")
    claims, registration = verify_id_token(
        token, jwks or jwks_cache, get_settings().lti_leeway_seconds
    )
    state = request.get_param("state")
    if not state or len(state) > MAX_STATE_LENGTH:
        raise LaunchRejected("state", "the launch has no valid state parameter")

    cookies = ApiGatewayCookieService(request)
    cookie_key = cookies.get_cookie(STATE_COOKIE + state)
    if _key_is_in_platform_storage(request, state, cookie_key):
        return _platform_storage_page(store, token, state, registration)

    login = _consume_login(store, state, registration)
    if not hmac.compare_digest(str(claims.get("nonce", "")), login.nonce):
        raise LaunchRejected("nonce", "the nonce does not match the one issued at login")
    presented = cookie_key or request.get_param(STORAGE_KEY_FIELD)
    _check_browser(cookies, state, presented, login.browser_key_hash)
    check_lti_claims(claims, registration, request.is_own_url)
    cookies.delete_cookie(STATE_COOKIE + state)
    return ValidLaunch(to_launch_claims(claims, registration), registration, cookies.set_cookies)


def _key_is_in_platform_storage(
    request: ApiGatewayRequest, state: str, cookie_key: str | None
) -> bool:
    """A platform-storage login whose browser sent no cookie, and whose key was not yet read."""
    return (
        state.startswith(PLATFORM_STORAGE_PREFIX)
        and not cookie_key
        and not request.get_param(STORAGE_CHECKED_FIELD)
    )


def _platform_storage_page(
    store: LoginStateStore, token: str, state: str, registration: PlatformRegistration
) -> NeedsPlatformStorage:
    target = store.storage_target(state)
    if target is None:
        raise LaunchRejected("state", "the state is unknown or was already used")
    return NeedsPlatformStorage(
        id_token=token,
        state=state,
        target=target,
        origin=origin_of(str(registration.auth_login_url)),
        key=storage_key(state),
    )


def _consume_login(
    store: LoginStateStore, state: str, registration: PlatformRegistration
) -> LoginState:
    """The login of ``state``, used up now; it must be live and for this platform."""
    login = store.consume(state)
    if login is None:
        raise LaunchRejected("state", "the state is unknown or was already used (replayed launch)")
    if login.expired:
        raise LaunchRejected("state", "the login expired before the launch arrived")
    if login.issuer != registration.issuer or login.client_id != registration.client_id:
        raise LaunchRejected("state", "the state belongs to a login for another platform")
    return login


def _check_browser(
    cookies: ApiGatewayCookieService, state: str, presented: str | None, expected_hash: str
) -> None:
    """The state must come from the browser that logged in.

    A presented key (cookie or platform storage) must match. A browser that sent
    other state cookies but not this one is a different browser: rejected. A browser
    that sent none at all drops cookies (Safari, blocked third-party cookies): the
    single-use, short-lived state bound to this login is the remaining check.
    """
    if presented:
        if not hmac.compare_digest(key_hash(presented), expected_hash):
            raise LaunchRejected("state", "the state does not belong to this browser")
        return
    if cookies.has_prefixed(STATE_COOKIE):
        raise LaunchRejected("state", "the state does not match this browser's login")


def _text(value: Any) -> str | None:
    return value if isinstance(value, str) and value else None


def _object(value: Any) -> dict:
    """A JSON-object claim, or {} when it is absent or not an object."""
    return value if isinstance(value, dict) else {}


def _course_claims(claims: dict, context: dict, link: dict) -> dict[str, Any]:
    """The roster service and the copy history (lti/context_claims.py)."""
    custom = _object(claims.get(CLAIM + "custom"))
    return {
        "memberships_url": memberships_url(claims),
        "context_history": context_history(claims, custom, _text(context.get("id"))),
        "link_history": link_history(claims, custom, _text(link.get("id"))),
        "notice_service_url": notice_service_url(claims),
    }


def to_launch_claims(claims: dict, registration: PlatformRegistration) -> LaunchClaims:
    context = _object(claims.get(CLAIM + "context"))
    link = _object(claims.get(CLAIM + "resource_link"))
    tool_platform = _object(claims.get(CLAIM + "tool_platform"))
    mentor = claims.get(CLAIM + "role_scope_mentor")
    ags_raw = claims.get(AGS_CLAIM)
    dl_raw = claims.get(DL_SETTINGS_CLAIM)
    try:
        return LaunchClaims(
            launch_id=new_id("lch"),
            issuer=registration.issuer,
            client_id=registration.client_id,
            registration_id=registration.registration_id,
            deployment_id=claims[CLAIM + "deployment_id"],
            message_type=claims[CLAIM + "message_type"],
            target_link_uri=claims[CLAIM + "target_link_uri"],
            sub=_text(claims.get("sub")),
            email=_text(claims.get("email")),
            name=_text(claims.get("name")),
            given_name=_text(claims.get("given_name")),
            family_name=_text(claims.get("family_name")),
            roles=claims[CLAIM + "roles"],
            role_scope_mentor=[m for m in mentor if isinstance(m, str)]
            if isinstance(mentor, list)
            else [],
            context_id=_text(context.get("id")),
            context_title=_text(context.get("title")),
            context_label=_text(context.get("label")),
            resource_link_id=_text(link.get("id")),
            resource_link_title=_text(link.get("title")),
            custom=_object(claims.get(CLAIM + "custom")),
            platform_family=_text(tool_platform.get("product_family_code")),
            ags=AgsEndpoint.model_validate(ags_raw) if isinstance(ags_raw, dict) else None,
            deep_linking=DeepLinkingSettings.model_validate(dl_raw)
            if isinstance(dl_raw, dict)
            else None,
            **_course_claims(claims, context, link),
        )
    except ValidationError as error:
        field = ".".join(str(p) for p in error.errors()[0]["loc"]) or "claims"
        raise LaunchRejected(field, f"the {field} claim is malformed") from None
