"""Test a registration's LMS connection: a token request, then a line-items read.

``coursebridge platform check --issuer … --client-id … [--lineitems URL]`` (cli/check.py).
Each failure
is named the way an admin can act on it:

- **clock skew**: the LMS's clock and this machine's differ (the LMS's ``Date`` header is
  more than a minute off, or it says the assertion expired or is not valid yet);
- **wrong token URL**: nothing usable answers there (no connection, 404/405, a redirect,
  an answer that is not an OAuth token response);
- **tool key not registered in the LMS**: the LMS cannot verify the tool's signed
  assertion (``invalid_client``, an unknown key id, a bad signature): give the LMS the
  tool's JWKS URL or its current key;
- **missing scope**: the LMS refuses the AGS scopes (``invalid_scope``), grants too few
  of them (score and line items), or the line-items read is refused for its scope.

Requests go through the outbound policy like every call to an LMS (https, public
addresses, no redirects, deadlines).
"""

from __future__ import annotations

import email.utils
import re
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import requests

from coursebridge.lti.ags import (
    AGS_SCOPES,
    LINEITEM_CONTAINER_MEDIA_TYPE,
    SCOPE_LINEITEM,
    SCOPE_LINEITEM_READONLY,
    SCOPE_SCORE,
)
from coursebridge.lti.ags_messages import platform_message
from coursebridge.lti.ags_token import ASSERTION_TYPE, AgsPlatform, client_assertion_claims
from coursebridge.outbound import AGS_LIMITS, TOKEN_LIMITS, OutboundRefused, OutboundSession
from coursebridge.store.platforms import PlatformRegistration

MAX_SKEW_SECONDS = 60
CLOCK_SKEW = "clock skew"
WRONG_TOKEN_URL = "wrong token URL"  # noqa: S105 - a failure name
KEY_NOT_REGISTERED = "tool key not registered in the LMS"
MISSING_SCOPE = "missing scope"
_CLOCK_WORDS = re.compile(r"\b(exp|iat|nbf)\b|expired|not yet valid|clock|in the future", re.I)
_KEY_WORDS = re.compile(r"invalid_client|\bkid\b|\bkey\b|jwks?\b|signature|unknown client", re.I)


@dataclass(frozen=True)
class Step:
    name: str  # "token" or "line items"
    ok: bool
    detail: str
    problem: str | None = None  # one of the named failures, or None

    def line(self) -> str:
        verdict = "ok" if self.ok else f"FAILED: {self.problem or 'refused'}"
        return f"{self.name}: {verdict} — {self.detail}"


@dataclass
class _Token:
    value: str
    scopes: frozenset[str]


def check_connection(
    registration: PlatformRegistration,
    sign: Callable[[dict[str, Any]], str],
    *,
    lineitems: str | None = None,
    http: OutboundSession | None = None,
    clock: Callable[[], float] = time.time,
) -> list[Step]:
    """The token step, then (with a token and a line items URL: a launch's AGS
    ``lineitems``) the line-items read."""
    http = http or OutboundSession(AGS_LIMITS, pool_size=1)
    platform = AgsPlatform.of(registration)
    step, token = _token_step(platform, sign, http, clock)
    if token is not None and step.ok and lineitems:
        return [step, _line_items_step(lineitems, token, http)]
    return [step]


def _token_step(
    platform: AgsPlatform,
    sign: Callable[[dict[str, Any]], str],
    http: OutboundSession,
    clock: Callable[[], float],
) -> tuple[Step, _Token | None]:
    form = {
        "grant_type": "client_credentials",
        "client_assertion_type": ASSERTION_TYPE,
        "client_assertion": sign(client_assertion_claims(platform, now=int(clock()))),
        "scope": " ".join(sorted(AGS_SCOPES)),
    }
    url = platform.token_url
    try:
        response = http.request(
            "POST", url, data=form, headers={"Accept": "application/json"}, limits=TOKEN_LIMITS
        )
    except (OutboundRefused, requests.RequestException) as error:
        return Step("token", False, f"{url}: {error}", WRONG_TOKEN_URL), None
    skew = _skew(response, clock)
    if response.status_code != 200:
        return _refused(url, response, skew), None
    return _granted(url, response, skew)


