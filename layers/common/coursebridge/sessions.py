"""Browser sessions after a launch: signed, expiring, carried by cookie or header.

A session token is ``base64url(json) "." base64url(HMAC-SHA256)``; the key is the
SessionSecret from Secrets Manager, read once per container. It travels as the
``cb_session`` cookie (Secure; HttpOnly; SameSite=None; Partitioned, so it works in
an LMS iframe) and, for browsers that block third-party cookies, in the page, which
sends it back as ``Authorization: Bearer <token>``.

A session acts only where it was launched: ``class_id`` and, for an activity launch,
``unit_id`` (a Deep Linking launch has no unit: it may use its class's picker only).
What it may do there comes from the class membership (web/authz.py); ``read_only``
and ``mentee_subs`` record what the launch said and never widen it.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import threading
import time

from pydantic import Field, ValidationError

from coursebridge import aws
from coursebridge.model import Model
from coursebridge.settings import get_settings
from coursebridge.store.dynamo import new_id
from coursebridge.store.members import Role as Role  # a session acts in a membership's role

COOKIE_NAME = "cb_session"
DEFAULT_LIFETIME_SECONDS = 8 * 3600


class Session(Model):
    sid: str = Field(default_factory=lambda: new_id("ses"))
    account_id: str
    org_id: str
    issuer: str
    deployment_id: str
    client_id: str = ""
    registration_id: str = ""  # the platform registration that signed the launch
    sub: str | None = None
    name: str = ""
    email: str | None = None
    role: Role
    read_only: bool = False  # mentors
    mentee_subs: list[str] | None = None  # as launched; the roster uses the membership's
    class_id: str | None = None
    unit_id: str | None = None
    lms_notes: list[str] = Field(default_factory=list)  # launch/diagnostics.py codes
    lms_family: str | None = None  # the LMS's product family, for the notes' wording
    exp: int = Field(default_factory=lambda: int(time.time()) + DEFAULT_LIFETIME_SECONDS)

    @property
    def expired(self) -> bool:
        return self.exp <= int(time.time())

    def moved_to_unit(self, unit_id: str) -> Session:
        """A new session for another unit of the same class, when the tool itself takes
        the person there (a re-mapped activity): the scope moves, it never widens, and
        the expiry stays the launch's."""
        return self.model_copy(update={"sid": new_id("ses"), "unit_id": unit_id})


class _SecretCache:
    _value: bytes | None = None
    _lock = threading.Lock()

    @classmethod
    def get(cls) -> bytes:
        with cls._lock:
            if cls._value is None:
                secret = aws.client("secretsmanager").get_secret_value(
                    SecretId=get_settings().session_secret_arn
                )["SecretString"]
                cls._value = secret.encode()
            return cls._value

    @classmethod
    def forget(cls) -> None:
        with cls._lock:
            cls._value = None


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def encode_session(session: Session, secret: bytes | None = None) -> str:
    payload = _b64(json.dumps(session.model_dump(), separators=(",", ":")).encode())
    signature = hmac.new(secret or _SecretCache.get(), payload.encode(), hashlib.sha256).digest()
    return f"{payload}.{_b64(signature)}"


def decode_session(token: str, secret: bytes | None = None) -> Session | None:
    """The session in ``token``, or None if it is malformed, forged or expired."""
    try:
        payload, signature = token.split(".")
        expected = hmac.new(secret or _SecretCache.get(), payload.encode(), hashlib.sha256)
        if not hmac.compare_digest(_unb64(signature), expected.digest()):
            return None
        session = Session.model_validate_json(_unb64(payload))
    except (ValueError, ValidationError):
        return None
    return None if session.expired else session


def session_cookie(token: str, max_age: int = DEFAULT_LIFETIME_SECONDS) -> str:
    return (
        f"{COOKIE_NAME}={token}; Path=/; Max-Age={max_age}; Secure; HttpOnly; "
        "SameSite=None; Partitioned"
    )


def bearer_token(event: dict) -> str | None:
    """The ``Authorization: Bearer <token>`` of an API Gateway v2 request, if any."""
    auth = (event.get("headers") or {}).get("authorization", "")
    if auth[:7].lower() == "bearer ":
        return auth[7:].strip() or None
    return None


