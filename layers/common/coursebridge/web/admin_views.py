"""What the Admin Portal's pages show of an import job, and the portal's shared page
shape (its navigation, the organization it acts on).

One job → one ``ImportView`` for the history, the report page, the live results and
the status JSON the Create Users page polls, so they never disagree.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Any

from aws_lambda_powertools.event_handler import Response

from coursebridge.imports.jobs import FINISHED, Job
from coursebridge.imports.parse import Header
from coursebridge.store.orgs import Org, OrgStore
from coursebridge.web.admin_routes import ADMIN
from coursebridge.web.http import page
from coursebridge.web.signed_in import SchoolAdmin

STATUS_LABELS = {
    "waiting": "Waiting for the file to arrive",
    "scanning": "Checking the file",
    "importing": "Importing",
    "reporting": "Writing the report",
    "completed": "Completed",
    "file_error": "File rejected: nothing imported",
    "rejected": "Refused: nothing imported",
}


def when(epoch: int) -> str:
    return time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime(epoch))


@dataclass(frozen=True)
class ImportView:
    ref: str
    file_name: str
    started: str
    status: str
    label: str
    dry_run: bool
    finished: bool
    counts: dict[str, int]
    rows_total: int
    file_errors: list[dict] = field(default_factory=list)
    ignored_columns: list[str] = field(default_factory=list)
    rejection: str | None = None
    has_report: bool = False

    @property
    def url(self) -> str:
        return f"{ADMIN}/imports/{self.ref}"

    @property
    def rows_done(self) -> int:
        return sum(self.counts.values())


def import_view(job: Job) -> ImportView:
    header = Header.from_state(job.header) if job.header else None
    return ImportView(
        ref=job.ref,
        file_name=job.upload.shown_name,
        started=when(job.started_at),
        status=job.status,
        label=STATUS_LABELS.get(job.status, job.status),
        dry_run=job.dry_run,
        finished=job.status in FINISHED,
        counts=dict(job.counts),
        rows_total=job.rows_total,
        file_errors=list(job.file_errors),
        ignored_columns=header.ignored if header else [],
        rejection=(job.rejection or {}).get("message"),
        has_report=bool(job.report_key),
    )


def status_json(job: Job | None) -> dict[str, Any]:
    """The Create Users page's progress: what the importer is doing, the rows so far,
    and where the results are once it is done."""
    if job is None:
        return {"status": "waiting", "label": STATUS_LABELS["waiting"], "finished": False}
    view = import_view(job)
    answer: dict[str, Any] = {
        "status": view.status,
        "label": view.label,
        "finished": view.finished,
        "dryRun": view.dry_run,
        "rowsTotal": view.rows_total,
        "rowsDone": view.rows_done,
        "counts": view.counts,
    }
    if view.rejection:
        answer["message"] = view.rejection
    if view.finished and job.status != "rejected":
        answer["reportUrl"] = view.url
        answer["resultsUrl"] = f"{view.url}/results"
    return answer


def admin_page(
    admin: SchoolAdmin,
    template: str,
    *,
    status: int = 200,
    org: Org | None = None,
    connect_targets: tuple[str, ...] = (),
    **context: Any,
) -> Response:
    """A portal page: the organization, the admin's schools and the navigation."""
    org = org or OrgStore().get(admin.org_id)
    return page(
        status,
        template,
        connect_targets=connect_targets,
        org=org,
        **portal_context(admin, org),
        **context,
    )


def portal_context(admin: SchoolAdmin, org: Org | None) -> dict[str, Any]:
    return {
        "org_name": org.name if org else admin.org_id,
        "admin_name": admin.account.name or admin.account.email or admin.account.account_id,
        "admin_schools": sorted(admin.schools),
    }
