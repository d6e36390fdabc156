"""The Admin Portal's presigned POST: its policy admits one key under the admin's own
prefix, sizes 1..IMPORT_MAX_BYTES and exactly the metadata chosen, whose upload ticket
the importer accepts for that object; names, sizes and passwords it refuses."""

from __future__ import annotations

import base64
import json
import time

import pytest

from coursebridge import aws
from coursebridge.imports.browser_upload import (
    MAX_NAME_LENGTH,
    POST_LIFETIME_SECONDS,
    UploadRefused,
    clean_file_name,
    presigned_upload,
    upload_key,
)
from coursebridge.imports.options import ImportOptions, Upload
from coursebridge.imports.ticket import TicketRefused, TicketTerms, check_ticket, ticket_in
from coursebridge.sessions import _SecretCache

SECRET = b"unit-test-secret"
ADMIN = "acc_0123456789abcdef0123456789abcdef"


@pytest.fixture(autouse=True)
def signer(table_settings, monkeypatch):
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "AKIDEXAMPLE")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "secret")
    monkeypatch.setenv("AWS_DEFAULT_REGION", "us-east-1")
    monkeypatch.delenv("AWS_ENDPOINT_URL", raising=False)
    monkeypatch.setenv("IMPORT_MAX_BYTES", "1000")
    monkeypatch.setattr(_SecretCache, "_value", SECRET)
    aws.reset()
    yield
    aws.reset()


def policy_of(fields: dict) -> dict:
    return json.loads(base64.b64decode(fields["policy"]))


def conditions_of(fields: dict) -> tuple[dict, list]:
    exact: dict = {}
    other: list = []
    for condition in policy_of(fields)["conditions"]:
        if isinstance(condition, dict):
            exact.update(condition)
        else:
            other.append(condition)
    return exact, other


def test_the_policy_fixes_the_key_under_the_admins_prefix_the_size_and_the_metadata():
    now = int(time.time())
    upload = presigned_upload(
        ADMIN, "Fall roster.csv", 600, send_welcome=True, custom_password="Welcome-2024", now=now
    )
    exact, other = conditions_of(upload.fields)
    assert upload.key.startswith(f"uploads/{ADMIN}/") and upload.key.endswith("/Fall roster.csv")
    assert exact["key"] == upload.key and exact["bucket"] == "bucket"
    assert ["content-length-range", 1, 1000] in other
    assert not [c for c in other if c[0] == "starts-with"]  # nothing left open
    metadata = {k: v for k, v in exact.items() if k.startswith("x-amz-meta-")}
    assert set(metadata) == {
        "x-amz-meta-send-welcome",
        "x-amz-meta-dry-run",
        "x-amz-meta-custom-password",
        "x-amz-meta-upload-ticket",
    }
    assert metadata["x-amz-meta-send-welcome"] == "true"
    assert metadata["x-amz-meta-dry-run"] == "false"
    assert metadata["x-amz-meta-custom-password"] == "Welcome-2024"
    assert exact["success_action_status"] == "201" and exact["Content-Type"] == "text/csv"
    # every field the browser sends is pinned by the policy
    sent = {k for k in upload.fields if k not in ("policy", "x-amz-signature")}
    assert sent <= set(exact)
    assert upload.fields["x-amz-algorithm"] == "AWS4-HMAC-SHA256"  # Signature Version 4
    expires = policy_of(upload.fields)["expiration"]
    assert time.strftime("%Y-%m-%dT%H:%M", time.gmtime(now + POST_LIFETIME_SECONDS)) in expires


def _stored_metadata(upload) -> dict[str, str]:
    """The user metadata S3 stores from the form's fields."""
    return {
        k.removeprefix("x-amz-meta-"): v
        for k, v in upload.fields.items()
        if k.startswith("x-amz-meta-")
    }


def test_the_importer_accepts_the_ticket_for_that_object_and_nothing_else():
    now = int(time.time())
    upload = presigned_upload(ADMIN, "roster.csv", 10, dry_run=True, now=now)
    metadata = _stored_metadata(upload)
    options = ImportOptions.from_metadata(metadata)
    assert options.dry_run and not options.send_welcome and options.custom_password is None
    check_ticket(ticket_in(metadata), TicketTerms.of(upload.key, options), SECRET, now + 60)
    other_admin = upload.key.replace(ADMIN, "acc_someone_else")
    for key, changed in ((other_admin, options), (upload.key, ImportOptions(dry_run=False))):
        with pytest.raises(TicketRefused):
            check_ticket(ticket_in(metadata), TicketTerms.of(key, changed), SECRET, now + 60)


def test_each_upload_gets_its_own_folder():
    first = presigned_upload(ADMIN, "roster.csv", 10)
    second = presigned_upload(ADMIN, "roster.csv", 10)
    assert first.key != second.key
    assert upload_key(ADMIN, first.upload_path) == first.key


@pytest.mark.parametrize(
    ("given", "cleaned"),
    [
        ("roster.csv", "roster.csv"),
        ("C:\\Users\\me\\Fall Roster (2024).csv", "Fall Roster (2024).csv"),
        ("../../reports/x.csv", "x.csv"),
        ("élèves 1ère.csv", "élèves 1ère.csv"),
        ("a\x00b\nc;d\"e'.csv", "a_b_c_d_e_.csv"),
        ("x" * 300 + ".csv", "x" * (MAX_NAME_LENGTH - 4) + ".csv"),
    ],
)
def test_file_names_keep_their_own_name_only(given, cleaned):
    assert clean_file_name(given) == cleaned


@pytest.mark.parametrize("name", ["", "/", "...", "???"])
def test_a_missing_name_is_refused(name):
    with pytest.raises(UploadRefused, match="choose a CSV file"):
        clean_file_name(name)


@pytest.mark.parametrize(
    ("size", "password", "message"),
    [
        (0, None, "the file is empty"),
        (1001, None, "over the limit of 0.001 MB"),
        (10, "short", "8 to 128 characters"),
        (10, "x" * 129, "8 to 128 characters"),
        (10, " padded-password", "no spaces at either end"),
        (10, "pässwörd-long", "ASCII punctuation only"),
        (10, "line\nbreak-pw", "ASCII punctuation only"),
    ],
)
def test_uploads_it_cannot_sign_are_refused_with_the_reason(size, password, message):
    with pytest.raises(UploadRefused, match=message):
        presigned_upload(ADMIN, "roster.csv", size, custom_password=password)


@pytest.mark.parametrize(
    "path",
    [
        "20240101T000000Z-0123abcd/../../x.csv",
        "other/roster.csv",
        "roster.csv",
        "20240101T000000Z-0123abcd/a/b.csv",
        "20240101T000000Z-0123ABCD/x.csv",
        "",
    ],
)
def test_only_the_portals_own_upload_paths_name_a_key(path):
    assert upload_key(ADMIN, path) is None


@pytest.mark.parametrize(
    ("key", "shown"),
    [
        (f"uploads/{ADMIN}/20240101T000000Z-0123abcd/Fall roster.csv", "Fall roster.csv"),
        (f"uploads/{ADMIN}/roster.csv", "roster.csv"),  # the CLI's
        (f"uploads/{ADMIN}/2024/roster.csv", "2024/roster.csv"),  # an operator's own folder
        (f"uploads/{ADMIN}/20240101T000000Z-0123abcd/a/b.csv", "20240101T000000Z-0123abcd/a/b.csv"),
    ],
)
def test_reports_name_the_file_as_the_admin_gave_it(key, shown):
    assert Upload("bucket", key, "v1").shown_name == shown
