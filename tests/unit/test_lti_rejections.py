"""Every id_token rejection names its check and says why, in the words a person sees:
one row per bad token (LTI Core 1.3 §5, Security Framework 1.0 §5.1.3)."""

from __future__ import annotations

import time

import jwt
import pytest
from test_lti_id_token import PLATFORM, REGISTRATION, Keys, claims, registrations  # noqa: F401

from coursebridge.lti.claims import CLAIM
from coursebridge.lti.errors import LaunchRejected
from coursebridge.lti.id_token import MAX_TOKEN_LENGTH, check_lti_claims, verify_id_token
from local.demo_lms.platform import PEOPLE

NOW = int(time.time())
DL = "https://purl.imsglobal.org/spec/lti-dl/claim/deep_linking_settings"


def _rejection(token: str, now: float | None = None) -> tuple[str, str] | None:
    try:
        verify_id_token(token, Keys(), 60, now=now)  # type: ignore[arg-type]
    except LaunchRejected as rejected:
        return rejected.check, rejected.message
    return None


def _without(name: str) -> dict:
    body = claims()
    del body[name]
    return body


@pytest.mark.parametrize(
    ("token", "check", "message"),
    [
        pytest.param("", "id_token", "the launch has no id_token", id="no-token"),
        pytest.param("x" * (MAX_TOKEN_LENGTH + 1), "id_token", "the id_token is too large",
                     id="too-large"),
        pytest.param("not.a.jwt", "id_token", "the id_token is not a well-formed JWT",
                     id="malformed"),
        pytest.param(PLATFORM.keys.sign(claims(), headers={"kid": ""}), "kid",
                     "the id_token header has no kid", id="no-kid"),
        pytest.param(PLATFORM.keys.sign(_without("iss")), "iss",
                     "the id_token has no iss (issuer) claim", id="no-iss"),
        pytest.param(PLATFORM.keys.sign(claims(iss="https://evil.example")), "iss",
                     "the issuer 'https://evil.example' is not a registered platform",
                     id="unregistered-issuer"),
        pytest.param(PLATFORM.keys.sign(claims(aud=[])), "aud",
                     "the id_token has no valid aud (audience) claim", id="empty-aud"),
        pytest.param(PLATFORM.keys.sign(claims(aud=[PLATFORM.client_id, ""])), "aud",
                     "the id_token has no valid aud (audience) claim", id="blank-audience"),
        pytest.param(PLATFORM.keys.sign(claims(aud="stranger", azp="stranger")), "aud",
                     "the audience 'stranger' is not a client_id registered for this issuer",
                     id="foreign-audience"),
        pytest.param(PLATFORM.keys.sign(claims(azp="other")), "azp", "azp is not our client_id",
                     id="foreign-azp"),
        pytest.param(PLATFORM.keys.sign(_without("iat")), "iat",
                     "the id_token has no numeric iat claim", id="no-iat"),
        pytest.param(PLATFORM.keys.sign(claims(exp=True)), "exp",
                     "the id_token has no numeric exp claim", id="boolean-exp"),
        pytest.param(PLATFORM.keys.sign(claims(iat=NOW - 600, exp=NOW - 61)), "exp",
                     "the id_token has expired", id="expired-beyond-leeway"),
        pytest.param(PLATFORM.keys.sign(claims(iat=NOW + 61)), "iat",
                     "the id_token was issued in the future (iat)", id="issued-in-the-future"),
        pytest.param(PLATFORM.keys.sign(claims(nbf=NOW + 61)), "nbf",
                     "the id_token is not valid yet (nbf)", id="not-valid-yet"),
        pytest.param(PLATFORM.keys.sign(claims(nbf="soon")), "nbf",
                     "the id_token is not valid yet (nbf)", id="non-numeric-nbf"),
    ],
)  # fmt: skip
def test_a_bad_id_token_is_rejected_by_the_check_it_fails(token, check, message):
    assert _rejection(token, now=NOW) == (check, message)


