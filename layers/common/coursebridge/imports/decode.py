"""Bytes → text lines, incrementally, with the byte offset where each line ends.

The encoding is taken from the byte-order mark (UTF-8 with or without BOM, UTF-16
LE/BE with BOM). Lines end with LF (CRLF included), or with a bare CR where the whole
file uses those (Excel for Mac's "CSV (Macintosh)"), which the first line's end shows.
Lines are split on the encoded line break before decoding, so every line ends on a
character boundary and its end offset is a safe place to resume (an S3 ranged GET
from that offset continues the file exactly).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass

from coursebridge.imports.errors import FileError

MAX_LINE_BYTES = 1024 * 1024

_BOMS = (
    (b"\xef\xbb\xbf", "utf-8"),
    (b"\xff\xfe", "utf-16-le"),
    (b"\xfe\xff", "utf-16-be"),
)
LF, CR = "\n", "\r"
_NOT_TEXT = (
    (b"PK\x03\x04", "an Excel workbook or ZIP archive"),
    (b"\xd0\xcf\x11\xe0", "an old Excel (.xls) workbook"),
    (b"%PDF", "a PDF document"),
)


@dataclass(frozen=True)
class Line:
    text: str
    number: int  # physical line number, 1-based
    end: int  # byte offset just after this line in the object


def sniff_encoding(head: bytes) -> tuple[str, int]:
    """(encoding, bytes of BOM to skip) from the first bytes of the file."""
    for magic, what in _NOT_TEXT:
        if head.startswith(magic):
            raise FileError("not_csv", f"This is {what}, not a CSV file: save it as CSV (UTF-8).")
    for bom, encoding in _BOMS:
        if head.startswith(bom):
            return encoding, len(bom)
    return "utf-8", 0


def sniff_newline(head: bytes, encoding: str) -> str | None:
    """``CR`` when the first line of ``head`` ends with a CR not followed by LF, ``LF`` when
    it ends with LF (or CRLF); None while ``head`` shows neither end yet."""
    head = head[: MAX_LINE_BYTES + 4]
    usable = len(head) - len(head) % 2 if encoding != "utf-8" else len(head)
    text = head[:usable].decode(encoding, errors="replace")
    lf, cr = text.find(LF), text.find(CR)
    if cr >= 0 and (lf < 0 or cr < lf) and cr + 1 < len(text):
        return LF if text[cr + 1] == LF else CR
    return LF if lf >= 0 else None


def _split(chunks: Iterable[bytes], newline: bytes, start: int) -> Iterator[tuple[bytes, int]]:
    """Yield (line bytes including newline, end offset). ``start`` is the offset of the
    first byte of ``chunks``; it is always on a line (and character) boundary."""
    buffer = b""
    offset = start  # offset of buffer[0]
    width = len(newline)
    for chunk in chunks:
        buffer += chunk
        begin = search = 0  # the buffer is cut once per chunk, not once per line
        while True:
            found = buffer.find(newline, search)
            if found < 0:
                break
            if (found - begin) % width:  # UTF-16: a newline starts on a character boundary
                search = found + 1
                continue
            end = found + width
            yield buffer[begin:end], offset + end
            begin = search = end
        buffer = buffer[begin:]
        offset += begin
        if len(buffer) > MAX_LINE_BYTES:
            raise FileError("line_too_long", "A line is longer than 1 MB: this is not a CSV file.")
    if buffer:
        yield buffer, offset + len(buffer)


def decode_lines(
    chunks: Iterable[bytes], encoding: str, start: int, first_line: int = 1, newline: str = LF
) -> Iterator[Line]:
    """Text lines (line break kept, which the csv module needs for quoted line breaks)."""
    number = first_line
    for raw, end in _split(chunks, newline.encode(encoding), start):
        try:
            text = raw.decode(encoding)
        except UnicodeDecodeError as error:
            label = "UTF-8" if encoding == "utf-8" else "UTF-16"
            raise FileError(
                "undecodable",
                f"Line {number} contains bytes that are not valid {label} "
                f"(byte {error.start + 1} of the line): save the file as CSV UTF-8.",
                line=number,
            ) from None
        yield Line(text, number, end)
        number += 1
