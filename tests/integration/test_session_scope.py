"""A session acts only in the class (and unit) it was launched into, with the rights of
that class's membership: over HTTP through the local stack.

Every refusal is checked for its status, a message a person understands, and that
nothing was written (the whole app and users tables are compared before and after).
"""

from __future__ import annotations

import time
from urllib.parse import parse_qs, urlsplit

import pytest

from coursebridge.sessions import decode_session, encode_session
from coursebridge.store import keys
from coursebridge.store.dynamo import app_table, users_table
from coursebridge.store.orgs import Org, OrgStore
from tests.classroom import (
    INSTRUCTOR,
    LEARNER,
    MENTOR,
    Client,
    Launched,
    claims,
    deep_linking,
    launch,
    make_org,
)

pytestmark = pytest.mark.integration

API = "/api/classes/{c}/units/{u}"
APP = "/app/classes/{c}/units/{u}"
OTHER_COURSE = "opened from another course"
OTHER_ACTIVITY = "opened from another activity"
MAX_AGE_DAYS = 180  # membership_max_age_days, by default


def _snapshot() -> list:
    """Every item of both tables, in a stable order."""
    items = []
    for table in (app_table(), users_table()):
        scan = {}
        while True:
            page = table.scan(ConsistentRead=True, **scan)
            items.extend(page["Items"])
            if "LastEvaluatedKey" not in page:
                break
            scan = {"ExclusiveStartKey": page["LastEvaluatedKey"]}
    return sorted(items, key=lambda item: (str(item.get("pk")), str(item.get("sk"))))


def _refused(response, message: str) -> None:
    assert response.status_code == 403, (response.status_code, response.text[:300])
    if urlsplit(response.url).path.startswith("/api/"):
        assert message in response.json()["error"]
    else:
        assert response.headers["content-type"].startswith("text/html")
        assert message in response.text


def _roster_names(http: Client, who: Launched | str, class_id: str, unit_id: str) -> list[str]:
    token = who if isinstance(who, str) else who.token
    response = http.request("GET", API.format(c=class_id, u=unit_id) + "/grades", token)
    assert response.status_code == 200, response.text
    return sorted(row["name"] for row in response.json())


# ----------------------------------------------------------------- mentors


@pytest.fixture
def mentored(stack):
    """A mentor unscoped in class 1 and, in class 2, scoped to Bob."""
    org = make_org()
    c1 = {"context_id": "course-1", "link_id": "link-1"}
    c2 = {"context_id": "course-2", "context_title": "Chemistry", "link_id": "link-2"}
    teacher_1 = launch(claims("t-1", INSTRUCTOR, **c1), org)
    teacher_2 = launch(claims("t-1", INSTRUCTOR, **c2), org)
    for sub in ("ann", "bob"):
        launch(claims(sub, LEARNER, **c1), org)
        launch(claims(sub, LEARNER, **c2), org)
    mentor_1 = launch(claims("m-1", MENTOR, **c1), org)
    mentor_2 = launch(claims("m-1", MENTOR, role_scope_mentor=["bob"], **c2), org)
    return {
        "org": org,
        "teacher_1": teacher_1,
        "teacher_2": teacher_2,
        "mentor_1": mentor_1,
        "mentor_2": mentor_2,
        "http": Client(stack.ports.tool_url),
    }


def test_a_mentors_unscoped_session_from_class_1_cannot_read_class_2s_roster(mentored):
    http, mentor_1, class_2 = mentored["http"], mentored["mentor_1"], mentored["teacher_2"]
    assert _roster_names(http, mentor_1, mentor_1.class_id, mentor_1.unit_id) == ["Ann", "Bob"]
    api = API.format(c=class_2.class_id, u=class_2.unit_id)
    for path in (
        api + "/grades",
        api + "/grades.csv",
        APP.format(c=class_2.class_id, u=class_2.unit_id),
    ):
        _refused(http.request("GET", path, mentor_1.token), OTHER_COURSE)


