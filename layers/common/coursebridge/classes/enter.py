"""Launch → class + unit + membership (what the launch handler calls).

``enter_course`` maps the launch's LMS course (``context.id``) to a class and its
activity (``resource_link.id``) to a unit, per platform + deployment, and enrolls the
user with their role. Rules:

- A mapped course/activity is used as mapped (re-mapping changes the map, not history).
- An unmapped activity whose launch carries ``custom.unit_id`` of a unit of this class
  (a Deep Linking choice) is mapped to that unit, whatever ``autoMap`` says.
- Otherwise an unmapped course/activity is created — class named after the course
  title, unit after the link title with the line item's maximum score when known —
  when the org auto-maps, or when a (non-mentor) teacher launches: teachers set
  courses up. A student or mentor with ``autoMap`` off gets ``NotSetUp``.
- An activity mapped to a unit of another class (its course was re-mapped since) is
  treated as unmapped, so a unit never shows the roster of a foreign class.
- Map writes are conditional: concurrent first launches create one class / one unit.
- A new course copied from one this registration mapped gets a class cloned from the
  old one's units, and its copied activities open the clones (classes/course_copy.py).
- The course's roster service (NRPS) is kept as the class's roster source when it is new
  or changed (classes/roster_source.py).
"""

from __future__ import annotations

import hashlib
import json
import time
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from coursebridge.accounts.profile import LmsProfile
from coursebridge.accounts.resolve import Entered
from coursebridge.classes.course_copy import cloned, copied_unit, earlier_class
from coursebridge.classes.roster_source import record_roster_source
from coursebridge.lti.claims import UNIT_ID_PARAM, LaunchClaims
from coursebridge.store.classes import (
    ClassRecord,
    ClassStore,
    UnitRecord,
    course_map_key,
    link_map_key,
)
from coursebridge.store.deep_links import PENDING_SECONDS, DeepLinkStore, PendingDeepLink
from coursebridge.store.members import Member, MemberStore
from coursebridge.store.orgs import Org

MAX_SCORE_PARAMS = ("max_score", "points_possible", "canvas_assignment_points_possible")

LineItemMax = Callable[[LaunchClaims], Decimal | None]


@dataclass(frozen=True)
class CourseEntry:
    class_id: str
    unit_id: str | None  # None for a deep-linking launch (no activity yet)


@dataclass(frozen=True)
class NotSetUp:
    """The course or activity is not mapped and the org does not auto-map."""

    what: str  # "course" or "activity"


def max_score_from_claims(claims: LaunchClaims) -> Decimal | None:
    """The activity's maximum score when the launch tells it (custom substitution)."""
    for name in MAX_SCORE_PARAMS:
        raw = claims.custom.get(name)
        if raw in (None, ""):
            continue
        try:
            value = Decimal(str(raw))
        except InvalidOperation:
            continue
        if value.is_finite() and value > 0:
            return value
    return None


