"""Response shapes for API Gateway HTTP API (payload 2.0), in one place.

Every page is rendered with autoescaping, so no user-supplied text can become markup,
and sent with a Content-Security-Policy that lets only its own inline scripts run
(web/csp.py).
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from functools import lru_cache
from typing import TYPE_CHECKING, Any

from coursebridge.web.csp import JSON_POLICY, SELF, page_policy

if TYPE_CHECKING:
    from jinja2 import Environment

SECURITY_HEADERS = {
    "x-content-type-options": "nosniff",
    "referrer-policy": "no-referrer",
    "cache-control": "no-store",
}


@lru_cache(maxsize=1)
def _templates() -> Environment:
    """Jinja2 and the template environment, loaded on the first render (not at import:
    the JSON API and redirects never need them)."""
    from jinja2 import Environment, PackageLoader, select_autoescape

    return Environment(
        loader=PackageLoader("coursebridge", "web/templates"),
        autoescape=select_autoescape(default=True, default_for_string=True),
    )


def render(template: str, **context: Any) -> str:
    return _templates().get_template(template).render(**context)


def html(
    status: int,
    body: str,
    *,
    cookies: list[str] | None = None,
    headers: dict[str, str] | None = None,
    frame_ancestors: Iterable[str] = (SELF,),
    form_targets: Iterable[str] = (),
    connect_targets: Iterable[str] = (),
) -> dict:
    """An HTML page. ``frame_ancestors``: who may frame it (our own origin unless the
    page is one the LMS shows); ``form_targets``: other origins its forms post to;
    ``connect_targets``: other origins its script sends requests to."""
    policy = page_policy(
        body,
        frame_ancestors=frame_ancestors,
        form_targets=form_targets,
        connect_targets=connect_targets,
    )
    response: dict[str, Any] = {
        "statusCode": status,
        "headers": {
            "content-type": "text/html; charset=utf-8",
            **SECURITY_HEADERS,
            "content-security-policy": policy,
            **(headers or {}),
        },
        "body": body,
    }
    if cookies:
        response["cookies"] = cookies
    return response


def error_page(
    status: int, title: str, message: str, *, frame_ancestors: Iterable[str] = (SELF,)
) -> dict:
    """A readable HTML error page: what failed, never a stack trace."""
    body = render("error.html", title=title, message=message, status=status)
    return html(status, body, frame_ancestors=frame_ancestors)


def json_response(status: int, payload: Any, *, headers: dict[str, str] | None = None) -> dict:
    return {
        "statusCode": status,
        "headers": {
            "content-type": "application/json",
            **SECURITY_HEADERS,
            "content-security-policy": JSON_POLICY,
            **(headers or {}),
        },
        "body": json.dumps(payload, default=str),
    }


def json_error(status: int, message: str) -> dict:
    return json_response(status, {"error": message})


def redirect(location: str, *, cookies: list[str] | None = None, status: int = 302) -> dict:
    response: dict[str, Any] = {
        "statusCode": status,
        "headers": {"location": location, **SECURITY_HEADERS},
    }
    if cookies:
        response["cookies"] = cookies
    return response
