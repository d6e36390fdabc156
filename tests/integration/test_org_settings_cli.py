"""``coursebridge org show|update`` and the registration commands against the local stack:
each change is written with its audit record, only what differs is written, bad values
are one line and exit 1 with nothing written, and a concurrent change is never
overwritten silently."""

from __future__ import annotations

import pytest

from coursebridge import aws
from coursebridge.cli import main
from coursebridge.orgs.settings import Actor, change_settings
from coursebridge.store.audit import AuditStore
from coursebridge.store.dynamo import app_table
from coursebridge.store.errors import SettingsChanged
from coursebridge.store.keys import org as org_key
from coursebridge.store.orgs import OrgStore
from coursebridge.store.platforms import PlatformStore
from tests.classroom import make_org

pytestmark = pytest.mark.integration

PLATFORM = [
    "platform",
    "add",
    "--org",
    "acme",
    "--issuer",
    "https://lms.example.edu",
    "--client-id",
    "client-1",
    "--deployment-id",
    "dep-1",
    "--auth-login-url",
    "https://lms.example.edu/auth",
    "--auth-token-url",
    "https://lms.example.edu/token",
    "--jwks-url",
    "https://lms.example.edu/jwks",
]


def run(capsys, *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def org_item() -> dict:
    return app_table().get_item(Key=org_key("acme"), ConsistentRead=True)["Item"]


def test_show_prints_every_setting_and_registration(stack, capsys):
    make_org("acme", schools=["s1", "s2"], trial=True, student_id_field="student_id")
    assert run(capsys, *PLATFORM)[0] == 0
    code, out, _ = run(capsys, "org", "show", "acme")
    assert code == 0
    lines = out.splitlines()
    assert lines[:8] == [
        "org\tacme",
        "name\tOrg acme",
        "schools\ts1,s2",
        "trial\ttrue",
        "studentIdField\tstudent_id",
        "csvPasswordOverride\tfalse",
        "autoMap\ttrue",
        "senderEmail\t-",
    ]
    assert lines[8] == "platform\thttps://lms.example.edu\tclient-1\tdep-1"


def test_update_ends_a_trial_and_changes_each_setting_audited(stack, capsys):
    make_org("acme", schools=["s1"], trial=True)
    aws.client("ses").verify_email_identity(EmailAddress="registrar@acme.example")
    code, out, err = run(
        capsys,
        "org",
        "update",
        "acme",
        "--no-trial",
        "--student-id-field",
        "sis_id",
        "--csv-password-override",
        "--no-auto-map",
        "--sender-email",
        "Registrar@Acme.example",
    )
    assert (code, err) == (0, "")
    assert out.strip().startswith("updated org acme:")
    org = OrgStore().get("acme", consistent=True)
    assert org is not None
    assert (org.trial, org.student_id_field, org.csv_password_override, org.auto_map) == (
        False,
        "sis_id",
        True,
        False,
    )
    assert org.sender_email == "registrar@acme.example"
    (record,) = AuditStore().list_for_org("acme")
    assert record.action == "org-settings-changed"
    assert record.actor == "operator: coursebridge org update"
    assert record.details == {
        "trial": "true -> false",
        "studentIdField": "(none) -> sis_id",
        "csvPasswordOverride": "false -> true",
        "autoMap": "true -> false",
        "senderEmail": "(none) -> registrar@acme.example",
    }


def test_an_empty_value_unsets_a_text_setting(stack, capsys):
    make_org("acme", student_id_field="student_id", sender_email="a@example.com")
    code, _, _ = run(
        capsys, "org", "update", "acme", "--student-id-field", "", "--sender-email", ""
    )
    assert code == 0
    item = org_item()
    assert "student_id_field" not in item and "sender_email" not in item


def test_an_update_that_changes_nothing_writes_nothing(stack, capsys):
    make_org("acme", trial=False)
    before = org_item()
    code, out, _ = run(capsys, "org", "update", "acme", "--no-trial", "--auto-map")
    assert (code, out.strip()) == (0, "org acme unchanged")
    assert org_item() == before
    assert AuditStore().list_for_org("acme") == []


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["org", "update", "ghost", "--trial"], "unknown org 'ghost'"),
        (["org", "update", "acme"], "nothing to change"),
        (["org", "update", "acme", "--student-id-field", "student id!"], "invalid studentIdField"),
        (["org", "update", "acme", "--sender-email", "not-an-address"], "not an email address"),
        (["org", "update", "acme", "--sender-email", "x@unverified.example"], "not verified"),
        (["org", "show", "ghost"], "unknown org 'ghost'"),
    ],
)
def test_bad_updates_are_one_line_and_change_nothing(stack, capsys, argv, message):
    make_org("acme")
    before = org_item()
    code, out, err = run(capsys, *argv)
    assert code == 1 and out == ""
    assert err.startswith("coursebridge: ") and message in err and err.count("\n") == 1
    assert org_item() == before
    assert AuditStore().list_for_org("acme") == []


def test_trial_and_the_other_switches_cannot_be_given_both_ways(stack, capsys):
    make_org("acme")
    with pytest.raises(SystemExit):
        main(["org", "update", "acme", "--trial", "--no-trial"])


def test_a_change_made_meanwhile_is_not_overwritten(stack):
    """The write is conditional on the values read: a change that lands in between
    makes it fail whole (no setting, no audit record), never lie about the old value."""
    make_org("acme", auto_map=True)
    real_get = OrgStore.get

    def read_then_someone_else_writes(self, org_id, consistent=False):
        found = real_get(self, org_id, consistent)
        app_table().update_item(
            Key=org_key(org_id),
            UpdateExpression="SET auto_map = :no",
            ExpressionAttributeValues={":no": False},
        )
        return found

    OrgStore.get = read_then_someone_else_writes  # type: ignore[method-assign]
    try:
        with pytest.raises(SettingsChanged):
            change_settings("acme", {"auto_map": False, "trial": True}, Actor.admin("acc_x"))
    finally:
        OrgStore.get = real_get  # type: ignore[method-assign]
    item = org_item()
    assert item["auto_map"] is False and item["trial"] is False
    assert AuditStore().list_for_org("acme") == []


def test_platform_add_and_remove_are_audited_with_the_registration(stack, capsys):
    make_org("acme")
    assert run(capsys, *PLATFORM)[0] == 0
    registration = PlatformStore().get("https://lms.example.edu", "client-1")
    assert registration is not None
    code, _, _ = run(
        capsys,
        "platform",
        "remove",
        "--issuer",
        "https://lms.example.edu",
        "--client-id",
        "client-1",
    )
    assert code == 0
    assert PlatformStore().get("https://lms.example.edu", "client-1") is None
    added, removed = AuditStore().list_for_org("acme")
    assert (added.action, removed.action) == ("registration-added", "registration-removed")
    for record in (added, removed):
        assert record.details["registrationId"] == registration.registration_id
        assert record.details["issuer"] == "https://lms.example.edu"
        assert record.actor.startswith("operator: coursebridge platform")
