"""The Admin Portal's upload: a presigned POST that sends the file from the browser
straight to S3 (the web function never receives it).

The web function signs a POST policy that admits exactly one object, and nothing the
browser could change:

- the **key** ``uploads/<adminId>/<uploadId>/<file name>``: the signed-in admin's own
  prefix (from the session, never from the request) and a new folder per upload, so
  the page follows this upload's job and no other (history.py ``for_upload``);
- the **size**: 1 byte to ``IMPORT_MAX_BYTES`` (``content-length-range``);
- the **metadata**: exactly the options chosen (``send-welcome``, ``dry-run``,
  ``custom-password`` when one is set) and the upload ticket for that key and those
  options (ticket.py), so the importer runs the file as this admin. A POST policy
  must name every form field, so S3 refuses a form with a field added, dropped or
  changed;
- a lifetime of 15 minutes (the ticket's hour covers it: S3 stores the object before
  the ticket expires).

The policy is signed with the web function's own credentials, whose role may put
objects under ``uploads/`` only (template.yaml): whatever a policy said, it could not
write anywhere else.
"""

from __future__ import annotations

import re
import secrets
import time
import unicodedata
from dataclasses import dataclass
from typing import Any

from coursebridge import aws
from coursebridge.imports.options import PORTAL_FOLDER
from coursebridge.imports.report import timestamp
from coursebridge.imports.upload import upload_metadata
from coursebridge.settings import get_settings

POST_LIFETIME_SECONDS = 15 * 60
MAX_NAME_LENGTH = 120
MIN_PASSWORD, MAX_PASSWORD = 8, 128
_UNSAFE = re.compile(r"[^\w .()\-]")
_UPLOAD_PATH = re.compile(rf"^{PORTAL_FOLDER}/[^/]{{1,{MAX_NAME_LENGTH}}}$")


class UploadRefused(Exception):
    """The upload cannot be signed as asked: ``message`` says why, for the admin."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


@dataclass(frozen=True)
class BrowserUpload:
    """Where and how the browser posts the file: ``fields`` first, the file last."""

    url: str
    fields: dict[str, str]
    key: str

    @property
    def upload_path(self) -> str:
        """The key below the admin's prefix: ``<uploadId>/<file name>``."""
        return self.key.split("/", 2)[2]


def clean_file_name(name: str) -> str:
    """The file's own name (no folders), with characters other than letters, digits,
    spaces and ``. _ - ( )`` replaced by ``_``; at most ``MAX_NAME_LENGTH``, extension kept."""
    base = unicodedata.normalize("NFC", name.replace("\\", "/").rsplit("/", 1)[-1])
    cleaned = _UNSAFE.sub("_", base).strip(" .")
    if not cleaned or cleaned.strip("_") == "":
        raise UploadRefused("choose a CSV file to upload")
    if len(cleaned) > MAX_NAME_LENGTH:
        stem, dot, extension = cleaned.rpartition(".")
        keep = MAX_NAME_LENGTH - len(dot + extension)
        cleaned = stem[:keep] + dot + extension if dot and keep > 0 else cleaned[:MAX_NAME_LENGTH]
    return cleaned


def check_custom_password(password: str) -> None:
    """A first-login password the portal accepts: printable ASCII (S3 metadata), no
    surrounding spaces, ``MIN_PASSWORD``..``MAX_PASSWORD`` characters."""
    if not MIN_PASSWORD <= len(password) <= MAX_PASSWORD:
        raise UploadRefused(
            f"the custom password must be {MIN_PASSWORD} to {MAX_PASSWORD} characters long"
        )
    if password != password.strip() or not all(" " <= c <= "~" for c in password):
        raise UploadRefused(
            "the custom password may hold letters, digits, spaces and ASCII punctuation "
            "only, and no spaces at either end"
        )


def upload_key(admin_id: str, upload_path: str) -> str | None:
    """The object key of the admin's upload ``<uploadId>/<file name>``; None when
    ``upload_path`` is not one the portal makes."""
    return f"uploads/{admin_id}/{upload_path}" if _UPLOAD_PATH.match(upload_path) else None


def presigned_upload(
    admin_id: str,
    file_name: str,
    size: int,
    *,
    send_welcome: bool = False,
    dry_run: bool = False,
    custom_password: str | None = None,
    now: int | None = None,
) -> BrowserUpload:
    """The presigned POST of one upload by ``admin_id`` (see the module docstring)."""
    settings = get_settings()
    issued_at = int(time.time()) if now is None else now
    name = clean_file_name(file_name)
    limit = settings.import_max_bytes
    if size < 1:
        raise UploadRefused("the file is empty")
    if size > limit:
        raise UploadRefused(f"the file is over the limit of {limit / 1_000_000:g} MB")
    if custom_password is not None:
        check_custom_password(custom_password)
    key = f"uploads/{admin_id}/{timestamp(issued_at)}-{secrets.token_hex(4)}/{name}"
    metadata = upload_metadata(
        key,
        send_welcome=send_welcome,
        dry_run=dry_run,
        custom_password=custom_password,
        now=issued_at,
    )
    fields = {f"x-amz-meta-{meta}": value for meta, value in metadata.items()}
    fields |= {"Content-Type": "text/csv", "success_action_status": "201"}
    conditions: list[Any] = [["content-length-range", 1, limit]]
    conditions += [{field: value} for field, value in fields.items()]
    post = aws.s3_signer().generate_presigned_post(
        Bucket=settings.imports_bucket,
        Key=key,
        Fields=fields,
        Conditions=conditions,
        ExpiresIn=POST_LIFETIME_SECONDS,
    )
    return BrowserUpload(post["url"], dict(post["fields"]), key)


def upload_origin() -> str:
    """The origin the browser posts uploads to (for the page's ``connect-src``)."""
    url = aws.s3_signer().generate_presigned_post(
        Bucket=get_settings().imports_bucket, Key="uploads/origin", ExpiresIn=60
    )["url"]
    scheme, _, rest = url.partition("://")
    return f"{scheme}://{rest.split('/', 1)[0]}"
