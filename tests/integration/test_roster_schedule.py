"""The roster schedule on the local stack: the hourly EventBridge event queues the classes
of its hour's shard; the SQS worker syncs each (the same function, as template.yaml wires it)."""

from __future__ import annotations

import pytest

from coursebridge.store import keys
from coursebridge.store.roster import RosterSourceStore
from tests.integration.roster_support import land, members_by_sub

pytestmark = pytest.mark.integration


def _scheduled_event(hour: int) -> dict:
    return {
        "version": "0",
        "id": "53dc4d37-cffa-4f76-80c9-8b7d4a4d2eaa",
        "detail-type": "Scheduled Event",
        "source": "aws.events",
        "time": f"2026-03-02T{hour:02d}:00:00Z",
        "resources": ["arn:aws:events:us-east-1:123456789012:rule/RosterSyncHourly"],
        "detail": {},
    }


@pytest.fixture
def roster(tool):
    roster = tool.lms.nrps()
    saved = {cid: dict(members) for cid, members in roster.rosters.items()}
    yield roster
    roster.rosters = saved


def test_the_hour_of_a_classes_shard_syncs_it_and_other_hours_do_not(stack, tool, roster):
    teacher = land(tool)
    shard = keys.roster_shard(teacher.class_id)
    assert RosterSourceStore().classes_in_shard(shard) == [teacher.class_id]
    function = stack.runners["RosterSyncFunction"]
    worker = stack.make_pollers()["RosterSyncFunction"]

    assert function.invoke(_scheduled_event((shard + 1) % keys.ROSTER_SHARDS)) == {"queued": 0}
    assert function.invoke(_scheduled_event(shard)) == {"queued": 1}
    assert worker.poll_once(wait_seconds=0)
    assert "demo-roster-riley" in members_by_sub(teacher.class_id)

    roster.rosters["demo-course-101"].pop("demo-roster-riley")
    function.invoke(_scheduled_event(shard))
    worker.poll_once(wait_seconds=0)
    assert not members_by_sub(teacher.class_id)["demo-roster-riley"].active