@pytest.mark.parametrize(
    ("changes", "accepted"),
    [
        pytest.param({"iat": NOW - 600, "exp": NOW - 60}, True, id="exp-exactly-at-leeway"),
        pytest.param({"iat": NOW + 60}, True, id="iat-exactly-at-leeway"),
        pytest.param({"nbf": NOW + 60}, True, id="nbf-exactly-at-leeway"),
    ],
)
def test_the_leeway_boundary_itself_is_accepted(changes, accepted):
    times = {"iat": NOW, "exp": NOW + 300}  # the clock the check runs with is NOW, not "now"
    token = PLATFORM.keys.sign(claims(**{**times, **changes}))
    assert (_rejection(token, now=NOW) is None) is accepted


def test_a_signature_by_another_key_is_rejected():
    other = jwt.encode(claims(), _other_key(), algorithm="RS256",
                       headers={"kid": PLATFORM.keys.kid})  # fmt: skip
    assert _rejection(other) == (
        "signature",
        "the id_token signature does not verify with the platform's key",
    )


def _other_key() -> bytes:
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import rsa

    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    return key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )


def _lti_rejection(body: dict) -> tuple[str, str] | None:
    try:
        check_lti_claims(body, REGISTRATION, lambda url: url.startswith("https://tool.example/"))
    except LaunchRejected as rejected:
        return rejected.check, rejected.message
    return None


def _deep_linking(**settings: object) -> dict:
    body = PLATFORM.id_token_claims(PEOPLE["teacher"], "cells", "LtiDeepLinkingRequest", "n")
    body[DL] = {**body[DL], **settings}
    return body


@pytest.mark.parametrize(
    ("body", "check", "message"),
    [
        pytest.param(claims(nonce=""), "nonce", "the id_token has no nonce", id="no-nonce"),
        pytest.param(claims(**{CLAIM + "version": "1.1"}), "version",
                     "the LTI version must be 1.3.0, not '1.1'", id="wrong-version"),
        pytest.param(claims(**{CLAIM + "message_type": ""}), "message_type",
                     "the id_token has no message_type claim", id="no-message-type"),
        pytest.param(claims(**{CLAIM + "message_type": "LtiSubmissionReviewRequest"}),
                     "message_type", "unsupported message_type 'LtiSubmissionReviewRequest'",
                     id="unsupported-message-type"),
        pytest.param(claims(**{CLAIM + "deployment_id": ""}), "deployment_id",
                     "the id_token has no valid deployment_id claim", id="no-deployment"),
        pytest.param(claims(**{CLAIM + "deployment_id": "d-9"}), "deployment_id",
                     "deployment 'd-9' is not registered for this platform",
                     id="unregistered-deployment"),
        pytest.param(claims(**{CLAIM + "target_link_uri": "https://evil.example/x"}),
                     "target_link_uri", "target_link_uri does not point at this tool",
                     id="foreign-target"),
        pytest.param(claims(**{CLAIM + "roles": [1]}), "roles",
                     "the id_token has no roles claim (a list)", id="roles-not-strings"),
        pytest.param(claims(sub=""), "sub", "the id_token has no valid sub (user id) claim",
                     id="empty-sub"),
        pytest.param(claims(sub="s" * 256), "sub",
                     "the id_token has no valid sub (user id) claim", id="sub-too-long"),
        pytest.param(claims(**{CLAIM + "resource_link": {"id": ""}}), "resource_link.id",
                     "the id_token has no resource_link.id", id="no-resource-link-id"),
        pytest.param(_deep_linking(deep_link_return_url=""), "deep_linking_settings",
                     "the id_token has no deep_link_return_url", id="no-return-url"),
    ],
)  # fmt: skip
def test_a_bad_lti_claim_is_rejected_by_the_check_it_fails(body, check, message):
    assert _lti_rejection(body) == (check, message)


def test_a_sub_of_255_characters_is_accepted():
    assert _lti_rejection(claims(sub="s" * 255)) is None
