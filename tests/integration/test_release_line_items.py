"""Line items that stay one (grades/line_items.py) on DynamoDB Local with the demo LMS:
found by resource link and tag before creating, created once by concurrent releases,
found again after creating, and Moodle's line item URLs with their query string."""

from __future__ import annotations

import threading
from decimal import Decimal

import pytest

from coursebridge.grades.line_items import LineItemStore, resolve_line_item
from coursebridge.grades.release_plan import UnitInfo
from coursebridge.grades.release_sender import default_client_factory
from tests.integration.release_seed import (
    CONTEXT,
    RESOURCE_LINK,
    TEACHER,
    UNIT_ID,
    drain,
    get_release,
    grade,
    post_release,
    running_lms,
    seed_member,
    seed_platform,
    seed_students,
    seed_unit,
)

pytestmark = pytest.mark.integration


OURS = {"tag": "coursebridge", "resourceId": UNIT_ID}


def _column(lms, label: str, **fields) -> dict:
    """A line item already in the LMS gradebook."""
    return lms.service._create(
        lms.base_url, CONTEXT, {"label": label, "scoreMaximum": 10, **fields}
    )


def _unit() -> UnitInfo:
    unit = LineItemStore().unit(UNIT_ID)
    assert unit is not None
    return unit


def test_concurrent_releases_of_a_unit_create_one_line_item(stack):
    with running_lms(stack) as lms:
        seed_platform(lms)
        seed_unit(lms, coupled=False)
        lms.service.faults.latency_ms = 150  # slow enough for the workers to overlap
        found: list[str] = []
        barrier = threading.Barrier(6)

        def resolve() -> None:
            client = default_client_factory(_unit(), None)
            barrier.wait()
            found.append(resolve_line_item(_unit(), client, LineItemStore(), []))

        threads = [threading.Thread(target=resolve) for _ in range(6)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(60)
        (item,) = lms.service.line_items[CONTEXT].values()
        assert lms.service._next_id == 1  # one ever created (none created, then deleted)
        assert found == [item["id"]] * 6
        assert _unit().release_lineitem == item["id"]
        assert (item["tag"], item["resourceId"], item["resourceLinkId"]) == (
            "coursebridge",
            UNIT_ID,
            RESOURCE_LINK,
        )


def test_a_line_item_the_tool_made_for_the_unit_is_found_before_any_other(stack):
    with running_lms(stack) as lms:
        seed_platform(lms)
        seed_unit(lms, coupled=False)
        _column(lms, "Teacher's column", resourceLinkId="rl-x")
        _column(lms, "Essay 1 (LMS)", resourceLinkId=RESOURCE_LINK)  # the link's, not ours
        ours = _column(lms, "Essay 1", resourceLinkId=RESOURCE_LINK, **OURS)
        client = default_client_factory(_unit(), None)
        assert resolve_line_item(_unit(), client, LineItemStore(), []) == ours["id"]
        assert len(lms.service.line_items[CONTEXT]) == 3  # nothing created


def test_without_the_lease_a_duplicate_made_meanwhile_is_dropped_for_the_first(stack, monkeypatch):
    with running_lms(stack) as lms:
        seed_platform(lms)
        seed_unit(lms, coupled=False)
        assert LineItemStore().try_lease(UNIT_ID)  # a slow peer holds the lease, stores nothing
        monkeypatch.setattr("coursebridge.grades.line_items.LINEITEM_WAIT_SECONDS", 0.3)
        client = default_client_factory(_unit(), None)
        original = client.create_line_item

        def racing_create(*args, **kwargs):  # the peer creates one at the same moment
            _column(lms, "Essay 1", resourceLinkId=RESOURCE_LINK, **OURS)
            return original(*args, **kwargs)

        monkeypatch.setattr(client, "create_line_item", racing_create)
        chosen = resolve_line_item(_unit(), client, LineItemStore(), [])
        (item,) = lms.service.line_items[CONTEXT].values()  # ours was deleted
        assert chosen == item["id"] == _unit().release_lineitem
        assert item["id"].endswith("/1")  # the peer's, listed first


def test_moodle_line_items_keep_their_query_string_for_scores(stack):
    with running_lms(stack, flavour="moodle") as lms:
        seed_platform(lms)
        seed_member(TEACHER, "TEACHER", "Terry Teacher")
        seed_unit(lms, coupled=False, family="moodle")
        assert lms.lineitems.endswith("/lineitems?type_id=1")
        (account_id,) = seed_students(1).ids
        grade(account_id, 4)
        response = post_release(stack)
        drain(stack)
        assert get_release(stack, response.json()["releaseId"]).json()["sent"] == 1
        (item,) = lms.service.line_items[CONTEXT].values()
        assert item["id"].endswith("/lineitem?type_id=1")
        assert _unit().release_lineitem == item["id"]
        (score,) = lms.service.scores
        assert score["scoreGiven"] == 4 and Decimal(score["scoreMaximum"]) == 10
