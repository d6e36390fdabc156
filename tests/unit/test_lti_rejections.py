"""Every id_token rejection names its check and says why, in the words a person sees:
one row per bad token (LTI Core 1.3 §5, Security Framework 1.0 §5.1.3)."""

from __future__ import annotations

import json
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


def _without(name: str, **changes: object) -> dict:
    body = claims(**changes)
    del body[name]
    return body


def _signed_as_is(body: dict) -> str:
    """Signed without PyJWT's encode-time checks (it refuses to write a non-string iss)."""
    payload = json.dumps(body).encode()
    return jwt.PyJWS().encode(payload, PLATFORM.keys.pem(), "RS256", {"kid": PLATFORM.keys.kid})


def _signed(alg: str) -> str:
    key = None if alg == "none" else PLATFORM.keys.pem()
    return jwt.encode(claims(), key, algorithm=alg, headers={"kid": PLATFORM.keys.kid})


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
        # Security Framework §5.1.3: the Tool expects RS256; "none" would be unsigned
        pytest.param(_signed("RS384"), "alg", "the id_token must be signed RS256, not 'RS384'",
                     id="rs384"),
        pytest.param(_signed("none"), "alg", "the id_token must be signed RS256, not 'none'",
                     id="alg-none"),
        # RFC 7519 §4.1.1: iss is a string (a URL); a number names no platform
        pytest.param(_signed_as_is(claims(iss=42)), "iss",
                     "the id_token has no iss (issuer) claim", id="non-string-iss"),
        # OIDC Core §3.1.3.7: several audiences need an azp naming one of them
        pytest.param(PLATFORM.keys.sign(_without("azp", aud=[PLATFORM.client_id, "other"])),
                     "azp", "aud has several values, so azp must be present and one of them",
                     id="several-audiences-no-azp"),
        # RFC 7519 §4.1.7: jti is a string; a signed token with a malformed registered claim
        pytest.param(PLATFORM.keys.sign(claims(jti=7)), "id_token",
                     "the id_token could not be verified", id="non-string-jti"),
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
        # LTI Core §5.3.5: a resource link request carries resource_link, its id a string
        pytest.param(claims(**{CLAIM + "resource_link": {"id": 42}}), "resource_link.id",
                     "the id_token has no resource_link.id", id="numeric-resource-link-id"),
        pytest.param(claims(**{CLAIM + "resource_link": "link-1"}), "resource_link.id",
                     "the id_token has no resource_link.id", id="resource-link-not-an-object"),
        pytest.param(_without(CLAIM + "resource_link"), "resource_link.id",
                     "the id_token has no resource_link.id", id="no-resource-link"),
        pytest.param(_deep_linking(deep_link_return_url=""), "deep_linking_settings",
                     "the id_token has no deep_link_return_url", id="no-return-url"),
        # the response is posted to deep_link_return_url: it must be on the platform's host
        pytest.param(_deep_linking(deep_link_return_url="https://attacker.example/return"),
                     "deep_link_return_url",
                     "the deep_link_return_url is on attacker.example, not on the platform's "
                     "registered host (lms.example)", id="return-url-on-another-site"),
    ],
)  # fmt: skip
def test_a_bad_lti_claim_is_rejected_by_the_check_it_fails(body, check, message):
    assert _lti_rejection(body) == (check, message)


def test_a_sub_of_255_characters_is_accepted():
    assert _lti_rejection(claims(sub="s" * 255)) is None


def _token_of_length(length: int) -> str:
    """A valid token padded (an extra claim, an extra header) to exactly ``length``."""
    for header_pad in ("", "x", "xx", "xxx"):
        short = PLATFORM.keys.sign(claims(pad=""), headers={"pad": header_pad})
        start = max(0, (length - len(short)) * 3 // 4 - 4)
        for size in range(start, start + 8):
            token = PLATFORM.keys.sign(claims(pad="p" * size), headers={"pad": header_pad})
            if len(token) == length:
                return token
    raise AssertionError(f"no token of {length} characters")


def test_a_token_of_exactly_the_size_limit_is_read():
    """MAX_TOKEN_LENGTH is the longest id_token read; only a longer one is too large."""
    assert MAX_TOKEN_LENGTH == 32 * 1024
    token = _token_of_length(MAX_TOKEN_LENGTH)
    assert _rejection(token) is None
    assert _rejection(token + "x") == ("id_token", "the id_token is too large")


def _launch_rejection(token: str) -> tuple[str, str] | None:
    """The whole id_token check of a launch: the token, then its LTI claims."""
    try:
        body, registration = verify_id_token(token, Keys(), 60)  # type: ignore[arg-type]
        check_lti_claims(body, registration, lambda url: url.startswith("https://tool.example/"))
    except LaunchRejected as rejected:
        return rejected.check, rejected.message
    return None


@pytest.mark.parametrize("sub", [42, None, ["s-1"]], ids=["number", "null", "list"])
def test_a_sub_that_is_not_a_string_is_rejected_by_the_sub_check(sub):
    """LTI Core §5.3.6: sub is the user's id, a string; a token naming a person (this one
    has a name and email) without one is refused as such, not as an unverifiable token."""
    assert _launch_rejection(PLATFORM.keys.sign(claims(sub=sub))) == (
        "sub",
        "the id_token has no valid sub (user id) claim",
    )