def test_a_mentor_scoped_in_class_2_sees_only_their_mentee_whatever_the_session_says(mentored):
    http, mentor_2 = mentored["http"], mentored["mentor_2"]
    c, u = mentor_2.class_id, mentor_2.unit_id
    assert _roster_names(http, mentor_2, c, u) == ["Bob"]
    forged = encode_session(
        mentor_2.session.model_copy(update={"mentee_subs": None, "read_only": False})
    )
    assert _roster_names(http, forged, c, u) == ["Bob"]
    csv = http.request("GET", API.format(c=c, u=u) + "/grades.csv", forged)
    assert csv.status_code == 200 and "Bob" in csv.text and "Ann" not in csv.text
    page = http.request("GET", APP.format(c=c, u=u), forged)
    assert page.status_code == 200
    assert "Bob" in page.text and "Ann" not in page.text and "<form" not in page.text
    before = _snapshot()
    bob = next(m for m in _class_students(c) if m["name"] == "Bob")
    put = http.request(
        "PUT", API.format(c=c, u=u) + f"/grades/{bob['id']}", forged, json={"score": 1}
    )
    _refused(put, "read-only")
    assert _snapshot() == before


def test_the_mentor_scope_follows_the_latest_launch_into_the_class(mentored):
    http, org = mentored["http"], mentored["org"]
    unscoped = launch(
        claims("m-1", MENTOR, context_id="course-2", context_title="Chemistry", link_id="link-2"),
        org,
    )
    assert _roster_names(http, unscoped, unscoped.class_id, unscoped.unit_id) == ["Ann", "Bob"]
    # The earlier session, scoped to Bob at its launch, now sees what the membership allows.
    old = mentored["mentor_2"]
    assert _roster_names(http, old, old.class_id, old.unit_id) == ["Ann", "Bob"]


def _class_students(class_id: str) -> list[dict]:
    items = app_table().query(
        KeyConditionExpression="pk = :pk AND begins_with(sk, :m)",
        ExpressionAttributeValues={":pk": keys.class_partition(class_id), ":m": keys.MEMBER},
    )["Items"]
    return [
        {"id": i["sk"].removeprefix("MEMBER#"), "name": i["name"]}
        for i in items
        if i["role"] == "STUDENT"
    ]


def test_a_mentor_launch_from_the_lms_stores_its_scope_and_confirmation_on_the_membership(tool):
    for person in ("teacher", "student", "anonymous"):
        assert tool.full_launch(person).status_code == 303
    response = tool.full_launch("mentor")
    assert response.status_code == 303, response.text
    token = parse_qs(urlsplit(response.headers["location"]).query)["cb_session"][0]
    session = decode_session(token)
    assert session is not None and session.class_id and session.unit_id
    item = app_table().get_item(Key=keys.member(session.class_id, session.account_id))["Item"]
    assert item["readOnly"] is True and item["menteeSubs"] == ["demo-student"]
    assert item["confirmedAt"] == item["updatedAt"]
    http = Client(tool.tool_url)
    forged = encode_session(session.model_copy(update={"mentee_subs": None, "read_only": False}))
    for who in (token, forged):
        assert _roster_names(http, who, session.class_id, session.unit_id) == ["Sam Student"]


# ----------------------------------------------------------------- teachers


@pytest.fixture
def school(stack):
    """One teacher in class 1 (units 1 and 2, both graded and released) and class 2."""
    org = make_org()
    c1 = {"context_id": "course-1", "custom": {"max_score": "10"}}
    c2 = {"context_id": "course-2", "context_title": "Chemistry", "link_id": "link-2"}
    unit_1 = launch(claims("t-1", INSTRUCTOR, link_id="link-1", **c1), org)
    unit_2 = launch(claims("t-1", INSTRUCTOR, link_id="link-1b", link_title="Lab 2", **c1), org)
    class_2 = launch(claims("t-1", INSTRUCTOR, **c2), org)
    ann_1 = launch(claims("ann", LEARNER, link_id="link-1", **c1), org)
    ann_2 = launch(claims("ann", LEARNER, **c2), org)
    http = Client(stack.ports.tool_url)
    releases = {}
    for unit in (unit_1, unit_2):
        api = API.format(c=unit.class_id, u=unit.unit_id)
        put = http.request("PUT", f"{api}/grades/{ann_1.account_id}", unit.token, json={"score": 7})
        assert put.status_code == 200, put.text
        started = http.request("POST", f"{api}/release", unit.token)
        assert started.status_code == 202, started.text
        releases[unit.unit_id] = started.json()["releaseId"]
    return {
        "unit_1": unit_1,
        "unit_2": unit_2,
        "class_2": class_2,
        "ann_1": ann_1,
        "ann_2": ann_2,
        "releases": releases,
        "http": http,
    }


