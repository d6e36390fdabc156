"""A hostile admin in the Admin Portal: every route, tried with another organization's
(or another admin's) imports, reports, settings and registrations, answers as if they
did not exist or changes only the admin's own — and the tables show nothing changed.

Org A (acme, schools a1 and a2): Ann administers both, Carol only a2. Org B (globex):
Bob, the hostile one. Ann has one finished import and A has one LMS registration.
"""

from __future__ import annotations

import pytest
import requests

from coursebridge import aws
from coursebridge.imports.history import ImportHistory
from coursebridge.store.accounts import Account, AccountStore
from coursebridge.store.audit import AuditStore
from coursebridge.store.dynamo import app_table, users_table
from coursebridge.store.orgs import OrgStore
from coursebridge.store.platforms import PlatformStore
from tests.integration.portal_support import (
    SEED_EXAMPLE,
    portal_org,
    registration,
    run_imports,
    signed_in,
)
from tests.integration.stored import everything_stored

pytestmark = pytest.mark.integration


@pytest.fixture
def world(stack):
    ann = portal_org(stack, "acme", ["a1", "a2"], "ann@acme.edu")
    carol = AccountStore().create(Account(email="carol@acme.edu", orgs={"acme"}, is_teacher=True))
    AccountStore().grant_admin(carol.account_id, "acme", "a2")
    bob = portal_org(stack, "globex", ["b1"], "bob@globex.org")
    lms = registration("acme")
    body = SEED_EXAMPLE.replace("648572", "a1")
    status = run_imports(stack, ann, ann.upload(body, name="acme-roster.csv"))
    assert status["status"] == "completed"
    return {
        "ann": ann,
        "bob": bob,
        "carol": signed_in(stack.ports.tool_url, carol.account_id, "acme"),
        "lms": lms,
        "status": status,
    }


JOB_ROUTES = ["", "/results", "/errors.csv", "/report.json"]


@pytest.mark.parametrize("hostile", ["bob", "carol"])
@pytest.mark.parametrize("suffix", JOB_ROUTES)
def test_another_admins_report_is_not_found_on_any_route(world, hostile, suffix):
    before = everything_stored()
    answer = world[hostile].get(world["status"]["reportUrl"] + suffix)
    assert answer.status_code == 404 and "location" not in answer.headers
    assert "no such import among your uploads" in answer.text
    assert "acme-roster" not in answer.text and "Unauthorized school" not in answer.text
    assert everything_stored() == before


@pytest.mark.parametrize("path", ["/app/admin/imports", "/app/admin"])
def test_another_admins_uploads_are_not_listed(world, path):
    before = everything_stored()
    for hostile in ("bob", "carol"):
        page = world[hostile].get(path)
        assert page.status_code == 200
        assert "acme-roster" not in page.text and world["status"]["reportUrl"] not in page.text
    assert everything_stored() == before


def test_the_status_route_reads_the_asking_admins_prefix_only(world):
    before = everything_stored()
    ann_path = world["status"]["reportUrl"]  # a reference is no upload path: try both
    job = ImportHistory().find(world["ann"].account_id, ann_path.rsplit("/", 1)[1])
    assert job is not None
    path = job.upload.key.split("/", 2)[2]
    answer = world["bob"].get(
        f"/app/admin/create-users/status?upload={path}", headers={"Accept": "application/json"}
    )
    assert answer.status_code == 200 and answer.json() == {
        "status": "waiting",
        "label": "Waiting for the file to arrive",
        "finished": False,
    }
    assert everything_stored() == before


def test_a_presigned_upload_is_always_under_the_asking_admins_own_prefix(world):
    bob = world["bob"]
    answer = bob.post(
        "/app/admin/create-users/uploads",
        {
            "fileName": "x.csv",
            "fileSize": "10",
            "adminId": world["ann"].account_id,
            "key": f"uploads/{world['ann'].account_id}/x.csv",
        },
        headers={"Accept": "application/json"},
    )
    fields = dict(answer.json()["fields"])
    assert fields["key"].startswith(f"uploads/{bob.account_id}/")


