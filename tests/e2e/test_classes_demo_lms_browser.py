"""Through the demo LMS in headless Chromium: the tool in a third-party iframe
(LMS on ``localhost``, tool on ``127.0.0.1``; Chromium blocks third-party cookies, so
the pages must work on the token they carry).

teacher launch → class auto-created → student launch → "not released" → teacher
grades the student → student still sees "not released" → mentor sees the roster
read-only → Release Grades → the student sees the grade; deep linking returns a signed
link to the chosen unit.
"""

from __future__ import annotations

import pytest
from playwright.sync_api import expect, sync_playwright

from coursebridge.lti.claims import UNIT_ID_PARAM
from coursebridge.store.classes import ClassStore
from tests.lti_support import registered

pytestmark = pytest.mark.e2e


@pytest.fixture
def demo(stack, lms):
    registered(stack, lms)
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path="/usr/bin/chromium", headless=True)
        try:
            yield lms, browser, stack
        finally:
            browser.close()


def _open(browser, lms, person, activity="cells", kind="LtiResourceLinkRequest"):
    """A fresh browser profile (own cookies) opening the course page as ``person``."""
    page = browser.new_context(viewport={"width": 1100, "height": 900}).new_page()
    page.goto(f"{lms.base_url}/course?person={person}&activity={activity}&type={kind}")
    return page, page.frame_locator("#tool")


def test_teacher_student_mentor_through_the_lms(demo):
    lms, browser, stack = demo
    teacher, tool = _open(browser, lms, "teacher")
    expect(tool.get_by_role("heading", name="Cell structure quiz")).to_be_visible(timeout=20000)
    expect(
        tool.get_by_text("Biology 101", exact=True)
    ).to_be_visible()  # class auto-created from the course
    expect(tool.get_by_text("No students yet")).to_be_visible()

    student, student_tool = _open(browser, lms, "student")
    expect(student_tool.locator("#grade")).to_have_text(
        "Your grade has not been released yet.", timeout=20000
    )

    teacher.reload()
    tool = teacher.frame_locator("#tool")
    tool.get_by_label("Score for Sam Student").fill("9")
    tool.get_by_label("Out of for Sam Student").fill("10")
    tool.get_by_label("Comment for Sam Student").fill("Well argued")
    tool.get_by_role("button", name="Save grade for Sam Student").click()
    expect(tool.locator(".notice")).to_contain_text("Grade saved", timeout=20000)
    expect(tool.get_by_label("Score for Sam Student")).to_have_value("9")

    student.reload()
    student_tool = student.frame_locator("#tool")
    expect(student_tool.locator("#grade")).to_have_text(
        "Your grade has not been released yet.", timeout=20000
    )
    expect(student_tool.locator("body")).not_to_contain_text("Well argued")

    _other, other_tool = _open(browser, lms, "anonymous")  # a second student, not a mentee
    expect(other_tool.locator("#grade")).to_be_visible(timeout=20000)
    _mentor, mentor_tool = _open(browser, lms, "mentor")  # role_scope_mentor: Sam
    expect(mentor_tool.get_by_text("Mentor: read-only, your mentees only")).to_be_visible(
        timeout=20000
    )
    expect(mentor_tool.locator("tbody tr")).to_have_count(1)
    expect(mentor_tool.locator("tbody")).to_contain_text("Sam Student")
    expect(mentor_tool.locator("tbody")).to_contain_text("9 / 10")
    expect(mentor_tool.locator("input, select, button#release")).to_have_count(0)

    # Release Grades (the release route and its worker): now the student sees it.
    tool.get_by_role("button", name="Release Grades").click()
    release_status = tool.locator("#release-status")
    expect(release_status).to_contain_text("Releas", timeout=10000)
    poller = stack.make_pollers()["GradeReleaseFunction"]
    for _ in range(20):
        poller.poll_once(wait_seconds=1)
        if "Released:" in (release_status.text_content() or ""):
            break
    expect(release_status).to_contain_text("Released: 1 sent, 0 failed", timeout=10000)
    student.reload()
    student_tool = student.frame_locator("#tool")
    expect(student_tool.locator("#grade")).to_have_text("9 / 10", timeout=20000)
    expect(student_tool.locator("main")).to_contain_text("Well argued")


def test_deep_linking_returns_a_link_to_the_chosen_unit(demo):
    lms, browser, _ = demo
    _teacher, tool = _open(browser, lms, "teacher")  # creates the class and its first unit
    expect(tool.get_by_role("heading", name="Cell structure quiz")).to_be_visible(timeout=20000)

    _picker, tool = _open(browser, lms, "teacher", kind="LtiDeepLinkingRequest")
    expect(tool.get_by_role("heading", name="Add an activity from Biology 101")).to_be_visible(
        timeout=20000
    )
    tool.get_by_label("Cell structure quiz").check()
    tool.get_by_role("button", name="Add to course").click()
    expect(tool.get_by_role("heading", name="Activity added")).to_be_visible(timeout=20000)

    (claims,) = lms.deep_link_responses
    (item,) = claims["https://purl.imsglobal.org/spec/lti-dl/claim/content_items"]
    assert item["type"] == "ltiResourceLink"
    assert item["url"] == lms.platform.tool_launch_url
    unit = ClassStore().get_unit(item["custom"][UNIT_ID_PARAM])
    assert unit is not None and unit.title == "Cell structure quiz"

    # and a new unit made in the picker
    _picker, tool = _open(browser, lms, "teacher", kind="LtiDeepLinkingRequest")
    tool.get_by_label("New unit", exact=True).check()
    tool.get_by_label("New unit title").fill("Mitosis quiz")
    tool.get_by_label("Maximum score (leave empty for an ungraded unit)").fill("20")
    tool.get_by_role("button", name="Add to course").click()
    expect(tool.get_by_role("heading", name="Activity added")).to_be_visible(timeout=20000)
    item = lms.deep_link_responses[-1][
        "https://purl.imsglobal.org/spec/lti-dl/claim/content_items"
    ][0]
    assert item["title"] == "Mitosis quiz"
    assert item["lineItem"]["scoreMaximum"] == 20
