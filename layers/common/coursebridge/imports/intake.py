"""Which S3 notifications become import jobs, and which are refused before anything runs.

An object becomes a job only when it is under ``uploads/<adminId>/``, is not our own
metadata rewrite, and carries an upload ticket issued for that admin, that key and its
options (``ticket.py``). Without one, the import runs as nobody: a job record with
status ``rejected`` and the reason is kept (so a redelivery is refused at once and an
operator can see why), a ``custom-password`` is removed from the object, and nothing
else happens — no account is read or written, no report is written under the
admin's prefix, no email is sent. The operator sees it in the log ("upload refused")
and in the ``UploadRejected`` metric.
"""

from __future__ import annotations

from collections.abc import Callable
from urllib.parse import unquote_plus

from aws_lambda_powertools import Logger
from aws_lambda_powertools.metrics import MetricUnit, single_metric

from coursebridge.imports.jobs import Job, JobStore
from coursebridge.imports.options import ImportOptions, NotAnUpload, Upload
from coursebridge.imports.password import hash_password
from coursebridge.imports.source import PROCESSED_MARK, ObjectHead, UploadedObject
from coursebridge.imports.ticket import TicketRefused, TicketTerms, check_ticket, ticket_in
from coursebridge.sessions import _SecretCache
from coursebridge.store.dynamo import now_epoch

logger = Logger(child=True)

Secret = Callable[[], bytes]


def job_for_s3_record(record: dict, owner: str, secret: Secret = _SecretCache.get) -> Job | None:
    """The job to run for an ObjectCreated record, or None when there is nothing to run."""
    found = _new_object(record)
    if found is None:
        return None
    source, head = found
    obj = record["s3"]["object"]
    version_id = obj.get("versionId") or head.version_id
    upload = Upload(source.bucket, source.key, version_id or obj.get("eTag") or head.etag)
    job = _job_of(JobStore(owner), upload, version_id, head, secret)
    if job.status == "rejected":
        if _carries_password(head):
            source.drop_password(head, upload.job_id)
        return None
    return job


def _new_object(record: dict) -> tuple[UploadedObject, ObjectHead] | None:
    """The uploaded object and its head; None when it is not an upload, is gone, or is
    our own metadata rewrite."""
    bucket = record["s3"]["bucket"]["name"]
    key = unquote_plus(record["s3"]["object"]["key"])
    try:
        Upload.check_key(key)
    except NotAnUpload:
        logger.warning("ignoring object outside uploads/<admin>/", extra={"key": key})
        return None
    source = UploadedObject(bucket, key, record["s3"]["object"].get("versionId"))
    head = source.head()
    if head is None or PROCESSED_MARK in head.metadata:
        return None  # deleted since, or our own metadata rewrite
    return source, head


def _job_of(
    jobs: JobStore, upload: Upload, version_id: str | None, head: ObjectHead, secret: Secret
) -> Job:
    """The upload's job: the one recorded, or a new one (the first of racing deliveries wins)."""
    job = jobs.get(upload)
    if job is not None:
        return job
    job = _new_job(upload, version_id, head, secret)
    if jobs.create(job):
        return job
    winner = jobs.get(upload)
    assert winner is not None
    return winner


def _new_job(upload: Upload, version_id: str | None, head: ObjectHead, secret: Secret) -> Job:
    options = ImportOptions.from_metadata(head.metadata)
    try:
        terms = TicketTerms.of(upload.key, options)
        check_ticket(ticket_in(head.metadata), terms, secret(), head.last_modified)
    except TicketRefused as refused:
        _report_refusal(upload, refused)
        return Job(upload=upload, status="rejected", started_at=now_epoch(),
                   version_id=version_id, dry_run=options.dry_run, size=head.size,
                   rejection={"code": refused.code, "message": refused.message})  # fmt: skip
    password = options.custom_password
    return Job(
        upload=upload,
        status="scanning",
        started_at=now_epoch(),
        version_id=version_id,
        dry_run=options.dry_run,
        send_welcome=options.send_welcome,
        password_hash=hash_password(password) if password else None,
        size=head.size,
    )


def _report_refusal(upload: Upload, refused: TicketRefused) -> None:
    """The operator's log line and the ``UploadRejected`` metric (dimension ``reason``),
    once per object version: a redelivery finds the rejected job and says nothing."""
    logger.warning(
        "upload refused: it does not prove that its admin sent it",
        extra={"key": upload.key, "admin": upload.admin_id, "reason": refused.code},
    )
    with single_metric(name="UploadRejected", unit=MetricUnit.Count, value=1) as metric:
        metric.add_dimension(name="reason", value=refused.code)


def _carries_password(head: ObjectHead) -> bool:
    return "custom-password" in {name.lower() for name in head.metadata}
