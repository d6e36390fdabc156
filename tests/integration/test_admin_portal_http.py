"""The Admin Portal through the local stack's HTTP server: who may open it, the Create
Users upload (presigned POST straight to moto's S3, the import run by the S3 → SQS
notification), the results and the errors file, history and reports."""

from __future__ import annotations

import csv
import io
from urllib.parse import urlsplit

import pytest
import requests

from coursebridge import aws
from coursebridge.sessions import SIGN_IN_COOKIE_NAME, SignedIn, encode_signed_in
from coursebridge.store.accounts import Account, AccountStore
from tests.integration.import_support import account_by_email
from tests.integration.portal_support import (
    SCHOOL,
    SEED_ERRORS,
    SEED_EXAMPLE,
    portal_org,
    run_imports,
    signed_in,
)

pytestmark = pytest.mark.integration

PAGES = ["/app/admin", "/app/admin/create-users", "/app/admin/imports", "/app/admin/settings"]


@pytest.fixture
def admin(stack):
    return portal_org(stack, "acme", [SCHOOL], "ada@acme.edu")


def existing_john() -> Account:
    """The seed file's second row names an account the organization already has."""
    return AccountStore().create(
        Account(
            email="john.smith@example.edu",
            first_name="Jon",
            last_name="Smith",
            orgs={"acme"},
            schools={SCHOOL},
            source="csv",
        )
    )


@pytest.mark.parametrize("path", PAGES)
def test_every_portal_page_wants_a_signed_in_school_admin(stack, admin, path):
    anonymous = requests.get(stack.ports.tool_url + path, timeout=10, allow_redirects=False)
    assert (anonymous.status_code, anonymous.headers["location"]) == (303, "/app/sign-in")
    asked_for_json = requests.get(
        stack.ports.tool_url + path, timeout=10, headers={"accept": "application/json"}
    )
    assert asked_for_json.status_code == 401 and "sign in again" in asked_for_json.json()["error"]
    teacher = AccountStore().create(Account(email="t@acme.edu", orgs={"acme"}, is_teacher=True))
    refused = signed_in(stack.ports.tool_url, teacher.account_id, "acme").get(path)
    assert refused.status_code == 403 and "administers no school" in refused.text
    page = admin.get(path)
    assert page.status_code == 200 and "Org acme" in page.text


def test_create_users_lets_its_script_reach_the_bucket_and_nothing_else(stack, admin):
    page = admin.get("/app/admin/create-users")
    policy = dict(
        (d.split()[0], d.split()[1:]) for d in page.headers["content-security-policy"].split("; ")
    )
    assert policy["connect-src"] == ["'self'", stack.ports.moto_url]
    assert len(policy["script-src"]) == 1 and policy["script-src"][0].startswith("'sha256-")
    for text in (
        "Send welcome emails",
        "Create custom password",
        "Dry run",
        "drag and drop",
        "Existing accounts in the file keep their current password",
    ):
        assert text in page.text


def test_the_page_says_when_the_password_replaces_existing_ones(stack):
    admin = portal_org(stack, "globex", ["g1"], "g@globex.edu", csv_password_override=True)
    assert "their current password is replaced" in admin.get("/app/admin/create-users").text


def test_the_seed_file_through_the_page_gives_counts_row_errors_and_an_errors_file(stack, admin):
    john = existing_john()
    target = admin.upload(SEED_EXAMPLE, name="Create Users Example.csv")
    status = run_imports(stack, admin, target)
    assert status["status"] == "completed"
    assert status["counts"] == {"created": 1, "updated": 1, "unchanged": 0, "failed": 4}
    assert status["rowsDone"] == status["rowsTotal"] == 6
    updated = AccountStore().get(john.account_id)
    assert updated is not None and updated.first_name == "John" and updated.is_teacher

    results = admin.get(status["resultsUrl"])
    assert results.status_code == 200
    for row, field, message in SEED_ERRORS:
        assert (
            f'<td data-label="Row">{row}</td><td data-label="Field">{field}</td>'
            f'<td data-label="Error">{message}</td>' in results.text
        )
    report = admin.get(status["reportUrl"])
    assert report.status_code == 200 and "Create Users Example.csv" in report.text

    download = admin.get(status["reportUrl"] + "/errors.csv")
    assert download.status_code == 303
    errors_file = requests.get(download.headers["location"], timeout=10)
    assert errors_file.status_code == 200
    assert "attachment" in errors_file.headers["content-disposition"]
    table = list(csv.reader(io.StringIO(errors_file.content.decode("utf-8-sig"))))
    assert table[0][-1] == "error" and [r[2] for r in table[1:]] == [
        "maria.garcia@example.edu",
        "MARIA.GARCIA@example.edu",
        "lee.chen@example.edu",
        "sam.park@example",
    ]

    # corrected and uploaded again, the errors file imports (its `error` column ignored)
    fixed = errors_file.content.decode("utf-8-sig")
    fixed = fixed.replace("MARIA.GARCIA@example.edu", "mario.garcia@example.edu")
    fixed = fixed.replace(",999999,", f",{SCHOOL},").replace(
        "sam.park@example,", "sam.park@example.edu,"
    )
    again = run_imports(stack, admin, admin.upload(fixed, name="users.errors.csv"))
    assert again["counts"] == {"created": 4, "updated": 0, "unchanged": 0, "failed": 0}
    assert account_by_email("mario.garcia@example.edu") is not None
    ignored = admin.get(again["reportUrl"])
    assert "Columns ignored: error." in ignored.text


