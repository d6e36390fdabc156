"""The pylti1p3 adapters for API Gateway v2 events."""

from __future__ import annotations

import base64

from coursebridge.lti.cookies import ApiGatewayCookieService
from coursebridge.lti.request import ApiGatewayRequest


def event(**overrides: object) -> dict:
    base = {
        "version": "2.0",
        "headers": {"host": "tool.example", "content-type": "application/x-www-form-urlencoded"},
        "requestContext": {"http": {"method": "POST"}, "domainName": "tool.example"},
        "queryStringParameters": {"iss": "https://lms.example"},
        "cookies": ["cb_state_x=key", "other=1"],
        "body": base64.b64encode(b"id_token=a.b.c&state=s%2B1").decode(),
        "isBase64Encoded": True,
    }
    base.update(overrides)
    return base


def test_params_come_from_query_and_base64_form_body():
    request = ApiGatewayRequest(event())
    assert request.get_param("iss") == "https://lms.example"
    assert request.get_param("id_token") == "a.b.c"
    assert request.get_param("state") == "s+1"
    assert request.get_param("missing") == ""
    assert request.is_secure()


def test_plain_text_body_and_cookies():
    request = ApiGatewayRequest(event(body="state=abc", isBase64Encoded=False))
    assert request.get_param("state") == "abc"
    assert request.get_cookie("cb_state_x") == "key"


def test_own_urls_are_those_on_the_request_host():
    request = ApiGatewayRequest(event())
    assert request.base_url == "https://tool.example"
    assert request.is_own_url("https://tool.example/lti/launch")
    assert not request.is_own_url("https://tool.example.evil.com/lti/launch")
    assert not request.is_own_url("javascript:alert(1)")


def test_cookies_are_secure_httponly_samesite_none_partitioned():
    service = ApiGatewayCookieService(ApiGatewayRequest(event()))
    assert service.get_cookie("state_x") == "key"
    service.set_cookie("state_y", "v", 600)
    (cookie,) = service.set_cookies
    assert cookie.startswith("cb_state_y=v;")
    for attribute in ("Secure", "HttpOnly", "SameSite=None", "Partitioned", "Max-Age=600"):
        assert attribute in cookie
    assert service.has_prefixed("state_")
