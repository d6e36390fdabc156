"""Two organizations on one deployment, one of them hostile: every cell refused or isolated.

The victim is the demo LMS's organization (``demo``). The hostile organization
(``mallory``) registers **the same issuer** with its own client id and its own keys (its
own JWKS, served by a second demo platform) and has an admin of its own. Everything
crosses HTTP through the local stack: login + launch, the JSON API and pages, the CSV
import from S3, the CLI. After every hostile action the victim's items (accounts,
email claims, LMS links, maps, class, unit, members, grades, releases, audit) are
exactly as they were, and every refusal is a 4xx page, JSON error or row error that
says why.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from urllib.parse import parse_qs, urlsplit

import pytest
import requests

from coursebridge.cli import main
from coursebridge.lti.tool_config import forget_cached_config
from coursebridge.sessions import Session, decode_session
from coursebridge.store import keys
from coursebridge.store.dynamo import app_table, users_table
from coursebridge.store.orgs import Org, OrgStore
from coursebridge.store.platforms import PlatformRegistration, PlatformStore
from local.demo_lms import DemoLms
from local.demo_lms.platform import PEOPLE
from local.servers import free_port
from tests.classroom import Client
from tests.integration.import_support import read_report, rows, run_until_done, upload
from tests.lti_support import ToolClient, registered

pytestmark = pytest.mark.integration

HOSTILE_ORG, HOSTILE_CLIENT, HOSTILE_SCHOOL = "mallory", "mallory-tool", "m1"
FOREIGN = "Email belongs to an account of another organization"


@dataclass
class Launch:
    response: requests.Response

    @property
    def session(self) -> Session:
        assert self.response.status_code in (302, 303), self.response.text
        token = self.token
        session = decode_session(token)
        assert session is not None
        return session

    @property
    def token(self) -> str:
        return parse_qs(urlsplit(self.response.headers["location"]).query)["cb_session"][0]


@dataclass
class World:
    tool: ToolClient
    hostile_lms: DemoLms
    http: Client
    victim: dict[str, Launch]
    hostile: dict[str, Launch]
    release_id: str
    hostile_admin: str

    @property
    def victim_class(self) -> str:
        return self.victim["teacher"].session.class_id or ""

    @property
    def victim_unit(self) -> str:
        return self.victim["teacher"].session.unit_id or ""


def hostile_launch(world_tool: ToolClient, hostile_lms: DemoLms, person: str) -> Launch:
    """A launch signed by the hostile registration's keys, claiming the victim's issuer,
    the victim's LMS user id, email, course and activity."""
    issuer = world_tool.lms.platform.issuer
    platform = hostile_lms.platform
    login = world_tool.login(
        person, iss=issuer, client_id=HOSTILE_CLIENT, lti_deployment_id=platform.deployment_id
    )
    claims = platform.id_token_claims(
        PEOPLE[person], "cells", "LtiResourceLinkRequest", login.nonce
    )
    claims.update(iss=issuer, aud=HOSTILE_CLIENT, azp=HOSTILE_CLIENT)
    token = platform.keys.sign(claims)
    return Launch(world_tool.launch(token, login.state, login.cookie_header))


def _all_items() -> dict[tuple, dict]:
    items: dict[tuple, dict] = {}
    for table, names in ((users_table(), ("platform", "userId")), (app_table(), ("pk", "sk"))):
        scan = {"ConsistentRead": True}
        while True:
            page = table.scan(**scan)
            for item in page["Items"]:
                items[(table.name, *(item[k] for k in names))] = item
            if "LastEvaluatedKey" not in page:
                break
            scan["ExclusiveStartKey"] = page["LastEvaluatedKey"]
    return items


CLAIMS = ("email-claim", "issued-claim")


def victim_state(world: World) -> dict[tuple, dict]:
    """Every item that belongs to the victim organization or its registration."""
    victim_accounts = {launch.session.account_id for launch in world.victim.values()}
    victim_registration = world.victim["teacher"].session.registration_id
    owned = {
        keys.class_partition(world.victim_class),
        keys.unit_partition(world.victim_unit),
        keys.release(world.release_id)["pk"],
        *keys.audit_partitions("demo"),
        keys.org("demo")["pk"],
    }
    kept = {}
    for key, item in _all_items().items():
        partition = str(key[1])
        mine = (
            partition in owned
            or victim_registration in partition  # LMS links, course and activity maps
            or (item.get("kind") == "account" and key[2] in victim_accounts)
            or (item.get("kind") in CLAIMS and item.get("accountId") in victim_accounts)
        )
        if mine:
            kept[key] = item
    return kept


