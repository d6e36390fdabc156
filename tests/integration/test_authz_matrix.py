"""Role x route x own/other class: every forbidden cell is 403 — never 200, never 500.

Allowed cells must succeed (2xx/3xx), so the matrix cannot pass by refusing everything.
"""

from __future__ import annotations

import pytest

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
CELLS = [
    (role, route, where)
    for role in ROLES
    for route in ROUTES
    for where in ("own", "other-class", "other-org")
]


@pytest.fixture(scope="module")
def world(local_stack):
    local_stack.reset()
    acme, other_org = make_org("acme"), make_org("beta")

    def people(org, context_id, suffix):
        dl = claims(
            f"t{suffix}",
            INSTRUCTOR,
            context_id=context_id,
            message_type="LtiDeepLinkingRequest",
            deep_linking=deep_linking(),
        )
        teacher_dl = launch(dl, org)
        link = f"link-1{suffix}"  # resource link ids are unique per platform
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
        launch(
            claims(f"t{suffix}", INSTRUCTOR, context_id=context_id, link_id=f"link-2{suffix}"), org
        )
        return {
            "teacher": teacher,
            "teacher_dl": teacher_dl,
            "mentor": launch(
                claims(f"m{suffix}", MENTOR, context_id=context_id, link_id=link), org
            ),
            "student": launch(
                claims(f"s{suffix}", LEARNER, context_id=context_id, link_id=link), org
            ),
        }

    return {
        "own": people(acme, "course-a", "a"),
        "other-class": people(acme, "course-b", "b"),
        "other-org": people(other_org, "course-c", "c"),
        "http": Client(local_stack.ports.tool_url),
    }


def _request(world, role, route, where):
    target = world["own"]
    actor = world[where][role] if where != "own" else target[role]
    if route.startswith("deep-link") and role == "teacher" and where == "own":
        actor = target["teacher_dl"]
    method, template, kind = ROUTES[route]
    from coursebridge.store.classes import ClassStore

    units = ClassStore().units_of_class(target["teacher"].class_id)
    other_unit = next(u.unit_id for u in units if u.unit_id != target["teacher"].unit_id)
    path = template.format(
        c=target["teacher"].class_id, u=target["teacher"].unit_id, s=target["student"].account_id
    )
    kwargs = {}
    if kind == "json":
        kwargs["json"] = {"score": 5}
    elif kind == "form":
        form = {"cb_session": actor.token, "score": "5", "target_unit": other_unit}
        if route == "deep-link-choose":
            from coursebridge.store.deep_links import DeepLinkStore

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
    response = _request(world, role, route, where)
    allowed = where == "own" and route in ALLOWED[role]
    if allowed:
        assert response.status_code < 400, (role, route, where, response.text[:300])
    else:
        assert response.status_code == 403, (role, route, where, response.status_code)


def test_a_cross_site_form_post_with_only_the_cookie_cannot_release_grades(stack):
    """The session cookie is SameSite=None; a forged form post carrying it is refused."""
    import requests

    from coursebridge.sessions import COOKIE_NAME

    org = make_org()
    teacher = launch(claims("t-1", INSTRUCTOR), org)
    token = teacher.token
    url = f"{stack.ports.tool_url}/api/classes/{teacher.class_id}/units/{teacher.unit_id}/release"
    forged = requests.post(
        url,
        data={"x": "1"},
        headers={"cookie": f"{COOKIE_NAME}={token}"},
        timeout=10,
    )
    assert forged.status_code == 403
    assert "Bearer" in forged.json()["error"]
    # The page's own request (Bearer) is accepted.
    accepted = requests.post(url, headers={"authorization": f"Bearer {token}"}, timeout=10)
    assert accepted.status_code == 202
