"""Helpers for the sign-in tests: accounts with passwords, a browser-like HTTP client of
the tool's own site, and the links in emails."""

from __future__ import annotations

import html
import re
import time
from http.cookies import SimpleCookie

import requests

from coursebridge.accounts.passwords import hash_password
from coursebridge.sessions import SIGN_IN_COOKIE_NAME
from coursebridge.store.accounts import Account, AccountStore
from tests.integration.import_support import emails_to

GOOD_PASSWORD = "violet-harbor-lantern-41"
OTHER_PASSWORD = "quiet-meadow-copper-77"
FIRST_LOGIN = "Welcome-to-School-2026"


def make_account(
    email: str | None = None, password: str | None = GOOD_PASSWORD, first_login: bool = False,
    **fields,
) -> Account:  # fmt: skip
    """An account (with a username, like every new one) and the password given."""
    return AccountStore().create(
        Account(
            email=email or f"user{time.time_ns()}@school.example",
            first_name=fields.pop("first_name", "Jane"),
            last_name=fields.pop("last_name", "Doe"),
            password_hash=hash_password(password) if password else None,
            must_change_password=first_login,
            source=fields.pop("source", "csv"),
            **fields,
        )
    )


class Browser:
    """What a browser on the tool's own pages does: keeps its cookies (Secure ones too:
    127.0.0.1 counts as a secure origin), sends ``Origin`` with form posts, and does not
    follow redirects (tests read them)."""

    def __init__(self, base_url: str) -> None:
        self.base_url = base_url
        self.cookies: dict[str, str] = {}

    def _headers(self, origin: str | None) -> dict[str, str]:
        headers = {"cookie": "; ".join(f"{k}={v}" for k, v in self.cookies.items())}
        if origin is not None:
            headers["origin"] = origin
        return headers

    def _keep(self, response: requests.Response) -> requests.Response:
        for header in response.raw.headers.getlist("set-cookie"):
            parsed = SimpleCookie()
            parsed.load(header)
            for name, morsel in parsed.items():
                if morsel["max-age"] == "0":
                    self.cookies.pop(name, None)
                else:
                    self.cookies[name] = morsel.value
        return response

    def get(self, path: str, **params: str) -> requests.Response:
        response = requests.get(
            self.base_url + path, params=params, headers=self._headers(None),
            allow_redirects=False, timeout=20,
        )  # fmt: skip
        return self._keep(response)

    def post(self, path: str, data: dict, origin: str | None = "") -> requests.Response:
        """``origin``: "" (the default) is our own; None sends none; else that origin."""
        sent = self.base_url if origin == "" else origin
        response = requests.post(
            self.base_url + path, data=data, headers=self._headers(sent),
            allow_redirects=False, timeout=20,
        )  # fmt: skip
        return self._keep(response)

    def sign_in(self, name: str, password: str) -> requests.Response:
        return self.post("/app/sign-in", {"name": name, "password": password})

    @property
    def session(self) -> str | None:
        return self.cookies.get(SIGN_IN_COOKIE_NAME)


LINK = re.compile(r"https?://\S+/app/reset-password\?token=[A-Za-z0-9._%-]+")


def reset_links(stack, address: str, since) -> list[str]:
    """The reset links emailed to ``address`` since the ``mail_count`` snapshot."""
    found = []
    for message in emails_to(stack, address, since=since):
        found += LINK.findall(message.text)
    return list(dict.fromkeys(found))


def plain(text: str) -> str:
    """An email's text without markup (moto keeps the HTML part of a two-part message)."""
    return html.unescape(re.sub(r"<[^>]+>", " ", text))
