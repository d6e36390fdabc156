"""The demo LMS's side of LTI Advantage grading: OAuth 2.0 token endpoint, AGS line items
and scores, a gradebook page, and fault injection.

Written as an independent platform would receive a tool's calls (AGS 2.0, Security
Framework 1.0): the client assertion is verified against the tool's JWKS (RS256, kid,
iss = sub = client_id, aud = this token URL, exp, jti single-use); bearer tokens are
checked for expiry and scope; scores for content type and every field.

``AgsService.handle(method, path, headers, body)`` is transport-free; the demo LMS server
dispatches ``/token``, ``/ags/*`` and ``/gradebook*`` to it, and ``ags_server.serve()``
runs it alone on a ``ThreadingHTTPServer`` for tests and benchmarks. What a valid Score
is lives in ``ags_scores``.
"""

from __future__ import annotations

import json
import secrets
import threading
import time
import urllib.request
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from urllib.parse import parse_qs, urlsplit

import jwt

from local.demo_lms.ags_faults import Faults, Reply, error_reply, json_reply, refusal
from local.demo_lms.ags_scores import score_problem
from local.demo_lms.gradebook_page import gradebook

__all__ = ["AgsService", "Faults"]

SCOPE_PREFIX = "https://purl.imsglobal.org/spec/lti-ags/scope/"
SCOPE_LINEITEM = SCOPE_PREFIX + "lineitem"
SCOPE_LINEITEM_READONLY = SCOPE_PREFIX + "lineitem.readonly"
SCOPE_RESULT_READONLY = SCOPE_PREFIX + "result.readonly"
SCOPE_SCORE = SCOPE_PREFIX + "score"
SUPPORTED_SCOPES = {SCOPE_LINEITEM, SCOPE_LINEITEM_READONLY, SCOPE_RESULT_READONLY, SCOPE_SCORE}
ASSERTION_TYPE = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"
SCORE_TYPE = "application/vnd.ims.lis.v1.score+json"
LINEITEM_TYPE = "application/vnd.ims.lis.v2.lineitem+json"
CONTAINER_TYPE = "application/vnd.ims.lis.v2.lineitemcontainer+json"


@dataclass
class IssuedToken:
    client_id: str
    scopes: set[str]
    expires_at: float


def _media_type(headers: dict[str, str], name: str) -> str:
    return headers.get(name, "").split(";")[0].strip().lower()


