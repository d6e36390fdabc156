"""The Admin Portal in headless Chromium: a signed-in school admin drops the Create
Users example file on the page, which sends it straight to S3 (moto) with a presigned
POST; the import runs from the bucket's notification (the local SQS poller), and the
page shows created / updated / errors and each row error; the errors file downloads,
is corrected and uploaded again; the organization's settings change.

The sign-in page is not needed: the browser carries the ``cb_signin`` cookie a sign-in
would set. ``CB_SCREENSHOTS=docs/img`` writes the README's screenshots there.
"""

from __future__ import annotations

import os
import re
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from playwright.sync_api import expect, sync_playwright

from coursebridge import aws
from coursebridge.sessions import SIGN_IN_COOKIE_NAME, SignedIn, encode_signed_in
from coursebridge.store.accounts import Account, AccountStore
from coursebridge.store.orgs import OrgStore
from tests.integration.import_support import account_by_email
from tests.integration.portal_support import SCHOOL, SEED_ERRORS, SEED_EXAMPLE, portal_org

pytestmark = pytest.mark.e2e
EXAMPLE = "Create Users Example.csv"


@pytest.fixture
def shots(tmp_path) -> Path:
    target = Path(os.environ.get("CB_SCREENSHOTS") or tmp_path)
    target.mkdir(parents=True, exist_ok=True)
    return target


@pytest.fixture
def importer(stack):
    """The import function on the imports queue, as Lambda's event source mapping runs it."""
    poller = stack.make_pollers()["CsvImportFunction"]
    poller.start()
    yield
    poller.stop()


@pytest.fixture
def portal(stack, importer):
    """A browser signed in as the admin of school 648572 (org acme, where John Smith
    already has an account)."""
    admin = portal_org(stack, "acme", [SCHOOL], "ada@acme.edu")
    AccountStore().create(
        Account(
            email="john.smith@example.edu",
            first_name="Jon",
            last_name="Smith",
            orgs={"acme"},
            schools={SCHOOL},
            source="csv",
        )
    )
    base = stack.ports.tool_url
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path="/usr/bin/chromium", headless=True)
        context = chromium.new_context(
            viewport={"width": 1100, "height": 900}, accept_downloads=True
        )
        token = encode_signed_in(SignedIn(account_id=admin.account_id))
        context.add_cookies(
            [
                {
                    "name": SIGN_IN_COOKIE_NAME,
                    "value": token,
                    "domain": urlsplit(base).hostname,
                    "path": "/app",
                    "httpOnly": True,
                    "secure": True,
                    "sameSite": "Lax",
                }
            ]
        )
        try:
            yield context.new_page(), base
        finally:
            context.close()
            chromium.close()


def drop_file(page, name: str, text: str) -> None:
    """Drag and drop a file onto the drop zone, as a person drags it from their desktop."""
    transfer = page.evaluate_handle(
        "([name, text]) => { const t = new DataTransfer();"
        " t.items.add(new File([text], name, {type: 'text/csv'})); return t; }",
        [name, text],
    )
    page.dispatch_event("#drop-zone", "dragenter", {"dataTransfer": transfer})
    page.dispatch_event("#drop-zone", "drop", {"dataTransfer": transfer})


def expect_counts(page, created: int, updated: int, failed: int) -> None:
    results = page.locator("#results-area #results")
    expect(results).to_be_visible(timeout=60_000)
    expect(results.locator("#count-created")).to_have_text(f"{created} created")
    expect(results.locator("#count-updated")).to_have_text(f"{updated} updated")
    errors = "error" if failed == 1 else "errors"
    expect(results.locator("#count-failed")).to_have_text(f"{failed} {errors}")


def test_the_example_file_dropped_on_the_page_shows_its_results_and_its_errors_reimport(
    portal, shots, tmp_path
):
    page, base = portal
    page.goto(f"{base}/app/admin/create-users")
    expect(page.get_by_role("heading", name="Create Users")).to_be_visible()
    drop_file(page, EXAMPLE, SEED_EXAMPLE)
    expect(page.locator("#chosen")).to_contain_text(f"Selected: {EXAMPLE}")
    page.get_by_label("Send welcome emails").check()
    page.screenshot(path=str(shots / "admin-create-users.png"), full_page=True)
    page.get_by_role("button", name="Upload File").click()

    expect_counts(page, created=1, updated=1, failed=4)
    rows = page.locator("#row-errors tbody tr")
    expect(rows).to_have_count(len(SEED_ERRORS))
    for index, (row, field, message) in enumerate(SEED_ERRORS):
        expect(rows.nth(index).locator("td")).to_have_text([str(row), field, message])
    expect(page.locator("#progress-text")).to_have_text("Completed: 6 of 6 rows.")
    page.screenshot(path=str(shots / "admin-create-users-results.png"), full_page=True)
    john = account_by_email("john.smith@example.edu")
    assert john is not None and john.first_name == "John"

    with page.expect_download() as download:
        page.locator("#errors-csv").click()
    saved = download.value
    assert saved.suggested_filename.endswith(".errors.csv")
    errors_file = Path(saved.path()).read_bytes().decode("utf-8-sig")
    for _, _, message in SEED_ERRORS:
        assert message in errors_file

    fixed = (
        errors_file.replace("MARIA.GARCIA@example.edu", "mario.garcia@example.edu")
        .replace(",999999,", f",{SCHOOL},")
        .replace("sam.park@example,", "sam.park@example.edu,")
    )
    corrected = tmp_path / "corrected.errors.csv"
    corrected.write_text(fixed, encoding="utf-8")
    page.set_input_files("#file", str(corrected))
    page.get_by_role("button", name="Upload File").click()
    expect(page.locator("#results-area #results h2")).to_contain_text(
        "corrected.errors.csv", timeout=60_000
    )
    expect_counts(page, created=4, updated=0, failed=0)
    expect(page.locator("#results-area")).to_contain_text("Columns ignored: error.")
    assert account_by_email("sam.park@example.edu") is not None

    page.goto(f"{base}/app/admin/imports")
    expect(page.locator("tbody tr")).to_have_count(2)
    expect(page.locator("tbody tr").nth(1)).to_contain_text(EXAMPLE)
    page.screenshot(path=str(shots / "admin-import-history.png"), full_page=True)
    page.get_by_role("link", name=EXAMPLE).click()
    expect(page.locator("#row-errors")).to_contain_text("Validation isEmail on email failed")


