"""The teacher view's roster sync in headless Chromium, through the demo LMS: the button
enrolls the LMS's roster (students who never opened the activity listed as such), a
member removed in the LMS shows as having left after the next sync, and a copied
course opens a ready class. ``CB_SCREENSHOTS=docs/img`` writes the README's screenshot.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from playwright.sync_api import expect, sync_playwright

from tests.lti_support import registered

pytestmark = pytest.mark.e2e


@pytest.fixture
def demo(stack, lms):
    registered(stack, lms)
    roster = lms.nrps()
    saved = {cid: dict(members) for cid, members in roster.rosters.items()}
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path="/usr/bin/chromium", headless=True)
        try:
            yield lms, browser
        finally:
            browser.close()
            roster.rosters = saved


@pytest.fixture
def shots(tmp_path) -> Path:
    target = Path(os.environ.get("CB_SCREENSHOTS") or tmp_path)
    target.mkdir(parents=True, exist_ok=True)
    return target


def _open(browser, lms, person="teacher", course="bio", activity="cells"):
    page = browser.new_context(viewport={"width": 1100, "height": 2000}).new_page()
    page.goto(f"{lms.base_url}/course?person={person}&activity={activity}&course={course}")
    return page, page.frame_locator("#tool")


def test_sync_button_enrolls_the_roster_and_shows_who_left(demo, shots):
    lms, browser = demo
    _teacher, tool = _open(browser, lms)
    expect(tool.get_by_role("heading", name="Cell structure quiz")).to_be_visible(timeout=20000)
    expect(tool.get_by_text("No students yet")).to_be_visible()

    tool.get_by_role("button", name="Sync roster from the LMS").click()
    expect(tool.locator("#roster-status")).to_contain_text("6 added", timeout=20000)
    expect(tool.locator("tr", has_text="Riley Roster")).to_be_visible(timeout=20000)  # reloaded
    not_opened = tool.locator("#not-opened")
    expect(not_opened).to_contain_text("Not opened this activity yet (4)")
    expect(not_opened).to_contain_text("Noor Newcomer")
    expect(not_opened).to_contain_text("Sam Student")

    rosters = browser.new_context().new_page()  # the LMS admin removes Riley from the course
    rosters.goto(f"{lms.base_url}/roster")
    rosters.locator("#roster-demo-course-101").get_by_role(
        "button", name="Remove Riley Roster"
    ).click()
    expect(rosters.locator("#roster-demo-course-101")).not_to_contain_text("Riley Roster")

    tool.get_by_role("button", name="Sync roster from the LMS").click()
    expect(tool.locator("#roster-status")).to_contain_text("1 marked as left", timeout=20000)
    riley = tool.locator("tr.inactive", has_text="Riley Roster")
    expect(riley).to_be_visible(timeout=20000)
    expect(riley).to_contain_text("Left the course")
    expect(tool.locator("#not-opened")).not_to_contain_text("Riley Roster")
    tool.locator("body").screenshot(path=str(shots / "roster-sync.png"))

    tool.get_by_role("button", name="Sync roster from the LMS").click()  # nothing changed
    expect(tool.locator("#roster-status")).to_contain_text(
        "0 added, 0 updated, 0 marked as left", timeout=20000
    )


def test_a_copied_course_opens_a_ready_class(demo):
    lms, browser = demo
    _old, tool = _open(browser, lms, activity="photosynthesis")
    expect(tool.get_by_role("heading", name="Photosynthesis lab report")).to_be_visible(
        timeout=20000
    )
    _new, copy = _open(browser, lms, course="bio-next")
    expect(copy.get_by_text("Biology 101 (next term)", exact=True)).to_be_visible(timeout=20000)
    expect(copy.get_by_role("heading", name="Cell structure quiz")).to_be_visible()
    copy.get_by_text("Map this activity or course differently").click()
    expect(copy.locator("#target_unit")).to_contain_text("Photosynthesis lab report")
