"""Signing in directly, in headless Chromium on the local stack: a CSV-created user's
first sign-in with the school's first-login password, the forced change, sign-out and
sign-in with the new password; "Forgot password?" through the email SES sent (moto);
the demo LMS page's link to the sign-in page. ``CB_SCREENSHOTS=docs/img`` writes the
README's screenshots there (default: the test's temporary directory)."""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect, sync_playwright

from coursebridge.accounts.passwords import hash_password
from coursebridge.store.accounts import AccountStore
from tests.integration.import_support import (
    mail_count,
    make_admin,
    rows,
    run_until_done,
    upload,
)
from tests.integration.sign_in_support import reset_links

pytestmark = pytest.mark.e2e

FIRST_LOGIN = "Welcome-to-Northside-2026"
NEW_PASSWORD = "maple-river-orbit-58"
RESET_PASSWORD = "copper-kettle-meadow-19"


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


def _sign_in(page: Page, base: str, name: str, password: str) -> None:
    page.goto(f"{base}/app/sign-in")
    page.get_by_label("Email or username").fill(name)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Sign in").click()


def _choose(page: Page, password: str) -> None:
    page.get_by_label("New password", exact=True).fill(password)
    page.get_by_label("New password again").fill(password)
    page.get_by_role("button", name="Save my password").click()


def test_a_csv_user_signs_in_chooses_a_password_signs_out_and_back_in(stack, browser, shots):
    base = stack.ports.tool_url
    admin = make_admin(schools=("S1",))
    uploaded = upload(
        stack,
        admin,
        rows("Maya,Okafor,maya.okafor@northside.edu,0,5001,S1"),
        custom_password=FIRST_LOGIN,
    )
    assert run_until_done(stack, uploaded).counts["created"] == 1
    page = browser.new_page(viewport={"width": 900, "height": 640})

    page.goto(f"{base}/app/sign-in")
    page.get_by_label("Email or username").fill("maya.okafor")
    page.get_by_label("Password").fill(FIRST_LOGIN)
    page.screenshot(path=str(shots / "sign-in.png"), full_page=True)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(re.compile(r"/app/change-password$"))
    expect(page.get_by_role("heading", name="Choose your own password")).to_be_visible()
    page.goto(f"{base}/app/account")  # nothing else is open yet
    page.wait_for_url(re.compile(r"/app/change-password$"))
    page.get_by_label("New password", exact=True).fill(FIRST_LOGIN)
    page.get_by_label("New password again").fill(FIRST_LOGIN)
    page.get_by_role("button", name="Save my password").click()
    expect(page.get_by_role("alert")).to_contain_text("not the one your school gave you")
    page.screenshot(path=str(shots / "first-login-change.png"), full_page=True)
    _choose(page, NEW_PASSWORD)
    page.wait_for_url(re.compile(r"/app/account\?done=password-changed$"))
    expect(page.get_by_role("cell", name="maya.okafor", exact=True)).to_be_visible()

    page.get_by_role("button", name="Sign out", exact=True).click()
    page.wait_for_url(re.compile(r"/app/sign-in\?done=signed-out$"))
    expect(page.get_by_role("status")).to_have_text("You are signed out.")

    _sign_in(page, base, "maya.okafor@northside.edu", FIRST_LOGIN)
    expect(page.get_by_role("alert")).to_contain_text("do not match")
    _sign_in(page, base, "maya.okafor", NEW_PASSWORD)
    page.wait_for_url(re.compile(r"/app/account$"))
    expect(page.get_by_role("heading", name="Your account")).to_be_visible()


def test_forgot_password_through_the_emailed_link_works_once(stack, browser, shots):
    base = stack.ports.tool_url
    admin_id = make_admin(schools=("S1",), email="ada.lovelace@northside.edu")
    AccountStore().set_password(admin_id, hash_password("an-old-forgotten-one-7"), 0)
    page = browser.new_page(viewport={"width": 900, "height": 640})
    seen = mail_count(stack)

    page.goto(f"{base}/app/sign-in")
    page.get_by_role("link", name="Forgot password?").click()
    page.get_by_label("Email or username").fill("ada.lovelace@northside.edu")
    page.get_by_role("button", name="Email me a link").click()
    expect(page.get_by_role("status")).to_contain_text("we sent a link to its email address")
    (link,) = reset_links(stack, "ada.lovelace@northside.edu", seen)

    page.goto(link)
    expect(page.get_by_role("heading", name="Choose a password")).to_be_visible()
    page.get_by_label("New password", exact=True).fill(RESET_PASSWORD)
    page.get_by_label("New password again").fill(RESET_PASSWORD)
    page.screenshot(path=str(shots / "reset-password.png"), full_page=True)
    page.get_by_role("button", name="Save my password").click()
    page.wait_for_url(re.compile(r"/app/sign-in\?done=password-set$"))

    _sign_in(page, base, "ada.lovelace@northside.edu", RESET_PASSWORD)
    page.wait_for_url(re.compile(r"/app/account$"))
    expect(page.get_by_role("link", name="Admin Portal")).to_have_attribute("href", "/app/admin")
    page.screenshot(path=str(shots / "account.png"), full_page=True)

    page.goto(link)
    expect(page.get_by_role("heading", name="Link expired or already used")).to_be_visible()


def test_the_demo_lms_links_to_the_sign_in_page(stack, lms, browser):
    page = browser.new_page()
    page.goto(f"{lms.base_url}/")
    link = page.get_by_role("link", name="coursebridge sign-in page")
    expect(link).to_have_attribute("href", f"{stack.ports.tool_url}/app/sign-in")
    page.goto(f"{stack.ports.tool_url}/app/sign-in")
    expect(page.get_by_role("heading", name="Sign in to coursebridge")).to_be_visible()