# (actor, target) per "where": the actor's session is refused on the target's unit.
WHERE = {
    "class-2-session-on-class-1": ("class_2", "unit_1", OTHER_COURSE),
    "unit-1-session-on-unit-2": ("unit_1", "unit_2", OTHER_ACTIVITY),
}
TEACHER_ROUTES = {
    "read-roster": ("GET", API + "/grades", None),
    "grade": ("PUT", API + "/grades/{s}", {"json": {"score": 1}}),
    "grade-form": ("POST", APP + "/grades/{s}", {"data": {"score": "1"}}),
    "export": ("GET", API + "/grades.csv", None),
    "release": ("POST", API + "/release", None),
    "release-progress": ("GET", "/api/releases/{r}", None),
    "resend": ("POST", API + "/resend", {"json": {"accountIds": ["acc_x"]}}),
    "release-history": ("GET", API + "/releases", None),
    "unit-page": ("GET", APP, None),
    "re-map-activity": ("POST", APP + "/remap", {"data": {"target_unit": "{other_unit}"}}),
    "re-map-course": ("POST", APP + "/remap", {"data": {"target_class": "{other_class}"}}),
}


@pytest.mark.parametrize("route", TEACHER_ROUTES)
@pytest.mark.parametrize("where", WHERE)
def test_a_teachers_session_cannot_act_outside_its_launch(school, where, route):
    actor_key, target_key, message = WHERE[where]
    actor, target = school[actor_key], school[target_key]
    other_unit = school["unit_2" if target_key == "unit_1" else "unit_1"].unit_id
    values = {
        "c": target.class_id,
        "u": target.unit_id,
        "s": school["ann_1"].account_id,
        "r": school["releases"][target.unit_id],
        "other_unit": other_unit,
        "other_class": school["class_2"].class_id,
    }
    method, template, body = TEACHER_ROUTES[route]
    kwargs = {}
    if body and "json" in body:
        kwargs["json"] = body["json"]
    elif body:
        form = {k: v.format(**values) for k, v in body["data"].items()}
        kwargs["data"] = {"cb_session": actor.token, **form}
    before = _snapshot()
    response = school["http"].request(method, template.format(**values), actor.token, **kwargs)
    _refused(response, message)
    assert _snapshot() == before  # no grade, release, map or unit changed


@pytest.mark.parametrize("route", ["my-grade", "unit-page"])
@pytest.mark.parametrize("where", ["class-2-session-on-class-1", "unit-1-session-on-unit-2"])
def test_a_students_session_cannot_read_outside_its_launch(school, where, route):
    actor = school["ann_2"] if where.startswith("class-2") else school["ann_1"]
    target = school["unit_1"] if where.startswith("class-2") else school["unit_2"]
    path = (API + "/my-grade" if route == "my-grade" else APP).format(
        c=target.class_id, u=target.unit_id
    )
    message = OTHER_COURSE if where.startswith("class-2") else OTHER_ACTIVITY
    _refused(school["http"].request("GET", path, actor.token), message)


def test_each_session_still_acts_in_its_own_unit(school):
    http = school["http"]
    for key in ("unit_1", "unit_2", "class_2"):
        who = school[key]
        assert http.request("GET", APP.format(c=who.class_id, u=who.unit_id), who.token).ok
    for unit_id, release_id in school["releases"].items():
        owner = next(school[k] for k in ("unit_1", "unit_2") if school[k].unit_id == unit_id)
        progress = http.request("GET", f"/api/releases/{release_id}", owner.token)
        assert progress.status_code == 200 and progress.json()["unitId"] == unit_id
    ann = school["ann_1"]
    mine = http.request("GET", API.format(c=ann.class_id, u=ann.unit_id) + "/my-grade", ann.token)
    assert mine.status_code == 200


def test_a_page_acts_in_its_own_unit_when_the_cookie_holds_another_launch(school):
    """The token a page carries wins over the cookie of the browser's latest launch."""
    unit_1, unit_2 = school["unit_1"], school["unit_2"]
    page = school["http"].request(
        "GET",
        APP.format(c=unit_1.class_id, u=unit_1.unit_id) + f"?cb_session={unit_1.token}",
        headers={"cookie": f"cb_session={unit_2.token}"},
    )
    assert page.status_code == 200 and "Lab 1" in page.text


