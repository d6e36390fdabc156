"""Who is signed in at /app/sign-in, and whether they may use the Admin Portal.

Every sign-in page and portal route calls ``require_signed_in`` (or
``require_school_admin``) before touching data, and every form post also
``require_same_origin``. Rules, in this order:

1. No valid ``cb_signin`` cookie (forged, expired) → 401.
2. The account must still exist and its ``session_epoch`` must be the session's: a
   password change raises the account's epoch, which ends every older session.
3. A session signed in with a first-login password may only choose a new password
   (``password_change_allowed=True`` on that one route); anything else → 403.
4. The Admin Portal: the account must administer at least one school; it acts on its
   schools' organization only (``SchoolAdmin.org_id``), read from the account and the
   school's owner in the table, never from the request.
"""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import urlsplit

from coursebridge.sessions import SignedIn, decode_signed_in, signed_in_token
from coursebridge.store.accounts import Account, AccountStore
from coursebridge.store.orgs import OrgStore
from coursebridge.web.errors import Forbidden, NotSignedIn

SIGN_IN_AGAIN = "you are not signed in, or your session has ended: sign in again"
CHANGE_PASSWORD_FIRST = "choose a new password first"  # noqa: S105 (a message)
NOT_AN_ADMIN = "the Admin Portal is for school admins: this account administers no school"
CROSS_SITE_FORM = "this form was sent from another site: open the page here and send it again"


class PasswordChangeRequired(Forbidden):
    """Signed in with a first-login password: only the new-password page is open."""


class SignInRequired(NotSignedIn):
    """No live signed-in session: a page opened so goes to the sign-in page."""


@dataclass(frozen=True)
class SignedInAccount:
    session: SignedIn
    account: Account


@dataclass(frozen=True)
class SchoolAdmin:
    """A signed-in school admin and the one organization their schools belong to."""

    session: SignedIn
    account: Account
    org_id: str
    schools: frozenset[str]


def require_signed_in(event: dict, *, password_change_allowed: bool = False) -> SignedInAccount:
    token = signed_in_token(event)
    session = decode_signed_in(token) if token else None
    if session is None:
        raise SignInRequired(SIGN_IN_AGAIN)
    account = AccountStore().get(session.account_id, consistent=True)
    if account is None or account.session_epoch != session.session_epoch:
        raise SignInRequired(SIGN_IN_AGAIN)
    if (session.must_change_password or account.must_change_password) and not (
        password_change_allowed
    ):
        raise PasswordChangeRequired(CHANGE_PASSWORD_FIRST)
    return SignedInAccount(session, account)


def require_school_admin(event: dict) -> SchoolAdmin:
    signed = require_signed_in(event)
    schools = frozenset(signed.account.admin_schools)
    orgs = {OrgStore().org_of_school(school) for school in sorted(schools)}
    orgs.discard(None)
    if not schools or len(orgs) != 1:
        # An admin's schools are one organization's (admin add grants within one);
        # anything else is refused rather than guessed.
        raise Forbidden(NOT_AN_ADMIN)
    (org_id,) = orgs
    assert org_id is not None
    if org_id not in signed.account.orgs:
        raise Forbidden(NOT_AN_ADMIN)
    return SchoolAdmin(signed.session, signed.account, org_id, schools)


def require_same_origin(event: dict) -> None:
    """CSRF for form posts on top of SameSite=Lax: a browser names the page that sent a
    POST in ``Origin`` (or says ``Sec-Fetch-Site``); one from another site is refused.

    Our pages send ``Referrer-Policy: no-referrer``, under which browsers send
    ``Origin: null`` even for a page's own form posts: a ``null`` origin is accepted only
    when ``Sec-Fetch-Site`` (set by the browser, never by a page) says same-origin.
    """
    headers = {k.lower(): v for k, v in (event.get("headers") or {}).items()}
    host = headers.get("host", "")
    origin = headers.get("origin")
    site = headers.get("sec-fetch-site")
    if origin == "null":
        if site != "same-origin":
            raise Forbidden(CROSS_SITE_FORM)
        return
    if origin is not None:
        if urlsplit(origin).netloc != host:
            raise Forbidden(CROSS_SITE_FORM)
        return
    if (site or "same-origin") not in {"same-origin", "none"}:
        raise Forbidden(CROSS_SITE_FORM)
