"""An LMS admin installs coursebridge from the demo LMS's page by LTI Dynamic
Registration in headless Chromium, then a teacher launches it: no URL or id typed.

The demo LMS (``localhost``) opens the tool's registration URL (``127.0.0.1``, a
third-party frame) with its OpenID configuration and a registration token; the admin
reads the confirmation page and presses Register; the tool registers at the demo LMS's
registration endpoint and posts ``org.1edtech.lti.close`` to its parent, which closes
the frame and goes back to the LMS's page; the next launch uses the new client.
``CB_SCREENSHOTS=docs/img`` writes the README's screenshot there.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import expect, sync_playwright

from coursebridge.lti.tool_config import forget_cached_config
from coursebridge.store.audit import AuditStore
from coursebridge.store.platforms import PlatformStore
from local.demo_lms import DemoLms
from local.demo_lms.setup import DEMO_ORG, create_demo_org, offer_dynamic_registration
from local.servers import free_port

pytestmark = pytest.mark.e2e

CHROMIUM = "/usr/bin/chromium"
UNIT_PAGE = re.compile(r"/app/classes/[^/]+/units/[^/?]+\?cb_session=")


@pytest.fixture
def newcomer(stack) -> Iterator[DemoLms]:
    """A demo LMS the tool knows nothing about, and the demo organization without any
    registration: what a new organization has before its LMS admin installs the tool."""
    forget_cached_config()
    lms = DemoLms(free_port(), stack.ports.tool_url).start()
    create_demo_org()
    offer_dynamic_registration(lms)
    yield lms
    lms.stop()


def test_the_demo_lms_registers_the_tool_by_dynamic_registration_then_launches_it(
    newcomer, tmp_path: Path
):
    shots = Path(os.environ.get("CB_SCREENSHOTS") or tmp_path)
    assert PlatformStore().for_org(DEMO_ORG) == []
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, headless=True)
        try:
            page = browser.new_page(viewport={"width": 1100, "height": 1000})
            page.goto(f"{newcomer.base_url}/")
            page.click("#dynamic-registration")
            page.wait_for_url(re.compile(r"/dynamic-registration\??$"))
            tool = page.frame_locator("#registration")
            expect(
                tool.get_by_role("heading", name="Register coursebridge with this LMS?")
            ).to_be_visible(timeout=20000)
            expect(tool.locator("#org")).to_have_text("Demo School District (demo)")
            expect(tool.locator("#lms")).to_contain_text(newcomer.base_url)
            expect(tool.locator("#messages")).to_contain_text("LtiDeepLinkingRequest")
            expect(tool.locator("#scopes")).to_contain_text("send scores to the gradebook")
            page.screenshot(path=str(shots / "dynamic-registration.png"), full_page=True)

            tool.locator("#register").click()
            # The tool's close message made the demo LMS drop the frame and go back.
            page.wait_for_url(f"{newcomer.base_url}/?registered=1", timeout=20000)
            client_id = page.inner_text("#client-id")
            assert client_id.startswith("dr-") and client_id == newcomer.platform.client_id
            (registration,) = PlatformStore().for_org(DEMO_ORG)
            assert registration.client_id == client_id
            assert registration.deployment_ids == [page.inner_text("#deployment-id")]
            assert any(r.action == "registration-added" for r in AuditStore().list_for_org("demo"))

            page.check("input[name=person][value=teacher]")
            page.click("#launch")
            page.wait_for_url(re.compile(r"/course\?"))
            frame = page.frame(name="tool")
            assert frame is not None
            frame.wait_for_url(UNIT_PAGE, timeout=20000)
            frame.wait_for_selector("h1")
            assert frame.inner_text("h1") == "Cell structure quiz"
        finally:
            browser.close()
