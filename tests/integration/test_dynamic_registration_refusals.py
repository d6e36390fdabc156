"""Every refusal of /lti/register is a 4xx page that says what to fix, and writes nothing:
a URL that is incomplete, unknown, expired, used or busy; an LMS that cannot be reached,
answers something other than a valid configuration, names an issuer of another host, or
does not register the tool."""

from __future__ import annotations

import socket

import pytest
import requests
from dynreg_support import (
    confirm,
    json_reply,
    make_org,
    opened,
    registration_url,
    scripted_platform,
)
from stored import everything_stored

from coursebridge.orgs.registration_urls import TOKEN_PARAM, token_hash
from coursebridge.store.dynamo import now_epoch
from coursebridge.store.registration_urls import RegistrationUrl, RegistrationUrlStore

pytestmark = pytest.mark.integration


@pytest.fixture
def acme(stack):
    make_org("acme")
    return stack


@pytest.fixture
def lms():
    with scripted_platform() as platform:
        platform.serve_config()
        platform.answer_registration()
        yield platform


def _refused(response: requests.Response, status: int, check: str, *says: str) -> None:
    assert response.status_code == status, response.text
    assert f'data-check="{check}"' in response.text, response.text
    for words in says:
        assert words in response.text, response.text
    assert "Traceback" not in response.text


def _register_page(stack, query: dict[str, str]) -> requests.Response:
    return requests.get(f"{stack.ports.tool_url}/lti/register", params=query, timeout=30)


# ---------------------------------------------------------------- the URL
def test_a_url_without_its_token_is_refused(acme, lms):
    answer = _register_page(acme, {"openid_configuration": lms.config_url})
    _refused(answer, 400, "token", "This registration URL is incomplete", TOKEN_PARAM)
    assert lms.seen == []  # the LMS's URL is not even fetched


def test_an_unknown_token_is_refused_before_the_lms_is_fetched(acme, lms):
    query = {TOKEN_PARAM: "made-up", "openid_configuration": lms.config_url}
    _refused(_register_page(acme, query), 404, "token", "Unknown registration URL")
    assert lms.seen == []


def test_a_url_opened_outside_an_lms_says_to_paste_it_into_the_lms(acme, lms):
    answer = requests.get(registration_url(acme, "acme"), timeout=30)
    _refused(answer, 400, "openid_configuration", "Dynamic Registration")


def test_an_expired_url_is_refused_on_the_page_and_on_its_post(acme, lms):
    now = now_epoch()
    expired = RegistrationUrl(
        token_hash=token_hash("old-token"), org_id="acme", created_at=now - 90, expires_at=now - 1
    )
    from coursebridge.store.audit import AuditRecord

    RegistrationUrlStore().create(expired, AuditRecord(org_id="acme", action="t", account_id=""))
    before = everything_stored()
    query = {TOKEN_PARAM: "old-token", "openid_configuration": lms.config_url}
    _refused(_register_page(acme, query), 410, "expired", "has expired")
    posted = requests.post(f"{acme.ports.tool_url}/lti/register", data=query, timeout=30)
    _refused(posted, 410, "expired")
    assert everything_stored() == before and lms.registrations() == []


def test_a_url_being_used_by_another_request_is_refused_as_busy(acme, lms):
    page = requests.get(opened(registration_url(acme, "acme"), lms.config_url), timeout=30)
    token = page.text.split(f'name="{TOKEN_PARAM}" value="')[1].split('"')[0]
    url = RegistrationUrlStore().get(token_hash(token))
    assert RegistrationUrlStore().claim(url, now_epoch()) is not None  # someone else's POST
    _refused(confirm(acme, page.text), 409, "busy", "in progress")
    assert lms.registrations() == []


# ---------------------------------------------------------------- the LMS's configuration
def _config_refused(stack, config_url: str, status: int, check: str, *says: str) -> None:
    url = opened(registration_url(stack, "acme"), config_url)
    before = everything_stored()
    _refused(requests.get(url, timeout=30), status, check, *says)
    assert everything_stored() == before


def test_an_lms_that_cannot_be_reached_is_refused(acme):
    with socket.socket() as unused:
        unused.bind(("127.0.0.1", 0))
        port = unused.getsockname()[1]
    _config_refused(acme, f"http://127.0.0.1:{port}/config", 400, "openid_configuration", "reached")


