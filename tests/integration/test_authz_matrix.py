"""Role x route x whose session: every forbidden cell is 403 — never 200, never 500.

A session of another class or organization is refused, and so is the session of the
same person's launch into another class or another unit: a session acts only where
it was launched.

Allowed cells must succeed (2xx/3xx), so the matrix cannot pass by refusing everything.
"""

from __future__ import annotations

import pytest
import requests

from coursebridge.sessions import COOKIE_NAME
from coursebridge.store.deep_links import DeepLinkStore
from tests.classroom import (
    INSTRUCTOR,
    LEARNER,
    MENTOR,
    Client,
    claims,
    deep_linking,
    launch,
    make_org,
)
from tests.integration.stored import everything_stored

pytestmark = pytest.mark.integration

API = "/api/classes/{c}/units/{u}"
APP = "/app/classes/{c}/units/{u}"

# route name → (method, path template, kind); kind "json" sends JSON, "form" a page form post
ROUTES = {
    "roster": ("GET", API + "/grades", None),
    "put-grade": ("PUT", API + "/grades/{s}", "json"),
    "csv": ("GET", API + "/grades.csv", None),
    "my-grade": ("GET", API + "/my-grade", None),
    "release": ("POST", API + "/release", None),
    "release-history": ("GET", API + "/releases", None),
    "unit-page": ("GET", APP, None),
    "grade-form": ("POST", APP + "/grades/{s}", "form"),
    "remap-form": ("POST", APP + "/remap", "form"),
    "deep-link-picker": ("GET", "/app/classes/{c}/deep-link", None),
    "deep-link-choose": ("POST", "/app/classes/{c}/deep-link", "form"),
}

ALLOWED = {
    "teacher": {
        "roster",
        "put-grade",
        "csv",
        "release",
        "release-history",
        "unit-page",
        "grade-form",
        "remap-form",
        "deep-link-picker",
        "deep-link-choose",
    },
    "mentor": {"roster", "csv", "unit-page"},
    "student": {"my-grade", "unit-page"},
}
ROLES = ("teacher", "mentor", "student")
# Whose session acts on the "own" class's first unit: its own people, teachers/mentors/
# students of another class or organization, and the same people with the session of
# their launch into another class of the organization or another unit of this class.
WHERE = ("own", "other-class", "other-org", "same-person-other-class", "same-person-other-unit")
CELLS = [(role, route, where) for role in ROLES for route in ROUTES for where in WHERE]


def _deep_linking_launch(org, sub, context_id):
    dl = claims(
        sub,
        INSTRUCTOR,
        context_id=context_id,
        message_type="LtiDeepLinkingRequest",
        deep_linking=deep_linking(),
    )
    return launch(dl, org)


def _people(org, context_id, suffix, link_suffix=None):
    """A teacher (activity and Deep Linking launches), a mentor and a student of one class,
    and the same people's launches into its second unit."""
    link_suffix = link_suffix or suffix
    link, second = f"link-1{link_suffix}", f"link-2{link_suffix}"  # unique per platform
    teacher_dl = _deep_linking_launch(org, f"t{suffix}", context_id)
    teacher = launch(
        claims(
            f"t{suffix}",
            INSTRUCTOR,
            context_id=context_id,
            link_id=link,
            custom={"max_score": "10"},
        ),
        org,
    )

    def at(link_id):
        return {
            "teacher": launch(
                claims(f"t{suffix}", INSTRUCTOR, context_id=context_id, link_id=link_id), org
            ),
            "mentor": launch(
                claims(f"m{suffix}", MENTOR, context_id=context_id, link_id=link_id), org
            ),
            "student": launch(
                claims(f"s{suffix}", LEARNER, context_id=context_id, link_id=link_id), org
            ),
        }

    first = at(link)
    return {**first, "teacher": teacher, "teacher_dl": teacher_dl, "second-unit": at(second)}


@pytest.fixture(scope="module")
def world(local_stack):
    """Built once for the module; no test here resets the stack, so any order works."""
    local_stack.reset()
    acme, other_org = make_org("acme"), make_org("beta")
    own = _people(acme, "course-a", "a")
    return {
        "acme": acme,
        "own": own,
        "other-class": _people(acme, "course-b", "b"),
        "other-org": _people(other_org, "course-c", "c"),
        # The own people (same subs) launched into another course of the same org.
        "same-person-other-class": _people(acme, "course-a2", "a", link_suffix="a2"),
        "same-person-other-unit": {
            **own["second-unit"],
            "teacher_dl": own["second-unit"]["teacher"],
        },
        "http": Client(local_stack.ports.tool_url),
    }


def _actor(world, role, route, where):
    if not (route.startswith("deep-link") and role == "teacher"):
        return world[where][role]
    if where == "own":  # a fresh request each time: choosing one answers it
        return _deep_linking_launch(world["acme"], "ta", "course-a")
    return world[where]["teacher_dl"]


def _request(world, role, route, where):
    target = world["own"]
    actor = _actor(world, role, route, where)
    method, template, kind = ROUTES[route]
    other_unit = target["second-unit"]["teacher"].unit_id
    path = template.format(
        c=target["teacher"].class_id, u=target["teacher"].unit_id, s=target["student"].account_id
    )
    kwargs = {}
    if kind == "json":
        kwargs["json"] = {"score": 5}
    elif kind == "form":
        form = {"cb_session": actor.token, "score": "5", "target_unit": other_unit}
        if route == "deep-link-choose":
            pending = DeepLinkStore().get(target["teacher"].class_id, actor.account_id)
            form = {
                "cb_session": actor.token,
                "unit": target["teacher"].unit_id,
                "launch_id": pending.launch_id if pending else "none",
            }
        kwargs["data"] = form
    return world["http"].request(method, path, actor.token, **kwargs)


@pytest.mark.parametrize(("role", "route", "where"), CELLS)
def test_cell(world, role, route, where):
    allowed = where == "own" and route in ALLOWED[role]
    before = None if allowed else everything_stored()
    response = _request(world, role, route, where)
    if allowed:
        assert response.status_code < 400, (role, route, where, response.text[:300])
    else:
        assert response.status_code == 403, (role, route, where, response.status_code)
        assert everything_stored() == before, "a refused request wrote something"


def test_a_cross_site_form_post_with_only_the_cookie_cannot_release_grades(world):
    """The session cookie is SameSite=None; a forged form post carrying it is refused."""
    teacher = world["own"]["teacher"]
    token = teacher.token
    url = f"{world['http'].base_url}/api/classes/{teacher.class_id}/units/{teacher.unit_id}/release"
    before = everything_stored()
    forged = requests.post(
        url,
        data={"x": "1"},
        headers={"cookie": f"{COOKIE_NAME}={token}"},
        timeout=10,
    )
    assert forged.status_code == 403
    assert "Bearer" in forged.json()["error"]
    assert everything_stored() == before  # no release was recorded
    # The page's own request (Bearer) is accepted.
    accepted = requests.post(url, headers={"authorization": f"Bearer {token}"}, timeout=10)
    assert accepted.status_code == 202
