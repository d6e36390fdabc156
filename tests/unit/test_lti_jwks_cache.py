"""JWKS cache: cached keys, one rate-limited refetch on an unknown kid (rotation)."""

from __future__ import annotations

import pytest

from coursebridge.lti import jwks_cache as module
from coursebridge.lti.errors import LaunchRejected
from coursebridge.lti.jwks_cache import JwksCache

URL = "https://lms.example/jwks"


class FakePlatform(JwksCache):
    def __init__(self, kids: list[str]) -> None:
        super().__init__()
        self.kids = kids

    def _fetch(self, jwks_url: str) -> dict[str, object]:
        self.fetches += 1
        return {kid: f"key-{kid}" for kid in self.kids}


@pytest.fixture
def clock(monkeypatch):
    now = [1000.0]
    monkeypatch.setattr(module.time, "monotonic", lambda: now[0])
    return now


def test_a_cached_key_is_not_fetched_again(clock):
    cache = FakePlatform(["a"])
    assert cache.key_for(URL, "a") == "key-a"
    clock[0] += 3600
    assert cache.key_for(URL, "a") == "key-a"
    assert cache.fetches == 1


def test_an_unknown_kid_triggers_one_refetch_after_rotation(clock):
    cache = FakePlatform(["a"])
    cache.key_for(URL, "a")
    cache.kids = ["b", "a"]  # the platform rotated its keys
    clock[0] += module.REFETCH_INTERVAL_SECONDS
    assert cache.key_for(URL, "b") == "key-b"
    assert cache.fetches == 2


def test_refetches_are_rate_limited(clock):
    cache = FakePlatform(["a"])
    cache.key_for(URL, "a")
    clock[0] += 1
    for kid in ("x", "y", "z"):
        with pytest.raises(LaunchRejected) as rejected:
            cache.key_for(URL, kid)
        assert rejected.value.check == "kid"
    assert cache.fetches == 1  # made-up kids do not hammer the platform
    clock[0] += module.REFETCH_INTERVAL_SECONDS
    with pytest.raises(LaunchRejected):
        cache.key_for(URL, "x")
    assert cache.fetches == 2


def test_keys_expire_after_max_age(clock):
    cache = FakePlatform(["a"])
    cache.key_for(URL, "a")
    clock[0] += module.MAX_AGE_SECONDS + 1
    cache.key_for(URL, "a")
    assert cache.fetches == 2


def test_an_unreachable_jwks_is_a_rejection_not_a_crash(clock):
    cache = JwksCache()
    with pytest.raises(LaunchRejected) as rejected:
        cache.key_for("http://127.0.0.1:9/jwks", "a")
    assert rejected.value.check == "jwks"
