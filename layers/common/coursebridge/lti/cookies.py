"""pylti1p3 ``CookieService`` that collects ``Set-Cookie`` values for API Gateway.

Every cookie is Secure; HttpOnly; SameSite=None; Partitioned (CHIPS), so it is sent
back inside the LMS iframe even where third-party cookies are blocked.
"""

from __future__ import annotations

from pylti1p3.cookie import CookieService

from coursebridge.lti.request import ApiGatewayRequest


class ApiGatewayCookieService(CookieService):
    _cookie_prefix = "cb"

    def __init__(self, request: ApiGatewayRequest) -> None:
        self.request = request
        self.set_cookies: list[str] = []

    def _name(self, name: str) -> str:
        return f"{self._cookie_prefix}_{name}"

    def get_cookie(self, name: str) -> str | None:
        return self.request.get_cookie(self._name(name))

    def set_cookie(self, name: str, value: str | int, exp: int | None = 3600) -> None:
        self.set_cookies.append(
            f"{self._name(name)}={value}; Path=/lti/; Max-Age={exp or 0}; Secure; HttpOnly; "
            "SameSite=None; Partitioned"
        )

    def delete_cookie(self, name: str) -> None:
        self.set_cookie(name, "", 0)

    def has_prefixed(self, prefix: str) -> bool:
        full = self._name(prefix)
        return any(name.startswith(full) for name in self.request.cookies)