class AgsService:
    def __init__(
        self,
        tool_jwks_url: str,
        *,
        client_ids: set[str] | None = None,
        base_url: str | None = None,
        token_lifetime: int = 3600,
        faults: Faults | None = None,
        lms: str = "generic",
    ) -> None:
        self.tool_jwks_url = tool_jwks_url
        self.lms = lms  # whose URLs and wording it plays: canvas, moodle, blackboard, d2l
        self.client_ids = client_ids  # None: any client the JWKS can verify
        self.base_url = base_url
        self.token_lifetime = token_lifetime
        self.faults = faults or Faults()
        self.grantable = set(SUPPORTED_SCOPES)  # narrow it to play a stingy platform
        self.tokens: dict[str, IssuedToken] = {}
        self.token_requests = 0
        self.line_items: dict[str, dict[str, dict[str, Any]]] = {}  # context → id → item
        self.scores: list[dict[str, Any]] = []  # every accepted score, in order
        self.results: dict[tuple[str, str, str], dict[str, Any]] = {}  # latest per user
        self.rejected: list[dict[str, Any]] = []
        self._jwks: dict[str, Any] = {}
        self._used_jti: set[str] = set()
        self._next_id = 0
        self._lock = threading.Lock()

    # ------------------------------------------------------------ dispatch
    def handle(self, method: str, path: str, headers: dict[str, str], body: bytes) -> Reply:
        headers = {k.lower(): v for k, v in headers.items()}
        parts = urlsplit(path)
        segments = [s for s in parts.path.split("/") if s]
        query = {k: v[0] for k, v in parse_qs(parts.query).items()}
        base = self.base_url or f"http://{headers.get('host', '127.0.0.1')}"
        if segments == ["token"] and method == "POST":
            return self._delay(self.token(body, f"{base}/token"))
        if segments[:1] == ["gradebook"]:
            return gradebook(self, method, segments[1:], body)
        if segments[:1] == ["ags"] and len(segments) >= 3 and segments[2] == "lineitems":
            fault = self.faults.call_fault(self._lock)
            if fault:
                return self._delay(fault)
            return self._delay(
                self._ags(method, segments[1], segments[3:], query, headers, body, base)
            )
        return error_reply(404, "not_found", f"no route {method} {parts.path}")

    def _delay(self, reply: Reply) -> Reply:
        if self.faults.latency_ms:
            time.sleep(self.faults.latency_ms / 1000)
        return reply

    # ------------------------------------------------------------ OAuth 2.0
    def token(self, body: bytes, audience: str) -> Reply:
        with self._lock:
            self.token_requests += 1
        form = {k: v[0] for k, v in parse_qs(body.decode(errors="replace")).items()}
        if form.get("grant_type") != "client_credentials":
            return error_reply(
                400, "unsupported_grant_type", "grant_type must be client_credentials"
            )
        if form.get("client_assertion_type") != ASSERTION_TYPE:
            return error_reply(
                400, "invalid_request", f"client_assertion_type must be {ASSERTION_TYPE}"
            )
        try:
            claims = self._verify_assertion(form.get("client_assertion", ""), audience)
        except (jwt.PyJWTError, ValueError, KeyError) as error:
            return error_reply(401, "invalid_client", f"client assertion rejected: {error}")
        requested = set(form.get("scope", "").split())
        granted = requested & self.grantable
        if self.faults.grant_scopes is not None:
            granted &= set(self.faults.grant_scopes)
        if not granted:
            return error_reply(400, "invalid_scope", "no supported AGS scope requested")
        value = secrets.token_urlsafe(32)
        with self._lock:
            self.tokens[value] = IssuedToken(
                claims["iss"], granted, time.time() + self.token_lifetime
            )
        return json_reply(
            200,
            {
                "access_token": value,
                "token_type": "Bearer",
                "expires_in": self.token_lifetime,
                "scope": " ".join(sorted(granted)),
            },
        )

    def _verify_assertion(self, assertion: str, audience: str) -> dict[str, Any]:
        header = jwt.get_unverified_header(assertion)
        if header.get("alg") != "RS256" or not header.get("kid"):
            raise ValueError("the assertion must be RS256 with a kid")
        key = self._tool_key(header["kid"])
        claims = jwt.decode(
            assertion,
            key,
            algorithms=["RS256"],
            audience=audience,
            options={
                "require": ["iss", "sub", "aud", "exp", "iat", "jti"],
                "verify_exp": False,
                "verify_iat": False,
                "verify_nbf": False,
            },
        )
        self._check_times(claims)
        if claims["iss"] != claims["sub"]:
            raise ValueError("iss and sub must both be the client_id")
        if self.client_ids is not None and claims["iss"] not in self.client_ids:
            raise ValueError(f"unknown client_id {claims['iss']}")
        with self._lock:
            if claims["jti"] in self._used_jti:
                raise ValueError("jti already used")
            self._used_jti.add(claims["jti"])
        return claims

    def _check_times(self, claims: dict[str, Any], leeway: int = 30) -> None:
        """exp/iat on the platform's own clock (``clock_offset_seconds`` puts it off)."""
        now = time.time() + self.faults.clock_offset_seconds
        if float(claims["exp"]) < now - leeway:
            raise ValueError("the assertion has expired (exp)")
        if float(claims["iat"]) > now + leeway:
            raise ValueError("the assertion is not yet valid (iat is in the future)")

    def _tool_key(self, kid: str) -> Any:
        if self.faults.forget_tool_key:
            raise ValueError(f"kid {kid} is not a key registered for this tool")
        if kid not in self._jwks:  # unknown kid: fetch the tool's JWKS again (rotation)
            with urllib.request.urlopen(self.tool_jwks_url, timeout=10) as response:  # noqa: S310
                keys = json.load(response)["keys"]
            self._jwks = {k["kid"]: jwt.PyJWK(k).key for k in keys if "kid" in k}
        if kid not in self._jwks:
            raise ValueError(f"kid {kid} is not in the tool's JWKS")
        return self._jwks[kid]

    def _bearer(self, headers: dict[str, str], scopes: set[str]) -> IssuedToken | Reply:
        auth = headers.get("authorization", "")
        token = self.tokens.get(auth[7:].strip()) if auth.lower().startswith("bearer ") else None
        if token is None or token.expires_at <= time.time():
            return error_reply(
                401,
                "invalid_token",
                "missing, unknown or expired bearer token",
                **{"WWW-Authenticate": 'Bearer error="invalid_token"'},
            )
        if not token.scopes & scopes:
            return error_reply(403, "insufficient_scope", f"needs one of {sorted(scopes)}")
        return token

    # ------------------------------------------------------------ AGS
    def lineitems_url(self, base_url: str, context_id: str) -> str:
        """Moodle's AGS URLs carry the tool type in a query string."""
        return f"{base_url}/ags/{context_id}/lineitems{self._query}"

    @property
    def _query(self) -> str:
        return "?type_id=1" if self.lms == "moodle" else ""

    def _item_url(self, base: str, context_id: str, item_id: str) -> str:
        path = f"{base}/ags/{context_id}/lineitems/{item_id}"
        return f"{path}/lineitem?type_id=1" if self.lms == "moodle" else path

    def delete_line_item(self, url: str) -> None:
        """What a teacher deleting the gradebook column does."""
        with self._lock:
            for items in self.line_items.values():
                for item_id, item in list(items.items()):
                    if item["id"] == url:
                        del items[item_id]

    def ensure_line_item(
        self, base_url: str, context_id: str, resource_link_id: str, label: str, maximum: float
    ) -> str:
        """The line item the platform creates for a graded resource link (coupled)."""
        with self._lock:
            for item in self.line_items.get(context_id, {}).values():
                if item.get("resourceLinkId") == resource_link_id:
                    return item["id"]
        return self._create(
            base_url,
            context_id,
            {"label": label, "scoreMaximum": maximum, "resourceLinkId": resource_link_id},
        )["id"]

    def _create(self, base: str, context_id: str, data: dict[str, Any]) -> dict[str, Any]:
        with self._lock:
            self._next_id += 1
            item_id = str(self._next_id)
            item = {"id": self._item_url(base, context_id, item_id), **data}
            self.line_items.setdefault(context_id, {})[item_id] = item
            return item

    def _ags(
        self,
        method: str,
        context_id: str,
        rest: list[str],
        query: dict[str, str],
        headers: dict[str, str],
        body: bytes,
        base: str,
    ) -> Reply:
        if self.lms == "moodle" and query.get("type_id") != "1":
            return error_reply(400, "invalid_request", "No tool type given (type_id)")
        if not rest:
            return self._container(method, context_id, query, headers, body, base)
        item_id, tail = rest[0], rest[1:]
        if self.lms == "moodle":
            if tail[:1] != ["lineitem"]:
                return error_reply(404, "not_found", "not a Moodle line item URL")
            tail = tail[1:]
        if tail == ["scores"] and method == "POST":
            return self._score(context_id, item_id, headers, body)
        if tail or method not in ("GET", "DELETE"):
            return error_reply(405, "method_not_allowed", f"{method} is not supported here")
        scopes = (
            {SCOPE_LINEITEM} if method == "DELETE" else {SCOPE_LINEITEM, SCOPE_LINEITEM_READONLY}
        )
        token = self._bearer(headers, scopes)
        if not isinstance(token, IssuedToken):
            return token
        with self._lock:
            items = self.line_items.get(context_id, {})
            item = items.pop(item_id, None) if method == "DELETE" else items.get(item_id)
        if item is None:
            return error_reply(404, "not_found", "no such line item")
        return (204, {}, b"") if method == "DELETE" else json_reply(200, item, LINEITEM_TYPE)

    def _container(
        self,
        method: str,
        context_id: str,
        query: dict[str, str],
        headers: dict[str, str],
        body: bytes,
        base: str,
    ) -> Reply:
        items = self.line_items.get(context_id, {})
        if method == "GET":
            token = self._bearer(headers, {SCOPE_LINEITEM, SCOPE_LINEITEM_READONLY})
            if not isinstance(token, IssuedToken):
                return token
            found = [
                i
                for i in list(items.values())
                if all(
                    str(i.get(key, "")) == query[param]
                    for param, key in (
                        ("resource_link_id", "resourceLinkId"),
                        ("resource_id", "resourceId"),
                        ("tag", "tag"),
                    )
                    if param in query
                )
            ]
            return json_reply(200, found, CONTAINER_TYPE)
        if method != "POST":
            return error_reply(405, "method_not_allowed", f"{method} is not supported here")
        token = self._bearer(headers, {SCOPE_LINEITEM})
        if not isinstance(token, IssuedToken):
            return token
        if _media_type(headers, "content-type") != LINEITEM_TYPE:
            return error_reply(
                415, "unsupported_media_type", f"Content-Type must be {LINEITEM_TYPE}"
            )
        data = self._json_body(body)
        if data is None or not str(data.get("label", "")).strip():
            return error_reply(400, "invalid_request", "a line item needs a label")
        maximum = data.get("scoreMaximum")
        if not isinstance(maximum, int | float) or isinstance(maximum, bool) or maximum <= 0:
            return error_reply(400, "invalid_request", "scoreMaximum must be a number > 0")
        fields = ("label", "scoreMaximum", "resourceLinkId", "resourceId", "tag")
        return json_reply(
            201,
            self._create(base, context_id, {k: data[k] for k in fields if k in data}),
            LINEITEM_TYPE,
        )

    @staticmethod
    def _json_body(body: bytes) -> dict[str, Any] | None:
        try:
            data = json.loads(body)
        except ValueError:
            return None
        return data if isinstance(data, dict) else None

    def _score(self, context_id: str, item_id: str, headers: dict[str, str], body: bytes) -> Reply:
        token = self._bearer(headers, {SCOPE_SCORE})
        if not isinstance(token, IssuedToken):
            return token
        if item_id not in self.line_items.get(context_id, {}):
            return error_reply(404, "not_found", "no such line item")
        if _media_type(headers, "content-type") != SCORE_TYPE:
            return error_reply(415, "unsupported_media_type", f"Content-Type must be {SCORE_TYPE}")
        data = self._json_body(body)
        problem = "the body must be a JSON object" if data is None else score_problem(data)
        if problem:
            self.rejected.append({"reason": problem, "body": body.decode(errors="replace")})
            return error_reply(400, "invalid_score", problem)
        assert data is not None
        refused = self.faults.score_refusal(self.lms, data["userId"], data["timestamp"])
        if refused:
            self.rejected.append({"reason": refused[2].decode(), "userId": data["userId"]})
            return refused
        key = (context_id, item_id, data["userId"])
        stamp = datetime.fromisoformat(data["timestamp"])
        with self._lock:
            last = self.results.get(key)
            if last and datetime.fromisoformat(last["timestamp"]) > stamp:
                return refusal(self.lms, "stale", data["userId"], data["timestamp"])
            record = {
                **data,
                "contextId": context_id,
                "lineItemId": item_id,
                "clientId": token.client_id,
                "receivedAt": time.time(),
            }
            self.scores.append(record)
            self.results[key] = record
        return 204, {}, b""
