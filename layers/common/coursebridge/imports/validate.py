"""One record → a valid user row or the row's errors (pure: no AWS).

Checks that need the whole file (duplicates) are in ``duplicates``; checks that need
the database (issuedID held by someone else) are in ``plan``. Names, emails and
issuedIDs follow the same rules as an LMS launch's (accounts/profile.py): a value
those rules would have to change (control characters, too long, not one valid email
address) is a row error, and what is stored is the cleaned value.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Collection
from dataclasses import dataclass

from coursebridge.accounts.profile import MAX_NAME, clean_email, clean_text
from coursebridge.imports.errors import RowError, RowFailure
from coursebridge.imports.parse import REQUIRED, Header, Record

MAX_ISSUED_ID = 64


@dataclass(frozen=True)
class UserRow:
    row: int
    first_name: str
    last_name: str
    email: str  # lower-case: emails are unique case-insensitively
    is_teacher: bool
    issued_id: str
    school_id: str
    cells: list[str]


def cell(record: Record, header: Header, name: str) -> str:
    position = header.index[name]
    return record.cells[position].strip() if position < len(record.cells) else ""


def email_key(record: Record, header: Header) -> str:
    """The email as compared for duplicates (case-insensitive)."""
    return cell(record, header, "email").lower()


def _has_control_characters(value: str) -> bool:
    if value.isprintable():  # the common case: no control (nor other unprintable) character
        return False
    return any(unicodedata.category(char) == "Cc" for char in value)


def _width_errors(record: Record, header: Header) -> list[RowError]:
    """A row with non-empty cells past the header's last column, or one that stops before
    a required column, is misaligned (an unquoted delimiter, a lost one). A row that only
    leaves out trailing columns the import ignores, as some exports write an empty last
    column, is read as if they were empty."""
    width = len(header.cells)
    given = len(record.cells)
    stops_short = given < width and any(p >= given for p in header.index.values())
    if stops_short or any(value.strip() for value in record.cells[width:]):
        return [RowError(record.row, "", f"Row has {given} fields but the header has {width}")]
    return []


def _text_errors(row: int, field: str, value: str, limit: int) -> list[RowError]:
    if len(value) > limit:
        return [RowError(row, field, f"{field} is longer than {limit} characters")]
    if _has_control_characters(value):
        return [RowError(row, field, f"{field} contains control characters")]
    return []


def _add_value_errors(
    errors: list[RowError],
    row: int,
    values: dict[str, str],
    email: str | None,
    allowed_schools: Collection[str],
) -> None:
    """Append the errors of the values given (a missing value has its own error)."""
    for name, limit in (("firstName", MAX_NAME), ("lastName", MAX_NAME)):
        errors += _text_errors(row, name, values[name], limit)
    if values["email"] and email is None:
        errors.append(RowError(row, "email", "Validation isEmail on email failed"))
    if values["isTeacher"] and values["isTeacher"] not in ("0", "1"):
        errors.append(RowError(row, "isTeacher", "isTeacher must be 0 or 1"))
    if values["issuedID"]:
        errors += _text_errors(row, "issuedID", values["issuedID"], MAX_ISSUED_ID)
    school = values["schoolID"]
    if school and school not in allowed_schools:
        errors.append(RowError(row, "schoolID", "Unauthorized school"))


def validate_record(
    record: Record, header: Header, allowed_schools: Collection[str]
) -> UserRow | RowFailure:
    """``allowed_schools``: schools that exist and the uploader administers."""
    row = record.row
    errors = _width_errors(record, header)
    values = {name: cell(record, header, name) for name in REQUIRED}
    for name in REQUIRED:
        if not values[name]:
            errors.append(RowError(row, name, f"Missing value for {name}"))
    email = clean_email(values["email"]) if values["email"] else ""
    _add_value_errors(errors, row, values, email, allowed_schools)
    if errors:
        return RowFailure(row=row, cells=record.cells, errors=errors)
    return UserRow(
        row=row,
        first_name=clean_text(values["firstName"], MAX_NAME),
        last_name=clean_text(values["lastName"], MAX_NAME),
        email=email or "",
        is_teacher=values["isTeacher"] == "1",
        issued_id=clean_text(values["issuedID"], MAX_ISSUED_ID),
        school_id=values["schoolID"],
        cells=record.cells,
    )
