"""Roster sync: a class follows its LMS courses' membership (NRPS 2.0).

``sync_class_roster`` (the teacher's ``POST /api/classes/{c}/roster/sync`` and the
schedule's worker) reads, for each of the class's roster sources (store/roster.py), the
course's whole membership with that source's registration's token, then applies
``roster_rules.plan_roster``:

1. leavers: ``leftAt`` set (conditional on the member as read: a launch meanwhile wins).
   Their grades stay; Release Grades never sends them again (grades/release_store.py
   leaves them out), and the membership grants nothing until the LMS launches them again;
2. changes: the account syncs its LMS name and email as at a launch, then the member is
   updated (re-activated when it had left);
3. newcomers: an account found or made by the launch rules (classes/roster_accounts.py),
   then the members written 100 a transaction, each only if still absent.

A sync with nothing to change writes nothing: unchanged members are compared with what
the class already holds and never read beyond the one query of its members.

Tenancy: a source is read only with the registration that recorded it, and only when that
registration still exists, belongs to the class's organization and its course map still
points at this class; every person is resolved as that registration's LMS identity and
only that registration's members can be marked as leaving. A registration with a source
that could not be read whole has nobody marked as leaving.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from aws_lambda_powertools import Logger

from coursebridge import aws
from coursebridge.classes.roster_accounts import Enrolled, accounts_for, enroll_one
from coursebridge.classes.roster_rules import Change, Listed, RosterPlan, plan_roster
from coursebridge.keyring import active_signing_key_id
from coursebridge.lti.ags import AgsError, TransientAgsError
from coursebridge.lti.ags_token import AgsPlatform
from coursebridge.lti.nrps import NRPS_SCOPE, NrpsClient, NrpsMember
from coursebridge.settings import get_settings
from coursebridge.signing import KmsSigner
from coursebridge.store import keys
from coursebridge.store.classes import ClassStore
from coursebridge.store.dynamo import now_epoch
from coursebridge.store.links import LinkStore
from coursebridge.store.members import Member, MemberStore
from coursebridge.store.orgs import Org, OrgStore
from coursebridge.store.platforms import PlatformRegistration, PlatformStore
from coursebridge.store.roster import RosterSource, RosterSourceStore

logger = Logger(child=True)

ClientFactory = Callable[[RosterSource, PlatformRegistration, float | None], NrpsClient]


class RosterUnavailable(Exception):
    """No roster could be read for this class; the message says why (nothing changed).
    ``transient``: the LMS may answer later (timeouts, 429/5xx after the retries)."""

    def __init__(self, message: str, *, transient: bool = False) -> None:
        super().__init__(message)
        self.transient = transient


def enqueue_roster_sync(
    class_id: str, *, requested_by: str | None = None, continuation: int = 0
) -> None:
    """Have the roster sync worker sync ``class_id`` (the schedule, or what a teacher's
    sync had no time left for)."""
    message: dict[str, Any] = {"classId": class_id, "continuation": continuation}
    if requested_by:
        message["requestedBy"] = requested_by
    aws.client("sqs").send_message(
        QueueUrl=get_settings().roster_sync_queue_url, MessageBody=json.dumps(message)
    )


def default_client_factory(
    source: RosterSource, registration: PlatformRegistration, deadline: float | None
) -> NrpsClient:
    return NrpsClient(
        platform=AgsPlatform.of(registration),
        scopes=frozenset({NRPS_SCOPE}),
        sign_assertion=KmsSigner(active_signing_key_id()).sign_jwt,
        deadline=deadline,
    )


@dataclass
class SyncResult:
    added: int = 0
    updated: int = 0  # re-activated members included
    deactivated: int = 0
    unchanged: int = 0
    reactivated: int = 0
    skipped: int = 0  # listed, but not enrolled (trial org student, teacher to confirm…)
    pages: int = 0
    complete: bool = True  # False: out of time, the rest is left for the next sync
    errors: list[str] = field(default_factory=list)

    def to_json(self) -> dict[str, Any]:
        return {
            "added": self.added,
            "updated": self.updated,
            "deactivated": self.deactivated,
            "unchanged": self.unchanged,
            "reactivated": self.reactivated,
            "skipped": self.skipped,
            "pages": self.pages,
            "complete": self.complete,
            "errors": self.errors,
        }


@dataclass
class _Read:
    """The rosters read whole, per registration, and the source each person came from."""

    rosters: dict[str, list[NrpsMember]] = field(default_factory=dict)
    source_of: dict[tuple[str, str], RosterSource] = field(default_factory=dict)
    failed: set[str] = field(default_factory=set)
    transient: bool = False  # a source failed in a way a later try may not


class _Sync:
    def __init__(
        self, class_id: str, org: Org, deadline: float | None, client_factory: ClientFactory
    ) -> None:
        self.class_id = class_id
        self.org = org
        self.deadline = deadline
        self.client_factory = client_factory
        self.members = MemberStore()
        self.result = SyncResult()

    def out_of_time(self) -> bool:
        return self.deadline is not None and time.monotonic() > self.deadline

    # ------------------------------------------------------------ read
    def live_sources(self) -> list[RosterSource]:
        """The class's sources whose course map still points at it: a course re-mapped to
        another class follows that class now (its launch records a source there), and
        its old source here is left unread."""
        sources = RosterSourceStore().of_class(self.class_id)
        maps = ClassStore().mapped_targets(
            [keys.course_map(s.registration_id, s.deployment_id, s.context_id) for s in sources]
        )
        return [
            source
            for source, found in zip(sources, maps, strict=True)
            if found and found.get("targetId") == self.class_id
        ]

    def read(self, sources: list[RosterSource]) -> _Read:
        read = _Read()
        for source in sources:
            try:
                entries = self._read_source(source)
            except (AgsError, RosterUnavailable) as error:
                reason = getattr(error, "reason", None) or str(error)
                logger.warning("roster not read", extra={"reason": reason})
                self.result.errors.append(f"{source.context_id}: {reason}")
                read.failed.add(source.registration_id)
                read.transient |= isinstance(error, TransientAgsError)
                continue
            read.rosters.setdefault(source.registration_id, []).extend(entries)
            for entry in entries:
                read.source_of.setdefault((source.registration_id, entry.user_id), source)
        for registration_id in read.failed:  # a part of a roster is not a roster
            read.rosters.pop(registration_id, None)
        return read

    def _read_source(self, source: RosterSource) -> list[NrpsMember]:
        registration = PlatformStore().get(source.issuer, source.client_id)
        if (
            registration is None
            or registration.registration_id != source.registration_id
            or registration.org_id != self.org.org_id
        ):
            raise RosterUnavailable("the LMS registration of this course was removed")
        client = self.client_factory(source, registration, self.deadline)
        rlid = source.resource_link_id if self.org.student_id_field else None
        membership = client.membership(source.memberships_url, rlid=rlid)
        self.result.pages += membership.pages
        return membership.members

    # ------------------------------------------------------------ write
    def leave(self, leaving: list[Member]) -> None:
        now = now_epoch()
        for member in leaving:
            if self.members.update_from_roster(member, {"leftAt": now}):
                self.result.deactivated += 1

    def change(self, changed: list[Change], read: _Read) -> None:
        for change in changed:
            if self.out_of_time():
                self.result.complete = False
                return
            if change.profile_changed:  # the account copies the LMS's changes, as at a launch
                source = read.source_of[
                    (change.listed.registration_id, change.listed.entry.user_id)
                ]
                enroll_one(source, change.listed, self.org, LinkStore())
            if self.members.update_from_roster(change.member, change.values):
                self.result.updated += 1
                self.result.reactivated += change.reactivates

    def add(self, new: list[Listed], read: _Read) -> None:
        by_source: dict[tuple[str, str], tuple[RosterSource, list[Listed]]] = {}
        for person in new:
            source = read.source_of[(person.registration_id, person.entry.user_id)]
            by_source.setdefault((source.registration_id, source.key["sk"]), (source, []))[
                1
            ].append(person)
        for source, people in by_source.values():
            done = accounts_for(source, people, self.org, stop=self.deadline)
            self.result.complete &= len(done) == len(people)
            self._write_new(done)

    def _write_new(self, done: list[Enrolled]) -> None:
        unique: dict[str, Member] = {}
        for enrolled in done:
            if enrolled.member is None:
                self.result.skipped += 1
            elif enrolled.member.account_id in unique:
                self.result.skipped += 1  # two LMS users, one account: enrolled once
            else:
                unique[enrolled.member.account_id] = enrolled.member
        written = self.members.add_from_roster(list(unique.values()))
        self.result.added += len(written)
        self.result.skipped += len(unique) - len(written)  # enrolled by a launch meanwhile

    def apply(self, plan: RosterPlan, read: _Read) -> None:
        self.result.unchanged = plan.unchanged
        self.leave(plan.leaving)
        self.change(plan.changed, read)
        self.add(plan.new, read)


def sync_class_roster(
    class_id: str,
    *,
    requested_by: str | None = None,
    deadline: float | None = None,
    client_factory: ClientFactory = default_client_factory,
) -> SyncResult:
    """Bring the class's members in line with its LMS courses' rosters (module docstring).

    ``requested_by``: the account syncing (never marked as leaving by its own sync);
    ``deadline``: time.monotonic() after which no new work starts (``complete`` False).
    Raises RosterUnavailable when the class has no roster source or none could be read.
    """
    cls = ClassStore().get_class(class_id)
    org = OrgStore().get(cls.org_id) if cls else None
    if cls is None or org is None:
        raise RosterUnavailable("this class no longer exists")
    sync = _Sync(class_id, org, deadline, client_factory)
    sources = sync.live_sources()
    if not sources:
        raise RosterUnavailable(
            "the LMS has not offered this course's roster yet: open the activity from the "
            "LMS once, and ask the LMS admin to grant the tool the Names and Roles service"
        )
    read = sync.read(sources)
    if not read.rosters:
        raise RosterUnavailable(
            "the LMS roster could not be read: " + "; ".join(sync.result.errors)
        )
    plan = plan_roster(sync.members.members(class_id), read.rosters, org, keep={requested_by or ""})
    sync.apply(plan, read)
    logger.info("roster synced", extra={"classId": class_id, **sync.result.to_json()})
    return sync.result
