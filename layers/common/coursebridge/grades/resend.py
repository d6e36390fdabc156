"""Resend: send chosen students' released grades to the LMS again, without a release.

``POST …/resend {"accountIds": [...]}``. Of the named students, those whose released
grade the LMS has not acknowledged are queued; a grade the LMS already has is not sent
again, nor one it holds a newer score for (``superseded``), nor one never released.
Nothing is released by a resend: it is a release message limited to those students
(the same worker and rules, grades/release.py), recorded as a release item with
``mode = resend`` so it appears in the unit's history.

Every check comes before the first write, so a refused request writes nothing. Then:
the release item, each queued grade's ``resend`` marker (its LMS state shows pending
until the worker records the outcome, grades/lms_state.py), the queue message.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from coursebridge.grades.release import enqueue_release
from coursebridge.grades.release_plan import GradeState, ReleaseError, UnitNotFound
from coursebridge.grades.release_store import ReleaseStore, conditional_updates, release_item
from coursebridge.sessions import Session
from coursebridge.store.dynamo import app_table, new_id, now_epoch
from coursebridge.store.gradebook import grade_key

MAX_ACCOUNTS = 1000  # per request (the page sends more in several); the item holds them
_ID = re.compile(r"^[A-Za-z0-9_.:-]{1,128}$")


class ResendRefused(ReleaseError):
    """The request does not say which students to resend (400)."""


class NothingToResend(ReleaseError):
    """None of the named students has a grade the LMS still needs (409)."""


def account_ids_of(body: Any) -> list[str]:
    """The named students, each once, in the order given; ResendRefused if malformed."""
    ids = body.get("accountIds") if isinstance(body, dict) else None
    if not isinstance(ids, list) or not ids:
        raise ResendRefused('name the students to resend: {"accountIds": ["acc_…", …]}')
    if len(ids) > MAX_ACCOUNTS:
        raise ResendRefused(f"at most {MAX_ACCOUNTS} students per resend")
    bad = [i for i in ids if not isinstance(i, str) or not _ID.fullmatch(i)]
    if bad:
        raise ResendRefused(f"not an account id: {str(bad[0])[:40]!r}")
    return list(dict.fromkeys(ids))


@dataclass(frozen=True)
class ResendPlan:
    queued: list[GradeState]
    skipped: dict[str, str]  # account id → why it is not sent


def plan_resend(grades: list[GradeState], account_ids: list[str]) -> ResendPlan:
    """Which of the named students' grades the LMS still needs."""
    by_account = {g.account_id: g for g in grades}
    queued: list[GradeState] = []
    skipped: dict[str, str] = {}
    for account_id in account_ids:
        grade = by_account.get(account_id)
        if grade is None:
            skipped[account_id] = "no grade for this student in this unit"
        elif not grade.released:
            skipped[account_id] = "not released yet: press Release Grades"
        elif not grade.needs_send:
            skipped[account_id] = "already in the LMS gradebook"
        elif grade.superseded:
            skipped[account_id] = "the LMS already has a newer score"
        else:
            queued.append(grade)
    return ResendPlan(queued, skipped)


def start_resend(
    session: Session,
    class_id: str,
    unit_id: str,
    body: Any,
    *,
    store: ReleaseStore | None = None,
    enqueue: Callable[[str, int], None] = enqueue_release,
) -> dict[str, Any]:
    """POST …/resend: 202 ``{releaseId, queued, skipped}``."""
    account_ids = account_ids_of(body)
    store = store or ReleaseStore()
    unit = store.unit(unit_id)
    if unit is None or unit.class_id != class_id:
        raise UnitNotFound(f"unit {unit_id} is not in class {class_id}")
    plan = plan_resend(store.grades(unit_id), account_ids)
    if not plan.queued:
        why = "; ".join(f"{a}: {reason}" for a, reason in list(plan.skipped.items())[:5])
        raise NothingToResend(f"nothing to resend ({why})")
    release_id = new_id("rel")
    item = release_item(
        release_id, unit, session.account_id, session.email, session.name, mode="resend"
    )
    item["accountIds"] = [g.account_id for g in plan.queued]
    app_table().put_item(Item=item, ConditionExpression="attribute_not_exists(pk)")
    _mark_pending(unit_id, plan.queued, release_id)
    enqueue(release_id, 0)
    return {
        "releaseId": release_id,
        "queued": item["accountIds"],
        "skipped": [{"accountId": a, "why": why} for a, why in plan.skipped.items()],
    }


def _mark_pending(unit_id: str, grades: list[GradeState], release_id: str) -> None:
    """Each queued grade shows pending until the resend records its outcome (a grade
    delivered meanwhile is left as it is)."""
    marker = {"releaseId": release_id, "at": now_epoch()}
    conditional_updates(
        [
            {
                "Key": grade_key(unit_id, grade.account_id),
                "UpdateExpression": "SET resend = :resend",
                "ConditionExpression": (
                    "attribute_exists(pk) AND "
                    "(attribute_not_exists(sentVersion) OR sentVersion < :v)"
                ),
                "ExpressionAttributeValues": {":resend": marker, ":v": grade.released_version},
            }
            for grade in grades
        ]
    )
