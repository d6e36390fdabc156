"""Release Grades in headless Chromium: the student sees nothing until the teacher
presses Release Grades; then the grade shows in the tool and reaches the LMS gradebook.

Launches go through the real contracts with an AGS claim pointing at the demo LMS's
AGS service, so the unit's line item and scopes come from the launch as in production.
"""

from __future__ import annotations

import pytest
from playwright.sync_api import expect, sync_playwright

from coursebridge.lti.ags import PlatformGate
from coursebridge.lti.ags_token import TokenProvider
from coursebridge.lti.claims import AgsEndpoint
from coursebridge.store.platforms import PlatformRegistration, PlatformStore
from local.demo_lms.ags import AgsService
from local.demo_lms.ags_server import serve
from tests.classroom import (
    CLIENT_ID,
    DEPLOYMENT,
    INSTRUCTOR,
    ISSUER,
    LEARNER,
    REGISTRATION_ID,
    claims,
    launch,
    make_org,
)

pytestmark = pytest.mark.e2e

SCOPES = [
    "https://purl.imsglobal.org/spec/lti-ags/scope/lineitem",
    "https://purl.imsglobal.org/spec/lti-ags/scope/score",
]


@pytest.fixture
def lms(stack):
    TokenProvider.forget_process_cache()
    PlatformGate._gates.clear()
    service = AgsService(f"{stack.ports.tool_url}/.well-known/jwks.json", client_ids={CLIENT_ID})
    server = serve(service)
    try:
        yield service, server.base_url
    finally:
        server.stop()


def test_student_sees_the_grade_only_after_release_and_the_lms_receives_it(stack, lms):
    service, lms_url = lms
    org = make_org()
    PlatformStore().add(
        PlatformRegistration(
            issuer=ISSUER,
            client_id=CLIENT_ID,
            deployment_ids=[DEPLOYMENT],
            auth_login_url=f"{lms_url}/auth",
            auth_token_url=f"{lms_url}/token",
            jwks_url=f"{lms_url}/jwks",
            org_id=org.org_id,
            registration_id=REGISTRATION_ID,
        )
    )
    lineitem = service.ensure_line_item(lms_url, "course-1", "link-1", "Lab 1", 10)
    endpoint = AgsEndpoint(
        scope=SCOPES, lineitems=service.lineitems_url(lms_url, "course-1"), lineitem=lineitem
    )
    teacher = launch(claims("ms-rivera", INSTRUCTOR, custom={"max_score": "10"}, ags=endpoint), org)
    ann = launch(claims("ann-lee", LEARNER, ags=endpoint), org)
    base = stack.ports.tool_url

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path="/usr/bin/chromium", headless=True)
        try:
            page = browser.new_page()
            page.goto(
                f"{base}/app/classes/{teacher.class_id}/units/{teacher.unit_id}"
                f"?cb_session={teacher.token}"
            )
            page.get_by_label("Score for Ann Lee").fill("8")
            page.get_by_label("Comment for Ann Lee").fill("Nice diagrams")
            page.get_by_role("button", name="Save grade for Ann Lee").click()
            expect(page.locator(".notice")).to_contain_text("Grade saved")

            student = browser.new_page()
            student_url = (
                f"{base}/app/classes/{ann.class_id}/units/{ann.unit_id}?cb_session={ann.token}"
            )
            student.goto(student_url)
            expect(student.locator("#grade")).to_have_text("Your grade has not been released yet.")
            assert service.scores == []

            page.get_by_role("button", name="Release Grades").click()
            expect(page.locator("#release-status")).to_contain_text("Releasing")
            stack.make_pollers()["GradeReleaseFunction"].poll_once(wait_seconds=5)
            expect(page.locator("#release-status")).to_contain_text(
                "Released: 1 sent, 0 failed", timeout=10_000
            )

            student.reload()
            expect(student.locator("#grade")).to_have_text("8 / 10")
            expect(student.locator("body")).to_contain_text("Nice diagrams")
        finally:
            browser.close()

    (score,) = service.scores
    assert (score["userId"], score["scoreGiven"], score["scoreMaximum"]) == ("ann-lee", 8, 10)
    assert score["comment"] == "Nice diagrams"