@pytest.fixture(scope="module")
def hostile_lms(local_stack) -> Iterator[DemoLms]:
    lms = DemoLms(free_port(), local_stack.ports.tool_url).start()
    yield lms
    lms.stop()


@pytest.fixture
def world(stack, lms, hostile_lms) -> World:
    tool = registered(stack, lms)
    http = Client(stack.ports.tool_url)
    victim = {p: Launch(tool.full_launch(p)) for p in ("teacher", "mentor", "student")}
    teacher = victim["teacher"]
    student = victim["student"].session
    grades = f"/api/classes/{teacher.session.class_id}/units/{teacher.session.unit_id}"
    saved = http.request(
        "PUT",
        f"{grades}/grades/{student.account_id}",
        teacher.token,
        json={"score": 7, "maxScore": 10, "comment": "private note"},
    )
    assert saved.status_code == 200, saved.text
    released = http.request("POST", f"{grades}/release", teacher.token)
    assert released.status_code == 202, released.text

    OrgStore().create(
        Org(
            org_id=HOSTILE_ORG,
            name="Mallory Academy",
            schools=[HOSTILE_SCHOOL],
            csv_password_override=True,
        )
    )
    p = hostile_lms.platform
    PlatformStore().add(
        PlatformRegistration(
            issuer=lms.platform.issuer,  # the victim's issuer, as every Canvas cloud customer
            client_id=HOSTILE_CLIENT,
            deployment_ids=[p.deployment_id],
            auth_login_url=p.auth_login_url,
            auth_token_url=p.token_url,
            jwks_url=p.jwks_url,  # its own keys
            org_id=HOSTILE_ORG,
        )
    )
    forget_cached_config()
    hostile = {person: hostile_launch(tool, hostile_lms, person) for person in ("ta", "student")}
    code = main(
        [
            "admin",
            "add",
            "--org",
            HOSTILE_ORG,
            "--school",
            HOSTILE_SCHOOL,
            "--email",
            "m@mal.example",
        ]
    )
    assert code == 0
    from coursebridge.store.accounts import AccountStore

    hostile_admin = AccountStore().account_id_for_email("m@mal.example")
    assert hostile_admin
    return World(
        tool, hostile_lms, http, victim, hostile, released.json()["releaseId"], hostile_admin
    )


# ------------------------------------------------------------------ LMS registration
@pytest.mark.parametrize("person", ["student", "ta"])
def test_the_same_issuer_from_another_registration_never_reaches_the_victims_people(world, person):
    before = victim_state(world)
    launched = hostile_launch(world.tool, world.hostile_lms, person)
    session = launched.session  # it signs in — as a person of its own organization
    victims = {launch.session.account_id for launch in world.victim.values()}
    assert session.org_id == HOSTILE_ORG and session.account_id not in victims
    assert session.class_id != world.victim_class and session.unit_id != world.victim_unit
    assert victim_state(world) == before


@pytest.mark.parametrize("person", ["teacher", "mentor"])
def test_a_hostile_teacher_launch_with_a_victims_email_must_confirm_and_links_nothing(
    world, person
):
    before = victim_state(world)
    page = hostile_launch(world.tool, world.hostile_lms, person).response
    assert page.status_code == 200 and "confirm your email" in page.text
    assert "Demo School District" not in page.text  # the other organization is never named
    assert "existing" not in page.text  # nor does the page say an account exists
    assert victim_state(world) == before


# ------------------------------------------------------------------ sessions
def _victim_routes(world: World) -> list[tuple[str, str, dict]]:
    c, u = world.victim_class, world.victim_unit
    student = world.victim["student"].session.account_id
    base = f"/api/classes/{c}/units/{u}"
    return [
        ("GET", f"{base}/grades", {}),
        ("GET", f"{base}/grades.csv", {}),
        ("GET", f"{base}/my-grade", {}),
        ("PUT", f"{base}/grades/{student}", {"json": {"score": 0, "maxScore": 10}}),
        ("POST", f"{base}/release", {}),
        ("POST", f"{base}/resend", {"json": {"accountIds": [student]}}),
        ("GET", f"{base}/releases", {}),
        ("GET", f"/api/releases/{world.release_id}", {}),
        ("GET", f"/app/classes/{c}/units/{u}", {}),
        ("GET", f"/app/classes/{c}/deep-link", {}),
    ]


