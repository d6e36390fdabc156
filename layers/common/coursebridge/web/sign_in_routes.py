"""/app/sign-in, /app/sign-out, /app/account, /app/change-password: signing in directly.

Outside any LMS launch: a person types their email or username and password
(accounts/credentials.py) and gets the first-party ``cb_signin`` cookie (sessions.py:
HttpOnly, Secure, SameSite=Lax, Path=/app). Every form post here is checked for the same
origin first (web/signed_in.py ``require_same_origin``), the sign-in form too: another
site cannot sign a browser into an account of its choosing. A session signed in with a
first-login password is sent to /app/change-password and can do nothing else until it
chose a password. The password modules (and argon2, zxcvbn) are imported by these routes
when first called: the other pages start without them.
"""

from __future__ import annotations

import time

from aws_lambda_powertools.event_handler import Response
from aws_lambda_powertools.event_handler.router import APIGatewayHttpRouter

from coursebridge.accounts.sign_in_pages import (
    ACCOUNT_PATH,
    CHANGE_PASSWORD_PATH,
    SIGN_IN_PATH,
)
from coursebridge.sessions import (
    SignedIn,
    encode_signed_in,
    signed_in_cookie,
    signed_out_cookie,
)
from coursebridge.store.accounts import Account, AccountStore
from coursebridge.web import responses
from coursebridge.web.errors import NotSignedIn
from coursebridge.web.http import as_response, form_body, page
from coursebridge.web.signed_in import (
    SignedInAccount,
    require_same_origin,
    require_signed_in,
)

router = APIGatewayHttpRouter()

FIRST_LOGIN_SECONDS = 30 * 60  # a first-login session only chooses a password
NO_MATCH = (
    "That email or username and password do not match. Never set a password, or forgot "
    "it? Choose 'Forgot password?' below."
)
NOTICES = {
    "signed-out": "You are signed out.",
    "password-set": "Your password is saved. Sign in with it.",
    "password-changed": "Your password is saved. Your other sessions have ended.",
}


def client_address(event: dict) -> str:
    return str(((event.get("requestContext") or {}).get("http") or {}).get("sourceIp") or "-")


def _redirect(location: str, cookies: list[str] | None = None) -> Response:
    return as_response(responses.redirect(location, cookies=cookies, status=303))


def _refusal_message(reason: str, retry_after: int) -> tuple[int, str]:
    from coursebridge.accounts.credentials import LOCKED, WAIT

    if reason == LOCKED:
        minutes = max(1, -(-retry_after // 60))
        return 429, (
            f"Too many failed sign-ins: signing in is locked for {minutes} more minute(s). "
            "'Forgot password?' still works, and unlocks it."
        )
    if reason == WAIT:
        return 429, f"Too many failed sign-ins: wait {retry_after} second(s), then try again."
    return 401, NO_MATCH


def _session_cookie(account: Account, epoch: int, first_login: bool) -> str:
    if first_login:
        session = SignedIn(
            account_id=account.account_id,
            session_epoch=epoch,
            must_change_password=True,
            exp=int(time.time()) + FIRST_LOGIN_SECONDS,
        )
        return signed_in_cookie(encode_signed_in(session), max_age=FIRST_LOGIN_SECONDS)
    session = SignedIn(account_id=account.account_id, session_epoch=epoch)
    return signed_in_cookie(encode_signed_in(session))


def _sign_in_page(status: int, name: str = "", error: str = "", notice: str = "") -> Response:
    return page(status, "sign_in.html", name=name, error=error, notice=notice)


@router.get(SIGN_IN_PATH)
def sign_in_page() -> Response:
    try:
        signed = require_signed_in(router.current_event.raw_event, password_change_allowed=True)
        first_login = signed.session.must_change_password
        return _redirect(CHANGE_PASSWORD_PATH if first_login else ACCOUNT_PATH)
    except NotSignedIn:
        pass
    done = router.current_event.get_query_string_value("done", "") or ""
    return _sign_in_page(200, notice=NOTICES.get(done, ""))


@router.post(SIGN_IN_PATH)
def sign_in() -> Response:
    from coursebridge.accounts.credentials import Credentials, SignInRefused

    event = router.current_event.raw_event
    require_same_origin(event)
    form = form_body(router.current_event)
    name, password = form.get("name", "").strip(), form.get("password", "")
    if not name or not password:
        return _sign_in_page(400, name, "Enter your email or username and your password.")
    try:
        account = Credentials().sign_in(name, password, client_address(event))
    except SignInRefused as refused:
        status, message = _refusal_message(refused.reason, refused.retry_after)
        return _sign_in_page(status, name, message)
    first_login = account.must_change_password
    cookie = _session_cookie(account, account.session_epoch, first_login)
    return _redirect(CHANGE_PASSWORD_PATH if first_login else ACCOUNT_PATH, [cookie])


@router.post("/app/sign-out")
def sign_out() -> Response:
    require_same_origin(router.current_event.raw_event)
    return _redirect(f"{SIGN_IN_PATH}?done=signed-out", [signed_out_cookie()])


@router.post("/app/sign-out-everywhere")
def sign_out_everywhere() -> Response:
    event = router.current_event.raw_event
    require_same_origin(event)
    signed = require_signed_in(event, password_change_allowed=True)
    AccountStore().end_sessions(signed.account.account_id)
    return _redirect(f"{SIGN_IN_PATH}?done=signed-out", [signed_out_cookie()])


@router.get(ACCOUNT_PATH)
def account_page() -> Response:
    # without a live session the app sends the page to sign-in (functions/web/app.py)
    signed = require_signed_in(router.current_event.raw_event)
    account = signed.account
    done = router.current_event.get_query_string_value("done", "") or ""
    return page(
        200,
        "account.html",
        name=account.name,
        username=account.username or "",
        email=account.email,
        admin=bool(account.admin_schools),
        notice=NOTICES.get(done, ""),
    )


def _change_page(status: int, signed: SignedInAccount, problems: list[str]) -> Response:
    return page(
        status,
        "change_password.html",
        first_login=signed.session.must_change_password,
        username=signed.account.username or signed.account.email or "",
        problems=problems,
    )


@router.get(CHANGE_PASSWORD_PATH)
def change_password_page() -> Response:
    signed = require_signed_in(router.current_event.raw_event, password_change_allowed=True)
    return _change_page(200, signed, [])


@router.post(CHANGE_PASSWORD_PATH)
def change_password() -> Response:
    from coursebridge.accounts.credentials import (
        Credentials,
        PasswordChangedMeanwhile,
        PasswordRejected,
        SignInRefused,
    )

    event = router.current_event.raw_event
    require_same_origin(event)
    signed = require_signed_in(event, password_change_allowed=True)
    form = form_body(router.current_event)
    current = None if signed.session.must_change_password else form.get("current", "")
    try:
        epoch = Credentials().change_password(
            signed.account,
            current,
            form.get("password", ""),
            form.get("confirm", ""),
            client_address(event),
        )
    except SignInRefused as refused:
        status, message = _refusal_message(refused.reason, refused.retry_after)
        if status == 401:
            message = "Your current password is not right."
        return _change_page(status, signed, [message])
    except PasswordRejected as rejected:
        return _change_page(400, signed, rejected.problems)
    except PasswordChangedMeanwhile:
        raise NotSignedIn("your password was changed meanwhile: sign in again") from None
    cookie = _session_cookie(signed.account, epoch, first_login=False)
    return _redirect(f"{ACCOUNT_PATH}?done=password-changed", [cookie])
