"""A launch tells the class where its course's roster is (NRPS ``context_memberships_url``).

The class keeps one roster source per course mapped to it (store/roster.py), keyed by the
registration that signed the launch. The course map carries a digest of what the source
last said (``rosterSig``), so an ordinary launch — the course map is read anyway — writes
nothing; a new course, a changed URL or a course re-mapped to another class writes the
source once.
"""

from __future__ import annotations

import hashlib
import json

from coursebridge.lti.claims import LaunchClaims
from coursebridge.store.classes import ClassStore
from coursebridge.store.roster import RosterSource, RosterSourceStore


def roster_signature(class_id: str, claims: LaunchClaims) -> str:
    canonical = json.dumps(
        [
            class_id,
            claims.registration_id,
            claims.deployment_id,
            claims.context_id,
            claims.memberships_url,
        ],
    )
    return hashlib.sha256(canonical.encode()).hexdigest()[:32]


def record_roster_source(
    store: ClassStore,
    claims: LaunchClaims,
    org_id: str,
    class_id: str,
    course_key: dict[str, str],
    seen_signature: str | None,
) -> None:
    """Keep the class's roster source current when the launch names one."""
    if not claims.memberships_url or not claims.context_id:
        return
    signature = roster_signature(class_id, claims)
    if signature == seen_signature:
        return  # an ordinary launch: nothing changed
    RosterSourceStore().put(
        RosterSource(
            class_id=class_id,
            org_id=org_id,
            registration_id=claims.registration_id,
            issuer=claims.issuer,
            client_id=claims.client_id,
            deployment_id=claims.deployment_id,
            context_id=claims.context_id,
            memberships_url=claims.memberships_url,
            resource_link_id=claims.resource_link_id,
        )
    )
    store.mark_roster_recorded(course_key, signature)
