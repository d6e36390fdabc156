"""Seeds a class, a unit, members and grades exactly as docs/DATA.md lists them (what the
classes helper's launch and grade saving write), plus the demo LMS's AGS service."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from decimal import Decimal

import requests

from coursebridge.grades.release_plan import GradeState
from coursebridge.grades.release_store import ReleaseStore
from coursebridge.lti.ags import SCOPE_LINEITEM, SCOPE_LINEITEM_READONLY, SCOPE_SCORE, PlatformGate
from coursebridge.lti.ags_token import TokenProvider
from coursebridge.sessions import Session, encode_session
from coursebridge.store import keys
from coursebridge.store.classes import ClassRecord, UnitRecord
from coursebridge.store.dynamo import app_table, now_epoch
from coursebridge.store.gradebook import GradebookStore, GradeWrite
from coursebridge.store.orgs import Org, OrgStore
from coursebridge.store.platforms import PlatformRegistration, PlatformStore
from local.demo_lms.ags import AgsService, Faults
from local.demo_lms.ags_server import AgsServer, serve

ISSUER = "https://demo-lms.example"
REGISTRATION_ID = "reg_demo"
CLIENT_ID = "coursebridge-demo"
DEPLOYMENT = "dep-1"
ORG = "acme"
CLASS_ID = "cls_1"
UNIT_ID = "unit_1"
CONTEXT = "course-101"
RESOURCE_LINK = "rl-1"
TEACHER = "acc_teacher"
TEACHER_EMAIL = "teacher@acme.edu"
ALL_SCOPES = [SCOPE_LINEITEM, SCOPE_LINEITEM_READONLY, SCOPE_SCORE]


@dataclass
class Lms:
    service: AgsService
    server: AgsServer
    base_url: str
    lineitem: str | None = None

    @property
    def lineitems(self) -> str:
        return self.service.lineitems_url(self.base_url, CONTEXT)


@contextmanager
def running_lms(stack, faults: Faults | None = None, flavour: str = "generic") -> Iterator[Lms]:
    """The demo LMS's AGS service; ``flavour``: whose URLs and refusals it plays."""
    TokenProvider.forget_process_cache()
    PlatformGate._gates.clear()
    service = AgsService(
        f"{stack.ports.tool_url}/.well-known/jwks.json",
        client_ids={CLIENT_ID},
        faults=faults,
        lms=flavour,
    )
    server = serve(service)
    try:
        yield Lms(service, server, server.base_url)
    finally:
        server.stop()


def seed_platform(lms: Lms) -> None:
    OrgStore().create(Org(org_id=ORG, name="Acme", schools=["s1"]))
    PlatformStore().add(
        PlatformRegistration(
            issuer=ISSUER,
            registration_id=REGISTRATION_ID,
            client_id=CLIENT_ID,
            deployment_ids=[DEPLOYMENT],
            auth_login_url=f"{lms.base_url}/auth",
            auth_token_url=f"{lms.base_url}/token",
            jwks_url=f"{lms.base_url}/jwks",
            org_id=ORG,
        )
    )


def seed_unit(
    lms: Lms,
    *,
    coupled: bool = True,
    max_score: int | None = 10,
    scopes=None,
    family: str | None = None,
) -> None:
    """The class and unit items as the launch writes them (the classes code's records);
    ``coupled``: the launch carried a line item, else only the line items container;
    ``family``: the launch's tool_platform product family."""
    if coupled:
        lms.lineitem = lms.service.ensure_line_item(
            lms.base_url, CONTEXT, RESOURCE_LINK, "Essay 1", float(max_score or 100)
        )
    app_table().put_item(Item=ClassRecord(class_id=CLASS_ID, org_id=ORG, title="Year 9").to_item())
    unit = UnitRecord(
        unit_id=UNIT_ID,
        class_id=CLASS_ID,
        org_id=ORG,
        title="Essay 1",
        max_score=Decimal(max_score) if max_score is not None else None,
        issuer=ISSUER,
        registration_id=REGISTRATION_ID,
        client_id=CLIENT_ID,
        deployment_id=DEPLOYMENT,
        resource_link_id=RESOURCE_LINK,
        context_id=CONTEXT,
        lineitem=lms.lineitem if coupled else None,
        lineitems=lms.lineitems,
        ags_scope=scopes if scopes is not None else ALL_SCOPES,
        lms_family=family,
    )
    app_table().put_item(Item=unit.to_item())


