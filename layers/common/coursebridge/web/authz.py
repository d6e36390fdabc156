"""Who may do what. Every route under /api/classes and /app/classes calls one of
``require_teacher``, ``require_student`` or ``require_member`` before touching data.

Rules, in this order:

1. No valid session → 401; a malformed id → 404 (it never reaches DynamoDB).
2. A session acts only where it was launched: the route's class must be the
   session's class, and its unit the session's unit. A Deep Linking launch has no
   unit: its session opens only its class's picker (``unit_id=None``), and an
   activity's session never opens the picker. Anything else → 403, decided from the
   session alone, before anything of another class is read or written.
3. The class and unit must exist (404) and belong to the session's organization.
4. The caller must be a member of the class *in the database*, confirmed by a launch
   within ``membership_max_age_days`` (store/members.py, ``Member.is_current``), with
   the role the route needs: teachers (``write=True`` excludes mentors) or students.
   The membership decides read-only and a mentor's mentees; the session's role must
   agree and its read-only flag can only narrow, so a student launch never acts as a
   teacher even where the same person also teaches.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from coursebridge.accounts.roles import is_full_teacher, roster_scope
from coursebridge.sessions import Session, bearer_token, session_from_event
from coursebridge.store.classes import ClassRecord, ClassStore, UnitRecord
from coursebridge.store.members import Member, MemberStore
from coursebridge.web.errors import BadRequest, Forbidden, HttpProblem, NotFound, NotSignedIn

__all__ = [
    "Access",
    "BadRequest",
    "Forbidden",
    "HttpProblem",
    "NotFound",
    "NotSignedIn",
    "require_class_teacher",
    "require_member",
    "require_session",
    "require_student",
    "require_teacher",
    "require_valid_id",
]

# Our ids (cls_/unt_/acc_ + hex) — anything else is unknown, and never reaches DynamoDB
# (an over-long key would be a ValidationException, i.e. a 500).
_ID = re.compile(r"^[A-Za-z0-9_.:-]{1,128}$")

OTHER_COURSE = "this session was opened from another course: open this one from your LMS"
OTHER_ACTIVITY = "this session was opened from another activity: open this one from your LMS"
PICKER_ONLY = (
    "this session was opened to add an activity to your course: "
    "open the activity itself from your LMS"
)
NOT_A_PICKER = (
    "the activity picker opens only from your LMS's Deep Linking (add content) window: "
    "start it there"
)


@dataclass(frozen=True)
class Access:
    """What the checks found: the caller's membership, its class, and the unit (if any)."""

    member: Member
    cls: ClassRecord
    found_unit: UnitRecord | None
    read_only: bool

    @property
    def unit(self) -> UnitRecord:
        """The route's unit (routes with a {unitId})."""
        if self.found_unit is None:
            raise LookupError("a class page has no unit")
        return self.found_unit

    @property
    def scoped(self) -> bool:
        """A mentor limited to some students."""
        return roster_scope(self.read_only, self.member.mentee_subs) is not None


def require_valid_id(value: str, what: str) -> str:
    if not _ID.fullmatch(value):
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
    if bearer_token(event):
        return
    headers = event.get("headers") or {}
    content_type = headers.get("content-type", "").split(";")[0].strip().lower()
    if content_type != "application/json":
        raise Forbidden(
            "changes need the session as 'Authorization: Bearer <token>' or a JSON request"
        )


def _require_launched_here(session: Session, class_id: str, unit_id: str | None) -> None:
    """Rule 2: from the session alone, no read."""
    if session.class_id is None or class_id != session.class_id:
        raise Forbidden(OTHER_COURSE)
    if unit_id is None:
        if session.unit_id is not None:
            raise Forbidden(NOT_A_PICKER)
        return
    if session.unit_id is None:
        raise Forbidden(PICKER_ONLY)
    if unit_id != session.unit_id:
        raise Forbidden(OTHER_ACTIVITY)


def _class(session: Session, class_id: str) -> ClassRecord:
    found = ClassStore().get_class(class_id)
    if found is None:
        raise NotFound(f"no class {class_id}")
    if found.org_id != session.org_id:
        raise Forbidden("this class belongs to another organization")
    return found


def _unit(class_id: str, unit_id: str) -> UnitRecord:
    unit = ClassStore().get_unit(unit_id)
    if unit is None or unit.class_id != class_id:
        raise NotFound(f"no unit {unit_id} in class {class_id}")
    return unit


def require_member(session: Session, class_id: str, unit_id: str | None) -> Access:
    """The caller's current membership of the class the session was launched into.

    ``unit_id``: the route's unit; None for a class page (the Deep Linking picker).
    """
    require_valid_id(class_id, "class")
    if unit_id is not None:
        require_valid_id(unit_id, "unit")
    _require_launched_here(session, class_id, unit_id)
    cls = _class(session, class_id)
    unit = _unit(class_id, unit_id) if unit_id is not None else None
    member = _current_member(session, class_id)
    return Access(member, cls, unit, read_only=member.read_only or session.read_only)


def _current_member(session: Session, class_id: str) -> Member:
    member = MemberStore().get(class_id, session.account_id)
    if member is None:
        raise Forbidden("you are not a member of this class")
    if not member.is_current():
        raise Forbidden(
            "your LMS has not confirmed your place in this class for a long time: "
            "open the activity from your LMS again"
        )
    return member


def require_class_teacher(session: Session, class_id: str) -> Access:
    """A (non-mentor) teacher of ``class_id``, from any session launched into it — an
    activity's or the picker's: what concerns the whole class (its roster) is the
    class's, not one unit's. Rules 1-4 as above, without the unit."""
    require_valid_id(class_id, "class")
    if session.class_id is None or class_id != session.class_id:
        raise Forbidden(OTHER_COURSE)
    cls = _class(session, class_id)
    member = _current_member(session, class_id)
    access = Access(member, cls, None, read_only=member.read_only or session.read_only)
    if session.role != "TEACHER" or member.role != "TEACHER":
        raise Forbidden("only teachers of this class may do this")
    if not is_full_teacher(member.role, access.read_only):
        raise Forbidden("mentors have read-only access")
    return access


def require_teacher(
    session: Session, class_id: str, unit_id: str | None, *, write: bool = True
) -> Access:
    """The caller teaches ``class_id``; ``write`` also excludes mentors (read-only)."""
    access = require_member(session, class_id, unit_id)
    if session.role != "TEACHER" or access.member.role != "TEACHER":
        raise Forbidden("only teachers of this class may do this")
    if write and not is_full_teacher(access.member.role, access.read_only):
        raise Forbidden("mentors have read-only access")
    return access


def require_student(session: Session, class_id: str, unit_id: str) -> Access:
    access = require_member(session, class_id, unit_id)
    if session.role != "STUDENT" or access.member.role != "STUDENT":
        raise Forbidden("only students of this class have a grade here")
    return access