@pytest.mark.parametrize("change", ["key", "dry-run"])
def test_bobs_presigned_post_re_aimed_at_anns_prefix_or_options_imports_nothing(
    stack, world, change
):
    """Real S3 refuses a form its policy does not allow; moto does not check policies,
    so this is the importer's own check: the ticket was issued for Bob's key and
    options, and nothing else passes for them."""
    bob, ann = world["bob"], world["ann"]
    target = bob.post(
        "/app/admin/create-users/uploads",
        {"fileName": "p.csv", "fileSize": "99", "dryRun": "on"},
        headers={"Accept": "application/json"},
    ).json()
    fields = dict(target["fields"])
    if change == "key":
        fields["key"] = fields["key"].replace(bob.account_id, ann.account_id)
    else:
        fields["x-amz-meta-dry-run"] = "false"
    planted = SEED_EXAMPLE.splitlines()[0] + "\r\nMal,Lory,mal@evil.example,1,M1,a1\r\n"
    before_users = users_table().scan()["Items"]
    sent = requests.post(
        target["url"], data=fields, files={"file": ("p.csv", planted.encode())}, timeout=10
    )
    assert sent.status_code == 201
    poller = stack.make_pollers()["CsvImportFunction"]
    while poller.poll_once(wait_seconds=1):
        pass
    job = ImportHistory().for_upload(stack.resource("ImportsBucket"), fields["key"])
    assert job is not None and job.status == "rejected"
    assert job.rejection is not None and job.rejection["code"] == "wrong_ticket"
    if change == "dry-run":  # under Bob's own prefix: his page says why, and shows no results
        status = bob.status(target)
        assert status["status"] == "rejected" and status["finished"] is True
        assert "not issued for this admin, this file name and these options" in status["message"]
        assert "resultsUrl" not in status and "reportUrl" not in status
    assert users_table().scan()["Items"] == before_users
    listed = aws.client("s3").list_objects_v2(
        Bucket=stack.resource("ImportsBucket"), Prefix=f"reports/{ann.account_id}/p"
    )
    assert listed.get("KeyCount", 0) == 0


def test_a_settings_post_changes_the_admins_own_organization_only(world):
    acme_before = app_table().get_item(Key={"pk": "ORG#acme", "sk": "META"})["Item"]
    answer = world["bob"].post(
        "/app/admin/settings",
        {
            "orgId": "acme",
            "org": "acme",
            "studentIdField": "stolen",
            "autoMap": "on",
        },
    )
    assert answer.status_code == 303
    assert app_table().get_item(Key={"pk": "ORG#acme", "sk": "META"})["Item"] == acme_before
    assert AuditStore().list_for_org("acme") == []
    globex = OrgStore().get("globex", consistent=True)
    assert globex is not None and globex.student_id_field == "stolen"


@pytest.mark.parametrize("confirm", ["", "yes"])
def test_another_organizations_registration_cannot_be_removed(world, confirm):
    before = everything_stored()
    lms = world["lms"]
    answer = world["bob"].post(
        "/app/admin/settings/registrations/remove",
        {"issuer": lms.issuer, "clientId": lms.client_id, "confirm": confirm},
    )
    assert answer.status_code == 404
    assert "no such LMS registration in your organization" in answer.text
    assert lms.client_id not in answer.text
    assert PlatformStore().get(lms.issuer, lms.client_id) == lms
    assert everything_stored() == before


def test_a_registration_is_added_to_the_admins_own_organization(world):
    answer = world["bob"].post(
        "/app/admin/settings/registrations",
        {
            "orgId": "acme",
            "org_id": "acme",
            "issuer": "https://lms.globex.example",
            "clientId": "g-1",
            "deploymentIds": "d1\nd2",
            "authLoginUrl": "https://lms.globex.example/auth",
            "authTokenUrl": "https://lms.globex.example/token",
            "jwksUrl": "https://lms.globex.example/jwks",
        },
    )
    assert answer.status_code == 303
    added = PlatformStore().get("https://lms.globex.example", "g-1")
    assert added is not None and added.org_id == "globex" and added.deployment_ids == ["d1", "d2"]
    assert [r.client_id for r in PlatformStore().for_org("acme")] == ["client-1"]


def test_the_settings_page_shows_the_admins_own_organization_only(world):
    page = world["bob"].get("/app/admin/settings")
    assert page.status_code == 200
    assert "Org globex" in page.text and "Org acme" not in page.text
    assert world["lms"].client_id not in page.text and world["lms"].issuer not in page.text


@pytest.mark.parametrize(
    ("path", "form"),
    [
        ("/app/admin/settings", {"studentIdField": "x", "autoMap": "on"}),
        ("/app/admin/settings/registrations", {"issuer": "https://x.example", "clientId": "c"}),
        (
            "/app/admin/settings/registrations/remove",
            {"issuer": "https://lms.example.edu", "clientId": "client-1", "confirm": "yes"},
        ),
    ],
)
def test_an_admin_of_some_schools_only_changes_nothing_of_the_organization(world, path, form):
    before = everything_stored()
    answer = world["carol"].post(path, form)
    assert answer.status_code == 403 and "only an admin of every school" in answer.text
    assert everything_stored() == before
    page = world["carol"].get("/app/admin/settings")
    assert "You see them read-only" in page.text and "<fieldset disabled>" in page.text
