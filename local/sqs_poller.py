"""The local Lambda event source mapping for SQS.

Like the real one: receive up to BatchSize messages, invoke the handler with an
``{"Records": [...]}`` event, then delete what succeeded. With
ReportBatchItemFailures only the ids listed in ``batchItemFailures`` stay on the
queue; if the handler raises, the whole batch stays and comes back after the
visibility timeout, until the queue's redrive policy moves it to the DLQ.
"""

from __future__ import annotations

import logging
import threading

from local.runtime import FunctionRunner
from local.template import SqsSource

log = logging.getLogger("coursebridge.local.sqs")

_ATTRIBUTE_NAMES = [
    "ApproximateReceiveCount",
    "SentTimestamp",
    "SenderId",
    "ApproximateFirstReceiveTimestamp",
]


def to_lambda_record(message: dict, queue_arn: str, region: str) -> dict:
    return {
        "messageId": message["MessageId"],
        "receiptHandle": message["ReceiptHandle"],
        "body": message["Body"],
        "attributes": message.get("Attributes", {}),
        "messageAttributes": {
            name: {
                "stringValue": attr.get("StringValue"),
                "binaryValue": attr.get("BinaryValue"),
                "stringListValues": [],
                "binaryListValues": [],
                "dataType": attr["DataType"],
            }
            for name, attr in message.get("MessageAttributes", {}).items()
        },
        "md5OfBody": message["MD5OfBody"],
        "eventSource": "aws:sqs",
        "eventSourceARN": queue_arn,
        "awsRegion": region,
    }


class SqsPoller:
    def __init__(
        self,
        sqs_client,
        source: SqsSource,
        queue_url: str,
        queue_arn: str,
        runner: FunctionRunner,
        region: str = "us-east-1",
    ) -> None:
        self.sqs = sqs_client
        self.source = source
        self.queue_url = queue_url
        self.queue_arn = queue_arn
        self.runner = runner
        self.region = region
        self._stop = threading.Event()
        self._idle = threading.Event()
        self.thread: threading.Thread | None = None
        self.invocations = 0

    def poll_once(self, wait_seconds: int = 1) -> int:
        """Receive one batch and run it; returns how many messages were received."""
        messages = self.sqs.receive_message(
            QueueUrl=self.queue_url,
            MaxNumberOfMessages=min(self.source.batch_size, 10),
            WaitTimeSeconds=wait_seconds,
            AttributeNames=_ATTRIBUTE_NAMES,
            MessageAttributeNames=["All"],
        ).get("Messages", [])
        if not messages:
            return 0
        event = {"Records": [to_lambda_record(m, self.queue_arn, self.region) for m in messages]}
        self.invocations += 1
        try:
            result = self.runner.invoke(event)
        except Exception:
            log.exception("%s failed; the batch returns to the queue", self.source.function)
            return len(messages)
        failed: set[str] = set()
        if self.source.report_batch_item_failures and isinstance(result, dict):
            failed = {f["itemIdentifier"] for f in result.get("batchItemFailures") or []}
        done = [m for m in messages if m["MessageId"] not in failed]
        if done:
            self.sqs.delete_message_batch(
                QueueUrl=self.queue_url,
                Entries=[
                    {"Id": str(i), "ReceiptHandle": m["ReceiptHandle"]} for i, m in enumerate(done)
                ],
            )
        return len(messages)

    def _loop(self) -> None:
        while not self._stop.is_set():
            try:
                received = self.poll_once()
            except Exception:  # the queue server went away: keep the poller alive
                if self._stop.is_set():
                    return
                log.exception("polling %s failed", self.queue_url)
                self._stop.wait(1)
                continue
            if received:
                self._idle.clear()
            else:
                self._idle.set()

    def start(self) -> None:
        self.thread = threading.Thread(
            target=self._loop, name=f"sqs-{self.source.function}", daemon=True
        )
        self.thread.start()

    def stop(self) -> None:
        self._stop.set()
        if self.thread:
            self.thread.join(timeout=5)
