"""One import job from S3 event to report: idempotent, resumable, batched.

A message is an S3 notification (``Records``), which becomes a job only when the
upload proves its admin sent it (``intake.py``), or our own continuation
(``importJob``) of a job accepted so. Per job: scan (file errors, duplicates) →
import batches of rows, checkpointing after each → report. When the invocation runs
low on time it releases the job and queues a continuation; a crash leaves the
checkpoint, and the redelivered message resumes from it (rows of a replayed batch are
recognised by their stamps).
"""

from __future__ import annotations

import json
from collections.abc import Callable
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from dataclasses import replace

from aws_lambda_powertools import Logger

from coursebridge import aws
from coursebridge.accounts.sign_in_pages import sign_in_url
from coursebridge.collector import no_full_collections
from coursebridge.imports.apply import AccountBatches
from coursebridge.imports.authority import Uploader, load_uploader
from coursebridge.imports.batches import (
    Ahead,
    CheckedBatch,
    DuplicateCursor,
    batches_of,
    check_batch,
)
from coursebridge.imports.decode import decode_lines
from coursebridge.imports.duplicates import DuplicateFinder
from coursebridge.imports.errors import FileError, RowFailure
from coursebridge.imports.intake import job_for_s3_record
from coursebridge.imports.jobs import FINISHED, Job, JobStore, LeaseLost
from coursebridge.imports.options import Upload
from coursebridge.imports.parse import Header, read_records
from coursebridge.imports.plan import (
    AlreadyApplied,
    Create,
    Plan,
    outcome_of,
    plan_create,
    plan_row,
    row_number,
)
from coursebridge.imports.report import ReportSummary, publish_report, timestamp
from coursebridge.imports.report_email import send_report_email
from coursebridge.imports.scan import scan_file
from coursebridge.imports.source import UploadedObject
from coursebridge.imports.validate import UserRow
from coursebridge.imports.welcome_email import WelcomeMailer
from coursebridge.settings import get_settings
from coursebridge.store.dynamo import now_epoch

logger = Logger(child=True)

BATCH_ROWS = 1000  # rows per checkpoint; their requests go out concurrently
NEW_SHARE = 0.9  # a batch this much creations: the next one writes before looking up
SAMPLE_ROWS = 50  # the first batch's rows whose claims decide how it is written
STOP_MARGIN_MS = 60_000  # stop and hand over with this much time left

RemainingMs = Callable[[], int]


def process_message(body: dict, remaining_ms: RemainingMs, owner: str) -> None:
    if "importJob" in body:
        ref = body["importJob"]
        upload = Upload(ref["bucket"], ref["key"], ref["version"])
        job = JobStore(owner).get(upload)
        if job is not None:
            Importer(job, owner, remaining_ms).run()
        return
    for record in body.get("Records", []):  # s3:TestEvent has none
        if str(record.get("eventName", "")).startswith("ObjectCreated"):
            job = job_for_s3_record(record, owner)
            if job is not None:
                Importer(job, owner, remaining_ms).run()