def token_from_event(event: dict, *, cookie: bool = True) -> str | None:
    """The session token of an API Gateway v2 request — the one place that reads it.

    Order: ``Authorization: Bearer`` (API calls from the page), a ``cb_session``
    query parameter (the page's links carry its token), then (unless ``cookie`` is
    False: a form post must not act on the cookie alone) the ``cb_session`` cookie.
    The token a page carries wins over the cookie: the cookie holds the browser's
    latest launch, and a page opened from another activity (another tab, another
    iframe) must keep acting in its own class and unit.
    """
    token = bearer_token(event)
    if token:
        return token
    query = event.get("queryStringParameters") or {}
    if query.get(COOKIE_NAME):
        return query[COOKIE_NAME]
    if not cookie:
        return None
    for cookie_text in event.get("cookies") or []:
        name, _, value = cookie_text.partition("=")
        if name.strip() == COOKIE_NAME and value:
            return value.strip()
    return None


def session_from_event(event: dict) -> Session | None:
    token = token_from_event(event)
    return decode_session(token) if token else None


# --- First-party sessions: a person signed in at /app/sign-in, outside any launch ---

SIGN_IN_COOKIE_NAME = "cb_signin"
SIGN_IN_LIFETIME_SECONDS = 12 * 3600
_SIGN_IN_DOMAIN = b"coursebridge sign-in session v1"


class SignedIn(Model):
    """The account itself, no class or unit: the sign-in pages and the Admin Portal.

    ``session_epoch`` is the account's at sign-in: a password change raises the
    account's, which ends every session signed before it (web/signed_in.py compares
    them on each request). ``must_change_password``: signed in with a first-login
    password; nothing but choosing a new one is open to it.
    """

    sid: str = Field(default_factory=lambda: new_id("sgn"))
    account_id: str
    session_epoch: int = 0
    must_change_password: bool = False
    exp: int = Field(default_factory=lambda: int(time.time()) + SIGN_IN_LIFETIME_SECONDS)

    @property
    def expired(self) -> bool:
        return self.exp <= int(time.time())


def _sign_in_key(secret: bytes | None) -> bytes:
    """Its own key, derived from the session secret: a launch session's token never
    passes for a signed-in one, nor the other way round."""
    return hmac.new(secret or _SecretCache.get(), _SIGN_IN_DOMAIN, hashlib.sha256).digest()


def encode_signed_in(signed_in: SignedIn, secret: bytes | None = None) -> str:
    payload = _b64(json.dumps(signed_in.model_dump(), separators=(",", ":")).encode())
    signature = hmac.new(_sign_in_key(secret), payload.encode(), hashlib.sha256).digest()
    return f"{payload}.{_b64(signature)}"


def decode_signed_in(token: str, secret: bytes | None = None) -> SignedIn | None:
    """The signed-in session in ``token``, or None if malformed, forged or expired."""
    try:
        payload, signature = token.split(".")
        expected = hmac.new(_sign_in_key(secret), payload.encode(), hashlib.sha256)
        if not hmac.compare_digest(_unb64(signature), expected.digest()):
            return None
        signed_in = SignedIn.model_validate_json(_unb64(payload))
    except (ValueError, ValidationError):
        return None
    return None if signed_in.expired else signed_in


def signed_in_cookie(token: str, max_age: int = SIGN_IN_LIFETIME_SECONDS) -> str:
    """First-party: SameSite=Lax (another site's form post never carries it), /app only."""
    return (
        f"{SIGN_IN_COOKIE_NAME}={token}; Path=/app; Max-Age={max_age}; Secure; HttpOnly; "
        "SameSite=Lax"
    )


def signed_out_cookie() -> str:
    return f"{SIGN_IN_COOKIE_NAME}=; Path=/app; Max-Age=0; Secure; HttpOnly; SameSite=Lax"


def signed_in_token(event: dict) -> str | None:
    """The ``cb_signin`` cookie of an API Gateway v2 request: only ever a cookie."""
    for cookie_text in event.get("cookies") or []:
        name, _, value = cookie_text.partition("=")
        if name.strip() == SIGN_IN_COOKIE_NAME and value:
            return value.strip()
    return None
