"""Organization settings in the Admin Portal: shown to the organization's admins,
changed by POST only, each change audited with the admin as the actor; bad values are
a 400 page naming the setting, with nothing written; LMS registrations are added and
removed (after a confirmation page) exactly as the CLI does it."""

from __future__ import annotations

import pytest

from coursebridge import aws
from coursebridge.store.audit import AuditStore
from coursebridge.store.dynamo import app_table
from coursebridge.store.platforms import PlatformStore
from tests.integration.portal_support import portal_org, registration
from tests.integration.stored import everything_stored

pytestmark = pytest.mark.integration

LMS = {
    "issuer": "https://lms.acme.example",
    "clientId": "acme-1",
    "deploymentIds": "dep-1, dep-2",
    "authLoginUrl": "https://lms.acme.example/auth",
    "authTokenUrl": "https://lms.acme.example/token",
    "jwksUrl": "https://lms.acme.example/jwks",
}


@pytest.fixture
def admin(stack):
    return portal_org(stack, "acme", ["s1"], "ann@acme.edu", trial=True)


def org_item() -> dict:
    return app_table().get_item(Key={"pk": "ORG#acme", "sk": "META"}, ConsistentRead=True)["Item"]


def test_the_page_shows_every_setting_and_the_trial(admin):
    registration("acme")
    page = admin.get("/app/admin/settings")
    assert page.status_code == 200
    assert "<strong>Trial.</strong>" in page.text and "changes this" in page.text
    for name in ("studentIdField", "csvPasswordOverride", "autoMap", "senderEmail"):
        assert f'name="{name}"' in page.text
    assert 'name="trial"' not in page.text  # shown, not changed here
    assert "https://lms.example.edu" in page.text and "client-1" in page.text
    assert "/lti/launch" in page.text and "/.well-known/jwks.json" in page.text


def test_saving_changes_the_settings_with_an_audit_record_naming_the_admin(admin):
    aws.client("ses").verify_email_identity(EmailAddress="office@acme.example")
    answer = admin.post(
        "/app/admin/settings",
        {
            "studentIdField": "sis_id",
            "csvPasswordOverride": "on",
            "senderEmail": "Office@acme.example",
        },
    )
    assert answer.status_code == 303
    assert answer.headers["location"] == "/app/admin/settings?done=saved"
    item = org_item()
    assert item["student_id_field"] == "sis_id" and item["csv_password_override"] is True
    assert item["auto_map"] is False and item["sender_email"] == "office@acme.example"
    assert item["trial"] is True
    (record,) = AuditStore().list_for_org("acme")
    assert record.action == "org-settings-changed"
    assert record.account_id == admin.account_id and record.actor == f"admin {admin.account_id}"
    assert record.details == {
        "studentIdField": "(none) -> sis_id",
        "csvPasswordOverride": "false -> true",
        "autoMap": "true -> false",
        "senderEmail": "(none) -> office@acme.example",
    }
    assert "Settings saved." in admin.get(answer.headers["location"]).text


def test_saving_the_same_values_writes_nothing(admin):
    before = org_item()
    answer = admin.post("/app/admin/settings", {"autoMap": "on"})
    assert answer.headers["location"].endswith("done=unchanged")
    assert org_item() == before and AuditStore().list_for_org("acme") == []


@pytest.mark.parametrize(
    ("form", "message"),
    [
        ({"studentIdField": "student id", "autoMap": "on"}, "a custom claim name is 1 to 64"),
        ({"senderEmail": "nobody", "autoMap": "on"}, "is not an email address"),
        ({"senderEmail": "x@unverified.example", "autoMap": "on"}, "is not verified in Amazon SES"),
    ],
)
def test_a_bad_value_is_a_400_naming_it_and_nothing_is_written(admin, form, message):
    before = org_item()
    answer = admin.post("/app/admin/settings", form)
    assert answer.status_code == 400 and message in answer.text
    assert 'id="settings-error"' in answer.text
    value = next(v for k, v in form.items() if k != "autoMap")
    assert f'value="{value}"' in answer.text  # what was typed stays in the form
    assert org_item() == before and AuditStore().list_for_org("acme") == []


@pytest.mark.parametrize(
    "path",
    [
        "/app/admin/settings",
        "/app/admin/settings/registrations",
        "/app/admin/settings/registrations/remove",
    ],
)
def test_nothing_changes_on_a_get_or_from_another_site(admin, path):
    registration("acme")
    before = everything_stored()
    got = admin.get(
        path + "?studentIdField=x&issuer=https://lms.example.edu&clientId=client-1&confirm=yes"
    )
    assert got.status_code in (200, 404)
    cross = admin.post(path, {"studentIdField": "x"}, headers={"Origin": "https://evil.example"})
    assert cross.status_code == 403
    assert everything_stored() == before


def test_an_lms_is_added_audited_and_shown(admin):
    answer = admin.post("/app/admin/settings/registrations", LMS)
    assert answer.status_code == 303 and answer.headers["location"].endswith("done=added")
    added = PlatformStore().get(LMS["issuer"], LMS["clientId"])
    assert added is not None and added.org_id == "acme"
    assert added.deployment_ids == ["dep-1", "dep-2"]
    (record,) = AuditStore().list_for_org("acme")
    assert record.action == "registration-added"
    assert record.details["registrationId"] == added.registration_id
    page = admin.get(answer.headers["location"]).text
    assert "LMS registration added." in page and added.registration_id in page


@pytest.mark.parametrize(
    ("change", "status", "message"),
    [
        ({"jwksUrl": "not a url"}, 400, "jwks url"),
        ({"authLoginUrl": "http://10.0.0.5/auth"}, 400, "auth login url"),
        ({"deploymentIds": ""}, 400, "deployment ids"),
        ({"issuer": "https://lms.example.edu", "clientId": "client-1"}, 409, "already registered"),
    ],
)
def test_a_registration_it_cannot_add_is_refused_naming_the_field(admin, change, status, message):
    registration("acme")
    before = everything_stored()
    answer = admin.post("/app/admin/settings/registrations", {**LMS, **change})
    assert answer.status_code == status and message in answer.text.lower()
    sent = {**LMS, **change}
    assert f'name="issuer" required value="{sent["issuer"]}"' in answer.text  # kept as typed
    assert 'name="autoMap" checked' in answer.text  # the settings form shows the stored ones
    assert everything_stored() == before


def test_removing_an_lms_asks_first_then_removes_it_like_the_cli(admin):
    lms = registration("acme")
    form = {"issuer": lms.issuer, "clientId": lms.client_id}
    ask = admin.post("/app/admin/settings/registrations/remove", form)
    assert ask.status_code == 200 and "Remove this LMS registration?" in ask.text
    assert 'name="confirm" value="yes"' in ask.text
    assert PlatformStore().get(lms.issuer, lms.client_id) == lms
    done = admin.post("/app/admin/settings/registrations/remove", {**form, "confirm": "yes"})
    assert done.status_code == 303 and done.headers["location"].endswith("done=removed")
    assert PlatformStore().get(lms.issuer, lms.client_id) is None
    (record,) = AuditStore().list_for_org("acme")
    assert record.action == "registration-removed"
    assert record.details["registrationId"] == lms.registration_id
    again = admin.post("/app/admin/settings/registrations/remove", {**form, "confirm": "yes"})
    assert again.status_code == 404
