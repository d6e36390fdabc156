"""LTI Assignment and Grade Services 2.0 client: line items and scores.

Spec: 1EdTech LTI AGS 2.0 (Score publish service §3.4, line item service §3.2) and the
Security Framework 1.0 (client credentials + private_key_jwt, see ``ags_token``).

Every call goes through one platform gate (bounded concurrency per platform, shared
by all senders in the process, paused for everybody when the platform says
``Retry-After``), retries 429 and 5xx with exponential backoff and full jitter
(honouring ``Retry-After``), refreshes the token once on 401, and turns any other
4xx into a ``PermanentAgsError`` carrying the platform's own message.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

import requests

from coursebridge.lti.ags_messages import (
    LINE_ITEM_TAG,
    AgsError,
    PermanentAgsError,
    Score,
    TokenRefused,
    TransientAgsError,
    iso_timestamp,
    number,
    platform_message,
    scores_url,
    utc_from_epoch,
)
from coursebridge.lti.ags_pacing import (
    DEFAULT_CONCURRENCY,
    PlatformGate,
    RetryPolicy,
    default_retry_policy,
    parse_retry_after,
)
from coursebridge.lti.ags_token import (
    ASSERTION_TYPE,
    DEFAULT_EXPIRES_IN,
    AccessToken,
    AgsPlatform,
    DynamoTokenStore,
    TokenProvider,
    client_assertion_claims,
)
from coursebridge.outbound import (
    AGS_LIMITS,
    TOKEN_LIMITS,
    DeadlineExceeded,
    OutboundRefused,
    OutboundSession,
)

SCOPE_LINEITEM = "https://purl.imsglobal.org/spec/lti-ags/scope/lineitem"
SCOPE_LINEITEM_READONLY = "https://purl.imsglobal.org/spec/lti-ags/scope/lineitem.readonly"
SCOPE_RESULT_READONLY = "https://purl.imsglobal.org/spec/lti-ags/scope/result.readonly"
SCOPE_SCORE = "https://purl.imsglobal.org/spec/lti-ags/scope/score"
AGS_SCOPES = frozenset(
    {SCOPE_LINEITEM, SCOPE_LINEITEM_READONLY, SCOPE_RESULT_READONLY, SCOPE_SCORE}
)

SCORE_MEDIA_TYPE = "application/vnd.ims.lis.v1.score+json"
LINEITEM_MEDIA_TYPE = "application/vnd.ims.lis.v2.lineitem+json"
LINEITEM_CONTAINER_MEDIA_TYPE = "application/vnd.ims.lis.v2.lineitemcontainer+json"


@dataclass
class AgsClient:
    """Talks AGS to one platform as one tool registration (issuer + client_id)."""

    platform: AgsPlatform
    scopes: frozenset[str]
    sign_assertion: Callable[[dict[str, Any]], str]
    tokens: TokenProvider | None = None
    concurrency: int = DEFAULT_CONCURRENCY
    retry: RetryPolicy = field(default_factory=lambda: default_retry_policy())
    sleep: Callable[[float], None] = time.sleep
    deadline: float | None = None  # time.monotonic() after which no retry is started
    http: OutboundSession | None = None

    def __post_init__(self) -> None:
        self.http = self.http or OutboundSession(AGS_LIMITS, pool_size=self.concurrency)
        self.tokens = self.tokens or TokenProvider(DynamoTokenStore(), self.request_token)
        self.gate = PlatformGate.for_platform(self.platform.issuer, self.concurrency)
        self.token_requests = 0

    # ------------------------------------------------------------ OAuth 2.0
    def request_token(self, platform: AgsPlatform, scopes: frozenset[str]) -> AccessToken:
        """Client-credentials grant with a private_key_jwt assertion (RFC 7523 §2.2)."""
        assert self.http is not None
        form = {
            "grant_type": "client_credentials",
            "client_assertion_type": ASSERTION_TYPE,
            "client_assertion": self.sign_assertion(client_assertion_claims(platform)),
            "scope": " ".join(sorted(scopes)),
        }
        for attempt in range(self.retry.max_attempts):
            self.token_requests += 1
            try:
                response = self.http.request(
                    "POST",
                    platform.token_url,
                    data=form,
                    headers={"Accept": "application/json"},
                    limits=TOKEN_LIMITS,
                )
            except OutboundRefused as refused:
                _permanent_unless_deadline(refused)
                self._backoff(attempt, None, f"token request failed: {refused}")
                continue
            except requests.RequestException as error:
                self._backoff(attempt, None, f"token request failed: {error}")
                continue
            if response.status_code == 200:
                return self._parse_token(response, scopes)
            if response.status_code == 429 or response.status_code >= 500:
                self._backoff(
                    attempt,
                    parse_retry_after(response.headers.get("Retry-After")),
                    f"token request: {platform_message(response)}",
                )
                # a fresh assertion each try: platforms may refuse a reused jti
                form["client_assertion"] = self.sign_assertion(client_assertion_claims(platform))
                continue
            raise TokenRefused(
                f"the LMS refused the tool's token request ({platform_message(response)})",
                response.status_code,
            )
        raise TransientAgsError("the LMS token endpoint kept failing")

    @staticmethod
    def _parse_token(response: requests.Response, scopes: frozenset[str]) -> AccessToken:
        try:
            body = response.json()
            value = body["access_token"]
            token_type = str(body.get("token_type", "Bearer"))
        except (ValueError, KeyError, TypeError):
            raise TokenRefused("the LMS token response has no access_token", 200) from None
        if token_type.lower() != "bearer":
            raise TokenRefused(f"the LMS issued a {token_type} token, not Bearer", 200)
        expires_in = float(body.get("expires_in") or DEFAULT_EXPIRES_IN)
        granted = frozenset(str(body["scope"]).split()) if body.get("scope") else scopes
        return AccessToken(str(value), granted, time.time() + expires_in, scopes)

    def warm_up(self) -> None:
        """Get the access token now (from the cache or the platform), ahead of the calls."""
        assert self.tokens is not None
        self.tokens.get(self.platform, self.scopes)

    # ------------------------------------------------------------ AGS calls
    def post_score(self, lineitem_url: str, score: Score) -> None:
        self._call(
            "POST",
            scores_url(lineitem_url),
            frozenset({SCOPE_SCORE}),
            body=score.to_json(),
            content_type=SCORE_MEDIA_TYPE,
        )

    def line_items(self, lineitems_url: str, resource_link_id: str) -> list[dict[str, Any]]:
        """The container's line items of this resource link (filtered again here: a
        platform may ignore the query)."""
        response = self._call(
            "GET",
            lineitems_url,
            frozenset({self._read_scope}),
            params={"resource_link_id": resource_link_id},
            accept=LINEITEM_CONTAINER_MEDIA_TYPE,
        )
        try:
            items = response.json()
        except ValueError:
            raise PermanentAgsError("the LMS line items answer is not JSON") from None
        return [
            item
            for item in (items if isinstance(items, list) else [])
            if isinstance(item, dict)
            and item.get("id")
            and item.get("resourceLinkId", resource_link_id) == resource_link_id
        ]

    def find_line_item(
        self, lineitems_url: str, resource_link_id: str, resource_id: str | None = None
    ) -> str | None:
        """The line item this resource link owns, if the platform already has one: one
        the tool made for this unit (its ``resourceId`` or tag) first, else any other."""
        items = self.line_items(lineitems_url, resource_link_id)
        ours = [
            item
            for item in items
            if (resource_id and item.get("resourceId") == resource_id)
            or item.get("tag") == LINE_ITEM_TAG
        ]
        chosen = ours or items
        return str(chosen[0]["id"]) if chosen else None

    @property
    def _read_scope(self) -> str:
        return SCOPE_LINEITEM if SCOPE_LINEITEM in self.scopes else SCOPE_LINEITEM_READONLY

    def get_line_item(self, lineitem_url: str) -> dict[str, Any]:
        """One line item (its ``scoreMaximum``, ``label``…), for a new unit's maximum score."""
        response = self._call(
            "GET", lineitem_url, frozenset({self._read_scope}), accept=LINEITEM_MEDIA_TYPE
        )
        try:
            item = response.json()
        except ValueError:
            raise PermanentAgsError("the LMS line item answer is not JSON") from None
        if not isinstance(item, dict):
            raise PermanentAgsError("the LMS line item answer is not an object")
        return item

    def line_item_exists(self, lineitem_url: str) -> bool:
        """False when the platform answers 404/410 for the line item (deleted in the LMS)."""
        try:
            self.get_line_item(lineitem_url)
        except PermanentAgsError as error:
            if error.status in (404, 410):
                return False
            raise
        return True

    def create_line_item(
        self,
        lineitems_url: str,
        *,
        label: str,
        score_maximum: Decimal,
        resource_link_id: str,
        resource_id: str | None = None,
    ) -> str:
        body: dict[str, Any] = {
            "scoreMaximum": number(score_maximum),
            "label": label,
            "resourceLinkId": resource_link_id,
            "tag": LINE_ITEM_TAG,
        }
        if resource_id:
            body["resourceId"] = resource_id
        response = self._call(
            "POST",
            lineitems_url,
            frozenset({SCOPE_LINEITEM}),
            body=body,
            content_type=LINEITEM_MEDIA_TYPE,
            accept=LINEITEM_MEDIA_TYPE,
        )
        try:
            return str(response.json()["id"])
        except (ValueError, KeyError, TypeError):
            raise PermanentAgsError("the LMS created a line item without an id") from None

    def delete_line_item(self, lineitem_url: str) -> None:
        self._call("DELETE", lineitem_url, frozenset({SCOPE_LINEITEM}))

    # ------------------------------------------------------------ transport
    def _call(
        self,
        method: str,
        url: str,
        scopes: frozenset[str],
        *,
        body: dict[str, Any] | None = None,
        params: dict[str, str] | None = None,
        content_type: str | None = None,
        accept: str | None = None,
    ) -> requests.Response:
        if not scopes <= self.scopes:
            missing = ", ".join(sorted(scopes - self.scopes))
            raise TokenRefused(f"the LMS did not grant the scope {missing}")
        rejected: str | None = None
        refreshed = False
        data = json.dumps(body).encode() if body is not None else None
        for attempt in range(self.retry.max_attempts):
            token = self._token(scopes, rejected)
            headers = _headers(token.value, content_type, accept)
            response = self._send(attempt, method, url, data, params, headers)
            if response is None:
                continue
            status = response.status_code
            if status < 300:
                return response
            if status == 401 and not refreshed:
                rejected, refreshed = token.value, True  # the token was revoked: one refresh
                continue
            if status == 429 or status >= 500:
                self._retry_later(attempt, response)
                continue
            raise PermanentAgsError(platform_message(response), status)
        raise TransientAgsError("the LMS kept failing; the last try was not accepted")

    def _token(self, scopes: frozenset[str], rejected: str | None) -> AccessToken:
        """A token for this client's scopes (not ``rejected``) that covers ``scopes``."""
        assert self.tokens is not None
        token = self.tokens.get(self.platform, self.scopes, rejected)
        if not scopes <= token.scopes:
            refused = ", ".join(sorted(scopes - token.scopes))
            raise TokenRefused(f"the LMS did not grant the tool the scope {refused}")
        return token

    def _send(
        self,
        attempt: int,
        method: str,
        url: str,
        data: bytes | None,
        params: dict[str, str] | None,
        headers: dict[str, str],
    ) -> requests.Response | None:
        """One request through the pacing gate; None (after the back-off) when nothing answered."""
        assert self.http is not None
        self.gate.wait_for_pause(self.sleep)
        try:
            with self.gate:
                return self.http.request(method, url, data=data, params=params, headers=headers)
        except OutboundRefused as refused:
            _permanent_unless_deadline(refused)
            self._backoff(attempt, None, f"no answer from the LMS: {refused}")
        except requests.RequestException as error:
            self._backoff(attempt, None, f"no answer from the LMS: {error}")
        return None

    def _retry_later(self, attempt: int, response: requests.Response) -> None:
        """A 429 or 5xx: honour Retry-After (pausing every sender of this LMS), then back off."""
        retry_after = parse_retry_after(response.headers.get("Retry-After"))
        if retry_after:
            self.gate.pause(min(retry_after, self.retry.max_retry_after))
        self._backoff(attempt, retry_after, platform_message(response))

    def _backoff(self, attempt: int, retry_after: float | None, reason: str) -> None:
        if attempt + 1 >= self.retry.max_attempts:
            raise TransientAgsError(reason)
        delay = self.retry.delay(attempt, retry_after)
        if self.deadline is not None and time.monotonic() + delay > self.deadline:
            raise TransientAgsError(f"{reason} (out of time for this attempt)")
        self.sleep(delay)


def _headers(token: str, content_type: str | None, accept: str | None) -> dict[str, str]:
    headers = {"Authorization": f"Bearer {token}"}
    if content_type:
        headers["Content-Type"] = content_type
    if accept:
        headers["Accept"] = accept
    return headers


def _permanent_unless_deadline(refused: OutboundRefused) -> None:
    """A URL the policy refuses, a redirect or an oversized answer will not change on
    retry; only a missed deadline is worth another try."""
    if not isinstance(refused, DeadlineExceeded):
        raise PermanentAgsError(str(refused)) from None


__all__ = [
    "AGS_SCOPES",
    "DEFAULT_CONCURRENCY",
    "LINE_ITEM_TAG",
    "SCOPE_LINEITEM",
    "SCOPE_LINEITEM_READONLY",
    "SCOPE_RESULT_READONLY",
    "SCOPE_SCORE",
    "AgsClient",
    "AgsError",
    "PermanentAgsError",
    "PlatformGate",
    "RetryPolicy",
    "Score",
    "TokenRefused",
    "TransientAgsError",
    "iso_timestamp",
    "parse_retry_after",
    "platform_message",
    "scores_url",
    "utc_from_epoch",
]
