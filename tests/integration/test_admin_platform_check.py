"""The "Test connection" button of the Admin Portal's LMS registrations: a token request
to the organization's own registration, each failure named on the page; another
organization's registration is answered as not existing; nothing is written."""

from __future__ import annotations

import pytest

from coursebridge.store.platforms import PlatformRegistration, PlatformStore
from local.demo_lms.ags import Faults
from tests.integration.portal_support import portal_org, registration
from tests.integration.release_seed import running_lms
from tests.integration.stored import everything_stored

pytestmark = pytest.mark.integration
CHECK = "/app/admin/settings/registrations/check"


@pytest.fixture
def lms(stack):
    with running_lms(stack) as lms:
        yield lms


def _registered(lms, org_id: str, client_id: str = "coursebridge-demo") -> PlatformRegistration:
    found = PlatformRegistration(
        issuer="https://demo-lms.example",
        client_id=client_id,
        deployment_ids=["dep-1"],
        auth_login_url=f"{lms.base_url}/auth",
        auth_token_url=f"{lms.base_url}/token",
        jwks_url=f"{lms.base_url}/jwks",
        org_id=org_id,
    )
    PlatformStore().add(found)
    return found


@pytest.mark.parametrize(
    ("faults", "shown"),
    [
        ({}, "token: ok — "),
        ({"forget_tool_key": True}, "token: FAILED: tool key not registered in the LMS — "),
        ({"clock_offset_seconds": 900}, "token: FAILED: clock skew — "),
        ({"grant_scopes": []}, "token: FAILED: missing scope — "),
    ],
    ids=["working", "key-unknown", "clock-skew", "no-scope"],
)
def test_the_button_shows_what_the_lms_answers_and_writes_nothing(stack, lms, faults, shown):
    admin = portal_org(stack, "acme", ["s1"], "ann@acme.edu")
    found = _registered(lms, "acme")
    lms.service.faults = Faults.from_json(faults)
    page = admin.get("/app/admin/settings")
    assert f'action="{CHECK}"' in page.text and "Test connection" in page.text
    before = everything_stored()
    answer = admin.post(CHECK, {"issuer": found.issuer, "clientId": found.client_id})
    assert answer.status_code == 200, answer.text
    assert 'id="connection-check"' in answer.text and shown in answer.text
    assert everything_stored() == before


def test_another_organizations_registration_is_not_found_and_not_asked(stack, lms):
    admin = portal_org(stack, "acme", ["s1"], "ann@acme.edu")
    portal_org(stack, "beta", ["s9"], "bob@beta.edu")
    theirs = _registered(lms, "beta", client_id="beta-1")
    requests_before = lms.service.token_requests
    answer = admin.post(CHECK, {"issuer": theirs.issuer, "clientId": theirs.client_id})
    assert answer.status_code == 404
    assert lms.service.token_requests == requests_before


def test_only_from_our_own_page(stack, lms):
    admin = portal_org(stack, "acme", ["s1"], "ann@acme.edu")
    found = registration("acme")
    cross = admin.post(
        CHECK,
        {"issuer": found.issuer, "clientId": found.client_id},
        headers={"Origin": "https://evil.example"},
    )
    assert cross.status_code == 403
    assert admin.get(CHECK).status_code in (404, 405)
