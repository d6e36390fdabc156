"""An admin's uploads as the Admin Portal shows them: newest first, each one reopenable.

Every accepted job carries gsi1 = ``ACCOUNT#<adminId>#IMPORTS`` /
``<startedAt>#<jobId>`` (jobs.py): the history is one Query of the admin's own
partition, a page at a time, never a scan, and the partition grows with one admin's
uploads only. A ``rejected`` upload is in nobody's history: without a valid ticket it
proves nothing about who sent it, so it must not appear as the named admin's work.

History is per admin, not per organization: admin rights are per school, and a
report lists the people of the uploader's schools (names, emails, issuedIDs), which
another school's admin of the same organization may not see.

The page that has just uploaded a file follows its job by the object's key instead
(``for_upload``): a strongly consistent Query of the key's own partition, so the job
shows the moment the importer records it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from coursebridge.imports.jobs import Job
from coursebridge.store import keys
from coursebridge.store.dynamo import app_table

PAGE_SIZE = 25
_REF = re.compile(r"^(\d{1,12})-([0-9a-f]{32})$")
_CURSOR = re.compile(r"^\d{12}#[0-9a-f]{32}$")


@dataclass(frozen=True)
class HistoryPage:
    jobs: list[Job]
    older: str | None  # the cursor of the next (older) page, if there is one


def parse_ref(ref: str) -> tuple[int, str] | None:
    """``(startedAt, jobId)`` of a job reference as links carry it, or None."""
    match = _REF.match(ref)
    return (int(match.group(1)), match.group(2)) if match else None


class ImportHistory:
    def page(
        self, admin_id: str, older_than: str | None = None, limit: int = PAGE_SIZE
    ) -> HistoryPage:
        """One page of the admin's uploads, newest first; ``older_than`` is the cursor a
        previous page gave (anything else starts from the newest)."""
        condition = "gsi1pk = :pk"
        values: dict[str, Any] = {":pk": keys.imports_of_admin(admin_id)}
        if older_than and _CURSOR.match(older_than):
            condition += " AND gsi1sk < :older"
            values[":older"] = older_than
        response = app_table().query(
            IndexName="gsi1",
            KeyConditionExpression=condition,
            ExpressionAttributeValues=values,
            ScanIndexForward=False,
            Limit=limit,
        )
        items = response["Items"]
        older = items[-1]["gsi1sk"] if "LastEvaluatedKey" in response and items else None
        return HistoryPage([Job.from_item(item) for item in items], older)

    def find(self, admin_id: str, ref: str) -> Job | None:
        """The admin's own job named by ``ref``; None for anyone else's (or no such job).

        The index is read in the asking admin's partition only, so another admin's
        reference finds nothing; the job itself is then read again by its key
        (strongly consistent) for its latest progress."""
        parsed = parse_ref(ref)
        if parsed is None:
            return None
        started_at, job_id = parsed
        found = app_table().query(
            IndexName="gsi1",
            KeyConditionExpression="gsi1pk = :pk AND gsi1sk = :sk",
            ExpressionAttributeValues={
                ":pk": keys.imports_of_admin(admin_id),
                ":sk": keys.import_index_sort(started_at, job_id),
            },
        )["Items"]
        if not found:
            return None
        item = (
            app_table()
            .get_item(Key={"pk": found[0]["pk"], "sk": found[0]["sk"]}, ConsistentRead=True)
            .get("Item")
        )
        job = Job.from_item(item) if item else None
        return job if job is not None and job.upload.admin_id == admin_id else None

    def for_upload(self, bucket: str, key: str) -> Job | None:
        """The newest job of the object ``key`` (None until the importer has seen it)."""
        items = app_table().query(
            KeyConditionExpression="pk = :pk",
            ExpressionAttributeValues={":pk": keys.import_jobs_of(bucket, key)},
            ConsistentRead=True,
        )["Items"]
        jobs = [Job.from_item(item) for item in items]
        return max(jobs, key=lambda job: job.started_at) if jobs else None
