"""The import report: ``reports/<admin>/<name>.<timestamp>.json`` and ``.errors.csv``.

Both are streamed through temporary files (memory flat even with many failed rows).
The errors CSV holds the failed rows exactly as uploaded plus an ``error`` column,
with cells a spreadsheet would run as a formula neutralised (``spreadsheet.neutralise``).
"""

from __future__ import annotations

import csv
import io
import json
import tempfile
import time
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import IO, Any

from coursebridge import aws
from coursebridge.imports.errors import RowError, RowFailure
from coursebridge.spreadsheet import neutralise

FIRST_ERRORS = 10
COUNTERS = ("created", "updated", "unchanged", "failed")


def timestamp(epoch: int) -> str:
    return time.strftime("%Y%m%dT%H%M%SZ", time.gmtime(epoch))


@dataclass
class ReportSummary:
    file: str
    status: str
    dry_run: bool
    counts: dict[str, int]
    file_errors: list[dict]
    ignored_columns: list[str]
    first_errors: list[RowError] = field(default_factory=list)
    json_key: str = ""
    csv_key: str = ""
    csv_size: int = 0


def _json_head(summary: ReportSummary) -> dict:
    return {
        "file": summary.file,
        "status": summary.status,
        "dryRun": summary.dry_run,
        **{name: summary.counts.get(name, 0) for name in COUNTERS},
    }


def _padded(cells: list[str], width: int) -> list[str]:
    """A row that stops short of the header gets empty cells up to it, so that its error
    still sits in the ``error`` column."""
    return cells + [""] * (width - len(cells))


def write_report(
    summary: ReportSummary,
    header_cells: list[str] | None,
    failures: Iterable[RowFailure],
    json_out: IO[str],
    csv_out: IO[str],
) -> None:
    """Stream both documents; fills ``summary.first_errors``."""
    header = header_cells or []
    writer = csv.writer(csv_out, lineterminator="\r\n")
    json_out.write(json.dumps(_json_head(summary))[:-1] + ', "errors": [')
    if summary.file_errors:
        writer.writerow(["error"])
        for file_error in summary.file_errors:
            writer.writerow([neutralise(str(file_error["message"]))])
    else:
        writer.writerow([neutralise(c) for c in header] + ["error"])
    first = True
    for failure in failures:
        messages = []
        for error in failure.errors:
            json_out.write(("" if first else ", ") + json.dumps(error.as_dict()))
            first = False
            messages.append(error.message)
            if len(summary.first_errors) < FIRST_ERRORS:
                summary.first_errors.append(error)
        writer.writerow(
            [neutralise(c) for c in _padded(failure.cells, len(header))] + ["; ".join(messages)]
        )
    json_out.write(
        '], "fileErrors": '
        + json.dumps(summary.file_errors, default=int)
        + ', "ignoredColumns": '
        + json.dumps(summary.ignored_columns)
        + "}"
    )


def publish_report(
    bucket: str,
    stem: str,
    summary: ReportSummary,
    header_cells: list[str] | None,
    failures: Iterable[RowFailure],
) -> None:
    """Write both files to S3 under ``stem`` (``reports/<admin>/<name>.<timestamp>``)."""
    s3 = aws.client("s3")
    summary.json_key = f"{stem}.json"
    summary.csv_key = f"{stem}.errors.csv"
    with (
        tempfile.TemporaryFile("w+", encoding="utf-8") as json_file,
        tempfile.TemporaryFile("w+", encoding="utf-8-sig", newline="") as csv_file,
    ):
        write_report(summary, header_cells, failures, json_file, csv_file)
        for handle, key, content_type in (
            (json_file, summary.json_key, "application/json"),
            (csv_file, summary.csv_key, "text/csv; charset=utf-8"),
        ):
            handle.flush()
            raw: Any = handle.buffer  # the binary file under the text one
            raw.seek(0, io.SEEK_END)
            if handle is csv_file:
                summary.csv_size = raw.tell()
            raw.seek(0)
            s3.upload_fileobj(raw, bucket, key, ExtraArgs={"ContentType": content_type})
