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
    settings = Settings()
    assert settings.users_table == "users"
    assert settings.lti_leeway_seconds == 60


def test_missing_table_name_fails_at_cold_start(env):
    env.delenv("USERS_TABLE")
    with pytest.raises(ValidationError, match="users_table"):
        Settings()


@pytest.mark.parametrize("leeway", ["-1", "301", "soon"])
def test_leeway_is_bounded(env, leeway):
    env.setenv("LTI_LEEWAY_SECONDS", leeway)
    with pytest.raises(ValidationError, match="lti_leeway_seconds"):
        Settings()
