"""Response shapes for API Gateway HTTP API (payload 2.0), in one place.

Every page is rendered with autoescaping, so no user-supplied text can become markup.
"""

from __future__ import annotations

import json
from typing import Any

from jinja2 import Environment, PackageLoader, select_autoescape

_templates = Environment(
    loader=PackageLoader("coursebridge", "web/templates"),
    autoescape=select_autoescape(default=True, default_for_string=True),
)

SECURITY_HEADERS = {
    "x-content-type-options": "nosniff",
    "referrer-policy": "no-referrer",
    "cache-control": "no-store",
}


def render(template: str, **context: Any) -> str:
    return _templates.get_template(template).render(**context)


def html(
    status: int,
    body: str,
    *,
    cookies: list[str] | None = None,
    headers: dict[str, str] | None = None,
) -> dict:
    response: dict[str, Any] = {
        "statusCode": status,
        "headers": {
            "content-type": "text/html; charset=utf-8",
            **SECURITY_HEADERS,
            **(headers or {}),
        },
        "body": body,
    }
    if cookies:
        response["cookies"] = cookies
    return response


def error_page(status: int, title: str, message: str) -> dict:
    """A readable HTML error page: what failed, never a stack trace."""
    return html(status, render("error.html", title=title, message=message, status=status))


def json_response(status: int, payload: Any, *, headers: dict[str, str] | None = None) -> dict:
    return {
        "statusCode": status,
        "headers": {"content-type": "application/json", **SECURITY_HEADERS, **(headers or {})},
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
