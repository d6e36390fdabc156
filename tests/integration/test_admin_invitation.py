"""`admin add` for an account outside the organization: an invitation, never a grant.

Through the local stack: the CLI runs in-process against it, the invitation email is
read back from moto's SES store and its link is opened against the local HTTP API.
"""

from __future__ import annotations

import html
import re
from urllib.parse import parse_qs, urlsplit

import pytest
import requests

from coursebridge.cli import main
from coursebridge.store import keys
from coursebridge.store.accounts import Account, AccountStore
from coursebridge.store.dynamo import app_table, users_table
from coursebridge.store.orgs import Org, OrgStore
from local.mail import sent_emails

pytestmark = pytest.mark.integration

EMAIL = "pat@school-b.example"


def _orgs() -> None:
    OrgStore().create(Org(org_id="orga", name="Org A Schools", schools=["a1"]))
    OrgStore().create(Org(org_id="orgb", name="Org B Schools", schools=["b1"]))


def _admin_items(org_id: str) -> list[dict]:
    return app_table().query(
        KeyConditionExpression="pk = :pk AND begins_with(sk, :admin)",
        ExpressionAttributeValues={":pk": keys.org(org_id)["pk"], ":admin": keys.ADMIN},
        ConsistentRead=True,
    )["Items"]


def _raw_account(account_id: str) -> dict:
    return users_table().get_item(Key=keys.account(account_id), ConsistentRead=True)["Item"]


def _invitation_link(stack, to: str) -> str:
    mails = [m for m in sent_emails(stack.ports.moto_url) if to in m.to]
    assert mails, f"no email to {to}"
    match = re.search(r'href="(http[^"]+/app/invite\?token=[^"]+)"', mails[-1].text)
    assert match, mails[-1].text
    return html.unescape(match.group(1))


def test_an_account_of_another_org_is_invited_and_granted_only_on_the_pages_post(stack, capsys):
    _orgs()
    # An LMS-created student account of org B holds the address.
    student = AccountStore().create(Account(email=EMAIL, orgs={"orgb"}, source="lti"))
    before = _raw_account(student.account_id)

    code = main(["admin", "add", "--org", "orga", "--school", "a1", "--email", EMAIL])
    out = capsys.readouterr().out.strip().splitlines()[-1]
    assert code == 0
    assert "nothing granted" in out and out.split()[-1] == student.account_id
    assert _raw_account(student.account_id) == before  # no right, no membership
    assert _admin_items("orga") == []

    link = _invitation_link(stack, EMAIL)
    assert link.startswith(stack.ports.tool_url)
    for _ in range(2):  # a mail scanner opening the link grants nothing
        page = requests.get(link, timeout=10)
        assert page.status_code == 200
        assert "Org A Schools" in page.text and "a1" in page.text and EMAIL in page.text
        assert "Org B Schools" not in page.text
    assert _raw_account(student.account_id) == before

    token = parse_qs(urlsplit(link).query)["token"][0]
    accepted = requests.post(
        f"{stack.ports.tool_url}/app/invite", data={"token": token}, timeout=10
    )
    assert accepted.status_code == 200 and "school admin of Org A Schools" in accepted.text
    granted = AccountStore().get(student.account_id, consistent=True)
    assert granted.admin_schools == {"a1"} and granted.orgs == {"orga", "orgb"}
    assert [i["accountId"] for i in _admin_items("orga")] == [student.account_id]

    again = requests.post(f"{stack.ports.tool_url}/app/invite", data={"token": token}, timeout=10)
    assert again.status_code == 410


def test_a_member_of_the_org_is_granted_at_once_and_gets_no_invitation(stack, capsys):
    _orgs()
    teacher = AccountStore().create(Account(email=EMAIL, orgs={"orga", "orgb"}))
    sent_before = len(sent_emails(stack.ports.moto_url))
    assert main(["admin", "add", "--org", "orga", "--school", "a1", "--email", EMAIL]) == 0
    assert capsys.readouterr().out.split()[-1] == teacher.account_id
    assert AccountStore().get(teacher.account_id, consistent=True).admin_schools == {"a1"}
    assert len(sent_emails(stack.ports.moto_url)) == sent_before


@pytest.mark.parametrize("token", ["", "abc", "a.1.b", "x" * 900])
def test_bad_invitation_tokens_get_a_readable_page_and_grant_nothing(stack, token):
    for response in (
        requests.get(f"{stack.ports.tool_url}/app/invite", params={"token": token}, timeout=10),
        requests.post(f"{stack.ports.tool_url}/app/invite", data={"token": token}, timeout=10),
    ):
        assert response.status_code == 400 and "Invalid link" in response.text


def test_a_verification_token_is_no_invitation(stack, capsys):
    """Tokens of one kind never pass for the other (domain-separated signatures)."""
    from coursebridge.accounts.verification import issue_token
    from coursebridge.sessions import _SecretCache

    token, _ = issue_token(_SecretCache.get(), int(__import__("time").time()))
    response = requests.post(
        f"{stack.ports.tool_url}/app/invite", data={"token": token}, timeout=10
    )
    assert response.status_code == 400
