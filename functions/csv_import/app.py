"""SQS (S3 ObjectCreated on uploads/) → CSV user import."""

from __future__ import annotations

import json
from urllib.parse import unquote_plus

from aws_lambda_powertools import Logger, Tracer
from aws_lambda_powertools.utilities.batch import (
    BatchProcessor,
    EventType,
    process_partial_response,
)
from aws_lambda_powertools.utilities.data_classes.sqs_event import SQSRecord
from aws_lambda_powertools.utilities.typing import LambdaContext

from coursebridge.store.dynamo import app_table, now_epoch

logger = Logger()
tracer = Tracer()
processor = BatchProcessor(event_type=EventType.SQS)


def record_handler(record: SQSRecord) -> None:
    notification = json.loads(record.body)
    for s3_record in notification.get("Records", []):
        bucket = s3_record["s3"]["bucket"]["name"]
        key = unquote_plus(s3_record["s3"]["object"]["key"])
        obj = s3_record["s3"]["object"]
        version = obj.get("versionId") or obj.get("eTag", "")
        app_table().put_item(
            Item={
                "pk": f"IMPORT#{bucket}/{key}",
                "sk": f"VERSION#{version}",
                "kind": "import-job",
                "status": "received",
                "receivedAt": now_epoch(),
            }
        )
        logger.info("upload received", extra={"bucket": bucket, "key": key})


@logger.inject_lambda_context
@tracer.capture_lambda_handler
def handler(event: dict, context: LambdaContext) -> dict:
    return process_partial_response(
        event=event, record_handler=record_handler, processor=processor, context=context
    )
