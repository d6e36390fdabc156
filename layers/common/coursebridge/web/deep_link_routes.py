"""The Deep Linking picker (/app/classes/{classId}/deep-link).

GET shows the class's units (radio buttons, or checkboxes when the LMS accepts
several items) and a "new unit" choice; POST answers the pending request with a
signed LtiDeepLinkingResponse in a form that submits itself to the LMS.

Only the session of a Deep Linking launch into this class opens it (web/authz.py,
``unit_id=None``). A unit created here is opened later by the LMS's launch of the
new link, which brings its own session: the picker's session never reaches it.
"""

from __future__ import annotations

from urllib.parse import parse_qsl

from aws_lambda_powertools.event_handler import Response
from aws_lambda_powertools.event_handler.api_gateway import Router

from coursebridge.classes.deep_linking import (
    DeepLinkRefused,
    accepts_resource_links,
    signed_response,
)
from coursebridge.grades.grading import GradeInvalid, parse_number
from coursebridge.keyring import active_signing_key_id
from coursebridge.lti.platform_origins import origin_of
from coursebridge.store.classes import ClassRecord, ClassStore, UnitRecord
from coursebridge.store.deep_links import DeepLinkStore, PendingDeepLink
from coursebridge.web.authz import require_teacher, require_valid_id
from coursebridge.web.errors import BadRequest, Conflict, NotFound
from coursebridge.web.http import body_text, page
from coursebridge.web.page_routes import page_session, posted_session

router = Router()
PICKER = "/app/classes/<classId>/deep-link"
NEW_UNIT = "new"
MAX_TITLE = 200


class UnitInvalid(Exception):
    """The "new unit" fields are not usable (shown above the form, input kept)."""


def _pending(class_id: str, account_id: str) -> PendingDeepLink:
    pending = DeepLinkStore().get(class_id, account_id)
    if pending is None:
        raise NotFound(
            "no deep-linking request is waiting (it expires after an hour): "
            "start again from your LMS"
        )
    return pending


@router.get(PICKER)
def picker(classId: str) -> Response:
    session, token = page_session()
    cls = require_teacher(session, classId, None, write=True).cls
    pending = _pending(classId, session.account_id)
    if not accepts_resource_links(pending):
        raise BadRequest("this LMS does not accept LTI resource links here")
    return _picker_page(200, cls, pending, token)


def _picker_page(
    status: int,
    cls: ClassRecord,
    pending: PendingDeepLink,
    token: str,
    error: str | None = None,
    form: dict[str, str] | None = None,
) -> Response:
    """The picker; after a refused "new unit", with the reason above it and the input kept."""
    return page(
        status,
        "deep_link.html",
        cls=cls,
        units=ClassStore().units_of_class(cls.class_id),
        pending=pending,
        token=token,
        action=f"/app/classes/{cls.class_id}/deep-link",
        multiple=pending.settings.accept_multiple,
        error=error,
        form=form or {},
    )


def _new_unit(class_id: str, org_id: str, form: dict[str, str]) -> UnitRecord:
    title = (form.get("new_title") or "").strip()
    if not title:
        raise UnitInvalid("give the new unit a title")
    if len(title) > MAX_TITLE:
        raise UnitInvalid(f"the title is longer than {MAX_TITLE} characters")
    raw_max = (form.get("new_max_score") or "").strip()
    max_score = None
    if raw_max:
        try:
            max_score = parse_number(raw_max, "the maximum score")
        except GradeInvalid as error:
            raise UnitInvalid(str(error)) from None
        if max_score <= 0:
            raise UnitInvalid("the maximum score must be more than 0")
    return ClassStore().create_unit(
        UnitRecord(class_id=class_id, org_id=org_id, title=title, max_score=max_score)
    )


def _chosen_units(form_items: list[tuple[str, str]], pending: PendingDeepLink) -> list[str]:
    """The unit ids ticked (``new`` for a new unit), each once; as many as the LMS accepts."""
    chosen = [value for name, value in form_items if name == "unit" and value]
    if not chosen:
        raise BadRequest("choose a unit (or a new unit) to add")
    if len(chosen) > 1 and not pending.settings.accept_multiple:
        raise BadRequest("this LMS accepts only one item: choose one unit")
    return list(dict.fromkeys(chosen))


def _units(cls: ClassRecord, chosen: list[str], form: dict[str, str]) -> list[UnitRecord]:
    """The chosen units of this class, creating the new one (UnitInvalid if its fields are not)."""
    store = ClassStore()
    units: list[UnitRecord] = []
    for unit_id in chosen:
        if unit_id == NEW_UNIT:
            units.append(_new_unit(cls.class_id, cls.org_id, form))
            continue
        unit = store.get_unit(require_valid_id(unit_id, "unit"))
        if unit is None or unit.class_id != cls.class_id:
            raise BadRequest(f"unit {unit_id} is not a unit of this class")
        units.append(unit)
    return units


@router.post(PICKER)
def choose(classId: str) -> Response:
    form_items = parse_qsl(body_text(router.current_event), keep_blank_values=True)
    form = dict(form_items)
    session, token = posted_session(form)
    cls = require_teacher(session, classId, None, write=True).cls
    pending = _pending(classId, session.account_id)
    if form.get("launch_id") != pending.launch_id:
        raise Conflict("a newer deep-linking request replaced this one: use the newest window")
    chosen = _chosen_units(form_items, pending)
    try:
        units = _units(cls, chosen, form)
    except UnitInvalid as error:
        return _picker_page(400, cls, pending, token, str(error), form)
    # Imported here: only this answer signs, and it needs cryptography (for KMS's public
    # key); the web function's cold start does not.
    from coursebridge.signing import KmsSigner

    try:
        jwt = signed_response(pending, units, KmsSigner(active_signing_key_id()))
    except DeepLinkRefused as error:
        raise BadRequest(str(error)) from None
    if not DeepLinkStore().consume(classId, session.account_id, pending.launch_id):
        raise Conflict("this deep-linking request was already answered")
    return_url = pending.settings.deep_link_return_url
    return page(
        200,
        "deep_link_return.html",
        form_targets=tuple(o for o in (origin_of(return_url),) if o),
        return_url=return_url,
        jwt=jwt,
        units=units,
    )
