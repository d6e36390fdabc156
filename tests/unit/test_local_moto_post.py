"""The local stack's moto server (local/moto_server.py) notifies a browser upload (S3
POST Object) only once the object has its metadata, as S3 does: an importer that
reads the object on that notification finds the upload ticket. Plain moto notifies
before setting the form's metadata."""

from __future__ import annotations

import io

import pytest
from moto.core import DEFAULT_ACCOUNT_ID
from moto.s3 import notifications
from moto.s3.models import s3_backends
from moto.server import create_backend_app

import local.moto_server  # noqa: F401  (patches moto's S3 POST, as the local stack runs it)


@pytest.fixture
def notified(monkeypatch):
    seen: list[tuple[str, dict]] = []

    def record(account_id, event_name, bucket, key):
        seen.append((str(event_name.value), dict(key.metadata)))

    monkeypatch.setattr(notifications, "send_event", record)
    backend = s3_backends[DEFAULT_ACCOUNT_ID]["aws"]
    backend.create_bucket("portal-post-test", "us-east-1")
    yield seen
    backend.reset()


def test_a_browser_upload_is_notified_once_with_its_metadata(notified):
    client = create_backend_app("s3").test_client()
    answer = client.post(
        "/portal-post-test",
        data={
            "key": "uploads/acc_1/20240101T000000Z-0123abcd/users.csv",
            "x-amz-meta-upload-ticket": "v1.1.sig",
            "success_action_status": "201",
            "file": (io.BytesIO(b"firstName\n"), "users.csv"),
        },
        headers={"Host": "127.0.0.1:5000"},
        content_type="multipart/form-data",
    )
    assert answer.status_code == 201
    assert notified == [
        (
            "s3:ObjectCreated:Post",
            {"content-type": "binary/octet-stream", "x-amz-meta-upload-ticket": "v1.1.sig"},
        ),
    ]


def test_other_writes_are_notified_as_moto_does(notified):
    backend = s3_backends[DEFAULT_ACCOUNT_ID]["aws"]
    backend.put_object("portal-post-test", "uploads/acc_1/x.csv", b"x")
    assert [event for event, _ in notified] == ["s3:ObjectCreated:Put"]