def _skew(response: requests.Response, clock: Callable[[], float]) -> float | None:
    """How far the LMS's clock (its Date header) is ahead of ours, in seconds."""
    try:
        moment = email.utils.parsedate_to_datetime(response.headers.get("Date", ""))
    except (TypeError, ValueError):
        return None
    return moment.timestamp() - clock()


def _refused(url: str, response: requests.Response, skew: float | None) -> Step:
    said = platform_message(response)
    if response.status_code in (404, 405) or not _is_json(response):
        return Step(
            "token", False, f"{url} is not the LMS's token endpoint ({said})", WRONG_TOKEN_URL
        )
    if skew is not None and abs(skew) > MAX_SKEW_SECONDS:
        return Step("token", False, f"{_skew_text(skew)}; the LMS said {said}", CLOCK_SKEW)
    if _CLOCK_WORDS.search(said):
        return Step("token", False, f"the LMS finds the assertion's time wrong: {said}", CLOCK_SKEW)
    if "invalid_scope" in said or "scope" in said.lower():
        return Step("token", False, f"the LMS refuses the AGS scopes: {said}", MISSING_SCOPE)
    if _KEY_WORDS.search(said):
        hint = "register the tool's JWKS URL (or its current key) with the LMS"
        return Step("token", False, f"{hint}: {said}", KEY_NOT_REGISTERED)
    return Step("token", False, f"the LMS refused the token request: {said}")


def _granted(
    url: str, response: requests.Response, skew: float | None
) -> tuple[Step, _Token | None]:
    try:
        body = response.json()
        value = str(body["access_token"])
    except (ValueError, KeyError, TypeError):
        return Step(
            "token", False, f"{url} answered 200 without an access_token", WRONG_TOKEN_URL
        ), None
    granted = frozenset(str(body.get("scope") or " ".join(AGS_SCOPES)).split())
    missing = _missing(granted)
    if missing:
        detail = f"the LMS granted {', '.join(sorted(_short(s) for s in granted)) or 'nothing'}"
        return Step("token", False, f"{detail}; the tool needs {missing}", MISSING_SCOPE), None
    note = f" ({_skew_text(skew)})" if skew is not None and abs(skew) > MAX_SKEW_SECONDS else ""
    scopes = ", ".join(sorted(_short(s) for s in granted))
    return Step("token", True, f"{url} granted {scopes}{note}"), _Token(value, granted)


def _missing(granted: frozenset[str]) -> str:
    needs = []
    if SCOPE_SCORE not in granted:
        needs.append("score")
    if not {SCOPE_LINEITEM, SCOPE_LINEITEM_READONLY} & granted:
        needs.append("lineitem or lineitem.readonly")
    return " and ".join(needs)


def _line_items_step(lineitems: str, token: _Token, http: OutboundSession) -> Step:
    headers = {"Authorization": f"Bearer {token.value}", "Accept": LINEITEM_CONTAINER_MEDIA_TYPE}
    try:
        response = http.request("GET", lineitems, headers=headers)
    except (OutboundRefused, requests.RequestException) as error:
        return Step("line items", False, f"{lineitems}: {error}")
    said = platform_message(response)
    if response.status_code == 200 and _is_json(response):
        items = response.json()
        count = len(items) if isinstance(items, list) else 0
        return Step("line items", True, f"{lineitems}: {count} line item(s)")
    if response.status_code == 403 or "scope" in said.lower():
        return Step(
            "line items", False, f"the token may not read line items: {said}", MISSING_SCOPE
        )
    return Step("line items", False, f"{lineitems}: {said}")


def _is_json(response: requests.Response) -> bool:
    try:
        response.json()
    except ValueError:
        return False
    return True


def _short(scope: str) -> str:
    return scope.rsplit("/", 1)[-1]


def _skew_text(skew: float) -> str:
    side = "ahead of" if skew > 0 else "behind"
    return f"the LMS's clock is {abs(skew):.0f} s {side} this machine's"
