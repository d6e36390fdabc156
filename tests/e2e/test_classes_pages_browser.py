"""The classroom pages in headless Chromium: grading, not-released, mentor, 360 px, keyboard.

Sessions come from the real launch contracts (``resolve_launch_account`` +
``enter_course``); pages are opened the way the launch redirects to them, with the
token in the URL and no cookie. ``CB_SCREENSHOTS=docs/img`` writes the README's
screenshots there (default: the test's temporary directory).
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from playwright.sync_api import expect, sync_playwright

from tests.classroom import INSTRUCTOR, LEARNER, MENTOR, claims, launch, make_org

pytestmark = pytest.mark.e2e


@pytest.fixture
def browser():
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path="/usr/bin/chromium", headless=True)
        try:
            yield chromium
        finally:
            chromium.close()


@pytest.fixture
def shots(tmp_path) -> Path:
    target = Path(os.environ.get("CB_SCREENSHOTS") or tmp_path)
    target.mkdir(parents=True, exist_ok=True)
    return target


@pytest.fixture
def course(stack):
    org = make_org(student_id_field="student_id")
    teacher = launch(
        claims("ms-rivera", INSTRUCTOR, link_title="Lab 1: Cells", custom={"max_score": "10"}),
        org,
    )
    ann = launch(claims("ann-lee", LEARNER, custom={"student_id": "S-1001"}), org)
    bob = launch(claims("bob-okafor", LEARNER, custom={"student_id": "S-1002"}), org)
    mentor = launch(claims("mr-mentor", MENTOR, role_scope_mentor=["bob-okafor"]), org)
    return teacher, ann, bob, mentor, stack.ports.tool_url


def _url(base, who):
    return f"{base}/app/classes/{who.class_id}/units/{who.unit_id}?cb_session={who.token}"


def test_teacher_grades_and_student_sees_not_released(browser, course, shots):
    teacher, ann, _, _, base = course
    page = browser.new_page(viewport={"width": 1000, "height": 700})
    page.goto(_url(base, teacher))
    expect(page.get_by_role("heading", name="Lab 1: Cells")).to_be_visible()
    page.get_by_label("Score for Ann Lee").fill("8")
    page.get_by_label("Comment for Ann Lee").fill("Nice diagrams")
    page.get_by_role("button", name="Save grade for Ann Lee").click()
    expect(page.locator(".notice")).to_contain_text("Grade saved")
    row = page.locator(f"#student-{ann.account_id}")
    expect(row).to_contain_text("graded")
    expect(row.get_by_label("Score for Ann Lee")).to_have_value("8")
    page.screenshot(path=str(shots / "teacher-view.png"), full_page=True)

    student = browser.new_page(viewport={"width": 1000, "height": 500})
    student.goto(_url(base, ann))
    expect(student.locator("#grade")).to_have_text("Your grade has not been released yet.")
    expect(student.locator("body")).not_to_contain_text("Nice diagrams")
    student.screenshot(path=str(shots / "student-view.png"), full_page=True)


def test_mentor_sees_only_mentees_read_only(browser, course, shots):
    _, _, bob, mentor, base = course
    page = browser.new_page(viewport={"width": 1000, "height": 500})
    page.goto(_url(base, mentor))
    expect(page.get_by_text("Mentor: read-only, your mentees only")).to_be_visible()
    expect(page.locator("tbody tr")).to_have_count(1)
    expect(page.locator(f"#student-{bob.account_id}")).to_contain_text("Bob Okafor")
    expect(page.locator("input, select, button#release")).to_have_count(0)
    page.screenshot(path=str(shots / "mentor-view.png"), full_page=True)


def test_teacher_page_fits_360px_and_works_from_the_keyboard(browser, course, shots):
    teacher, ann, _, _, base = course
    page = browser.new_page(viewport={"width": 360, "height": 740})
    page.goto(_url(base, teacher))
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
    page.screenshot(path=str(shots / "teacher-view-360.png"), full_page=True)
    # Tab from the top reaches the CSV link, Release Grades and the grading form in order.
    reached = []
    for _ in range(12):
        page.keyboard.press("Tab")
        reached.append(
            page.evaluate("document.activeElement.textContent || document.activeElement.name")
        )
    assert "Export grades (CSV)" in reached
    assert "Release Grades" in reached
    assert "score" in reached
    # grade entirely from the keyboard
    page.get_by_label("Score for Ann Lee").focus()
    page.keyboard.type("7")
    page.keyboard.press("Enter")
    expect(page.locator(".notice")).to_contain_text("Grade saved")
    expect(
        page.locator(f"#student-{ann.account_id}").get_by_label("Score for Ann Lee")
    ).to_have_value("7")
