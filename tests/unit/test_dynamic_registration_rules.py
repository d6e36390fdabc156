"""The rules of Dynamic Registration that need no server: what a platform configuration
must say, what the tool asks a platform for (Canvas's own fields included), what it
keeps of the answer, and how long a registration URL lives."""

from __future__ import annotations

import pytest
import requests

from coursebridge.lti import ags
from coursebridge.lti.canvas_config import canvas_configuration
from coursebridge.lti.dynamic_registration import (
    TOOL_CONFIGURATION,
    RegistrationFailed,
    parse_registration_answer,
    registration_request,
)
from coursebridge.lti.platform_configuration import (
    PLATFORM_CONFIGURATION,
    ConfigurationRefused,
    parse_platform_configuration,
)
from coursebridge.lti.tool_description import SCOPES, ToolUrls
from coursebridge.orgs.registration_urls import expiry_seconds
from coursebridge.store.platforms import PlatformRegistration

URL = "https://lms.example.edu/.well-known/openid-configuration"
TOOL = ToolUrls("https://tool.example.com")

# A copied course's launch names the course and activity it was copied from: the LMS
# fills these variables in (the custom values lti/context_claims.py reads).
COPY_HISTORY = {
    "context_id_history": "$Context.id.history",
    "resource_link_id_history": "$ResourceLink.id.history",
}


def _config(**changes):
    config = {
        "issuer": "https://lms.example.edu",
        "authorization_endpoint": "https://lms.example.edu/auth",
        "token_endpoint": "https://api.lms.example.edu/token",
        "jwks_uri": "https://lms.example.edu/jwks",
        "registration_endpoint": "https://lms.example.edu/register",
        PLATFORM_CONFIGURATION: {
            "product_family_code": "moodle",
            "version": "4.1",
            "messages_supported": [
                {"type": "LtiResourceLinkRequest"},
                {"type": "LtiDeepLinkingRequest", "placements": ["ContentArea"]},
            ],
        },
    }
    config.update(changes)
    return {k: v for k, v in config.items() if v is not None}


def test_a_valid_configuration_is_read():
    config = parse_platform_configuration(
        URL, _config(scopes_supported=["openid", ags.SCOPE_SCORE])
    )
    assert config.issuer == "https://lms.example.edu" and config.lms_name == "moodle 4.1"
    assert config.messages == ["LtiResourceLinkRequest", "LtiDeepLinkingRequest"]
    assert config.placements["LtiDeepLinkingRequest"] == ["ContentArea"]
    assert config.offered(SCOPES) == [ags.SCOPE_SCORE] and not config.is_canvas


def test_older_moodles_bare_message_names_are_understood():
    lti = {"product_family_code": "moodle", "messages_supported": ["LtiResourceLink"]}
    config = parse_platform_configuration(URL, _config(**{PLATFORM_CONFIGURATION: lti}))
    assert config.messages == ["LtiResourceLinkRequest"] and not config.supports_deep_linking


@pytest.mark.parametrize(
    ("url", "issuer", "accepted"),
    [
        (URL, "https://lms.example.edu", True),
        (URL, "https://lms.example.edu/", True),
        (URL, "https://LMS.example.edu:443", True),  # the same origin, spelled otherwise
        (
            "https://school.edu/moodle/mod/lti/openid-configuration.php",
            "https://school.edu/moodle",
            True,
        ),
        (URL, "https://other.example.edu", False),
        (URL, "https://example.edu", False),  # the parent domain is another origin
        (URL, "https://lms.example.edu:8443", False),
        (URL, "http://lms.example.edu", False),
        (URL, "https://lms.example.edu?tenant=1", False),
        (URL, "https://lms.example.edu#x", False),
    ],
)
def test_the_issuer_is_the_configuration_urls_origin(url, issuer, accepted):
    document = _config(issuer=issuer)
    if accepted:
        assert parse_platform_configuration(url, document).issuer == issuer
    else:
        with pytest.raises(ConfigurationRefused) as refused:
            parse_platform_configuration(url, document)
        assert refused.value.check == "issuer"


@pytest.mark.parametrize(
    ("changes", "check"),
    [
        ({"issuer": None}, "issuer"),
        ({"issuer": 42}, "issuer"),
        ({"authorization_endpoint": None}, "authorization_endpoint"),
        ({"token_endpoint": ""}, "token_endpoint"),
        ({"jwks_uri": "javascript:alert(1)"}, "jwks_uri"),
        ({"registration_endpoint": "https://10.0.0.3/register"}, "registration_endpoint"),
        ({"jwks_uri": "https://[::ffff:169.254.169.254]/jwks"}, "jwks_uri"),
        (
            {"id_token_signing_alg_values_supported": ["none"]},
            "id_token_signing_alg_values_supported",
        ),
        ({PLATFORM_CONFIGURATION: "moodle"}, PLATFORM_CONFIGURATION),
        (
            {PLATFORM_CONFIGURATION: {"messages_supported": [{"type": "LtiResourceLinkRequest"}]}},
            "product_family_code",
        ),
        ({PLATFORM_CONFIGURATION: {"product_family_code": "x"}}, "messages_supported"),
    ],
)
def test_a_configuration_missing_what_lti_needs_names_the_field(changes, check):
    with pytest.raises(ConfigurationRefused) as refused:
        parse_platform_configuration(URL, _config(**changes))
    assert refused.value.check == check


