"""A membership's standing: enrolled by a roster sync (no launch yet), left the course."""

from __future__ import annotations

import pytest

from coursebridge.store.members import Member

pytestmark = pytest.mark.usefixtures("table_settings")

NOW = 1_800_000_000


def _item(**extra) -> dict:
    return {"pk": "CLASS#c", "sk": "MEMBER#a", "role": "STUDENT", "updatedAt": NOW, **extra}


def test_a_roster_enrolled_member_is_not_confirmed_until_a_launch():
    member = Member.from_item(_item(joinedBy="roster"))
    assert member.confirmed_at is None and not member.is_current(NOW)
    launched = Member.from_item(_item(joinedBy="roster", confirmedAt=NOW))
    assert launched.is_current(NOW)


def test_an_old_launch_item_without_confirmed_at_counts_its_update():
    assert Member.from_item(_item()).is_current(NOW)


def test_a_member_who_left_grants_nothing():
    member = Member.from_item(_item(confirmedAt=NOW, leftAt=NOW))
    assert not member.active and not member.is_current(NOW)