def test_re_mapping_the_activity_hands_over_a_session_for_the_new_unit(school):
    http, unit_1, unit_2 = school["http"], school["unit_1"], school["unit_2"]
    moved = http.request(
        "POST",
        APP.format(c=unit_1.class_id, u=unit_1.unit_id) + "/remap",
        data={"cb_session": unit_1.token, "target_unit": unit_2.unit_id},
    )
    assert moved.status_code == 303, moved.text
    location = urlsplit(moved.headers["location"])
    token = parse_qs(location.query)["cb_session"][0]
    session = decode_session(token)
    assert session is not None and session.unit_id == unit_2.unit_id
    assert (session.class_id, session.account_id) == (unit_1.class_id, unit_1.account_id)
    assert session.sid != unit_1.session.sid and session.exp == unit_1.session.exp
    assert http.request("GET", f"{location.path}?{location.query}").status_code == 200
    # The launch's own session still opens its unit, and only that one.
    assert http.request("GET", APP.format(c=unit_1.class_id, u=unit_1.unit_id), unit_1.token).ok
    _refused(
        http.request("GET", APP.format(c=unit_2.class_id, u=unit_2.unit_id), unit_1.token),
        OTHER_ACTIVITY,
    )


# ----------------------------------------------------------------- deep linking


def test_a_deep_linking_session_opens_only_its_classs_picker(stack):
    org = make_org()
    teacher = launch(claims("t-1", INSTRUCTOR), org)
    picker_launch = launch(
        claims(
            "t-1", INSTRUCTOR, message_type="LtiDeepLinkingRequest", deep_linking=deep_linking()
        ),
        org,
    )
    assert picker_launch.session.unit_id is None
    http = Client(stack.ports.tool_url)
    picker = f"/app/classes/{teacher.class_id}/deep-link"
    assert http.request("GET", picker, picker_launch.token).status_code == 200
    before = _snapshot()
    api = API.format(c=teacher.class_id, u=teacher.unit_id)
    for method, path in (
        ("GET", f"{api}/grades"),
        ("POST", f"{api}/release"),
        ("GET", APP.format(c=teacher.class_id, u=teacher.unit_id)),
    ):
        _refused(http.request(method, path, picker_launch.token), "add an activity")
    # An activity's session does not open the picker, even with a request waiting.
    _refused(http.request("GET", picker, teacher.token), "Deep Linking")
    assert _snapshot() == before


# ----------------------------------------------------------------- confirmation


def _org_of(launched: Launched) -> Org:
    org = OrgStore().get(launched.session.org_id)
    assert org is not None
    return org


def _age_membership(launched: Launched, days: float) -> None:
    """As if the last launch that confirmed the membership was ``days`` ago."""
    app_table().update_item(
        Key=keys.member(launched.class_id, launched.account_id),
        UpdateExpression="SET confirmedAt = :at, updatedAt = :at",
        ExpressionAttributeValues={":at": int(time.time() - days * 86_400)},
    )


def test_a_membership_not_confirmed_within_the_maximum_age_is_refused(school):
    http, unit_1 = school["http"], school["unit_1"]
    roster = API.format(c=unit_1.class_id, u=unit_1.unit_id) + "/grades"
    _age_membership(unit_1, MAX_AGE_DAYS - 1)
    assert http.request("GET", roster, unit_1.token).status_code == 200
    _age_membership(unit_1, MAX_AGE_DAYS + 1)
    before = _snapshot()
    _refused(http.request("GET", roster, unit_1.token), "has not confirmed your place")
    page = APP.format(c=unit_1.class_id, u=unit_1.unit_id)
    _refused(http.request("GET", page, unit_1.token), "has not confirmed your place")
    assert _snapshot() == before
    # The next launch confirms it again.
    again = launch(
        claims("t-1", INSTRUCTOR, context_id="course-1", link_id="link-1"), _org_of(unit_1)
    )
    assert http.request("GET", roster, again.token).status_code == 200


def test_a_stale_membership_is_no_re_map_target(school):
    http, unit_1, class_2 = school["http"], school["unit_1"], school["class_2"]
    page_path = APP.format(c=unit_1.class_id, u=unit_1.unit_id)
    assert "Chemistry" in http.request("GET", page_path, unit_1.token).text
    _age_membership(class_2, MAX_AGE_DAYS + 1)
    assert "Chemistry" not in http.request("GET", page_path, unit_1.token).text
    before = _snapshot()
    refused = http.request(
        "POST",
        page_path + "/remap",
        data={"cb_session": unit_1.token, "target_class": class_2.class_id},
    )
    assert refused.status_code == 400 and "choose another class that you teach" in refused.text
    assert _snapshot() == before
