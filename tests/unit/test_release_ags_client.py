"""The AGS client against the demo LMS's AGS service (no AWS): token once, 401 refresh,
429/503 retries honouring Retry-After, permanent 4xx with the platform's message."""

from __future__ import annotations

import json
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime
from decimal import Decimal
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import jwt
import pytest
from cryptography.hazmat.primitives.asymmetric import rsa

from coursebridge.lti.ags import (
    SCOPE_LINEITEM,
    SCOPE_SCORE,
    AgsClient,
    PermanentAgsError,
    PlatformGate,
    RetryPolicy,
    Score,
    TransientAgsError,
    parse_retry_after,
    scores_url,
)
from coursebridge.lti.ags_token import AccessToken, AgsPlatform, TokenProvider
from coursebridge.outbound.policy import LOOPBACK_SETTING
from coursebridge.signing import rsa_public_jwk
from local.demo_lms.ags import AgsService, Faults
from local.demo_lms.ags_server import serve

CLIENT = "tool-1"


@pytest.fixture(autouse=True)
def loopback_platforms(monkeypatch):
    """These platforms are http servers on 127.0.0.1, as in the local stack."""
    monkeypatch.setenv(LOOPBACK_SETTING, "true")


class MemoryTokenStore:
    def __init__(self) -> None:
        self.token: AccessToken | None = None
        self.leased = False

    def load(self, platform):
        return self.token

    def save(self, platform, token):
        self.token = token

    def try_lease(self, platform, seconds):
        if self.leased:
            return False
        self.leased = True
        return True

    def end_lease(self, platform):
        self.leased = False


@pytest.fixture(scope="module")
def tool_key():
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    jwk = rsa_public_jwk(key.public_key())
    body = json.dumps({"keys": [jwk]}).encode()

    class Jwks(BaseHTTPRequestHandler):
        def do_GET(self):
            self.send_response(200)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Jwks)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield key, jwk["kid"], f"http://127.0.0.1:{server.server_address[1]}/jwks"
    server.shutdown()
    server.server_close()


@pytest.fixture
def lms(tool_key):
    _, _, jwks_url = tool_key
    service = AgsService(jwks_url, client_ids={CLIENT})
    server = serve(service)
    PlatformGate._gates.clear()
    TokenProvider.forget_process_cache()
    yield service, server.base_url
    server.stop()


def make_client(tool_key, base_url, store=None, **kwargs) -> AgsClient:
    key, kid, _ = tool_key

    def sign(claims):
        return jwt.encode(claims, key, algorithm="RS256", headers={"kid": kid})

    client = AgsClient(
        platform=AgsPlatform("https://lms.example", CLIENT, f"{base_url}/token", "reg_test"),
        scopes=frozenset({SCOPE_SCORE, SCOPE_LINEITEM}),
        sign_assertion=sign,
        retry=kwargs.pop("retry", RetryPolicy(max_attempts=4, base_delay=0.01, max_delay=0.05)),
        **kwargs,
    )
    client.tokens = TokenProvider(store or MemoryTokenStore(), client.request_token)
    return client


def score(user: str, given: int = 5) -> Score:
    return Score(user, Decimal(given), Decimal(10), datetime.now(UTC), comment="c")


def line_item(service: AgsService, base_url: str) -> str:
    return service.ensure_line_item(base_url, "ctx", "rl", "Quiz", 10)


def test_many_scores_share_one_token(tool_key, lms):
    service, base = lms
    client = make_client(tool_key, base, concurrency=8)
    url = line_item(service, base)
    with ThreadPoolExecutor(8) as pool:
        list(pool.map(lambda n: client.post_score(url, score(f"u{n}")), range(40)))
    assert len(service.scores) == 40
    assert service.token_requests == 1


def test_a_revoked_token_is_refreshed_once(tool_key, lms):
    service, base = lms
    client = make_client(tool_key, base)
    url = line_item(service, base)
    client.post_score(url, score("u1"))
    service.tokens.clear()  # the platform revoked it
    client.post_score(url, score("u2"))
    assert service.token_requests == 2
    assert [s["userId"] for s in service.scores] == ["u1", "u2"]


def test_a_token_the_platform_keeps_refusing_is_a_permanent_failure(tool_key, lms):
    service, base = lms
    client = make_client(tool_key, base)
    url = line_item(service, base)
    original = service._bearer
    service._bearer = lambda headers, scopes: original({}, scopes)  # every token "invalid"
    with pytest.raises(PermanentAgsError, match="401"):
        client.post_score(url, score("u1"))
    assert service.token_requests == 2  # one refresh, not a loop


def test_429_waits_for_retry_after_and_503_backs_off(tool_key, lms):
    service, base = lms
    slept: list[float] = []

    def sleep(seconds: float) -> None:
        slept.append(seconds)
        time.sleep(seconds)

    client = make_client(tool_key, base, sleep=sleep)
    url = line_item(service, base)
    service.faults = Faults(count_429=1, retry_after_seconds=1, count_503=1)
    started = time.monotonic()
    client.post_score(url, score("u1"))
    assert time.monotonic() - started >= 1.0
    assert max(slept) >= 1.0
    assert len(service.scores) == 1


