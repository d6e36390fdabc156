"""Roster sync: the hourly schedule (EventBridge) queues the classes of this hour's shard;
each SQS message syncs one class's members with its LMS courses' rosters (NRPS).

A message whose sync met a transient LMS failure is reported as a batch item failure, so
SQS brings it back (then the DLQ); a class without a readable roster is logged, not retried.
"""

from __future__ import annotations

from coursebridge import cold_start  # before any other import: see its docstring

# isort: split
import json
import time

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
from coursebridge.classes.roster_schedule import dispatch, run_queued, shard_at

logger = Logger()
tracer = Tracer(patch_modules=aws.TRACED_MODULES)
metrics = Metrics()
processor = BatchProcessor(event_type=EventType.SQS)
MARGIN_SECONDS = 20.0


@tracer.capture_method
def record_handler(record: SQSRecord, lambda_context: LambdaContext) -> None:
    message = json.loads(record.body)
    logger.append_keys(classId=str(message.get("classId")))
    remaining = lambda_context.get_remaining_time_in_millis() / 1000
    result = run_queued(message, time.monotonic() + max(1.0, remaining - MARGIN_SECONDS))
    metrics.add_metric(name="RosterSyncs", unit=MetricUnit.Count, value=1)
    if result is not None:
        metrics.add_metric(name="RosterMembersAdded", unit=MetricUnit.Count, value=result.added)
        metrics.add_metric(
            name="RosterMembersDeactivated", unit=MetricUnit.Count, value=result.deactivated
        )


@logger.inject_lambda_context
@tracer.capture_lambda_handler
@metrics.log_metrics
def handler(event: dict, context: LambdaContext) -> dict:
    if event.get("source") == "aws.events" or "Records" not in event:  # the schedule
        queued = dispatch(shard_at(event.get("time")))
        metrics.add_metric(name="RosterSyncsQueued", unit=MetricUnit.Count, value=queued)
        return {"queued": queued}
    return process_partial_response(
        event=event, record_handler=record_handler, processor=processor, context=context
    )


cold_start.finished()
