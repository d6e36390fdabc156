"""The roster of a unit: the class's students with their status, grade and the grade's
LMS state (read from the grade item the roster already reads: no query of its own).

Who sees which rows is the viewer's membership of the class (``roster_for``): a
mentor whose launch into this class named mentees (``role_scope_mentor``) sees only
them (matched on the LTI ``sub`` of this platform), whatever a session says.
"""

from __future__ import annotations

from collections.abc import Collection
from decimal import Decimal
from typing import Any, Literal

from pydantic import ConfigDict, Field

from coursebridge.accounts.roles import roster_scope
from coursebridge.grades.lms_state import NOT_SENT, LmsState, lms_state
from coursebridge.model import Model
from coursebridge.store.gradebook import GradebookStore, GradeRecord
from coursebridge.store.members import Member, MemberStore

Status = Literal["not opened", "opened", "graded", "released", "changed since release"]


class RosterRow(Model):
    model_config = ConfigDict(arbitrary_types_allowed=True)

    account_id: str
    name: str
    email: str | None
    student_id: str | None
    status: Status
    active: bool = True  # False: left the LMS course (a roster sync found them gone)
    score: Decimal | None = None
    max_score: Decimal | None = None
    comment: str = ""
    released: bool = False
    confirmed_at: int | None = None  # the student's last launch into the class
    lms: LmsState = Field(default=NOT_SENT)  # where the released grade stands in the LMS

    def to_json(self) -> dict[str, Any]:
        return {
            "accountId": self.account_id,
            "name": self.name,
            "email": self.email,
            "studentId": self.student_id,
            "status": self.status,
            "active": self.active,
            "score": _num(self.score),
            "maxScore": _num(self.max_score),
            "comment": self.comment,
            "released": self.released,
            "confirmedAt": self.confirmed_at,
            "lms": self.lms.to_json(),
        }


def _num(value: Decimal | None) -> int | float | None:
    if value is None:
        return None
    return int(value) if value == value.to_integral() else float(value)


def _status(grade: GradeRecord | None, opened: bool) -> Status:
    if grade is None or grade.score is None:
        return "opened" if opened else "not opened"
    if not grade.released:
        return "graded"
    return "changed since release" if grade.changed_since_release else "released"


def unit_roster(
    class_id: str,
    unit_id: str,
    *,
    mentee_subs: Collection[str] | None = None,
    members: MemberStore | None = None,
    grades: GradebookStore | None = None,
) -> list[RosterRow]:
    """Students of the class, by name (those who left the LMS course last), with this
    unit's status and (unreleased) grade."""
    members = members or MemberStore()
    students = _students(members, class_id, mentee_subs)
    unit_grades = (grades or GradebookStore()).grades_of_unit(unit_id)
    visits = members.visits(unit_id)
    rows = [
        _row(member, unit_grades.get(member.account_id), member.account_id in visits)
        for member in students
    ]
    rows.sort(key=lambda row: (not row.active, row.name.casefold(), row.account_id))
    return rows


def _students(
    members: MemberStore, class_id: str, mentee_subs: Collection[str] | None
) -> list[Member]:
    """The class's students; only the mentees when ``mentee_subs`` names them."""
    students = [m for m in members.members(class_id) if m.role == "STUDENT"]
    if mentee_subs is None:
        return students
    allowed = set(mentee_subs)
    return [m for m in students if m.sub in allowed]


def _row(member: Member, grade: GradeRecord | None, opened: bool) -> RosterRow:
    return RosterRow(
        account_id=member.account_id,
        name=member.name or member.email or member.account_id,
        email=member.email,
        student_id=member.student_id,
        status=_status(grade, opened),
        active=member.active,
        score=grade.score if grade else None,
        max_score=grade.max_score if grade else None,
        comment=grade.comment if grade else "",
        released=bool(grade and grade.released),
        confirmed_at=member.confirmed_at,
        lms=lms_state(grade),
    )


def roster_for(viewer: Member, unit_id: str) -> list[RosterRow]:
    """The unit's roster as this member of its class may see it (pages, API, CSV)."""
    scope = roster_scope(viewer.read_only, viewer.mentee_subs)
    return unit_roster(viewer.class_id, unit_id, mentee_subs=scope)


def student_view_of_grade(grade: GradeRecord | None) -> dict[str, Any]:
    """What a student may see: only the released values, never the current draft."""
    if grade is None or not grade.released or grade.released_score is None:
        return {"released": False}
    return {
        "released": True,
        "score": _num(grade.released_score),
        "maxScore": _num(grade.released_max_score),
        "comment": grade.released_comment or "",
    }
