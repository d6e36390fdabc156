"""The NRPS client's paging without a network: Link headers, member entries, and the
guards against a platform that loops, points elsewhere or answers without end."""

from __future__ import annotations

import pytest

from coursebridge.lti import nrps
from coursebridge.lti.ags_token import AgsPlatform
from coursebridge.lti.nrps import NrpsClient, NrpsError, next_link, parse_member, parse_page

BASE = "https://lms.example.edu/api/lti/courses/1/names_and_roles"


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        (f'<{BASE}?page=2>; rel="next"', f"{BASE}?page=2"),
        (f'<{BASE}?page=1>; rel="first", <{BASE}?page=2>; rel="next"', f"{BASE}?page=2"),
        (f"<{BASE}?page=3>; rel=next", f"{BASE}?page=3"),
        (f'<{BASE}?p=9>; rel="last", <{BASE}?p=2>; rel="prev next"', f"{BASE}?p=2"),
        (f'<{BASE}?page=9>; rel="last"', None),
        ("", None),
        (None, None),
        ("garbage", None),
    ],
)
def test_next_link(header, expected):
    assert next_link(header) == expected


def test_member_entries_without_a_user_id_are_skipped_and_custom_is_read():
    page = parse_page(
        {
            "members": [
                {"user_id": "u1", "roles": ["Learner", 7], "name": "Ann", "status": "Inactive"},
                {"roles": ["Learner"]},
                "nonsense",
                {
                    "user_id": "u2",
                    "roles": "Learner",
                    "message": [
                        {"https://purl.imsglobal.org/spec/lti/claim/custom": {"student_id": "S2"}}
                    ],
                },
            ]
        }
    )
    assert [(m.user_id, m.roles, m.active) for m in page] == [
        ("u1", ["Learner"], False),
        ("u2", [], True),
    ]
    assert page[1].custom == {"student_id": "S2"}
    assert parse_member({"user_id": "x" * 1001}) is None
    with pytest.raises(NrpsError):
        parse_page({"no": "members"})


class _Response:
    def __init__(self, members: list[dict], link: str | None) -> None:
        self._body = {"members": members}
        self.headers = {"Link": link} if link else {}

    def json(self) -> dict:
        return self._body


def _client(pages: dict[str, tuple[list[dict], str | None]]) -> NrpsClient:
    client = NrpsClient(
        platform=AgsPlatform("https://lms.example.edu", "c", "https://lms.example.edu/t", "reg"),
        scopes=frozenset({nrps.NRPS_SCOPE}),
        sign_assertion=lambda claims: "signed",
        tokens=object(),  # type: ignore[arg-type]  # never asked: _get is replaced
    )
    client.asked = []  # type: ignore[attr-defined]

    def get(url, params):
        client.asked.append((url, params))  # type: ignore[attr-defined]
        members, link = pages[url]
        return _Response(members, link)

    client._get = get  # type: ignore[method-assign]
    return client


def _members(*ids: str) -> list[dict]:
    return [{"user_id": i, "roles": ["Learner"]} for i in ids]


def test_pages_are_followed_and_a_member_listed_twice_counts_once():
    client = _client(
        {
            BASE: (_members("a", "b"), f'<{BASE}?page=2>; rel="next"'),
            f"{BASE}?page=2": (
                _members("b", "c"),
                '</api/lti/courses/1/names_and_roles?page=3>; rel="next"',
            ),
            f"{BASE}?page=3": (_members("d"), None),
        }
    )
    membership = client.membership(BASE, rlid="link-1")
    assert [m.user_id for m in membership.members] == ["a", "b", "c", "d"]
    assert membership.pages == 3
    assert client.asked[0] == (BASE, {"limit": "50", "rlid": "link-1"})  # type: ignore[attr-defined]
    assert client.asked[1][1] is None  # a next URL carries its own query


def test_a_next_link_back_to_a_page_already_read_stops_the_read():
    client = _client(
        {
            BASE: (_members("a"), f'<{BASE}?page=2>; rel="next"'),
            f"{BASE}?page=2": (_members("b"), f'<{BASE}>; rel="next"'),
        }
    )
    with pytest.raises(NrpsError, match="already read"):
        client.membership(BASE)


def test_a_next_link_to_another_origin_is_not_followed():
    client = _client({BASE: (_members("a"), '<https://evil.example/steal>; rel="next"')})
    with pytest.raises(NrpsError, match="elsewhere"):
        client.membership(BASE)


def test_absurd_sizes_stop_the_read(monkeypatch):
    monkeypatch.setattr(nrps, "MAX_PAGES", 3)
    endless = {
        f"{BASE}?p={n}": (_members(f"m{n}"), f'<{BASE}?p={n + 1}>; rel="next"') for n in range(10)
    }
    endless[BASE] = (_members("first"), f'<{BASE}?p=0>; rel="next"')
    with pytest.raises(NrpsError, match="more than 3 pages"):
        _client(endless).membership(BASE)
    monkeypatch.setattr(nrps, "MAX_MEMBERS", 2)
    with pytest.raises(NrpsError, match="more than 2 members"):
        _client({BASE: (_members("a", "b", "c"), None)}).membership(BASE)