class _Entry:
    """One launch's way through the rules (keeps enter_course readable)."""

    def __init__(
        self,
        claims: LaunchClaims,
        entered: Entered,
        org: Org,
        store: ClassStore,
        line_item_max: LineItemMax,
    ) -> None:
        self.claims = claims
        self.entered = entered
        self.org = org
        self.store = store
        self.line_item_max = line_item_max
        self.may_create = org.auto_map or entered.full_teacher
        self.course_key = self._course_key()
        self.link_key = (
            link_map_key(claims.registration_id, claims.deployment_id, claims.resource_link_id)
            if claims.message_type == "LtiResourceLinkRequest" and claims.resource_link_id
            else None
        )
        self.maps = self._read_maps()

    def _course_key(self) -> dict[str, str] | None:
        claims = self.claims
        context_key = claims.context_id or (
            f"link:{claims.resource_link_id}" if claims.resource_link_id else None
        )
        if context_key is None:
            return None
        return course_map_key(claims.registration_id, claims.deployment_id, context_key)

    def _read_maps(self) -> dict[tuple[str, str], dict | None]:
        """The course and activity maps as they are now, in one round trip."""
        keys = [k for k in (self.course_key, self.link_key) if k is not None]
        if not keys:
            return {}
        found = self.store.mapped_targets(keys)
        return {(k["pk"], k["sk"]): item for k, item in zip(keys, found, strict=True)}

    def course(self) -> str | None:
        key = self.course_key
        if key is None:
            return None
        found = self.maps[(key["pk"], key["sk"])]
        class_id = found["targetId"] if found else self._new_class(key)
        if class_id is not None:
            seen = found.get("rosterSig") if found else None
            record_roster_source(self.store, self.claims, self.org.org_id, class_id, key, seen)
        return class_id

    def _new_class(self, key: dict[str, str]) -> str | None:
        claims = self.claims
        if not self.may_create:
            return None
        title = claims.context_title or claims.context_label or claims.context_id or "Untitled"
        earlier = earlier_class(self.store, claims, self.org.org_id)
        if earlier is not None:
            cls, units = cloned(earlier, title)
            class_id = self.store.create_copied(key, cls, units)
        else:
            class_id = self.store.create_mapped(
                key, ClassRecord(org_id=self.org.org_id, title=title)
            )
        if claims.notice_service_url:
            _ask_for_copy_notices(claims)
        return class_id

    def unit(self, class_id: str) -> str | None:
        claims = self.claims
        assert self.link_key is not None
        key = self.link_key
        found = self.maps[(key["pk"], key["sk"])]
        if found and found.get("classId") == class_id:
            return found["targetId"]
        stale = found["targetId"] if found else None
        chosen = self._chosen_unit(class_id)
        if chosen is not None:
            return self._map_existing(key, chosen, class_id, stale)
        if not self.may_create:
            return None
        unit = UnitRecord(
            class_id=class_id,
            org_id=self.org.org_id,
            title=claims.resource_link_title or "Untitled activity",
            max_score=max_score_from_claims(claims) or self._line_item_max(),
        )
        if stale is None:
            return self.store.create_mapped(key, unit)
        self.store.create_unit(unit)
        return self._map_existing(key, unit.unit_id, class_id, stale)

    def _line_item_max(self) -> Decimal | None:
        if self.claims.ags is None or not self.claims.ags.lineitem:
            return None
        return self.line_item_max(self.claims)

    def _chosen_unit(self, class_id: str) -> str | None:
        """The unit a Deep Linking choice names, else the clone a copied activity opens."""
        return self._deep_linked_unit(class_id) or copied_unit(self.store, self.claims, class_id)

    def _deep_linked_unit(self, class_id: str) -> str | None:
        unit_id = self.claims.custom.get(UNIT_ID_PARAM)
        if not isinstance(unit_id, str) or not unit_id:
            return None
        unit = self.store.get_unit(unit_id)
        return unit.unit_id if unit and unit.class_id == class_id else None

    def _map_existing(self, key: dict, unit_id: str, class_id: str, stale: str | None) -> str:
        if self.store.map_to(key, unit_id, class_id=class_id, expected=stale):
            return unit_id
        winner = self.store.mapped_target(key)  # a concurrent launch mapped it first
        return winner["targetId"] if winner else unit_id

    def record_link(self, unit_id: str) -> None:
        """Keep the unit's LMS link and AGS endpoints current (Release Grades sends to them)."""
        values = _link_values(self.claims)
        signature = _link_signature(unit_id, values)
        assert self.link_key is not None
        seen = self.maps.get((self.link_key["pk"], self.link_key["sk"])) or {}
        if seen.get("targetId") == unit_id and seen.get("linkSig") == signature:
            return  # an ordinary launch: the unit already has these details, no read
        unit = self.store.get_unit(unit_id)
        if unit is None:
            return
        if unit.max_score is None:
            values["maxScore"] = max_score_from_claims(self.claims)
        current = unit.to_item()
        if any(current.get(name) != value for name, value in values.items() if value is not None):
            self.store.update_unit_link(unit_id, values)
        self.store.mark_link_recorded(self.link_key, signature)

    def join(self, class_id: str, unit_id: str | None) -> None:
        """Enroll the user, keep the unit's LMS link, remember a deep-linking request."""
        claims = self.claims
        student_visit = unit_id if unit_id is not None and self.entered.role == "STUDENT" else None
        self.enroll(class_id, visit_unit_id=student_visit)
        if unit_id is not None:
            self.record_link(unit_id)
        if claims.message_type == "LtiDeepLinkingRequest" and claims.deep_linking is not None:
            self.remember_deep_link(class_id)

    def enroll(self, class_id: str, visit_unit_id: str | None = None) -> None:
        claims, entered = self.claims, self.entered
        said = LmsProfile.from_claims(claims, self.org)  # cleaned like the account's
        MemberStore().enroll(
            Member(
                class_id=class_id,
                account_id=entered.account.account_id,
                role=entered.role,
                read_only=entered.read_only,
                mentee_subs=list(entered.mentee_subs) if entered.mentee_subs else None,
                sub=claims.sub,
                issuer=claims.issuer,
                registration_id=claims.registration_id,
                name=said.name or entered.account.name,
                email=said.email or entered.account.email,
                student_id=said.student_id or entered.account.student_id,
            ),
            visit_unit_id=visit_unit_id,
        )

    def remember_deep_link(self, class_id: str) -> None:
        claims = self.claims
        assert claims.deep_linking is not None
        DeepLinkStore().put(
            PendingDeepLink(
                class_id=class_id,
                account_id=self.entered.account.account_id,
                launch_id=claims.launch_id,
                issuer=claims.issuer,
                client_id=claims.client_id,
                deployment_id=claims.deployment_id,
                target_link_uri=claims.target_link_uri,
                settings=claims.deep_linking,
                expires_at=int(time.time()) + PENDING_SECONDS,
            )
        )


