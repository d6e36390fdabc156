"""Login → launch → session against the local stack, with the demo LMS as platform."""

from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

import pytest
import requests

from coursebridge.sessions import COOKIE_NAME, decode_session
from tests.lti_support import set_cookies

pytestmark = pytest.mark.integration


def test_teacher_launch_signs_in_and_redirects_to_the_unit(tool):
    response = tool.full_launch("teacher")
    assert response.status_code == 303, response.text
    location = urlsplit(response.headers["location"])
    assert location.path.startswith("/app/classes/")
    assert "/units/" in location.path
    token = parse_qs(location.query)["cb_session"][0]
    session = decode_session(token)
    assert session is not None
    assert (session.role, session.read_only, session.name) == ("TEACHER", False, "Tess Taylor")
    cookies = set_cookies(response)
    assert cookies[COOKIE_NAME] == token
    set_cookie = next(h for h in response.raw.headers.getlist("set-cookie") if COOKIE_NAME in h)
    for attribute in ("Secure", "HttpOnly", "SameSite=None", "Partitioned"):
        assert attribute in set_cookie

    me = requests.get(
        f"{tool.tool_url}/api/me", headers={"authorization": f"Bearer {token}"}, timeout=10
    )
    assert me.status_code == 200
    body = me.json()
    assert body == {
        "accountId": session.account_id,
        "name": "Tess Taylor",
        "email": "tess.taylor@demo.example",
        "orgId": "demo",
        "classId": session.class_id,
        "unitId": session.unit_id,
        "role": "TEACHER",
        "readOnly": False,
    }
    by_cookie = requests.get(
        f"{tool.tool_url}/api/me", headers={"cookie": f"{COOKIE_NAME}={token}"}, timeout=10
    )
    assert by_cookie.json() == body


def test_api_me_rejects_missing_and_forged_sessions(tool):
    assert requests.get(f"{tool.tool_url}/api/me", timeout=10).status_code == 401
    forged = requests.get(
        f"{tool.tool_url}/api/me", headers={"authorization": "Bearer abc.def"}, timeout=10
    )
    assert forged.status_code == 401
    assert "error" in forged.json()


def test_api_me_answers_with_the_security_headers_of_every_response(tool):
    """One response builder: /api/me is no exception (it once built its own answers)."""
    answer = requests.get(f"{tool.tool_url}/api/me", timeout=10)
    assert answer.headers["x-content-type-options"] == "nosniff"
    assert answer.headers["referrer-policy"] == "no-referrer"
    assert answer.headers["cache-control"] == "no-store"


def test_login_by_post_without_client_id_works_for_a_single_registration(tool):
    login = tool.login("student", method="POST", client_id=None, lti_deployment_id=None)
    location = urlsplit(login.response.headers["location"])
    query = parse_qs(location.query)
    assert (
        f"{location.scheme}://{location.netloc}{location.path}" == tool.lms.platform.auth_login_url
    )
    assert query["client_id"] == [tool.lms.platform.client_id]
    assert query["response_mode"] == ["form_post"]
    assert query["response_type"] == ["id_token"]
    assert query["scope"] == ["openid"]
    assert query["prompt"] == ["none"]
    assert query["redirect_uri"] == [f"{tool.tool_url}/lti/launch"]
    assert query["login_hint"] == ["student"]
    token = tool.lms.platform.keys.sign(tool.claims(login, "student"))
    response = tool.launch(token, login.state, login.cookie_header)
    assert response.status_code == 303
    session = decode_session(
        parse_qs(urlsplit(response.headers["location"]).query)["cb_session"][0]
    )
    assert session.role == "STUDENT"


def test_lti_message_hint_is_passed_through_untouched(tool):
    login = tool.login(lti_message_hint="opaque+/=hint value")
    query = parse_qs(urlsplit(login.response.headers["location"]).query)
    assert query["lti_message_hint"] == ["opaque+/=hint value"]


def test_deep_linking_launch_redirects_to_the_deep_link_page(tool):
    response = tool.full_launch("teacher", message_type="LtiDeepLinkingRequest")
    assert response.status_code == 303, response.text
    path = urlsplit(response.headers["location"]).path
    assert path.startswith("/app/classes/") and path.endswith("/deep-link")


def test_mentor_is_a_read_only_teacher(tool):
    response = tool.full_launch("mentor")
    session = decode_session(
        parse_qs(urlsplit(response.headers["location"]).query)["cb_session"][0]
    )
    assert (session.role, session.read_only) == ("TEACHER", True)


def test_the_state_cookie_is_cleared_after_the_launch(tool):
    login = tool.login()
    token = tool.lms.platform.keys.sign(tool.claims(login))
    response = tool.launch(token, login.state, login.cookie_header)
    cleared = [h for h in response.raw.headers.getlist("set-cookie") if login.state in h]
    assert cleared and "Max-Age=0" in cleared[0]


@pytest.mark.parametrize(
    ("overrides", "check"),
    [
        ({"iss": None}, "iss"),
        ({"login_hint": None}, "login_hint"),
        ({"target_link_uri": None}, "target_link_uri"),
        ({"iss": "https://unknown.example"}, "iss"),
        ({"client_id": "someone-else"}, "client_id"),
        ({"lti_deployment_id": "unknown-deployment"}, "lti_deployment_id"),
        ({"target_link_uri": "https://evil.example/lti/launch"}, "target_link_uri"),
    ],
)
def test_bad_login_requests_get_a_400_page_naming_the_problem(tool, overrides, check):
    p = tool.lms.platform
    params = {
        "iss": p.issuer,
        "login_hint": "teacher",
        "target_link_uri": p.tool_launch_url,
        "client_id": p.client_id,
        "lti_deployment_id": p.deployment_id,
        **overrides,
    }
    params = {k: v for k, v in params.items() if v is not None}
    response = requests.get(f"{tool.tool_url}/lti/login", params=params, timeout=10)
    assert response.status_code == 400
    assert f'data-check="{check}"' in response.text
    assert "set-cookie" not in response.headers
