"""S3 notifications carry object keys URL-encoded (a space is ``+``, a plus ``%2B``): the
import reads the object under its real name."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from coursebridge.imports import intake, run

SAMPLE = Path(__file__).parents[2] / "events/csv_upload_sqs.json"


@pytest.fixture
def opened(monkeypatch) -> list[tuple[str, str]]:
    """The (bucket, key) of every object the import opens; each is already gone."""
    seen: list[tuple[str, str]] = []

    class GoneObject:
        def __init__(self, bucket: str, key: str, version_id: str | None) -> None:
            seen.append((bucket, key))

        def head(self) -> None:
            return None

    monkeypatch.setattr(intake, "UploadedObject", GoneObject)
    return seen


def test_the_sample_event_with_an_encoded_key_is_decoded(opened):
    sample = json.loads(SAMPLE.read_text())
    body = json.loads(sample["Records"][0]["body"])
    assert body["Records"][0]["s3"]["object"]["key"] == "uploads/acc_123/Fall+Roster+%2B+TAs.csv"
    run.process_message(body, remaining_ms=lambda: 900_000, owner="test")
    assert opened == [("coursebridge-imports", "uploads/acc_123/Fall Roster + TAs.csv")]


@pytest.mark.parametrize(
    ("encoded", "key"),
    [
        ("uploads/acc_1/a%2Fb.csv", "uploads/acc_1/a/b.csv"),
        ("uploads/acc_1/caf%C3%A9.csv", "uploads/acc_1/café.csv"),
        ("uploads/acc_1/plain.csv", "uploads/acc_1/plain.csv"),
    ],
)
def test_an_object_key_is_url_decoded_before_use(opened, encoded, key):
    record = {"s3": {"bucket": {"name": "b"}, "object": {"key": encoded}}}
    assert intake.job_for_s3_record(record, owner="test") is None
    assert opened == [("b", key)]


def test_an_object_outside_uploads_is_never_opened(opened):
    record = {"s3": {"bucket": {"name": "b"}, "object": {"key": "reports%2Facc_1%2Fx.json"}}}
    assert intake.job_for_s3_record(record, owner="test") is None
    assert opened == []
