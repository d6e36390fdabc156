"""A person clicks through the demo LMS in headless Chromium and lands in the tool.

The LMS page (http://localhost:<port>) and the tool (http://127.0.0.1:<port>) are
different sites, so the tool's iframe is third-party. Three browsers:

- ``cookies-allowed``: third-party cookies allowed (profile preference);
- ``third-party-blocked``: Chromium's default; only Partitioned cookies get through;
- ``no-cookies``: every cookie of the tool's site blocked (Safari-like): the state is
  verified through the platform's postMessage storage, the session travels as a token.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from playwright.sync_api import Frame, Page, sync_playwright

from coursebridge.lti.tool_config import forget_cached_config
from local.demo_lms import DemoLms
from local.demo_lms.setup import register_demo

pytestmark = pytest.mark.e2e

CHROMIUM = "/usr/bin/chromium"
UNIT_PAGE = re.compile(r"/app/classes/[^/]+/units/[^/?]+\?cb_session=")


@pytest.fixture
def demo(stack, lms):
    forget_cached_config()
    register_demo(lms)
    return lms


def _preferences(mode: str, tool_url: str) -> dict:
    if mode == "cookies-allowed":
        return {"profile": {"cookie_controls_mode": 0}}
    if mode == "no-cookies":
        return {
            "profile": {
                "content_settings": {"exceptions": {"cookies": {f"{tool_url},*": {"setting": 2}}}}
            }
        }
    return {}


def _launch(page: Page, lms: DemoLms, person: str) -> tuple[Frame, list[tuple[str, int]]]:
    seen: list[tuple[str, int]] = []
    page.on("response", lambda r: seen.append((r.url, r.status)))
    page.goto(f"{lms.base_url}/")
    page.check(f"input[name=person][value={person}]")
    page.click("#launch")
    page.wait_for_url(re.compile(r"/course\?"))
    frame = page.frame(name="tool")
    assert frame is not None
    frame.wait_for_url(UNIT_PAGE, timeout=20000)
    return frame, seen


def _me(frame: Frame, token: str | None) -> dict:
    headers = {"authorization": f"Bearer {token}"} if token else {}
    return frame.evaluate(
        """async (headers) => {
            const r = await fetch('/api/me', {headers, credentials: 'include'});
            return {status: r.status, body: await r.json()};
        }""",
        headers,
    )


@pytest.mark.parametrize("mode", ["cookies-allowed", "third-party-blocked", "no-cookies"])
def test_teacher_and_student_launch_from_the_demo_lms(demo, tmp_path: Path, mode: str):
    tool_url = demo.platform.tool_url
    profile = tmp_path / "profile"
    (profile / "Default").mkdir(parents=True)
    (profile / "Default" / "Preferences").write_text(json.dumps(_preferences(mode, tool_url)))
    with sync_playwright() as playwright:
        context = playwright.chromium.launch_persistent_context(
            str(profile), executable_path=CHROMIUM, headless=True
        )
        try:
            for person, role in (("teacher", "TEACHER"), ("student", "STUDENT")):
                page = context.new_page()
                frame, seen = _launch(page, demo, person)
                token = re.search(r"cb_session=([^&#]+)", frame.url).group(1)
                me = _me(frame, token)
                assert me["status"] == 200, me
                assert me["body"]["role"] == role
                assert me["body"]["orgId"] == "demo"
                frame.wait_for_selector("h1")
                assert frame.inner_text("h1") == "Cell structure quiz"
                releases = frame.locator("#release").count()
                assert releases == (1 if role == "TEACHER" else 0)
                launches = [status for url, status in seen if url.endswith("/lti/launch")]
                cookie_only = _me(frame, None)["status"]
                if mode == "no-cookies":
                    # The state came from the platform's storage, the session from the token.
                    assert launches == [200, 303], seen
                    assert cookie_only == 401
                else:
                    assert launches == [303], seen
                    assert cookie_only == 200  # the Partitioned session cookie works too
                page.close()
        finally:
            context.close()


def test_teacher_adds_an_activity_by_deep_linking(demo, tmp_path: Path):
    """Deep linking round trip: the demo LMS verifies the tool's signed response
    with the tool's JWKS (third-party cookies blocked, Chromium's default)."""
    with sync_playwright() as playwright:
        context = playwright.chromium.launch_persistent_context(
            str(tmp_path / "profile"), executable_path=CHROMIUM, headless=True
        )
        try:
            page = context.new_page()
            page.goto(f"{demo.base_url}/")
            page.check("input[name=person][value=teacher]")
            page.check("input[name=type][value=LtiDeepLinkingRequest]")
            page.click("#launch")
            page.wait_for_url(re.compile(r"/course\?"))
            frame = page.frame(name="tool")
            assert frame is not None
            frame.wait_for_url(re.compile(r"/app/classes/[^/]+/deep-link\?cb_session="))
            frame.fill("#new_title", "Mitosis worksheet")
            frame.click("button[type=submit]")
            frame.wait_for_url(f"{demo.base_url}/deep-link-return", timeout=20000)
            assert frame.inner_text("h1") == "Activity added"
            (response,) = demo.deep_link_responses
            (item,) = response["https://purl.imsglobal.org/spec/lti-dl/claim/content_items"]
            assert item["type"] == "ltiResourceLink"
            assert item["title"] == "Mitosis worksheet"
        finally:
            context.close()
