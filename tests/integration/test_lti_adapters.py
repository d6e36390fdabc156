"""pylti1p3 adapters on DynamoDB Local: tool configuration from registrations,
launch-data storage with TTL, login state consumed exactly once."""

from __future__ import annotations

import time

import pytest

from coursebridge.lti.launch_data import DynamoLaunchDataStorage, LoginState, LoginStateStore
from coursebridge.lti.tool_config import DynamoToolConf, forget_cached_config
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


def test_tool_conf_reads_many_clients_and_deployments_per_issuer(stack):
    forget_cached_config()
    conf = DynamoToolConf()
    assert conf.find_registration_by_params("https://lms.example", "a") is None
    _register("a", ["d1", "d2"])
    assert conf.check_iss_has_one_client("https://lms.example")
    assert conf.find_registration_by_issuer("https://lms.example").get_client_id() == "a"
    _register("b", ["d3"])
    assert conf.check_iss_has_many_clients("https://lms.example")
    registration = conf.find_registration_by_params("https://lms.example", "b")
    assert registration.get_auth_token_url() == "https://lms.example/token"
    assert conf.find_deployment_by_params("https://lms.example", "d3", "b") is not None
    assert conf.find_deployment_by_params("https://lms.example", "d1", "b") is None


def test_launch_data_storage_round_trip_and_expiry(stack):
    storage = DynamoLaunchDataStorage()
    storage.set_value("launch-1", {"sub": "u1"}, exp=60)
    assert storage.get_value("launch-1") == {"sub": "u1"}
    assert storage.check_value("launch-1")
    storage.set_value("launch-2", {"sub": "u2"}, exp=-1)  # already past its TTL
    assert storage.get_value("launch-2") is None
    assert not storage.check_value("missing")


def test_login_state_is_consumed_exactly_once(stack):
    store = LoginStateStore()
    login = LoginState("cbc-x", "n", "https://lms.example", "a", "h", None, int(time.time()) + 60)
    store.save(login)
    assert store.consume("cbc-x") == login
    assert store.consume("cbc-x") is None
