"""Launch diagnostics through the demo LMS: a teacher launch without email or name, and
Canvas's Test Student, land on a page that says what is going on and what to change."""

from __future__ import annotations

import html
from urllib.parse import parse_qs, urlsplit

import pytest
import requests

from coursebridge.launch.diagnostics import TEST_USER_ROLE
from coursebridge.lti.claims import CLAIM
from coursebridge.sessions import decode_session

pytestmark = pytest.mark.integration


def _landing_page(tool, person: str, change) -> tuple[str, object]:
    login = tool.login(person)
    claims = tool.claims(login, person)
    change(claims)
    response = tool.launch(tool.lms.platform.keys.sign(claims), login.state, login.cookie_header)
    assert response.status_code == 303, response.text
    location = response.headers["location"]
    token = parse_qs(urlsplit(location).query)["cb_session"][0]
    page = requests.get(f"{tool.tool_url}{location}", timeout=20)
    assert page.status_code == 200
    return html.unescape(page.text), decode_session(token)


def _canvas(claims: dict) -> None:
    claims[CLAIM + "tool_platform"]["product_family_code"] = "canvas"


def test_a_teacher_launch_without_email_says_what_the_canvas_admin_must_change(tool):
    def private(claims):
        _canvas(claims)
        claims.pop("email")

    page, session = _landing_page(tool, "teacher", private)
    assert session.lms_notes == ["no-email"]
    assert "did not send your email address" in page
    assert "Privacy Level: Public" in page


def test_a_teacher_launch_without_name_or_email_from_another_lms_says_it_generally(tool):
    def anonymous(claims):
        for name in ("email", "name", "given_name", "family_name"):
            claims.pop(name)

    page, _ = _landing_page(tool, "teacher", anonymous)
    assert "did not send your name and email address" in page
    assert "allow it to receive the user's name and email address" in page


def test_canvas_test_student_is_told_it_is_one(tool):
    def test_student(claims):
        _canvas(claims)
        claims[CLAIM + "roles"].append(TEST_USER_ROLE)
        claims.pop("email")

    page, session = _landing_page(tool, "student", test_student)
    assert session.lms_notes == ["test-student"]
    assert "Canvas's Test Student" in page


def test_an_ordinary_launch_has_no_banner(tool):
    page, session = _landing_page(tool, "teacher", lambda claims: None)
    assert session.lms_notes == []
    assert "lms-note" not in page.split("</style>")[-1]
