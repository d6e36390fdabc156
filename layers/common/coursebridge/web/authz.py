"""Who may do what (SPEC §7). Every route calls one of these before touching data.

Rules: no valid session → 401; unknown class/unit → 404; otherwise the caller must be
a member of the class *in the database* (a teacher of class A has no rights in
class B) with the role the route needs: teachers (``write=True`` excludes mentors)
or students. The session's role must agree too, so a student launch never acts as
a teacher even where the same person also teaches.
"""

from __future__ import annotations

import re

from coursebridge.sessions import Session, session_from_event
from coursebridge.store.classes import ClassRecord, ClassStore, UnitRecord
from coursebridge.store.members import Member, MemberStore
from coursebridge.web.errors import BadRequest, Forbidden, HttpProblem, NotFound, NotSignedIn

__all__ = [
    "BadRequest",
    "Forbidden",
    "HttpProblem",
    "NotFound",
    "NotSignedIn",
    "require_class",
    "require_member",
    "require_session",
    "require_student",
    "require_teacher",
    "require_unit",
    "require_valid_id",
]

# Our ids (cls_/unt_/acc_ + hex) — anything else is unknown, and never reaches DynamoDB
# (an over-long key would be a ValidationException, i.e. a 500).
_ID = re.compile(r"^[A-Za-z0-9_.:-]{1,128}$")


def require_valid_id(value: str, what: str) -> str:
    if not _ID.match(value):
        raise NotFound(f"no {what} {value[:40]!r}")
    return value


_UNSAFE_METHODS = {"POST", "PUT", "PATCH", "DELETE"}


def require_session(event: dict) -> Session:
    session = session_from_event(event)
    if session is None:
        raise NotSignedIn("your session is missing or expired: launch the activity again")
    _refuse_cross_site_cookie_write(event)
    return session


def _refuse_cross_site_cookie_write(event: dict) -> None:
    """CSRF: the session cookie is SameSite=None (it must work in the LMS iframe), so a
    change authorised by the cookie alone must be a request another site cannot forge
    without a CORS preflight: JSON. The pages send ``Authorization: Bearer``."""
    method = event.get("requestContext", {}).get("http", {}).get("method", "GET").upper()
    if method not in _UNSAFE_METHODS:
        return
    headers = event.get("headers") or {}
    if headers.get("authorization", "").lower().startswith("bearer "):
        return
    content_type = headers.get("content-type", "").split(";")[0].strip().lower()
    if content_type != "application/json":
        raise Forbidden(
            "changes need the session as 'Authorization: Bearer <token>' or a JSON request"
        )


def require_class(session: Session, class_id: str) -> ClassRecord:
    require_valid_id(class_id, "class")
    found = ClassStore().get_class(class_id)
    if found is None:
        raise NotFound(f"no class {class_id}")
    if found.org_id != session.org_id:
        raise Forbidden("this class belongs to another organization")
    return found


def require_unit(class_id: str, unit_id: str) -> UnitRecord:
    require_valid_id(unit_id, "unit")
    unit = ClassStore().get_unit(unit_id)
    if unit is None or unit.class_id != class_id:
        raise NotFound(f"no unit {unit_id} in class {class_id}")
    return unit


def require_member(session: Session, class_id: str) -> Member:
    require_class(session, class_id)
    member = MemberStore().get(class_id, session.account_id)
    if member is None:
        raise Forbidden("you are not a member of this class")
    return member


def require_teacher(session: Session, class_id: str, write: bool = True) -> Member:
    """The caller teaches ``class_id``; ``write`` also excludes mentors (read-only)."""
    member = require_member(session, class_id)
    if session.role != "TEACHER" or member.role != "TEACHER":
        raise Forbidden("only teachers of this class may do this")
    if write and (session.read_only or member.read_only):
        raise Forbidden("mentors have read-only access")
    return member


def require_student(session: Session, class_id: str) -> Member:
    member = require_member(session, class_id)
    if session.role != "STUDENT" or member.role != "STUDENT":
        raise Forbidden("only students of this class have a grade here")
    return member
