"""SQS → sends released grades to the LMS gradebook (LTI AGS), then mails a summary.

One message = one release (``{"releaseId": ...}``). A message whose grades met only
transient failures is reported as a batch item failure, so SQS brings it back; after
the queue's last receive it goes to the DLQ, and the release already shows those
grades as failed.
"""

from __future__ import annotations

from coursebridge import cold_start  # before any other import: see its docstring

# isort: split
import json

from aws_lambda_powertools import Logger, Metrics, Tracer
from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.utilities.batch import (
    BatchProcessor,
    EventType,
    process_partial_response,
)
from aws_lambda_powertools.utilities.data_classes.sqs_event import SQSRecord
from aws_lambda_powertools.utilities.typing import LambdaContext

from coursebridge import aws
from coursebridge.grades.release import deliver_release, remaining_deadline

logger = Logger()
tracer = Tracer(patch_modules=aws.TRACED_MODULES)
metrics = Metrics()
processor = BatchProcessor(event_type=EventType.SQS)


@tracer.capture_method
def record_handler(record: SQSRecord, lambda_context: LambdaContext) -> None:
    message = json.loads(record.body)
    release_id = str(message["releaseId"])
    metrics.add_metric(name="ReleaseMessages", unit=MetricUnit.Count, value=1)
    logger.append_keys(releaseId=release_id)
    deliver_release(
        release_id,
        receive_count=int(record.attributes.approximate_receive_count or 1),
        continuation=int(message.get("continuation", 0)),
        deadline=remaining_deadline(lambda_context.get_remaining_time_in_millis()),
    )


@logger.inject_lambda_context
@tracer.capture_lambda_handler
@metrics.log_metrics
def handler(event: dict, context: LambdaContext) -> dict:
    return process_partial_response(
        event=event, record_handler=record_handler, processor=processor, context=context
    )


cold_start.finished()
