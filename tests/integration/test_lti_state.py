"""State, nonce and keys under pressure: concurrent replays, cookie-less browsers
(platform postMessage storage and the single-use fallback), key rotation, and the
warm launch's DynamoDB and JWKS budget."""

from __future__ import annotations

import re
import threading
import time
from html import unescape

import pytest

from coursebridge import aws
from coursebridge.lti import jwks_cache as jwks_module
from coursebridge.lti.jwks_cache import jwks_cache

pytestmark = pytest.mark.integration


def test_concurrent_replays_of_one_launch_sign_in_exactly_once(tool):
    login = tool.login()
    token = tool.lms.platform.keys.sign(tool.claims(login))
    statuses: list[int] = []
    barrier = threading.Barrier(4)

    def post() -> None:
        barrier.wait()
        statuses.append(tool.launch(token, login.state, login.cookie_header).status_code)

    threads = [threading.Thread(target=post) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    assert sorted(statuses) == [303, 400, 400, 400]


def test_a_browser_without_cookies_uses_the_single_use_fallback(tool):
    login = tool.login()
    token = tool.lms.platform.keys.sign(tool.claims(login))
    assert tool.launch(token, login.state).status_code == 303
    assert tool.launch(token, login.state).status_code == 400  # still single-use


def _storage_login(tool):
    p = tool.lms.platform
    import requests

    response = requests.get(
        f"{tool.tool_url}/lti/login",
        params={
            "iss": p.issuer,
            "login_hint": "student",
            "target_link_uri": p.tool_launch_url,
            "lti_storage_target": "_parent",
        },
        timeout=10,
    )
    assert response.status_code == 200
    config = re.search(r'id="cb-config">(.*?)</script>', response.text).group(1)
    import json

    data = json.loads(unescape(config))
    state = re.search(r"state=([^&]+)", data["authUrl"]).group(1)
    nonce = re.search(r"nonce=([^&]+)", data["authUrl"]).group(1)
    return data, state, nonce


def test_platform_storage_flow_binds_the_state_to_the_browser(tool):
    data, state, nonce = _storage_login(tool)
    assert data["target"] == "_parent"
    assert data["origin"] == tool.lms.base_url
    assert data["key"].endswith(state)
    from tests.lti_support import Login

    login = Login(state, nonce, {}, None)  # type: ignore[arg-type]
    token = tool.lms.platform.keys.sign(tool.claims(login, "student"))

    # No cookie came back: the tool asks the platform's storage first, consuming nothing.
    first = tool.launch(token, state)
    assert first.status_code == 200
    assert "lti.get_data" in first.text
    # A wrong key from storage is another browser.
    wrong = tool.launch(token, state, lti_storage_key="forged", lti_storage_checked="1")
    assert wrong.status_code == 400 and 'data-check="state"' in wrong.text
    # The login is spent now; a fresh one with the right key goes in.
    data, state, nonce = _storage_login(tool)
    login = Login(state, nonce, {}, None)  # type: ignore[arg-type]
    token = tool.lms.platform.keys.sign(tool.claims(login, "student"))
    ok = tool.launch(token, state, lti_storage_key=data["value"], lti_storage_checked="1")
    assert ok.status_code == 303, ok.text


def test_platform_key_rotation_costs_one_jwks_fetch(tool, monkeypatch):
    monkeypatch.setattr(jwks_module, "REFETCH_INTERVAL_SECONDS", 0.2)
    tool.full_launch()
    before = jwks_cache.fetches
    tool.lms.platform.keys.rotate()
    time.sleep(0.25)  # past the refetch rate limit
    assert tool.full_launch().status_code == 303
    assert jwks_cache.fetches == before + 1
    assert tool.full_launch().status_code == 303
    assert jwks_cache.fetches == before + 1


class DynamoCalls:
    def __init__(self) -> None:
        self.operations: list[str] = []

    def __call__(self, model, **_: object) -> None:
        self.operations.append(model.name)


def test_warm_launch_dynamodb_calls_and_no_jwks_fetch(tool, capsys):
    tool.full_launch("student")  # warms caches: registration, org, keys, session secret
    login = tool.login("student")
    token = tool.lms.platform.keys.sign(tool.claims(login, "student"))
    counter = DynamoCalls()
    events = aws.dynamodb().meta.client.meta.events
    events.register("before-call.dynamodb", counter)
    fetches = jwks_cache.fetches
    try:
        response = tool.launch(token, login.state, login.cookie_header)
    finally:
        events.unregister("before-call.dynamodb", counter)
    assert response.status_code == 303
    assert jwks_cache.fetches == fetches
    lti_calls = counter.operations[:1]
    assert lti_calls == ["DeleteItem"]  # the LTI part: consume state + nonce, nothing else
    # The whole warm launch (issue 5's budget): state, link + account, both maps in one
    # batch, membership + visit in one transaction.
    assert len(counter.operations) <= 5, counter.operations
    with capsys.disabled():
        print(f"\nwarm launch DynamoDB calls: {len(counter.operations)} {counter.operations}")
