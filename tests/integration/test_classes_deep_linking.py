"""Deep Linking through the picker pages: signed response, accept_* settings, new units."""

from __future__ import annotations

import html
import re

import jwt
import pytest

from coursebridge.keyring import active_signing_key_id
from coursebridge.signing import KmsSigner
from coursebridge.store.classes import ClassStore
from coursebridge.store.deep_links import DeepLinkStore
from tests.classroom import INSTRUCTOR, LEARNER, Client, claims, deep_linking, launch, make_org

pytestmark = pytest.mark.integration
DL = "https://purl.imsglobal.org/spec/lti-dl/claim/"
LTI = "https://purl.imsglobal.org/spec/lti/claim/"


def _dl_launch(org, **settings):
    return launch(
        claims(
            "t-1",
            INSTRUCTOR,
            message_type="LtiDeepLinkingRequest",
            deep_linking=deep_linking(**settings),
        ),
        org,
    )


def _picker(http, teacher):
    return http.request(
        "GET", f"/app/classes/{teacher.class_id}/deep-link?cb_session={teacher.token}"
    )


def _choose(http, teacher, form):
    pending = DeepLinkStore().get(teacher.class_id, teacher.account_id)
    data = [("cb_session", teacher.token), ("launch_id", pending.launch_id if pending else "x")]
    return http.request(
        "POST", f"/app/classes/{teacher.class_id}/deep-link", data=data + list(form)
    )


def _returned_jwt(page_text):
    action = re.search(r'<form id="dl-return" method="post" action="([^"]+)"', page_text).group(1)
    token = re.search(r'name="JWT" value="([^"]+)"', page_text).group(1)
    public = jwt.PyJWK(KmsSigner(active_signing_key_id()).public_jwk()).key
    claims_ = jwt.decode(token, public, algorithms=["RS256"], audience="https://lms.example.edu")
    return html.unescape(action), claims_


def test_picker_lists_units_and_returns_a_signed_response_with_line_item(stack):
    org = make_org()
    teacher = launch(claims("t-1", INSTRUCTOR, custom={"max_score": "20"}), org)
    dl = _dl_launch(org)
    http = Client(stack.ports.tool_url)
    page = _picker(http, dl)
    assert page.status_code == 200
    assert "Lab 1" in page.text and "New unit" in page.text
    assert 'type="radio"' in page.text and 'type="checkbox"' not in page.text

    response = _choose(http, dl, [("unit", teacher.unit_id)])
    assert response.status_code == 200, response.text
    action, token = _returned_jwt(response.text)
    assert action == "https://lms.example.edu/deep_link_return"
    assert token["iss"] == "client-1"
    assert token[f"{LTI}message_type"] == "LtiDeepLinkingResponse"
    assert token[f"{LTI}version"] == "1.3.0"
    assert token[f"{LTI}deployment_id"] == "dep-1"
    assert token[f"{DL}data"] == "opaque-data-123"
    assert token["nonce"]
    (item,) = token[f"{DL}content_items"]
    assert item == {
        "type": "ltiResourceLink",
        "title": "Lab 1",
        "url": "https://tool.example/lti/launch",
        "custom": {"unit_id": teacher.unit_id},
        "lineItem": {
            "scoreMaximum": 20,
            "label": "Lab 1",
            "resourceId": teacher.unit_id,
            "tag": "coursebridge",
        },
    }
    # one-shot: answering again is refused, and the LMS's new link opens the chosen unit
    assert _choose(http, dl, [("unit", teacher.unit_id)]).status_code == 404
    student = launch(claims("s-1", LEARNER, link_id="lms-new-link", custom=item["custom"]), org)
    assert student.unit_id == teacher.unit_id


def test_new_unit_is_created_and_ungraded_units_have_no_line_item(stack):
    org = make_org()
    dl = _dl_launch(org, title="Week 3")
    http = Client(stack.ports.tool_url)
    assert 'value="Week 3"' in _picker(http, dl).text
    response = _choose(http, dl, [("unit", "new"), ("new_title", "Week 3"), ("new_max_score", "")])
    assert response.status_code == 200
    _, token = _returned_jwt(response.text)
    (item,) = token[f"{DL}content_items"]
    assert "lineItem" not in item
    (unit,) = ClassStore().units_of_class(dl.class_id)
    assert (unit.title, unit.max_score, item["custom"]["unit_id"]) == ("Week 3", None, unit.unit_id)


def test_accept_multiple_allows_several_and_single_refuses_several(stack):
    org = make_org()
    one = launch(claims("t-1", INSTRUCTOR, link_id="l1", link_title="A"), org)
    two = launch(claims("t-1", INSTRUCTOR, link_id="l2", link_title="B"), org)
    http = Client(stack.ports.tool_url)
    single = _dl_launch(org)
    refused = _choose(http, single, [("unit", one.unit_id), ("unit", two.unit_id)])
    assert refused.status_code == 400 and "only one" in refused.text

    multi = _dl_launch(org, accept_multiple=True)
    assert 'type="checkbox"' in _picker(http, multi).text
    response = _choose(http, multi, [("unit", one.unit_id), ("unit", two.unit_id)])
    _, token = _returned_jwt(response.text)
    assert [i["title"] for i in token[f"{DL}content_items"]] == ["A", "B"]


def test_lms_that_does_not_accept_resource_links_gets_a_clear_400(stack):
    org = make_org()
    dl = _dl_launch(org, accept_types=["file", "html"])
    response = _picker(Client(stack.ports.tool_url), dl)
    assert response.status_code == 400
    assert "does not accept LTI resource links" in response.text


def test_bad_new_unit_keeps_the_form_and_a_stale_tab_gets_409(stack):
    org = make_org()
    dl = _dl_launch(org)
    http = Client(stack.ports.tool_url)
    bad = _choose(http, dl, [("unit", "new"), ("new_title", "X"), ("new_max_score", "-3")])
    assert bad.status_code == 400 and "maximum score" in bad.text and 'value="X"' in bad.text
    newer = _dl_launch(org)
    stale = http.request(
        "POST",
        f"/app/classes/{dl.class_id}/deep-link",
        data={"cb_session": dl.token, "launch_id": dl.session.sid, "unit": "new", "new_title": "Y"},
    )
    assert stale.status_code == 409
    assert _choose(http, newer, [("unit", "new"), ("new_title", "Y")]).status_code == 200


def test_foreign_unit_id_is_400(stack):
    org = make_org()
    other = launch(claims("t-9", INSTRUCTOR, context_id="other", link_id="lx"), org)
    dl = _dl_launch(org)
    response = _choose(Client(stack.ports.tool_url), dl, [("unit", other.unit_id)])
    assert response.status_code == 400
