"""LTI storage on DynamoDB Local: login state consumed exactly once."""

from __future__ import annotations

import time

import pytest

from coursebridge.lti.launch_data import LoginState, LoginStateStore
from coursebridge.lti.tool_config import forget_cached_config
from coursebridge.store.platforms import PlatformRegistration, PlatformStore

pytestmark = pytest.mark.integration


def _register(client_id: str, deployments: list[str]) -> None:
    PlatformStore().add(
        PlatformRegistration(
            issuer="https://lms.example",
            client_id=client_id,
            deployment_ids=deployments,
            auth_login_url="https://lms.example/auth",
            auth_token_url="https://lms.example/token",
            jwks_url="https://lms.example/jwks",
            org_id="org",
        )
    )
    forget_cached_config()


def test_login_state_is_consumed_exactly_once(stack):
    store = LoginStateStore()
    login = LoginState("cbc-x", "n", "https://lms.example", "a", "h", None, int(time.time()) + 60)
    store.save(login)
    assert store.consume("cbc-x") == login
    assert store.consume("cbc-x") is None
