import pytest
from pydantic import ValidationError

from coursebridge.settings import Settings

BASE = {
    "USERS_TABLE": "users",
    "APP_TABLE": "app",
    "IMPORTS_BUCKET": "bucket",
    "IMPORT_QUEUE_URL": "http://q/import",
    "RELEASE_QUEUE_URL": "http://q/release",
    "SIGNING_KEY_ID": "key-1",
    "SESSION_SECRET_ARN": "arn:secret",
}


@pytest.fixture
def env(monkeypatch):
    for name, value in BASE.items():
        monkeypatch.setenv(name, value)
    return monkeypatch


def test_reads_names_from_the_environment(env):
    settings = Settings.from_environment()
    assert settings.users_table == "users"
    assert settings.lti_leeway_seconds == 60


def test_missing_table_name_fails_at_cold_start(env):
    env.delenv("USERS_TABLE")
    with pytest.raises(ValidationError, match="users_table"):
        Settings.from_environment()


@pytest.mark.parametrize("leeway", ["-1", "301", "soon"])
def test_leeway_is_bounded(env, leeway):
    env.setenv("LTI_LEEWAY_SECONDS", leeway)
    with pytest.raises(ValidationError, match="lti_leeway_seconds"):
        Settings.from_environment()


def test_names_are_case_insensitive_and_the_region_is_lambdas_aws_region():
    environ = {name.lower(): value for name, value in BASE.items()}
    environ |= {"AWS_REGION": "eu-west-1", "REGION": "ignored", "Stage": "prod"}
    settings = Settings.from_environment(environ)
    assert (settings.users_table, settings.region, settings.stage) == ("users", "eu-west-1", "prod")


def test_without_aws_region_the_region_is_us_east_1():
    assert Settings.from_environment(BASE).region == "us-east-1"
