"""The import summary email to the uploading admin (SES raw email, errors CSV attached)."""

from __future__ import annotations

from email.message import EmailMessage
from typing import Any

from coursebridge.imports.report import ReportSummary

MAX_ATTACHMENT_BYTES = 5 * 1024 * 1024  # larger errors files are linked instead


def build_report_email(
    summary: ReportSummary,
    sender: str,
    recipient: str,
    attachment: bytes | None,
    link: str | None = None,
) -> EmailMessage:
    counts = summary.counts
    title = "Dry run of" if summary.dry_run else "Import of"
    message = EmailMessage()
    message["From"] = sender
    message["To"] = recipient
    message["Subject"] = f"{title} {summary.file}: " + (
        "file rejected" if summary.status == "file_error" else f"{counts['failed']} row errors"
    )
    lines = [f"{title} {summary.file}", ""]
    if summary.status == "file_error":
        lines.append("The file was not imported; nothing was changed:")
        lines += [f"  - {error['message']}" for error in summary.file_errors]
    else:
        lines += _outcome_lines(summary)
    if link:
        lines += ["", f"Errors file (link valid 7 days): {link}"]
    lines += ["", f"Full report: {summary.json_key}"]
    message.set_content("\n".join(lines))
    if attachment is not None:
        name = summary.csv_key.rsplit("/", 1)[-1]
        message.add_attachment(attachment, maintype="text", subtype="csv", filename=name)
    return message


def _outcome_lines(summary: ReportSummary) -> list[str]:
    """The counts of an imported file, its ignored columns and its first errors."""
    counts = summary.counts
    verb = "would be" if summary.dry_run else "were"
    lines = [
        f"Created:   {counts['created']}",
        f"Updated:   {counts['updated']}",
        f"Unchanged: {counts['unchanged']}",
        f"Failed:    {counts['failed']}",
        "",
        f"Accounts {verb} created or updated as counted above.",
    ]
    if summary.ignored_columns:
        lines.append("Ignored columns: " + ", ".join(summary.ignored_columns))
    if summary.first_errors:
        lines += ["", "First errors:"]
        lines += [f"  Row {e.row}: {e.message}" for e in summary.first_errors]
    if counts["failed"]:
        lines += ["", "The failed rows are in the attached errors file with an error column:",
                  "correct them and upload that file again."]  # fmt: skip
    return lines


def send_report_email(
    ses: Any,
    s3: Any,
    bucket: str,
    summary: ReportSummary,
    sender: str,
    recipient: str,
) -> None:
    attachment: bytes | None = None
    link: str | None = None
    if summary.csv_size <= MAX_ATTACHMENT_BYTES:
        attachment = s3.get_object(Bucket=bucket, Key=summary.csv_key)["Body"].read()
    else:
        link = s3.generate_presigned_url(
            "get_object", Params={"Bucket": bucket, "Key": summary.csv_key}, ExpiresIn=7 * 86400
        )
    message = build_report_email(summary, sender, recipient, attachment, link)
    ses.send_raw_email(
        Source=sender, Destinations=[recipient], RawMessage={"Data": message.as_bytes()}
    )