def test_transient_failures_give_up_after_the_last_attempt(tool_key, lms):
    service, base = lms
    client = make_client(tool_key, base)
    url = line_item(service, base)
    service.faults = Faults(count_503=10)
    with pytest.raises(TransientAgsError, match="503"):
        client.post_score(url, score("u1"))
    assert service.faults.count_503 == 6  # 4 attempts were made


def test_no_retry_starts_after_the_deadline(tool_key, lms):
    service, base = lms
    client = make_client(
        tool_key, base, retry=RetryPolicy(max_attempts=5), deadline=time.monotonic()
    )
    url = line_item(service, base)
    service.faults = Faults(count_429=1, retry_after_seconds=30)
    with pytest.raises(TransientAgsError, match="out of time"):
        client.post_score(url, score("u1"))


def test_a_permanent_400_carries_the_platforms_message(tool_key, lms):
    service, base = lms
    client = make_client(tool_key, base)
    url = line_item(service, base)
    service.faults = Faults(fail_user_ids={"u9": "user is not enrolled in this course"})
    with pytest.raises(PermanentAgsError) as raised:
        client.post_score(url, score("u9"))
    assert raised.value.status == 400
    assert "user is not enrolled in this course" in raised.value.reason


def test_line_items_are_found_by_resource_link_or_created(tool_key, lms):
    service, base = lms
    client = make_client(tool_key, base)
    container = service.lineitems_url(base, "ctx")
    assert client.find_line_item(container, "rl-x") is None
    created = client.create_line_item(
        container, label="Quiz", score_maximum=Decimal(25), resource_link_id="rl-x"
    )
    assert client.find_line_item(container, "rl-x") == created
    assert client.find_line_item(container, "rl-other") is None
    client.post_score(created, score("u1"))
    assert service.scores[0]["lineItemId"] == created.rsplit("/", 1)[1]


def test_the_token_is_shared_through_the_store_by_other_invocations(tool_key, lms):
    service, base = lms
    store = MemoryTokenStore()
    url = line_item(service, base)
    make_client(tool_key, base, store=store).post_score(url, score("u1"))
    TokenProvider.forget_process_cache()  # a different Lambda container
    make_client(tool_key, base, store=store).post_score(url, score("u2"))
    assert service.token_requests == 1


def test_a_waiting_invocation_uses_the_token_its_peer_fetched():
    platform = AgsPlatform("https://lms", "c", "https://lms/token", "reg_test")
    store = MemoryTokenStore()
    store.leased = True  # a peer is fetching
    peer_token = AccessToken("peer", frozenset({SCOPE_SCORE}), time.time() + 3600)
    calls = {"sleeps": 0}

    def sleep(_):
        calls["sleeps"] += 1
        if calls["sleeps"] == 3:
            store.token = peer_token

    def never(*_):
        raise AssertionError("must not ask the platform while a peer does")

    TokenProvider.forget_process_cache()
    provider = TokenProvider(store, never, sleep=sleep)
    assert provider.get(platform, frozenset({SCOPE_SCORE})) == peer_token


def test_a_token_near_expiry_is_not_used():
    token = AccessToken("t", frozenset({SCOPE_SCORE}), expires_at=1000)
    assert token.usable(frozenset({SCOPE_SCORE}), now=900)
    assert not token.usable(frozenset({SCOPE_SCORE}), now=950)  # inside the refresh margin
    assert not token.usable(frozenset({SCOPE_LINEITEM}), now=0)  # scope not granted


@pytest.mark.parametrize(
    ("header", "seconds"),
    [("3", 3.0), (None, None), ("soon", None), ("Wed, 21 Oct 2015 07:28:10 GMT", 10.0)],
)
def test_retry_after_accepts_seconds_and_http_dates(header, seconds):
    now = datetime(2015, 10, 21, 7, 28, 0, tzinfo=UTC).timestamp()
    assert parse_retry_after(header, now=now) == seconds


def test_backoff_grows_with_jitter_and_never_undercuts_retry_after():
    policy = RetryPolicy(base_delay=1, max_delay=8)
    for attempt in range(6):
        assert 0 <= policy.delay(attempt, None) <= min(8, 2**attempt)
    assert 5 <= policy.delay(0, 5) <= 5.1
    assert policy.delay(0, 10_000) <= policy.max_retry_after + 0.1


@pytest.mark.parametrize(
    ("lineitem", "expected"),
    [
        ("https://lms/ctx/lineitems/1", "https://lms/ctx/lineitems/1/scores"),
        ("https://lms/ctx/lineitems/1/", "https://lms/ctx/lineitems/1/scores"),
        ("https://lms/li?id=1&type=x", "https://lms/li/scores?id=1&type=x"),
    ],
)
def test_scores_url_keeps_the_line_items_query(lineitem, expected):
    assert scores_url(lineitem) == expected


def test_a_platform_granting_fewer_scopes_costs_one_token_and_refuses_clearly(tool_key, lms):
    service, base = lms
    service.grantable = {SCOPE_SCORE}  # asked for score + lineitem, granted score only
    client = make_client(tool_key, base)
    url = line_item(service, base)
    for n in range(5):
        client.post_score(url, score(f"u{n}"))
    with pytest.raises(PermanentAgsError, match="did not grant the tool the scope"):
        client.create_line_item(
            service.lineitems_url(base, "ctx"),
            label="x",
            score_maximum=Decimal(1),
            resource_link_id="rl-2",
        )
    assert service.token_requests == 1
