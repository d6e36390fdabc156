"""Test helpers for the classroom (classes/units/grades) tests: orgs, launches, sessions.

Launches go through the real contracts — ``resolve_launch_account`` then
``enter_course`` — so the tests exercise what the LTI launch handler will call.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Any

import requests

from coursebridge.accounts.resolve import Entered, resolve_launch_account
from coursebridge.classes.enter import CourseEntry, NotSetUp, enter_course
from coursebridge.lti.claims import AgsEndpoint, DeepLinkingSettings, LaunchClaims
from coursebridge.sessions import Session, encode_session
from coursebridge.store.orgs import Org, OrgStore

ISSUER = "https://lms.example.edu"
CLIENT_ID = "client-1"
DEPLOYMENT = "dep-1"
REGISTRATION_ID = "reg_classroom"
LIS = "http://purl.imsglobal.org/vocab/lis/v2/membership#"
INSTRUCTOR = [f"{LIS}Instructor"]
LEARNER = [f"{LIS}Learner"]
MENTOR = [f"{LIS}Mentor"]


def make_org(org_id: str = "acme", **settings: Any) -> Org:
    org = Org(org_id=org_id, name=f"Org {org_id}", **settings)
    OrgStore().create(org)
    return org


def claims(
    sub: str,
    roles: list[str],
    *,
    context_id: str = "course-1",
    context_title: str = "Biology 101",
    link_id: str | None = "link-1",
    link_title: str = "Lab 1",
    message_type: str = "LtiResourceLinkRequest",
    **extra: Any,
) -> LaunchClaims:
    values: dict[str, Any] = {
        "launch_id": uuid.uuid4().hex,
        "issuer": ISSUER,
        "client_id": CLIENT_ID,
        "registration_id": REGISTRATION_ID,
        "deployment_id": DEPLOYMENT,
        "message_type": message_type,
        "target_link_uri": "https://tool.example/lti/launch",
        "sub": sub,
        "email": f"{sub}@school.example",
        "name": sub.replace("-", " ").title(),
        "roles": roles,
        "context_id": context_id,
        "context_title": context_title,
        "resource_link_id": link_id if message_type == "LtiResourceLinkRequest" else None,
        "resource_link_title": link_title,
    }
    values.update(extra)
    return LaunchClaims(**values)


def ags(lineitem: str | None = "https://lms.example.edu/lineitems/1") -> AgsEndpoint:
    return AgsEndpoint(
        scope=["https://purl.imsglobal.org/spec/lti-ags/scope/score"],
        lineitems="https://lms.example.edu/lineitems",
        lineitem=lineitem,
    )


def deep_linking(**overrides: Any) -> DeepLinkingSettings:
    values: dict[str, Any] = {
        "deep_link_return_url": "https://lms.example.edu/deep_link_return",
        "accept_types": ["ltiResourceLink"],
        "data": "opaque-data-123",
    }
    values.update(overrides)
    return DeepLinkingSettings(**values)


@dataclass
class Launched:
    entry: CourseEntry | NotSetUp
    entered: Entered
    session: Session
    token: str

    @property
    def class_id(self) -> str:
        assert isinstance(self.entry, CourseEntry), self.entry
        return self.entry.class_id

    @property
    def unit_id(self) -> str:
        assert isinstance(self.entry, CourseEntry) and self.entry.unit_id, self.entry
        return self.entry.unit_id

    @property
    def account_id(self) -> str:
        return self.entered.account.account_id


def launch(launch_claims: LaunchClaims, org: Org, **enter_kwargs: Any) -> Launched:
    """What the launch handler does: account, course entry, session."""
    entered = resolve_launch_account(launch_claims, org)
    assert isinstance(entered, Entered), entered
    if launch_claims.role_scope_mentor and entered.mentee_subs is None:
        entered = Entered(
            entered.account, entered.role, entered.read_only, tuple(launch_claims.role_scope_mentor)
        )
    entry = enter_course(launch_claims, entered, org, **enter_kwargs)
    session = Session(
        account_id=entered.account.account_id,
        org_id=org.org_id,
        issuer=launch_claims.issuer,
        deployment_id=launch_claims.deployment_id,
        sub=launch_claims.sub,
        name=launch_claims.name or "",
        email=launch_claims.email,
        role=entered.role,
        read_only=entered.read_only,
        mentee_subs=list(entered.mentee_subs) if entered.mentee_subs is not None else None,
        class_id=entry.class_id if isinstance(entry, CourseEntry) else None,
        unit_id=entry.unit_id if isinstance(entry, CourseEntry) else None,
    )
    return Launched(entry, entered, session, encode_session(session))


class Client:
    """HTTP against the local stack's API Gateway stand-in."""

    def __init__(self, base_url: str) -> None:
        self.base_url = base_url

    def request(
        self, method: str, path: str, token: str | None = None, **kwargs: Any
    ) -> requests.Response:
        headers = dict(kwargs.pop("headers", {}))
        if token:
            headers["authorization"] = f"Bearer {token}"
        return requests.request(
            method,
            f"{self.base_url}{path}",
            headers=headers,
            timeout=20,
            allow_redirects=False,
            **kwargs,
        )
