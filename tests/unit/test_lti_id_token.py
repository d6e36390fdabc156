"""id_token checks that need no server: leeway, alg pinning, azp, anonymous launches."""

from __future__ import annotations

import time

import jwt
import pytest

from coursebridge.lti import id_token as module
from coursebridge.lti.claims import CLAIM
from coursebridge.lti.errors import LaunchRejected
from coursebridge.lti.id_token import check_lti_claims, verify_id_token
from coursebridge.store.platforms import PlatformRegistration
from local.demo_lms.platform import PEOPLE, DemoPlatform

PLATFORM = DemoPlatform("https://lms.example", "https://tool.example")
REGISTRATION = PlatformRegistration(
    issuer=PLATFORM.issuer,
    client_id=PLATFORM.client_id,
    deployment_ids=[PLATFORM.deployment_id],
    auth_login_url=PLATFORM.auth_login_url,
    auth_token_url=PLATFORM.token_url,
    jwks_url=PLATFORM.jwks_url,
    org_id="org",
)


class Keys:
    def key_for(self, url: str, kid: str) -> object:
        if kid != PLATFORM.keys.kid:
            raise LaunchRejected("kid", "unknown")
        return jwt.PyJWK(PLATFORM.keys.jwks()["keys"][0]).key


@pytest.fixture(autouse=True)
def registrations(monkeypatch):
    monkeypatch.setattr(
        module, "registrations_for", lambda iss: [REGISTRATION] if iss == PLATFORM.issuer else []
    )
    monkeypatch.setattr(
        module,
        "find_registration",
        lambda iss, cid: (
            REGISTRATION if (iss, cid) == (PLATFORM.issuer, PLATFORM.client_id) else None
        ),
    )


def claims(**changes: object) -> dict:
    base = PLATFORM.id_token_claims(PEOPLE["student"], "cells", "LtiResourceLinkRequest", "n-1")
    base.update(changes)
    return base


def check(token: str, leeway: int = 60) -> str | None:
    try:
        verify_id_token(token, Keys(), leeway)  # type: ignore[arg-type]
    except LaunchRejected as rejected:
        return rejected.check
    return None


@pytest.mark.parametrize(("leeway", "expected"), [(60, None), (10, "exp")])
def test_expiry_honours_the_configured_leeway(leeway, expected):
    now = int(time.time())
    token = PLATFORM.keys.sign(claims(iat=now - 300, exp=now - 30))
    assert check(token, leeway) == expected


@pytest.mark.parametrize(("leeway", "expected"), [(60, None), (10, "iat")])
def test_iat_in_the_near_future_is_clock_skew_within_leeway(leeway, expected):
    now = int(time.time())
    token = PLATFORM.keys.sign(claims(iat=now + 30, exp=now + 300))
    assert check(token, leeway) == expected


def test_nbf_in_the_future_is_rejected():
    token = PLATFORM.keys.sign(claims(nbf=int(time.time()) + 600))
    assert check(token) == "nbf"


def test_several_audiences_with_our_azp_are_accepted():
    token = PLATFORM.keys.sign(claims(aud=[PLATFORM.client_id, "other"], azp=PLATFORM.client_id))
    assert check(token) is None


def test_several_audiences_with_a_foreign_azp_are_rejected():
    token = PLATFORM.keys.sign(claims(aud=[PLATFORM.client_id, "other"], azp="other"))
    assert check(token) == "aud"


@pytest.mark.parametrize(
    ("aud", "azp"),
    [
        pytest.param("ours", "other", id="one-audience-foreign-azp"),
        pytest.param(["ours", "other"], None, id="several-audiences-no-azp"),
        pytest.param(["ours", "other"], "third", id="several-audiences-azp-not-among-them"),
        pytest.param(["ours", "other"], ["ours"], id="several-audiences-azp-not-a-string"),
    ],
)
def test_azp_when_present_or_aud_has_several_values_must_be_our_client_id(aud, azp):
    """OIDC Core 3.1.3.7: with several audiences azp is required; when present it names
    the party the token was issued to, which must be us."""

    def ours(value):
        return PLATFORM.client_id if value == "ours" else value

    body = claims(aud=[ours(a) for a in aud] if isinstance(aud, list) else ours(aud))
    if azp is None:
        body.pop("azp", None)
    else:
        body["azp"] = azp
    assert check(PLATFORM.keys.sign(body)) == "azp"


def test_one_audience_with_our_azp_is_accepted():
    assert check(PLATFORM.keys.sign(claims(aud=PLATFORM.client_id, azp=PLATFORM.client_id))) is None


@pytest.mark.parametrize("alg", ["RS384", "PS256", "RS512"])
def test_only_rs256_is_accepted(alg):
    token = jwt.encode(
        claims(), PLATFORM.keys.pem(), algorithm=alg, headers={"kid": PLATFORM.keys.kid}
    )
    assert check(token) == "alg"


def test_missing_exp_is_rejected():
    body = claims()
    del body["exp"]
    assert check(PLATFORM.keys.sign(body)) == "exp"


def _lti_check(body: dict) -> str | None:
    try:
        check_lti_claims(body, REGISTRATION, lambda url: url.startswith("https://tool.example/"))
    except LaunchRejected as rejected:
        return rejected.check
    return None


def test_a_fully_anonymous_launch_needs_no_sub():
    body = PLATFORM.id_token_claims(PEOPLE["anonymous"], "cells", "LtiResourceLinkRequest", "n")
    del body["sub"]
    assert _lti_check(body) is None


def test_a_launch_naming_a_person_without_sub_is_rejected():
    body = claims()
    del body["sub"]
    assert _lti_check(body) == "sub"


def test_deep_linking_needs_a_return_url():
    body = PLATFORM.id_token_claims(PEOPLE["teacher"], "cells", "LtiDeepLinkingRequest", "n")
    assert _lti_check(body) is None
    del body["https://purl.imsglobal.org/spec/lti-dl/claim/deep_linking_settings"]
    assert _lti_check(body) == "deep_linking_settings"


def test_roles_may_be_empty_but_must_be_a_list():
    assert _lti_check(claims(**{CLAIM + "roles": []})) is None
    assert _lti_check(claims(**{CLAIM + "roles": "Learner"})) == "roles"


def test_the_key_is_looked_up_in_the_key_set_registered_for_the_issuer():
    """Security Framework §5.1.3: the signature is checked with the platform's public
    key, from the JWKS URL its registration names, with the token's kid."""
    asked: list[tuple[str, str]] = []

    class Recording(Keys):
        def key_for(self, url: str, kid: str) -> object:
            asked.append((url, kid))
            return super().key_for(url, kid)

    verify_id_token(PLATFORM.keys.sign(claims()), Recording(), 60)  # type: ignore[arg-type]
    assert asked == [("https://lms.example/jwks", PLATFORM.keys.kid)]