class Importer:
    def __init__(self, job: Job, owner: str, remaining_ms: RemainingMs) -> None:
        self.job = job
        self.jobs = JobStore(owner)
        self.remaining_ms = remaining_ms
        self.settings = get_settings()
        self.source = UploadedObject(job.upload.bucket, job.upload.key, job.version_id)
        self._uploader: Uploader | None = None
        self._saved = (job.offset, job.status)
        self._expect_new: bool | None = None  # None: the first batch's sample decides
        self._under_way: Future[None] = Future()  # set when a batch's writes are under way

    @property
    def uploader(self) -> Uploader:
        if self._uploader is None:
            self._uploader = load_uploader(self.job.upload.admin_id)
        return self._uploader

    def _save(self) -> None:
        self.jobs.save(self.job, *self._saved)
        self._saved = (self.job.offset, self.job.status)

    # ---------------------------------------------------------------- lifecycle
    def run(self) -> None:
        job = self.job
        if job.status in FINISHED:
            logger.info("import already done", extra={"job": job.upload.job_id})
            return
        lease_seconds = self.remaining_ms() // 1000 + 60
        try:
            self.jobs.acquire(job, now_epoch() + lease_seconds)
        except LeaseLost:
            logger.info("import held by another worker", extra={"job": job.upload.job_id})
            return
        handed_over = False
        try:
            if job.status == "scanning":
                self.scan()
            if job.status == "importing":
                handed_over = not self.import_rows()
            if job.status == "reporting":
                self.report()
        finally:
            # On an exception the message itself comes back (SQS redelivery); the lease
            # is released so that the retry need not wait for it to expire.
            self.jobs.release(job)
        if handed_over:
            self._continue_later()

    def _continue_later(self) -> None:
        ref = {"bucket": self.job.upload.bucket, "key": self.job.upload.key,
               "version": self.job.upload.version}  # fmt: skip
        aws.client("sqs").send_message(
            QueueUrl=self.settings.import_queue_url, MessageBody=json.dumps({"importJob": ref})
        )
        logger.info("import continues in a new invocation", extra={"row": self.job.row})

    # ---------------------------------------------------------------- pass 1
    def scan(self) -> None:
        job = self.job
        try:
            if job.size > self.settings.import_max_bytes:
                raise FileError(
                    "too_large",
                    f"The file is {job.size} bytes; the limit is "
                    f"{self.settings.import_max_bytes} bytes: split it into smaller files.",
                )
            with DuplicateFinder() as finder:
                result, findings = scan_file(
                    self.source.chunks(0), self.settings.import_max_rows, finder
                )
                self.jobs.put_duplicates(job, findings)
        except FileError as error:
            job.file_errors = [error.as_dict()]
            job.status = "reporting"
            self._save()
            return
        job.encoding, job.newline = result.encoding, result.newline
        job.header = result.header.to_state()
        job.offset, job.row, job.line = result.body_start, result.first_row, result.first_line
        job.rows_total = result.rows
        job.status = "importing"
        self._save()

    # ---------------------------------------------------------------- pass 2
    def import_rows(self) -> bool:
        """True when the last row is done; False when time ran short (checkpointed).

        Two stages overlap: while one batch is written and checkpointed (in a worker
        thread), the next is read, validated and (``_build_ahead``) turned into its
        transactions, which touches nothing. A batch's writes
        start only after the previous checkpoint is saved, so a crash still leaves
        every row either before the checkpoint or in the batch that a retry replays.
        """
        job = self.job
        header = Header.from_state(job.header or {})
        chunks = self.source.chunks(job.offset)
        lines = decode_lines(chunks, job.encoding, job.offset, job.line, newline=job.newline)
        duplicates = DuplicateCursor(self.jobs.duplicates_from(job, job.row))
        mailer = self._welcome_mailer()
        allowed = self.uploader.schools
        writing: Future[None] | None = None
        with (
            no_full_collections(),  # coursebridge/collector.py: a batch's objects hold no cycles
            AccountBatches(job.upload.job_id, on_answer=self._answered) as batches,
            ThreadPoolExecutor(1, thread_name_prefix="import-batch") as writer,
        ):
            records = read_records(lines, first_row=job.row, delimiter=header.delimiter)
            for batch in batches_of(records, BATCH_ROWS):
                checked = check_batch(batch, header, duplicates, allowed)
                checked = self._build_ahead(checked, batches)
                if writing is not None:
                    writing.result()  # the batch before is written and checkpointed
                    if self.remaining_ms() < STOP_MARGIN_MS:
                        return False
                self._under_way = Future()
                writing = writer.submit(self._write_batch, checked, batches, mailer)
                # Parsing the next batch waits for this one's first answer: both need the
                # GIL, and until then the pool is still filling (the server idle).
                wait([writing, self._under_way], return_when=FIRST_COMPLETED)
            if writing is not None:
                writing.result()
        job.status = "reporting"
        self._save()
        return True

    def _answered(self) -> None:
        """The batch being written has its first transaction answered (worker thread)."""
        if not self._under_way.done():
            self._under_way.set_result(None)

    def _welcome_mailer(self) -> WelcomeMailer | None:
        if not self.job.send_welcome or self.job.dry_run:
            return None
        return WelcomeMailer(
            aws.client("ses"),
            self.uploader.sender,
            self.settings.welcome_emails_per_second,
            with_password=self.job.password_hash is not None,
            sign_in_url=sign_in_url(self.settings.public_base_url),
        )

    def _guess_new(self, rows: list[UserRow], batches: AccountBatches) -> bool:
        """Whether the first batch is written as new accounts: when its first
        ``SAMPLE_ROWS`` rows' emails and issuedIDs are nearly all free (one look-up
        request instead of the whole batch's). Wrong either way costs time, not
        correctness: the claims' conditions refuse a row already held."""
        sample = rows[:SAMPLE_ROWS]
        if not sample:
            return False
        found = batches.lookup(sample)
        held = {row.row for row in sample if row.email in found.accounts_by_email}
        held |= {row.row for row in sample
                 if (row.school_id, row.issued_id) in found.issued_holders}  # fmt: skip
        return len(held) <= (1 - NEW_SHARE) * len(sample)

    def _build_ahead(self, checked: CheckedBatch, batches: AccountBatches) -> CheckedBatch:
        """The batch written as new accounts, built while the batch before is being written,
        when the last batch known to be written was mostly creations (a guess: the worker
        sends these only if the batch just before this one was too, else drops them)."""
        if self.job.dry_run or not checked.valid:
            return checked
        if self._expect_new is None:
            self._expect_new = self._guess_new(checked.valid, batches)
        if not self._expect_new:
            return checked
        creates = self._creates(checked.valid)
        return replace(checked, ahead=(creates, list(batches.transactions(creates))))

    def _creates(self, rows: list[UserRow]) -> list[Create]:
        allowed = self.uploader.schools
        password_hash = self.job.password_hash
        return [plan_create(row, allowed[row.school_id].org_id, password_hash) for row in rows]

    def _write_batch(
        self, checked: CheckedBatch, batches: AccountBatches, mailer: WelcomeMailer | None
    ) -> None:
        job = self.job
        failures = list(checked.failures)
        plans = self._plan_and_write(checked.valid, checked.ahead, batches)
        failures += [p for p in plans if isinstance(p, RowFailure)]
        if failures:
            self.jobs.put_failures(job, failures)
        for plan in plans:
            job.counts[outcome_of(plan)] += 1
        job.counts["failed"] += len(checked.failures)
        if mailer is not None:  # a replayed batch's creations too: at least once
            for plan in plans:
                if isinstance(plan, Create):
                    mailer.send(plan.row.email, plan.row.first_name, plan.account.username)
                elif isinstance(plan, AlreadyApplied) and plan.outcome == "created":
                    mailer.send(plan.row.email, plan.row.first_name, plan.username)
        job.offset, job.row, job.line = checked.end, checked.next_row, checked.next_line
        self._save()

    def _plan_and_write(
        self, valid: list[UserRow], ahead: Ahead | None, batches: AccountBatches
    ) -> list[Plan]:
        """Each row's outcome, written (unless a dry run).

        Most rows of a first upload are new. While the previous batch was mostly
        creations (for the first batch: while its sample's claims were nearly all
        free, ``_guess_new``), a batch skips the look-ups and writes every row as a new account
        at once: the claims' conditions refuse any row whose email or issuedID is
        already held, and only those rows are looked up and planned the usual way.
        """
        if not valid:
            return []
        decided: dict[int, Plan] = {}
        rest = valid
        if self._expect_new and not self.job.dry_run:
            decided, rest = self._write_as_new(valid, ahead, batches)
        if rest:
            decided.update((row_number(p), p) for p in self._plan_looked_up(rest, batches))
        created = sum(isinstance(p, Create) for p in decided.values())
        self._expect_new = created >= NEW_SHARE * len(valid)
        return [decided[row.row] for row in valid]

    def _write_as_new(
        self, valid: list[UserRow], ahead: Ahead | None, batches: AccountBatches
    ) -> tuple[dict[int, Plan], list[UserRow]]:
        """Every row written as a new account, unlooked-up (built ahead, or now): the rows
        so created, and the rows whose claims refused it (email or issuedID already held)."""
        if ahead is None:
            creates = self._creates(valid)
            refused = batches.apply(creates)
        else:
            creates, transactions = ahead
            refused = batches.send(transactions)
        decided: dict[int, Plan] = {p.row.row: p for p in creates if p.row.row not in refused}
        return decided, [row for row in valid if row.row in refused]

    def _plan_looked_up(self, rows: list[UserRow], batches: AccountBatches) -> list[Plan]:
        """The rows planned against the accounts the table holds, written unless a dry run."""
        job = self.job
        allowed = self.uploader.schools
        lookups = batches.lookup(rows)
        plans = [plan_row(row, lookups, allowed, job.upload.job_id, job.password_hash)
                 for row in rows]  # fmt: skip
        if not job.dry_run:
            written = batches.apply(plans)  # the rows that failed while writing
            plans = [written.get(row_number(p), p) for p in plans]
        return plans

    # ---------------------------------------------------------------- report
    def report(self) -> None:
        job = self.job
        uploader = self.uploader
        header = Header.from_state(job.header) if job.header else None
        summary = ReportSummary(
            file=job.upload.shown_name,
            status="file_error" if job.file_errors else "completed",
            dry_run=job.dry_run,
            counts=dict(job.counts),
            file_errors=job.file_errors,
            ignored_columns=header.ignored if header else [],
        )
        stem = f"reports/{job.upload.admin_id}/{job.upload.report_stem}.{timestamp(job.started_at)}"
        failures = [] if job.file_errors else self.jobs.failures(job)
        publish_report(job.upload.bucket, stem, summary, header.cells if header else None, failures)
        if uploader.email:
            send_report_email(aws.client("ses"), aws.client("s3"), job.upload.bucket, summary,
                              uploader.sender, uploader.email)  # fmt: skip
        else:
            logger.warning("uploader has no email; report not mailed", extra={"key": stem})
        head = self.source.head()
        if head is not None and "custom-password" in {k.lower() for k in head.metadata}:
            self.source.drop_password(head, job.upload.job_id)
        job.report_key = summary.json_key
        job.status = summary.status
        self._save()
        logger.info("import finished", extra={"report": stem, "counts": job.counts})
