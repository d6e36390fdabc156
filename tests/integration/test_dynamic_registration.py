"""LTI Dynamic Registration end to end over HTTP: a registration URL of an organization,
the demo LMS (a real platform: OpenID configuration, registration endpoint checking its
registration token) opening it, the confirmation page, the registration, then a launch
with the new client — no URL or id typed."""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
import requests
from dynreg_support import confirm, make_org, opened, registration_url
from stored import everything_stored

from coursebridge.lti.tool_config import forget_cached_config
from coursebridge.orgs.registrations import add_registration, new_registration
from coursebridge.orgs.settings import Actor
from coursebridge.store.audit import AuditStore
from coursebridge.store.dynamo import app_table
from coursebridge.store.platforms import PlatformStore
from local.demo_lms import DemoLms
from local.servers import free_port
from tests.lti_support import ToolClient
from tests.unit.test_dynamic_registration_rules import COPY_HISTORY

pytestmark = pytest.mark.integration


@pytest.fixture
def platform(stack) -> Iterator[DemoLms]:
    """A fresh demo LMS per test: a registration changes the client it launches as."""
    forget_cached_config()
    lms = DemoLms(free_port(), stack.ports.tool_url).start()
    yield lms
    lms.stop()


def _open(stack, lms: DemoLms, org_id: str) -> tuple[str, requests.Response]:
    url = registration_url(stack, org_id)
    dr = lms.dynamic_registration
    page = requests.get(dr.opening_url(url), timeout=30)
    return url, page


def test_an_lms_registers_the_tool_and_launches_it_without_a_typed_id(stack, platform):
    make_org("acme", student_id_field="student_id")
    url = registration_url(stack, "acme")
    before = everything_stored()
    page = requests.get(platform.dynamic_registration.opening_url(url), timeout=30)
    assert page.status_code == 200, page.text
    text = page.text
    assert "Acme Schools (acme)" in text
    assert "coursebridge-demo 1.0" in text and platform.base_url in text
    assert "LtiResourceLinkRequest" in text and "LtiDeepLinkingRequest" in text
    assert "send scores to the gradebook" in text and "read course rosters" in text
    assert "<code>student_id</code> = <code>$Person.sourcedId</code>" in text
    assert everything_stored() == before  # the confirmation page wrote nothing
    assert platform.dynamic_registration.registrations == []  # nor asked the LMS anything

    done = confirm(stack, text)
    assert done.status_code == 200, done.text
    assert "coursebridge is registered" in done.text
    assert 'postMessage(done, "*")' in done.text and "org.1edtech.lti.close" in done.text
    policy = done.headers["content-security-policy"]
    assert "unsafe-inline" not in policy and "script-src 'sha256-" in policy
    assert f"frame-ancestors {platform.base_url}" in policy

    client_id = platform.platform.client_id
    assert client_id.startswith("dr-")  # the demo LMS made a new client and launches as it
    (registration,) = PlatformStore().for_org("acme")
    assert (registration.issuer, registration.client_id) == (platform.base_url, client_id)
    assert registration.deployment_ids == [platform.platform.deployment_id]
    assert registration.auth_login_url.unicode_string() == f"{platform.base_url}/auth"
    assert str(registration.jwks_url) == f"{platform.base_url}/jwks"
    assert re.fullmatch(r"reg_[0-9a-f]{32}", registration.registration_id)

    (sent,) = platform.dynamic_registration.registrations
    lti = sent["https://purl.imsglobal.org/spec/lti-tool-configuration"]
    assert lti["custom_parameters"] == {"student_id": "$Person.sourcedId", **COPY_HISTORY}
    assert sent["jwks_uri"] == f"{stack.ports.tool_url}/.well-known/jwks.json"

    actions = [r.action for r in AuditStore().list_for_org("acme")]
    assert actions.count("registration-added") == 1 and "registration-url-created" in actions
    added = next(r for r in AuditStore().list_for_org("acme") if r.action == "registration-added")
    assert added.details["registrationId"] == registration.registration_id
    assert added.actor.startswith("dynamic registration rurl_")

    forget_cached_config()
    launched = ToolClient(stack.ports.tool_url, platform).full_launch("teacher")
    assert launched.status_code == 303, launched.text
    assert "/app/classes/" in launched.headers["location"]


def test_a_dynamic_registration_is_stored_like_platform_adds(stack, platform):
    """Same item, same attributes: only the values that name the client differ."""
    make_org("acme")
    _, page = _open(stack, platform, "acme")
    assert confirm(stack, page.text).status_code == 200
    (dynamic,) = PlatformStore().for_org("acme")
    manual = new_registration(
        "acme",
        issuer="https://lms.example.edu",
        client_id="client-1",
        deployment_ids=["dep-1"],
        auth_login_url="https://lms.example.edu/auth",
        auth_token_url="https://lms.example.edu/token",
        jwks_url="https://lms.example.edu/jwks",
    )
    add_registration(manual, Actor.operator("platform add"))
    items = {
        item["registration_id"]: item
        for item in app_table().scan()["Items"]
        if item.get("kind") == "platform"
    }
    assert set(items[dynamic.registration_id]) == set(items[manual.registration_id])
    assert items[dynamic.registration_id]["any_deployment"] is False
    assert dynamic.registration_id != manual.registration_id


def test_the_registration_url_keeps_working_until_it_is_used_then_never_again(stack, platform):
    make_org("acme")
    url, page = _open(stack, platform, "acme")
    again = requests.get(platform.dynamic_registration.opening_url(url), timeout=30)
    assert again.status_code == 200  # opening it twice is fine: nothing happened yet
    assert confirm(stack, page.text).status_code == 200
    before = everything_stored()
    reopened = requests.get(platform.dynamic_registration.opening_url(url), timeout=30)
    assert reopened.status_code == 410 and "already used" in reopened.text
    assert 'data-check="used"' in reopened.text
    assert everything_stored() == before


def test_an_lms_without_a_registration_token_registers_without_a_bearer(stack):
    """Brightspace sends no registration_token (it is optional): no Authorization header."""
    from dynreg_support import scripted_platform

    make_org("acme")
    with scripted_platform() as lms:
        lms.serve_config()
        lms.answer_registration("client-9", "dep-9")
        url = opened(registration_url(stack, "acme"), lms.config_url, registration_token=None)
        page = requests.get(url, timeout=30)
        assert page.status_code == 200, page.text
        assert confirm(stack, page.text).status_code == 200
        ((headers, _),) = lms.registrations()
    assert "authorization" not in headers
    assert headers["user-agent"].startswith("coursebridge/")
    (registration,) = PlatformStore().for_org("acme")
    assert (registration.client_id, registration.deployment_ids) == ("client-9", ["dep-9"])


def test_make_devs_demo_lms_registers_again_beside_its_first_registration(stack, platform):
    """``make dev`` registers the demo LMS by hand and lets its button register it again:
    the page shows the existing registration, the new one is added beside it."""
    from local.demo_lms.setup import register_demo

    register_demo(platform)
    (first,) = PlatformStore().for_org("demo")
    assert platform.registration_urls is not None
    page = requests.get(
        platform.dynamic_registration.opening_url(platform.registration_urls()), timeout=30
    )
    assert page.status_code == 200 and "already has 1 registration of this LMS" in page.text
    assert confirm(stack, page.text).status_code == 200
    clients = {r.client_id for r in PlatformStore().for_org("demo")}
    assert clients == {first.client_id, platform.platform.client_id}
    forget_cached_config()
    launched = ToolClient(stack.ports.tool_url, platform).full_launch("student")
    assert launched.status_code == 303, launched.text
