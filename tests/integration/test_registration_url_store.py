"""The storage rules of Dynamic Registration on DynamoDB Local: a registration URL is
claimed by one request at a time, used once, in the same transaction as the registration
it makes; an update replaces only the registration it read."""

from __future__ import annotations

import pytest
from dynreg_support import make_org
from stored import everything_stored

from coursebridge.orgs.registration_urls import token_hash
from coursebridge.store.audit import AuditRecord
from coursebridge.store.dynamo import now_epoch
from coursebridge.store.errors import ItemChanged
from coursebridge.store.platforms import (
    PlatformAlreadyRegistered,
    PlatformNotFound,
    PlatformRegistration,
    PlatformStore,
)
from coursebridge.store.registration_urls import RegistrationUrl, RegistrationUrlStore

pytestmark = pytest.mark.integration


def _audit() -> AuditRecord:
    return AuditRecord(org_id="acme", action="registration-added", account_id="")


def _url(seconds: int = 600) -> RegistrationUrl:
    now = now_epoch()
    url = RegistrationUrl(
        token_hash=token_hash(f"t-{seconds}"),
        org_id="acme",
        created_at=now,
        expires_at=now + seconds,
    )
    RegistrationUrlStore().create(url, _audit())
    return url


def _registration(client_id: str, **changes) -> PlatformRegistration:
    fields = {
        "issuer": "https://lms.example.edu",
        "client_id": client_id,
        "deployment_ids": ["d1"],
        "auth_login_url": "https://lms.example.edu/auth",
        "auth_token_url": "https://lms.example.edu/token",
        "jwks_url": "https://lms.example.edu/jwks",
        "org_id": "acme",
        **changes,
    }
    return PlatformRegistration.model_validate(fields)


@pytest.fixture
def acme(stack):
    make_org("acme")


def test_one_claim_at_a_time_and_a_released_claim_can_be_taken_again(acme):
    url = _url()
    now = now_epoch()
    first = RegistrationUrlStore().claim(url, now)
    assert first is not None
    assert RegistrationUrlStore().claim(url, now) is None
    assert RegistrationUrlStore().get(url.token_hash).state(now) == "busy"
    RegistrationUrlStore().release(url, "someone-else")  # not theirs: nothing happens
    assert RegistrationUrlStore().claim(url, now) is None
    RegistrationUrlStore().release(url, first)
    assert RegistrationUrlStore().claim(url, now) is not None


def test_a_claim_outlived_by_its_lease_can_be_taken_over(acme):
    url = _url()
    now = now_epoch()
    assert RegistrationUrlStore().claim(url, now) is not None
    assert RegistrationUrlStore().claim(url, now + 61) is not None  # the first request died


def test_an_expired_url_cannot_be_claimed(acme):
    url = _url(60)
    assert RegistrationUrlStore().claim(url, now_epoch() + 61) is None


def test_the_url_is_used_in_the_registrations_transaction_and_only_with_its_claim(acme):
    url = _url()
    claim = RegistrationUrlStore().claim(url, now_epoch())
    before = everything_stored()
    with pytest.raises(ItemChanged):  # another request's claim: nothing is written
        PlatformStore().add(_registration("c1"), _audit(), [url.used_action("other", 1, {})])
    assert everything_stored() == before
    used = url.used_action(claim, now_epoch(), {"clientId": "c1"})
    PlatformStore().add(_registration("c1"), _audit(), [used])
    stored = RegistrationUrlStore().get(url.token_hash)
    assert stored.state(now_epoch()) == "used" and stored.used_for == {"clientId": "c1"}
    assert stored.claim_id is None
    assert RegistrationUrlStore().claim(stored, now_epoch()) is None
    before = everything_stored()
    with pytest.raises(ItemChanged):  # used already: a second registration is refused whole
        PlatformStore().add(_registration("c2"), _audit(), [used])
    assert everything_stored() == before


def test_an_update_replaces_only_the_registration_it_read(acme):
    old = _registration("c-old")
    PlatformStore().add(old, _audit())
    new = _registration("c-new", registration_id=old.registration_id, deployment_ids=["d1", "d2"])
    changed = old.model_copy(update={"registration_id": "reg_other"})
    before = everything_stored()
    with pytest.raises(PlatformNotFound):  # removed and added again meanwhile: not the one read
        PlatformStore().replace(changed, new, _audit())
    assert everything_stored() == before
    PlatformStore().add(_registration("c-taken"), _audit())
    taken = new.model_copy(update={"client_id": "c-taken"})
    before = everything_stored()
    with pytest.raises(PlatformAlreadyRegistered):
        PlatformStore().replace(old, taken, _audit())
    assert everything_stored() == before
    PlatformStore().replace(old, new, _audit())
    assert PlatformStore().get(old.issuer, "c-old") is None
    assert PlatformStore().get(old.issuer, "c-new") == new


def test_an_update_of_the_same_client_overwrites_it_in_place(acme):
    old = _registration("c1")
    PlatformStore().add(old, _audit())
    new = old.model_copy(update={"deployment_ids": ["d1", "d2"]})
    PlatformStore().replace(old, new, _audit())
    assert PlatformStore().get(old.issuer, "c1").deployment_ids == ["d1", "d2"]