def test_a_dry_run_with_a_custom_password_changes_nothing(portal):
    page, base = portal
    page.goto(f"{base}/app/admin/create-users")
    page.get_by_label("Create custom password").check()
    page.get_by_label("Custom password", exact=True).fill("First-Login-2024")
    page.get_by_label("Dry run").check()
    page.set_input_files(
        "#file", files=[{"name": EXAMPLE, "mimeType": "text/csv", "buffer": SEED_EXAMPLE.encode()}]
    )
    page.get_by_role("button", name="Upload File").click()
    expect_counts(page, created=1, updated=1, failed=4)
    expect(page.locator("#results-area")).to_contain_text("dry run: nothing was changed")
    assert account_by_email("jane.doe@example.edu") is None


def test_the_organization_settings_change_from_the_page(portal, shots):
    page, base = portal
    aws.client("ses").verify_email_identity(EmailAddress="office@acme.example")
    page.goto(f"{base}/app/admin/settings")
    expect(page.locator("#trial")).to_contain_text("Active.")
    page.get_by_label("LTI field that identifies students").fill("sis_id")
    page.get_by_label("Create classes and units at the first launch").uncheck()
    page.get_by_label("Emails come from").fill("office@acme.example")
    page.get_by_role("button", name="Save settings").click()
    expect(page.locator(".notice")).to_have_text("Settings saved.")
    expect(page.get_by_label("LTI field that identifies students")).to_have_value("sis_id")
    org = OrgStore().get("acme", consistent=True)
    assert org is not None and (org.student_id_field, org.auto_map) == ("sis_id", False)
    assert org.sender_email == "office@acme.example"

    page.get_by_label("Issuer").fill("https://lms.acme.example")
    page.get_by_label("Client ID").fill("acme-1")
    page.get_by_label("Deployment IDs").fill("dep-1")
    page.get_by_label("Authorization (OIDC auth) URL").fill("https://lms.acme.example/auth")
    page.get_by_label("Access token URL").fill("https://lms.acme.example/token")
    page.get_by_label("Public keyset (JWKS) URL").fill("https://lms.acme.example/jwks")
    page.get_by_role("button", name="Add LMS").click()
    expect(page.locator(".notice")).to_have_text("LMS registration added.")
    expect(page.locator("#registrations")).to_contain_text("acme-1")
    page.screenshot(path=str(shots / "admin-settings.png"), full_page=True)
    page.get_by_role("button", name="Remove https://lms.acme.example acme-1").click()
    expect(page.get_by_role("heading", name="Remove this LMS registration?")).to_be_visible()
    page.get_by_role("button", name="Remove the registration").click()
    expect(page.locator(".notice")).to_have_text("LMS registration removed.")
    expect(page.locator("#registrations")).to_have_count(0)


@pytest.mark.parametrize("path", ["/app/admin", "/app/admin/create-users", "/app/admin/settings"])
def test_the_portal_pages_fit_a_phone(portal, path):
    page, base = portal
    page.set_viewport_size({"width": 360, "height": 740})
    page.goto(base + path)
    assert page.evaluate("document.documentElement.scrollWidth") <= 360


def test_a_school_admin_signs_in_reaches_the_portal_and_signs_out_from_it(stack):
    """No minted cookie: the sign-in page, the account page's link to the portal, the
    portal's own sign-out."""
    from coursebridge.accounts.passwords import hash_password

    admin = portal_org(stack, "acme", [SCHOOL], "ada@acme.edu")
    AccountStore().set_password(admin.account_id, hash_password("quartz-lantern-harbor-42"), 0)
    base = stack.ports.tool_url
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path="/usr/bin/chromium", headless=True)
        try:
            page = chromium.new_page()
            page.goto(f"{base}/app/sign-in")
            page.get_by_label("Email or username").fill("ada@acme.edu")
            page.get_by_label("Password").fill("quartz-lantern-harbor-42")
            page.get_by_role("button", name="Sign in").click()
            page.get_by_role("link", name="Admin Portal").click()
            expect(page.locator("header.portal")).to_contain_text("Admin Portal")
            page.locator("nav.portal").get_by_role("link", name="Create Users").click()
            expect(page).to_have_url(f"{base}/app/admin/create-users")
            page.locator("nav.portal").get_by_role("button", name="Sign out").click()
            expect(page).to_have_url(re.compile(r"/app/sign-in"))
            page.goto(f"{base}/app/admin")  # the cookie is gone: the portal is closed
            expect(page).to_have_url(re.compile(r"/app/sign-in"))
        finally:
            chromium.close()
