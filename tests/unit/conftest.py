"""Fixtures the unit tests share (no servers here: tests/conftest.py starts those lazily)."""

from __future__ import annotations

import pytest

from coursebridge.settings import get_settings

TABLES = {
    "USERS_TABLE": "users",
    "APP_TABLE": "app",
    "IMPORTS_BUCKET": "bucket",
    "IMPORT_QUEUE_URL": "http://q/import",
    "RELEASE_QUEUE_URL": "http://q/release",
    "SIGNING_KEY_ID": "key-1",
    "SESSION_SECRET_ARN": "arn:secret",
}


@pytest.fixture
def table_settings(monkeypatch):
    """Settings naming the tables, for code that builds DynamoDB actions."""
    for name, value in TABLES.items():
        monkeypatch.setenv(name, value)
    get_settings.cache_clear()
    yield
    get_settings.cache_clear()
