"""Teachers grade students per unit. Grades stay hidden until released.

``save_grade`` validates (score 0..max, max > 0, comment length) and writes the
grade item's score part (store/gradebook.py); the release (grades/release.py) decides what
students see.
"""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from typing import Any

from coursebridge.store.classes import UnitRecord
from coursebridge.store.gradebook import GradebookStore, GradeRecord, GradeWrite
from coursebridge.store.members import MemberStore

MAX_COMMENT_LENGTH = 2000
MAX_SCORE_LIMIT = Decimal(100000)
MAX_DECIMALS = 4


class GradeInvalid(Exception):
    """The grade cannot be saved as given; the message says why (shown to the teacher)."""


class NotAStudent(Exception):
    """The account is not a student of the unit's class."""


def parse_number(raw: Any, field: str) -> Decimal:
    """A bounded, finite number with at most MAX_DECIMALS places, or GradeInvalid."""
    if isinstance(raw, bool) or raw is None or raw == "":
        raise GradeInvalid(f"{field} is required and must be a number")
    try:
        value = Decimal(str(raw).strip())
    except InvalidOperation:
        raise GradeInvalid(f"{field} must be a number, not {str(raw)[:40]!r}") from None
    if not value.is_finite():
        raise GradeInvalid(f"{field} must be a finite number")
    # Bound before any arithmetic: "1e999999" must not become a million-digit integer.
    if abs(value) > MAX_SCORE_LIMIT:
        raise GradeInvalid(f"{field} must be at most {MAX_SCORE_LIMIT}")
    value = value.normalize()
    if int(value.as_tuple().exponent) < -MAX_DECIMALS:
        raise GradeInvalid(f"{field} may have at most {MAX_DECIMALS} decimal places")
    return Decimal(int(value)) if value == value.to_integral() else value


def parse_grade(unit: UnitRecord, body: dict[str, Any]) -> tuple[Decimal, Decimal, str]:
    """(score, maxScore, comment) from a form or JSON body, or GradeInvalid."""
    if not isinstance(body, dict):
        raise GradeInvalid("the body must be an object {score, maxScore, comment}")
    score = parse_number(body.get("score"), "score")
    max_score = _max_score(unit, body.get("maxScore"))
    if score < 0 or score > max_score:
        raise GradeInvalid(f"score must be between 0 and {max_score:f}")
    return score, max_score, _comment(body.get("comment"))


def _max_score(unit: UnitRecord, raw: Any) -> Decimal:
    """The posted maxScore; when none is posted, the unit's own maximum score."""
    if raw in (None, ""):
        if unit.max_score is None:
            raise GradeInvalid("maxScore is required: this unit has no maximum score yet")
        max_score = unit.max_score
    else:
        max_score = parse_number(raw, "maxScore")
    if max_score <= 0 or max_score > MAX_SCORE_LIMIT:
        raise GradeInvalid(f"maxScore must be more than 0 and at most {MAX_SCORE_LIMIT}")
    return max_score


def _comment(raw: Any) -> str:
    comment = raw or ""
    if not isinstance(comment, str):
        raise GradeInvalid("comment must be text")
    comment = comment.strip()
    if len(comment) > MAX_COMMENT_LENGTH:
        raise GradeInvalid(f"comment is longer than {MAX_COMMENT_LENGTH} characters")
    return comment


def save_grade(
    unit: UnitRecord,
    account_id: str,
    body: dict[str, Any],
    graded_by: str,
    *,
    grades: GradebookStore | None = None,
    members: MemberStore | None = None,
) -> GradeRecord:
    """Save a teacher's grade for one student of the unit's class; returns the stored grade."""
    score, max_score, comment = parse_grade(unit, body)
    member = (members or MemberStore()).get(unit.class_id, account_id)
    if member is None or member.role != "STUDENT":
        raise NotAStudent(account_id)
    grades = grades or GradebookStore()
    grades.save(
        GradeWrite(
            class_id=unit.class_id,
            unit_id=unit.unit_id,
            account_id=account_id,
            sub=member.sub,
            issuer=member.issuer,
            registration_id=member.registration_id,
            score=score,
            max_score=max_score,
            comment=comment,
            graded_by=graded_by,
        )
    )
    stored = grades.get(unit.unit_id, account_id)
    assert stored is not None
    return stored
