"""pylti1p3 ``Request`` for API Gateway HTTP API (payload 2.0) events.

Parameters come from the query string and, for POSTs, the urlencoded body (base64
when API Gateway says so); cookies come from ``event["cookies"]``. Behind API
Gateway the request is always HTTPS.
"""

from __future__ import annotations

import base64
from urllib.parse import parse_qsl, urlsplit

from pylti1p3.request import Request

MAX_BODY_BYTES = 64 * 1024  # an id_token form post is a few KB
MAX_TOKEN_LENGTH = 32 * 1024  # the longest id_token read at all (lti/id_token.py)


class ApiGatewayRequest(Request):
    def __init__(self, event: dict) -> None:
        self.event = event
        self.method = event.get("requestContext", {}).get("http", {}).get("method", "GET")
        self.headers = {k.lower(): v for k, v in (event.get("headers") or {}).items()}
        self.params: dict[str, str] = dict(event.get("queryStringParameters") or {})
        self.params.update(self._form())
        self.cookies: dict[str, str] = {}
        for cookie in event.get("cookies") or []:
            name, _, value = cookie.partition("=")
            self.cookies.setdefault(name.strip(), value.strip())

    def _form(self) -> dict[str, str]:
        raw = self.event.get("body")
        if not raw or not self.headers.get("content-type", "").startswith(
            "application/x-www-form-urlencoded"
        ):
            return {}
        data = base64.b64decode(raw) if self.event.get("isBase64Encoded") else raw.encode()
        if len(data) > MAX_BODY_BYTES:
            return {}
        return dict(parse_qsl(data.decode("utf-8", "replace"), keep_blank_values=True))

    @property
    def session(self) -> None:  # pylti1p3 interface; we keep no server-side web session
        return None

    def is_secure(self) -> bool:
        return True

    def get_param(self, key: str) -> str:
        return self.params.get(key, "")

    def get_cookie(self, name: str) -> str | None:
        return self.cookies.get(name)

    @property
    def host(self) -> str:
        return self.headers.get("host") or self.event.get("requestContext", {}).get(
            "domainName", ""
        )

    @property
    def base_url(self) -> str:
        """Our own origin as the browser sees it (API Gateway adds X-Forwarded-Proto)."""
        scheme = self.headers.get("x-forwarded-proto", "https").split(",")[0].strip()
        return f"{scheme}://{self.host}"

    def is_own_url(self, url: str) -> bool:
        """True when ``url`` points at this tool (same host as the request)."""
        try:
            parts = urlsplit(url)
        except ValueError:
            return False
        return parts.scheme in ("https", "http") and parts.netloc.lower() == self.host.lower()
