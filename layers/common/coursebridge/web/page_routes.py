"""Pages under /app: the unit as a teacher, mentor or student sees it.

Pages live in an LMS iframe where third-party cookies may be blocked, so every link
and form carries the session token. Form posts must carry it explicitly (hidden
field or query parameter): a cookie alone never authorises a change, which keeps a
cross-site form from posting with the user's cookie.

A page acts only in the unit its session was launched into (web/authz.py). When the
tool itself takes a teacher to another unit (re-mapping the activity to an existing
unit), the redirect carries a new session for that unit.
"""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools.event_handler import Response
from aws_lambda_powertools.event_handler.api_gateway import Router

from coursebridge.classes.remap import (
    remap_activity,
    remap_course,
    remappable_classes,
)
from coursebridge.classes.roster import RosterRow, roster_for, student_view_of_grade
from coursebridge.grades.grading import GradeInvalid, save_grade
from coursebridge.launch.diagnostics import banners
from coursebridge.lti.ags_errors import LABELS, NOT_RESENT, RETRIED
from coursebridge.sessions import (
    COOKIE_NAME,
    Session,
    decode_session,
    encode_session,
    token_from_event,
)
from coursebridge.store.classes import ClassStore
from coursebridge.store.gradebook import GradebookStore
from coursebridge.store.members import MemberStore
from coursebridge.store.orgs import OrgStore
from coursebridge.web.authz import (
    Access,
    require_member,
    require_session,
    require_teacher,
    require_valid_id,
)
from coursebridge.web.errors import BadRequest, NotSignedIn
from coursebridge.web.http import form_body, page, see_other, with_token

router = Router()
UNIT = "/app/classes/<classId>/units/<unitId>"
LMS_LABELS = {  # the teacher page's script labels LMS states as grades/lms_state.py does
    "status": {"not_sent": "Not sent", "pending": "Pending", "sent": "Sent"},
    "reasons": {reason.value: label for reason, label in LABELS.items()},
    "retried": sorted(RETRIED),
    "notResent": sorted(NOT_RESENT),
}


def posted_session(form: dict[str, str]) -> tuple[Session, str]:
    """The session of a form post: hidden field, query parameter or Bearer — not a cookie."""
    token = form.get(COOKIE_NAME) or token_from_event(router.current_event.raw_event, cookie=False)
    session = decode_session(token) if token else None
    if session is None or token is None:
        raise NotSignedIn("your session is missing or expired: launch the activity again")
    return session, token


def page_session() -> tuple[Session, str]:
    event = router.current_event.raw_event
    return require_session(event), token_from_event(event) or ""


def _roster_context(session: Session, class_id: str, rows: list[RosterRow]) -> dict[str, Any]:
    """The roster sync button, who has not opened the activity, the launch's banners."""
    return {
        "roster_sync_url": f"/api/classes/{class_id}/roster/sync",
        "not_opened": [r for r in rows if r.active and r.status == "not opened"],
        "banners": banners(session.lms_notes, session.lms_family),
    }


def _teacher_context(session: Session, token: str, access: Access) -> dict[str, Any]:
    cls, unit, read_only = access.cls, access.unit, access.read_only
    org = OrgStore().get(session.org_id)
    rows = roster_for(access.member, unit.unit_id)
    base = f"/app/classes/{cls.class_id}/units/{unit.unit_id}"
    api = f"/api/classes/{cls.class_id}/units/{unit.unit_id}"
    context: dict[str, Any] = {
        "cls": cls,
        "unit": unit,
        "rows": rows,
        "token": token,
        "read_only": read_only,
        "scoped": access.scoped,
        "student_id_label": (
            org.student_id_field if org and org.student_id_field else "Student ID"
        ),
        "csv_url": with_token(f"{api}/grades.csv", token),
        "release_url": f"{api}/release",
        "resend_url": f"{api}/resend",
        "resendable": sum(1 for row in rows if row.lms.resendable),
        "urls": {
            "roster": f"{api}/grades",
            "history": f"{api}/releases",
            "release": "/api/releases/",
        },
        "lms_labels": LMS_LABELS,
        "self_url": with_token(base, token),
        "grade_action": f"{base}/grades/",
        "remap_action": f"{base}/remap",
        **_roster_context(session, cls.class_id, rows),
        "errors": {},
        "typed": {},
        "notice": None,
    }
    if not read_only:
        context["other_units"] = [
            u for u in ClassStore().units_of_class(cls.class_id) if u.unit_id != unit.unit_id
        ]
        context["other_classes"] = remappable_classes(
            session.account_id, session.org_id, cls.class_id
        )
    return context


@router.get(UNIT)
def unit_page(classId: str, unitId: str) -> Response:
    session, token = page_session()
    access = require_member(session, classId, unitId)
    if access.member.role == "TEACHER" and session.role == "TEACHER":
        context = _teacher_context(session, token, access)
        query = router.current_event.query_string_parameters or {}
        if query.get("saved"):
            context["notice"] = "Grade saved. Students see it after you release grades."
        if query.get("remapped"):
            context["notice"] = "This activity now opens this unit."
        return page(200, "unit_teacher.html", **context)
    grade = student_view_of_grade(GradebookStore().get(unitId, session.account_id))
    visit = MemberStore().visits(unitId).get(session.account_id)
    return page(
        200,
        "unit_student.html",
        cls=access.cls,
        unit=access.unit,
        grade=grade,
        visit=visit,
        name=session.name,
        banners=banners(session.lms_notes, session.lms_family),
    )


@router.post(f"{UNIT}/grades/<accountId>")
def grade_form(classId: str, unitId: str, accountId: str) -> Response:
    form = form_body(router.current_event)
    session, token = posted_session(form)
    access = require_teacher(session, classId, unitId, write=True)
    require_valid_id(accountId, "student")
    try:
        save_grade(access.unit, accountId, form, session.account_id)
    except GradeInvalid as error:  # show the form again with what was typed
        context = _teacher_context(session, token, access)
        context["errors"] = {accountId: str(error)}
        context["typed"] = {accountId: form}
        return page(400, "unit_teacher.html", **context)
    base = f"/app/classes/{classId}/units/{unitId}"
    return see_other(with_token(base, token, saved=accountId) + f"#student-{accountId}")


@router.post(f"{UNIT}/remap")
def remap_form(classId: str, unitId: str) -> Response:
    form = form_body(router.current_event)
    session, token = posted_session(form)
    unit = require_teacher(session, classId, unitId, write=True).unit
    if form.get("target_unit"):
        target = remap_activity(unit, require_valid_id(form["target_unit"], "unit"))
        moved = encode_session(session.moved_to_unit(target))
        return see_other(with_token(f"/app/classes/{classId}/units/{target}", moved, remapped="1"))
    if form.get("target_class"):
        target_class = remap_course(
            unit, require_valid_id(form["target_class"], "class"), session.account_id
        )
        title = ClassStore().get_class(target_class)
        return page(
            200,
            "remapped.html",
            class_title=title.title if title else target_class,
            back_url=with_token(f"/app/classes/{classId}/units/{unitId}", token),
        )
    raise BadRequest("choose a unit or a class to map to")
