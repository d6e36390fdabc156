"""Where the sign-in pages live: emails (welcome, password reset) link to them."""

from __future__ import annotations

from urllib.parse import urlencode

SIGN_IN_PATH = "/app/sign-in"
SIGN_OUT_PATH = "/app/sign-out"
ACCOUNT_PATH = "/app/account"
CHANGE_PASSWORD_PATH = "/app/change-password"  # noqa: S105 (a path)
FORGOT_PASSWORD_PATH = "/app/forgot-password"  # noqa: S105 (a path)
RESET_PASSWORD_PATH = "/app/reset-password"  # noqa: S105 (a path)
ADMIN_PORTAL_PATH = "/app/admin"


def sign_in_url(base_url: str) -> str:
    return f"{base_url.rstrip('/')}{SIGN_IN_PATH}"


def reset_url(base_url: str, token: str) -> str:
    return f"{base_url.rstrip('/')}{RESET_PASSWORD_PATH}?{urlencode({'token': token})}"
