"""A membership grants rights only while launches keep confirming it."""

import pytest

from coursebridge.settings import get_settings
from coursebridge.store.members import Member

BASE = {
    "USERS_TABLE": "users",
    "APP_TABLE": "app",
    "IMPORTS_BUCKET": "bucket",
    "IMPORT_QUEUE_URL": "http://q/import",
    "RELEASE_QUEUE_URL": "http://q/release",
    "SIGNING_KEY_ID": "key-1",
    "SESSION_SECRET_ARN": "arn:secret",
}
DAY = 86_400
NOW = 1_800_000_000


@pytest.fixture
def settings(monkeypatch):
    for name, value in BASE.items():
        monkeypatch.setenv(name, value)
    get_settings.cache_clear()
    yield monkeypatch
    get_settings.cache_clear()


def _member(confirmed_at: int | None) -> Member:
    return Member(class_id="cls_1", account_id="acc_1", role="TEACHER", confirmed_at=confirmed_at)


@pytest.mark.parametrize(
    ("confirmed_at", "current"),
    [
        (NOW, True),
        (NOW - 180 * DAY, True),  # the default maximum age, to the second
        (NOW - 180 * DAY - 1, False),
        (NOW - 400 * DAY, False),
        (None, False),  # never confirmed
    ],
)
def test_a_membership_is_current_for_180_days_after_its_last_launch(
    settings, confirmed_at, current
):
    assert get_settings().membership_max_age_days == 180
    assert _member(confirmed_at).is_current(NOW) is current


def test_the_maximum_age_is_a_setting(settings):
    settings.setenv("MEMBERSHIP_MAX_AGE_DAYS", "30")
    assert _member(NOW - 31 * DAY).is_current(NOW) is False
    assert _member(NOW - 29 * DAY).is_current(NOW) is True


def test_a_membership_written_before_confirmed_at_existed_counts_from_its_last_update():
    item = {"pk": "CLASS#cls_1", "sk": "MEMBER#acc_1", "role": "STUDENT", "updatedAt": NOW}
    assert Member.from_item(item).confirmed_at == NOW
    assert Member.from_item({**item, "confirmedAt": NOW + 5}).confirmed_at == NOW + 5
