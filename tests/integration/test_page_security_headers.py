"""Content-Security-Policy on every page, through the local stack: only the page's own
inline scripts run (hashes), frame-ancestors are the session organization's registered
LMS origins on the pages the LMS shows, our own origin elsewhere, never ``*``."""

from __future__ import annotations

import base64
import hashlib
import re

import pytest
import requests

from coursebridge.lti.tool_config import forget_cached_config
from coursebridge.store.orgs import Org, OrgStore
from coursebridge.store.platforms import PlatformRegistration, PlatformStore

pytestmark = pytest.mark.integration


def _directives(response: requests.Response) -> dict[str, list[str]]:
    policy = response.headers["content-security-policy"]
    parts = (d.strip().split() for d in policy.split(";") if d.strip())
    return {p[0]: p[1:] for p in parts}


def _script_hashes(page: str) -> set[str]:
    blocks = re.findall(r"<script(?![^>]*application/json)[^>]*>(.*?)</script>", page, re.S)
    return {
        f"'sha256-{base64.b64encode(hashlib.sha256(b.encode()).digest()).decode()}'" for b in blocks
    }


def _other_org_registration() -> None:
    OrgStore().create(Org(org_id="other", name="Other District"))
    PlatformStore().add(
        PlatformRegistration(
            issuer="https://other-lms.example",
            client_id="other-client",
            deployment_ids=["d"],
            auth_login_url="https://sso.other-lms.example/auth",
            auth_token_url="https://other-lms.example/token",
            jwks_url="https://other-lms.example/jwks",
            org_id="other",
        )
    )
    forget_cached_config()


def test_the_landing_page_lets_only_its_own_scripts_run_and_only_its_lms_frame_it(tool):
    _other_org_registration()
    launched = tool.full_launch("teacher")
    assert launched.status_code == 303
    page = requests.get(tool.tool_url + launched.headers["location"], timeout=10)
    assert page.status_code == 200 and "<script>" in page.text
    csp = _directives(page)
    assert csp["default-src"] == ["'none'"]
    assert set(csp["script-src"]) == _script_hashes(page.text)
    assert "'unsafe-inline'" not in page.headers["content-security-policy"]
    assert csp["frame-ancestors"] == [tool.lms.base_url]  # the demo org's LMS, no other org's
    assert "x-frame-options" not in page.headers


def test_lti_pages_are_framed_by_the_registered_lms_only(tool):
    login = tool.login("teacher")
    forged = tool.lms.platform.keys.sign({**tool.claims(login), "exp": 1})
    rejected = tool.launch(forged, login.state, login.cookie_header)
    assert rejected.status_code in (400, 401) and "data-check" in rejected.text
    assert _directives(rejected)["frame-ancestors"] == [tool.lms.base_url]

    unknown = requests.get(
        f"{tool.tool_url}/lti/login",
        params={"iss": "https://unknown-lms.example", "login_hint": "x", "target_link_uri": "x"},
        timeout=10,
    )
    assert unknown.status_code == 400
    assert _directives(unknown)["frame-ancestors"] == ["'self'"]


def test_the_platform_storage_page_is_framed_by_its_lms(tool):
    response = requests.get(
        f"{tool.tool_url}/lti/login",
        params={
            "iss": tool.lms.platform.issuer,
            "login_hint": "teacher",
            "target_link_uri": tool.lms.platform.tool_launch_url,
            "client_id": tool.lms.platform.client_id,
            "lti_storage_target": "_parent",
        },
        allow_redirects=False,
        timeout=10,
    )
    assert response.status_code == 200 and "lti.put_data" in response.text
    csp = _directives(response)
    assert csp["frame-ancestors"] == [tool.lms.base_url]
    assert set(csp["script-src"]) == _script_hashes(response.text)


def test_pages_outside_the_lms_are_framed_by_our_own_origin_only(tool):
    verify = requests.get(f"{tool.tool_url}/app/verify?token=nonsense", timeout=10)
    assert "text/html" in verify.headers["content-type"]
    assert _directives(verify)["frame-ancestors"] == ["'self'"]
    signed_out = requests.get(f"{tool.tool_url}/app/classes/cls_x/units/unt_y", timeout=10)
    assert signed_out.status_code == 401
    assert _directives(signed_out)["frame-ancestors"] == ["'self'"]


def test_json_answers_load_nothing_and_cannot_be_framed(tool):
    response = requests.get(f"{tool.tool_url}/api/me", timeout=10)
    assert response.status_code == 401
    assert _directives(response) == {"default-src": ["'none'"], "frame-ancestors": ["'none'"]}


def test_a_cross_origin_request_gets_no_credentialed_cors(tool):
    """The pages call the API from its own origin; an LMS origin's script gets no
    permission to read answers with the user's cookie (the template has no CORS)."""
    launched = tool.full_launch("teacher")
    cookie = launched.headers["set-cookie"]
    origin = {"origin": tool.lms.base_url}
    answer = requests.get(
        f"{tool.tool_url}/api/me", headers={**origin, "cookie": cookie}, timeout=10
    )
    preflight = requests.options(
        f"{tool.tool_url}/api/me",
        headers={**origin, "access-control-request-method": "PUT"},
        timeout=10,
    )
    for response in (answer, preflight):
        assert "access-control-allow-credentials" not in response.headers
        assert "access-control-allow-origin" not in response.headers
