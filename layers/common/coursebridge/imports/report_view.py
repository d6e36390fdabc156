"""A published report read back for the Admin Portal: its first row errors, exactly as
the import wrote them, and short-lived links to its files.

The report JSON can be large (one entry per failed row), so it is read as a stream
and only until ``limit`` row errors are in hand: memory and time stay flat whatever
the file's size. The errors CSV is never read by the web function: the browser
downloads it from S3 through a presigned GET (5 minutes, as an attachment).
"""

from __future__ import annotations

import codecs
import json
from collections.abc import Iterable
from dataclasses import dataclass
from urllib.parse import quote

from coursebridge import aws

ROWS_SHOWN = 500
LINK_LIFETIME_SECONDS = 300
_CHUNK = 64 * 1024
_ERRORS_START = '"errors": ['  # report.py writes it once, outside any string


@dataclass(frozen=True)
class RowErrors:
    errors: list[dict]  # {"row", "field", "message"}, in row order
    more: bool  # the report has more than these


def first_row_errors(chunks: Iterable[bytes], limit: int = ROWS_SHOWN) -> RowErrors:
    """The first ``limit`` entries of a report's ``errors`` list, read from ``chunks``
    of its bytes only as far as needed."""
    decoder = codecs.getincrementaldecoder("utf-8")()
    parse = json.JSONDecoder().raw_decode
    text, at, started = "", 0, False
    errors: list[dict] = []
    for chunk in chunks:
        text += decoder.decode(chunk)
        if not started:
            found = text.find(_ERRORS_START)
            if found < 0:
                continue
            started, at = True, found + len(_ERRORS_START)
        while True:
            at = _skip_separators(text, at)
            if at < len(text) and text[at] == "]":
                return RowErrors(errors, more=False)
            try:
                entry, end = parse(text, at)
            except json.JSONDecodeError:
                break  # the entry goes on in the next chunk
            if len(errors) == limit:
                return RowErrors(errors, more=True)
            errors.append(entry)
            at = end
        text, at = text[at:], 0
    return RowErrors(errors, more=False)


def _skip_separators(text: str, at: int) -> int:
    while at < len(text) and text[at] in ", \r\n\t":
        at += 1
    return at


def errors_csv_key(report_key: str) -> str:
    return report_key.removesuffix(".json") + ".errors.csv"


def attachment(name: str) -> str:
    """``Content-Disposition`` for downloading a file called ``name`` (RFC 6266: an
    ASCII fallback and the UTF-8 name)."""
    fallback = "".join(c if " " <= c <= "~" and c not in '"\\' else "_" for c in name)
    return f"attachment; filename=\"{fallback}\"; filename*=UTF-8''{quote(name, safe='')}"


class ReportFiles:
    """A job's published report in the imports bucket."""

    def __init__(self, bucket: str) -> None:
        self.bucket = bucket

    def row_errors(self, report_key: str, limit: int = ROWS_SHOWN) -> RowErrors:
        body = aws.client("s3").get_object(Bucket=self.bucket, Key=report_key)["Body"]
        try:
            return first_row_errors(body.iter_chunks(_CHUNK), limit)
        finally:
            body.close()

    def download_url(self, key: str) -> str:
        """A 5-minute link that downloads ``key`` as an attachment under its own name."""
        return aws.s3_signer().generate_presigned_url(
            "get_object",
            Params={
                "Bucket": self.bucket,
                "Key": key,
                "ResponseContentDisposition": attachment(key.rsplit("/", 1)[-1]),
            },
            ExpiresIn=LINK_LIFETIME_SECONDS,
        )
