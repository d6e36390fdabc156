"""Installing the tool in an LMS on the local stack: ``coursebridge platform
registration-url``, Canvas's JSON configuration (``GET /lti/canvas.json``) and a Canvas
Dynamic Registration, whose answer names no deployment yet."""

from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

import pytest
import requests
from dynreg_support import (
    PLATFORM_CONFIGURATION,
    confirm,
    make_org,
    opened,
    registration_url,
    scripted_platform,
)

from coursebridge.cli import main
from coursebridge.lti.tool_config import forget_cached_config
from coursebridge.orgs.registration_urls import TOKEN_PARAM, token_hash
from coursebridge.store.audit import AuditStore
from coursebridge.store.dynamo import now_epoch
from coursebridge.store.platforms import PlatformStore
from coursebridge.store.registration_urls import RegistrationUrlStore
from tests.unit.test_dynamic_registration_rules import COPY_HISTORY

pytestmark = pytest.mark.integration


def run(capsys, *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def test_the_cli_prints_a_single_use_url_of_the_organization(stack, capsys):
    make_org("acme")
    code, out, err = run(capsys, "platform", "registration-url", "--org", "acme", "--expires", "2h")
    assert code == 0, err
    url = out.split()[-1]
    assert url.startswith(f"{stack.ports.tool_url}/lti/register?{TOKEN_PARAM}=")
    token = parse_qs(urlsplit(url).query)[TOKEN_PARAM][0]
    assert len(token) >= 43  # 256 random bits
    stored = RegistrationUrlStore().get(token_hash(token))
    assert stored.org_id == "acme" and stored.state(now_epoch()) == "usable"
    assert abs(stored.expires_at - (now_epoch() + 7200)) <= 5
    assert token not in str(AuditStore().list_for_org("acme"))  # only its hash is kept
    (created,) = [r for r in AuditStore().list_for_org("acme") if r.action.endswith("created")]
    assert created.details["urlId"] == stored.url_id and created.details["urlId"] in out


@pytest.mark.parametrize(
    ("argv", "says"),
    [
        (["--org", "nobody"], "unknown org 'nobody'"),
        (["--org", "acme", "--expires", "90d"], "at most 30 days"),
        (["--org", "acme", "--expires", "soon"], "not a duration"),
    ],
)
def test_the_cli_refuses_a_url_it_cannot_issue_in_one_line(stack, capsys, argv, says):
    make_org("acme")
    code, out, err = run(capsys, "platform", "registration-url", *argv)
    assert code == 1 and out == "" and says in err and err.count("\n") == 1


def test_the_canvas_configuration_carries_the_organizations_student_id_field(stack):
    make_org("acme", student_id_field="sis_id")
    base = stack.ports.tool_url
    answer = requests.get(f"{base}/lti/canvas.json", params={"org": "acme"}, timeout=10)
    assert answer.status_code == 200 and answer.headers["content-type"] == "application/json"
    config = answer.json()
    assert config["oidc_initiation_url"] == f"{base}/lti/login"
    assert config["target_link_uri"] == f"{base}/lti/launch"
    assert config["public_jwk_url"] == f"{base}/.well-known/jwks.json"
    assert config["custom_fields"] == {"sis_id": "$Person.sourcedId", **COPY_HISTORY}
    assert config["privacy_level"] == "public"
    placements = config["extensions"][0]["settings"]["placements"]
    assert [p["placement"] for p in placements] == ["link_selection", "assignment_selection"]
    generic = requests.get(f"{base}/lti/canvas.json", timeout=10).json()
    assert generic["custom_fields"] == COPY_HISTORY and generic["scopes"] == config["scopes"]


def test_the_canvas_configuration_of_an_unknown_organization_is_a_404(stack):
    answer = requests.get(
        f"{stack.ports.tool_url}/lti/canvas.json", params={"org": "nobody"}, timeout=10
    )
    assert answer.status_code == 404 and answer.json() == {"error": "unknown organization 'nobody'"}


def test_a_canvas_registration_without_a_deployment_accepts_the_clients_launches(stack):
    """Canvas answers a registration before the tool is deployed in an account: no
    deployment id. The registration then takes any deployment of its client id."""
    make_org("acme")
    with scripted_platform() as canvas:
        lti = {
            "product_family_code": "canvas",
            "version": "cloud",
            "messages_supported": [
                {"type": "LtiResourceLinkRequest"},
                {"type": "LtiDeepLinkingRequest"},
            ],
        }
        canvas.serve_config(**{PLATFORM_CONFIGURATION: lti})
        canvas.answer_registration("10000000000042", deployment_id=None)
        page = requests.get(opened(registration_url(stack, "acme"), canvas.config_url), timeout=30)
        done = confirm(stack, page.text)
        assert done.status_code == 200 and "any deployment of this client" in done.text
        ((_, sent),) = canvas.registrations()
    tool_config = sent["https://purl.imsglobal.org/spec/lti-tool-configuration"]
    assert tool_config["https://canvas.instructure.com/lti/privacy_level"] == "public"
    assert tool_config["messages"][0]["placements"] == ["link_selection", "assignment_selection"]
    (registration,) = PlatformStore().for_org("acme")
    assert registration.any_deployment and registration.deployment_ids == []
    forget_cached_config()
    login = requests.get(
        f"{stack.ports.tool_url}/lti/login",
        params={
            "iss": canvas.base_url,
            "login_hint": "u1",
            "target_link_uri": f"{stack.ports.tool_url}/lti/launch",
            "client_id": "10000000000042",
            "lti_deployment_id": "6:8865aa05b4b79b64a91a86042e43af5ea8ae79eb",
        },
        allow_redirects=False,
        timeout=10,
    )
    assert login.status_code == 302, login.text
    assert login.headers["location"].startswith(f"{canvas.base_url}/auth?")
