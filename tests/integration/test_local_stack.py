"""The local stack behaves like the deployed one: real servers, template resources,
API Gateway events and SQS event-source semantics."""

from __future__ import annotations

import json
import time

import jwt
import pytest
import requests

from coursebridge import aws
from coursebridge.keyring import active_signing_key_id
from coursebridge.signing import KmsSigner
from coursebridge.store import keys
from coursebridge.store.dynamo import app_table
from local.sqs_poller import SqsPoller

pytestmark = pytest.mark.integration


def test_jwks_route_serves_the_kms_public_key(stack):
    response = requests.get(f"{stack.ports.tool_url}/.well-known/jwks.json", timeout=10)
    assert response.status_code == 200
    (key,) = response.json()["keys"]
    assert (key["kty"], key["alg"], key["use"]) == ("RSA", "RS256", "sig")

    # A token signed by KMS (the private half never leaves it) verifies with the JWKS key.
    token = KmsSigner(active_signing_key_id()).sign_jwt({"sub": "tool", "aud": "lms"})
    assert jwt.get_unverified_header(token)["kid"] == key["kid"]
    public = jwt.PyJWK(key).key
    assert jwt.decode(token, public, algorithms=["RS256"], audience="lms")["sub"] == "tool"


def test_unknown_route_is_404_not_500(stack):
    response = requests.get(f"{stack.ports.tool_url}/nope", timeout=10)
    assert response.status_code == 404


def test_api_without_session_is_401_json(stack):
    response = requests.get(f"{stack.ports.tool_url}/api/me", timeout=10)
    assert response.status_code == 401
    assert "error" in response.json()


def _poll_until(poller: SqsPoller, predicate, timeout: float = 20) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        poller.poll_once(wait_seconds=1)
        if predicate():
            return
    raise AssertionError("condition not reached before the timeout")


def test_upload_reaches_the_import_handler_through_s3_sqs_and_the_poller(stack):
    bucket = stack.resource("ImportsBucket")
    s3 = aws.client("s3")
    key = "uploads/acc_1/My Users 2026.csv"
    put = s3.put_object(Bucket=bucket, Key=key, Body=b"firstName\n")
    # Real S3 names the version; moto's notification carries only the ETag.
    versions = {put["VersionId"], put["ETag"].strip('"')}
    poller = stack.make_pollers()["CsvImportFunction"]

    def job_recorded() -> bool:
        items = app_table().query(
            KeyConditionExpression="pk = :pk",
            ExpressionAttributeValues={":pk": keys.import_jobs_of(bucket, key)},
        )["Items"]
        return any(item["sk"].removeprefix("VERSION#") in versions for item in items)

    _poll_until(poller, job_recorded)
    # The message was deleted after success: the queue is empty.
    attrs = aws.client("sqs").get_queue_attributes(
        QueueUrl=stack.resource("ImportQueue"),
        AttributeNames=["ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible"],
    )["Attributes"]
    assert attrs == {
        "ApproximateNumberOfMessages": "0",
        "ApproximateNumberOfMessagesNotVisible": "0",
    }


def test_poller_keeps_only_the_failed_messages_of_a_batch(stack):
    sqs = aws.client("sqs")
    queue_url = stack.resource("ReleaseQueue")
    sqs.send_message(QueueUrl=queue_url, MessageBody=json.dumps({"releaseId": "r-1"}))
    sqs.send_message(QueueUrl=queue_url, MessageBody="this is not json")
    poller = stack.make_pollers()["GradeReleaseFunction"]
    poller.source.batch_size = 10
    received = 0
    deadline = time.monotonic() + 10
    while received < 2 and time.monotonic() < deadline:
        received += poller.poll_once(wait_seconds=1)
    assert received == 2
    # The bad message is still on the queue (in flight until its visibility timeout).
    attrs = sqs.get_queue_attributes(
        QueueUrl=queue_url,
        AttributeNames=["ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible"],
    )["Attributes"]
    assert (
        int(attrs["ApproximateNumberOfMessages"])
        + int(attrs["ApproximateNumberOfMessagesNotVisible"])
        == 1
    )


def test_failed_messages_are_redriven_to_the_dead_letter_queue(stack):
    sqs = aws.client("sqs")
    queue_url = stack.resource("ReleaseQueue")
    dlq_url = stack.resource("ReleaseDLQ")
    sqs.set_queue_attributes(QueueUrl=queue_url, Attributes={"VisibilityTimeout": "0"})
    try:
        sqs.send_message(QueueUrl=queue_url, MessageBody="poison")
        poller = stack.make_pollers()["GradeReleaseFunction"]
        for _ in range(8):
            poller.poll_once(wait_seconds=0)
        moved = sqs.receive_message(QueueUrl=dlq_url, WaitTimeSeconds=1).get("Messages", [])
        assert [m["Body"] for m in moved] == ["poison"]
    finally:
        sqs.set_queue_attributes(QueueUrl=queue_url, Attributes={"VisibilityTimeout": "360"})
