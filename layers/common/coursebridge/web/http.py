"""Powertools ``Response`` objects built from responses.py's shapes, and request parsing."""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import parse_qsl, urlencode

from aws_lambda_powertools.event_handler import Response
from aws_lambda_powertools.utilities.data_classes.common import BaseProxyEvent

from coursebridge.web import responses
from coursebridge.web.errors import BadRequest

MAX_BODY_BYTES = 64 * 1024


def as_response(shape: dict[str, Any]) -> Response:
    headers = dict(shape.get("headers") or {})
    content_type = headers.pop("content-type", None)
    return Response(
        status_code=shape["statusCode"],
        content_type=content_type,
        body=shape.get("body", ""),
        headers=headers,
        cookies=shape.get("cookies"),
    )


def error_page(status: int, title: str, message: str) -> Response:
    return as_response(responses.error_page(status, title, message))


def json_ok(payload: Any, status: int = 200) -> Response:
    return as_response(responses.json_response(status, payload))


def page(
    status: int,
    template: str,
    *,
    form_targets: tuple[str, ...] = (),
    connect_targets: tuple[str, ...] = (),
    **context: Any,
) -> Response:
    """A rendered page. Framing by the LMS is decided per request (web/framing.py)."""
    body = responses.render(template, **context)
    shape = responses.html(status, body, form_targets=form_targets, connect_targets=connect_targets)
    return as_response(shape)


def see_other(location: str) -> Response:
    return Response(303, None, "", {"location": location, **responses.SECURITY_HEADERS})


def body_text(event: BaseProxyEvent) -> str:
    text = event.decoded_body or ""
    if len(text.encode()) > MAX_BODY_BYTES:
        raise BadRequest("the request body is too large")
    return text


def json_body(event: BaseProxyEvent) -> dict[str, Any]:
    try:
        body = json.loads(body_text(event) or "null")
    except json.JSONDecodeError as error:
        raise BadRequest(f"the body is not valid JSON: {error.msg}") from None
    if not isinstance(body, dict):
        raise BadRequest("the body must be a JSON object")
    return body


def form_body(event: BaseProxyEvent) -> dict[str, str]:
    return dict(parse_qsl(body_text(event), keep_blank_values=True))


def with_token(path: str, token: str, **params: str) -> str:
    """A link that carries the session (third-party cookies may be blocked)."""
    return f"{path}?{urlencode({'cb_session': token, **params})}"
