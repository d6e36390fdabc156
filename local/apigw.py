"""Translate HTTP requests to API Gateway HTTP API (payload format 2.0) events and back.

Follows the documented v2.0 shape: lower-cased headers with repeated values joined
by commas, cookies split out into ``cookies``, binary bodies base64-encoded, and on
the way back ``cookies`` turned into ``Set-Cookie`` headers and a plain string
response treated as a 200 JSON body, as API Gateway does.
"""

from __future__ import annotations

import base64
import json
import re
import time
import uuid
from dataclasses import dataclass
from urllib.parse import parse_qsl

_TEXT_TYPES = (
    "text/",
    "application/json",
    "application/x-www-form-urlencoded",
    "application/xml",
    "application/javascript",
)


@dataclass(frozen=True)
class Route:
    method: str  # "GET", "POST", … or "ANY"
    path: str  # "/api/{proxy+}"
    target: str  # function logical id

    @property
    def route_key(self) -> str:
        return f"{self.method} {self.path}"

    def _pattern(self) -> re.Pattern:
        regex = ""
        for part in re.split(r"(\{[^}]+\})", self.path):
            if part.startswith("{") and part.endswith("+}"):
                regex += f"(?P<{part[1:-2]}>.+)"
            elif part.startswith("{"):
                regex += f"(?P<{part[1:-1]}>[^/]+)"
            else:
                regex += re.escape(part)
        return re.compile(f"^{regex}$")

    def match(self, method: str, path: str) -> dict[str, str] | None:
        if self.method not in ("ANY", method):
            return None
        found = self._pattern().match(path)
        return found.groupdict() if found else None

    @property
    def specificity(self) -> tuple[int, int, int]:
        """API Gateway picks the most specific route: literal paths before variables,
        variables before greedy ones, exact methods before ANY."""
        greedy = "+}" in self.path
        variables = self.path.count("{")
        return (greedy, variables, self.method == "ANY")


def pick_route(routes: list[Route], method: str, path: str) -> tuple[Route, dict] | None:
    for route in sorted(routes, key=lambda r: (r.specificity, -len(r.path))):
        params = route.match(method, path)
        if params is not None:
            return route, params
    return None


def _is_text(content_type: str) -> bool:
    return any(content_type.startswith(t) for t in _TEXT_TYPES)


def build_event(
    *,
    method: str,
    raw_path: str,
    raw_query: str,
    headers: list[tuple[str, str]],
    body: bytes,
    route: Route,
    path_parameters: dict[str, str],
    source_ip: str = "127.0.0.1",
    domain_name: str = "127.0.0.1:3000",
) -> dict:
    """Build the API Gateway v2.0 event for one HTTP request."""
    merged: dict[str, str] = {}
    cookies: list[str] = []
    for name, value in headers:
        key = name.lower()
        if key == "cookie":
            cookies.extend(c.strip() for c in value.split(";") if c.strip())
            continue
        merged[key] = f"{merged[key]},{value}" if key in merged else value

    # API Gateway tells the function how the client connected; locally that is HTTP.
    merged.setdefault("x-forwarded-proto", "http")

    query: dict[str, str] = {}
    for key, value in parse_qsl(raw_query, keep_blank_values=True):
        query[key] = f"{query[key]},{value}" if key in query else value

    content_type = merged.get("content-type", "")
    is_base64 = bool(body) and not _is_text(content_type)
    now = time.time()
    event = {
        "version": "2.0",
        "routeKey": route.route_key,
        "rawPath": raw_path,
        "rawQueryString": raw_query,
        "headers": merged,
        "requestContext": {
            "accountId": "123456789012",
            "apiId": "local",
            "domainName": domain_name,
            "domainPrefix": domain_name.split(".")[0],
            "http": {
                "method": method,
                "path": raw_path,
                "protocol": "HTTP/1.1",
                "sourceIp": source_ip,
                "userAgent": merged.get("user-agent", ""),
            },
            "requestId": uuid.uuid4().hex,
            "routeKey": route.route_key,
            "stage": "$default",
            "time": time.strftime("%d/%b/%Y:%H:%M:%S +0000", time.gmtime(now)),
            "timeEpoch": int(now * 1000),
        },
        "isBase64Encoded": is_base64,
    }
    if cookies:
        event["cookies"] = cookies
    if query:
        event["queryStringParameters"] = query
    if path_parameters:
        event["pathParameters"] = path_parameters
    if body:
        event["body"] = base64.b64encode(body).decode() if is_base64 else body.decode("utf-8")
    return event


@dataclass
class HttpResponse:
    status: int
    headers: list[tuple[str, str]]
    body: bytes


def parse_result(result: object) -> HttpResponse:
    """Turn a handler's return value into an HTTP response, as API Gateway does."""
    if not isinstance(result, dict) or "statusCode" not in result:
        # Payload 2.0: anything without statusCode is a 200 JSON body.
        body = result if isinstance(result, str) else json.dumps(result)
        return HttpResponse(200, [("content-type", "application/json")], body.encode())
    headers: list[tuple[str, str]] = []
    for name, value in (result.get("headers") or {}).items():
        headers.append((name, str(value)))
    for name, values in (result.get("multiValueHeaders") or {}).items():
        headers.extend((name, str(v)) for v in values)
    headers.extend(("set-cookie", cookie) for cookie in result.get("cookies") or [])
    raw = result.get("body") or ""
    body = base64.b64decode(raw) if result.get("isBase64Encoded") else str(raw).encode()
    if not any(name.lower() == "content-type" for name, _ in headers) and body:
        headers.append(("content-type", "application/json"))
    return HttpResponse(int(result["statusCode"]), headers, body)