def test_the_options_reach_the_object_exactly_and_the_password_leaves_it(stack, admin):
    target = admin.upload(
        SEED_EXAMPLE,
        sendWelcome="on",
        dryRun="on",
        customPasswordEnabled="on",
        customPassword="First-Login-2024",
    )
    key = "uploads/" + admin.account_id + "/" + target["statusUrl"].split("upload=")[1]
    s3 = aws.client("s3")
    head = s3.head_object(Bucket=stack.resource("ImportsBucket"), Key=key)
    assert head["Metadata"]["send-welcome"] == "true" and head["Metadata"]["dry-run"] == "true"
    assert head["Metadata"]["custom-password"] == "First-Login-2024"
    status = run_imports(stack, admin, target)
    assert status["dryRun"] is True and status["counts"]["created"] == 2
    assert account_by_email("jane.doe@example.edu") is None  # a dry run changes nothing
    after = s3.head_object(Bucket=stack.resource("ImportsBucket"), Key=key)
    assert "custom-password" not in after["Metadata"]
    assert "dry run" in admin.get(status["resultsUrl"]).text


@pytest.mark.parametrize(
    ("form", "status", "message"),
    [
        ({"fileName": "users.csv", "fileSize": "0"}, 400, "the file is empty"),
        ({"fileName": "users.csv", "fileSize": "999999999999"}, 400, "over the limit"),
        ({"fileName": "users.csv"}, 400, "file size is missing"),
        ({"fileName": "", "fileSize": "10"}, 400, "choose a CSV file"),
        (
            {"fileName": "u.csv", "fileSize": "10", "customPasswordEnabled": "on"},
            400,
            "type the custom password",
        ),
        (
            {
                "fileName": "u.csv",
                "fileSize": "10",
                "customPasswordEnabled": "on",
                "customPassword": "short",
            },
            400,
            "8 to 128 characters",
        ),
    ],
)
def test_an_upload_it_cannot_sign_is_a_json_4xx_naming_the_problem(admin, form, status, message):
    answer = admin.post(
        "/app/admin/create-users/uploads", form, headers={"Accept": "application/json"}
    )
    assert answer.status_code == status
    assert answer.headers["content-type"] == "application/json"
    assert message in answer.json()["error"]


def test_a_form_post_from_another_site_signs_nothing(admin):
    answer = admin.post(
        "/app/admin/create-users/uploads",
        {"fileName": "u.csv", "fileSize": "9"},
        headers={"Origin": "https://evil.example"},
    )
    assert answer.status_code == 403 and "another site" in answer.text


def test_the_status_route_names_only_the_portals_upload_paths(admin):
    for path in ("", "../x.csv", "other/users.csv"):
        answer = admin.get(
            f"/app/admin/create-users/status?upload={path}", headers={"Accept": "application/json"}
        )
        assert answer.status_code == 400 and answer.json()["error"]


def test_a_file_error_shows_every_missing_column_and_the_errors_file(stack, admin):
    target = admin.upload("firstName,lastName,email\r\nJane,Doe,j@example.edu\r\n")
    status = run_imports(stack, admin, target)
    assert status["status"] == "file_error"
    results = admin.get(status["resultsUrl"]).text
    assert "The file was rejected: no user was created or updated." in results
    assert "isTeacher" in results and "issuedID" in results and "schoolID" in results
    assert "errors.csv" in results


def test_history_lists_the_uploads_and_reopens_each_report(stack, admin):
    first = run_imports(stack, admin, admin.upload(SEED_EXAMPLE, name="first.csv"))
    second = run_imports(stack, admin, admin.upload(SEED_EXAMPLE, name="second.csv"))
    history = admin.get("/app/admin/imports").text
    assert "first.csv" in history and "second.csv" in history
    assert first["reportUrl"] in history and second["reportUrl"] in history
    home = admin.get("/app/admin").text
    assert second["reportUrl"] in home
    reopened = admin.get(first["reportUrl"])
    assert reopened.status_code == 200 and "Unauthorized school" in reopened.text
    json_report = admin.get(first["reportUrl"] + "/report.json")
    assert json_report.status_code == 303
    published = requests.get(json_report.headers["location"], timeout=10).json()
    assert published["failed"] == 4 and published["file"] == "first.csv"


def test_a_template_with_the_header_row_downloads(admin):
    answer = admin.get("/app/admin/create-users/template.csv")
    assert answer.status_code == 200 and answer.headers["content-type"].startswith("text/csv")
    assert answer.text == "firstName,lastName,email,isTeacher,issuedID,schoolID\r\n"


def test_a_first_login_session_is_sent_to_choose_its_password_before_the_portal(stack, admin):
    http = requests.Session()
    token = encode_signed_in(SignedIn(account_id=admin.account_id, must_change_password=True))
    http.cookies.set(SIGN_IN_COOKIE_NAME, token, domain=urlsplit(stack.ports.tool_url).hostname,
                     path="/app")  # fmt: skip
    opened = http.get(stack.ports.tool_url + "/app/admin", timeout=10, allow_redirects=False)
    assert (opened.status_code, opened.headers["location"]) == (303, "/app/change-password")
