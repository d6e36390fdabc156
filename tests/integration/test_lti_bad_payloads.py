"""The 1EdTech LTI 1.3 certification bad-payload matrix, against the local stack.

Every row: a 4xx HTML page naming the failed check, no session cookie, no account,
a structured log line with the reason — and never the token in the logs.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable

import jwt
import pytest

from coursebridge.lti.claims import CLAIM
from coursebridge.sessions import COOKIE_NAME
from local.demo_lms import PlatformKeys
from tests.integration.accounts_support import users_of_kind
from tests.lti_support import LogCapture, Login, ToolClient

pytestmark = pytest.mark.integration


@pytest.fixture
def logs():
    capture = LogCapture()
    logger = logging.getLogger("coursebridge")
    logger.addHandler(capture)
    yield capture
    logger.removeHandler(capture)


Attempt = tuple[str, str, str]  # id_token, state, cookie header
Case = Callable[[ToolClient, Login, dict], Attempt]


def _signed(tool: ToolClient, login: Login, claims: dict, **headers: object) -> Attempt:
    return tool.lms.platform.keys.sign(claims, headers), login.state, login.cookie_header


def _without(*path: str) -> Case:
    def case(tool: ToolClient, login: Login, claims: dict) -> Attempt:
        target = claims
        for part in path[:-1]:
            target = target[part]
        del target[path[-1]]
        return _signed(tool, login, claims)

    return case


def _with(name: str, value: object) -> Case:
    def case(tool: ToolClient, login: Login, claims: dict) -> Attempt:
        claims[name] = value
        return _signed(tool, login, claims)

    return case


def no_kid(tool, login, claims):
    token = jwt.encode(claims, tool.lms.platform.keys.pem(), algorithm="RS256")
    return token, login.state, login.cookie_header


def unknown_kid(tool, login, claims):
    return _signed(tool, login, claims, kid="not-a-published-key")


def foreign_key(tool, login, claims):
    stranger = PlatformKeys()
    token = jwt.encode(
        claims, stranger.pem(), algorithm="RS256", headers={"kid": tool.lms.platform.keys.kid}
    )
    return token, login.state, login.cookie_header


def alg_none(tool, login, claims):
    token = jwt.encode(claims, None, algorithm="none", headers={"kid": tool.lms.platform.keys.kid})
    return token, login.state, login.cookie_header


def alg_hs256(tool, login, claims):
    # The classic confusion attack: HMAC keyed with the platform's *public* key.
    public = tool.lms.platform.keys.jwks()["keys"][0]["n"].encode()
    token = jwt.encode(
        claims, public, algorithm="HS256", headers={"kid": tool.lms.platform.keys.kid}
    )
    return token, login.state, login.cookie_header


def expired(tool, login, claims):
    claims["iat"], claims["exp"] = int(time.time()) - 3600, int(time.time()) - 600
    return _signed(tool, login, claims)


def iat_in_future(tool, login, claims):
    claims["iat"], claims["exp"] = int(time.time()) + 600, int(time.time()) + 900
    return _signed(tool, login, claims)


def several_audiences_without_azp(tool, login, claims):
    claims["aud"] = [tool.lms.platform.client_id, "another-client"]
    del claims["azp"]
    return _signed(tool, login, claims)


def nonce_mismatch(tool, login, claims):
    claims["nonce"] = "not-the-nonce-we-issued"
    return _signed(tool, login, claims)


def state_mismatch(tool, login, claims):
    token, _, cookie = _signed(tool, login, claims)
    return token, "cbc-a-state-we-never-issued", cookie


def state_from_another_browser(tool, login, claims):
    # A second login (another browser) holds its own state cookie; it posts our state.
    other = tool.login()
    token, state, _ = _signed(tool, login, claims)
    return token, state, other.cookie_header


def replayed_token(tool, login, claims):
    token, state, cookie = _signed(tool, login, claims)
    first = tool.launch(token, state, cookie)
    assert first.status_code == 303, first.text
    return token, state, cookie


def replayed_token_with_a_fresh_login(tool, login, claims):
    token, state, cookie = _signed(tool, login, claims)
    assert tool.launch(token, state, cookie).status_code == 303
    fresh = tool.login()
    return token, fresh.state, fresh.cookie_header


def foreign_target_link_uri(tool, login, claims):
    claims[CLAIM + "target_link_uri"] = "https://evil.example/lti/launch"
    return _signed(tool, login, claims)


MATRIX: list[tuple[str, Case, str]] = [
    ("no kid", no_kid, "kid"),
    ("unknown kid", unknown_kid, "kid"),
    ("foreign signing key", foreign_key, "signature"),
    ("alg none", alg_none, "alg"),
    ("alg HS256", alg_hs256, "alg"),
    ("wrong iss", _with("iss", "https://impostor.example"), "iss"),
    ("wrong aud", _with("aud", "not-our-client-id"), "aud"),
    ("several aud without azp", several_audiences_without_azp, "azp"),
    ("expired", expired, "exp"),
    ("iat in the future", iat_in_future, "iat"),
    ("wrong LTI version", _with(CLAIM + "version", "1.1.0"), "version"),
    ("no LTI version", _without(CLAIM + "version"), "version"),
    ("invalid message type", _with(CLAIM + "message_type", "LtiStrangeRequest"), "message_type"),
    ("no message type", _without(CLAIM + "message_type"), "message_type"),
    ("no roles", _without(CLAIM + "roles"), "roles"),
    ("no deployment_id", _without(CLAIM + "deployment_id"), "deployment_id"),
    ("no resource_link.id", _without(CLAIM + "resource_link", "id"), "resource_link.id"),
    ("no sub", _without("sub"), "sub"),
    ("no target_link_uri", _without(CLAIM + "target_link_uri"), "target_link_uri"),
    ("target_link_uri elsewhere", foreign_target_link_uri, "target_link_uri"),
    ("no nonce", _without("nonce"), "nonce"),
    ("nonce mismatch", nonce_mismatch, "nonce"),
    ("replayed token", replayed_token, "state"),
    ("replayed token, fresh login", replayed_token_with_a_fresh_login, "nonce"),
    ("state mismatch", state_mismatch, "state"),
    ("state from another browser", state_from_another_browser, "state"),
    ("unknown deployment", _with(CLAIM + "deployment_id", "rogue-deployment"), "deployment_id"),
]


def _accounts() -> int:
    return len(users_of_kind("account"))


@pytest.mark.parametrize(
    ("case", "check"), [(c, k) for _, c, k in MATRIX], ids=[n for n, *_ in MATRIX]
)
def test_bad_payload_is_rejected_safely(tool, logs, case, check):
    login = tool.login("student")
    claims = tool.claims(login, "student")
    token, state, cookie = case(tool, login, claims)
    accounts_before = _accounts()  # replay cases made one legitimate launch first

    response = tool.launch(token, state, cookie)

    assert 400 <= response.status_code < 500, response.text
    assert response.headers["content-type"].startswith("text/html")
    assert f'data-check="{check}"' in response.text
    assert "Traceback" not in response.text
    assert COOKIE_NAME not in (response.headers.get("set-cookie") or "")
    assert _accounts() == accounts_before
    assert logs.reasons()[-1] == check
    for record in logs.records:
        assert token not in record.getMessage()
        assert all(token not in str(v) for v in record.__dict__.values())


def test_missing_id_token_and_get_requests_are_4xx(tool):
    response = tool.launch("", "whatever")
    assert response.status_code == 400
    assert 'data-check="id_token"' in response.text
    import requests

    get = requests.get(f"{tool.tool_url}/lti/launch", timeout=10)
    assert 400 <= get.status_code < 500


def test_garbage_id_token_is_rejected(tool):
    response = tool.launch("not.a.jwt", "state")
    assert response.status_code == 400
    assert 'data-check="id_token"' in response.text
