"""JSON API: roster, grading, grades.csv, my-grade. Release: release_routes.py.

Each route asks web/authz.py first; the answer carries the caller's membership, which
decides what the roster shows (a scoped mentor sees only their mentees).
"""

from __future__ import annotations

from aws_lambda_powertools.event_handler import Response
from aws_lambda_powertools.event_handler.api_gateway import Router

from coursebridge.classes.roster import roster_for, student_view_of_grade
from coursebridge.grades.export import grades_csv
from coursebridge.grades.grading import save_grade
from coursebridge.store.gradebook import GradebookStore
from coursebridge.store.orgs import OrgStore
from coursebridge.web import responses
from coursebridge.web.authz import (
    require_session,
    require_student,
    require_teacher,
    require_valid_id,
)
from coursebridge.web.http import json_body, json_ok

router = Router()
UNIT = "/api/classes/<classId>/units/<unitId>"


@router.get(f"{UNIT}/grades")
def roster(classId: str, unitId: str) -> Response:
    session = require_session(router.current_event.raw_event)
    access = require_teacher(session, classId, unitId, write=False)
    rows = roster_for(access.member, unitId)
    return json_ok([row.to_json() for row in rows])


@router.put(f"{UNIT}/grades/<accountId>")
def put_grade(classId: str, unitId: str, accountId: str) -> Response:
    session = require_session(router.current_event.raw_event)
    unit = require_teacher(session, classId, unitId, write=True).unit
    require_valid_id(accountId, "student")
    grade = save_grade(unit, accountId, json_body(router.current_event), session.account_id)
    return json_ok(
        {
            "accountId": accountId,
            "score": float(grade.score) if grade.score is not None else None,
            "maxScore": float(grade.max_score) if grade.max_score is not None else None,
            "comment": grade.comment,
            "version": grade.version,
            "released": grade.released,
        }
    )


@router.get(f"{UNIT}/grades.csv")
def grades_export(classId: str, unitId: str) -> Response:
    session = require_session(router.current_event.raw_event)
    access = require_teacher(session, classId, unitId, write=False)
    unit = access.unit
    org = OrgStore().get(session.org_id)
    rows = roster_for(access.member, unitId)
    body = grades_csv(rows, org.student_id_field if org else None)
    filename = "".join(c if c.isalnum() else "-" for c in unit.title)[:60] or "grades"
    return Response(
        200,
        "text/csv; charset=utf-8",
        body,
        {
            **responses.SECURITY_HEADERS,
            "content-disposition": f'attachment; filename="{filename}-grades.csv"',
        },
    )


@router.get(f"{UNIT}/my-grade")
def my_grade(classId: str, unitId: str) -> Response:
    session = require_session(router.current_event.raw_event)
    require_student(session, classId, unitId)
    return json_ok(student_view_of_grade(GradebookStore().get(unitId, session.account_id)))
