"""A teacher re-maps the LMS activity or course of a unit.

The unit remembers the LMS link that launches it (registration, deployment, resource
link, context), so re-mapping changes exactly that link's or course's map — a
conditional write that expects the current target, so two teachers re-mapping at
once cannot silently overwrite each other.

The target is always somewhere the teacher already works: a unit of the same class,
or another class they teach now (a current, non-mentor membership).
"""

from __future__ import annotations

from coursebridge.accounts.roles import is_full_teacher
from coursebridge.store.classes import ClassStore, UnitRecord, course_map_key, link_map_key
from coursebridge.store.members import MemberStore


class RemapRefused(Exception):
    """The re-map is not possible as asked; the message says why."""


class MapChanged(Exception):
    """Someone re-mapped it meanwhile."""


def remap_activity(unit: UnitRecord, target_unit_id: str, store: ClassStore | None = None) -> str:
    store = store or ClassStore()
    if not (unit.registration_id and unit.deployment_id and unit.resource_link_id):
        raise RemapRefused("this unit is not opened from an LMS activity yet")
    target = store.get_unit(target_unit_id)
    if target is None or target.class_id != unit.class_id:
        raise RemapRefused("choose a unit of this class")
    if target.unit_id == unit.unit_id:
        raise RemapRefused("the activity already opens this unit")
    key = link_map_key(unit.registration_id, unit.deployment_id, unit.resource_link_id)
    if not store.map_to(key, target.unit_id, class_id=unit.class_id, expected=unit.unit_id):
        raise MapChanged("this activity was re-mapped meanwhile: reload the page")
    store.update_unit_link(
        target.unit_id,
        {
            "issuer": unit.issuer,
            "clientId": unit.client_id,
            "registrationId": unit.registration_id,
            "deploymentId": unit.deployment_id,
            "resourceLinkId": unit.resource_link_id,
            "contextId": unit.context_id,
            "lineitem": unit.lineitem,
            "lineitems": unit.lineitems,
            "agsScope": unit.ags_scope or None,
        },
    )
    return target.unit_id


def remappable_classes(account_id: str, org_id: str, exclude: str) -> list[tuple[str, str]]:
    """(classId, title) of the other classes this account teaches (not as a mentor), by
    a membership a launch confirmed recently (``Member.is_current``)."""
    members, store = MemberStore(), ClassStore()
    choices = []
    for class_id in members.classes_of(account_id):
        if class_id == exclude:
            continue
        member = members.get(class_id, account_id)
        found = store.get_class(class_id)
        teaches = (
            member is not None
            and is_full_teacher(member.role, member.read_only)
            and member.is_current()
        )
        if teaches and found is not None and found.org_id == org_id:
            choices.append((class_id, found.title))
    return sorted(choices, key=lambda c: c[1].casefold())


def remap_course(
    unit: UnitRecord, target_class_id: str, account_id: str, store: ClassStore | None = None
) -> str:
    """Point the unit's LMS course at another class the teacher teaches.

    The course's activities follow at their next launch (enter_course treats a link
    whose unit is in another class as unmapped).
    """
    store = store or ClassStore()
    if not (unit.registration_id and unit.deployment_id and unit.context_id):
        raise RemapRefused("this unit is not opened from an LMS course yet")
    allowed = {cid for cid, _ in remappable_classes(account_id, unit.org_id, unit.class_id)}
    if target_class_id not in allowed:
        raise RemapRefused("choose another class that you teach")
    key = course_map_key(unit.registration_id, unit.deployment_id, unit.context_id)
    if not store.map_to(key, target_class_id, expected=unit.class_id):
        raise MapChanged("this course was re-mapped meanwhile: reload the page")
    return target_class_id
