"""SQS (S3 ObjectCreated on uploads/, or our own continuation) → CSV user import."""

from __future__ import annotations

from coursebridge import cold_start  # before any other import: see its docstring

# isort: split
import json

from aws_lambda_powertools import Logger, Tracer
from aws_lambda_powertools.utilities.batch import (
    BatchProcessor,
    EventType,
    process_partial_response,
)
from aws_lambda_powertools.utilities.data_classes.sqs_event import SQSRecord
from aws_lambda_powertools.utilities.typing import LambdaContext

from coursebridge import aws
from coursebridge.imports.run import process_message

logger = Logger()
tracer = Tracer(patch_modules=aws.TRACED_MODULES)
# Report the failed message (batch size 1) instead of raising: the same effect on the
# queue, without an error for Lambda to log twice.
processor = BatchProcessor(event_type=EventType.SQS, raise_on_entire_batch_failure=False)


def record_handler(record: SQSRecord, lambda_context: LambdaContext) -> None:
    """Powertools passes the context in: the import watches the time left."""
    process_message(
        json.loads(record.body),
        remaining_ms=lambda_context.get_remaining_time_in_millis,
        owner=f"{lambda_context.aws_request_id}/{record.message_id}",
    )


@logger.inject_lambda_context
@tracer.capture_lambda_handler
def handler(event: dict, context: LambdaContext) -> dict:
    return process_partial_response(
        event=event, record_handler=record_handler, processor=processor, context=context
    )


cold_start.finished()
