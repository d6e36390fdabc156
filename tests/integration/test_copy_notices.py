"""Canvas's LtiContextCopyNotice through the demo LMS: the tool registers its notice
handler when a course's class is created, the LMS posts the signed notice when it copies
the course, and the copy's first launch (without any copy history of its own) lands in a
class cloned from the old one. Forged or foreign notices change nothing."""

from __future__ import annotations

import json

import jwt as pyjwt
import pytest
import requests

from coursebridge.lti.claims import CLAIM
from coursebridge.store import keys
from coursebridge.store.classes import ClassStore
from local.demo_lms.platform import COPIED_COURSE, PlatformKeys
from local.demo_lms.pns import CONTEXT_COPY
from tests.integration.roster_support import stored_but_tokens

pytestmark = pytest.mark.integration


@pytest.fixture
def pns(tool):
    service = tool.lms.pns()
    service.handlers.clear()
    yield service
    tool.lms.platform.notice_claim = None
    tool.lms._pns = None


def _launch_without_history(tool, course: str):
    login = tool.login("teacher")
    claims = tool.claims(login, "teacher", course=course)
    for name in ("context_id_history", "resource_link_id_history"):
        claims[CLAIM + "custom"].pop(name, None)
    response = tool.launch(tool.lms.platform.keys.sign(claims), login.state, login.cookie_header)
    assert response.status_code == 303, response.text
    return response.headers["location"].split("/")[3]


def _post(tool, body) -> requests.Response:
    return requests.post(
        f"{tool.tool_url}/lti/notices",
        data=json.dumps(body),
        headers={"content-type": "application/json"},
        timeout=20,
    )


def test_a_copy_notice_makes_the_copys_first_launch_land_in_a_ready_class(tool, pns):
    old = _launch_without_history(tool, "bio")
    handler = pns.handlers[(tool.lms.platform.deployment_id, CONTEXT_COPY)]
    assert handler == f"{tool.tool_url}/lti/notices"

    assert pns.copy_course(COPIED_COURSE, "demo-course-101") == 200
    assert pns.delivered[-1] == {"accepted": 1, "copies": 1, "rejected": 0}
    new = _launch_without_history(tool, "bio-next")
    cls = ClassStore().get_class(new)
    assert cls is not None and cls.copied_from == old
    assert [u.title for u in ClassStore().units_of_class(new)] == ["Cell structure quiz"]


def test_forged_and_foreign_notices_change_nothing(tool, pns):
    _launch_without_history(tool, "bio")
    before = stored_but_tokens()
    forged = PlatformKeys()  # not the platform's keys
    real = pns.copy_notice(COPIED_COURSE, "demo-course-101")
    header, payload, _ = real.split(".")
    claims = pyjwt.decode(real, options={"verify_signature": False})
    other_deployment = pns.platform.keys.sign({**claims, CLAIM + "deployment_id": "not-registered"})
    answer = _post(
        tool,
        {
            "notices": [
                {"jwt": forged.sign(claims)},
                {"jwt": other_deployment},
                {"jwt": f"{header}.{payload}.bad"},
                {"jwt": "not a jwt"},
            ]
        },
    )
    assert answer.status_code == 200
    assert answer.json() == {"accepted": 0, "copies": 0, "rejected": 4}
    assert stored_but_tokens() == before
    for body in ({"notices": "x"}, {"notices": [{"nojwt": 1}]}, [], {"notices": [{}] * 101}):
        assert _post(tool, body).status_code == 400
    assert requests.get(f"{tool.tool_url}/lti/notices", timeout=20).status_code in (400, 404, 405)
    assert stored_but_tokens() == before


def test_another_notice_type_is_accepted_and_ignored(tool, pns):
    real = pns.copy_notice(COPIED_COURSE, "demo-course-101")
    claims = pyjwt.decode(real, options={"verify_signature": False})
    hello = {**claims, CLAIM + "notice": {"id": "n", "type": "LtiHelloWorldNotice"}}
    answer = _post(tool, {"notices": [{"jwt": pns.platform.keys.sign(hello)}]})
    assert answer.json() == {"accepted": 1, "copies": 0, "rejected": 0}
    notice_key = keys.copy_notice("x", "y", "z")
    assert ClassStore().mapped_target(notice_key) is None
