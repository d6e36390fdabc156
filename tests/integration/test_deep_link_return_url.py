"""The Deep Linking return URL: http(s) on the platform's registered host, or the
launch is refused (a ``javascript:`` URL would run in the tool's page as the action
of its self-submitting form; another host would receive the signed response)."""

from __future__ import annotations

import pytest

from coursebridge.lti.claims import DL_SETTINGS_CLAIM
from coursebridge.store.deep_links import DeepLinkStore
from tests.classroom import INSTRUCTOR, Client, claims, deep_linking, launch, make_org

pytestmark = pytest.mark.integration


def _deep_link_launch(tool, return_url: str):
    login = tool.login("teacher")
    token_claims = tool.claims(login, "teacher", message_type="LtiDeepLinkingRequest")
    token_claims[DL_SETTINGS_CLAIM]["deep_link_return_url"] = return_url
    return tool.launch(tool.lms.platform.keys.sign(token_claims), login.state, login.cookie_header)


@pytest.mark.parametrize(
    ("return_url", "says"),
    [
        ("javascript:alert(document.cookie)//", "must be"),
        ("JavaScript:alert(1)", "must be"),
        ("data:text/html,<script>alert(1)</script>", "must be"),
        ("https://attacker.example/collect", "registered host"),
        ("http://localhost.attacker.example/x", "registered host"),
    ],
)
def test_a_deep_linking_launch_with_a_bad_return_url_is_refused(tool, return_url, says):
    response = _deep_link_launch(tool, return_url)
    assert response.status_code == 400, response.text
    assert 'data-check="deep_link_return_url"' in response.text
    assert says in response.text


def test_the_platforms_own_return_url_is_accepted(tool):
    response = _deep_link_launch(tool, f"{tool.lms.base_url}/deep-link-return?x=1")
    assert response.status_code == 303, response.text
    assert response.headers["location"].split("?")[0].endswith("/deep-link")


def test_a_stored_request_with_a_javascript_url_is_not_answered(stack):
    """Checked again at deep-link time: the picker never writes the form."""
    org = make_org()
    settings = deep_linking(deep_link_return_url="javascript:alert(1)")
    dl = launch(
        claims("t-1", INSTRUCTOR, message_type="LtiDeepLinkingRequest", deep_linking=settings),
        org,
    )
    pending = DeepLinkStore().get(dl.class_id, dl.account_id)
    response = Client(stack.ports.tool_url).request(
        "POST",
        f"/app/classes/{dl.class_id}/deep-link",
        data={
            "cb_session": dl.token,
            "launch_id": pending.launch_id,
            "unit": "new",
            "new_title": "Y",
        },
    )
    assert response.status_code == 400
    assert 'id="dl-return"' not in response.text
    assert "deep_link_return_url must be https" in response.text
