"""What a launch says about its course's roster and copy history (no network)."""

from __future__ import annotations

import pytest

from coursebridge.lti.context_claims import (
    BRIGHTSPACE_CLAIM,
    NRPS_CLAIM,
    context_history,
    link_history,
    memberships_url,
    parse_history,
)


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("c3,c2,c1", ["c3", "c2", "c1"]),
        (" c3 , ,c2,c3 ", ["c3", "c2"]),
        ("$Context.id.history", []),  # an LMS that does not know the variable
        ("", []),
        (None, []),
        (42, []),
        (["c2", 3, "c1"], ["c2", "c1"]),
        ("own,c1", ["c1"]),  # never the launch's own id
        (",".join(f"c{n}" for n in range(9)), [f"c{n}" for n in range(5)]),
        ("x" * 256, []),
    ],
)
def test_parse_history(raw, expected):
    assert parse_history(raw, "own") == expected


def test_canvas_custom_variables_and_brightspace_claims():
    custom = {"context_id_history": "fall", "resource_link_id_history": "l-1"}
    assert context_history({}, custom, "spring") == ["fall"]
    assert link_history({}, custom, "l-9") == ["l-1"]
    d2l = {BRIGHTSPACE_CLAIM: {"Context.id.history": "101,100", "ResourceLink.id.history": "7"}}
    assert context_history(d2l, {}, "102") == ["101", "100"]
    assert link_history(d2l, {}, "8") == ["7"]
    assert link_history({}, {"ext_d2l_resource_link_id_history": "6"}, "8") == ["6"]
    unsubstituted = {"context_id_history": "$Context.id.history"}
    assert context_history(d2l, unsubstituted, "102") == ["101", "100"]


@pytest.mark.parametrize(
    ("claim", "expected"),
    [
        ({"context_memberships_url": "https://lms.example/nrps/1"}, "https://lms.example/nrps/1"),
        ({"context_memberships_url": "javascript:alert(1)"}, None),
        ({"context_memberships_url": 7}, None),
        ({"context_memberships_url": "https://x/" + "a" * 3000}, None),
        ("not an object", None),
    ],
)
def test_memberships_url(claim, expected):
    assert memberships_url({NRPS_CLAIM: claim}) == expected
    assert memberships_url({}) is None
