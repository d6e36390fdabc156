"""The import job record: idempotency, lease, checkpoints, and the rows' findings.

Items (app table):
  IMPORT#<bucket>/<key>  / VERSION#<versionId or ETag>   the job (one per object version);
                                                         gsi1 = the admin's history (history.py)
  IMPORTROW#<jobId>      / DUP#<row>#<field>             first pass: duplicated rows
  IMPORTROW#<jobId>      / ERR#<row>                     failed rows, for the report

Every progress write is conditional on the lease (only one worker advances a job)
and on the previous offset (a stale worker cannot move it backwards).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any

from botocore.exceptions import ClientError

from coursebridge.backoff import until_processed
from coursebridge.imports.decode import LF
from coursebridge.imports.errors import RowError, RowFailure
from coursebridge.imports.options import Upload
from coursebridge.store import keys
from coursebridge.store.dynamo import app_table, is_conditional_failure, now_epoch
from coursebridge.store.queries import query_pages

ROW_TTL_SECONDS = 90 * 24 * 3600
COUNTERS = ("created", "updated", "unchanged", "failed")
FINISHED = ("completed", "file_error", "rejected")  # nothing more will happen to the job


class LeaseLost(Exception):
    """Another worker holds the job (a duplicate delivery): leave it to them."""


def _pad(row: int) -> str:
    return f"{row:010d}"


@dataclass
class Job:
    upload: Upload
    status: str  # scanning | importing | reporting | completed | file_error | rejected
    started_at: int
    version_id: str | None = None
    dry_run: bool = False
    send_welcome: bool = False
    password_hash: str | None = None
    size: int = 0
    encoding: str = "utf-8"
    newline: str = LF  # CR for a file whose lines end with a bare CR (imports/decode.py)
    offset: int = 0
    row: int = 1
    line: int = 1
    rows_total: int = 0
    header: dict | None = None
    counts: dict[str, int] = field(default_factory=lambda: dict.fromkeys(COUNTERS, 0))
    file_errors: list[dict] = field(default_factory=list)
    report_key: str | None = None
    rejection: dict | None = None  # why the upload was refused: {"code", "message"}

    @property
    def key(self) -> dict:
        return keys.import_job(self.upload.bucket, self.upload.key, self.upload.version)

    @property
    def rows_pk(self) -> str:
        return keys.import_rows(self.upload.job_id)

    @property
    def ref(self) -> str:
        """How the Admin Portal names the job in a link: ``<startedAt>-<jobId>``."""
        return f"{self.started_at}-{self.upload.job_id}"

    def _history_index(self) -> dict[str, str]:
        """gsi1: the uploading admin's history. A refused upload proves nothing about who
        sent it, so it is in nobody's history (its record stays, for the operator)."""
        if self.status == "rejected":
            return {}
        return {
            "gsi1pk": keys.imports_of_admin(self.upload.admin_id),
            "gsi1sk": keys.import_index_sort(self.started_at, self.upload.job_id),
        }

    def to_item(self) -> dict[str, Any]:
        item = {
            **self.key,
            "kind": "import-job",
            "jobId": self.upload.job_id,
            "bucket": self.upload.bucket,
            "objectKey": self.upload.key,
            "version": self.upload.version,
            "versionId": self.version_id,
            "adminId": self.upload.admin_id,
            "status": self.status,
            "startedAt": self.started_at,
            "dryRun": self.dry_run,
            "sendWelcome": self.send_welcome,
            "passwordHash": self.password_hash,
            "size": self.size,
            "encoding": self.encoding,
            "newline": self.newline,
            "offset": self.offset,
            "row": self.row,
            "line": self.line,
            "rowsTotal": self.rows_total,
            "header": self.header,
            "fileErrors": self.file_errors,
            "reportKey": self.report_key,
            "rejection": self.rejection,
            "updatedAt": now_epoch(),
            **self.counts,
            **self._history_index(),
        }
        return {k: v for k, v in item.items() if v is not None}

    @classmethod
    def from_item(cls, item: dict[str, Any]) -> Job:
        upload = Upload(item["bucket"], item["objectKey"], item["version"])
        return cls(
            upload=upload,
            status=item["status"],
            started_at=int(item["startedAt"]),
            version_id=item.get("versionId"),
            dry_run=bool(item.get("dryRun")),
            send_welcome=bool(item.get("sendWelcome")),
            password_hash=item.get("passwordHash"),
            size=int(item.get("size", 0)),
            encoding=item.get("encoding", "utf-8"),
            newline=item.get("newline", LF),  # jobs stored before it was kept: LF
            offset=int(item.get("offset", 0)),
            row=int(item.get("row", 1)),
            line=int(item.get("line", 1)),
            rows_total=int(item.get("rowsTotal", 0)),
            header=item.get("header"),
            counts={name: int(item.get(name, 0)) for name in COUNTERS},
            file_errors=list(item.get("fileErrors", [])),
            report_key=item.get("reportKey"),
            rejection=item.get("rejection"),
        )


