"""A registration URL registers for its own organization only: it can never create or
change another organization's registration, a used URL changes nothing, concurrent
POSTs register one client, and "already registered" (same issuer + client id) is
refused — or, for the organization's own registration of that LMS, offered as an update
that keeps the registration's id (its accounts, classes and grades)."""

from __future__ import annotations

import threading

import pytest
import requests
from dynreg_support import confirm, make_org, opened, registration_url, scripted_platform
from stored import everything_stored

from coursebridge.orgs.registrations import add_registration, new_registration
from coursebridge.orgs.settings import Actor
from coursebridge.store.audit import AuditStore
from coursebridge.store.platforms import PlatformRegistration, PlatformStore

pytestmark = pytest.mark.integration


@pytest.fixture
def orgs(stack):
    make_org("acme")
    make_org("globex")
    return stack


@pytest.fixture
def lms():
    with scripted_platform() as platform:
        platform.serve_config()
        platform.answer_registration("client-new", "dep-new")
        yield platform


def _register(org_id: str, lms, client_id: str, deployments=("dep-1",)) -> PlatformRegistration:
    registration = new_registration(
        org_id,
        issuer=lms.base_url,
        client_id=client_id,
        deployment_ids=list(deployments),
        auth_login_url=f"{lms.base_url}/auth",
        auth_token_url=f"{lms.base_url}/token",
        jwks_url=f"{lms.base_url}/jwks",
    )
    add_registration(registration, Actor.operator("platform add"))
    return registration


def _page(stack, lms, org_id: str = "acme") -> str:
    page = requests.get(opened(registration_url(stack, org_id), lms.config_url), timeout=30)
    assert page.status_code == 200, page.text
    return page.text


def test_a_second_post_of_a_used_url_changes_nothing(orgs, lms):
    page = _page(orgs, lms)
    assert confirm(orgs, page).status_code == 200
    before = everything_stored()
    again = confirm(orgs, page)
    assert again.status_code == 410 and "already used" in again.text
    assert everything_stored() == before
    assert len(lms.registrations()) == 1  # the LMS was not asked again


def test_concurrent_posts_of_one_page_register_one_client(orgs, lms):
    page = _page(orgs, lms)
    answers: list[int] = []
    threads = [
        threading.Thread(target=lambda: answers.append(confirm(orgs, page).status_code))
        for _ in range(4)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(answers)[0] == 200 and answers.count(200) == 1, answers
    assert set(answers) - {200} <= {409, 410}
    assert len(lms.registrations()) == 1
    assert len(PlatformStore().for_org("acme")) == 1


def test_another_organizations_client_in_the_answer_is_refused_and_left_alone(orgs, lms):
    theirs = _register("globex", lms, "client-new")  # the LMS answers with globex's client
    page = _page(orgs, lms)
    before = everything_stored()
    refused = confirm(orgs, page)
    assert refused.status_code == 409 and "Already registered" in refused.text
    assert "another organization" in refused.text
    assert everything_stored() == before
    assert PlatformStore().get(lms.base_url, "client-new") == theirs


def test_this_organizations_client_in_the_answer_is_refused_with_the_update_offered(orgs, lms):
    _register("acme", lms, "client-new")
    page = _page(orgs, lms)
    assert 'name="replace" value="client-new"' in page  # the choice the page offers
    before = everything_stored()
    refused = confirm(orgs, page)  # "add a new registration" is the default
    assert refused.status_code == 409 and "choose to update it" in refused.text
    assert everything_stored() == before


def test_the_same_lms_as_a_new_registration_leaves_the_old_one_working(orgs, lms):
    old = _register("acme", lms, "client-old")
    page = _page(orgs, lms)
    assert "already has 1 registration of this LMS" in page
    assert confirm(orgs, page).status_code == 200
    found = {r.client_id: r for r in PlatformStore().for_org("acme")}
    assert set(found) == {"client-old", "client-new"}
    assert found["client-old"] == old
    assert found["client-new"].registration_id != old.registration_id


def test_an_update_keeps_the_registration_id_and_takes_the_new_client(orgs, lms):
    old = _register("acme", lms, "client-old", deployments=["dep-old"])
    page = _page(orgs, lms)
    done = confirm(orgs, page, replace="client-old")
    assert done.status_code == 200 and "Replaces" in done.text
    (now,) = PlatformStore().for_org("acme")
    assert now.client_id == "client-new" and now.registration_id == old.registration_id
    assert now.deployment_ids == ["dep-old", "dep-new"]
    assert PlatformStore().get(lms.base_url, "client-old") is None
    (updated,) = [
        r for r in AuditStore().list_for_org("acme") if r.action == "registration-updated"
    ]
    assert updated.details["previousClientId"] == "client-old"
    assert updated.details["registrationId"] == old.registration_id


def test_an_update_can_never_name_another_organizations_registration(orgs, lms):
    theirs = _register("globex", lms, "client-globex")
    page = _page(orgs, lms)
    before = everything_stored()
    refused = confirm(orgs, page, replace="client-globex")
    assert refused.status_code == 404 and "no registration" in refused.text
    assert everything_stored() == before
    assert PlatformStore().get(lms.base_url, "client-globex") == theirs
    assert lms.registrations() == []  # refused before the LMS was asked


def test_a_url_of_one_organization_registers_for_that_organization_only(orgs, lms):
    """Even when the other organization has the same LMS (Canvas cloud: one issuer)."""
    theirs = _register("globex", lms, "client-globex")
    page = _page(orgs, lms, "acme")
    assert "Acme Schools (acme)" in page and "already has" not in page  # globex's is not shown
    their_audit = AuditStore().list_for_org("globex")
    assert confirm(orgs, page, org="globex", org_id="globex").status_code == 200
    (mine,) = PlatformStore().for_org("acme")
    assert mine.org_id == "acme" and mine.client_id == "client-new"
    assert PlatformStore().for_org("globex") == [theirs]
    assert AuditStore().list_for_org("globex") == their_audit
