"""The admin side of an import: upload a CSV like the Admin Portal would, then follow
the job record until the report is written (used by ``coursebridge import``).

The upload carries an upload ticket (``ticket.py``) issued here for the admin, the key
and the options: signing it needs the session secret, which the importer uses to
check it, so only those who may read that secret can upload as an admin.
"""

from __future__ import annotations

import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import IO

from coursebridge import aws
from coursebridge.imports.jobs import FINISHED, Job, JobStore
from coursebridge.imports.options import ImportOptions, Upload
from coursebridge.imports.ticket import TICKET_METADATA, TicketTerms, issue_ticket
from coursebridge.sessions import _SecretCache
from coursebridge.settings import get_settings


class ImportTimedOut(Exception):
    pass


def upload_metadata(
    key: str,
    *,
    send_welcome: bool = False,
    custom_password: str | None = None,
    dry_run: bool = False,
    secret: bytes | None = None,
    now: int | None = None,
) -> dict[str, str]:
    """The object metadata of an upload to ``key``: its options and their ticket."""
    metadata = {"send-welcome": str(send_welcome).lower(), "dry-run": str(dry_run).lower()}
    if custom_password:
        metadata["custom-password"] = custom_password
    terms = TicketTerms.of(key, ImportOptions.from_metadata(metadata))
    issued_at = int(time.time()) if now is None else now
    metadata[TICKET_METADATA] = issue_ticket(terms, secret or _SecretCache.get(), issued_at)
    return metadata


def upload_csv(
    path: Path,
    admin_id: str,
    *,
    send_welcome: bool = False,
    custom_password: str | None = None,
    dry_run: bool = False,
) -> Upload:
    bucket = get_settings().imports_bucket
    key = f"uploads/{admin_id}/{path.name}"
    metadata = upload_metadata(
        key, send_welcome=send_welcome, custom_password=custom_password, dry_run=dry_run
    )
    with path.open("rb") as body:
        put = aws.client("s3").put_object(
            Bucket=bucket, Key=key, Body=body, Metadata=metadata, ContentType="text/csv"
        )
    return Upload(bucket, key, put.get("VersionId") or put["ETag"].strip('"'))


def progress_line(job: Job | None) -> str:
    if job is None:
        return "waiting for the importer…"
    if job.status == "scanning":
        return "checking the file…"
    total = max(job.rows_total, 1)
    done = sum(job.counts.values())
    width = 30
    filled = min(width, width * done // total)
    return f"[{'#' * filled}{'.' * (width - filled)}] {done}/{job.rows_total} rows"


def wait_for_report(
    upload: Upload,
    timeout: float,
    out: IO[str] | None = None,
    sleep: Callable[[float], None] = time.sleep,
) -> Job:
    out = out or sys.stderr
    jobs = JobStore("cli")
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        job = jobs.get(upload)
        out.write("\r" + progress_line(job).ljust(60))
        out.flush()
        if job is not None and job.status in FINISHED:
            out.write("\n")
            return job
        sleep(0.5)
    out.write("\n")
    raise ImportTimedOut(
        f"no report after {timeout:.0f}s: is the importer running (make dev)? "
        f"The upload is s3://{upload.bucket}/{upload.key}"
    )


def summary_lines(job: Job) -> list[str]:
    counts = job.counts
    head = "dry run: " if job.dry_run else ""
    if job.status == "rejected":
        reason = (job.rejection or {}).get("message", "")
        return [f"{head}upload refused, nothing imported: {reason}"]
    if job.status == "file_error":
        lines = [f"{head}file rejected, nothing imported:"]
        lines += [f"  {error['message']}" for error in job.file_errors]
    else:
        lines = [
            f"{head}created {counts['created']}, updated {counts['updated']}, "
            f"unchanged {counts['unchanged']}, failed {counts['failed']}"
        ]
    lines.append(f"report s3://{job.upload.bucket}/{job.report_key}")
    return lines
