"""Deep Linking's ``data`` is opaque: whatever JSON value the platform's signed request
carries — an object included — comes back unchanged in the signed response, through the
real /lti/launch and the picker; absent, it stays absent. A graded unit's content item
carries the ``lineItem`` Blackboard and D2L need to make a gradable column."""

from __future__ import annotations

import html
import re
from urllib.parse import parse_qs, urlsplit

import jwt
import pytest
import requests

from coursebridge.keyring import active_signing_key_id
from coursebridge.lti.claims import DL_SETTINGS_CLAIM
from coursebridge.signing import KmsSigner
from coursebridge.store.classes import ClassStore
from coursebridge.store.deep_links import DeepLinkStore
from coursebridge.store.members import MemberStore

pytestmark = pytest.mark.integration
DL = "https://purl.imsglobal.org/spec/lti-dl/claim/"
ABSENT = object()


def _launch(tool, kind: str, data=ABSENT):
    login = tool.login("teacher")
    claims = tool.claims(login, "teacher", message_type=kind)
    if kind == "LtiDeepLinkingRequest":
        if data is ABSENT:
            del claims[DL_SETTINGS_CLAIM]["data"]
        else:
            claims[DL_SETTINGS_CLAIM]["data"] = data
    response = tool.launch(tool.lms.platform.keys.sign(claims), login.state, login.cookie_header)
    assert response.status_code == 303, response.text
    location = urlsplit(response.headers["location"])
    return location.path, parse_qs(location.query)["cb_session"][0]


@pytest.mark.parametrize(
    "data",
    [
        {"nested": [1, {"a": None, "b": True}], "s": "x", "n": 1.5},
        ["one", 2, {"three": 3}],
        "plain string",
        42,
        None,
        ABSENT,
    ],
    ids=["object", "list", "string", "number", "null", "absent"],
)
def test_the_requests_data_goes_back_unchanged_whatever_json_it_is(tool, data):
    unit_path, _ = _launch(tool, "LtiResourceLinkRequest")  # the class and its first unit
    class_id = unit_path.split("/")[3]
    (unit,) = ClassStore().units_of_class(class_id)
    ClassStore().update_unit_link(unit.unit_id, {"maxScore": 10})  # a graded unit
    picker_path, token = _launch(tool, "LtiDeepLinkingRequest", data)
    assert picker_path == f"/app/classes/{class_id}/deep-link"
    (teacher,) = [m for m in MemberStore().members(class_id) if m.role == "TEACHER"]
    pending = DeepLinkStore().get(class_id, teacher.account_id)
    assert pending is not None
    response = requests.post(
        f"{tool.tool_url}{picker_path}",
        data={"cb_session": token, "launch_id": pending.launch_id, "unit": unit.unit_id},
        timeout=20,
    )
    assert response.status_code == 200, response.text
    token_field = re.search(r'name="JWT" value="([^"]+)"', response.text).group(1)
    public = jwt.PyJWK(KmsSigner(active_signing_key_id()).public_jwk()).key
    answer = jwt.decode(
        html.unescape(token_field),
        public,
        algorithms=["RS256"],
        audience=tool.lms.platform.issuer,
    )
    if data is ABSENT:
        assert f"{DL}data" not in answer
    else:
        assert answer[f"{DL}data"] == data
    (item,) = answer[f"{DL}content_items"]
    assert item["lineItem"] == {
        "scoreMaximum": 10,
        "label": unit.title,
        "resourceId": unit.unit_id,
        "tag": "coursebridge",
    }