@pytest.mark.parametrize(
    ("reply", "says"),
    [
        (lambda h, b: (200, {"content-type": "text/html"}, b"<html>login</html>"), "not JSON"),
        (lambda h, b: json_reply(500, {"error": "down"}), "answered HTTP 500"),
        (lambda h, b: json_reply(200, ["not", "an", "object"]), "not a JSON object"),
        (
            lambda h, b: (302, {"location": "http://169.254.169.254/latest/meta-data/"}, b""),
            "redirect",
        ),
        (lambda h, b: (200, {"content-type": "application/json"}, b"{" * 300_000), "over"),
    ],
    ids=["html", "http-500", "not-an-object", "redirect-to-metadata", "huge"],
)
def test_an_answer_that_is_not_a_configuration_is_refused(acme, lms, reply, says):
    lms.routes[("GET", "/.well-known/openid-configuration")] = reply
    _config_refused(acme, lms.config_url, 400, "openid_configuration", says)
    assert lms.registrations() == []


@pytest.mark.parametrize(
    ("changes", "check", "says"),
    [
        ({"jwks_uri": None}, "jwks_uri", "jwks_uri is missing"),
        ({"registration_endpoint": None}, "registration_endpoint", "is missing"),
        ({"authorization_endpoint": "http://10.0.0.7/auth"}, "authorization_endpoint", "private"),
        ({"jwks_uri": "http://169.254.169.254/jwks"}, "jwks_uri", "link-local"),
        ({"token_endpoint": "ftp://lms.example.edu/token"}, "token_endpoint", "must be https"),
        ({"id_token_signing_alg_values_supported": ["HS256"]}, "id_token_signing", "RS256"),
        ({"token_endpoint_auth_methods_supported": ["client_secret_basic"]}, "token", "private"),
        (
            {"https://purl.imsglobal.org/spec/lti-platform-configuration": None},
            "https://purl.imsglobal.org/spec/lti-platform-configuration",
            "LTI platform",
        ),
        (
            {
                "https://purl.imsglobal.org/spec/lti-platform-configuration": {
                    "product_family_code": "x",
                    "messages_supported": [{"type": "LtiDeepLinkingRequest"}],
                }
            },
            "messages_supported",
            "LtiResourceLinkRequest",
        ),
    ],
)
def test_a_configuration_without_what_lti_needs_is_refused_naming_the_field(
    acme, lms, changes, check, says
):
    lms.serve_config(**changes)
    url = opened(registration_url(acme, "acme"), lms.config_url)
    answer = requests.get(url, timeout=30)
    assert answer.status_code == 400 and says in answer.text, answer.text
    assert f'data-check="{check}' in answer.text
    assert lms.registrations() == []


@pytest.mark.parametrize(
    "issuer", ["http://localhost:{port}", "https://canvas.instructure.com", "http://127.0.0.1:1"]
)
def test_an_issuer_of_another_origin_than_the_configuration_is_refused(acme, lms, issuer):
    port = lms.base_url.rsplit(":", 1)[1]
    lms.serve_config(issuer=issuer.format(port=port))
    _config_refused(acme, lms.config_url, 400, "issuer", "Issuer mismatch", "own origin")


def test_an_issuer_with_a_path_on_the_same_origin_is_accepted(acme, lms):
    """A Moodle site in a subdirectory: its issuer has a path, its origin is the same."""
    lms.serve_config(issuer=f"{lms.base_url}/moodle")
    page = requests.get(opened(registration_url(acme, "acme"), lms.config_url), timeout=30)
    assert page.status_code == 200, page.text


@pytest.mark.parametrize(
    "config_url",
    [
        "http://169.254.169.254/latest/meta-data/openid-configuration",
        "http://10.0.0.8/openid-configuration",
        "file:///etc/passwd",
        "https://user:secret@lms.example.edu/openid-configuration",
    ],
)
def test_a_configuration_url_the_tool_never_fetches_is_refused_without_a_request(acme, config_url):
    _config_refused(acme, config_url, 400, "openid_configuration")


def test_a_host_that_resolves_to_a_private_address_is_refused(acme, lms, monkeypatch):
    """DNS can point any name anywhere: the address it resolves to is what is checked."""
    port = int(lms.base_url.rsplit(":", 1)[1])
    real = socket.getaddrinfo

    def resolve(host, *args, **kwargs):
        if host == "lms.evil.example":
            return [(socket.AF_INET, socket.SOCK_STREAM, 6, "", ("10.1.2.3", port))]
        return real(host, *args, **kwargs)

    monkeypatch.setattr(socket, "getaddrinfo", resolve)
    config_url = "https://lms.evil.example/.well-known/openid-configuration"
    _config_refused(acme, config_url, 400, "openid_configuration", "10.1.2.3 is a private address")


