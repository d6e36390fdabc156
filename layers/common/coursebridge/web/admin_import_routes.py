"""Import history and reports (/app/admin/imports): a school admin's own uploads.

Each job is named by its reference (``<startedAt>-<jobId>``) and found in the asking
admin's own history partition only (imports/history.py): another admin's reference,
another organization's included, is answered like one that does not exist (404),
before anything of that job is read. The report's row errors are read from the
published report itself (imports/report_view.py); its files are downloaded from S3
through a 5-minute presigned link that this route hands out after the same check.
Like every portal route, these import the portal's modules on first use.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from aws_lambda_powertools.event_handler import Response
from aws_lambda_powertools.event_handler.router import APIGatewayHttpRouter

from coursebridge.settings import get_settings
from coursebridge.web.admin_routes import ADMIN
from coursebridge.web.errors import NotFound
from coursebridge.web.http import page, see_other
from coursebridge.web.signed_in import SchoolAdmin, require_school_admin

if TYPE_CHECKING:
    from coursebridge.imports.jobs import Job
    from coursebridge.imports.report_view import RowErrors

router = APIGatewayHttpRouter()
IMPORTS = f"{ADMIN}/imports"
NO_SUCH_IMPORT = "no such import among your uploads"


def _admin() -> SchoolAdmin:
    return require_school_admin(router.current_event.raw_event)


def _own_job(admin: SchoolAdmin, ref: str) -> Job:
    from coursebridge.imports.history import ImportHistory

    job = ImportHistory().find(admin.account.account_id, ref)
    if job is None:
        raise NotFound(NO_SUCH_IMPORT)
    return job


def _row_errors(job: Job) -> RowErrors:
    from coursebridge.imports.report_view import ReportFiles, RowErrors

    if not job.report_key or not job.counts["failed"]:
        return RowErrors([], more=False)
    return ReportFiles(get_settings().imports_bucket).row_errors(job.report_key)


@router.get(IMPORTS)
def history() -> Response:
    from coursebridge.imports.history import ImportHistory
    from coursebridge.web.admin_views import admin_page, import_view

    admin = _admin()
    older = router.current_event.get_query_string_value("older", "") or None
    found = ImportHistory().page(admin.account.account_id, older_than=older)
    return admin_page(
        admin,
        "admin_imports.html",
        imports=[import_view(job) for job in found.jobs],
        older=found.older,
        first_page=older is None,
    )


@router.get(f"{IMPORTS}/<ref>")
def report_page(ref: str) -> Response:
    from coursebridge.web.admin_views import admin_page, import_view

    admin = _admin()
    job = _own_job(admin, ref)
    return admin_page(admin, "admin_import.html", job=import_view(job), rows=_row_errors(job))


@router.get(f"{IMPORTS}/<ref>/results")
def results_fragment(ref: str) -> Response:
    """The results section alone, for the Create Users page to show in place."""
    from coursebridge.web.admin_views import import_view

    admin = _admin()
    job = _own_job(admin, ref)
    return page(200, "admin_results.html", job=import_view(job), rows=_row_errors(job))


def _download(ref: str, which: str) -> Response:
    from coursebridge.imports.report_view import ReportFiles, errors_csv_key

    admin = _admin()
    job = _own_job(admin, ref)
    if not job.report_key:
        raise NotFound("this import has no report yet")
    key = errors_csv_key(job.report_key) if which == "csv" else job.report_key
    return see_other(ReportFiles(get_settings().imports_bucket).download_url(key))


@router.get(f"{IMPORTS}/<ref>/errors.csv")
def errors_csv(ref: str) -> Response:
    """The failed rows as uploaded plus an ``error`` column: correct them, upload again."""
    return _download(ref, "csv")


@router.get(f"{IMPORTS}/<ref>/report.json")
def report_json(ref: str) -> Response:
    return _download(ref, "json")
