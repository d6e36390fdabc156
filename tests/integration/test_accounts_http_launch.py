"""Account mapping through the real launch: demo LMS → /lti/launch → session.

The same person launching twice is one account; an email changed in the LMS reaches
the account; a teacher whose account is in another org gets the verification email
(moto SES) and is in after clicking it.
"""

from __future__ import annotations

import html
import re
from urllib.parse import parse_qs, urlsplit

import pytest
import requests

from coursebridge.sessions import Session, decode_session
from coursebridge.store.accounts import AccountStore
from coursebridge.store.orgs import Org, OrgStore
from local.demo_lms.platform import PEOPLE
from local.mail import sent_emails
from tests.integration.accounts_support import make_account, make_org
from tests.lti_support import ToolClient, registered

pytestmark = pytest.mark.integration


@pytest.fixture
def tool_with_student_ids(stack, lms):
    # The org exists before the demo registration, which then keeps it as it is.
    OrgStore().create(
        Org(org_id="demo", name="Demo", schools=["demo-school"], student_id_field="student_id")
    )
    return registered(stack, lms)


def launch(tool: ToolClient, person: str, **changes: str) -> requests.Response:
    login = tool.login(person)
    claims = {**tool.claims(login, person), **changes}
    return tool.launch(tool.lms.platform.keys.sign(claims), login.state, login.cookie_header)


def session_of(response: requests.Response) -> Session:
    assert response.status_code in (302, 303), response.text
    token = parse_qs(urlsplit(response.headers["location"]).query)["cb_session"][0]
    session = decode_session(token)
    assert session is not None
    return session


def test_the_same_person_launching_twice_is_one_account(tool):
    first = session_of(launch(tool, "student"))
    second = session_of(launch(tool, "student"))
    assert first.account_id == second.account_id
    assert (first.role, second.role) == ("STUDENT", "STUDENT")
    account = AccountStore().get(first.account_id, consistent=True)
    assert account.email == PEOPLE["student"].email
    assert account.student_id is None  # the demo org names no studentIdField
    assert account.source == "lti" and account.password_hash is None


def test_an_email_changed_in_the_lms_reaches_the_account(tool):
    first = session_of(launch(tool, "teacher"))
    second = session_of(launch(tool, "teacher", email="Tess.New@Demo.Example"))
    assert second.account_id == first.account_id
    assert second.email == "tess.new@demo.example"
    assert AccountStore().account_id_for_email("tess.new@demo.example") == first.account_id
    assert AccountStore().account_id_for_email(PEOPLE["teacher"].email) is None


def test_a_teacher_with_an_account_in_another_org_verifies_by_email_and_is_in(stack, tool):
    make_org("elsewhere")
    email = PEOPLE["teacher"].email
    holder = make_account(email, first_name="Tess", orgs={"elsewhere"}, is_teacher=True)
    # moto keeps SES mail across stack resets, and lists plain messages before raw ones
    # (report emails): only the messages this launch adds count, whatever their place.
    before = {m.text for m in sent_emails(stack.ports.moto_url)}

    page = launch(tool, "teacher")
    assert page.status_code == 200 and "Check your email" in page.text

    mails = [m for m in sent_emails(stack.ports.moto_url) if email in m.to and m.text not in before]
    assert len(mails) == 1
    href = re.search(r'href="([^"]+/app/verify\?token=[^"]+)"', mails[0].text)
    assert href, mails[0].text
    link = html.unescape(href.group(1))
    assert link.startswith(tool.tool_url)

    page = requests.get(link, allow_redirects=False, timeout=10)  # a page, nothing linked
    assert page.status_code == 200 and 'action="/app/verify"' in page.text
    assert AccountStore().get(holder.account_id, consistent=True).orgs == {"elsewhere"}
    form = dict(re.findall(r'name="(\w+)" value="([^"]*)"', page.text))
    clicked = requests.post(
        f"{tool.tool_url}/app/verify", data=form, allow_redirects=False, timeout=10
    )
    session = session_of(clicked)
    assert (session.account_id, session.org_id, session.role) == (
        holder.account_id,
        "demo",
        "TEACHER",
    )
    assert "/units/" in clicked.headers["location"]
    assert AccountStore().get(holder.account_id, consistent=True).orgs == {"elsewhere", "demo"}

    # From now on the launch goes straight in, as the same account.
    assert session_of(launch(tool, "teacher")).account_id == holder.account_id


def test_a_student_is_linked_to_their_csv_account_by_the_student_id_field(tool_with_student_ids):
    csv = make_account(
        "sam@school.example",
        first_name="Sam",
        source="csv",
        schools={"demo-school"},
        orgs={"demo"},
        issued_ids={"demo-school": "S-student"},  # the demo LMS sends custom student_id
    )
    session = session_of(launch(tool_with_student_ids, "student"))
    assert session.account_id == csv.account_id
    stored = AccountStore().get(csv.account_id, consistent=True)
    assert stored.student_id == "S-student" and stored.linked_at is not None
    assert stored.email == "sam@school.example"  # the CSV email stays until the LMS changes