def seed_member(account_id: str, role: str, name: str, *, read_only: bool = False) -> None:
    """A member confirmed by a launch just now."""
    app_table().put_item(
        Item={
            **keys.member(CLASS_ID, account_id),
            "role": role,
            "readOnly": read_only,
            "sub": f"sub-{account_id}",
            "issuer": ISSUER,
            "registrationId": REGISTRATION_ID,
            "name": name,
            "email": f"{account_id}@acme.edu",
            "updatedAt": now_epoch(),
        }
    )


@dataclass
class Students:
    ids: list[str] = field(default_factory=list)

    def sub(self, account_id: str) -> str:
        return f"sub-{account_id}"


def seed_students(count: int) -> Students:
    students = Students()
    for n in range(count):
        account_id = f"acc_s{n:04d}"
        seed_member(account_id, "STUDENT", f"Student {n:04d}")
        students.ids.append(account_id)
    return students


def grade(account_id: str, score: float, *, comment: str = "", max_score: int = 10) -> None:
    """Save a grade with the grading code's own store (what PUT …/grades/{accountId} does
    after validation)."""
    GradebookStore().save(
        GradeWrite(
            class_id=CLASS_ID,
            unit_id=UNIT_ID,
            account_id=account_id,
            sub=f"sub-{account_id}",
            issuer=ISSUER,
            registration_id=REGISTRATION_ID,
            score=Decimal(str(score)),
            max_score=Decimal(max_score),
            comment=comment,
            graded_by=TEACHER,
        )
    )


def put_grade(stack, account_id: str, score: float, comment: str = "") -> None:
    """Grade through the classes code's own API, as the teacher's page does."""
    response = requests.put(
        f"{stack.ports.tool_url}/api/classes/{CLASS_ID}/units/{UNIT_ID}/grades/{account_id}",
        headers={"Authorization": f"Bearer {teacher_token()}"},
        json={"score": score, "maxScore": 10, "comment": comment},
        timeout=30,
    )
    assert response.status_code == 200, response.text


def my_grade(stack, account_id: str) -> dict:
    token = teacher_token(account_id=account_id, role="STUDENT")
    response = requests.get(
        f"{stack.ports.tool_url}/api/classes/{CLASS_ID}/units/{UNIT_ID}/my-grade",
        headers={"Authorization": f"Bearer {token}"},
        timeout=30,
    )
    assert response.status_code == 200, response.text
    return response.json()


def grade_item(account_id: str) -> dict:
    return app_table().get_item(Key=keys.grade(UNIT_ID, account_id), ConsistentRead=True)["Item"]


def grade_state(account_id: str) -> GradeState:
    """The grade as the release sees it (released version under the unit's epoch)."""
    (state,) = [g for g in ReleaseStore().grades(UNIT_ID) if g.account_id == account_id]
    return state


def teacher_token(*, read_only: bool = False, role: str = "TEACHER", account_id=TEACHER) -> str:
    return encode_session(
        Session(
            account_id=account_id,
            org_id=ORG,
            issuer=ISSUER,
            registration_id=REGISTRATION_ID,
            deployment_id=DEPLOYMENT,
            sub=f"sub-{account_id}",
            name="Terry Teacher",
            email=TEACHER_EMAIL,
            role=role,  # type: ignore[arg-type]
            read_only=read_only,
            class_id=CLASS_ID,
            unit_id=UNIT_ID,
        )
    )


def post_release(stack, token: str | None = None) -> requests.Response:
    return requests.post(
        f"{stack.ports.tool_url}/api/classes/{CLASS_ID}/units/{UNIT_ID}/release",
        headers={"Authorization": f"Bearer {token or teacher_token()}"},
        timeout=30,
    )


def get_release(stack, release_id: str, token: str | None = None) -> requests.Response:
    return requests.get(
        f"{stack.ports.tool_url}/api/releases/{release_id}",
        headers={"Authorization": f"Bearer {token or teacher_token()}"},
        timeout=30,
    )


def drain(stack, max_polls: int = 10) -> int:
    """Run the release worker until its queue is empty; returns invocations made."""
    poller = stack.make_pollers()["GradeReleaseFunction"]
    polls = 0
    while polls < max_polls and poller.poll_once(wait_seconds=0):
        polls += 1
    return polls
