"""Course copy: a new term's course opens a class cloned from the last term's.

When an LMS copies a course (every new term in Canvas and Brightspace), the copy has a
new course id and new activity ids, and says where they came from: the launch's copy
history (lti/context_claims.py), or an earlier ``LtiContextCopyNotice`` (Canvas's
Platform Notification Service, kept as a copy notice item). The first launch that
creates the new course's class then clones the old class's units — titles and maximum
scores, not its members, grades, releases or LMS links — and each copied activity's
first launch opens its clone:

- the old course must be mapped by **the same registration** (course maps are keyed by
  it, so another registration's course with the same id is never found) and its class
  must belong to the launch's organization;
- the earliest history entry that is mapped wins (the history is most recent first);
- a copied activity opens the clone of the unit its old activity opened
  (``$ResourceLink.id.history``), else the clone of the unit a Deep Linking link names
  (``custom.unit_id`` of the old class), else the one clone not opened from an LMS
  activity yet with the link's title.
"""

from __future__ import annotations

from dataclasses import dataclass

from coursebridge.lti.claims import UNIT_ID_PARAM, LaunchClaims
from coursebridge.lti.tool_config import find_registration
from coursebridge.store import keys
from coursebridge.store.classes import ClassRecord, ClassStore, UnitRecord

MAX_UNITS = 500  # a class cloned whole; a larger one keeps its first 500 units


@dataclass(frozen=True)
class EarlierClass:
    cls: ClassRecord
    units: list[UnitRecord]


def deployments_of(claims: LaunchClaims) -> list[str]:
    """The launch's deployment first, then the registration's others (a course-level
    install in Canvas is copied with the course, under a new deployment id)."""
    registration = find_registration(claims.issuer, claims.client_id)
    others = (
        registration.deployment_ids
        if registration is not None and registration.registration_id == claims.registration_id
        else []
    )
    return list(dict.fromkeys([claims.deployment_id, *others]))


def _history(store: ClassStore, claims: LaunchClaims) -> list[str]:
    if claims.context_history:
        return claims.context_history
    if not claims.context_id:
        return []
    notice = store.mapped_target(
        keys.copy_notice(claims.registration_id, claims.deployment_id, claims.context_id)
    )
    origins = notice.get("originContextIds") if notice else None
    return [o for o in origins or [] if isinstance(o, str) and o != claims.context_id]


def earlier_class(store: ClassStore, claims: LaunchClaims, org_id: str) -> EarlierClass | None:
    """The class of the course this launch's (unmapped) course was copied from, if this
    registration mapped it and it belongs to ``org_id``."""
    history = _history(store, claims)
    if not history:
        return None
    deployments = deployments_of(claims)
    wanted = [
        keys.course_map(claims.registration_id, deployment, context)
        for context in history
        for deployment in deployments
    ]
    for found in store.mapped_targets(wanted):
        if not found:
            continue
        cls = store.get_class(found["targetId"])
        if cls is not None and cls.org_id == org_id:
            return EarlierClass(cls, store.units_of_class(cls.class_id)[:MAX_UNITS])
    return None


def cloned(earlier: EarlierClass, title: str) -> tuple[ClassRecord, list[UnitRecord]]:
    """The new class and its units: the old units' titles and maximum scores only."""
    cls = ClassRecord(org_id=earlier.cls.org_id, title=title, copied_from=earlier.cls.class_id)
    units = [
        UnitRecord(
            class_id=cls.class_id,
            org_id=cls.org_id,
            title=unit.title,
            max_score=unit.max_score,
            created_at=unit.created_at,  # the old order of units
            copied_from=unit.unit_id,
        )
        for unit in earlier.units
    ]
    return cls, units


def copied_unit(store: ClassStore, claims: LaunchClaims, class_id: str) -> str | None:
    """The clone in ``class_id`` that an unmapped copied activity should open, if any."""
    units = [u for u in store.units_of_class(class_id) if u.copied_from]
    if not units:
        return None
    for origin in _origin_units(store, claims):
        clones = [u for u in units if u.copied_from == origin]
        if len(clones) == 1:
            return clones[0].unit_id
    return _unopened_by_title(units, claims.resource_link_title)


def _unopened_by_title(units: list[UnitRecord], title: str | None) -> str | None:
    """The one clone with this title that no LMS activity opens yet."""
    if not title:
        return None
    unopened = [u for u in units if not u.resource_link_id and u.title == title]
    return unopened[0].unit_id if len(unopened) == 1 else None


def _origin_units(store: ClassStore, claims: LaunchClaims) -> list[str]:
    """The old units this activity's history points to, then a Deep Linking choice."""
    origins: list[str] = []
    if claims.link_history:
        wanted = [
            keys.link_map(claims.registration_id, deployment, link)
            for link in claims.link_history
            for deployment in deployments_of(claims)
        ]
        origins = [found["targetId"] for found in store.mapped_targets(wanted) if found]
    chosen = claims.custom.get(UNIT_ID_PARAM)
    if isinstance(chosen, str) and chosen:
        origins.append(chosen)
    return origins
