"""Who may call a route (GRADES_CONTRACT.md). First version by the grades helper so the
release routes work on their own; the classes helper owns and completes this module.

Errors are our own exceptions; the routers map them to 401/403 JSON in one place.
"""

from __future__ import annotations

from coursebridge.sessions import Session, session_from_event
from coursebridge.store.dynamo import app_table


class NotSignedIn(Exception):
    """No valid session: 401."""


class Forbidden(Exception):
    """Signed in, but not allowed here: 403."""


def require_session(event: dict) -> Session:
    session = session_from_event(event)
    if session is None:
        raise NotSignedIn("not signed in (no valid session)")
    return session


def require_teacher(session: Session, class_id: str, write: bool = True) -> None:
    """A teacher of the class; with ``write`` also not a read-only mentor."""
    if session.role != "TEACHER":
        raise Forbidden("only teachers of this class may do this")
    member = (
        app_table()
        .get_item(Key={"pk": f"CLASS#{class_id}", "sk": f"MEMBER#{session.account_id}"})
        .get("Item")
    )
    if not member or member.get("role") != "TEACHER":
        raise Forbidden("only teachers of this class may do this")
    if write and (session.read_only or member.get("readOnly")):
        raise Forbidden("mentors have read-only access")