# ---------------------------------------------------------------- the registration itself
def test_an_lms_that_refuses_the_registration_leaves_the_url_usable(acme, lms):
    lms.routes[("POST", "/register")] = lambda h, b: json_reply(
        401, {"error": "invalid_token", "error_description": "registration token expired"}
    )
    page = requests.get(opened(registration_url(acme, "acme"), lms.config_url), timeout=30)
    before = everything_stored()
    refused = confirm(acme, page.text)
    _refused(refused, 400, "registration_endpoint", "HTTP 401", "registration token expired")
    assert everything_stored() == before  # the URL's claim was given back
    lms.answer_registration()  # the LMS admin fixes it and presses Register again
    assert confirm(acme, page.text).status_code == 200


@pytest.mark.parametrize(
    ("reply", "says"),
    [
        (lambda h, b: json_reply(200, {"client_name": "no id"}), "no client_id"),
        (lambda h, b: (200, {"content-type": "application/json"}, b"<xml/>"), "not JSON"),
        (lambda h, b: (307, {"location": "http://10.0.0.1/register"}, b""), "redirect"),
        (lambda h, b: (200, {"content-type": "application/json"}, b" " * 300_000), "over"),
        (lambda h, b: json_reply(200, {"client_id": "x" * 300}), "no client_id"),
    ],
    ids=["no-client-id", "not-json", "redirect", "huge", "absurd-client-id"],
)
def test_an_answer_without_a_client_we_can_keep_stores_nothing(acme, lms, reply, says):
    lms.routes[("POST", "/register")] = reply
    page = requests.get(opened(registration_url(acme, "acme"), lms.config_url), timeout=30)
    before = everything_stored()
    _refused(confirm(acme, page.text), 400, "registration_endpoint", says)
    assert everything_stored() == before


def test_the_platforms_registration_token_goes_to_its_registration_endpoint_only(acme, lms):
    page = requests.get(opened(registration_url(acme, "acme"), lms.config_url), timeout=30)
    assert confirm(acme, page.text).status_code == 200
    bearers = [h.get("authorization") for m, p, h, b in lms.seen]
    assert bearers == [None, None, "Bearer platform-registration-token"]  # GET, GET, POST
    assert {h["user-agent"] for m, p, h, b in lms.seen} == {lms.seen[0][2]["user-agent"]}
    assert lms.seen[0][2]["user-agent"].startswith("coursebridge/")


def test_the_urls_a_request_names_only_choose_who_may_frame_its_page(acme):
    """A host name that would smuggle a CSP directive frames nothing: our origin only."""
    hostile = "https://a;script-src 'unsafe-inline';x/openid-configuration"
    answer = requests.get(opened(registration_url(acme, "acme"), hostile), timeout=30)
    assert answer.status_code == 400
    policy = answer.headers["content-security-policy"]
    assert policy.endswith("frame-ancestors 'self'") and "unsafe-inline" not in policy


def test_a_refusal_is_logged_without_the_query_of_the_lms_urls(acme, lms):
    """Canvas puts its registration token in its configuration URL's query."""
    import logging

    from tests.lti_support import LogCapture

    lms.routes[("GET", "/.well-known/openid-configuration")] = lambda h, b: json_reply(503, {})
    capture = LogCapture()
    logging.getLogger("coursebridge").addHandler(capture)
    try:
        config_url = f"{lms.config_url}?registration_token=secret-of-the-lms"
        answer = requests.get(opened(registration_url(acme, "acme"), config_url), timeout=30)
    finally:
        logging.getLogger("coursebridge").removeHandler(capture)
    assert answer.status_code == 400 and "HTTP 503" in answer.text
    (record,) = [r for r in capture.records if getattr(r, "reason", None) == "openid_configuration"]
    assert "HTTP 503" in record.detail and "secret-of-the-lms" not in record.detail


def test_a_url_of_an_organization_that_is_gone_registers_nothing(acme, lms):
    from coursebridge.store import keys
    from coursebridge.store.dynamo import app_table

    url = opened(registration_url(acme, "acme"), lms.config_url)
    app_table().delete_item(Key=keys.org("acme"))
    before = everything_stored()
    _refused(requests.get(url, timeout=30), 404, "org", "no longer exists")
    assert everything_stored() == before and lms.seen == []