def _link_values(claims: LaunchClaims) -> dict:
    """The unit's LMS link and AGS details as this launch tells them."""
    values: dict = {
        "issuer": claims.issuer,
        "clientId": claims.client_id,
        "registrationId": claims.registration_id,
        "deploymentId": claims.deployment_id,
        "resourceLinkId": claims.resource_link_id,
        "contextId": claims.context_id,
        "lmsFamily": claims.platform_family,
    }
    if claims.ags is not None:
        values.update(
            {
                "lineitem": claims.ags.lineitem,
                "lineitems": claims.ags.lineitems,
                "agsScope": list(claims.ags.scope),
            }
        )
    return values


def _link_signature(unit_id: str, values: dict) -> str:
    """A digest of the LMS link/AGS details last written to a unit."""
    canonical = json.dumps([unit_id, values], sort_keys=True, default=str)
    return hashlib.sha256(canonical.encode()).hexdigest()[:32]


def _ask_for_copy_notices(claims: LaunchClaims) -> None:
    from coursebridge.classes.copy_notices import register_copy_notices  # AGS client: lazy

    register_copy_notices(claims)


def _line_item_from_lms(claims: LaunchClaims) -> Decimal | None:
    from coursebridge.classes.line_item import line_item_max_from_lms  # AGS client: lazy

    return line_item_max_from_lms(claims)


def enter_course(
    claims: LaunchClaims,
    entered: Entered,
    org: Org,
    *,
    store: ClassStore | None = None,
    line_item_max: LineItemMax | None = None,
) -> CourseEntry | NotSetUp:
    """Map the launch to a class (and unit) and enroll the user.

    ``line_item_max``: reads the AGS line item's ``scoreMaximum`` for a new unit whose
    launch names a line item and gives no ``custom.max_score`` (default: one AGS GET
    with a service token, classes/line_item.py).
    """
    entry = _Entry(
        claims, entered, org, store or ClassStore(), line_item_max or _line_item_from_lms
    )
    class_id = entry.course()
    if class_id is None:
        return NotSetUp("course")
    unit_id = None
    if entry.link_key is not None:  # a resource link launch (deep linking has no activity)
        unit_id = entry.unit(class_id)
        if unit_id is None:
            return NotSetUp("activity")
    entry.join(class_id, unit_id)
    return CourseEntry(class_id, unit_id)