@pytest.mark.parametrize("actor", ["ta", "student"])
def test_hostile_sessions_are_refused_on_every_victim_route_and_change_nothing(world, actor):
    token = world.hostile[actor].token
    before = victim_state(world)
    for method, path, kwargs in _victim_routes(world):
        response = world.http.request(method, path, token, **kwargs)
        assert response.status_code == 403, (method, path, response.status_code)
        if path.startswith("/api/"):
            assert response.json()["error"], path
        else:
            assert "<h1>" in response.text and "Traceback" not in response.text
    assert victim_state(world) == before


# ------------------------------------------------------------------ admin CSV
def test_a_hostile_admins_csv_naming_the_victims_people_fails_those_rows(world, stack):
    before = victim_state(world)
    body = rows(
        f"Eve,Evil,{PEOPLE['teacher'].email},1,X1,{HOSTILE_SCHOOL}",
        f"Eve,Evil,{PEOPLE['student'].email},0,X2,{HOSTILE_SCHOOL}",
        f"New,Person,new@mal.example,0,X3,{HOSTILE_SCHOOL}",
    )
    job = run_until_done(
        stack, upload(stack, world.hostile_admin, body, custom_password="Takeover-1234!")
    )
    report, _ = read_report(stack, job)
    assert (report["created"], report["updated"], report["failed"]) == (1, 0, 2)
    assert {(e["row"], e["message"]) for e in report["errors"]} == {(2, FOREIGN), (3, FOREIGN)}
    assert victim_state(world) == before


def test_a_hostile_drop_under_the_victims_prefix_imports_nothing(world, stack):
    from coursebridge.store.accounts import AccountStore

    victim_admin = AccountStore().create(
        __import__("coursebridge.store.accounts", fromlist=["Account"]).Account(
            email="head@demo.example", orgs={"demo"}
        )
    )
    before = victim_state(world)
    body = rows(f"Eve,Evil,{PEOPLE['teacher'].email},1,X1,demo-school")
    job = run_until_done(stack, upload(stack, victim_admin.account_id, body, ticket=None))
    assert job.status == "rejected"
    assert victim_state(world) == before


# ------------------------------------------------------------------ operator CLI
def test_admin_add_for_the_victims_teacher_grants_nothing(world, capsys):
    before = victim_state(world)
    code = main(
        [
            "admin",
            "add",
            "--org",
            HOSTILE_ORG,
            "--school",
            HOSTILE_SCHOOL,
            "--email",
            PEOPLE["teacher"].email,
        ]
    )
    assert code == 0 and "nothing granted" in capsys.readouterr().out
    assert victim_state(world) == before


# ------------------------------------------------------------------ legitimate use
def test_a_person_of_both_organizations_links_both_after_confirming(world, stack):
    """The victim's teacher really does teach at Mallory Academy too: the launch there asks
    for confirmation, the emailed page's POST links, and both launches then work."""
    from local.mail import sent_emails

    email = PEOPLE["teacher"].email
    page = hostile_launch(world.tool, world.hostile_lms, "teacher").response
    assert "confirm your email" in page.text
    mails = [m for m in sent_emails(stack.ports.moto_url) if email in m.to]
    link = __import__("re").search(r'href="([^"]+/app/verify\?token=[^"]+)"', mails[-1].text)
    token = parse_qs(urlsplit(__import__("html").unescape(link.group(1))).query)["token"][0]
    confirmed = requests.post(
        f"{stack.ports.tool_url}/app/verify",
        data={"token": token},
        allow_redirects=False,
        timeout=10,
    )
    assert confirmed.status_code == 303
    teacher = world.victim["teacher"].session.account_id
    there = hostile_launch(world.tool, world.hostile_lms, "teacher").session
    home = Launch(world.tool.full_launch("teacher")).session
    assert there.account_id == home.account_id == teacher
    assert (there.org_id, home.org_id) == (HOSTILE_ORG, "demo")
    assert there.class_id != home.class_id
