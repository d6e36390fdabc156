"""The teacher view's LMS column, "Resend failed" and the release history in headless
Chromium: the LMS (the demo LMS's AGS service playing Canvas) refuses 2 of 30 students
— one not enrolled, one whose course has concluded — both show failed with their
reasons; once the LMS side is fixed, "Resend failed" delivers exactly those two and
nothing is sent twice to the other 28.

``CB_SCREENSHOTS=docs/img`` writes the README's screenshot of the LMS column there.
"""

from __future__ import annotations

import os
from decimal import Decimal
from pathlib import Path

import pytest
from playwright.sync_api import expect, sync_playwright

from coursebridge.lti.ags import PlatformGate
from coursebridge.lti.ags_token import TokenProvider
from coursebridge.lti.claims import AgsEndpoint
from coursebridge.store.gradebook import GradebookStore, GradeWrite
from coursebridge.store.platforms import PlatformRegistration, PlatformStore
from local.demo_lms.ags import AgsService, Faults
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
def canvas(stack):
    TokenProvider.forget_process_cache()
    PlatformGate._gates.clear()
    service = AgsService(
        f"{stack.ports.tool_url}/.well-known/jwks.json", client_ids={CLIENT_ID}, lms="canvas"
    )
    server = serve(service)
    try:
        yield service, server.base_url
    finally:
        server.stop()


def _work(stack, page, status, text: str) -> None:
    """Run the release worker until the page says ``text``."""
    poller = stack.make_pollers()["GradeReleaseFunction"]
    for _ in range(20):
        poller.poll_once(wait_seconds=1)
        if text in (status.text_content() or ""):
            break
    expect(status).to_contain_text(text, timeout=10_000)


def test_two_refused_show_why_and_resend_failed_delivers_exactly_them(stack, canvas):
    service, lms_url = canvas
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
    canvas_launch = {"ags": endpoint, "platform_family": "canvas"}
    teacher = launch(
        claims("ms-rivera", INSTRUCTOR, custom={"max_score": "10"}, **canvas_launch), org
    )
    students = [
        launch(claims(f"student-{n:02d}", LEARNER, **canvas_launch), org) for n in range(30)
    ]
    for n, student in enumerate(students):
        GradebookStore().save(
            GradeWrite(
                class_id=teacher.class_id,
                unit_id=teacher.unit_id,
                account_id=student.account_id,
                sub=student.session.sub,
                issuer=ISSUER,
                registration_id=REGISTRATION_ID,
                score=Decimal(n % 11),
                max_score=Decimal(10),
                comment="",
                graded_by=teacher.account_id,
            )
        )
    not_enrolled, concluded = students[4], students[21]
    service.faults = Faults(
        refuse_user_ids={
            not_enrolled.session.sub: "not_enrolled",
            concluded.session.sub: "course_concluded",
        }
    )

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path="/usr/bin/chromium", headless=True)
        try:
            page = browser.new_page(viewport={"width": 1280, "height": 900})
            page.goto(
                f"{stack.ports.tool_url}/app/classes/{teacher.class_id}/units/{teacher.unit_id}"
                f"?cb_session={teacher.token}"
            )
            expect(page.locator("td.lms").first).to_have_text("Not sent")
            expect(page.get_by_role("button", name="Resend failed")).to_be_hidden()
            expect(page.locator("#history-empty")).to_be_visible()

            page.get_by_role("button", name="Release Grades").click()
            status = page.locator("#release-status")
            _work(stack, page, status, "Released: 28 sent, 2 failed")

            def lms_cell(student):
                return page.locator(f"[id='student-{student.account_id}'] td.lms")

            expect(lms_cell(not_enrolled)).to_contain_text("Failed: not enrolled in the LMS course")
            expect(lms_cell(not_enrolled)).to_contain_text(
                "HTTP 422: User not found in course or is not a student"
            )
            expect(lms_cell(concluded)).to_contain_text("Failed: the LMS course has concluded")
            expect(lms_cell(concluded)).to_contain_text("This course has concluded")
            expect(page.locator("td.lms[data-status='sent']")).to_have_count(28)
            expect(page.locator("td[data-label='Status']").first).to_have_text("released")
            resend = page.get_by_role("button", name="Resend failed (2)")
            expect(resend).to_be_visible()
            expect(page.locator("#history tbody tr")).to_have_count(1)
            shots = os.environ.get("CB_SCREENSHOTS")
            if shots:
                Path(shots).mkdir(parents=True, exist_ok=True)
                page.screenshot(path=str(Path(shots) / "teacher-view-lms.png"))

            service.faults = Faults()  # the LMS side is fixed
            resend.click()
            _work(stack, page, status, "Resent: 2 sent, 0 failed")
            expect(lms_cell(not_enrolled)).to_have_text("Sent")
            expect(lms_cell(concluded)).to_have_text("Sent")
            expect(page.locator("td.lms[data-status='sent']")).to_have_count(30)
            expect(page.get_by_role("button", name="Resend failed")).to_be_hidden()
            history = page.locator("#history tbody tr")
            expect(history).to_have_count(2)
            expect(history.first).to_contain_text("Resend (2)")
            expect(history.first).to_contain_text("Ms Rivera")
        finally:
            browser.close()

    users = [score["userId"] for score in service.scores]
    assert len(users) == 30 and len(set(users)) == 30  # the 28 were not sent twice
    assert users[28:] in (
        [not_enrolled.session.sub, concluded.session.sub],
        [concluded.session.sub, not_enrolled.session.sub],
    )
