"""OIDC third-party login initiation (LTI Core 1.3 §4.1, Security Framework §5.1.1).

GET or POST ``/lti/login`` with ``iss``, ``login_hint``, ``target_link_uri`` and
optionally ``client_id`` (may be omitted when the issuer has one registration),
``lti_deployment_id``, ``lti_message_hint`` (passed through untouched) and
``lti_storage_target`` (LTI Client Side postMessage storage).

We create a ``state`` and ``nonce``, store them with a browser key's hash
(launch_data.LoginState), hand the browser key to the browser — as a Partitioned
cookie and, when the platform offers postMessage storage, also into the platform's
storage — and send the browser to the platform's OIDC auth endpoint with
``response_mode=form_post``.
"""

from __future__ import annotations

import secrets
import time
from dataclasses import dataclass, field
from urllib.parse import urlencode, urlsplit

from coursebridge.lti.cookies import ApiGatewayCookieService
from coursebridge.lti.errors import LoginRejected
from coursebridge.lti.launch_data import (
    LOGIN_LIFETIME_SECONDS,
    LoginState,
    LoginStateStore,
    key_hash,
)
from coursebridge.lti.request import ApiGatewayRequest
from coursebridge.lti.tool_config import find_registration, registrations_for
from coursebridge.store.platforms import PlatformRegistration

STATE_COOKIE = "state_"  # cookie "cb_state_<state>" = browser key
PLATFORM_STORAGE_PREFIX = "cbp-"  # states whose browser key is also in platform storage
COOKIE_ONLY_PREFIX = "cbc-"
MAX_PARAM_LENGTH = 4096


@dataclass
class LoginRedirect:
    """Where to send the browser next, and what to store first."""

    auth_url: str
    cookies: list[str] = field(default_factory=list)
    storage: dict | None = None  # {target, origin, key, value} for the postMessage page


def storage_key(state: str) -> str:
    return f"cb_key_{state}"


def origin_of(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}"


def _param(request: ApiGatewayRequest, name: str, *, required: bool = False) -> str:
    value = request.get_param(name).strip()
    if required and not value:
        raise LoginRejected(name, f"the login request has no {name} parameter")
    if len(value) > MAX_PARAM_LENGTH:
        raise LoginRejected(name, f"the {name} parameter is too long")
    return value


def start_login(request: ApiGatewayRequest, store: LoginStateStore | None = None) -> LoginRedirect:
    issuer = _param(request, "iss", required=True)
    login_hint = _param(request, "login_hint", required=True)
    target_link_uri = _param(request, "target_link_uri", required=True)
    client_id = _param(request, "client_id")
    deployment_id = _param(request, "lti_deployment_id")
    message_hint = _param(request, "lti_message_hint")
    storage_target = _param(request, "lti_storage_target")

    registration = _registration(issuer, client_id, deployment_id)
    if not request.is_own_url(target_link_uri):
        raise LoginRejected("target_link_uri", "target_link_uri does not point at this tool")

    prefix = PLATFORM_STORAGE_PREFIX if storage_target else COOKIE_ONLY_PREFIX
    state = prefix + secrets.token_urlsafe(24)
    nonce = secrets.token_urlsafe(24)
    browser_key = secrets.token_urlsafe(24)
    (store or LoginStateStore()).save(
        LoginState(
            state=state,
            nonce=nonce,
            issuer=issuer,
            client_id=registration.client_id,
            browser_key_hash=key_hash(browser_key),
            storage_target=storage_target or None,
            expires_at=int(time.time()) + LOGIN_LIFETIME_SECONDS,
        )
    )
    cookies = ApiGatewayCookieService(request)
    cookies.set_cookie(STATE_COOKIE + state, browser_key, LOGIN_LIFETIME_SECONDS)

    auth_params = {
        "scope": "openid",
        "response_type": "id_token",
        "response_mode": "form_post",
        "prompt": "none",
        "client_id": registration.client_id,
        "redirect_uri": f"{request.base_url}/lti/launch",
        "login_hint": login_hint,
        "state": state,
        "nonce": nonce,
    }
    if message_hint:
        auth_params["lti_message_hint"] = message_hint
    auth_url = str(registration.auth_login_url)
    separator = "&" if urlsplit(auth_url).query else "?"
    redirect = LoginRedirect(f"{auth_url}{separator}{urlencode(auth_params)}", cookies.set_cookies)
    if storage_target:
        redirect.storage = {
            "target": storage_target,
            "origin": origin_of(auth_url),
            "key": storage_key(state),
            "value": browser_key,
        }
    return redirect


def _registration(issuer: str, client_id: str, deployment_id: str) -> PlatformRegistration:
    """The registration the login names; client_id may be left out when the issuer has one."""
    if not registrations_for(issuer):
        raise LoginRejected("iss", f"the platform {issuer!r} is not registered with this tool")
    registration = find_registration(issuer, client_id or None)
    if registration is None:
        if client_id:
            raise LoginRejected(
                "client_id", f"client_id {client_id!r} is not registered for {issuer!r}"
            )
        raise LoginRejected(
            "client_id", "this platform has several registrations: client_id is required"
        )
    if deployment_id and not registration.accepts_deployment(deployment_id):
        raise LoginRejected(
            "lti_deployment_id", f"deployment {deployment_id!r} is not registered for this platform"
        )
    return registration
