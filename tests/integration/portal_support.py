"""Helpers for the Admin Portal tests: organizations with a signed-in school admin, the
portal's own upload (presigned POST, as the page's script sends it), its job."""

from __future__ import annotations

import time
from dataclasses import dataclass
from urllib.parse import urlsplit

import requests

from coursebridge.sessions import SIGN_IN_COOKIE_NAME, SignedIn, encode_signed_in
from coursebridge.store.accounts import Account, AccountStore
from coursebridge.store.orgs import Org, OrgStore
from coursebridge.store.platforms import PlatformRegistration, PlatformStore

# The seed's example school id, and the seed's three row errors in one file (row 1 is
# the header): a new user, an existing one, two rows sharing an email, a school the
# uploader does not administer, an address that is not one.
SCHOOL = "648572"
SEED_EXAMPLE = (
    "firstName,lastName,email,isTeacher,issuedID,schoolID\r\n"
    "Jane,Doe,jane.doe@example.edu,0,14872592,648572\r\n"
    "John,Smith,john.smith@example.edu,1,14872593,648572\r\n"
    "Maria,Garcia,maria.garcia@example.edu,0,14872594,648572\r\n"
    "Mario,Garcia,MARIA.GARCIA@example.edu,0,14872595,648572\r\n"
    "Lee,Chen,lee.chen@example.edu,0,14872596,999999\r\n"
    "Sam,Park,sam.park@example,0,14872597,648572\r\n"
)
SEED_ERRORS = [
    (4, "email", "Duplicate email with row 5"),
    (5, "email", "Duplicate email with row 4"),
    (6, "schoolID", "Unauthorized school"),
    (7, "email", "Validation isEmail on email failed"),
]


@dataclass
class PortalAdmin:
    """A school admin signed in at the tool: an HTTP session carrying ``cb_signin``."""

    base: str
    org_id: str
    account_id: str
    http: requests.Session

    def get(self, path: str, **kw) -> requests.Response:
        return self.http.get(self.base + path, allow_redirects=False, **kw)

    def post(self, path: str, data: dict | None = None, **kw) -> requests.Response:
        headers = {"Origin": self.base, **kw.pop("headers", {})}
        return self.http.post(
            self.base + path, data=data or {}, headers=headers, allow_redirects=False, **kw
        )

    def upload(self, body: bytes | str, name: str = "users.csv", **options: str) -> dict:
        """What the Create Users page does: ask for the presigned POST, post the file."""
        data = body.encode() if isinstance(body, str) else body
        form = {"fileName": name, "fileSize": str(len(data)), **options}
        answer = self.post(
            "/app/admin/create-users/uploads", form, headers={"Accept": "application/json"}
        )
        assert answer.status_code == 200, answer.text
        target = answer.json()
        sent = requests.post(
            target["url"],
            data=target["fields"],
            files={"file": (name, data)},
            headers={"Origin": self.base},
            timeout=10,
        )
        assert sent.status_code == 201, sent.text
        return target

    def status(self, target: dict) -> dict:
        answer = self.get(target["statusUrl"], headers={"Accept": "application/json"})
        assert answer.status_code == 200, answer.text
        return answer.json()


def signed_in(base: str, account_id: str, org_id: str) -> PortalAdmin:
    http = requests.Session()
    token = encode_signed_in(SignedIn(account_id=account_id))
    http.cookies.set(SIGN_IN_COOKIE_NAME, token, domain=urlsplit(base).hostname, path="/app")
    return PortalAdmin(base, org_id, account_id, http)


def portal_org(stack, org_id: str, schools: list[str], email: str, **settings) -> PortalAdmin:
    """An org owning ``schools`` and a signed-in admin of all of them."""
    OrgStore().create(Org(org_id=org_id, name=f"Org {org_id}", schools=schools, **settings))
    admin = AccountStore().create(
        Account(
            email=email,
            first_name="Ada",
            last_name="Admin",
            is_teacher=True,
            orgs={org_id},
            source="cli",
        )
    )
    for school in schools:
        AccountStore().grant_admin(admin.account_id, org_id, school)
        OrgStore().record_admin(org_id, school, admin.account_id)
    return signed_in(stack.ports.tool_url, admin.account_id, org_id)


def registration(org_id: str, client_id: str = "client-1") -> PlatformRegistration:
    found = PlatformRegistration(
        issuer="https://lms.example.edu",
        client_id=client_id,
        deployment_ids=["dep-1"],
        auth_login_url="https://lms.example.edu/auth",
        auth_token_url="https://lms.example.edu/token",
        jwks_url="https://lms.example.edu/jwks",
        org_id=org_id,
    )
    PlatformStore().add(found)
    return found


def run_imports(stack, admin: PortalAdmin, target: dict, timeout: float = 60) -> dict:
    """Run the importer (the local SQS poller, once at a time) until the page's status
    route says the upload is finished; that answer."""
    poller = stack.make_pollers()["CsvImportFunction"]
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        poller.poll_once(wait_seconds=0)
        status = admin.status(target)
        if status["finished"]:
            return status
    raise AssertionError(f"not finished: {admin.status(target)}")