class JobStore:
    def __init__(self, owner: str) -> None:
        self.owner = owner  # this invocation: the lease holder's name
        self.table = app_table()

    def get(self, upload: Upload) -> Job | None:
        probe = Job(upload, "scanning", 0)
        item = self.table.get_item(Key=probe.key, ConsistentRead=True).get("Item")
        return Job.from_item(item) if item else None

    def create(self, job: Job) -> bool:
        """False when this object version already has a job (a duplicate event)."""
        try:
            self.table.put_item(Item=job.to_item(), ConditionExpression="attribute_not_exists(pk)")
        except ClientError as error:
            if is_conditional_failure(error):
                return False
            raise
        return True

    def acquire(self, job: Job, until: int) -> None:
        try:
            self.table.update_item(
                Key=job.key,
                UpdateExpression="SET leaseOwner = :me, leaseUntil = :until",
                ConditionExpression="attribute_not_exists(leaseUntil) OR leaseUntil < :now "
                "OR leaseOwner = :me",
                ExpressionAttributeValues={":me": self.owner, ":until": until, ":now": now_epoch()},
            )
        except ClientError as error:
            if is_conditional_failure(error):
                raise LeaseLost(job.upload.job_id) from None
            raise

    def release(self, job: Job) -> None:
        try:
            self.table.update_item(
                Key=job.key,
                UpdateExpression="SET leaseUntil = :zero",
                ConditionExpression="leaseOwner = :me",
                ExpressionAttributeValues={":me": self.owner, ":zero": 0},
            )
        except ClientError as error:
            if not is_conditional_failure(error):
                raise

    def save(self, job: Job, previous_offset: int, previous_status: str) -> None:
        """Write progress, only if we still hold the lease and nobody moved the job."""
        item = job.to_item()
        names = {f"#{k}": k for k in item if k not in ("pk", "sk")}
        values = {f":{k}": v for k, v in item.items() if k not in ("pk", "sk")}
        try:
            self.table.update_item(
                Key=job.key,
                UpdateExpression="SET " + ", ".join(f"#{k} = :{k}" for k in names_keys(names)),
                ConditionExpression="leaseOwner = :me AND #offset = :was AND #status = :was_status",
                ExpressionAttributeNames=names,
                ExpressionAttributeValues={
                    **values,
                    ":me": self.owner,
                    ":was": previous_offset,
                    ":was_status": previous_status,
                },
            )
        except ClientError as error:
            if is_conditional_failure(error):
                raise LeaseLost(job.upload.job_id) from None
            raise

    # ---------------------------------------------------------------- row findings
    def put_duplicates(self, job: Job, findings: Iterable[RowError]) -> None:
        expires = now_epoch() + ROW_TTL_SECONDS
        items = (
            {
                **keys.import_duplicate(job.upload.job_id, _pad(finding.row), finding.field),
                "row": finding.row,
                "field": finding.field,
                "message": finding.message,
                "ttl": expires,
            }
            for finding in findings
        )
        self._put_all(items)

    def duplicates_from(self, job: Job, row: int) -> Iterator[RowError]:
        """Duplicate findings at or after ``row``, in row order, page by page."""
        kwargs: dict[str, Any] = {
            "KeyConditionExpression": "pk = :pk AND sk BETWEEN :from AND :to",
            "ExpressionAttributeValues": {
                ":pk": job.rows_pk,
                ":from": f"DUP#{_pad(row)}",
                ":to": "DUP#~",
            },
            "ConsistentRead": True,
        }
        yield from self._query(kwargs, lambda i: RowError(int(i["row"]), i["field"], i["message"]))

    def put_failures(self, job: Job, failures: Iterable[RowFailure]) -> None:
        expires = now_epoch() + ROW_TTL_SECONDS
        items = (
            {
                **keys.import_failure(job.upload.job_id, _pad(failure.row)),
                "row": failure.row,
                "cells": failure.cells,
                "errors": [e.as_dict() for e in failure.errors],
                "ttl": expires,
            }
            for failure in failures
        )
        self._put_all(items)

    def _put_all(self, items: Iterable[dict]) -> None:
        """BatchWriteItem, 25 puts a call, the unprocessed ones sent again with bounded,
        jittered backoff (boto3's batch_writer resends them at once, without a bound)."""
        batch: dict[tuple[str, str], dict] = {}
        for item in items:
            batch[(item["pk"], item["sk"])] = item  # a repeated key: the last one wins
            if len(batch) == 25:
                self._put_batch(list(batch.values()))
                batch = {}
        if batch:
            self._put_batch(list(batch.values()))

    def _put_batch(self, items: list[dict]) -> None:
        client = self.table.meta.client
        request = {self.table.name: [{"PutRequest": {"Item": item}} for item in items]}
        for _ in until_processed(
            lambda rest: client.batch_write_item(RequestItems=rest), request, "UnprocessedItems"
        ):
            pass

    def failures(self, job: Job) -> Iterator[RowFailure]:
        kwargs: dict[str, Any] = {
            "KeyConditionExpression": "pk = :pk AND begins_with(sk, :err)",
            "ExpressionAttributeValues": {":pk": job.rows_pk, ":err": "ERR#"},
            "ConsistentRead": True,
        }

        def convert(item: dict) -> RowFailure:
            errors = [RowError(int(e["row"]), e["field"], e["message"]) for e in item["errors"]]
            return RowFailure(int(item["row"]), list(item["cells"]), errors)

        yield from self._query(kwargs, convert)

    def _query(self, kwargs: dict, convert: Callable[[dict], Any]) -> Iterator:
        yield from (convert(item) for item in query_pages(self.table, **kwargs))


def names_keys(names: dict[str, str]) -> list[str]:
    return [name[1:] for name in names]