def test_the_request_asks_for_what_the_tool_does_and_the_platform_offers():
    offered = [s for s in SCOPES if "nrps" not in s]
    config = parse_platform_configuration(URL, _config(scopes_supported=offered))
    body = registration_request(config, TOOL, "student_id")
    assert body["initiate_login_uri"] == "https://tool.example.com/lti/login"
    assert body["redirect_uris"] == ["https://tool.example.com/lti/launch"]
    assert body["jwks_uri"] == "https://tool.example.com/.well-known/jwks.json"
    assert body["token_endpoint_auth_method"] == "private_key_jwt"
    assert set(body["grant_types"]) == {"implicit", "client_credentials"}
    assert body["scope"].split() == offered  # NRPS is not asked of a platform without it
    lti = body[TOOL_CONFIGURATION]
    assert lti["domain"] == "tool.example.com"
    assert [m["type"] for m in lti["messages"]] == [
        "LtiDeepLinkingRequest",
        "LtiResourceLinkRequest",
    ]
    assert lti["custom_parameters"] == {"student_id": "$Person.sourcedId", **COPY_HISTORY}
    assert {"email", "name", "given_name", "family_name"} <= set(lti["claims"])
    assert "https://canvas.instructure.com/lti/privacy_level" not in lti
    assert all("placements" not in m for m in lti["messages"])


def test_a_request_to_canvas_carries_its_privacy_level_and_placements():
    canvas = _config(
        issuer="https://canvas.instructure.com",
        **{
            PLATFORM_CONFIGURATION: {
                "product_family_code": "canvas",
                "messages_supported": [
                    {"type": "LtiResourceLinkRequest"},
                    {"type": "LtiDeepLinkingRequest"},
                ],
            }
        },
    )
    config = parse_platform_configuration(
        "https://canvas.instructure.com/api/lti/security/openid-configuration", canvas
    )
    lti = registration_request(config, TOOL, None)[TOOL_CONFIGURATION]
    assert lti["https://canvas.instructure.com/lti/privacy_level"] == "public"
    deep_linking, resource_link = lti["messages"]
    assert deep_linking["placements"] == ["link_selection", "assignment_selection"]
    assert "placements" not in resource_link and lti["custom_parameters"] == COPY_HISTORY


def test_the_tool_asks_for_every_scope_grade_release_uses():
    assert set(ags.AGS_SCOPES) <= set(SCOPES)


def _answer(payload: object) -> requests.Response:
    import json

    response = requests.Response()
    response.status_code = 200
    response._content = json.dumps(payload).encode()
    return response


@pytest.mark.parametrize(
    ("payload", "client", "deployment"),
    [
        ({"client_id": "c1", TOOL_CONFIGURATION: {"deployment_id": "d1"}}, "c1", "d1"),
        ({"client_id": 10000000000042}, "10000000000042", None),  # Canvas: no deployment yet
        ({"client_id": " c2 ", TOOL_CONFIGURATION: {"deployment_id": ""}}, "c2", None),
    ],
)
def test_the_client_and_deployment_of_an_answer(payload, client, deployment):
    got = parse_registration_answer(_answer(payload))
    assert (got.client_id, got.deployment_id) == (client, deployment)


@pytest.mark.parametrize("payload", [{}, {"client_id": ""}, {"client_id": True}, ["c1"]])
def test_an_answer_without_a_client_is_refused(payload):
    with pytest.raises(RegistrationFailed):
        parse_registration_answer(_answer(payload))


def test_a_registration_without_deployments_accepts_any_only_when_it_says_so():
    fields = {
        "issuer": "https://canvas.instructure.com",
        "client_id": "c1",
        "auth_login_url": "https://sso.canvaslms.com/api/lti/authorize_redirect",
        "auth_token_url": "https://sso.canvaslms.com/login/oauth2/token",
        "jwks_url": "https://sso.canvaslms.com/api/lti/security/jwks",
        "org_id": "acme",
    }
    with pytest.raises(ValueError, match="at least one deployment"):
        PlatformRegistration.model_validate({**fields, "deployment_ids": []})
    listed = PlatformRegistration.model_validate({**fields, "deployment_ids": ["d1"]})
    assert listed.accepts_deployment("d1") and not listed.accepts_deployment("d2")
    anyone = PlatformRegistration.model_validate(
        {**fields, "deployment_ids": [], "any_deployment": True}
    )
    assert anyone.accepts_deployment("d2") and anyone.deployments_label == "(any)"


def test_the_canvas_configuration_names_every_url_placement_and_the_student_id():
    config = canvas_configuration(TOOL, "student_id")
    assert config["oidc_initiation_url"] == TOOL.login_url
    assert config["target_link_uri"] == TOOL.launch_url
    assert config["public_jwk_url"] == TOOL.jwks_url
    assert config["scopes"] == list(SCOPES)
    assert config["custom_fields"] == {"student_id": "$Person.sourcedId", **COPY_HISTORY}
    (extension,) = config["extensions"]
    assert extension["privacy_level"] == "public" and extension["domain"] == "tool.example.com"
    placements = {p["placement"]: p for p in extension["settings"]["placements"]}
    assert set(placements) == {"link_selection", "assignment_selection"}
    assert {p["message_type"] for p in placements.values()} == {"LtiDeepLinkingRequest"}
    assert canvas_configuration(TOOL, None)["custom_fields"] == COPY_HISTORY


@pytest.mark.parametrize(
    ("text", "seconds"), [("7d", 7 * 86400), ("12h", 43200), ("30m", 1800), (" 30d ", 30 * 86400)]
)
def test_registration_url_lifetimes(text, seconds):
    assert expiry_seconds(text) == seconds


@pytest.mark.parametrize("text", ["", "7", "7w", "-1d", "31d", "0m", "1.5h", "forever"])
def test_registration_url_lifetimes_that_are_refused(text):
    with pytest.raises(ValueError):
        expiry_seconds(text)
